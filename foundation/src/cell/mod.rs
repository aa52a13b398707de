//! The actor cell: one allocation per actor holding its state word, its
//! mailbox, its links and monitors, and a pointer to the current instance;
//! and the code that runs it, stops it, kills it and restarts it.
//!
//! A cell is the actor's *address*: it outlives incarnations. A supervised
//! child that stops is restarted in the same cell, so its `ActorRef`s and
//! its queued messages carry over; only the incarnation in the state word
//! changes.

mod deliver;
pub(crate) mod lifecycle;
mod links;
pub(crate) mod memory;
mod run;
pub(crate) mod spawn;
pub(crate) mod state;
pub(crate) mod takeover;

use lifecycle::drop_instance;
pub(crate) use lifecycle::mark_named;
pub(crate) use run::run_dedicated;

use core::sync::atomic::Ordering::Relaxed;
use std::cell::UnsafeCell;
use std::sync::{Arc, Mutex};

use crossbeam_utils::sync::Unparker;

use crate::actor::{Actor, Context};
use crate::cell::state::State;
use crate::cell::takeover::{HandlerWord, What};
use crate::error::SendError;
use crate::exit::{Down, ExitReason, MonitorRef};
use crate::mailbox::{Bound, CreditPool, Mailbox};
use crate::node::shared::Shared;
use crate::pid::Pid;
use crate::sync::{AtomicU16, AtomicU32};
use crate::task::{DynSend, RunResult, Runnable, Sink, Task};

/// Signal bits: the node (or a supervisor) asks the actor to stop.
const SIG_SHUTDOWN: u16 = 1;
/// An untrapped exit signal arrived; its reason waits in `Control`.
const SIG_EXIT: u16 = 2;
/// Killed: stop before the next message, untrappable.
const SIG_KILL: u16 = 4;
/// Not a signal: the actor traps exits.
const TRAP_EXIT: u16 = 8;
/// Not a signal, fixed at spawn: started by a supervisor, so a stop leaves
/// the cell for it to restart.
const SUPERVISED: u16 = 16;
/// Not a signal, fixed at spawn: a blocking actor, run on a thread of its
/// own (its unparker is in the control block).
const BLOCKING: u16 = 32;
/// Not a signal, set once: the actor holds names (registered names, group
/// memberships, services) that the node releases when it stops for good.
const NAMED: u16 = 64;
/// Not a signal, fixed at spawn: every incarnation starts trapping exits
/// ([`ActorOptions::trap_exit`](crate::ActorOptions::trap_exit)).
const TRAP_AT_START: u16 = 128;
/// The actor muted itself (a send of its handler reached an overloaded
/// actor, ADR 0007): its runner looks at its state word before the next
/// message. Among the signals so that the run loop's one look at this
/// word per message covers it.
const SIG_MUTED: u16 = 256;
/// Not a signal, fixed at spawn: the cell has memory settings or an
/// account ([`memory::MemoryControl`], in the control block), which each
/// run sets up.
const MEMORY: u16 = 512;
/// Compact before the next message (ADR 0009): the node's memory monitor
/// asks an idle `gc_optimized` actor, or all of them under pressure. Only
/// set on `MEMORY` cells, whose runs look at it between messages.
const SIG_COMPACT: u16 = 1024;
/// Not a signal: a plain thread is running the actor itself, for a
/// request it sent (ADR 0010 §1); a kill that takes the actor over then
/// replaces no scheduler thread. Kept across a restart in that run (the
/// running thread clears it).
const INLINE: u16 = 2048;
/// Flags that belong to the cell, not to one incarnation.
const CELL_FLAGS: u16 = SUPERVISED | BLOCKING | NAMED | TRAP_AT_START | MEMORY | INLINE;
const SIGNALS: u16 = SIG_SHUTDOWN | SIG_EXIT | SIG_KILL | SIG_MUTED;

/// `ActorCell::flow` flags: threads wait for room (`Control::room_waiters`).
pub(crate) const ROOM_WANTED: u32 = Bound::ROOM_WANTED;
/// `ActorCell::flow` flags: an automatic mailbox is above its high mark
/// (ADR 0007): outside senders are refused, actor senders muted.
pub(crate) const OVERLOADED: u32 = Bound::OVERLOADED;
/// Both.
pub(crate) const FLOW_FLAGS: u32 = Bound::FLAGS;

/// What travels through an actor's mailbox: its own messages, and the
/// runtime's, in one FIFO, so that a reply, a trapped exit or a `Down`
/// keeps its place after the messages its sender sent before it.
pub(crate) enum Envelope<A: Actor> {
    User(A::Msg),
    Continuation(Continuation<A>),
    Signal(Box<Signal>),
}

