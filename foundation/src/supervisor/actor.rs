//! The supervisor actor: its children's states, the ordered steps it
//! works through (starts, stops, restarts), the restart intensity, and
//! how it answers exits and requests.

use core::fmt;
use std::any::Any;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use crate::actor::{Actor, Context, Restart};
use crate::call::reply::ReplyTo;
use crate::exit::ExitReason;
use crate::pid::Pid;
use crate::task::Task;
use crate::timer::TimerRef;

use super::protocol::Request;
use super::*;

/// Where a child is.
pub(super) enum ChildState {
    /// Never started, or terminated (no cell, or a retired one).
    Off,
    /// Spawned or restarted; its `started` hook has not returned yet.
    Starting(Pid),
    Running(Pid),
    /// Asked to stop (or killed); its exit has not arrived yet.
    Stopping {
        pid: Pid,
        timer: Option<TimerRef>,
    },
    /// Exited; the cell waits for a restart (vacant, mailbox open).
    Down,
}

pub(super) struct Child {
    pub(super) spec: ChildSpec,
    pub(super) state: ChildState,
    pub(super) task: Option<Task>,
    pub(super) cell: Option<Arc<dyn Any + Send + Sync>>,
}

impl Child {
    fn pid(&self) -> Option<Pid> {
        match self.state {
            ChildState::Starting(pid) | ChildState::Running(pid) => Some(pid),
            ChildState::Stopping { pid, .. } => Some(pid),
            _ => None,
        }
    }

    fn is_alive(&self) -> bool {
        self.pid().is_some()
    }
}

/// A step of the supervisor's work; steps run one at a time, each waiting
/// for its child's exit (stop) or its `started` hook (start).
pub(super) enum Op {
    Start {
        id: String,
        reply: Option<ReplyTo<Result<Pid, SupervisorError>>>,
    },
    Stop {
        id: String,
        /// Retire the cell for good afterwards (not restarting).
        retire: bool,
        reply: Option<ReplyTo<Result<(), SupervisorError>>>,
    },
    /// Exit with this reason (every child is stopped by then).
    Exit(ExitReason),
    /// Answer a query.
    Query(Query),
}

pub(super) enum Query {
    Which(ReplyTo<Vec<ChildInfo>>),
    Count(ReplyTo<ChildCounts>),
}

/// What the current step waits for.
pub(super) enum Waiting {
    Nothing,
    Started(Pid),
    Exited(Pid),
}

/// The supervisor actor. Build one with [`Supervisor::builder`], spawn it
/// with [`SupervisorSpec::spawn`], or nest it with [`ChildSpec::supervisor`].
///
/// ```
/// use foundation::{Actor, ChildSpec, Context, Node, ReplyTo, Strategy, Supervisor};
/// use std::time::Duration;
///
/// enum Msg {
///     Get(ReplyTo<u32>),
///     Crash,
/// }
///
/// #[derive(Default)]
/// struct Counter(u32);
/// impl Actor for Counter {
///     type Msg = Msg;
///     fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
///         match msg {
///             Msg::Get(reply) => {
///                 self.0 += 1;
///                 let _ = reply.reply(self.0);
///             }
///             Msg::Crash => panic!("crash"),
///         }
///     }
/// }
///
/// let node = Node::builder().schedulers(2).start()?;
/// let sup = Supervisor::builder()
///     .strategy(Strategy::OneForOne)
///     .child(ChildSpec::new("counter", Counter::default))
///     .spawn(&node)?;
/// let counter = sup.child::<Counter>("counter")?.expect("a Counter");
/// let t = Duration::from_secs(5);
/// assert_eq!(counter.call(Msg::Get, t), Ok(1));
/// counter.send(Msg::Crash)?;
/// // Same handle, new incarnation, fresh state:
/// assert_eq!(counter.call(Msg::Get, t), Ok(1));
/// assert_eq!(counter.pid().incarnation(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Supervisor {
    pub(super) strategy: Strategy,
    pub(super) max_restarts: u32,
    pub(super) within: Duration,
    pub(super) children: Vec<Child>,
    /// When recent restarts happened (node clock).
    pub(super) restarts: VecDeque<Duration>,
    pub(super) ops: VecDeque<Op>,
    pub(super) waiting: Waiting,
    /// Replies held by the running step.
    pub(super) current: Option<Op>,
    pub(super) stopping: bool,
}

