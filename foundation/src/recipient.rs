//! [`Recipient`]: a handle typed by message rather than by actor.
//!
//! It sits below the actor layer (it knows only the [`Sink`] an actor cell
//! implements), so that the dead-letter sink and the registries' tables can
//! hold subscribers and members without knowing actors. `From<ActorRef<A>>`
//! lives with [`ActorRef`](crate::ActorRef).

use core::fmt;
use std::sync::Arc;

use crate::error::SendError;
use crate::pid::Pid;
use crate::task::{Sink, Task};

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
    pub(crate) sink: Arc<dyn Sink<M>>,
}

impl<M: Send + 'static> Recipient<M> {
    /// Queues `msg`. Never blocks. As [`ActorRef::send`](crate::ActorRef::send),
    /// flow control included.
    ///
    /// # Errors
    ///
    /// The message comes back inside: [`SendError::Closed`] if the actor
    /// has stopped, [`SendError::Full`] or [`SendError::Overloaded`] as
    /// its mailbox's flow control says.
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, Recipient};
    /// # struct Log;
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, _: String, _: &mut Context<Self>) {}
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log)?;
    /// let sink: Recipient<String> = log.recipient();
    /// sink.send("hello".to_string())?;
    /// log.stop();
    /// # while log.is_alive() { std::thread::yield_now(); }
    /// assert!(sink.send("late".to_string()).is_err()); // handed back, as from an ActorRef
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn send(&self, msg: M) -> Result<(), SendError<M>> {
        self.sink.send(msg)
    }

    /// As [`Recipient::send`]; see [`ActorRef::try_send`](crate::ActorRef::try_send).
    ///
    /// # Errors
    ///
    /// As [`Recipient::send`].
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, Recipient};
    /// # struct Log;
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, _: String, _: &mut Context<Self>) {}
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log)?;
    /// let sink: Recipient<String> = log.recipient();
    /// sink.try_send("maybe".to_string())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn try_send(&self, msg: M) -> Result<(), SendError<M>> {
        self.sink.send(msg)
    }

    /// The pid of the actor behind this handle.
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, Recipient};
    /// # struct Log;
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, _: String, _: &mut Context<Self>) {}
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log)?;
    /// let sink: Recipient<String> = log.recipient();
    /// assert_eq!(sink.pid(), log.pid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pid(&self) -> Pid {
        self.sink.pid()
    }

    /// Whether that actor is still running.
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, Recipient};
    /// # struct Log;
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, _: String, _: &mut Context<Self>) {}
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log)?;
    /// let sink: Recipient<String> = log.recipient();
    /// assert!(sink.is_alive());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_alive(&self) -> bool {
        self.sink.is_alive()
    }

    /// The actor behind this handle, type-erased.
    /// Sends a notice the receiver asked for (an event it subscribed to),
    /// past its mailbox's bound (ADR 0007).
    pub(crate) fn send_notice(&self, msg: M) -> Result<(), SendError<M>> {
        self.sink.send_notice(msg)
    }

    pub(crate) fn task(&self) -> Task {
        Arc::clone(&self.sink).task()
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
