//! Actors, their context, and the handles that reach them.

use core::fmt;
use core::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::cell::ActorCell;
use crate::error::{SendError, SpawnError};
use crate::exit::ExitReason;
use crate::node::spawn_on;
use crate::pid::Pid;

/// A sequential state machine that handles one message at a time.
///
/// An actor owns its state; the runtime hands it messages of one type,
/// [`Actor::Msg`] (usually an enum with a variant per request), one after the
/// other, on whichever scheduler thread is free. Handlers are plain
/// synchronous functions: like a BEAM process, an actor does one thing at a
/// time, and a long computation in a handler holds one scheduler thread.
///
/// If a handler (or a hook) panics, the actor stops with
/// [`ExitReason::Panic`]; the node and every other actor go on.
///
/// # Examples
///
/// ```
/// use foundation::{Actor, Context, ExitReason, Node};
/// use std::sync::mpsc;
///
/// enum CounterMsg {
///     Add(u64),
///     Report(mpsc::Sender<u64>),
/// }
///
/// #[derive(Default)]
/// struct Counter {
///     total: u64,
/// }
///
/// impl Actor for Counter {
///     type Msg = CounterMsg;
///
///     fn handle(&mut self, msg: CounterMsg, _ctx: &mut Context<Self>) {
///         match msg {
///             CounterMsg::Add(n) => self.total += n,
///             CounterMsg::Report(to) => to.send(self.total).unwrap(),
///         }
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let counter = node.spawn(Counter::default())?;
/// counter.send(CounterMsg::Add(2))?;
/// counter.send(CounterMsg::Add(3))?;
/// let (tx, rx) = mpsc::channel();
/// counter.send(CounterMsg::Report(tx)).ok().unwrap();
/// assert_eq!(rx.recv()?, 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Actor: Send + Sized + 'static {
    /// The one message type this actor handles.
    type Msg: Send + 'static;

    /// Handles one message. Messages from one sender arrive in the order they
    /// were sent.
    fn handle(&mut self, msg: Self::Msg, ctx: &mut Context<Self>);

    /// Runs once, on a scheduler thread, before the first message.
    fn started(&mut self, ctx: &mut Context<Self>) {
        let _ = ctx;
    }

    /// Runs once when the actor stops, for whatever reason, before its state
    /// is dropped. Messages still queued are discarded after it returns.
    fn stopped(&mut self, reason: &ExitReason) {
        let _ = reason;
    }
}

/// What a handler knows about the actor it runs in, and what it can ask of
/// the runtime.
///
/// ```
/// use foundation::{Actor, Context, Node};
///
/// struct Parent;
/// struct Child;
///
/// impl Actor for Child {
///     type Msg = ();
///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
///         ctx.stop();
///     }
/// }
///
/// impl Actor for Parent {
///     type Msg = ();
///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
///         let child = ctx.spawn(Child).expect("node is running");
///         assert_ne!(child.pid(), ctx.pid());
///         child.send(()).unwrap();
///         ctx.stop();
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// node.spawn(Parent)?.send(())?;
/// while node.actor_count() > 0 {
///     std::thread::yield_now();
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Context<A: Actor> {
    pub(crate) cell: Arc<ActorCell<A>>,
    pub(crate) stop: Option<ExitReason>,
}

impl<A: Actor> Context<A> {
    pub(crate) fn new(cell: Arc<ActorCell<A>>) -> Self {
        Context { cell, stop: None }
    }

    /// This actor's pid.
    pub fn pid(&self) -> Pid {
        self.cell.pid
    }

    /// A handle to this actor, to give to others.
    pub fn myself(&self) -> ActorRef<A> {
        ActorRef {
            cell: Arc::clone(&self.cell),
        }
    }

    /// Stops this actor with [`ExitReason::Normal`] once the current handler
    /// returns. Messages still queued are discarded.
    pub fn stop(&mut self) {
        self.stop.get_or_insert(ExitReason::Normal);
    }

