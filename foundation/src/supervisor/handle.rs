//! [`SupervisorRef`]: a supervisor's handle, with blocking calls for each
//! request.

use crate::actor::{Actor, ActorRef};
use crate::call::reply::DEFAULT_CALL_TIMEOUT;
use crate::pid::Pid;
use crate::recipient::Recipient;

use super::*;

/// A handle to a running [`Supervisor`], with its API as blocking calls
/// (from plain threads or blocking actors; from a handler, send a
/// [`SupervisorMsg`] with `ctx.request`).
///
/// ```
/// use foundation::{Actor, ChildSpec, Context, Node, Supervisor, SupervisorError};
///
/// #[derive(Default)]
/// struct Worker;
/// impl Actor for Worker {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let sup = Supervisor::builder().spawn(&node)?;
/// let pid = sup.start_child(ChildSpec::new("w", Worker::default))?;
/// assert_eq!(
///     sup.start_child(ChildSpec::new("w", Worker::default)),
///     Err(SupervisorError::DuplicateId("w".into()))
/// );
/// let info = &sup.which_children()?[0];
/// assert_eq!((info.id.as_str(), info.pid), ("w", Some(pid)));
/// assert!(info.actor::<Worker>().is_some());
///
/// sup.terminate_child("w")?; // stopped; its spec stays
/// assert_eq!(sup.count_children()?.active, 0);
/// let again = sup.restart_child("w")?; // in a new cell
/// assert_ne!(again, pid);
/// assert_eq!(sup.delete_child("w"), Err(SupervisorError::Running("w".into())));
/// sup.terminate_child("w")?;
/// sup.delete_child("w")?;
/// assert!(sup.which_children()?.is_empty());
/// sup.stop();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SupervisorRef {
    pub(super) actor: ActorRef<Supervisor>,
}