/// A signal that waits its turn in the mailbox (boxed: rare, and it keeps
/// the envelope small).
pub(crate) enum Signal {
    /// A trapped exit of a linked actor, for `on_exit`.
    Exit {
        incarnation: u32,
        from: Pid,
        reason: ExitReason,
    },
    /// A monitored actor is gone, for `on_down`.
    Down { incarnation: u32, down: Down },
}

/// Code to run on an actor, as one of its messages.
pub(crate) type Continuation<A> = Box<dyn FnOnce(&mut A, &mut Context<A>) + Send>;

/// The current instance, touched only by whoever holds the actor's RUNNING
/// state (or has taken it over: a killer, a restarting supervisor).
struct Slot<A> {
    /// From `Box::into_raw`; null between incarnations. A killed runner
    /// still inside a handler owns the instance it runs: the killer nulls
    /// this, and the runner frees the instance when the handler returns.
    actor: *mut A,
}

/// Links and monitors of the current incarnation, and what waits for it.
#[derive(Default)]
struct Control {
    /// Linked actors, each bound to one incarnation.
    links: links::Links,
    /// Who monitors this incarnation.
    monitors: Vec<(MonitorRef, Pid, Task)>,
    /// The reason of an untrapped exit signal (`SIG_EXIT`).
    pending_exit: Option<ExitReason>,
    /// The supervisor, for a supervised cell (also in `links`).
    supervisor: Option<(Pid, Task)>,
    /// Told once the incarnation's `started` hook has returned.
    started_ack: Option<StartedAck>,
    /// This incarnation was killed: what `SIG_KILL` means, so that a kill
    /// racing a restart cannot hit the next incarnation.
    killed: bool,
    /// A blocking actor's thread, to wake.
    dedicated: Option<Unparker>,
    /// Threads waiting for room in a bounded mailbox, or below the high
    /// mark of an automatic one (`ActorRef::send_timeout`, a blocking
    /// `call`), woken at the low mark.
    room_waiters: Vec<std::thread::Thread>,
    /// Actors muted for sending to this one while it was overloaded,
    /// unmuted when it drains to its low mark (or stops).
    muted: Vec<Task>,
    /// A `credit_based` mailbox's pool. The cell's, not the incarnation's:
    /// a restart carries it over, with the queue.
    credit: Option<Arc<CreditPool>>,
    /// Memory settings and the incarnation's account (ADR 0009). The
    /// settings are the cell's, carried over; the account is not.
    memory: Option<Box<memory::MemoryControl>>,
}

/// Told that a supervised incarnation has started (ordered starts).
pub(crate) type StartedAck = Box<dyn FnOnce(Pid) + Send>;

/// The parts of a stopping incarnation that its death sets off.
struct Remains {
    links: Vec<(Pid, Task)>,
    monitors: Vec<(MonitorRef, Pid, Task)>,
    supervisor: Option<(Pid, Task)>,
}

pub(crate) struct ActorCell<A: Actor> {
    /// Written by senders (NOTIFIED) and by the runner.
    pub(crate) state: State,
    pub(crate) mailbox: Mailbox<Envelope<A>>,
    /// `SIG_*` bits, and the `TRAP_EXIT`, `SUPERVISED` and `BLOCKING` flags.
    signals: AtomicU16,
    /// Whether the runner is inside user code; see `guarded`.
    handler: HandlerWord,
    /// Flow control (ADR 0007): the mailbox's [`Bound`] — its manual
    /// bound or automatic high mark — and the `OVERLOADED` and
    /// `ROOM_WANTED` flags, in one word: a send tests "bounded or
    /// overloaded" with one load and one branch. Here rather than in the
    /// mailbox, where it would cost the cell its 128-byte size class.
    pub(crate) flow: AtomicU32,
    /// The pid's number (its node is `shared.id`; the incarnation lives in
    /// `state`).
    number: u64,
    pub(crate) shared: Arc<Shared>,
    /// Links, monitors and the rest of the current incarnation's rarely
    /// used parts, allocated when first needed (kept small: the cell and
    /// its `Arc` counts fit in 128 bytes, the allocator's fast size class).
    control: Mutex<Option<Box<Control>>>,
    slot: UnsafeCell<Slot<A>>,
    /// Whether the incarnation's `started` hook has run (runner only).
    started: UnsafeCell<bool>,
    /// This cell, as its `Arc` allocation's pointer (from `Arc::new_cyclic`):
    /// `new_arc` makes owning handles from it. A pointer made from `&self`
    /// may only read what is not in an `UnsafeCell`; an `Arc` built on one
    /// and dropped last would free the allocation through it, which Miri's
    /// Tree Borrows model rejects.
    me: *const ActorCell<A>,
}