impl Supervisor {
    /// A supervisor's settings, to add children to and spawn.
    pub fn builder() -> SupervisorSpec {
        SupervisorSpec::default()
    }

    /// A supervisor (not yet spawned) from `spec`.
    pub fn new(spec: SupervisorSpec) -> Self {
        let mut ops = VecDeque::new();
        let children = spec
            .children
            .into_iter()
            .map(|spec| {
                ops.push_back(Op::Start {
                    id: spec.id.clone(),
                    reply: None,
                });
                Child {
                    spec,
                    state: ChildState::Off,
                    task: None,
                    cell: None,
                }
            })
            .collect();
        Supervisor {
            strategy: spec.strategy,
            max_restarts: spec.max_restarts,
            within: spec.within,
            children,
            restarts: VecDeque::new(),
            ops,
            waiting: Waiting::Nothing,
            current: None,
            stopping: false,
        }
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        self.children.iter().position(|c| c.spec.id == id)
    }

    fn index_of_pid(&self, pid: Pid) -> Option<usize> {
        self.children.iter().position(|c| c.pid() == Some(pid))
    }

    /// Runs steps until one has to wait.
    fn advance(&mut self, ctx: &mut Context<Self>) {
        while matches!(self.waiting, Waiting::Nothing) {
            if let Some(done) = self.current.take() {
                drop(done);
            }
            let Some(op) = self.ops.pop_front() else {
                return;
            };
            match op {
                Op::Start { id, reply } => {
                    let Some(index) = self.index_of(&id) else {
                        if let Some(reply) = reply {
                            let _ = reply.reply(Err(SupervisorError::NoSuchChild(id)));
                        }
                        continue;
                    };
                    if self.children[index].is_alive() {
                        if let Some(reply) = reply {
                            let pid = self.children[index].pid().expect("alive");
                            let _ = reply.reply(Ok(pid));
                        }
                        continue;
                    }
                    match self.start(ctx, index) {
                        Ok(pid) => {
                            self.waiting = Waiting::Started(pid);
                            self.current = Some(Op::Start { id, reply });
                        }
                        Err(reason) => {
                            tracing::warn!(sup = %ctx.pid(), child = %id, "a child could not start: {reason}");
                            if let Some(reply) = reply {
                                let _ = reply.reply(Err(SupervisorError::StartFailed {
                                    id: id.clone(),
                                    reason: reason.clone(),
                                }));
                            }
                            // A failed start counts as a failure of the child.
                            self.children[index].state = ChildState::Off;
                            if !self.stopping
                                && self.children[index].spec.restart == Restart::Permanent
                            {
                                self.failed(ctx, index);
                            }
                        }
                    }
                }
                Op::Stop { id, retire, reply } => {
                    let Some(index) = self.index_of(&id) else {
                        if let Some(reply) = reply {
                            let _ = reply.reply(Err(SupervisorError::NoSuchChild(id)));
                        }
                        continue;
                    };
                    match self.children[index].pid() {
                        Some(pid) => {
                            self.stop_child(ctx, index, pid);
                            self.waiting = Waiting::Exited(pid);
                            self.current = Some(Op::Stop { id, retire, reply });
                        }
                        None => {
                            if retire {
                                self.retire(index, &ExitReason::Shutdown);
                            }
                            if let Some(reply) = reply {
                                let _ = reply.reply(Ok(()));
                            }
                        }
                    }
                }
                Op::Query(Query::Which(reply)) => {
                    let _ = reply.reply(self.info());
                }
                Op::Query(Query::Count(reply)) => {
                    let _ = reply.reply(self.counts());
                }
                Op::Exit(reason) => {
                    for index in 0..self.children.len() {
                        self.retire(index, &reason);
                    }
                    ctx.stop_with(reason);
                    return;
                }
            }
        }
    }