    /// Spawns another actor on this node. It starts on this scheduler
    /// thread's queue, where any idle thread may steal it.
    ///
    /// # Errors
    ///
    /// [`SpawnError::NodeShutdown`] once the node is shutting down.
    pub fn spawn<B: Actor>(&self, actor: B) -> Result<ActorRef<B>, SpawnError> {
        spawn_on(&self.cell.shared, actor)
    }

    /// The name of the node this actor runs on.
    pub fn node_name(&self) -> &str {
        &self.cell.shared.name
    }

    /// Messages waiting in this actor's mailbox.
    pub fn mailbox_len(&self) -> usize {
        self.cell.mailbox.len()
    }
}

impl<A: Actor> fmt::Debug for Context<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("pid", &self.cell.pid)
            .field("stopping", &self.stop)
            .finish()
    }
}

/// A handle to an actor of type `A`: cheap to clone, sendable anywhere.
///
/// Sending never blocks and never waits: the message is queued, or handed
/// back inside a [`SendError`] if the actor has stopped.
///
/// ```
/// use foundation::{Actor, Context, Node};
/// use std::sync::mpsc;
///
/// struct Echo(mpsc::Sender<String>);
/// impl Actor for Echo {
///     type Msg = String;
///     fn handle(&mut self, msg: String, _: &mut Context<Self>) {
///         self.0.send(msg).unwrap();
///     }
/// }
///
/// let node = Node::builder().schedulers(2).start()?;
/// let (tx, rx) = mpsc::channel();
/// let echo = node.spawn(Echo(tx))?;
/// let again = echo.clone();
/// echo.send("hello".to_string())?;
/// again.try_send("world".to_string())?;
/// assert_eq!(rx.recv()?, "hello");
/// assert_eq!(rx.recv()?, "world");
/// assert_eq!(echo, again);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ActorRef<A: Actor> {
    pub(crate) cell: Arc<ActorCell<A>>,
}

impl<A: Actor> ActorRef<A> {
    /// Queues `msg`. Never blocks.
    ///
    /// # Errors
    ///
    /// [`SendError::Closed`] with `msg` inside if the actor has stopped.
    #[inline]
    pub fn send(&self, msg: A::Msg) -> Result<(), SendError<A::Msg>> {
        self.cell.deliver(msg, |m| m)
    }

    /// Queues `msg` if the mailbox takes it now, never waiting. With the
    /// unbounded mailbox this is [`ActorRef::send`]; with a bounded one it
    /// returns [`SendError::Full`] instead of waiting.
    ///
    /// # Errors
    ///
    /// As [`ActorRef::send`], plus `Full` for bounded mailboxes.
    #[inline]
    pub fn try_send(&self, msg: A::Msg) -> Result<(), SendError<A::Msg>> {
        self.cell.deliver(msg, |m| m)
    }

    /// The actor's pid.
    pub fn pid(&self) -> Pid {
        self.cell.pid
    }

    /// Whether the actor is still running. It may stop right after this
    /// returns `true`; a send then hands the message back.
    pub fn is_alive(&self) -> bool {
        !self.cell.state.is_stopped() && !self.cell.mailbox.is_closed()
    }

    /// Messages waiting in the actor's mailbox (a snapshot).
    pub fn mailbox_len(&self) -> usize {
        self.cell.mailbox.len()
    }

    /// A handle typed by message rather than by actor: any `M` that converts
    /// into `A::Msg`. No allocation: it shares this handle's cell.
    pub fn recipient<M>(&self) -> Recipient<M>
    where
        M: Into<A::Msg> + Send + 'static,
    {
        Recipient {
            sink: Arc::clone(&self.cell) as Arc<dyn Sink<M>>,
        }
    }
}

impl<A: Actor> Clone for ActorRef<A> {
    fn clone(&self) -> Self {
        ActorRef {
            cell: Arc::clone(&self.cell),
        }
    }
}

impl<A: Actor> fmt::Debug for ActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ActorRef<{}>({})",
            core::any::type_name::<A>(),
            self.cell.pid
        )
    }
}

