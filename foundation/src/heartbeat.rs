//! A scheduler slot's heartbeat: which run its thread is in, for the
//! watchdog (`scheduler/watchdog.rs`, which has the story). Written by the
//! slot's worker loop: one plain store per run (the loop's pick counter,
//! already in a register), one per idle spell, nothing per message. A store
//! per message saying which handler runs cost 12–19% more instructions on a
//! ping-pong round trip, and one of the task's address per run 1.5% more
//! (`bash .ci/instructions`; the outputs are in
//! `docs/measurements/2026-12-01-watchdog-and-leave.md`, the story in ADR
//! 0006 §5), so the watchdog works per run and
//! finds the held actor itself, when it has one to report: the actor's
//! handler word says which handler it is in (`cell/takeover.rs`).

use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicBool, AtomicU64};

/// Set in every run number, so that a run is never 0 (idle).
const IN_RUN: u64 = 1 << 32;

/// One slot's heartbeat. Written by the slot's thread only.
#[derive(Debug)]
pub(crate) struct Heartbeat {
    /// The run in progress — a number that changes with every run — or 0
    /// while the thread is idle.
    seq: AtomicU64,
    /// A stand-in took this slot's place while its thread was held: the
    /// thread retires at its next idle spell.
    pub(crate) replaced: AtomicBool,
}

impl Heartbeat {
    pub(crate) fn new() -> Self {
        Heartbeat {
            seq: AtomicU64::new(0),
            replaced: AtomicBool::new(false),
        }
    }

    /// A run begins: `pick` is the worker loop's counter, different from
    /// the previous run's.
    #[inline]
    pub(crate) fn begin_run(&self, pick: u32) {
        self.seq.store(u64::from(pick) | IN_RUN, Release);
    }

    /// The thread found no work (once per idle spell, not per run): it is
    /// in no run. Returns whether the watchdog replaced it meanwhile (it
    /// then retires).
    #[inline]
    pub(crate) fn idle(&self) -> bool {
        if self.seq.load(Relaxed) != 0 {
            self.seq.store(0, Relaxed);
        }
        self.replaced.load(Relaxed) && self.replaced.swap(false, AcqRel)
    }

    /// The run in progress (0: none, the thread is idle).
    pub(crate) fn run(&self) -> u64 {
        self.seq.load(Acquire)
    }
}
