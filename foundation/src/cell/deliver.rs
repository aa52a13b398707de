//! Delivery: a message (or a runtime envelope) into the mailbox, and the
//! actor woken if it was idle — into a run queue, or its own thread.
//! This is the send path's last step; see docs/architecture.md.
use std::sync::Arc;

use super::*;
use crate::actor::Actor;
use crate::error::SendError;
use crate::scheduler::{self, WakeKind};
use crate::sync::{heavy_fence, light_fence, lock};
use crate::task::Task;
use core::sync::atomic::Ordering::Relaxed;

impl<A: Actor> ActorCell<A> {
    /// Queues `convert(input)` within the mailbox's bound and schedules the
    /// actor if it was idle.
    #[inline(always)]
    pub(crate) fn deliver<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> A::Msg,
    ) -> Result<(), SendError<I>> {
        self.deliver_within(input, convert, self.bound)
    }

    /// Queues a message the runtime sends on the actor's own behalf — a
    /// timer it set, an event it subscribed to — past the mailbox's bound
    /// (ADR 0007: such notices are bounded by what the actor asked for).
    pub(crate) fn deliver_notice<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> A::Msg,
    ) -> Result<(), SendError<I>> {
        self.deliver_within(input, convert, Bound::UNBOUNDED)
    }

    #[inline(always)]
    fn deliver_within<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> A::Msg,
        bound: Bound,
    ) -> Result<(), SendError<I>> {
        self.mailbox
            .push_with(input, |i| Envelope::User(convert(i)), bound)?;
        if self.state.notify() {
            self.wake(WakeKind::Message);
        }
        Ok(())
    }

    /// Queues `convert(input)`, waiting for room in a bounded mailbox until
    /// `deadline` (`None`: however long it takes). The caller is not on a
    /// scheduler thread.
    pub(crate) fn deliver_waiting<I>(
        &self,
        mut input: I,
        convert: impl Fn(I) -> A::Msg,
        deadline: Option<std::time::Instant>,
    ) -> Result<(), SendError<I>> {
        loop {
            match self.deliver(input, &convert) {
                Err(SendError::Full(back)) => input = back,
                other => return other,
            }
            // Register, raise the flag, then look again. Dekker's hand-shake
            // with the runner (`took_from_bounded`): we write the flag and
            // read the head (in the push), it writes the head (its pop) and
            // reads the flag; with a fence on each side one of us sees the
            // other — it wakes us, or our push below finds the room.
            {
                let mut control = lock(&self.control);
                control
                    .get_or_insert_with(Box::default)
                    .room_waiters
                    .push(std::thread::current());
                self.room_wanted.store(1, Relaxed);
            }
            heavy_fence();
            match self.deliver(input, &convert) {
                Err(SendError::Full(back)) => input = back,
                other => {
                    self.forget_room_waiter();
                    return other;
                }
            }
            match deadline {
                None => std::thread::park(),
                Some(deadline) => {
                    let now = std::time::Instant::now();
                    if now >= deadline {
                        self.forget_room_waiter();
                        return Err(SendError::Timeout(input));
                    }
                    std::thread::park_timeout(deadline - now);
                }
            }
            self.forget_room_waiter();
        }
    }

    fn forget_room_waiter(&self) {
        let me = std::thread::current().id();
        if let Some(control) = lock(&self.control).as_mut()
            && let Some(at) = control.room_waiters.iter().position(|t| t.id() == me)
        {
            control.room_waiters.swap_remove(at);
        }
    }

    /// The runner took a message from a bounded mailbox: if threads wait
    /// for room and the mailbox has drained to half its bound (or below),
    /// wake them — at a low mark rather than at every pop, so that a
    /// waiting producer refills half a mailbox per wake instead of one
    /// message. Out of the run loop's line.
    #[inline(never)]
    pub(crate) fn took_from_bounded(&self) {
        light_fence();
        if self.room_wanted.load(Relaxed) == 0 {
            return;
        }
        let low = self.bound.get().unwrap_or(0) as usize / 2;
        if self.mailbox.len() <= low {
            self.wake_room_waiters();
        }
    }

    /// Wakes every thread waiting for room (they look again).
    #[cold]
    #[inline(never)]
    pub(crate) fn wake_room_waiters(&self) {
        let waiters = {
            let mut control = lock(&self.control);
            self.room_wanted.store(0, Relaxed);
            control
                .as_mut()
                .map(|c| core::mem::take(&mut c.room_waiters))
                .unwrap_or_default()
        };
        for waiter in waiters {
            waiter.unpark();
        }
    }

    /// Queues a runtime envelope (a continuation, a signal), past any bound.
    pub(crate) fn deliver_envelope(&self, envelope: Envelope<A>) -> Result<(), Envelope<A>> {
        self.mailbox
            .push_with(envelope, |e| e, Bound::UNBOUNDED)
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
