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

/// A mailbox this long is a backlog: its actor should not wait in a busy
/// thread's run-next slot for the sender's handler to end (see
/// `ActorCell::backlog`).
pub(crate) const BACKLOG: usize = 256;

/// Whether `q` holds a backlog; out of line (one push in a block's worth).
#[cold]
#[inline(never)]
fn has_backlog<M>(q: &Queue<M>) -> bool {
    q.len() >= BACKLOG
}

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
    /// Never blocks. Runs `backlog` after the push if the mailbox holds at
    /// least [`BACKLOG`] messages (looked at only when the queue grows by a
    /// block, so most sends pay nothing for it).
    #[inline]
    pub(crate) fn push_with<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> M,
        backlog: impl FnOnce(),
    ) -> Result<(), SendError<I>> {
        match &self.flavor {
            Flavor::Unbounded(q) => q
                .push_with_hook(input, convert, |q| {
                    if has_backlog(q) {
                        backlog();
                    }
                })
                .map_err(SendError::Closed),
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
