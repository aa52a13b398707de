//! The credit pool of a `credit_based` mailbox (ADR 0007 §7): a fixed
//! number of credits, one per message that may be queued. A producer draws
//! credit in chunks and spends one per send; the runner gives credit back
//! in batches as it handles messages (one atomic add, and a wake only when
//! someone waits). Queued messages plus credit held by producers plus
//! credit in the pool always make the pool's size, so the queue never holds
//! more than that (messages the runtime queues on the actor's own behalf —
//! timers, subscriptions — are forced in, driving the pool below zero until
//! they are handled).

use core::sync::atomic::Ordering::SeqCst;
use std::sync::Mutex;

use crate::sync::{AtomicBool, AtomicI64, fence, lock};

/// Who waits for credit to come back.
pub(crate) enum CreditWaiter {
    /// A thread in a timed send: unparked.
    Thread(std::thread::Thread),
    /// A producer that asked to be told: its notice is sent.
    Notice(Box<dyn FnOnce() + Send>),
}

pub(crate) struct CreditPool {
    size: u32,
    /// Credit not held by any producer nor spent on a queued message.
    available: AtomicI64,
    /// Set while `waiters` is not empty; read after every give-back.
    wanted: AtomicBool,
    waiters: Mutex<Vec<CreditWaiter>>,
}

impl CreditPool {
    pub(crate) fn new(size: u32) -> Self {
        CreditPool {
            size,
            available: AtomicI64::new(i64::from(size)),
            wanted: AtomicBool::new(false),
            waiters: Mutex::new(Vec::new()),
        }
    }

    /// The pool's size: how many messages may be queued.
    pub(crate) fn size(&self) -> u32 {
        self.size
    }

    /// Credit in the pool now (a snapshot; below zero while forced
    /// messages are queued).
    pub(crate) fn available(&self) -> i64 {
        self.available.load(SeqCst)
    }

    /// Takes up to `want` credits; returns how many (0: none left).
    #[inline]
    pub(crate) fn draw(&self, want: u32) -> u32 {
        let mut current = self.available.load(SeqCst);
        loop {
            if current <= 0 {
                return 0;
            }
            let take = current.min(i64::from(want));
            match self
                .available
                .compare_exchange_weak(current, current - take, SeqCst, SeqCst)
            {
                Ok(_) => return take as u32,
                Err(actual) => current = actual,
            }
        }
    }

    /// Spends a credit whether or not there is one (a message the runtime
    /// queues on the actor's own behalf; handling it gives it back).
    pub(crate) fn force(&self) {
        self.available.fetch_sub(1, SeqCst);
    }

    /// Gives `n` credits back (messages handled, a producer dropped) and
    /// wakes whoever waits for them.
    #[inline]
    pub(crate) fn give_back(&self, n: u32) {
        // Dekker's hand-shake on two words with `wait` and the draw after
        // it (a fence on each side): one of us sees the other.
        self.available.fetch_add(i64::from(n), SeqCst);
        fence(SeqCst);
        if self.wanted.load(SeqCst) {
            self.wake_all();
        }
    }

    /// Lists `waiter` to be woken at the next give-back. The caller then
    /// draws again: credit may have come back before it was listed.
    pub(crate) fn wait(&self, waiter: CreditWaiter) {
        lock(&self.waiters).push(waiter);
        self.wanted.store(true, SeqCst);
        fence(SeqCst);
    }

    /// Forgets this thread's listing (a timed send that gave up or got
    /// through).
    pub(crate) fn forget_thread(&self) {
        let me = std::thread::current().id();
        let mut waiters = lock(&self.waiters);
        waiters.retain(|w| !matches!(w, CreditWaiter::Thread(t) if t.id() == me));
    }

    #[cold]
    #[inline(never)]
    fn wake_all(&self) {
        // Lowered before the list is taken (no atomic inside the lock, for
        // the loom model): a waiter listed meanwhile is taken with the
        // rest, or raises the flag again after we took the list.
        self.wanted.store(false, SeqCst);
        let waiters = core::mem::take(&mut *lock(&self.waiters));
        for waiter in waiters {
            match waiter {
                CreditWaiter::Thread(thread) => thread.unpark(),
                CreditWaiter::Notice(notice) => notice(),
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn credit_is_drawn_in_chunks_spent_forced_and_given_back() {
        let pool = CreditPool::new(10);
        assert_eq!(pool.draw(4), 4);
        assert_eq!(pool.draw(4), 4);
        assert_eq!(pool.draw(4), 2, "what is left");
        assert_eq!(pool.draw(4), 0);
        pool.force();
        assert_eq!(pool.available(), -1);
        pool.give_back(3);
        assert_eq!(pool.draw(4), 2);
        assert_eq!(pool.size(), 10);
    }

    #[test]
    fn a_give_back_wakes_every_waiter_once() {
        let pool = CreditPool::new(1);
        assert_eq!(pool.draw(1), 1);
        let told = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let told = Arc::clone(&told);
            pool.wait(CreditWaiter::Notice(Box::new(move || {
                told.fetch_add(1, SeqCst);
            })));
        }
        pool.give_back(1);
        pool.give_back(0);
        assert_eq!(told.load(SeqCst), 2);
    }
}