// SAFETY: the only non-`Sync` part is `slot`, and it is touched only by the
// thread that holds the actor's RUNNING state (see `State`), or that took it
// over by a successful compare-exchange (a kill, a claim of a vacant cell):
// one thread at a time, with acquire/release hand-over through those words.
// `A: Send` is what moving the instance between those threads needs.
unsafe impl<A: Actor> Sync for ActorCell<A> {}
// SAFETY: the raw instance pointer in `slot` is an owned `Box<A>`, `A: Send`.
unsafe impl<A: Actor> Send for ActorCell<A> {}

/// How a new cell is set up (from its spawn's options).
pub(crate) struct Setup {
    pub(crate) supervised: bool,
    /// A blocking actor's thread.
    pub(crate) dedicated: Option<Unparker>,
    pub(crate) trap_exit: bool,
    pub(crate) bound: Bound,
    /// The credit pool's size, for a `credit_based` mailbox.
    pub(crate) credit: Option<u32>,
    pub(crate) memory: Option<Box<memory::MemoryControl>>,
}

impl<A: Actor> ActorCell<A> {
    pub(crate) fn new(
        actor: Box<A>,
        number: u64,
        shared: Arc<Shared>,
        setup: Setup,
        me: *const Self,
    ) -> Self {
        let Setup {
            supervised,
            dedicated,
            trap_exit,
            bound,
            credit,
            memory,
        } = setup;
        let flags = if supervised { SUPERVISED } else { 0 }
            | if dedicated.is_some() { BLOCKING } else { 0 }
            | if trap_exit {
                TRAP_AT_START | TRAP_EXIT
            } else {
                0
            }
            | if memory.is_some() { MEMORY } else { 0 };
        let control = (dedicated.is_some() || credit.is_some() || memory.is_some()).then(|| {
            Box::new(Control {
                dedicated,
                credit: credit.map(|size| Arc::new(CreditPool::new(size))),
                memory,
                ..Control::default()
            })
        });
        ActorCell {
            state: State::new_scheduled(0),
            mailbox: Mailbox::unbounded(),
            signals: AtomicU16::new(flags),
            handler: HandlerWord::new(),
            flow: AtomicU32::new(bound.word()),
            number,
            shared,
            control: Mutex::new(control),
            slot: UnsafeCell::new(Slot {
                actor: Box::into_raw(actor),
            }),
            started: UnsafeCell::new(false),
            me,
        }
    }

    /// The mailbox's bound or high mark (fixed at spawn).
    #[inline]
    pub(crate) fn bound(&self) -> Bound {
        Bound::of(self.flow.load(Relaxed))
    }

    /// Started by a supervisor (fixed at spawn).
    #[inline]
    fn supervised(&self) -> bool {
        self.signals.load(Relaxed) & SUPERVISED != 0
    }

    /// A blocking actor (fixed at spawn).
    #[inline]
    pub(crate) fn is_blocking(&self) -> bool {
        self.signals.load(Relaxed) & BLOCKING != 0
    }

    /// The pid of incarnation `incarnation` of this cell.
    #[inline]
    pub(crate) fn pid_of(&self, incarnation: u32) -> Pid {
        Pid::new(self.shared.id, self.number, incarnation)
    }

    /// The pid of the current (or, between a stop and a restart, the last)
    /// incarnation.
    #[inline]
    pub(crate) fn pid(&self) -> Pid {
        self.pid_of(self.state.incarnation())
    }
}

impl<A: Actor> Runnable for ActorCell<A> {
    #[inline]
    fn run(self: Arc<Self>, budget: usize) -> RunResult {
        ActorCell::run_for(self, budget)
    }

    fn request_shutdown(self: Arc<Self>, from_node: bool) {
        ActorCell::request_shutdown(self, from_node)
    }

    fn exit_signal(&self, to: Pid, from: Pid, reason: &ExitReason) -> bool {
        ActorCell::exit_signal(self, to, from, reason)
    }

    fn down_signal(&self, to: Pid, down: Down) -> bool {
        ActorCell::down_signal(self, to, down)
    }

    fn add_link(&self, me: Pid, other: Pid, task: Task) -> bool {
        ActorCell::add_link(self, me, other, task)
    }

    fn remove_link(&self, me: Pid, other: Pid) {
        ActorCell::remove_link(self, me, other)
    }

    fn add_monitor(&self, me: Pid, monitor: MonitorRef, watcher: Pid, task: Task) -> bool {
        ActorCell::add_monitor(self, me, monitor, watcher, task)
    }

    fn remove_monitor(&self, me: Pid, monitor: MonitorRef) {
        ActorCell::remove_monitor(self, me, monitor)
    }

    fn is_current(&self, pid: Pid) -> bool {
        self.state.is_current(pid.incarnation())
    }

