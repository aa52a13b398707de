//! The run-next slot: one task a scheduler thread runs before its queue,
//! stealable by an idle thread once it has waited there too long.
//!
//! A send from a handler that wakes an idle actor puts it here, so a
//! ping-pong pair stays on one thread and in its cache. But the slot's
//! owner runs it only after the handler in progress returns: behind a long
//! handler (one that floods the actor with messages, or one that simply
//! computes) the woken actor would wait for the whole handler while
//! another thread idles. So, as Go's runtime does with `runnext`, an idle
//! thread that sees the same task in a busy thread's slot for longer than
//! [`STEAL_AFTER`] takes it.
//!
//! Two words, each written by one side, and the task:
//!
//! ```text
//!   owner  generation << 2 | EMPTY | FULL | TAKING     written by the owner
//!   claim  generation << 2 | NONE | CLAIMING | TAKEN   written by thieves
//! ```
//!
//! Every put starts a new generation, so a thief that watched the slot
//! steals only the task it watched, never a newer one put there since. The
//! owner takes its task by storing `TAKING`, fencing, and reading `claim`; a
//! thief claims (`CLAIMING`, a compare-exchange among thieves), fences,
//! reads `owner`, and takes the task only if it is still `FULL` in the same
//! generation, else backs off. This is Dekker's hand-shake, so one of the
//! two always sees the other: the owner sees the claim (it waits for the
//! thief's decision, and on `TAKEN` leaves the task to it), or the thief
//! sees the owner taking (and leaves it be). The owner hands off at every
//! wake-up by message, a thief almost never, so the fence is asymmetric
//! (`sync::light_fence`, a compiler fence on Linux; `sync::heavy_fence`, a
//! `membarrier`): an owner's put or take has no atomic read-modify-write
//! and no fence instruction. (A compare-exchange per take, the first
//! version, cost 8-10% on ping-pong and ring, with one thread or two.)
//!
//! Model-checked: `loom_run_next_*` in `loom_tests.rs`.

use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use std::time::Duration;

use crate::sync::{AtomicUsize, Backoff, UnsafeCell, heavy_fence, light_fence};
use crate::task::Task;

/// How long a task waits in a busy thread's slot before an idle thread
/// takes it. A ping-pong pair hands its slot on within a fraction of a
/// microsecond, so it is never split; a handler that keeps the slot's task
/// waiting this long is worth running beside. Measured (ADR 0000 §3): a
/// flood from one actor to another (`foundation-peers bench foundation-2
/// stream`, 100,000 messages) took 42-48 ns/message at 5 µs, 45 at 20 µs,
/// 48 at 50 µs, against 42 with the backlog hook this slot replaced — the
/// flooded actor drains its mailbox, goes idle, is woken into the
/// flooder's slot again, and waits this long each time.
pub(crate) const STEAL_AFTER: Duration = Duration::from_micros(5);

/// How long an idle thread parks, while another thread runs, before it
/// looks at the slots again: a task put in a slot after the look waits at
/// most this plus [`STEAL_AFTER`]. Each doze that finds nothing doubles the
/// next, up to [`MAX_DOZE`]; finding work starts again from here. (A doze
/// is a timed wake-up of an idle thread: at a steady 250 µs the idle thread
/// of a 2-scheduler ping-pong used 15% of its core.)
pub(crate) const DOZE: Duration = Duration::from_micros(250);

/// The longest doze: the bound on how long a task put in a busy thread's
/// slot, after a long quiet spell, waits before an idle thread sees it.
pub(crate) const MAX_DOZE: Duration = Duration::from_millis(2);

// The owner's word.
const EMPTY: usize = 0;
const FULL: usize = 1;
const TAKING: usize = 2;
// The thieves' word.
const NONE: usize = 0;
const CLAIMING: usize = 1;
const TAKEN: usize = 2;

const LOW: usize = 3;
const GENERATION: usize = 4;

/// One scheduler thread's run-next slot.
pub(crate) struct RunNext {
    owner: AtomicUsize,
    claim: AtomicUsize,
    task: UnsafeCell<Option<Task>>,
}

// SAFETY: `task` is touched only by whoever the hand-shake grants it to:
// the owner while its word is EMPTY (no thief reads an EMPTY slot) or
// TAKING with no claim seen, a thief between a claim that found the owner
// FULL and its TAKEN; the release stores and acquire loads of the two words
// order the hand-overs. `Task` is `Send + Sync`.
unsafe impl Sync for RunNext {}
// SAFETY: as above; the slot owns at most one `Task`, which is `Send`.
unsafe impl Send for RunNext {}

impl RunNext {
    pub(crate) fn new() -> Self {
        RunNext {
            owner: AtomicUsize::new(EMPTY),
            claim: AtomicUsize::new(NONE),
            task: UnsafeCell::new(None),
        }
    }

    /// Owner only: puts `task` in the slot and returns the task it held,
    /// if any (the caller queues that one).
    #[inline]
    pub(crate) fn put(&self, task: Task) -> Option<Task> {
        // Only this thread writes its word: a relaxed load reads its own
        // last store.
        let word = self.owner.load(Relaxed);
        let previous = if word & LOW == FULL {
            self.take_full(word)
        } else {
            None
        };
        // SAFETY: the slot is EMPTY (or about to be stored so) and no thief
        // reads an EMPTY slot; an empty slot holds `None` (every path to
        // EMPTY moves the task out), so writing over it drops nothing.
        self.task
            .with_mut(|t| unsafe { core::ptr::write(t, Some(task)) });
        self.owner
            .store((word & !LOW).wrapping_add(GENERATION) | FULL, Release);
        previous
    }

