//! Supervisors: actors that start children, watch them, and restart them
//! when they fail, following OTP's `supervisor`.
//!
//! A [`Supervisor`] is an ordinary actor. It traps exits and links to each
//! child; a child's exit reaches it in order, as a trapped exit, and it
//! decides from the child's [`Restart`] type, its [`Strategy`] and its
//! restart intensity what to do:
//!
//! | strategy | a child fails → restart |
//! |---|---|
//! | [`Strategy::OneForOne`] | that child |
//! | [`Strategy::OneForAll`] | every child (the others are stopped first, in reverse order) |
//! | [`Strategy::RestForOne`] | that child and every child started after it |
//!
//! Children start one at a time, in order (each after the previous one's
//! `started` hook returned), and stop in reverse order, each given its
//! [`Shutdown`] time before it is killed. A restarted child keeps its
//! address: the same [`ActorRef`], the same mailbox with the messages that
//! were queued for it; only its pid's incarnation changes.
//!
//! More than `max_restarts` restarts within `within` (default 3 in 5 s) and
//! the supervisor stops all its children and exits with
//! [`ExitReason::MaxRestarts`], so that its own supervisor decides.

use core::fmt;
use std::any::Any;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use crate::actor::{Actor, ActorOptions, ActorRef, Context, Restart};
use crate::call::reply::{CallError, DEFAULT_CALL_TIMEOUT, ReplyTo};
use crate::cell::ActorCell;
use crate::cell::spawn::spawn_cell;
use crate::error::SpawnError;
use crate::exit::ExitReason;
use crate::node::Node;
use crate::panic::payload_text;
use crate::pid::Pid;
use crate::task::{Runnable, Task};
use crate::timer::TimerRef;

/// Which children restart when one fails.
///
/// ```
/// use foundation::{Actor, ChildSpec, Context, Restart, Shutdown, Strategy, Supervisor};
/// use std::time::Duration;
///
/// #[derive(Default)]
/// struct Db;
/// impl Actor for Db {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// // The cache depends on the database: if the database restarts, so does
/// // the cache (started after it); a cache crash leaves the database be.
/// let spec = Supervisor::builder()
///     .strategy(Strategy::RestForOne)
///     .intensity(10, Duration::from_secs(60))
///     .child(ChildSpec::new("db", Db::default).shutdown(Shutdown::Timeout(Duration::from_secs(1))))
///     .child(ChildSpec::new("cache", Db::default).restart(Restart::Transient))
///     .child(ChildSpec::new("probe", Db::default).restart(Restart::Temporary).shutdown(Shutdown::BrutalKill));
/// let node = foundation::Node::builder().schedulers(1).start()?;
/// let sup = spec.spawn(&node)?;
/// assert_eq!(sup.count_children()?.specs, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Only the failed child.
    #[default]
    OneForOne,
    /// Every child: the others are stopped (in reverse start order), then
    /// all are started again in order.
    OneForAll,
    /// The failed child and every child started after it.
    RestForOne,
}

/// How a child is stopped by its supervisor. See [`Strategy`] for an
/// example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// Ask it to stop ([`Actor::shutdown_requested`]), and kill it if it has
    /// not stopped within this time.
    Timeout(Duration),
    /// Kill it at once.
    BrutalKill,
}

impl Default for Shutdown {
    /// Five seconds, OTP's default for workers.
    fn default() -> Self {
        Shutdown::Timeout(Duration::from_secs(5))
    }
}

/// Why a supervisor refused a request. See [`SupervisorRef`] for the
/// requests that give each.
///
/// ```
/// use foundation::SupervisorError;
///
/// let e = SupervisorError::NoSuchChild("cache".into());
/// assert_eq!(e.to_string(), "no child with id \"cache\"");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupervisorError {
    /// No child has this id.
    #[error("no child with id {0:?}")]
    NoSuchChild(String),
    /// A child with this id already exists.
    #[error("a child with id {0:?} already exists")]
    DuplicateId(String),
    /// The child is running; terminate it first.
    #[error("child {0:?} is running")]
    Running(String),
    /// The child could not be started.
    #[error("child {id:?} could not start: {reason}")]
    StartFailed {
        /// The child's id.
        id: String,
        /// What went wrong.
        reason: String,
    },
    /// The supervisor is stopping, or has stopped.
    #[error("the supervisor is stopping")]
    Stopping,
    /// The request got no answer.
    #[error("the supervisor did not answer: {0}")]
    Call(#[from] CallError),
}

/// Builds a child's instances and spawns or restarts its cell; typed by the
/// child's actor, erased behind this trait.
trait Starter: Send + Sync {
    /// Spawns a fresh cell for the child.
    fn spawn(
        &self,
        sup: &mut Context<Supervisor>,
        options: &ActorOptions,
    ) -> Result<Spawned, String>;
    /// Starts the next incarnation in `cell` (claimed by the caller).
    fn restart(
        &self,
        sup: &mut Context<Supervisor>,
        cell: &Arc<dyn Any + Send + Sync>,
    ) -> Result<Pid, String>;
}

