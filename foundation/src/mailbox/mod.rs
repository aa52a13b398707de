//! One mailbox face with its flavors behind it (crossbeam-channel's
//! `flavors/` layout): the runtime sees a single `Mailbox<M>` type; which
//! queue discipline it uses is a private enum.
//!
//! Flow control (ADR 0007): a mailbox may hold at most a number of
//! messages, its [`Bound`]. The bound is kept beside the mailbox, in the
//! actor's cell, and handed to each push: four bytes that fit where the
//! cell had padding (a `Bound` inside `Mailbox` would have cost eight, and
//! the cell its 128-byte size class). Runtime envelopes (signals,
//! continuations) and the notices the runtime sends on an actor's behalf
//! skip the bound: they are bounded by what the actor asked for.

mod queue;

/// The raw queue, for the loom models.
#[cfg(all(test, loom))]
pub(crate) mod queue_for_loom {
    pub(crate) use super::queue::Queue;
}

pub(crate) use queue::Pop;
use queue::Queue;

use crate::error::SendError;

/// An actor's mailbox.
pub(crate) struct Mailbox<M> {
    flavor: Flavor<M>,
}

enum Flavor<M> {
    /// Unbounded, lock-free, allocation-free until the first message.
    Unbounded(Queue<M>),
}

impl<M> Mailbox<M> {
    /// An unbounded mailbox.
    pub(crate) fn unbounded() -> Self {
        Mailbox {
            flavor: Flavor::Unbounded(Queue::new()),
        }
    }

    /// Queues `convert(input)`; hands `input` back if the mailbox is closed
    /// (`Closed`) or holds `bound` messages already (`Full`). Never blocks.
    #[inline]
    pub(crate) fn push_with<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> M,
        bound: Bound,
    ) -> Result<(), SendError<I>> {
        match &self.flavor {
            // The unbounded push (almost every push) inlined without the
            // bound's check in its loop; a bounded one out of line.
            Flavor::Unbounded(q) if bound.is_bounded() => push_bounded(q, input, convert, bound),
            Flavor::Unbounded(q) => q.push_with(input, convert, usize::MAX),
        }
    }

    /// Takes the next message.
    ///
    /// # Safety
    ///
    /// Only the actor's runner (the thread holding its RUNNING state) may
    /// call this, `drain_closed`.
    #[inline]
    pub(crate) unsafe fn pop(&self) -> Pop<M> {
        match &self.flavor {
            // SAFETY: forwarded contract.
            Flavor::Unbounded(q) => unsafe { q.pop() },
        }
    }

    /// Refuses every later message.
    pub(crate) fn close(&self) -> bool {
        match &self.flavor {
            Flavor::Unbounded(q) => q.close(),
        }
    }

    /// Whether the mailbox refuses messages.
    pub(crate) fn is_closed(&self) -> bool {
        match &self.flavor {
            Flavor::Unbounded(q) => q.is_closed(),
        }
    }

    /// After `close`: hands every message queued before the close to `f`.
    ///
    /// # Safety
    ///
    /// As [`Mailbox::pop`].
    pub(crate) unsafe fn drain_closed(&self, f: impl FnMut(M)) -> usize {
        match &self.flavor {
            // SAFETY: forwarded contract.
            Flavor::Unbounded(q) => unsafe { q.drain_closed(f) },
        }
    }

    /// Messages queued (a snapshot under concurrency).
    pub(crate) fn len(&self) -> usize {
        match &self.flavor {
            Flavor::Unbounded(q) => q.len(),
        }
    }
}

#[inline(never)]
fn push_bounded<M, I>(
    q: &Queue<M>,
    input: I,
    convert: impl FnOnce(I) -> M,
    bound: Bound,
) -> Result<(), SendError<I>> {
    q.push_with(input, convert, bound.limit())
}

/// How many messages a mailbox may hold: unbounded, or at most `n`
/// (flow control `manual`). A `u32`, kept in the actor's cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bound(u32);

impl Bound {
    /// No bound.
    pub(crate) const UNBOUNDED: Bound = Bound(0);
    /// The largest bound: a mailbox of a billion messages is not bounded
    /// in any useful sense.
    pub(crate) const MAX: u32 = 1 << 30;

    /// At most `n` messages, `1 ..= Bound::MAX`.
    pub(crate) fn at_most(n: u32) -> Bound {
        debug_assert!((1..=Self::MAX).contains(&n), "checked by the options");
        Bound(n)
    }

    #[inline]
    pub(crate) fn is_bounded(self) -> bool {
        self.0 != 0
    }

    /// The queue's limit: `usize::MAX` for none.
    #[inline]
    fn limit(self) -> usize {
        if self.0 == 0 {
            usize::MAX
        } else {
            self.0 as usize
        }
    }

    /// The bound, if any.
    pub(crate) fn get(self) -> Option<u32> {
        self.is_bounded().then_some(self.0)
    }
}
