//! Delivery: a message (or a runtime envelope) into the mailbox, and the
//! actor woken if it was idle — into a run queue, or its own thread.
//! This is the send path's last step; see docs/architecture.md.
use std::sync::Arc;

use super::*;
use crate::actor::Actor;
use crate::error::SendError;
use crate::scheduler::{self, WakeKind};
use crate::sync::lock;
use crate::task::Task;

impl<A: Actor> ActorCell<A> {
    /// Queues `convert(input)` and schedules the actor if it was idle.
    #[inline(always)]
    pub(crate) fn deliver<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> A::Msg,
    ) -> Result<(), SendError<I>> {
        self.mailbox
            .push_with(input, |i| Envelope::User(convert(i)))?;
        if self.state.notify() {
            self.wake(WakeKind::Message);
        }
        Ok(())
    }

    /// Queues a runtime envelope (a continuation, a signal).
    pub(crate) fn deliver_envelope(&self, envelope: Envelope<A>) -> Result<(), Envelope<A>> {
        self.mailbox
            .push_with(envelope, |e| e)
            .map_err(SendError::into_inner)?;
        if self.state.notify() {
            self.wake(WakeKind::Message);
        }
        Ok(())
    }

    /// Puts the actor (which the caller has just moved from idle to
    /// scheduled) where it will run: a run queue, or its own thread.
    #[inline]
    pub(super) fn wake(&self, kind: WakeKind) {
        if self.is_blocking() {
            self.wake_dedicated();
        } else {
            scheduler::schedule(&self.shared.scheduler, self.new_arc() as Task, kind);
        }
    }

    /// Wakes a blocking actor's own thread.
    #[cold]
    #[inline(never)]
    pub(super) fn wake_dedicated(&self) {
        if let Some(thread) = lock(&self.control)
            .as_ref()
            .and_then(|c| c.dedicated.as_ref())
        {
            thread.unpark();
        }
    }

    /// Another strong handle to this cell, from a plain reference.
    #[inline]
    pub(super) fn new_arc(&self) -> Arc<Self> {
        // SAFETY: cells are created only by `spawn_cell`, inside
        // `Arc::new_cyclic`, which gave `me` (the allocation's own pointer,
        // with its full provenance); they never move out of it, and `self`
        // is alive, so its strong count is at least one (the caller's
        // handle). Incrementing first makes the `Arc` we build an owned
        // count.
        unsafe {
            Arc::increment_strong_count(self.me);
            Arc::from_raw(self.me)
        }
    }
}