    /// Owner only: takes the task in the slot, unless a thief took it.
    #[inline]
    pub(crate) fn take(&self) -> Option<Task> {
        let word = self.owner.load(Relaxed);
        if word & LOW != FULL {
            return None;
        }
        self.take_full(word)
    }

    /// `take` from a FULL slot with owner word `word`.
    #[inline]
    fn take_full(&self, word: usize) -> Option<Task> {
        let generation = word & !LOW;
        self.owner.store(generation | TAKING, Relaxed);
        light_fence();
        let mut claim = self.claim.load(Acquire);
        if claim == generation | CLAIMING {
            claim = self.decided(generation);
        }
        let task = if claim == generation | TAKEN {
            // A thief has it.
            None
        } else {
            // SAFETY: we announced TAKING and then saw no claim on this
            // generation: a thief that claims from here on sees TAKING
            // (or EMPTY) and backs off.
            self.task.with_mut(|t| unsafe { (*t).take() })
        };
        self.owner.store(generation | EMPTY, Release);
        task
    }

    /// Owner only: waits for a thief's decision on `generation` (a few
    /// instructions: it backs off, seeing TAKING) and returns the claim.
    #[cold]
    fn decided(&self, generation: usize) -> usize {
        let backoff = Backoff::new();
        loop {
            let claim = self.claim.load(Acquire);
            if claim != generation | CLAIMING {
                return claim;
            }
            backoff.snooze();
        }
    }

    /// Anyone: the owner's word, if the slot holds a task (a thief's look).
    #[inline]
    pub(crate) fn peek(&self) -> Option<usize> {
        let word = self.owner.load(Relaxed);
        (word & LOW == FULL).then_some(word)
    }

    /// A thief: takes the task the slot held when [`peek`](Self::peek)
    /// returned `seen`, if it is still there (same generation, and its
    /// owner is not taking it).
    pub(crate) fn steal(&self, seen: usize) -> Option<Task> {
        debug_assert_eq!(seen & LOW, FULL);
        let generation = seen & !LOW;
        let claim = self.claim.load(Relaxed);
        if claim & LOW == CLAIMING
            || self
                .claim
                .compare_exchange(claim, generation | CLAIMING, AcqRel, Relaxed)
                .is_err()
        {
            return None; // another thief is deciding
        }
        heavy_fence();
        if self.owner.load(Acquire) != seen {
            // Taken, or being taken, by its owner (or a newer task).
            self.claim.store(generation | NONE, Release);
            return None;
        }
        // SAFETY: the owner was FULL in this generation after our claim was
        // visible to it: it will see the claim before it touches the task,
        // and wait for our decision.
        let task = self.task.with_mut(|t| unsafe { (*t).take() });
        self.claim.store(generation | TAKEN, Release);
        task
    }
}

/// An idle thread's watch on the other threads' slots: which task it saw
/// where, and since when.
#[derive(Default)]
pub(crate) struct Watch {
    seen: Option<Seen>,
    /// The last look found the watched slot with a newer task: its owner
    /// is handing off quickly (a ping-pong pair), so the next look can wait
    /// a doze rather than [`STEAL_AFTER`].
    progressing: bool,
}

#[derive(Clone, Copy)]
struct Seen {
    slot: usize,
    word: usize,
    since: std::time::Instant,
}

impl Watch {
    /// Looks at every slot but `me`'s: takes a task that has waited in its
    /// slot for [`STEAL_AFTER`] since this watch first saw it there, and
    /// starts watching a task it sees for the first time. A clock is read
    /// only when some slot holds a task.
    pub(crate) fn look<S: core::ops::Deref<Target = RunNext>>(
        &mut self,
        slots: &[S],
        me: usize,
    ) -> Option<Task> {
        self.progressing = false;
        if let Some(seen) = self.seen.take() {
            match slots[seen.slot].peek() {
                Some(word) if word == seen.word => {
                    if seen.since.elapsed() >= STEAL_AFTER {
                        return slots[seen.slot].steal(word);
                    }
                    self.seen = Some(seen);
                    return None;
                }
                // A newer task: its owner hands off quickly.
                Some(_) => self.progressing = true,
                // Taken by its owner.
                None => {}
            }
        }
        for (slot, run_next) in slots.iter().enumerate() {
            if slot == me {
                continue;
            }
            if let Some(word) = run_next.peek() {
                self.seen = Some(Seen {
                    slot,
                    word,
                    since: std::time::Instant::now(),
                });
                break;
            }
        }
        None
    }

    /// How long to park before the next look, if a task is watched: until
    /// it may be taken, or a doze if its slot's owner is handing off
    /// quickly.
    pub(crate) fn remaining(&self) -> Option<Duration> {
        let seen = self.seen?;
        Some(if self.progressing {
            DOZE
        } else {
            STEAL_AFTER.saturating_sub(seen.since.elapsed())
        })
    }
}
