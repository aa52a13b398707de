//! The handler word: whether an actor's runner is inside user code, and the
//! hand-over of the actor to a killer while it is.
//!
//! ```text
//!   bits 0..2   IDLE (between handlers) | IN (inside user code)
//!               | STOLEN (a kill took the actor) | DONE (no more user code)
//!   bits 32..   the incarnation the runner runs
//! ```
//!
//! The runner stores `IN` before user code and leaves with a
//! compare-exchange `IN → IDLE`; a killer takes the actor with a
//! compare-exchange `IN → STOLEN`. The two exchanges on one word decide the
//! race: either the runner left first (and the killer finds it between
//! handlers, where the runner checks the kill signal itself), or the killer
//! took over first (and the runner's exchange fails, so it touches nothing
//! of the actor again). Only one of them ever goes on to consume the
//! mailbox. A restart gives the next runner another incarnation, so a
//! stale runner's exchange can never succeed against it.

use core::sync::atomic::Ordering::{AcqRel, Acquire, Release};

use crate::sync::AtomicU64;

const IDLE: u64 = 0;
const IN: u64 = 1;
const STOLEN: u64 = 2;
const DONE: u64 = 3;

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
pub(crate) struct HandlerWord(AtomicU64);

impl HandlerWord {
    pub(crate) fn new() -> Self {
        HandlerWord(AtomicU64::new(IDLE))
    }

    #[inline]
    fn base(incarnation: u32) -> u64 {
        (incarnation as u64) << 32
    }

    /// The runner of `incarnation` enters user code.
    #[inline]
    pub(crate) fn enter(&self, incarnation: u32) {
        self.0.store(Self::base(incarnation) | IN, Release);
    }

    /// The runner leaves user code. `false`: a kill took the actor meanwhile.
    #[inline]
    pub(crate) fn leave(&self, incarnation: u32) -> bool {
        let base = Self::base(incarnation);
        self.0
            .compare_exchange(base | IN, base | IDLE, AcqRel, Acquire)
            .is_ok()
    }

    /// The incarnation's last user code has returned.
    pub(crate) fn done(&self, incarnation: u32) {
        self.0.store(Self::base(incarnation) | DONE, Release);
    }

    /// Where the runner of `incarnation` is, without taking anything
    /// (`Taken` here means: inside user code, could be taken).
    pub(crate) fn peek(&self, incarnation: u32) -> Found {
        let base = Self::base(incarnation);
        match self.0.load(Acquire) {
            now if now == base | IN => Found::Taken,
            now if now == base | DONE || now == STOLEN => Found::Ending,
            _ => Found::Between,
        }
    }

    /// A killer of `incarnation` tries to take the actor.
    pub(crate) fn steal(&self, incarnation: u32) -> Found {
        let base = Self::base(incarnation);
        match self.0.compare_exchange(base | IN, STOLEN, AcqRel, Acquire) {
            Ok(_) => Found::Taken,
            Err(now) if now == base | DONE || now == STOLEN => Found::Ending,
            Err(_) => Found::Between,
        }
    }
}