struct Spawned {
    pid: Pid,
    task: Task,
    cell: Arc<dyn Any + Send + Sync>,
}

struct TypedStarter<A: Actor> {
    factory: Arc<dyn Fn() -> A + Send + Sync>,
}

impl<A: Actor> TypedStarter<A> {
    fn make(&self) -> Result<A, String> {
        catch_unwind(AssertUnwindSafe(|| (self.factory)()))
            .map_err(|payload| format!("its factory panicked: {}", payload_text(&*payload)))
    }
}

/// Tells the supervisor that a child has started (its `started` hook
/// returned).
fn started_ack(sup: &Context<Supervisor>) -> crate::cell::StartedAck {
    let me = sup.myself();
    Box::new(move |pid| {
        let _ = me.send(SupervisorMsg(Request::Started { pid }));
    })
}

impl<A: Actor> Starter for TypedStarter<A> {
    fn spawn(
        &self,
        sup: &mut Context<Supervisor>,
        options: &ActorOptions,
    ) -> Result<Spawned, String> {
        let actor = self.make()?;
        let me = sup.pid();
        let my_task = sup.task();
        let my_cell = Arc::clone(&sup.cell);
        let child = spawn_cell(
            &sup.cell.shared,
            actor,
            options.clone(),
            Some((me, Arc::clone(&my_task), started_ack(sup))),
            |child| {
                my_cell.add_link(me, child.pid(), Arc::clone(child) as Task);
            },
        )
        .map_err(|e| e.to_string())?;
        Ok(Spawned {
            pid: child.pid(),
            task: Arc::clone(&child.cell) as Task,
            cell: child.cell as Arc<dyn Any + Send + Sync>,
        })
    }

    fn restart(
        &self,
        sup: &mut Context<Supervisor>,
        cell: &Arc<dyn Any + Send + Sync>,
    ) -> Result<Pid, String> {
        let cell = Arc::clone(cell)
            .downcast::<ActorCell<A>>()
            .map_err(|_| "the child's cell has another actor type".to_string())?;
        let actor = match self.make() {
            Ok(actor) => actor,
            Err(error) => {
                cell.retire_claimed_now(&ExitReason::Panic(error.clone()));
                return Err(error);
            }
        };
        let me = sup.pid();
        // Linked on our side before the child can run (and fail).
        sup.cell
            .add_link(me, cell.next_pid(), Arc::clone(&cell) as Task);
        cell.restart_claimed(actor, (me, sup.task()), started_ack(sup))
            .map_err(|e| e.to_string())
    }
}

/// How to start, restart and stop one child of a [`Supervisor`].
///
/// ```
/// use foundation::{Actor, ActorOptions, ChildSpec, Context, Restart, Shutdown};
/// use std::time::Duration;
///
/// #[derive(Default)]
/// struct Cache;
/// impl Actor for Cache {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let spec = ChildSpec::new("cache", Cache::default)
///     .restart(Restart::Transient)
///     .shutdown(Shutdown::Timeout(Duration::from_millis(500)))
///     .options(ActorOptions::new());
/// assert_eq!(spec.id(), "cache");
/// ```
#[derive(Clone)]
pub struct ChildSpec {
    id: String,
    restart: Restart,
    shutdown: Shutdown,
    supervisor: bool,
    options: ActorOptions,
    starter: Arc<dyn Starter>,
}

impl ChildSpec {
    /// A child named `id`, built by `factory` at every (re)start. Its
    /// restart type and spawn options are the actor's own
    /// ([`Actor::restart`], [`Actor::options`]: permanent and the defaults
    /// unless `#[actor(...)]` says otherwise); [`ChildSpec::restart`] and
    /// [`ChildSpec::options`] override them.
    pub fn new<A, F>(id: impl Into<String>, factory: F) -> Self
    where
        A: Actor,
        F: Fn() -> A + Send + Sync + 'static,
    {
        ChildSpec {
            id: id.into(),
            restart: A::restart(),
            shutdown: Shutdown::default(),
            supervisor: false,
            options: A::options(),
            starter: Arc::new(TypedStarter {
                factory: Arc::new(factory),
            }),
        }
    }

    /// A child that is itself a supervisor built from `spec`: supervisors
    /// nest into trees. Its shutdown time defaults to infinity in OTP; here
    /// it is a minute, after which it is killed.
    pub fn supervisor(id: impl Into<String>, spec: SupervisorSpec) -> Self {
        let mut child = ChildSpec::new(id, move || Supervisor::new(spec.clone()));
        child.supervisor = true;
        child.shutdown = Shutdown::Timeout(Duration::from_secs(60));
        child
    }

