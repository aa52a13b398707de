//! The supervisor's messages: [`SupervisorMsg`], OTP's `which_children`,
//! `start_child` and the rest, each with its reply slot.

use core::fmt;

use crate::call::reply::ReplyTo;
use crate::pid::Pid;
use crate::recipient::Recipient;

use super::*;

/// A message to a [`Supervisor`]. From a plain thread use the methods of
/// [`SupervisorRef`]; from a handler, send one with `ctx.request`, which
/// does not block the scheduler thread.
///
/// ```
/// use foundation::{Actor, ActorRef, Context, Node, Supervisor, SupervisorMsg};
/// use std::sync::mpsc;
///
/// struct Inspector(ActorRef<Supervisor>, mpsc::Sender<usize>);
/// impl Actor for Inspector {
///     type Msg = ();
///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
///         ctx.request(&self.0, SupervisorMsg::which_children)
///             .then(|me, _, children| me.1.send(children.unwrap().len()).unwrap());
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let sup = Supervisor::builder().spawn(&node)?;
/// let (tx, rx) = mpsc::channel();
/// node.spawn(Inspector(sup.actor().clone(), tx))?.send(())?;
/// assert_eq!(rx.recv()?, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SupervisorMsg(pub(super) Request);

impl SupervisorMsg {
    /// Asks for the children, in start order.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::SupervisorMsg;
    /// # use std::time::Duration;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker;
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn ping(&self) -> bool { true }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let sup = Supervisor::builder().child(ChildSpec::new("worker", Worker::default)).spawn(&node)?;
    /// let children = sup.actor().call(SupervisorMsg::which_children, Duration::from_secs(5))?;
    /// assert_eq!(children.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn which_children(reply: ReplyTo<Vec<ChildInfo>>) -> Self {
        SupervisorMsg(Request::Which(reply))
    }

    /// Asks for the child counts.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::SupervisorMsg;
    /// # use std::time::Duration;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker;
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn ping(&self) -> bool { true }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let sup = Supervisor::builder().child(ChildSpec::new("worker", Worker::default)).spawn(&node)?;
    /// let counts = sup.actor().call(SupervisorMsg::count_children, Duration::from_secs(5))?;
    /// assert_eq!(counts.active, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn count_children(reply: ReplyTo<ChildCounts>) -> Self {
        SupervisorMsg(Request::Count(reply))
    }

    /// Adds and starts a child; the reply comes once it has started.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::SupervisorMsg;
    /// # use std::time::Duration;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker;
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn ping(&self) -> bool { true }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let sup = Supervisor::builder().child(ChildSpec::new("worker", Worker::default)).spawn(&node)?;
    /// let spec = ChildSpec::new("extra", Worker::default);
    /// let started = sup.actor().call(|r| SupervisorMsg::start_child(spec, r), Duration::from_secs(5))?;
    /// assert!(started.is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start_child(spec: ChildSpec, reply: ReplyTo<Result<Pid, SupervisorError>>) -> Self {
        SupervisorMsg(Request::StartChild(spec, reply))
    }

    /// Stops a child (keeping its spec).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::SupervisorMsg;
    /// # use std::time::Duration;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker;
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn ping(&self) -> bool { true }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let sup = Supervisor::builder().child(ChildSpec::new("worker", Worker::default)).spawn(&node)?;
    /// let done = sup.actor().call(|r| SupervisorMsg::terminate_child("worker".into(), r), Duration::from_secs(5))?;
    /// assert_eq!(done, Ok(()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn terminate_child(id: String, reply: ReplyTo<Result<(), SupervisorError>>) -> Self {
        SupervisorMsg(Request::Terminate(id, reply))
    }

    /// Starts a terminated child again.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::SupervisorMsg;
    /// # use std::time::Duration;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker;
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn ping(&self) -> bool { true }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let sup = Supervisor::builder().child(ChildSpec::new("worker", Worker::default)).spawn(&node)?;
    /// sup.terminate_child("worker")?;
    /// let pid = sup.actor().call(|r| SupervisorMsg::restart_child("worker".into(), r), Duration::from_secs(5))??;
    /// assert_eq!(pid.incarnation(), 0); // a new cell: a new address, a first incarnation
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn restart_child(id: String, reply: ReplyTo<Result<Pid, SupervisorError>>) -> Self {
        SupervisorMsg(Request::RestartChild(id, reply))
    }

    /// Subscribes `subscriber` to the supervisor's [`SupervisorEvent`]s
    /// (no reply: it takes effect before the next message is handled). A
    /// subscriber that has stopped is forgotten at the next event. See
    /// [`SupervisorEvent`] for an example (through
    /// [`SupervisorRef::subscribe`], which sends this).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::SupervisorMsg;
    /// # use std::time::Duration;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker;
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn ping(&self) -> bool { true }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let sup = Supervisor::builder().child(ChildSpec::new("worker", Worker::default)).spawn(&node)?;
    /// use foundation::SupervisorEvent;
    ///
    /// struct Quiet;
    /// impl Actor for Quiet {
    ///     type Msg = SupervisorEvent;
    ///     fn handle(&mut self, _: SupervisorEvent, _: &mut Context<Self>) {}
    /// }
    /// let quiet = node.spawn(Quiet)?;
    /// sup.actor().send(SupervisorMsg::subscribe(quiet.recipient()))?; // no reply
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribe(subscriber: Recipient<SupervisorEvent>) -> Self {
        SupervisorMsg(Request::Subscribe(subscriber))
    }

    /// Forgets a terminated child's spec.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::SupervisorMsg;
    /// # use std::time::Duration;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker;
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn ping(&self) -> bool { true }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let sup = Supervisor::builder().child(ChildSpec::new("worker", Worker::default)).spawn(&node)?;
    /// sup.terminate_child("worker")?;
    /// let deleted = sup.actor().call(|r| SupervisorMsg::delete_child("worker".into(), r), Duration::from_secs(5))?;
    /// assert_eq!(deleted, Ok(()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delete_child(id: String, reply: ReplyTo<Result<(), SupervisorError>>) -> Self {
        SupervisorMsg(Request::Delete(id, reply))
    }
}

impl fmt::Debug for SupervisorMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.kind())
    }
}

pub(super) enum Request {
    Which(ReplyTo<Vec<ChildInfo>>),
    Count(ReplyTo<ChildCounts>),
    StartChild(ChildSpec, ReplyTo<Result<Pid, SupervisorError>>),
    Terminate(String, ReplyTo<Result<(), SupervisorError>>),
    RestartChild(String, ReplyTo<Result<Pid, SupervisorError>>),
    Delete(String, ReplyTo<Result<(), SupervisorError>>),
    Subscribe(Recipient<SupervisorEvent>),
    /// Child `pid`'s `started` hook returned.
    Started {
        pid: Pid,
    },
    /// Child `pid`'s shutdown time ran out.
    StopTimeout {
        pid: Pid,
    },
}

impl Request {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Request::Which(_) => "which_children",
            Request::Count(_) => "count_children",
            Request::StartChild(..) => "start_child",
            Request::Terminate(..) => "terminate_child",
            Request::RestartChild(..) => "restart_child",
            Request::Delete(..) => "delete_child",
            Request::Subscribe(_) => "subscribe",
            Request::Started { .. } => "child_started",
            Request::StopTimeout { .. } => "stop_timeout",
        }
    }
}
