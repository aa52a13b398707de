//! The actor cell: one allocation per actor holding its state word, its
//! mailbox and the actor itself, and the code that runs it.

use core::cell::UnsafeCell;
use core::sync::atomic::Ordering::{AcqRel, Relaxed};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crossbeam_utils::sync::{Parker, Unparker};

use crate::actor::{Actor, Context, Sink};
use crate::error::SendError;
use crate::exit::ExitReason;
use crate::mailbox::{Mailbox, Pop};
use crate::node::Shared;
use crate::panic::{ActorScope, payload_text};
use crate::pid::Pid;
use crate::reply::StoppingScope;
use crate::scheduler::{self, Runnable, Task, WakeKind};
use crate::state::{Idle, State};
use crate::sync::AtomicU8;

/// Signal bit: the node is shutting down; stop before the next message.
const SIGNAL_SHUTDOWN: u8 = 1;

/// What travels through an actor's mailbox: its own messages, and the
/// runtime's (continuations of requests; later, system signals), in one FIFO
/// so that a reply keeps its place among the messages of its sender.
pub(crate) enum Envelope<A: Actor> {
    User(A::Msg),
    Continuation(Continuation<A>),
}

/// Code to run on an actor, as one of its messages.
pub(crate) type Continuation<A> = Box<dyn FnOnce(&mut A, &mut Context<A>) + Send>;

/// The actor's own data, touched only by its runner.
struct Slot<A> {
    actor: Option<A>,
    started: bool,
}

pub(crate) struct ActorCell<A: Actor> {
    /// Written by senders (NOTIFIED) and by the runner.
    pub(crate) state: State,
    pub(crate) mailbox: Mailbox<Envelope<A>>,
    signals: AtomicU8,
    pub(crate) pid: Pid,
    /// The actor's slot in the node's registry.
    pub(crate) registry_slot: u32,
    pub(crate) shared: Arc<Shared>,
    /// Set for blocking actors: the thread of their own, to wake.
    dedicated: Option<Unparker>,
    slot: UnsafeCell<Slot<A>>,
}

// SAFETY: the only non-`Sync` part is `slot`, and it is touched only by the
// thread that holds the actor's RUNNING state (see `State`): one thread at a
// time, with acquire/release hand-over through the state word. `A: Send` is
// what moving it between those threads needs.
unsafe impl<A: Actor> Sync for ActorCell<A> {}

/// What a run did.
pub(crate) struct RunResult {
    /// Messages handled (at least 1 is charged by the scheduler).
    pub(crate) handled: usize,
    /// The actor used its budget with work left: put it back in a queue.
    pub(crate) yielded: Option<Task>,
}

impl<A: Actor> ActorCell<A> {
    pub(crate) fn new(
        actor: A,
        pid: Pid,
        registry_slot: u32,
        shared: Arc<Shared>,
        dedicated: Option<Unparker>,
    ) -> Self {
        ActorCell {
            state: State::new_scheduled(pid.incarnation()),
            mailbox: Mailbox::unbounded(),
            signals: AtomicU8::new(0),
            pid,
            registry_slot,
            shared,
            dedicated,
            slot: UnsafeCell::new(Slot {
                actor: Some(actor),
                started: false,
            }),
        }
    }

    /// Queues `convert(input)` and schedules the actor if it was idle.
    #[inline]
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

    /// Queues a runtime envelope (a continuation).
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
    fn wake(&self, kind: WakeKind) {
        match &self.dedicated {
            Some(thread) => thread.unpark(),
            None => scheduler::schedule(&self.shared, self.new_arc() as Task, kind),
        }
    }

    /// Another strong handle to this cell, from a plain reference.
    #[inline]
    fn new_arc(&self) -> Arc<Self> {
        // SAFETY: cells are created only by `node::spawn_on`, directly inside
        // `Arc::new`, and never moved out, so `self` points into a live `Arc`
        // allocation whose strong count is at least one (the caller's handle).
        // Incrementing first makes the `Arc` we build an owned count.
        unsafe {
            Arc::increment_strong_count(self as *const Self);
            Arc::from_raw(self as *const Self)
        }
    }

