//! The supervisor actor: its children's states, the ordered steps it
//! works through (starts, stops, restarts), the restart intensity, and
//! how it answers exits and requests.

use core::fmt;
use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use crate::actor::{Actor, Context, Restart};
use crate::call::reply::ReplyTo;
use crate::exit::{ExitReason, StartFailure};
use crate::pid::Pid;
use crate::recipient::Recipient;
use crate::report::visible;
use crate::task::Task;
use crate::timer::TimerRef;

use super::protocol::Request;
use super::spec::NotStarted;
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
    /// An incarnation of this child has started before (so the next start
    /// is a restart, for [`SupervisorEvent::Started`]).
    pub(super) ran: bool,
    pub(super) task: Option<Task>,
    pub(super) cell: Option<Arc<dyn Any + Send + Sync>>,
    /// Restarts after a failure, since the child was added.
    pub(super) restarts: u32,
}

impl Child {
    fn new(spec: ChildSpec) -> Self {
        Child {
            spec,
            state: ChildState::Off,
            ran: false,
            task: None,
            cell: None,
            restarts: 0,
        }
    }

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
        why: StartKind,
        reply: Option<ReplyTo<Result<Pid, SupervisorError>>>,
    },
    /// Every first child has started: the supervisor's own start is done.
    Ready,
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

/// Why a child starts, which decides what its failure to start means.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum StartKind {
    /// One of the spec's children, at the supervisor's start: a failure
    /// fails the supervisor's start.
    First,
    /// Added by `start_child`: a failure is the caller's answer, and the
    /// spec is forgotten (as OTP does).
    Added,
    /// Asked for by `restart_child`: a failure is the caller's answer.
    Asked,
    /// A restart after a failure: a failure to start is one more failure.
    Recovery,
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
    /// Still starting its first children (until [`Op::Ready`]).
    pub(super) starting: bool,
    /// Who waits for the start to finish ([`SupervisorSpec::spawn`],
    /// [`Context::start_supervisor`]).
    pub(super) ready: Option<ReplyTo<Result<(), StartError>>>,
    /// Our own supervisor's started acknowledgement, held until our first
    /// children have started.
    pub(super) held_ack: Option<crate::cell::StartedAck>,
    /// The first child that could not start, and why.
    pub(super) start_failure: Option<(String, String)>,
    pub(super) subscribers: Vec<Recipient<SupervisorEvent>>,
    /// What is wrong with the spec it was made from: it starts nothing.
    pub(super) invalid: Option<SpecError>,
    /// Told of every change to the children (an ecosystem's directory).
    pub(super) observer: Option<Arc<dyn Observer>>,
    /// Each child's index in `children`, by id.
    pub(super) ids: HashMap<String, usize>,
}

