//! The synchronisation shim: std's primitives in a normal build, loom's under
//! `--cfg loom`, so that the lock-free parts (the mailbox queue, the actor
//! state word and the handler words) can be model-checked without changing a
//! line of them.
//!
//! The mailbox queue, the actor state word, the handler words, the
//! scheduler's idle/park/wake hand-shake and reply completion go through
//! this shim; the run queues are crossbeam-deque's (model-checked upstream).

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, fence};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, fence};

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
/// sections (the scheduler's list of sleeping threads).
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

/// Locks a std mutex, ignoring poisoning. Every critical section in the
/// runtime is a few field or collection updates that leave the data
/// consistent even if a panic interrupts the thread elsewhere, and a poisoned
/// lock must not take the node down with it.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