impl<A: Actor> PartialEq for ActorRef<A> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.cell, &other.cell)
    }
}

impl<A: Actor> Eq for ActorRef<A> {}

impl<A: Actor> Hash for ActorRef<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.cell.pid.hash(state);
    }
}

/// The sending half of an actor, seen through one message type.
pub(crate) trait Sink<M>: Send + Sync {
    fn send(&self, msg: M) -> Result<(), SendError<M>>;
    fn pid(&self) -> Pid;
    fn is_alive(&self) -> bool;
}

/// A handle typed by message: any actor whose message type `M` converts
/// into. For groups, routing and registries, where the actor's type is not
/// known or not the same for every member.
///
/// A refused message is handed back as the `M` that was sent, not in its
/// converted form.
///
/// ```
/// use foundation::{Actor, Context, Node, Recipient};
/// use std::sync::mpsc;
///
/// struct Price(u64);
///
/// enum TraderMsg { Price(Price), Halt }
/// impl From<Price> for TraderMsg {
///     fn from(p: Price) -> Self { TraderMsg::Price(p) }
/// }
///
/// struct Trader(mpsc::Sender<u64>);
/// impl Actor for Trader {
///     type Msg = TraderMsg;
///     fn handle(&mut self, msg: TraderMsg, ctx: &mut Context<Self>) {
///         match msg {
///             TraderMsg::Price(Price(p)) => self.0.send(p).unwrap(),
///             TraderMsg::Halt => ctx.stop(),
///         }
///     }
/// }
///
/// struct Logger(mpsc::Sender<u64>);
/// impl Actor for Logger {
///     type Msg = Price;
///     fn handle(&mut self, Price(p): Price, _: &mut Context<Self>) {
///         self.0.send(p * 100).unwrap();
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let (tx, rx) = mpsc::channel();
/// let watchers: Vec<Recipient<Price>> = vec![
///     node.spawn(Trader(tx.clone()))?.recipient(),
///     node.spawn(Logger(tx))?.recipient(),
/// ];
/// for w in &watchers {
///     w.send(Price(7)).ok().unwrap();
/// }
/// let mut seen = vec![rx.recv()?, rx.recv()?];
/// seen.sort();
/// assert_eq!(seen, [7, 700]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Recipient<M> {
    sink: Arc<dyn Sink<M>>,
}

impl<M: Send + 'static> Recipient<M> {
    /// Queues `msg`. Never blocks.
    ///
    /// # Errors
    ///
    /// [`SendError::Closed`] with `msg` inside if the actor has stopped.
    #[inline]
    pub fn send(&self, msg: M) -> Result<(), SendError<M>> {
        self.sink.send(msg)
    }

    /// As [`Recipient::send`]; see [`ActorRef::try_send`].
    ///
    /// # Errors
    ///
    /// As [`Recipient::send`], plus `Full` for bounded mailboxes.
    #[inline]
    pub fn try_send(&self, msg: M) -> Result<(), SendError<M>> {
        self.sink.send(msg)
    }

    /// The pid of the actor behind this handle.
    pub fn pid(&self) -> Pid {
        self.sink.pid()
    }

    /// Whether that actor is still running.
    pub fn is_alive(&self) -> bool {
        self.sink.is_alive()
    }
}

impl<M> Clone for Recipient<M> {
    fn clone(&self) -> Self {
        Recipient {
            sink: Arc::clone(&self.sink),
        }
    }
}

impl<M> fmt::Debug for Recipient<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Recipient<{}>({})",
            core::any::type_name::<M>(),
            self.sink.pid()
        )
    }
}

impl<A, M> From<ActorRef<A>> for Recipient<M>
where
    A: Actor,
    M: Into<A::Msg> + Send + 'static,
{
    fn from(actor: ActorRef<A>) -> Self {
        Recipient {
            sink: actor.cell as Arc<dyn Sink<M>>,
        }
    }
}
