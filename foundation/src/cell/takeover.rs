//! The handler words: whether an actor's runner is inside user code, and the
//! hand-over of the actor to a killer while it is.
//!
//! Two words, each written by one side:
//!
//! ```text
//!   runner  incarnation << 32 | what << 2 | IDLE | IN | DONE   written by the runner
//!   claim   incarnation << 32 | CLAIMING | TAKEN               written by killers
//! ```
//!
//! `what` says which user code the runner is in (a hook, a continuation, a
//! message of a given kind: [`What`]), for the watchdog's reports; it rides
//! in the store that enters user code, so naming the handler costs no
//! store of its own.
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
/// The runner's state bits; the rest of `LOW` holds `what`.
const STATE: u64 = 0b11;
const WHAT_SHIFT: u32 = 2;
/// The runner word without `what`: incarnation and state.
const NOT_WHAT: u64 = !LOW | STATE;

/// Which user code a runner is in, as the handler word carries it: a hook,
/// a continuation, or a message — of a kind the actor's
/// `Actor::__message_kind_index` names (`#[handlers]` generates it), or of
/// no named kind (a hand-written actor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct What(u32);

impl What {
    pub(crate) const STARTED: What = What(1);
    pub(crate) const STOPPED: What = What(2);
    pub(crate) const ON_EXIT: What = What(3);
    pub(crate) const ON_DOWN: What = What(4);
    pub(crate) const SHUTDOWN_REQUESTED: What = What(5);
    pub(crate) const CONTINUATION: What = What(6);
    pub(crate) const COMPACT: What = What(7);
    /// The first message's number.
    const MESSAGE: u32 = 8;
    /// A message; `kind` is the actor's `__message_kind_index` (0: none).
    #[inline(always)]
    pub(crate) fn message(kind: u32) -> What {
        What(Self::MESSAGE + (kind & (u32::MAX >> 4)))
    }

    /// The message kind index, if this is a message.
    pub(crate) fn message_kind(self) -> Option<u32> {
        self.0.checked_sub(Self::MESSAGE)
    }

    #[inline(always)]
    fn bits(self) -> u64 {
        (self.0 as u64) << WHAT_SHIFT
    }
}

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

    /// Which user code a runner is inside now, if any (a snapshot, for
    /// reports).
    pub(crate) fn inside(&self) -> Option<What> {
        let now = self.runner.load(Acquire);
        (now & STATE == IN).then_some(What(((now & LOW) >> WHAT_SHIFT) as u32))
    }

    /// The runner of `incarnation` enters user code `what`. Release: a
    /// killer that sees `IN` sees everything the runner did before (its
    /// last pop).
    #[inline]
    pub(crate) fn enter(&self, incarnation: u32, what: What) {
        #[cfg(not(loom))]
        self.runner
            .store(Self::base(incarnation) | what.bits() | IN, Release);
        // Under loom, a swap: loom's modification order is partial, and
        // with a plain store here it lets a stale runner's exchange in
        // `leave` (which read the value before this store) be read after
        // it, which the C11 memory model rules out (the exchange sits right
        // after the value it read, in one total order). A swap makes loom
        // order them as C11 does; the values and orderings are the same.
        #[cfg(loom)]
        self.runner
            .swap(Self::base(incarnation) | what.bits() | IN, Release);
    }

    /// The runner leaves user code `what` (as it entered it). `false`: a
    /// kill took the actor meanwhile.
    #[inline]
    pub(crate) fn leave(&self, incarnation: u32, what: What) -> bool {
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
            .compare_exchange(base | what.bits() | IN, base | IDLE, Release, Relaxed)
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
        match self.runner.load(Acquire) & NOT_WHAT {
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
        let runner = self.runner.load(Acquire) & NOT_WHAT;
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

    const W: What = What::CONTINUATION;

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
            word.enter(0, W);
            assert_eq!(word.steal(0), Found::Taken);
            let mut stale = None;
            let mut found = None;
            for step in 0..3 {
                if step == at {
                    stale = Some(word.leave(0, W));
                } else if found.is_none() && step == (at == 0) as usize {
                    word.enter(1, W);
                } else {
                    found = Some(word.steal(1));
                }
            }
            assert_eq!(found, Some(Found::Taken), "stale leave at step {at}");
            assert_eq!(stale, Some(false), "the stale runner learns it was taken");
        }
    }

    /// What the runner is in rides in the word without changing what a
    /// killer finds: inside any handler is `Taken`, outside is `Between`,
    /// and the largest kind index stays clear of the incarnation.
    #[test]
    fn what_the_runner_is_in_is_read_back_and_hides_nothing() {
        let kinds = [
            What::STARTED,
            What::ON_DOWN,
            What::message(0),
            What::message(3),
            What::message(u32::MAX),
        ];
        for what in kinds {
            let word = HandlerWord::new();
            assert_eq!(word.inside(), None);
            word.enter(7, what);
            assert_eq!(word.inside(), Some(what));
            assert_eq!(word.peek(7), Found::Taken);
            assert_eq!(word.peek(6), Found::Between, "another incarnation");
            assert!(word.leave(7, what), "no kill: the runner goes on");
            assert_eq!(word.inside(), None);
            assert_eq!(word.steal(7), Found::Between);
            word.enter(7, what);
            assert_eq!(word.steal(7), Found::Taken, "{what:?}");
            assert!(!word.leave(7, what), "taken");
        }
        assert_eq!(What::message(4).message_kind(), Some(4));
        assert_eq!(What::CONTINUATION.message_kind(), None);
    }
}
