//! What a supervisor tells an observer of its children (crate-internal):
//! how an ecosystem keeps a directory of its members that every handle
//! reads without asking the supervisor, across the supervisor's
//! incarnations.

use std::any::Any;
use std::sync::Arc;

use crate::actor::Context;
use crate::pid::Pid;
use crate::task::Task;

use super::Supervisor;

/// Where a child is, as an observer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChildStatus {
    /// Not started, terminated, or stopped for good.
    Off,
    /// Spawned or restarted; its `started` hook has not returned yet.
    Starting(Pid),
    Running(Pid),
    /// Asked to stop; its exit has not arrived yet.
    Stopping(Pid),
    /// Exited; waits for its restart.
    Restarting,
}

/// One child's state, shown at each change (borrowed: the observer copies
/// what it keeps).
pub(crate) struct ChildView<'a> {
    pub(crate) id: &'a str,
    pub(crate) status: ChildStatus,
    /// Restarts after a failure since the child was added.
    pub(crate) restarts: u32,
    pub(crate) task: Option<&'a Task>,
    pub(crate) cell: Option<&'a Arc<dyn Any + Send + Sync>>,
}

/// Told of every change to a supervisor's children, from the supervisor's
/// handler (keep it short: a lock and a few stores).
pub(crate) trait Observer: Send + Sync + 'static {
    /// A (new) incarnation of the supervisor started; its children start
    /// next. Children of an earlier incarnation are gone (retired).
    fn attached(self: Arc<Self>, sup: &Context<Supervisor>);
    /// Child `view.id` changed.
    fn child(&self, view: ChildView<'_>);
    /// Child `id` was forgotten (deleted, or a temporary child that ended).
    fn removed(&self, id: &str);
}
