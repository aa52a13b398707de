//! The actor state word: one atomic that says whether an actor is idle, owed a
//! run, or running, and guarantees it is scheduled at most once at a time.
//!
//! ```text
//!   bit 0  NOTIFIED  a run is owed: the actor sits in a run queue, or it is
//!                    RUNNING and new work arrived since the run began
//!   bit 1  RUNNING   a scheduler thread is running the actor
//!   bit 2  MUTED     flow control: the actor sent to an overloaded actor
//!                    and is not run until that one drains (ADR 0007);
//!                    parked muted, the word is MUTED|NOTIFIED, so sends
//!                    leave a note and do not schedule it
//!   bit 3  STOPPED   the incarnation has stopped; it is never scheduled
//!                    again (a supervisor may start a new one: `restart`)
//!   bit 4  VACANT    a stopped, restartable cell whose last runner is done
//!                    with it: its supervisor may claim it (restart or retire)
//!   bits 32..64      the incarnation, bumped on every restart
//! ```
//!
//! Every transition is a single read-modify-write, so the word's modification
//! order decides every race: a sender that sets NOTIFIED on an idle actor
//! schedules it; a sender that sets it on a running actor makes the runner's
//! attempt to go idle fail, so the runner looks at the mailbox again. No wake
//! is ever lost, and no actor is ever in two run queues.

use core::sync::atomic::Ordering::{AcqRel, Acquire, Release};

use crate::sync::AtomicU64;

pub(crate) const NOTIFIED: u64 = 1 << 0;
pub(crate) const RUNNING: u64 = 1 << 1;
pub(crate) const MUTED: u64 = 1 << 2;
pub(crate) const STOPPED: u64 = 1 << 3;
pub(crate) const VACANT: u64 = 1 << 4;
pub(crate) const INCARNATION_SHIFT: u32 = 32;

/// What a runner should do after finding its mailbox empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idle {
    /// The actor is idle now; the next send schedules it.
    Parked,
    /// Work arrived meanwhile; keep running (NOTIFIED has been cleared).
    MoreWork,
}

#[derive(Debug)]
pub(crate) struct State(AtomicU64);

impl State {
    /// A new actor: owed its first run (which calls `started`).
    pub(crate) fn new_scheduled(incarnation: u32) -> Self {
        State(AtomicU64::new(
            ((incarnation as u64) << INCARNATION_SHIFT) | NOTIFIED,
        ))
    }

    /// Records that work arrived. Returns `true` if the caller moved the actor
    /// from idle to scheduled and must now put it in a run queue.
    #[inline]
    pub(crate) fn notify(&self) -> bool {
        let prev = self.0.fetch_or(NOTIFIED, AcqRel);
        prev & (NOTIFIED | RUNNING | STOPPED) == 0
    }

    /// A scheduler thread took the actor from a run queue.
    #[inline]
    /// Returns the incarnation being run (from the same read-modify-write).
    pub(crate) fn begin_run(&self) -> u32 {
        // NOTIFIED (bit 0) set and RUNNING (bit 1) clear, as asserted below:
        // adding 1 clears the one and sets the other, and `lock xadd` hands
        // back the old word (a `fetch_xor` whose result is used becomes a
        // compare-exchange loop on x86).
        let prev = self.0.fetch_add(RUNNING - NOTIFIED, AcqRel);
        debug_assert_eq!(
            prev & (NOTIFIED | RUNNING | STOPPED),
            NOTIFIED,
            "an actor was run while not scheduled"
        );
        (prev >> INCARNATION_SHIFT) as u32
    }

    /// The runner found the mailbox empty: go idle unless work arrived.
    #[inline]
    pub(crate) fn try_idle(&self) -> Idle {
        let mut current = self.0.load(Acquire);
        loop {
            debug_assert!(current & RUNNING != 0);
            if current & NOTIFIED != 0 {
                self.0.fetch_and(!NOTIFIED, AcqRel);
                return Idle::MoreWork;
            }
            match self
                .0
                .compare_exchange_weak(current, current & !RUNNING, AcqRel, Acquire)
            {
                Ok(_) => return Idle::Parked,
                Err(actual) => current = actual,
            }
        }
    }

    /// Signals (a kill, an exit, a shutdown request) arrived: like
    /// [`State::notify`], and a muted actor is unmuted, so that it runs
    /// and sees them. Returns whether the caller must schedule it.
    #[inline]
    pub(crate) fn notify_signal(&self) -> bool {
        self.notify() || self.unmute()
    }

    /// Mutes the running actor (its runner parks it at its next look at
    /// its signals: [`State::park_muted`]). Only its runner calls this, from
    /// a send in one of its handlers. Returns `false` if it was muted
    /// already.
    pub(crate) fn mute(&self) -> bool {
        self.0.fetch_or(MUTED, AcqRel) & MUTED == 0
    }

    /// Whether the actor is muted.
    #[inline]
    pub(crate) fn is_muted(&self) -> bool {
        self.0.load(Acquire) & MUTED != 0
    }