impl Supervisor {
    /// A supervisor's settings, to add children to and spawn.
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
    /// let sup = Supervisor::builder()
    ///     .strategy(Strategy::OneForOne)
    ///     .intensity(3, Duration::from_secs(5))
    ///     .child(ChildSpec::new("worker", Worker::default))
    ///     .spawn(&node)?; // returns once every child has started
    /// assert_eq!(sup.count_children()?.active, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder() -> SupervisorSpec {
        SupervisorSpec::default()
    }

    /// A supervisor (not yet spawned) from `spec`, to spawn with
    /// [`Node::spawn`](crate::Node::spawn) or [`Context::spawn`] — which
    /// return at once, while its children are still starting (a call by
    /// name right after may find no name yet). [`SupervisorSpec::spawn`]
    /// and [`Context::start_supervisor`] wait for the children instead.
    ///
    /// ```
    /// use foundation::{Node, Supervisor};
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let sup = node.spawn(Supervisor::new(Supervisor::builder()))?;
    /// assert!(sup.is_alive());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(spec: SupervisorSpec) -> Self {
        let invalid = spec.check().err();
        let mut ops = VecDeque::new();
        let children = spec
            .children
            .into_iter()
            .map(|spec| {
                ops.push_back(Op::Start {
                    id: spec.id.clone(),
                    why: StartKind::First,
                    reply: None,
                });
                Child::new(spec)
            })
            .collect();
        ops.push_back(Op::Ready);
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
            starting: true,
            ready: None,
            held_ack: None,
            start_failure: None,
            subscribers: Vec::new(),
            invalid,
            observer: None,
            ids: HashMap::new(),
        }
        .indexed()
    }

    fn indexed(mut self) -> Self {
        self.reindex();
        self
    }

    /// Reports every change to its children to `observer` (crate-internal:
    /// an ecosystem keeps its directory of members this way, across this
    /// supervisor's incarnations).
    pub(crate) fn observed(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Tells the observer, if any, where child `index` is now.
    fn note(&self, index: usize) {
        if let Some(observer) = &self.observer {
            let child = &self.children[index];
            observer.child(ChildView {
                id: &child.spec.id,
                status: match child.state {
                    ChildState::Off => ChildStatus::Off,
                    ChildState::Starting(pid) => ChildStatus::Starting(pid),
                    ChildState::Running(pid) => ChildStatus::Running(pid),
                    ChildState::Stopping { pid, .. } => ChildStatus::Stopping(pid),
                    ChildState::Down => ChildStatus::Restarting,
                },
                restarts: child.restarts,
                task: child.task.as_ref(),
                cell: child.cell.as_ref(),
            });
        }
    }

    /// Forgets child `index`, telling the observer.
    fn remove_child(&mut self, index: usize) {
        let child = self.children.remove(index);
        self.reindex();
        if let Some(observer) = &self.observer {
            observer.removed(&child.spec.id);
        }
    }

    /// Answers `reply` once the first children have started.
    pub(super) fn ready_to(mut self, reply: ReplyTo<Result<(), StartError>>) -> Self {
        self.ready = Some(reply);
        self
    }

    /// Tells every subscriber; forgets those that are gone.
    fn publish(&mut self, event: SupervisorEvent) {
        self.subscribers
            .retain(|subscriber| subscriber.send_notice(event.clone()).is_ok());
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        self.ids.get(id).copied()
    }

    /// Rebuilds the index of ids (after a child is forgotten).
    fn reindex(&mut self) {
        self.ids = self
            .children
            .iter()
            .enumerate()
            .map(|(i, c)| (c.spec.id.clone(), i))
            .collect();
    }

    fn index_of_pid(&self, pid: Pid) -> Option<usize> {
        // Most often the child of the step in flight (a start's `started`,
        // a stop's exit): found without a scan of every child.
        if let Some(Op::Start { id, .. } | Op::Stop { id, .. }) = &self.current
            && let Some(index) = self.index_of(id)
            && self.children[index].pid() == Some(pid)
        {
            return Some(index);
        }
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
                Op::Start { id, why, reply } => {
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
                    if why == StartKind::Recovery {
                        let child = &mut self.children[index];
                        child.restarts += 1;
                        let shared = &ctx.cell.shared;
                        shared.record_restart();
                        shared
                            .telemetry
                            .restarting(ctx.pid(), &child.spec.id, child.restarts);
                    }
                    match self.start(ctx, index) {
                        Ok(pid) => {
                            self.waiting = Waiting::Started(pid);
                            self.current = Some(Op::Start { id, why, reply });
                        }
                        Err(NotStarted::NodeStopping) => {
                            // Not the child's failure: the node is going
                            // away, and so are we, quietly.
                            tracing::debug!(sup = %ctx.pid(), child = %id, "not starting a child: the node is shutting down");
                            self.children[index].state = ChildState::Off;
                            self.note(index);
                            if let Some(reply) = reply {
                                let _ = reply.reply(Err(SupervisorError::Stopping));
                            }
                            if !self.stopping {
                                self.begin_exit(ExitReason::Shutdown);
                            }
                        }
                        Err(NotStarted::Failed(reason)) => {
                            self.children[index].state = ChildState::Off;
                            self.note(index);
                            self.start_failed(ctx, index, why, reply, reason);
                        }
                    }
                }
                Op::Ready => {
                    self.starting = false;
                    if let Some(ack) = self.held_ack.take() {
                        ack(ctx.pid());
                    }
                    if let Some(ready) = self.ready.take() {
                        let _ = ready.reply(Ok(()));
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
                    if let Some(ready) = self.ready.take() {
                        let error = match self.start_failure.take() {
                            Some((id, reason)) => StartError::Child { id, reason },
                            None => StartError::Stopped(reason.clone()),
                        };
                        let _ = ready.reply(Err(error));
                    }
                    ctx.stop_with(reason);
                    return;
                }
            }
        }
    }

    /// Child `index` could not start (`why` says which start it was).
    fn start_failed(
        &mut self,
        ctx: &mut Context<Self>,
        index: usize,
        why: StartKind,
        reply: Option<ReplyTo<Result<Pid, SupervisorError>>>,
        reason: String,
    ) {
        let id = self.children[index].spec.id.clone();
        if self.stopping {
            // Stopping anyway: its stop step retires it.
            if let Some(reply) = reply {
                let _ = reply.reply(Err(SupervisorError::Stopping));
            }
            return;
        }
        match why {
            StartKind::First => {
                // OTP's `{shutdown, {failed_to_start_child, Id, Reason}}`:
                // stop what started, last first, and exit; no restarts.
                visible!(error, target: "foundation::supervisor", { sup = %ctx.pid(), child = %id, }, "supervisor {} could not start child {id:?}: {reason}; stopping the children it started", ctx.pid());
                self.start_failure = Some((id.clone(), reason.clone()));
                self.begin_exit(ExitReason::StartFailed(Box::new(StartFailure {
                    child: id,
                    reason,
                })));
            }
            StartKind::Added | StartKind::Asked => {
                // The caller hears why; the child stays off, as in OTP.
                tracing::debug!(sup = %ctx.pid(), child = %id, "a child could not start: {reason}");
                if let Some(reply) = reply {
                    let _ = reply.reply(Err(SupervisorError::StartFailed {
                        id,
                        reason: reason.clone(),
                    }));
                }
                let reason = ExitReason::StartFailed(Box::new(StartFailure {
                    child: self.children[index].spec.id.clone(),
                    reason,
                }));
                self.retire(index, &reason);
                if why == StartKind::Added {
                    self.remove_child(index);
                }
            }
            StartKind::Recovery => {
                visible!(warn, target: "foundation::supervisor", { sup = %ctx.pid(), child = %id, }, "supervisor {} could not restart child {id:?}: {reason}", ctx.pid());
                if self.children[index].spec.restart == Restart::Temporary {
                    self.retire(index, &ExitReason::Panic(reason));
                    self.remove_child(index);
                } else {
                    self.failed(ctx, index);
                }
            }
        }
    }

    /// Spawns child `index`, or restarts it in its cell.
    fn start(&mut self, ctx: &mut Context<Self>, index: usize) -> Result<Pid, NotStarted> {
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
        self.note(index);
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
        self.note(index);
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
        self.note(index);
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
            let id = self.children[index].spec.id.clone();
            visible!(error, target: "foundation::supervisor", { sup = %ctx.pid(), child = %id, },
                "supervisor {} gives up: {} restarts within {:?} (its intensity allows {}), the last for child {id:?}; stopping its children and exiting",
                ctx.pid(), self.restarts.len(), self.within, self.max_restarts);
            self.publish(SupervisorEvent::GaveUp {
                supervisor: ctx.pid(),
                id,
                max_restarts: self.max_restarts,
                within: self.within,
            });
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
                    why: StartKind::Recovery,
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
                restarts: c.restarts,
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
        // Our own supervisor hears that we started once our children have
        // (`Op::Ready`), as OTP's supervisor returns from `init` after
        // starting them.
        self.held_ack = ctx.cell.take_started_ack();
        if let Some(observer) = &self.observer {
            Arc::clone(observer).attached(ctx);
        }
        if let Some(error) = self.invalid.take() {
            visible!(error, target: "foundation::supervisor", { sup = %ctx.pid(), }, "supervisor {} refused its spec: {error}", ctx.pid());
            self.stopping = true;
            self.ops.clear();
            if let Some(ready) = self.ready.take() {
                let _ = ready.reply(Err(StartError::Spec(error.clone())));
            }
            ctx.stop_with(ExitReason::InvalidSpec(error.to_string()));
            return;
        }
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
                    self.ids.insert(spec.id.clone(), self.children.len());
                    self.children.push(Child::new(spec));
                    self.ops.push_back(Op::Start {
                        id,
                        why: StartKind::Added,
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
                    why: StartKind::Asked,
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
                    self.remove_child(i);
                    let _ = reply.reply(Ok(()));
                }
            },
            Request::Subscribe(subscriber) => self.subscribers.push(subscriber),
            Request::Started { pid } => {
                if let Some(index) = self.index_of_pid(pid)
                    && matches!(self.children[index].state, ChildState::Starting(_))
                {
                    let child = &mut self.children[index];
                    child.state = ChildState::Running(pid);
                    let restart = std::mem::replace(&mut child.ran, true);
                    let id = child.spec.id.clone();
                    self.note(index);
                    self.publish(SupervisorEvent::Started {
                        supervisor: ctx.pid(),
                        id,
                        pid,
                        restart,
                    });
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
        self.note(index);
        self.publish(SupervisorEvent::Exited {
            supervisor: ctx.pid(),
            id: self.children[index].spec.id.clone(),
            pid: from,
            reason: reason.clone(),
        });
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
        } else if waited_start
            && let Some(Op::Start { why, reply, .. }) = self.current.take()
            && why != StartKind::Recovery
        {
            // It failed before its `started` hook returned.
            self.waiting = Waiting::Nothing;
            self.start_failed(ctx, index, why, reply, reason.to_string());
        } else {
            // A failure (a restart that failed in its `started` hook is one
            // more failure, counted towards the intensity).
            if waited_start {
                self.waiting = Waiting::Nothing;
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
                    self.remove_child(index);
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
        if let Some(ready) = self.ready.take() {
            let _ = ready.reply(Err(StartError::Stopped(reason.clone())));
        }
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
