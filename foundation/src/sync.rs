//! The synchronisation shim: std's primitives in a normal build, loom's under
//! `--cfg loom`, so that the lock-free parts (the mailbox queue, the actor
//! state word and the handler words) can be model-checked without changing a
//! line of them.
//!
//! The mailbox queue, the actor state word, the handler words, the
//! scheduler's idle/park/wake hand-shake and reply completion go through
//! this shim; the run queues are crossbeam-deque's (model-checked upstream).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{
    AtomicBool, AtomicI64, AtomicPtr, AtomicU8, AtomicU16, AtomicU32, AtomicU64, AtomicUsize, fence,
};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{
    AtomicBool, AtomicI64, AtomicPtr, AtomicU8, AtomicU16, AtomicU32, AtomicU64, AtomicUsize, fence,
};

/// An `UnsafeCell` with loom's closure-based API, so that loom can track
/// every access to the cell's contents.
#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    #[allow(dead_code)] // loom's API; blocks are allocated zeroed instead
    pub(crate) const fn new(value: T) -> Self {
        Self(std::cell::UnsafeCell::new(value))
    }

    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// Waits a little for another thread to finish a step it has begun (a
/// producer between claiming a slot and filling it).
#[cfg(not(loom))]
pub(crate) struct Backoff(crossbeam_utils::Backoff);

#[cfg(not(loom))]
impl Backoff {
    #[inline]
    pub(crate) fn new() -> Self {
        Self(crossbeam_utils::Backoff::new())
    }

    #[inline]
    pub(crate) fn spin(&self) {
        self.0.spin();
    }

    #[inline]
    pub(crate) fn snooze(&self) {
        self.0.snooze();
    }
}

#[cfg(loom)]
pub(crate) struct Backoff;

#[cfg(loom)]
impl Backoff {
    pub(crate) fn new() -> Self {
        Self
    }

    pub(crate) fn spin(&self) {
        loom::thread::yield_now();
    }

    pub(crate) fn snooze(&self) {
        loom::thread::yield_now();
    }
}

/// A mutex loom can see, for the lock-free protocols' own small critical
/// sections (the scheduler's list of sleeping threads, a reply slot).
#[cfg(loom)]
pub(crate) use loom::sync::Mutex as ModelMutex;
#[cfg(not(loom))]
pub(crate) use std::sync::Mutex as ModelMutex;

/// Locks a [`ModelMutex`], ignoring poisoning (see [`lock`]).
pub(crate) fn lock_model<T>(m: &ModelMutex<T>) -> impl core::ops::DerefMut<Target = T> + '_ {
    #[cfg(loom)]
    return m.lock().unwrap();
    #[cfg(not(loom))]
    return lock(m);
}

/// Parks this thread until it is unparked or `deadline` (`None`: however
/// long it takes) passes. Returns `false`, without parking, if the
/// deadline has passed already: the waits for room and for credit give up
/// then.
pub(crate) fn park_until(deadline: Option<std::time::Instant>) -> bool {
    match deadline {
        None => std::thread::park(),
        Some(deadline) => {
            let now = std::time::Instant::now();
            if now >= deadline {
                return false;
            }
            std::thread::park_timeout(deadline - now);
        }
    }
    true
}

/// Locks a std mutex, ignoring poisoning. Every critical section in the
/// runtime is a few field or collection updates that leave the data
/// consistent even if a panic interrupts the thread elsewhere, and a poisoned
/// lock must not take the node down with it.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

// ---- asymmetric fences ---------------------------------------------------
//
// Two hand-shakes have a side that runs for every message and a side that
// runs almost never: a runner leaving a handler against a killer, a
// run-next slot's owner taking its task against a thief. Each is Dekker's
// (each side writes its word, fences, reads the other's), and the fence is
// asymmetric where the platform allows: on Linux the rare side issues
// `membarrier(PRIVATE_EXPEDITED)`, which runs a full fence on every CPU
// running one of our threads, and the frequent side needs only a compiler
// fence. Elsewhere (and under Miri and loom) both sides use a `SeqCst`
// fence.

/// The frequent side's half of an asymmetric Dekker hand-shake (a runner
/// leaving a handler, a run-next slot's owner taking its task): between its
/// store and its load.
#[inline]
pub(crate) fn light_fence() {
    use core::sync::atomic::Ordering::SeqCst;
    if asymmetric::enabled() {
        // The other side's membarrier stands in for this side's fence.
        core::sync::atomic::compiler_fence(SeqCst);
    } else {
        fence(SeqCst);
    }
}

/// The rare side's half (a killer, a thief of a run-next task): after its
/// claim, before it looks at the other side's word.
pub(crate) fn heavy_fence() {
    fence(core::sync::atomic::Ordering::SeqCst);
    if asymmetric::enabled() {
        asymmetric::heavy_barrier();
    }
}

/// Linux `membarrier(2)`, registered once per process when a node starts.
#[cfg(all(target_os = "linux", not(miri), not(loom)))]
pub(crate) mod asymmetric {
    use core::sync::atomic::AtomicBool;
    use core::sync::atomic::Ordering::{Relaxed, Release};
    use std::sync::Once;

    // From <linux/membarrier.h>.
    const MEMBARRIER_CMD_PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
    const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;

    static ENABLED: AtomicBool = AtomicBool::new(false);

    /// Registers the process for expedited membarriers; without it (an old
    /// kernel, a sandbox that forbids the call) both sides use fences.
    /// Called before a node's threads start, so every runner of that node
    /// sees the final mode.
    pub(crate) fn init() {
        static INIT: Once = Once::new();
        INIT.call_once(|| {
            // SAFETY: a plain syscall with integer arguments.
            let registered = unsafe {
                libc::syscall(
                    libc::SYS_membarrier,
                    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
                    0,
                    0,
                )
            } == 0;
            if registered {
                ENABLED.store(true, Release);
            } else {
                tracing::debug!(
                    "membarrier unavailable ({}); kills use a fence per message",
                    std::io::Error::last_os_error()
                );
            }
        });
    }

    #[inline]
    pub(crate) fn enabled() -> bool {
        ENABLED.load(Relaxed)
    }

    /// A full fence on every CPU running a thread of this process.
    pub(crate) fn heavy_barrier() {
        // SAFETY: as in `init`; registered before `enabled()` turned true.
        let done =
            unsafe { libc::syscall(libc::SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) };
        if done != 0 {
            // Cannot happen once registered (the man page's only errors are
            // for unregistered or unknown commands); going on would let a
            // killer and a runner both consume a mailbox.
            panic!(
                "membarrier failed after registration: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

/// Elsewhere: fences on both sides.
#[cfg(not(all(target_os = "linux", not(miri), not(loom))))]
pub(crate) mod asymmetric {
    pub(crate) fn init() {}

    #[inline]
    pub(crate) fn enabled() -> bool {
        false
    }

    pub(crate) fn heavy_barrier() {}
}
