//! The type-erased actor: what everything that holds an actor without
//! knowing its type needs of it — the scheduler runs it, the actor table
//! and the registries resolve it, links, monitors and supervisors signal it,
//! [`Recipient`](crate::Recipient)s and dead-letter subscriptions send to
//! it. The actor cell ([`crate::cell`]) implements both traits; nothing here
//! knows the cell.

use std::sync::Arc;

use crate::error::SendError;
use crate::exit::{Down, ExitReason, MonitorRef};
use crate::pid::Pid;

/// An actor, type-erased: what the scheduler, links, monitors and
/// supervisors need of it. Methods that take a `Pid` act only if that
/// incarnation is the current one.
pub(crate) trait Runnable: core::any::Any + Send + Sync + 'static {
    /// Runs the actor for at most `budget` messages.
    fn run(self: Arc<Self>, budget: usize) -> RunResult;
    /// Asks the actor to stop (its `shutdown_requested` hook) before its
    /// next message. The node's request skips supervised actors whose
    /// supervisor is alive: the supervisor stops them, in order.
    fn request_shutdown(self: Arc<Self>, from_node: bool);
    /// Whether `pid` is the current, running incarnation.
    fn is_current(&self, pid: Pid) -> bool;
    /// The current incarnation's pid, if it has not stopped.
    fn current_pid(&self) -> Option<Pid>;
    /// A link's exit signal from `from` reached `to`. Returns whether it
    /// was delivered (trapped, or acted on).
    fn exit_signal(&self, to: Pid, from: Pid, reason: &ExitReason) -> bool;
    /// A monitor of `to`'s fired.
    fn down_signal(&self, to: Pid, down: Down) -> bool;
    /// Records a link of `me` to `other`; false if `me` is not current.
    fn add_link(&self, me: Pid, other: Pid, task: Task) -> bool;
    fn remove_link(&self, me: Pid, other: Pid);
    /// Records that `watcher` monitors `me`; false if `me` is not current.
    fn add_monitor(&self, me: Pid, monitor: MonitorRef, watcher: Pid, task: Task) -> bool;
    fn remove_monitor(&self, me: Pid, monitor: MonitorRef);
    /// Kills `pid`; false if it was not current.
    fn kill(&self, pid: Pid) -> bool;
    /// Claims a stopped, vacant (supervised) cell, to restart it.
    fn claim(&self) -> bool;
    /// Retires a stopped, vacant (supervised) cell for good.
    fn retire(&self, reason: &ExitReason) -> bool;
    /// The pid of the current incarnation (or, between a stop and a
    /// restart, of the last one).
    fn latest_pid(&self) -> Pid;
    /// Whether the actor has stopped for good (or is about to): its
    /// mailbox is closed. A supervised actor between a crash and its
    /// restart has not.
    fn is_retired(&self) -> bool;
    /// Marks the actor as holding names (registered names, group
    /// memberships, services, subscriptions), so that it releases them when
    /// it stops for good. Returns `false` if it has already stopped for
    /// good: the caller must then release what it added itself.
    fn hold_names(&self) -> bool;
    /// Which of this actor's user code a runner is inside now, in words
    /// ("its handler `add` (a `CounterMsg`)", "its `started` hook"), or
    /// `None` if none.
    fn in_handler(&self) -> Option<String>;
    /// The actor's type name, and its message type's.
    fn type_names(&self) -> (&'static str, &'static str);
    /// Sends the message in `msg`, an `Option<A::Msg>`, taking it out; see
    /// [`DynSend`].
    fn send_dyn(&self, msg: &mut dyn core::any::Any) -> DynSend;
    /// Another owning handle to this actor.
    fn handle(&self) -> Task;
    /// Whether the actor's own automatic mailbox is above its high mark
    /// (such an actor is never muted: ADR 0007).
    fn is_overloaded(&self) -> bool;
    /// Messages waiting in the mailbox, and messages taken from it since
    /// the cell was made (see [`ActorRef::messages_handled`](crate::ActorRef::messages_handled)).
    fn mailbox_counts(&self) -> (usize, u64);
    /// Whether the actor is muted now (ADR 0007).
    fn is_muted(&self) -> bool;
    /// Asks the actor to compact (ADR 0009) when its mailbox is next
    /// empty; `false` if it has no memory settings or has stopped.
    fn request_compact(&self) -> bool;
    /// Bytes charged to its current incarnation (`None`: not measured).
    fn memory(&self) -> Option<u64>;
    /// Mutes the running actor: called from its own handler, by a send to
    /// an overloaded actor that lists it for [`Runnable::unmute`]. Returns
    /// `false` if it was muted already (by an earlier send of the same
    /// handler): one listing, one unmute, is enough.
    fn mute(&self) -> bool;
    /// Lifts a mute, scheduling the actor if it was parked muted.
    fn unmute(&self);
}

/// What [`Runnable::send_dyn`] did.
#[derive(Debug)]
pub(crate) enum DynSend {
    Sent,
    /// The message was not an `Option` of the actor's message type; it is
    /// still there.
    WrongType,
    /// The mailbox refused it; it is back in the `Option`.
    Refused(SendError<()>),
}

pub(crate) type Task = Arc<dyn Runnable>;

/// What a run did.
pub(crate) struct RunResult {
    /// Messages handled (at least 1 is charged by the scheduler).
    pub(crate) handled: usize,
    /// The actor used its budget with work left: put it back in a queue.
    pub(crate) yielded: Option<Task>,
    /// A kill took the actor over while this thread was in one of its
    /// handlers (and a spare thread may have replaced this one).
    pub(crate) stolen: bool,
    /// The incarnation ended in this run (it stopped, or was taken).
    pub(crate) ended: bool,
}

impl RunResult {
    pub(crate) fn done(handled: usize) -> Self {
        RunResult {
            handled,
            yielded: None,
            stolen: false,
            ended: false,
        }
    }

    pub(crate) fn ended(handled: usize, stolen: bool) -> Self {
        RunResult {
            handled,
            yielded: None,
            stolen,
            ended: true,
        }
    }
}

/// The sending half of an actor, seen through one message type.
pub(crate) trait Sink<M>: Send + Sync {
    fn send(&self, msg: M) -> Result<(), SendError<M>>;
    /// A notice the receiver asked for (an event it subscribed to): past
    /// its mailbox's bound (ADR 0007).
    fn send_notice(&self, msg: M) -> Result<(), SendError<M>>;
    fn pid(&self) -> Pid;
    fn is_alive(&self) -> bool;
    /// The actor behind this sink, type-erased.
    fn task(self: Arc<Self>) -> Task;
}
