//! Delivery: a message (or a runtime envelope) into the mailbox, and the
//! actor woken if it was idle — into a run queue, or its own thread.
//! This is the send path's last step; see docs/architecture.md.
use std::sync::Arc;

use super::*;
use crate::actor::Actor;
use crate::error::SendError;
use crate::mailbox::{CreditPool, CreditWaiter};
use crate::scheduler::{self, WakeKind};
use crate::sync::lock;
use crate::task::Task;
use core::sync::atomic::Ordering::{AcqRel, Relaxed};

impl<A: Actor> ActorCell<A> {
    /// Queues `convert(input)` within the mailbox's flow control and
    /// schedules the actor if it was idle: refused past a manual bound
    /// (`Full`); above an automatic mailbox's high mark, refused for a
    /// sender outside actors (`Overloaded`), queued for an actor, which is
    /// muted (ADR 0007).
    #[inline(always)]
    pub(crate) fn deliver<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> A::Msg,
    ) -> Result<(), SendError<I>> {
        let word = self.flow.load(Relaxed);
        if word & (Bound::LIMITED | OVERLOADED) != 0 {
            return self.deliver_limited(input, convert, word);
        }
        self.deliver_within(input, convert, Bound::UNBOUNDED)
    }

    /// A send to a bounded mailbox, or an overloaded one: out of the
    /// common send's line.
    #[inline(never)]
    fn deliver_limited<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> A::Msg,
        word: u32,
    ) -> Result<(), SendError<I>> {
        if word & OVERLOADED != 0 {
            return self.deliver_overloaded(input, convert);
        }
        let bound = Bound::of(word);
        if bound.is_credit() {
            return self.deliver_one_credit(input, convert);
        }
        self.deliver_within(input, convert, bound)
    }

    /// A plain send to a credit-based mailbox: it spends one credit
    /// straight from the pool (the credit-based mode has no back door),
    /// or is refused with `NoCredit`.
    fn deliver_one_credit<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> A::Msg,
    ) -> Result<(), SendError<I>> {
        let Some(pool) = self.credit_pool() else {
            return Err(SendError::Closed(input));
        };
        if pool.draw(1) == 0 {
            return Err(if self.mailbox.is_closed() {
                SendError::Closed(input)
            } else {
                SendError::NoCredit(input)
            });
        }
        self.deliver_credited(input, convert).inspect_err(|_| {
            pool.give_back(1);
        })
    }

    /// Queues a message whose credit its producer has spent.
    #[inline]
    pub(crate) fn deliver_credited<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> A::Msg,
    ) -> Result<(), SendError<I>> {
        self.deliver_within(input, convert, Bound::UNBOUNDED)
    }

    /// The credit pool of a credit-based mailbox.
    pub(crate) fn credit_pool(&self) -> Option<Arc<CreditPool>> {
        lock(&self.control).as_ref().and_then(|c| c.credit.clone())
    }

    /// The runner handled `n` messages of a credit-based mailbox: their
    /// credit goes back to the pool, in one add.
    #[cold]
    #[inline(never)]
    pub(crate) fn return_credit(&self, n: u32) {
        if let Some(pool) = self.credit_pool() {
            pool.give_back(n);
        }
    }

    /// Whether a send may be refused for capacity now: a bounded or
    /// credit-based mailbox, or an automatic one above its high mark.
    #[inline]
    pub(crate) fn may_refuse(&self) -> bool {
        self.flow.load(Relaxed) & (Bound::LIMITED | OVERLOADED) != 0
    }

    /// Queues a message the runtime sends on the actor's own behalf — a
    /// timer it set, an event it subscribed to — past the mailbox's bound
    /// or high mark (ADR 0007: such notices are bounded by what the actor
    /// asked for).
    pub(crate) fn deliver_notice<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> A::Msg,
    ) -> Result<(), SendError<I>> {
        if self.bound().is_credit() {
            // Spent whether or not there is credit; handling gives it back.
            if let Some(pool) = self.credit_pool() {
                pool.force();
                return self
                    .deliver_within(input, convert, Bound::UNBOUNDED)
                    .inspect_err(|_| pool.give_back(1));
            }
        }
        self.deliver_within(input, convert, Bound::UNBOUNDED)
    }

    #[inline(always)]
    fn deliver_within<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> A::Msg,
        bound: Bound,
    ) -> Result<(), SendError<I>> {
        self.mailbox.push_with(
            input,
            |i| Envelope::User(convert(i)),
            bound,
            || self.filled_a_block(),
        )?;
        if self.state.notify() {
            self.wake(WakeKind::Message);
        }
        Ok(())
    }

    /// A push filled a queue block (once per 31 messages at most): if the
    /// mailbox is automatic and at its high mark, it is overloaded from
    /// now on.
    #[cold]
    #[inline(never)]
    fn filled_a_block(&self) {
        let Some(high) = self.bound().high() else {
            return;
        };
        let queued = self.mailbox.len();
        if queued < high as usize {
            return;
        }
        if self.flow.fetch_or(OVERLOADED, AcqRel) & OVERLOADED != 0 {
            return; // another sender saw it first
        }
        self.shared.record_overload();
        let pid = self.pid();
        tracing::info!(
            target: "foundation::flow",
            %pid, queued, mark = "high", high,
            "actor {pid} is overloaded: {queued} messages queued, above its high watermark \
             ({high}); its senders are held back until it drains to {}",
            self.bound().low()
        );
        self.flag_raised();
    }

    /// A flow flag was raised: make sure a run of the actor begins (or
    /// finds more work) after it, and so sees it (`run_for` looks at the
    /// flags when a run begins and when it finds more work; the state
    /// word's notify and its read there are a release and an acquire).
    /// Had the actor drained meanwhile and gone idle, that run lowers the
    /// flag at once.
    fn flag_raised(&self) {
        if self.state.notify() {
            self.wake(WakeKind::Message);
        }
    }

    /// A send to an overloaded automatic mailbox. A sender outside actors
    /// is refused at once (`Overloaded`, the message handed back); an
    /// actor's message is queued and the actor muted: its runner parks it
    /// after the handler that sent, until this actor drains to its low
    /// mark. An actor that is itself overloaded is not muted, so two
    /// actors flooding each other cannot deadlock.
    #[cold]
    #[inline(never)]
    fn deliver_overloaded<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> A::Msg,
    ) -> Result<(), SendError<I>> {
        crate::panic::with_running_actor(|sender| {
            let Some(sender) = sender else {
                return Err(if self.mailbox.is_closed() {
                    SendError::Closed(input)
                } else {
                    SendError::Overloaded(input)
                });
            };
            self.deliver_within(input, convert, Bound::UNBOUNDED)?;
            // Muted already (by an earlier send of this handler), or
            // overloaded itself: nothing more to do, and no lock taken.
            if sender.is_muted() || sender.is_overloaded() {
                return Ok(());
            }
            let mut control = lock(&self.control);
            // Under the lock, as `below_low_mark` takes the list: it lowers
            // the flag first, so either it finds us listed or we find the
            // flag down (and stay unmuted).
            if self.flow.load(Relaxed) & OVERLOADED != 0 && sender.mute() {
                control
                    .get_or_insert_with(Box::default)
                    .muted
                    .push(sender.handle());
                self.shared.record_mute();
            }
            Ok(())
        })
    }

    /// The overloaded mailbox has drained to its low mark: lower the flag,
    /// unmute the muted senders and wake the waiting threads (once per
    /// crossing: whoever lowers the flag does it).
    #[cold]
    #[inline(never)]
    fn below_low_mark(&self) {
        if self.flow.fetch_and(!OVERLOADED, AcqRel) & OVERLOADED == 0 {
            return;
        }
        let pid = self.pid();
        let queued = self.mailbox.len();
        tracing::info!(
            target: "foundation::flow",
            %pid, queued, mark = "low", low = self.bound().low(),
            "actor {pid} has drained to {queued} messages, at or below its low watermark; \
             its senders go on"
        );
        self.release_waiters();
    }

    /// Queues `convert(input)`, waiting for room in a bounded mailbox, or
    /// below the high mark of an automatic one, until `deadline` (`None`:
    /// however long it takes). The caller is not on a scheduler thread.
    pub(crate) fn deliver_waiting<I>(
        &self,
        mut input: I,
        convert: impl Fn(I) -> A::Msg,
        deadline: Option<std::time::Instant>,
    ) -> Result<(), SendError<I>> {
        loop {
            let no_credit = match self.deliver(input, &convert) {
                Err(SendError::Full(back) | SendError::Overloaded(back)) => {
                    input = back;
                    false
                }
                Err(SendError::NoCredit(back)) => {
                    input = back;
                    true
                }
                other => return other,
            };
            let pool = if no_credit { self.credit_pool() } else { None };
            // Register; then look again: room may have come before we
            // were listed.
            match &pool {
                // The pool wakes us at its next give-back.
                Some(pool) => {
                    self.shared.record_credit_wait();
                    pool.wait(CreditWaiter::Thread(std::thread::current()));
                }
                // Raise the flag; the actor, notified after it, sees it when
                // its next run begins (or finds more work) and wakes us at
                // the low mark (`took_while_flagged`).
                None => {
                    {
                        let mut control = lock(&self.control);
                        control
                            .get_or_insert_with(Box::default)
                            .room_waiters
                            .push(std::thread::current());
                        self.flow.fetch_or(ROOM_WANTED, AcqRel);
                    }
                    self.flag_raised();
                }
            }
            let forget = || match &pool {
                Some(pool) => pool.forget_thread(),
                None => self.forget_room_waiter(),
            };
            match self.deliver(input, &convert) {
                Err(
                    SendError::Full(back) | SendError::Overloaded(back) | SendError::NoCredit(back),
                ) => input = back,
                other => {
                    forget();
                    return other;
                }
            }
            if !crate::sync::park_until(deadline) {
                forget();
                return Err(SendError::Timeout(input));
            }
            forget();
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

    /// The runner took a message while a flow flag was up: once the
    /// mailbox has drained to its low mark (half the bound, or half the
    /// high mark), lower `OVERLOADED` and let the held-back senders go on,
    /// or wake the threads waiting for room — at a low mark rather than at
    /// every pop, so that a waiting producer refills half a mailbox per
    /// wake instead of one message. Out of the run loop's line.
    /// Returns whether a flag is still up.
    #[cold]
    #[inline(never)]
    pub(crate) fn took_while_flagged(&self) -> bool {
        let flags = self.flow.load(Relaxed) & FLOW_FLAGS;
        if flags == 0 {
            return false;
        }
        if self.mailbox.len() > self.bound().low() {
            return true;
        }
        if flags & OVERLOADED != 0 {
            self.below_low_mark();
        } else {
            self.release_waiters();
        }
        self.flow.load(Relaxed) & FLOW_FLAGS != 0
    }

    /// A run begins (or found more work) with a flow flag up or a
    /// credit-based mailbox (`word`, the flow word it read): deals with
    /// the flags as `took_while_flagged` does, and sets `credit` counting.
    /// Returns whether the run must keep calling `slow_pop`.
    #[cold]
    #[inline(never)]
    pub(super) fn slow_begin(&self, word: u32, credit: &mut super::run::Credit) -> bool {
        let bound = Bound::of(word);
        if bound.is_credit() {
            // A quarter of the pool at a time (at most `CREDIT_BATCH`), so
            // that a small pool keeps flowing in a long run.
            credit.batch = (bound.size() / 4).clamp(1, super::run::CREDIT_BATCH);
        }
        let flags = word & FLOW_FLAGS != 0 && self.took_while_flagged();
        flags || credit.batch != 0
    }

    /// A pop in a slow run (see `slow_begin`): counts a handled message of
    /// a credit-based mailbox, giving the ones before it back in batches
    /// (its own stays spent until it is handled), and while a flag is up
    /// reads the depth (the producers' side of the queue) every
    /// `flag_stride() + 1` pops (the run loop also looks before going
    /// idle). Returns whether the run must keep calling it.
    #[cold]
    #[inline(never)]
    pub(super) fn slow_pop(
        &self,
        user: bool,
        credit: &mut super::run::Credit,
        flag_skip: &mut u32,
    ) -> bool {
        if credit.batch != 0 && user {
            if credit.handled >= credit.batch {
                self.return_credit(core::mem::take(&mut credit.handled));
            }
            credit.handled += 1;
        }
        let mut flags = self.flow.load(Relaxed) & FLOW_FLAGS != 0;
        if flags {
            if *flag_skip == 0 {
                flags = self.took_while_flagged();
                *flag_skip = self.flag_stride();
            } else {
                *flag_skip -= 1;
            }
        }
        flags || credit.batch != 0
    }

    /// How many pops to skip between two looks at the depth while a flag
    /// is up: a sixty-fourth of the low mark, at most 255 (being that
    /// late costs little, and each look reads the producers' side of the
    /// queue, a cache line they keep writing), none below a mark of 64.
    #[inline]
    pub(crate) fn flag_stride(&self) -> u32 {
        (self.bound().low() / 64).min(255) as u32
    }

    /// Wakes every thread waiting for room (they look again) and unmutes
    /// every muted sender. Also when the actor stops: a waiter then hears
    /// `Closed`, or tries the restarted incarnation.
    #[cold]
    #[inline(never)]
    pub(crate) fn release_waiters(&self) {
        let (waiters, muted) = {
            let mut control = lock(&self.control);
            self.flow.fetch_and(!ROOM_WANTED, Relaxed);
            control
                .as_mut()
                .map(|c| {
                    (
                        core::mem::take(&mut c.room_waiters),
                        core::mem::take(&mut c.muted),
                    )
                })
                .unwrap_or_default()
        };
        for waiter in waiters {
            waiter.unpark();
        }
        for sender in muted {
            sender.unmute();
        }
    }

    /// Queues a request from a plain thread (a call from outside the
    /// actors), as [`deliver`](Self::deliver) does — and if that made the
    /// actor runnable, and this thread may, runs it here and now instead of
    /// waking a scheduler thread (ADR 0010 §1): the reply is then ready
    /// when this returns, and no thread was woken on either side.
    pub(crate) fn deliver_request(&self, msg: A::Msg) -> Result<(), SendError<A::Msg>> {
        let word = self.flow.load(Relaxed);
        if word & (Bound::LIMITED | OVERLOADED) != 0 {
            return self.deliver_limited(msg, |m| m, word);
        }
        self.mailbox
            .push_with(msg, Envelope::User, Bound::UNBOUNDED, || {
                self.filled_a_block()
            })?;
        if self.state.notify() {
            if self.is_blocking() || !scheduler::may_run_inline() {
                self.wake(WakeKind::Message);
            } else {
                self.run_here();
            }
        }
        Ok(())
    }

    /// Runs the actor, which this thread has just made runnable, on this
    /// thread (see [`deliver_request`](Self::deliver_request)).
    #[inline(never)]
    fn run_here(&self) {
        self.signals.fetch_or(INLINE, Relaxed);
        let left = scheduler::run_inline(&self.shared.scheduler, self.new_arc() as Task);
        self.signals.fetch_and(!INLINE, Relaxed);
        if let Some(task) = left {
            scheduler::schedule(&self.shared.scheduler, task, WakeKind::Message);
        }
    }

    /// Queues a runtime envelope (a continuation, a signal), past any bound.
    pub(crate) fn deliver_envelope(&self, envelope: Envelope<A>) -> Result<(), Envelope<A>> {
        self.mailbox
            .push_with(envelope, |e| e, Bound::UNBOUNDED, || {})
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
