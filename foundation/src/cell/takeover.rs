//! The handler words: whether an actor's runner is inside user code, and the
//! hand-over of the actor to a killer while it is.
//!
//! Two words, each written by one side:
//!
//! ```text
//!   runner  incarnation << 32 | IDLE | IN | DONE     written by the runner
//!   claim   incarnation << 32 | CLAIMING | TAKEN     written by killers
//! ```
//!
//! The runner stores `IN` before user code and `IDLE` after it, then looks
//! at `claim`; a killer claims (`CLAIMING`), looks at `runner`, and decides:
//! `TAKEN` if the runner is inside user code, or back to nothing if not (the
//! runner then sees the kill signal itself between messages). This is
//! Dekker's handshake — each side writes its word, fences, reads the other's
//! — so one of the two always sees the other: either the runner sees the
//! claim when it leaves (it waits out `CLAIMING`, and on `TAKEN` touches
//! nothing of the actor again), or the killer sees the runner outside user
//! code and leaves it be. Only one of them ever goes on to consume the
//! mailbox.
//!
//! The runner does this for every message, the killer almost never, so the
//! fence is asymmetric where the platform allows (`sync::light_fence` /
//! `sync::heavy_fence`): no fence instruction per message. Leaving is one
//! compare-exchange (from `IN` of its own incarnation): a runner that was
//! taken, and returns from its handler while the next incarnation's runner
//! is inside one, must not overwrite the word with "idle", or a kill of
//! the next incarnation would find it "between handlers" and could not
//! take a stuck handler (issue 15; it costs 7-10% of a 1-scheduler
//! ping-pong round trip in `cargo bench --bench kernel`: ADR 0006 §6, and
//! `docs/measurements/2026-12-01-watchdog-and-leave.md` for the outputs).
//!
//! A restart gives the next runner another incarnation. The claim word
//! always names the incarnation it is about, and only ever moves forward, so
//! a runner taken in incarnation *n* and still inside that handler when
//! incarnation *n + 1* is claimed in turn reads a later incarnation — and
//! knows it was taken — instead of "nothing".

use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

use crate::sync::{AtomicU64, Backoff, heavy_fence, light_fence};

const IDLE: u64 = 0;
const IN: u64 = 1;
const DONE: u64 = 3;

const NONE: u64 = 0;
const CLAIMING: u64 = 1;
const TAKEN: u64 = 2;

const LOW: u64 = 0xffff_ffff;

/// What a killer found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// It was inside user code, and is now the killer's.
    Taken,
    /// Between handlers (or not running): the runner sees the kill itself.
    Between,
    /// Past its last user code, or already taken: it is ending.
    Ending,
}

#[derive(Debug)]
pub(crate) struct HandlerWord {
    runner: AtomicU64,
    claim: AtomicU64,
}

impl HandlerWord {
    pub(crate) fn new() -> Self {
        HandlerWord {
            runner: AtomicU64::new(IDLE),
            claim: AtomicU64::new(NONE),
        }
    }

    #[inline]
    fn base(incarnation: u32) -> u64 {
        (incarnation as u64) << 32
    }

    /// Whether a runner is inside user code now (a snapshot, for reports).
    pub(crate) fn is_in(&self) -> bool {
        self.runner.load(Acquire) & LOW == IN
    }

    /// The runner of `incarnation` enters user code. Release: a killer that
    /// sees `IN` sees everything the runner did before (its last pop).
    #[inline]
    pub(crate) fn enter(&self, incarnation: u32) {
        #[cfg(not(loom))]
        self.runner.store(Self::base(incarnation) | IN, Release);
        // Under loom, a swap: loom's modification order is partial, and
        // with a plain store here it lets a stale runner's exchange in
        // `leave` (which read the value before this store) be read after
        // it, which the C11 memory model rules out (the exchange sits right
        // after the value it read, in one total order). A swap makes loom
        // order them as C11 does; the values and orderings are the same.
        #[cfg(loom)]
        self.runner.swap(Self::base(incarnation) | IN, Release);
    }

