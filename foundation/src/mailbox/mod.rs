//! One mailbox face with its flavors behind it (crossbeam-channel's
//! `flavors/` layout): the runtime sees a single `Mailbox<M>` type; which
//! queue discipline it uses is a private enum.
//!
//! Only the unbounded flavor exists so far; bounded and credit-based flavors
//! (flow control) join the enum without changing the face.

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

    /// Queues `convert(input)`; hands `input` back if the mailbox is closed.
    /// Never blocks.
    #[inline]
    pub(crate) fn push_with<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> M,
    ) -> Result<(), SendError<I>> {
        match &self.flavor {
            Flavor::Unbounded(q) => q.push_with(input, convert).map_err(SendError::Closed),
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