    /// Spawns child `index`, or restarts it in its cell.
    fn start(&mut self, ctx: &mut Context<Self>, index: usize) -> Result<Pid, String> {
        let starter = Arc::clone(&self.children[index].spec.starter);
        let options = self.children[index].spec.options.clone();
        let child = &mut self.children[index];
        let restarted = match (&child.cell, &child.task) {
            (Some(cell), Some(task)) if task.claim() => Some(starter.restart(ctx, cell)),
            _ => None,
        };
        let pid = match restarted {
            Some(Ok(pid)) => pid,
            Some(Err(error)) => {
                let child = &mut self.children[index];
                child.cell = None;
                child.task = None;
                return Err(error);
            }
            None => {
                let spawned = starter.spawn(ctx, &options)?;
                let child = &mut self.children[index];
                child.task = Some(spawned.task);
                child.cell = Some(spawned.cell);
                spawned.pid
            }
        };
        self.children[index].state = ChildState::Starting(pid);
        Ok(pid)
    }

    /// Asks child `index` to stop, arming its shutdown timer.
    fn stop_child(&mut self, ctx: &mut Context<Self>, index: usize, pid: Pid) {
        let child = &mut self.children[index];
        let Some(task) = child.task.clone() else {
            return;
        };
        let timer = match child.spec.shutdown {
            Shutdown::BrutalKill => {
                task.kill(pid);
                None
            }
            Shutdown::Timeout(after) => {
                Arc::clone(&task).request_shutdown(false);
                Some(ctx.send_after(after, SupervisorMsg(Request::StopTimeout { pid })))
            }
        };
        child.state = ChildState::Stopping { pid, timer };
    }

    /// Retires child `index`'s cell for good (its queued messages become
    /// dead letters) and forgets the cell.
    fn retire(&mut self, index: usize, reason: &ExitReason) {
        let child = &mut self.children[index];
        if let Some(task) = child.task.take() {
            task.retire(reason);
        }
        child.cell = None;
        child.state = ChildState::Off;
    }

    /// Child `index` failed (or must be restarted): apply the strategy, or
    /// give up if the restart intensity is exceeded.
    fn failed(&mut self, ctx: &mut Context<Self>, index: usize) {
        let now = ctx.cell.shared.timers.now();
        self.restarts.push_back(now);
        while let Some(&first) = self.restarts.front() {
            if now.saturating_sub(first) >= self.within {
                self.restarts.pop_front();
            } else {
                break;
            }
        }
        if self.restarts.len() > self.max_restarts as usize {
            tracing::error!(sup = %ctx.pid(), "restart intensity exceeded ({} in {:?}); stopping", self.max_restarts, self.within);
            self.begin_exit(ExitReason::MaxRestarts);
            return;
        }
        let set: Vec<usize> = match self.strategy {
            Strategy::OneForOne => vec![index],
            Strategy::OneForAll => (0..self.children.len()).collect(),
            Strategy::RestForOne => (index..self.children.len()).collect(),
        };
        // Stop the others of the set that run, last first; then start the
        // whole set in order.
        let mut ops = Vec::new();
        for &i in set.iter().rev() {
            if i != index && self.children[i].is_alive() {
                ops.push(Op::Stop {
                    id: self.children[i].spec.id.clone(),
                    retire: false,
                    reply: None,
                });
            }
        }
        for &i in &set {
            let child = &self.children[i];
            // A sibling that is off (temporary, terminated) stays off.
            if i == index || child.is_alive() || matches!(child.state, ChildState::Down) {
                ops.push(Op::Start {
                    id: child.spec.id.clone(),
                    reply: None,
                });
            }
        }
        self.ops.extend(ops);
    }

