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
    /// Indices of parked threads, and their count (read without the lock).
    sleeping: ModelMutex<Vec<usize>>,
    sleepers: AtomicUsize,
    /// Threads spinning for work; while there is one, wakers wake nobody.
    searching: AtomicUsize,
}

impl Idle {
    pub(crate) fn new(threads: usize) -> Self {
        Idle {
            sleeping: ModelMutex::new(Vec::with_capacity(threads)),
            sleepers: AtomicUsize::new(0),
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
        let index = sleeping.pop();
        if index.is_some() {
            self.sleepers.fetch_sub(1, Relaxed);
        }
        index
    }

    /// Thread `index` is about to park. The caller looks for work once
    /// more after this (the fence here orders that look after the
    /// announcement; a waker's fence orders its look at the sleepers after
    /// its work), then parks, or cancels if it found work.
    pub(crate) fn announce_sleep(&self, index: usize) {
        {
            let mut sleeping = lock_model(&self.sleeping);
            sleeping.push(index);
            self.sleepers.fetch_add(1, SeqCst);
        }
        fence(SeqCst);
    }

    /// Takes `index` off the sleeping list if a waker has not already.
    pub(crate) fn cancel_sleep(&self, index: usize) {
        let mut sleeping = lock_model(&self.sleeping);
        if let Some(at) = sleeping.iter().position(|&i| i == index) {
            sleeping.swap_remove(at);
            self.sleepers.fetch_sub(1, Relaxed);
        }
    }
}