    /// Sets when the child restarts (default [`Restart::Permanent`]).
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// Sets how the child is stopped (default 5 s, then killed).
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// Sets the child's [`ActorOptions`] (e.g. a blocking actor, restarted
    /// on a new thread of its own).
    pub fn options(mut self, options: ActorOptions) -> Self {
        self.options = options;
        self
    }

    /// The child's id, unique within its supervisor.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The child's restart type (see [`ChildSpec::restart`]).
    pub fn restart_type(&self) -> Restart {
        self.restart
    }

    /// The options the child is spawned with (see [`ChildSpec::options`]).
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, ChildSpec, Context};
    ///
    /// struct Reader;
    /// impl Actor for Reader {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    ///     fn options() -> ActorOptions {
    ///         ActorOptions::new().blocking(true)
    ///     }
    /// }
    ///
    /// assert!(ChildSpec::new("reader", || Reader).spawn_options().blocking);
    /// let spec = ChildSpec::new("reader", || Reader).options(ActorOptions::new());
    /// assert!(!spec.spawn_options().blocking);
    /// ```
    pub fn spawn_options(&self) -> &ActorOptions {
        &self.options
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown)
            .finish()
    }
}

/// A supervisor's settings and children, in start order. Made with
/// [`Supervisor::builder`]; clone it to start the same tree again. See
/// [`Strategy`] for an example.
#[derive(Debug, Clone)]
pub struct SupervisorSpec {
    strategy: Strategy,
    max_restarts: u32,
    within: Duration,
    children: Vec<ChildSpec>,
}

impl Default for SupervisorSpec {
    fn default() -> Self {
        SupervisorSpec {
            strategy: Strategy::OneForOne,
            max_restarts: 3,
            within: Duration::from_secs(5),
            children: Vec::new(),
        }
    }
}

impl SupervisorSpec {
    /// Sets the strategy (default [`Strategy::OneForOne`]).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the restart intensity: more than `max_restarts` restarts within
    /// `within` and the supervisor gives up (default 3 in 5 s).
    pub fn intensity(mut self, max_restarts: u32, within: Duration) -> Self {
        self.max_restarts = max_restarts;
        self.within = within;
        self
    }

    /// Adds a child, started after those added before it.
    pub fn child(mut self, child: ChildSpec) -> Self {
        self.children.push(child);
        self
    }

    /// Spawns the supervisor on `node`; it starts its children in order.
    ///
    /// # Errors
    ///
    /// [`SpawnError::NodeShutdown`] once the node is shutting down.
    pub fn spawn(self, node: &Node) -> Result<SupervisorRef, SpawnError> {
        Ok(SupervisorRef {
            actor: node.spawn(Supervisor::new(self))?,
        })
    }
}

/// What a supervisor reports of one child ([`SupervisorRef::which_children`];
/// see [`SupervisorRef`] for an example).
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
    cell: Option<Arc<dyn Any + Send + Sync>>,
}

impl ChildInfo {
    /// The child's handle, if it is an `A` and has a cell.
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
            .finish()
    }
}

/// Child counts, as OTP's `count_children` ([`SupervisorRef::count_children`];
/// see [`SupervisorRef`] for an example).
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
pub struct SupervisorMsg(Request);

impl SupervisorMsg {
    /// Asks for the children, in start order.
    pub fn which_children(reply: ReplyTo<Vec<ChildInfo>>) -> Self {
        SupervisorMsg(Request::Which(reply))
    }

    /// Asks for the child counts.
    pub fn count_children(reply: ReplyTo<ChildCounts>) -> Self {
        SupervisorMsg(Request::Count(reply))
    }

    /// Adds and starts a child; the reply comes once it has started.
    pub fn start_child(spec: ChildSpec, reply: ReplyTo<Result<Pid, SupervisorError>>) -> Self {
        SupervisorMsg(Request::StartChild(spec, reply))
    }

    /// Stops a child (keeping its spec).
    pub fn terminate_child(id: String, reply: ReplyTo<Result<(), SupervisorError>>) -> Self {
        SupervisorMsg(Request::Terminate(id, reply))
    }

    /// Starts a terminated child again.
    pub fn restart_child(id: String, reply: ReplyTo<Result<Pid, SupervisorError>>) -> Self {
        SupervisorMsg(Request::RestartChild(id, reply))
    }

    /// Forgets a terminated child's spec.
    pub fn delete_child(id: String, reply: ReplyTo<Result<(), SupervisorError>>) -> Self {
        SupervisorMsg(Request::Delete(id, reply))
    }
}

impl fmt::Debug for SupervisorMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.kind())
    }
}