    /// Stops every child (last first), then exits with `reason`.
    fn begin_exit(&mut self, reason: ExitReason) {
        self.stopping = true;
        // Pending steps are void; their replies fail (dropped: Dropped).
        self.ops.clear();
        for i in (0..self.children.len()).rev() {
            self.ops.push_back(Op::Stop {
                id: self.children[i].spec.id.clone(),
                retire: true,
                reply: None,
            });
        }
        self.ops.push_back(Op::Exit(reason));
    }

    fn info(&self) -> Vec<ChildInfo> {
        self.children
            .iter()
            .map(|c| ChildInfo {
                id: c.spec.id.clone(),
                pid: match c.state {
                    ChildState::Running(pid) | ChildState::Starting(pid) => Some(pid),
                    _ => None,
                },
                restart: c.spec.restart,
                is_supervisor: c.spec.supervisor,
                cell: c.cell.clone(),
            })
            .collect()
    }

    fn counts(&self) -> ChildCounts {
        let supervisors = self.children.iter().filter(|c| c.spec.supervisor).count();
        ChildCounts {
            specs: self.children.len(),
            active: self
                .children
                .iter()
                .filter(|c| matches!(c.state, ChildState::Running(_) | ChildState::Starting(_)))
                .count(),
            supervisors,
            workers: self.children.len() - supervisors,
        }
    }
}