    /// The runner found its actor muted: it stops running it, owed a run
    /// (MUTED|NOTIFIED), unless an unmute came first (then `false`: run
    /// on).
    pub(crate) fn park_muted(&self) -> bool {
        let mut current = self.0.load(Acquire);
        loop {
            debug_assert!(current & RUNNING != 0);
            if current & MUTED == 0 {
                return false;
            }
            let next = (current | NOTIFIED) & !RUNNING;
            match self.0.compare_exchange_weak(current, next, AcqRel, Acquire) {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    /// Lifts a mute. Returns whether the caller must schedule the actor
    /// (it was parked muted); a running actor's runner sees the mute gone
    /// by itself, and a stopped one is never scheduled.
    pub(crate) fn unmute(&self) -> bool {
        let prev = self.0.fetch_and(!MUTED, AcqRel);
        prev & (MUTED | NOTIFIED | RUNNING | STOPPED) == MUTED | NOTIFIED
    }

    /// The runner used up its budget with work left: the actor goes back to a
    /// run queue (the caller puts it there).
    #[inline]
    pub(crate) fn yield_run(&self) {
        let mut current = self.0.load(Acquire);
        loop {
            let next = (current | NOTIFIED) & !RUNNING;
            match self.0.compare_exchange_weak(current, next, AcqRel, Acquire) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// The actor stopped during its run. It stays RUNNING|STOPPED forever, so
    /// `notify` never schedules it again.
    #[inline]
    pub(crate) fn stop(&self) {
        self.0.fetch_or(STOPPED, AcqRel);
    }

    /// A stopped, restartable cell is free to be claimed (its runner, or the
    /// killer that took over from it, has finished with it).
    pub(crate) fn vacate(&self) {
        self.0.fetch_or(VACANT, AcqRel);
    }

    /// Takes a vacant cell, once: the winner alone may restart or retire it.
    pub(crate) fn claim_vacant(&self) -> bool {
        let mut current = self.0.load(Acquire);
        loop {
            if current & VACANT == 0 {
                return false;
            }
            match self
                .0
                .compare_exchange_weak(current, current & !VACANT, AcqRel, Acquire)
            {
                Ok(_) => return true,
                Err(actual) => current = actual,
            }
        }
    }

    /// Starts the next incarnation of a claimed cell: owed its first run.
    /// Returns the new incarnation number.
    pub(crate) fn restart(&self) -> u32 {
        let next = self.incarnation().wrapping_add(1);
        self.0
            .store(((next as u64) << INCARNATION_SHIFT) | NOTIFIED, Release);
        next
    }

    /// Whether `incarnation` is the current one and has not stopped.
    #[inline]
    pub(crate) fn is_current(&self, incarnation: u32) -> bool {
        let word = self.0.load(Acquire);
        word & STOPPED == 0 && (word >> INCARNATION_SHIFT) as u32 == incarnation
    }

    /// Whether a runner holds the actor now.
    #[inline]
    pub(crate) fn is_running(&self) -> bool {
        self.0.load(Acquire) & RUNNING != 0
    }

    /// Whether the actor is owed a run and nobody is running it.
    pub(crate) fn is_scheduled(&self) -> bool {
        self.0.load(Acquire) & (NOTIFIED | RUNNING | MUTED | STOPPED) == NOTIFIED
    }

    /// Whether the actor has stopped.
    #[inline]
    pub(crate) fn is_stopped(&self) -> bool {
        self.0.load(Acquire) & STOPPED != 0
    }

    /// The incarnation number carried in the word.
    #[inline]
    pub(crate) fn incarnation(&self) -> u32 {
        (self.0.load(Acquire) >> INCARNATION_SHIFT) as u32
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_transitions() {
        let s = State::new_scheduled(7);
        assert_eq!(s.incarnation(), 7);
        // Already scheduled: a send does not schedule again.
        assert!(!s.notify());
        assert_eq!(s.begin_run(), 7);
        // Running: a send only leaves a note.
        assert!(!s.notify());
        assert_eq!(s.try_idle(), Idle::MoreWork);
        assert_eq!(s.try_idle(), Idle::Parked);
        // Idle: the next send schedules.
        assert!(s.notify());
        assert!(!s.notify());
        s.begin_run();
        s.yield_run();
        assert!(!s.notify(), "a yielded actor is already scheduled");
        s.begin_run();
        s.stop();
        assert!(s.is_stopped());
        assert!(!s.notify(), "a stopped actor is never scheduled");
        assert_eq!(s.incarnation(), 7);
        assert!(!s.claim_vacant(), "not vacant until the runner is done");
        s.vacate();
        assert!(s.claim_vacant());
        assert!(!s.claim_vacant(), "claimed once");
        assert_eq!(s.restart(), 8);
        assert!(!s.is_current(7));
        assert!(s.is_current(8));
        assert!(s.is_scheduled());
    }

    #[test]
    fn a_muted_actor_is_not_scheduled_until_unmuted() {
        let s = State::new_scheduled(0);
        s.begin_run();
        assert!(s.mute());
        assert!(!s.mute(), "muted already");
        assert!(s.park_muted(), "parked, owed a run");
        assert!(!s.is_scheduled(), "a muted actor does not run");
        assert!(!s.notify(), "a send does not schedule a muted actor");
        assert!(s.unmute(), "the unmute schedules it");
        assert!(!s.unmute(), "once");
        assert!(s.is_scheduled());
        s.begin_run();
        // Unmuted before the runner parked: it runs on.
        assert!(s.mute());
        assert!(!s.unmute(), "still running: its runner sees it");
        assert!(!s.park_muted());
        assert_eq!(s.try_idle(), Idle::Parked);
        // A signal unmutes.
        assert!(s.notify());
        s.begin_run();
        assert!(s.mute());
        assert!(s.park_muted());
        assert!(s.notify_signal(), "a kill must reach a muted actor");
        assert!(!s.notify_signal());
        s.begin_run();
        s.stop();
        assert!(s.mute());
        assert!(!s.unmute(), "a stopped actor is never scheduled");
    }
}