enum Request {
    Which(ReplyTo<Vec<ChildInfo>>),
    Count(ReplyTo<ChildCounts>),
    StartChild(ChildSpec, ReplyTo<Result<Pid, SupervisorError>>),
    Terminate(String, ReplyTo<Result<(), SupervisorError>>),
    RestartChild(String, ReplyTo<Result<Pid, SupervisorError>>),
    Delete(String, ReplyTo<Result<(), SupervisorError>>),
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
    fn kind(&self) -> &'static str {
        match self {
            Request::Which(_) => "which_children",
            Request::Count(_) => "count_children",
            Request::StartChild(..) => "start_child",
            Request::Terminate(..) => "terminate_child",
            Request::RestartChild(..) => "restart_child",
            Request::Delete(..) => "delete_child",
            Request::Started { .. } => "child_started",
            Request::StopTimeout { .. } => "stop_timeout",
        }
    }
}

/// Where a child is.
enum ChildState {
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

struct Child {
    spec: ChildSpec,
    state: ChildState,
    task: Option<Task>,
    cell: Option<Arc<dyn Any + Send + Sync>>,
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
enum Op {
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

enum Query {
    Which(ReplyTo<Vec<ChildInfo>>),
    Count(ReplyTo<ChildCounts>),
}

/// What the current step waits for.
enum Waiting {
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
    strategy: Strategy,
    max_restarts: u32,
    within: Duration,
    children: Vec<Child>,
    /// When recent restarts happened (node clock).
    restarts: VecDeque<Duration>,
    ops: VecDeque<Op>,
    waiting: Waiting,
    /// Replies held by the running step.
    current: Option<Op>,
    stopping: bool,
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
    actor: ActorRef<Supervisor>,
}

impl SupervisorRef {
    /// The supervisor's actor handle.
    pub fn actor(&self) -> &ActorRef<Supervisor> {
        &self.actor
    }

    /// The supervisor's pid.
    pub fn pid(&self) -> Pid {
        self.actor.pid()
    }

    /// The handle of child `id`, if it exists and is an `A`. It stays valid
    /// across the child's restarts.
    ///
    /// # Errors
    ///
    /// [`SupervisorError::Call`] if the supervisor does not answer.
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
    pub fn delete_child(&self, id: &str) -> Result<(), SupervisorError> {
        let id = id.to_string();
        self.actor
            .call(|r| SupervisorMsg::delete_child(id, r), DEFAULT_CALL_TIMEOUT)?
    }

    /// Stops the supervisor: its children stop in reverse order, then it
    /// exits with [`ExitReason::Shutdown`].
    pub fn stop(&self) {
        self.actor.stop();
    }
}

impl From<ActorRef<Supervisor>> for SupervisorRef {
    fn from(actor: ActorRef<Supervisor>) -> Self {
        SupervisorRef { actor }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::mpsc;

    enum Msg {
        Block(mpsc::Receiver<()>),
        Get(ReplyTo<u32>),
        Crash,
    }

    struct Child(u32);

    impl Actor for Child {
        type Msg = Msg;
        fn handle(&mut self, msg: Msg, ctx: &mut Context<Self>) {
            match msg {
                Msg::Block(latch) => {
                    let _ = latch.recv();
                }
                Msg::Get(reply) => {
                    self.0 += 1;
                    let _ = reply.reply(ctx.pid().incarnation() * 100 + self.0);
                }
                Msg::Crash => panic!("crash"),
            }
        }
    }

    /// Small enough for Miri: exercises the cell's `unsafe` for restarts
    /// (the slot's instance pointer handed between incarnations) and for a
    /// kill that takes a running handler over (the instance dropped by the
    /// stuck runner, the stand-in thread).
    #[test]
    fn restart_after_a_crash_and_after_a_kill_of_a_stuck_handler() {
        let node = Node::builder()
            .schedulers(2)
            .spin_rounds(2)
            .start()
            .unwrap();
        let sup = Supervisor::builder()
            .child(ChildSpec::new("c", || Child(0)))
            .spawn(&node)
            .unwrap();
        let child = sup.child::<Child>("c").unwrap().unwrap();
        let t = Duration::from_secs(60);
        assert_eq!(child.call(Msg::Get, t), Ok(1));
        child.send(Msg::Crash).unwrap();
        assert_eq!(child.call(Msg::Get, t), Ok(101));

        let (release, latch) = mpsc::channel();
        child.send(Msg::Block(latch)).unwrap();
        while child.mailbox_len() > 0 {
            std::thread::yield_now();
        }
        std::thread::sleep(Duration::from_millis(5));
        assert!(child.kill());
        assert_eq!(
            node.stats().replaced_schedulers,
            1,
            "taken inside the handler"
        );
        assert_eq!(child.call(Msg::Get, t), Ok(201));
        release.send(()).unwrap();
        node.shutdown().unwrap();
    }
}