impl Actor for Supervisor {
    type Msg = SupervisorMsg;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.trap_exit(true);
        self.advance(ctx);
    }

    fn handle(&mut self, SupervisorMsg(request): SupervisorMsg, ctx: &mut Context<Self>) {
        match request {
            // Queries wait for the steps queued before them (as OTP's
            // supervisor starts children before it answers anything): a
            // query right after `spawn` sees every first child started.
            Request::Which(reply) => self.ops.push_back(Op::Query(Query::Which(reply))),
            Request::Count(reply) => self.ops.push_back(Op::Query(Query::Count(reply))),
            Request::StartChild(spec, reply) => {
                if self.stopping {
                    let _ = reply.reply(Err(SupervisorError::Stopping));
                } else if self.index_of(&spec.id).is_some() {
                    let _ = reply.reply(Err(SupervisorError::DuplicateId(spec.id)));
                } else {
                    let id = spec.id.clone();
                    self.children.push(Child {
                        spec,
                        state: ChildState::Off,
                        task: None,
                        cell: None,
                    });
                    self.ops.push_back(Op::Start {
                        id,
                        reply: Some(reply),
                    });
                }
            }
            Request::Terminate(id, reply) => {
                if self.index_of(&id).is_none() {
                    let _ = reply.reply(Err(SupervisorError::NoSuchChild(id)));
                } else {
                    self.ops.push_back(Op::Stop {
                        id,
                        retire: true,
                        reply: Some(reply),
                    });
                }
            }
            Request::RestartChild(id, reply) => match self.index_of(&id) {
                None => {
                    let _ = reply.reply(Err(SupervisorError::NoSuchChild(id)));
                }
                Some(i) if self.children[i].is_alive() => {
                    let _ = reply.reply(Err(SupervisorError::Running(id)));
                }
                Some(_) if self.stopping => {
                    let _ = reply.reply(Err(SupervisorError::Stopping));
                }
                Some(_) => self.ops.push_back(Op::Start {
                    id,
                    reply: Some(reply),
                }),
            },
            Request::Delete(id, reply) => match self.index_of(&id) {
                None => {
                    let _ = reply.reply(Err(SupervisorError::NoSuchChild(id)));
                }
                Some(i) if self.children[i].is_alive() => {
                    let _ = reply.reply(Err(SupervisorError::Running(id)));
                }
                Some(i) => {
                    self.retire(i, &ExitReason::Shutdown);
                    self.children.remove(i);
                    let _ = reply.reply(Ok(()));
                }
            },
            Request::Started { pid } => {
                if let Some(index) = self.index_of_pid(pid)
                    && matches!(self.children[index].state, ChildState::Starting(_))
                {
                    self.children[index].state = ChildState::Running(pid);
                }
                if matches!(self.waiting, Waiting::Started(p) if p == pid) {
                    self.waiting = Waiting::Nothing;
                    if let Some(Op::Start {
                        reply: Some(reply), ..
                    }) = self.current.take()
                    {
                        let _ = reply.reply(Ok(pid));
                    }
                }
            }
            Request::StopTimeout { pid } => {
                if let Some(index) = self.index_of_pid(pid)
                    && let Some(task) = &self.children[index].task
                {
                    tracing::warn!(sup = %ctx.pid(), child = %pid, "a child did not stop within its shutdown time; killing it");
                    task.kill(pid);
                }
            }
        }
        self.advance(ctx);
    }

    fn on_exit(&mut self, from: Pid, reason: ExitReason, ctx: &mut Context<Self>) {
        let Some(index) = self.index_of_pid(from) else {
            // Not a child: a linked actor. As OTP: exit with it unless it
            // exited normally.
            if !reason.is_normal() {
                self.begin_exit(ExitReason::Linked(from, Box::new(reason)));
                self.advance(ctx);
            }
            return;
        };
        let was = std::mem::replace(&mut self.children[index].state, ChildState::Down);
        if let ChildState::Stopping {
            timer: Some(timer), ..
        } = &was
        {
            timer.cancel();
        }
        let expected = matches!(self.waiting, Waiting::Exited(p) if p == from);
        let waited_start = matches!(self.waiting, Waiting::Started(p) if p == from);
        if expected {
            // A stop we asked for.
            self.waiting = Waiting::Nothing;
            if let Some(Op::Stop { retire, reply, .. }) = self.current.take() {
                if retire {
                    self.retire(index, &reason);
                }
                if let Some(reply) = reply {
                    let _ = reply.reply(Ok(()));
                }
            }
        } else if matches!(was, ChildState::Stopping { .. }) {
            // Stopped by an earlier step; nothing more to do.
        } else {
            if waited_start {
                // It failed before its `started` hook returned.
                self.waiting = Waiting::Nothing;
                if let Some(Op::Start {
                    id,
                    reply: Some(reply),
                }) = self.current.take()
                {
                    let _ = reply.reply(Err(SupervisorError::StartFailed {
                        id,
                        reason: reason.to_string(),
                    }));
                }
            }
            let restart = match self.children[index].spec.restart {
                Restart::Permanent => true,
                Restart::Transient => !reason.is_normal(),
                Restart::Temporary => false,
            };
            if self.stopping {
                // Stopping anyway: nothing restarts.
            } else if restart {
                self.failed(ctx, index);
            } else {
                self.retire(index, &reason);
                if self.children[index].spec.restart == Restart::Temporary {
                    self.children.remove(index);
                }
            }
        }
        self.advance(ctx);
    }

    fn shutdown_requested(&mut self, ctx: &mut Context<Self>) {
        if !self.stopping {
            self.begin_exit(ExitReason::Shutdown);
            // A step in flight is abandoned: its child is stopped below.
            self.waiting = Waiting::Nothing;
            match self.current.take() {
                Some(Op::Start {
                    reply: Some(reply), ..
                }) => {
                    let _ = reply.reply(Err(SupervisorError::Stopping));
                }
                Some(Op::Stop {
                    reply: Some(reply), ..
                }) => {
                    let _ = reply.reply(Ok(()));
                }
                _ => {}
            }
        }
        self.advance(ctx);
    }

    fn stopped(&mut self, reason: &ExitReason) {
        // Killed or panicked before stopping its children: they are linked
        // to us and stop on their own; retire what waits for a restart.
        for index in 0..self.children.len() {
            if !self.children[index].is_alive() {
                self.retire(index, reason);
            }
        }
    }

    fn message_kind(msg: &SupervisorMsg) -> &'static str {
        msg.0.kind()
    }
}

impl fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Supervisor")
            .field("strategy", &self.strategy)
            .field("children", &self.children.len())
            .finish()
    }
}
