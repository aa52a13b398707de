//! Idle scheduler threads: searching (spinning), sleeping (parked), and
//! waking one when work arrives.
//!
//! The protocol is Dekker-style throughout: a thread stops searching and
//! announces itself as sleeping, fences, then looks for work once more; a
//! waker publishes work, fences, then looks for searchers and sleepers; so
//! one of the two always sees the other. A searcher that finds work and was
//! the last one searching wakes a sleeper if more work is left (tokio's
//! rule), so parallelism is not lost.
//!
//! This file knows counters and indices only: which thread to unpark is its
//! answer, and the caller unparks it. Its atomics go through the `sync`
//! shim, so the hand-shake is model-checked (`loom_tests.rs`,
//! `loom_idle_*`).

use core::sync::atomic::Ordering::{Relaxed, SeqCst};

use crate::sync::{AtomicUsize, ModelMutex, fence, lock_model};

/// The idle threads of one scheduler.
pub(crate) struct Idle {
    /// Parked threads: index, and whether it parked with no timeout (a
    /// thread watching another's run-next slot parks with one). Their
    /// count, and the count of those without a timeout, are read without
    /// the lock.
    sleeping: ModelMutex<Vec<(usize, bool)>>,
    sleepers: AtomicUsize,
    indefinite: AtomicUsize,
    /// Threads spinning for work; while there is one, wakers wake nobody.
    searching: AtomicUsize,
}

impl Idle {
    pub(crate) fn new(threads: usize) -> Self {
        Idle {
            sleeping: ModelMutex::new(Vec::with_capacity(threads)),
            sleepers: AtomicUsize::new(0),
            indefinite: AtomicUsize::new(0),
            searching: AtomicUsize::new(0),
        }
    }

    /// Makes sure some thread will take newly published work: a searching
    /// thread will; otherwise the answer is a sleeper to unpark, if any.
    /// Call after publishing work.
    #[inline]
    pub(crate) fn wake_one(&self) -> Option<usize> {
        fence(SeqCst);
        if self.searching.load(Relaxed) > 0 {
            return None;
        }
        self.take_sleeper()
    }

    pub(crate) fn start_searching(&self) {
        self.searching.fetch_add(1, SeqCst);
    }

    /// A searcher found work. If it was the last searcher and `has_work`
    /// says work is left over, someone must take that: a sleeper to unpark.
    pub(crate) fn stop_searching(&self, has_work: impl FnOnce() -> bool) -> Option<usize> {
        if self.searching.fetch_sub(1, SeqCst) == 1 {
            fence(SeqCst);
            if has_work() {
                return self.take_sleeper();
            }
        }
        None
    }

    /// A searcher gives up and is about to park: it calls
    /// [`announce_sleep`](Self::announce_sleep) next, and looks for work
    /// once more after it.
    pub(crate) fn stop_searching_to_sleep(&self) {
        self.searching.fetch_sub(1, SeqCst);
    }

    /// Takes a sleeper off the list, if any.
    fn take_sleeper(&self) -> Option<usize> {
        if self.sleepers.load(Relaxed) == 0 {
            return None;
        }
        let mut sleeping = lock_model(&self.sleeping);
        let (index, indefinite) = sleeping.pop()?;
        self.sleepers.fetch_sub(1, Relaxed);
        if indefinite {
            self.indefinite.fetch_sub(1, Relaxed);
        }
        Some(index)
    }

    /// Called by a thread about to park: whether some other thread, of
    /// `threads`, is neither parked nor searching (a hint: it runs a task
    /// now, or did a moment ago).
    pub(crate) fn others_running(&self, threads: usize) -> bool {
        // The caller is searching no more and not parked yet: it counts in
        // neither, so the others at work are what remains of `threads - 1`.
        self.sleepers.load(Relaxed) + self.searching.load(Relaxed) + 1 < threads
    }

    /// A thread has just put a task into its empty run-next slot and goes
    /// on with its handler: should it wake a thread? Only if one is parked
    /// with no timeout and none is searching — a thread that watches the
    /// slot, or searches, will find the task if it waits too long (see
    /// `run_next.rs`). Relaxed, with no fence: a thread parking at this
    /// instant may miss the task until the handler returns, which delays it
    /// (as before this slot was stealable) and loses nothing.
    #[inline]
    pub(crate) fn should_wake_for_run_next(&self) -> bool {
        self.indefinite.load(Relaxed) > 0 && self.searching.load(Relaxed) == 0
    }

    /// Thread `index` is about to park. The caller looks for work once
    /// more after this (the fence here orders that look after the
    /// announcement; a waker's fence orders its look at the sleepers after
    /// its work), then parks, or cancels if it found work.
    /// `indefinite`: it will park with no timeout.
    pub(crate) fn announce_sleep(&self, index: usize, indefinite: bool) {
        {
            let mut sleeping = lock_model(&self.sleeping);
            sleeping.push((index, indefinite));
            if indefinite {
                self.indefinite.fetch_add(1, Relaxed);
            }
            self.sleepers.fetch_add(1, SeqCst);
        }
        fence(SeqCst);
    }

    /// Takes `index` off the sleeping list if a waker has not already;
    /// `true` if it was still there (nobody woke it).
    pub(crate) fn cancel_sleep(&self, index: usize) -> bool {
        let mut sleeping = lock_model(&self.sleeping);
        let Some(at) = sleeping.iter().position(|&(i, _)| i == index) else {
            return false;
        };
        let (_, indefinite) = sleeping.swap_remove(at);
        self.sleepers.fetch_sub(1, Relaxed);
        if indefinite {
            self.indefinite.fetch_sub(1, Relaxed);
        }
        true
    }
}