    /// Stops the actor: close the mailbox, run `stopped`, discard what is
    /// queued, drop the actor, and tell the node.
    fn finish(&self, slot: &mut Slot<A>, reason: ExitReason) {
        // `ReplyTo`s dropped from here on fail their callers with `Stopped`.
        let _stopping = StoppingScope::enter();
        // Close first: once `is_alive` says false, every send fails.
        self.mailbox.close();
        self.state.stop();
        if let Some(actor) = slot.actor.as_mut()
            && let Err(payload) = catch_unwind(AssertUnwindSafe(|| actor.stopped(&reason)))
        {
            tracing::warn!(
                pid = %self.pid,
                "the stopped hook of {} panicked: {}",
                self.pid,
                payload_text(&*payload)
            );
        }
        let mut discarded = 0;
        let drained = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: we hold RUNNING (and STOPPED now): we are the consumer.
            discarded = unsafe { self.mailbox.drain_closed(drop) };
            drop(slot.actor.take());
        }));
        if let Err(payload) = drained {
            tracing::warn!(
                pid = %self.pid,
                "dropping the state or messages of {} panicked: {}",
                self.pid,
                payload_text(&*payload)
            );
        }
        self.shared
            .actor_exited(self.pid, self.registry_slot, &reason, discarded);
    }
}

impl<A: Actor> Runnable for ActorCell<A> {
    fn run(self: Arc<Self>, budget: usize) -> RunResult {
        self.state.begin_run();
        let _scope = ActorScope::enter(self.pid);
        let slot_ptr = self.slot.get();
        let mut ctx = Context::new(self);
        // SAFETY: we hold RUNNING, which grants this thread exclusive access
        // to the slot until we go idle or yield (after our last use of it);
        // `ctx` owns an `Arc` of the cell, so it outlives this borrow.
        let slot = unsafe { &mut *slot_ptr };
        let mut handled = 0;

        if !slot.started {
            slot.started = true;
            let actor = slot.actor.as_mut().expect("a running actor has state");
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| actor.started(&mut ctx))) {
                let reason = ExitReason::Panic(payload_text(&*payload));
                ctx.cell.shared.record_panic();
                ctx.cell.finish(slot, reason);
                return RunResult {
                    handled: 1,
                    yielded: None,
                };
            }
        }

        loop {
            if let Some(reason) = ctx.stop.take() {
                ctx.cell.finish(slot, reason);
                return RunResult {
                    handled,
                    yielded: None,
                };
            }
            if ctx.cell.signals.load(Relaxed) & SIGNAL_SHUTDOWN != 0 {
                ctx.cell.finish(slot, ExitReason::Shutdown);
                return RunResult {
                    handled,
                    yielded: None,
                };
            }
            if handled >= budget {
                ctx.cell.state.yield_run();
                return RunResult {
                    handled,
                    yielded: Some(ctx.cell as Task),
                };
            }
            // SAFETY: we hold RUNNING: we are the mailbox's only consumer.
            match unsafe { ctx.cell.mailbox.pop() } {
                Pop::Value(envelope) => {
                    handled += 1;
                    let actor = slot.actor.as_mut().expect("a running actor has state");
                    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| match envelope {
                        Envelope::User(msg) => actor.handle(msg, &mut ctx),
                        Envelope::Continuation(k) => k(actor, &mut ctx),
                    })) {
                        let reason = ExitReason::Panic(payload_text(&*payload));
                        ctx.cell.shared.record_panic();
                        ctx.cell.finish(slot, reason);
                        return RunResult {
                            handled,
                            yielded: None,
                        };
                    }
                }
                Pop::Empty => match ctx.cell.state.try_idle() {
                    // From here on another thread may run the actor: touch
                    // nothing but our `Arc`.
                    Idle::Parked => {
                        return RunResult {
                            handled,
                            yielded: None,
                        };
                    }
                    Idle::MoreWork => continue,
                },
            }
        }
    }

    fn request_shutdown(self: Arc<Self>) {
        self.signals.fetch_or(SIGNAL_SHUTDOWN, AcqRel);
        if self.state.notify() {
            self.wake(WakeKind::Spawn);
        }
    }
}

impl<A, M> Sink<M> for ActorCell<A>
where
    A: Actor,
    M: Into<A::Msg> + Send + 'static,
{
    #[inline]
    fn send(&self, msg: M) -> Result<(), SendError<M>> {
        self.deliver(msg, Into::into)
    }

    fn pid(&self) -> Pid {
        self.pid
    }

    fn is_alive(&self) -> bool {
        !self.state.is_stopped() && !self.mailbox.is_closed()
    }
}

/// The loop of a blocking actor's own thread: run when scheduled, park
/// otherwise, return once the actor has stopped.
pub(crate) fn run_dedicated<A: Actor>(cell: Arc<ActorCell<A>>, parker: Parker) {
    let budget = cell.shared.budget;
    loop {
        if cell.state.is_scheduled() {
            // A yield hands back the same cell, still scheduled: run again.
            let _ = Arc::clone(&cell).run(budget);
            continue;
        }
        if cell.state.is_stopped() {
            return;
        }
        // Whoever schedules the actor unparks this thread; the token makes
        // an unpark that comes before the park count.
        parker.park();
    }
}