impl SupervisorRef {
    /// The supervisor's actor handle.
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
    /// // The supervisor is an actor like any other: monitor it, name it, message it.
    /// assert!(sup.actor().is_alive());
    /// node.registry().register("app.sup", sup.pid())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn actor(&self) -> &ActorRef<Supervisor> {
        &self.actor
    }

    /// The supervisor's pid.
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
    /// assert_eq!(sup.pid(), sup.actor().pid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pid(&self) -> Pid {
        self.actor.pid()
    }

    /// The handle of child `id`, if it exists and is an `A`. It stays valid
    /// across the child's restarts.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Call`] if the supervisor does not answer.
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
    /// let worker: Option<ActorRef<Worker>> = sup.child("worker")?;
    /// assert!(worker.expect("started").ping()?);
    /// assert!(sup.child::<Worker>("nobody")?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn child<A: Actor>(&self, id: &str) -> Result<Option<ActorRef<A>>, SupervisorError> {
        Ok(self
            .which_children()?
            .into_iter()
            .find(|c| c.id == id)
            .and_then(|c| c.actor::<A>()))
    }

    /// The children, in start order.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Call`] if the supervisor does not answer.
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
    /// for child in sup.which_children()? {
    ///     println!("{} {:?} restarts={}", child.id, child.pid, child.restarts);
    /// }
    /// assert_eq!(sup.which_children()?[0].id, "worker");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn which_children(&self) -> Result<Vec<ChildInfo>, SupervisorError> {
        Ok(self
            .actor
            .call(SupervisorMsg::which_children, DEFAULT_CALL_TIMEOUT)?)
    }

    /// Child counts.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Call`] if the supervisor does not answer.
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
    /// let counts = sup.count_children()?;
    /// assert_eq!((counts.specs, counts.active, counts.workers, counts.supervisors), (1, 1, 1, 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn count_children(&self) -> Result<ChildCounts, SupervisorError> {
        Ok(self
            .actor
            .call(SupervisorMsg::count_children, DEFAULT_CALL_TIMEOUT)?)
    }

    /// Adds child `spec` and starts it (after the supervisor's pending
    /// steps); returns its pid once its `started` hook has returned.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::DuplicateId`], [`SupervisorError::StartFailed`],
    /// [`SupervisorError::Stopping`], [`SupervisorError::Call`].
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
    /// let pid = sup.start_child(ChildSpec::new("extra", Worker::default))?; // started when this returns
    /// assert_eq!(sup.child::<Worker>("extra")?.map(|w| w.pid()), Some(pid));
    /// // Ids are unique:
    /// assert!(matches!(
    ///     sup.start_child(ChildSpec::new("extra", Worker::default)),
    ///     Err(foundation::SupervisorError::DuplicateId(_))
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start_child(&self, spec: ChildSpec) -> Result<Pid, SupervisorError> {
        self.actor.call(
            |r| SupervisorMsg::start_child(spec, r),
            DEFAULT_CALL_TIMEOUT,
        )?
    }

    /// Stops child `id` (its shutdown rules apply) and keeps its spec; its
    /// queued messages become dead letters.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NoSuchChild`], [`SupervisorError::Call`].
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
    /// assert_eq!(sup.count_children()?.active, 0);
    /// assert_eq!(sup.count_children()?.specs, 1); // the spec is kept
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn terminate_child(&self, id: &str) -> Result<(), SupervisorError> {
        let id = id.to_string();
        self.actor.call(
            |r| SupervisorMsg::terminate_child(id, r),
            DEFAULT_CALL_TIMEOUT,
        )?
    }

    /// Starts terminated child `id` again (in a new cell: a new address).
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NoSuchChild`], [`SupervisorError::Running`],
    /// [`SupervisorError::StartFailed`], [`SupervisorError::Call`].
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
    /// let pid = sup.restart_child("worker")?;
    /// assert_eq!(sup.which_children()?[0].pid, Some(pid));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn restart_child(&self, id: &str) -> Result<Pid, SupervisorError> {
        let id = id.to_string();
        self.actor.call(
            |r| SupervisorMsg::restart_child(id, r),
            DEFAULT_CALL_TIMEOUT,
        )?
    }

    /// Forgets terminated child `id`.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::NoSuchChild`], [`SupervisorError::Running`],
    /// [`SupervisorError::Call`].
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
    /// assert!(sup.delete_child("worker").is_err()); // still running: terminate it first
    /// sup.terminate_child("worker")?;
    /// sup.delete_child("worker")?;
    /// assert_eq!(sup.count_children()?.specs, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delete_child(&self, id: &str) -> Result<(), SupervisorError> {
        let id = id.to_string();
        self.actor
            .call(|r| SupervisorMsg::delete_child(id, r), DEFAULT_CALL_TIMEOUT)?
    }

    /// Subscribes `subscriber` to this supervisor's [`SupervisorEvent`]s:
    /// every child's start and exit, and its giving up. See
    /// [`SupervisorEvent`] for an example.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Stopping`] if the supervisor has stopped.
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
    /// use std::sync::mpsc;
    ///
    /// struct Log(mpsc::Sender<String>);
    /// impl Actor for Log {
    ///     type Msg = SupervisorEvent;
    ///     fn handle(&mut self, event: SupervisorEvent, _: &mut Context<Self>) {
    ///         if let SupervisorEvent::Exited { id, .. } = event {
    ///             let _ = self.0.send(id);
    ///         }
    ///     }
    /// }
    /// let (tx, rx) = mpsc::channel();
    /// sup.subscribe(node.spawn(Log(tx))?.recipient())?;
    /// sup.terminate_child("worker")?;
    /// assert_eq!(rx.recv()?, "worker");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribe(&self, subscriber: Recipient<SupervisorEvent>) -> Result<(), SupervisorError> {
        self.actor
            .send(SupervisorMsg::subscribe(subscriber))
            .map_err(|_| SupervisorError::Stopping)
    }

    /// Stops the supervisor: its children stop in reverse order, then it
    /// exits with [`ExitReason::Shutdown`](crate::ExitReason::Shutdown).
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
    /// let worker: ActorRef<Worker> = sup.child("worker")?.expect("started");
    /// sup.stop(); // children first, in reverse start order; returns at once
    /// # let deadline = std::time::Instant::now() + Duration::from_secs(10);
    /// while worker.is_alive() {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now();
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stop(&self) {
        self.actor.stop();
    }
}

impl From<ActorRef<Supervisor>> for SupervisorRef {
    fn from(actor: ActorRef<Supervisor>) -> Self {
        SupervisorRef { actor }
    }
}