    fn current_pid(&self) -> Option<Pid> {
        let incarnation = self.state.incarnation();
        self.state
            .is_current(incarnation)
            .then(|| self.pid_of(incarnation))
    }

    fn kill(&self, pid: Pid) -> bool {
        ActorCell::kill(self, pid.incarnation())
    }

    fn claim(&self) -> bool {
        self.state.claim_vacant()
    }

    fn retire(&self, reason: &ExitReason) -> bool {
        if self.state.claim_vacant() {
            self.retire_claimed(self.state.incarnation(), reason);
            true
        } else {
            false
        }
    }

    fn latest_pid(&self) -> Pid {
        self.pid()
    }

    fn is_retired(&self) -> bool {
        self.mailbox.is_closed()
    }

    fn hold_names(&self) -> bool {
        mark_named(&self.signals, || self.mailbox.is_closed())
    }

    fn in_handler(&self) -> Option<String> {
        let what = self.handler.inside()?;
        let message = core::any::type_name::<A::Msg>();
        Some(match what {
            What::STARTED => "its `started` hook".to_owned(),
            What::STOPPED => "its `stopped` hook".to_owned(),
            What::ON_EXIT => "its `on_exit` hook".to_owned(),
            What::ON_DOWN => "its `on_down` hook".to_owned(),
            What::SHUTDOWN_REQUESTED => "its `shutdown_requested` hook".to_owned(),
            What::CONTINUATION => "a continuation (`.then` of a request or a start)".to_owned(),
            What::COMPACT => "its `compact` hook".to_owned(),
            other => match other.message_kind().and_then(A::__message_kind_at) {
                Some(kind) => format!("its handler `{kind}` (a `{message}`)"),
                None => format!("a handler of `{message}`"),
            },
        })
    }

    fn type_names(&self) -> (&'static str, &'static str) {
        (
            core::any::type_name::<A>(),
            core::any::type_name::<A::Msg>(),
        )
    }

    fn send_dyn(&self, msg: &mut dyn core::any::Any) -> DynSend {
        let Some(slot) = msg.downcast_mut::<Option<A::Msg>>() else {
            return DynSend::WrongType;
        };
        let Some(message) = slot.take() else {
            return DynSend::WrongType;
        };
        match self.deliver(message, |m| m) {
            Ok(()) => DynSend::Sent,
            Err(refused) => {
                let mut back = None;
                let reason = refused.map(|m| back = Some(m));
                *slot = back;
                DynSend::Refused(reason)
            }
        }
    }
    fn handle(&self) -> Task {
        self.new_arc()
    }

    fn is_overloaded(&self) -> bool {
        self.flow.load(Relaxed) & OVERLOADED != 0
    }

    fn mailbox_counts(&self) -> (usize, u64) {
        (self.mailbox.len(), self.messages_taken())
    }

    fn is_muted(&self) -> bool {
        self.state.is_muted()
    }

    fn request_compact(&self) -> bool {
        ActorCell::request_compact(self)
    }

    fn memory(&self) -> Option<u64> {
        self.memory_bytes()
    }

    fn mute(&self) -> bool {
        if !self.state.mute() {
            return false;
        }
        self.signals
            .fetch_or(SIG_MUTED, core::sync::atomic::Ordering::AcqRel);
        true
    }

    fn unmute(&self) {
        if self.state.unmute() {
            self.wake(crate::scheduler::WakeKind::Message);
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

    fn send_notice(&self, msg: M) -> Result<(), SendError<M>> {
        self.deliver_notice(msg, Into::into)
    }

    fn pid(&self) -> Pid {
        ActorCell::pid(self)
    }

    fn is_alive(&self) -> bool {
        !self.state.is_stopped() && !self.mailbox.is_closed()
    }

    fn task(self: Arc<Self>) -> Task {
        self
    }
}

impl<A: Actor> Drop for ActorCell<A> {
    fn drop(&mut self) {
        // An actor never started (a refused spawn) or a node gone with it.
        let actor = self.slot.get_mut().actor;
        drop_instance(self.pid(), actor);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    /// glibc's fast bins (and most allocators' small classes) end at 128
    /// bytes; past that, the spawn bench took about twice as long (cells
    /// are freed on another thread than the one that allocated them).
    #[test]
    fn a_cell_and_its_arc_counts_fit_in_128_bytes() {
        struct Small;
        impl crate::Actor for Small {
            type Msg = u64;
            fn handle(&mut self, _: u64, _: &mut crate::Context<Self>) {}
        }
        let arc_counts = 2 * core::mem::size_of::<usize>();
        let size = core::mem::size_of::<super::ActorCell<Small>>() + arc_counts;
        assert!(size <= 128, "an actor cell takes {size} bytes");
    }
}