    /// The runner leaves user code. `false`: a kill took the actor meanwhile.
    #[inline]
    pub(crate) fn leave(&self, incarnation: u32) -> bool {
        let base = Self::base(incarnation);
        // From `IN` of our incarnation only: a runner taken while inside
        // (its incarnation ended, the next one's runner may be inside a
        // handler of its own now) must not overwrite the word, or a kill of
        // the later incarnation would find it "between handlers" and leave
        // a stuck handler it cannot take (loom:
        // `loom_a_stale_runner_cannot_hide_a_later_handler_from_a_kill`).
        // Only runners write this word, each its own incarnation: the
        // exchange fails only if a later incarnation's runner wrote it,
        // which happens only after a take-over of ours.
        if self
            .runner
            .compare_exchange(base | IN, base | IDLE, Release, Relaxed)
            .is_err()
        {
            return false;
        }
        light_fence();
        let backoff = Backoff::new();
        loop {
            let claim = self.claim.load(Acquire);
            let claimed = (claim >> 32) as u32;
            if claimed != incarnation {
                // A claim on a later incarnation means ours ended while this
                // handler ran, and only a take-over ends an incarnation
                // whose runner is inside user code: we were taken, and the
                // word has been reused since. An earlier one is not about us.
                return (claimed.wrapping_sub(incarnation) as i32) < 0;
            }
            match claim & LOW {
                TAKEN => return false,
                CLAIMING => backoff.snooze(), // decided in a moment
                _ => return true,
            }
        }
    }

    /// The incarnation's last user code has returned.
    pub(crate) fn done(&self, incarnation: u32) {
        self.runner.store(Self::base(incarnation) | DONE, Release);
    }

    /// Where the runner of `incarnation` is, without taking anything
    /// (`Taken` here means: inside user code, could be taken).
    pub(crate) fn peek(&self, incarnation: u32) -> Found {
        let base = Self::base(incarnation);
        if self.claim.load(Acquire) == base | TAKEN {
            return Found::Ending;
        }
        match self.runner.load(Acquire) {
            now if now == base | IN => Found::Taken,
            now if now == base | DONE => Found::Ending,
            _ => Found::Between,
        }
    }

    /// A killer of `incarnation` tries to take the actor.
    pub(crate) fn steal(&self, incarnation: u32) -> Found {
        let base = Self::base(incarnation);
        let current = self.claim.load(Acquire);
        if current == base | TAKEN {
            return Found::Ending;
        }
        if current & LOW == CLAIMING
            || self
                .claim
                .compare_exchange(current, base | CLAIMING, AcqRel, Acquire)
                .is_err()
        {
            return Found::Between; // another killer is deciding; look again
        }
        heavy_fence();
        let runner = self.runner.load(Acquire);
        if runner == base | IN {
            self.claim.store(base | TAKEN, Release);
            Found::Taken
        } else {
            // Keep the incarnation: a stale runner of an earlier one, still
            // in the handler it was taken in, must not read "nothing".
            self.claim.store(base | NONE, Release);
            if runner == base | DONE {
                Found::Ending
            } else {
                Found::Between
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// A runner taken in incarnation 0 leaves its handler while the runner
    /// of incarnation 1 enters one and a killer looks at incarnation 1:
    /// every order of the three steps (the killer's look comes after the
    /// new runner's entry, as on one thread). The stale runner must never
    /// hide the new one from the killer. (Loom cannot check this one: its
    /// modification order is partial, and it lets the killer read the
    /// stale runner's exchange as if it had come after the new runner's
    /// entry, which the exchange, reading the entry's predecessor, rules
    /// out. See `loom_tests::loom_stale_runner_cannot_leave_into_a_new_incarnation`.)
    #[test]
    fn a_stale_runner_cannot_hide_a_later_handler_from_a_kill() {
        // The stale `leave` at position 0, 1 or 2 among enter(1), steal(1).
        for at in 0..3 {
            let word = HandlerWord::new();
            word.enter(0);
            assert_eq!(word.steal(0), Found::Taken);
            let mut stale = None;
            let mut found = None;
            for step in 0..3 {
                if step == at {
                    stale = Some(word.leave(0));
                } else if found.is_none() && step == (at == 0) as usize {
                    word.enter(1);
                } else {
                    found = Some(word.steal(1));
                }
            }
            assert_eq!(found, Some(Found::Taken), "stale leave at step {at}");
            assert_eq!(stale, Some(false), "the stale runner learns it was taken");
        }
    }
}
