//! What a supervisor reports about its children: [`ChildInfo`],
//! [`ChildCounts`].

use core::fmt;
use std::any::Any;
use std::sync::Arc;

use crate::actor::{Actor, ActorRef, Restart};
use crate::pid::Pid;

/// What a supervisor reports of one child ([`SupervisorRef::which_children`](crate::SupervisorRef::which_children);
/// see [`SupervisorRef`](crate::SupervisorRef) for an example).
#[derive(Clone)]
pub struct ChildInfo {
    /// The child's id.
    pub id: String,
    /// The running incarnation's pid; `None` while it is stopped (being
    /// restarted, or terminated).
    pub pid: Option<Pid>,
    /// Its restart type.
    pub restart: Restart,
    /// Whether it is a supervisor itself.
    pub is_supervisor: bool,
    /// Times the supervisor restarted it after a failure (a restart asked
    /// for with `restart_child` is not counted).
    pub restarts: u32,
    pub(super) cell: Option<Arc<dyn Any + Send + Sync>>,
}

impl ChildInfo {
    /// The child's handle, if it is an `A` and has a cell.
    ///
    /// ```
    /// # use foundation::prelude::*;
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
    /// let info = &sup.which_children()?[0];
    /// let worker: ActorRef<Worker> = info.actor().expect("a Worker");
    /// assert!(worker.ping()?);
    /// assert!(info.actor::<Supervisor>().is_none()); // not that type
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn actor<A: Actor>(&self) -> Option<ActorRef<A>> {
        ActorRef::from_any(Arc::clone(self.cell.as_ref()?))
    }
}

impl fmt::Debug for ChildInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildInfo")
            .field("id", &self.id)
            .field("pid", &self.pid)
            .field("restart", &self.restart)
            .field("is_supervisor", &self.is_supervisor)
            .field("restarts", &self.restarts)
            .finish()
    }
}

/// Child counts, as OTP's `count_children` ([`SupervisorRef::count_children`](crate::SupervisorRef::count_children);
/// see [`SupervisorRef`](crate::SupervisorRef) for an example).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChildCounts {
    /// Children known to the supervisor.
    pub specs: usize,
    /// Children running now.
    pub active: usize,
    /// Of all children, those that are supervisors.
    pub supervisors: usize,
    /// Of all children, those that are not.
    pub workers: usize,
}
