//! What a supervisor starts: [`ChildSpec`]s (a child's factory, restart
//! type, shutdown and spawn options) and the [`SupervisorSpec`] that lists
//! them; the type-erased starter behind each child.

use core::fmt;
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use std::sync::OnceLock;

use crate::actor::{Actor, ActorOptions, ActorRef, Context, Restart};
use crate::call::reply::{CallError, ReplyTo, Slot};
use crate::call::request::continue_on;
use crate::cell::ActorCell;
use crate::cell::spawn::{spawn_cell, spawn_on};
use crate::error::SpawnError;
use crate::exit::ExitReason;
use crate::memory::{self, AccountRef};
use crate::node::Node;
use crate::panic::payload_text;
use crate::pid::Pid;
use crate::task::{Runnable, Task};

use super::protocol::Request;
use super::*;

/// Why a child's (re)start did not happen.
pub(super) enum NotStarted {
    /// The node is shutting down and refused the spawn: not the child's
    /// failure, and nothing to report beyond a debug line.
    NodeStopping,
    /// The child could not start (its factory panicked, its name was
    /// taken, its thread could not start …).
    Failed(String),
}

impl From<SpawnError> for NotStarted {
    fn from(error: SpawnError) -> Self {
        match error {
            SpawnError::NodeShutdown { .. } => NotStarted::NodeStopping,
            other => NotStarted::Failed(other.to_string()),
        }
    }
}

/// Builds a child's instances and spawns or restarts its cell; typed by the
/// child's actor, erased behind this trait.
pub(super) trait Starter: Send + Sync {
    /// Spawns a fresh cell for the child.
    fn spawn(
        &self,
        sup: &mut Context<Supervisor>,
        options: &ActorOptions,
    ) -> Result<Spawned, NotStarted>;
    /// Starts the next incarnation in `cell` (claimed by the caller).
    fn restart(
        &self,
        sup: &mut Context<Supervisor>,
        cell: &Arc<dyn Any + Send + Sync>,
    ) -> Result<Pid, NotStarted>;
}

pub(super) struct Spawned {
    pub(super) pid: Pid,
    pub(super) task: Task,
    pub(super) cell: Arc<dyn Any + Send + Sync>,
}

pub(super) struct TypedStarter<A: Actor> {
    pub(super) factory: Arc<dyn Fn() -> A + Send + Sync>,
}

impl<A: Actor> TypedStarter<A> {
    /// Builds the next incarnation, under its own account (ADR 0009): what
    /// the factory allocates is the child's, not the supervisor's.
    fn make(&self) -> Result<(A, Option<AccountRef>), String> {
        let account = memory::is_accounting().then(AccountRef::new);
        memory::charged_to(account.as_ref(), || {
            catch_unwind(AssertUnwindSafe(|| (self.factory)()))
                .map_err(|payload| format!("its factory panicked: {}", payload_text(&*payload)))
        })
        .map(|actor| (actor, account))
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
    ) -> Result<Spawned, NotStarted> {
        let (actor, account) = self.make().map_err(NotStarted::Failed)?;
        let me = sup.pid();
        let my_task = sup.task();
        let my_cell = Arc::clone(&sup.cell);
        let child = spawn_cell(
            &sup.cell.shared,
            actor,
            options.clone(),
            account,
            Some((me, Arc::clone(&my_task), started_ack(sup))),
            |child| {
                my_cell.add_link(me, child.pid(), Arc::clone(child) as Task);
            },
        )?;
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
    ) -> Result<Pid, NotStarted> {
        let cell = Arc::clone(cell)
            .downcast::<ActorCell<A>>()
            .map_err(|_| NotStarted::Failed("the child's cell has another actor type".into()))?;
        let (actor, account) = match self.make() {
            Ok(made) => made,
            Err(error) => {
                cell.retire_claimed_now(&ExitReason::Panic(error.clone()));
                return Err(NotStarted::Failed(error));
            }
        };
        let me = sup.pid();
        // Linked on our side before the child can run (and fail).
        sup.cell
            .add_link(me, cell.next_pid(), Arc::clone(&cell) as Task);
        Ok(cell.restart_claimed(actor, account, (me, sup.task()), started_ack(sup))?)
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
    pub(super) id: String,
    pub(super) restart: Restart,
    pub(super) shutdown: Shutdown,
    pub(super) supervisor: bool,
    pub(super) options: ActorOptions,
    pub(super) starter: Arc<dyn Starter>,
}

impl ChildSpec {
    /// A child named `id`, built by `factory` at every (re)start. Its
    /// restart type and spawn options are the actor's own
    /// ([`Actor::restart`], [`Actor::options`]: permanent and the defaults
    /// unless `#[actor(...)]` says otherwise); [`ChildSpec::restart`] and
    /// [`ChildSpec::options`] override them.
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
    /// // The factory runs at the first start and at every restart.
    /// let spec = ChildSpec::new("worker", || Worker);
    /// let sup = Supervisor::builder().child(spec).spawn(&node)?;
    /// assert!(sup.child::<Worker>("worker")?.expect("started").ping()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// let inner = Supervisor::builder().child(ChildSpec::new("worker", Worker::default));
    /// let root = Supervisor::builder()
    ///     .child(ChildSpec::supervisor("workers", inner))
    ///     .spawn(&node)?;
    /// assert_eq!(root.count_children()?.supervisors, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn supervisor(id: impl Into<String>, spec: SupervisorSpec) -> Self {
        let mut child = ChildSpec::new(id, move || Supervisor::new(spec.clone()));
        child.supervisor = true;
        child.shutdown = Shutdown::Timeout(Duration::from_secs(60));
        child
    }

    /// A supervisor child (as [`ChildSpec::supervisor`]) whose every
    /// incarnation reports its children to `observer`.
    pub(crate) fn observed_supervisor(
        id: impl Into<String>,
        spec: SupervisorSpec,
        observer: Arc<dyn super::Observer>,
    ) -> Self {
        let mut child = ChildSpec::new(id, move || {
            Supervisor::new(spec.clone()).observed(Arc::clone(&observer))
        });
        child.supervisor = true;
        child.shutdown = Shutdown::Timeout(Duration::from_secs(60));
        child
    }

    /// Sets when the child restarts (default [`Restart::Permanent`]).
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
    /// // A one-off job: restarted only if it fails.
    /// let job = ChildSpec::new("job", Worker::default).restart(Restart::Transient);
    /// assert_eq!(job.restart_type(), Restart::Transient);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// Sets how the child is stopped (default 5 s, then killed).
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
    /// use foundation::Shutdown;
    ///
    /// let patient = ChildSpec::new("flusher", Worker::default).shutdown(Shutdown::Timeout(Duration::from_secs(30)));
    /// let brutal = ChildSpec::new("cache", Worker::default).shutdown(Shutdown::BrutalKill);
    /// Supervisor::builder().child(patient).child(brutal).spawn(&node)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = shutdown;
        self
    }

    /// Sets the child's [`ActorOptions`] (e.g. a blocking actor, restarted
    /// on a new thread of its own).
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
    /// // A child that blocks on I/O: a thread of its own, at every restart too.
    /// let spec = ChildSpec::new("reader", Worker::default).options(ActorOptions::new().blocking(true));
    /// assert!(spec.spawn_options().blocking);
    /// Supervisor::builder().child(spec).spawn(&node)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn options(mut self, options: ActorOptions) -> Self {
        self.options = options;
        self
    }

    /// The child's id, unique within its supervisor.
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
    /// assert_eq!(ChildSpec::new("worker", Worker::default).id(), "worker");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The child's restart type (see [`ChildSpec::restart`]).
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
    /// assert_eq!(ChildSpec::new("worker", Worker::default).restart_type(), Restart::Permanent);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    pub(super) strategy: Strategy,
    pub(super) max_restarts: u32,
    pub(super) within: Duration,
    pub(super) children: Vec<ChildSpec>,
    /// A problem found by whoever built the spec (an ecosystem's own
    /// checks), reported by [`SupervisorSpec::check`].
    pub(super) refused: Option<SpecError>,
}

impl Default for SupervisorSpec {
    fn default() -> Self {
        SupervisorSpec {
            strategy: Strategy::OneForOne,
            max_restarts: 3,
            within: Duration::from_secs(5),
            children: Vec::new(),
            refused: None,
        }
    }
}

impl SupervisorSpec {
    /// Sets the strategy (default [`Strategy::OneForOne`]).
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
    /// // One crash restarts the crashed child and every child started after it.
    /// let sup = Supervisor::builder()
    ///     .strategy(Strategy::RestForOne)
    ///     .child(ChildSpec::new("db", Worker::default))
    ///     .child(ChildSpec::new("cache", Worker::default))
    ///     .spawn(&node)?;
    /// assert_eq!(sup.count_children()?.active, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the restart intensity: more than `max_restarts` restarts within
    /// `within` and the supervisor gives up (default 3 in 5 s).
    /// `max_restarts` may be 0 (give up at the first failure); `within`
    /// may not ([`SpecError::ZeroWindow`], when the supervisor starts).
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
    /// // Absorbs up to 10 crashes a second before giving up.
    /// let sup = Supervisor::builder()
    ///     .intensity(10, Duration::from_secs(1))
    ///     .child(ChildSpec::new("worker", Worker::default))
    ///     .spawn(&node)?;
    /// // A zero window is refused when the supervisor starts.
    /// assert!(Supervisor::builder().intensity(1, Duration::ZERO).spawn(&node).is_err());
    /// # let _ = sup;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn intensity(mut self, max_restarts: u32, within: Duration) -> Self {
        self.max_restarts = max_restarts;
        self.within = within;
        self
    }

    /// Records a problem found by the caller that built this spec: every
    /// start refuses it, as [`SupervisorSpec::check`] does.
    pub(crate) fn refuse(mut self, problem: SpecError) -> Self {
        self.refused.get_or_insert(problem);
        self
    }

    /// Adds a child, started after those added before it. Its id must be
    /// unique ([`SpecError::DuplicateId`], when the supervisor starts).
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
    ///     .child(ChildSpec::new("first", Worker::default))
    ///     .child(ChildSpec::new("second", Worker::default)) // started after "first"
    ///     .spawn(&node)?;
    /// let ids: Vec<String> = sup.which_children()?.into_iter().map(|c| c.id).collect();
    /// assert_eq!(ids, ["first", "second"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn child(mut self, child: ChildSpec) -> Self {
        self.children.push(child);
        self
    }

    /// What is wrong with this spec, if anything: every way of starting a
    /// supervisor checks it first. See [`SpecError`] for an example.
    ///
    /// # Errors
    ///
    /// The first problem found, as a [`SpecError`].
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
    /// use foundation::SpecError;
    ///
    /// let twice = Supervisor::builder()
    ///     .child(ChildSpec::new("w", Worker::default))
    ///     .child(ChildSpec::new("w", Worker::default));
    /// assert_eq!(twice.check(), Err(SpecError::DuplicateId("w".into())));
    /// assert_eq!(Supervisor::builder().check(), Ok(()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self) -> Result<(), SpecError> {
        if let Some(problem) = &self.refused {
            return Err(problem.clone());
        }
        if self.within.is_zero() {
            return Err(SpecError::ZeroWindow);
        }
        let mut ids = std::collections::HashSet::with_capacity(self.children.len());
        for child in &self.children {
            if !ids.insert(child.id.as_str()) {
                return Err(SpecError::DuplicateId(child.id.clone()));
            }
        }
        Ok(())
    }

    /// Spawns the supervisor on `node` and returns once it has started
    /// every child, in order (each after the previous one's `started` hook
    /// returned), as OTP's `supervisor:start_link` does: names the children
    /// register are there when it returns. A child that cannot start fails
    /// the whole start, after the children already started were stopped,
    /// last first. A nested supervisor ([`ChildSpec::supervisor`]) counts as
    /// started once its own children have.
    ///
    /// For plain threads and blocking actors; in a handler use
    /// [`Context::start_supervisor`]. (`Node::spawn(Supervisor::new(spec))`
    /// also works, but returns at once, while the children are still
    /// starting.)
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, ChildSpec, Context, Node, Supervisor};
    ///
    /// struct User;
    /// impl Actor for User {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(2).start()?;
    /// Supervisor::builder()
    ///     .child(ChildSpec::new("alice", || User).options(ActorOptions::new().name("user/alice")))
    ///     .spawn(&node)?;
    /// // Started and registered by now:
    /// assert!(node.registry().lookup("user/alice").is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`StartError::Child`] naming the child that could not start and why;
    /// [`StartError::Spawn`] once the node is shutting down (and
    /// [`StartError::Stopped`] if it begins to while the children start);
    /// [`StartError::OnScheduler`] on a scheduler thread.
    pub fn spawn(self, node: &Node) -> Result<SupervisorRef, StartError> {
        self.check()?;
        spawn_and_wait(node, Supervisor::new(self), ActorOptions::new())
    }
}

/// Spawns `supervisor` on `node` with `options` and waits until its first
/// children have started (see [`SupervisorSpec::spawn`]).
pub(crate) fn spawn_and_wait(
    node: &Node,
    supervisor: Supervisor,
    options: ActorOptions,
) -> Result<SupervisorRef, StartError> {
    if let Some(error) = &supervisor.invalid {
        return Err(StartError::Spec(error.clone()));
    }
    if crate::scheduler::on_any_scheduler() {
        return Err(StartError::OnScheduler);
    }
    let slot = Slot::new();
    let supervisor = supervisor.ready_to(ReplyTo::new(Arc::clone(&slot)));
    let actor = node.spawn_with(supervisor, options)?;
    match ready_outcome(slot.wait_blocking(None)) {
        // The handle from the spawn, which owns its count (not one the
        // supervisor made of itself).
        Ok(()) => Ok(SupervisorRef { actor }),
        Err(error) => {
            // Its children are gone; the supervisor answers just before
            // it exits. Return once it has, so that nothing is left
            // behind.
            wait_gone(&actor);
            Err(error)
        }
    }
}

/// Waits until `actor`'s cell has left its node's actor table.
fn wait_gone(actor: &ActorRef<Supervisor>) {
    let number = actor.pid().number();
    let cell = Arc::as_ptr(&actor.cell).cast::<()>();
    let present = || {
        actor
            .cell
            .shared
            .actors
            .get(number)
            .is_some_and(|task| Arc::as_ptr(&task).cast::<()>() == cell)
    };
    let mut spins = 0u32;
    while present() {
        if spins < 64 {
            std::thread::yield_now();
            spins += 1;
        } else {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}

/// What a supervisor's start came to, from its ready slot: a dropped reply
/// means the supervisor was killed before its `stopped` hook could answer.
fn ready_outcome(outcome: Result<Result<(), StartError>, CallError>) -> Result<(), StartError> {
    outcome.unwrap_or(Err(StartError::Stopped(ExitReason::Killed)))
}

impl<A: Actor> Context<A> {
    /// Spawns a supervisor from `spec` without waiting: the continuation
    /// given to [`StartSupervisor::then`] runs, as one of this actor's
    /// messages, once every child has started (see
    /// [`SupervisorSpec::spawn`]) or the start has failed.
    ///
    /// ```
    /// use foundation::{Actor, ChildSpec, Context, Node, StartError, Supervisor, SupervisorRef};
    /// use std::sync::mpsc;
    ///
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// struct App(mpsc::Sender<Result<SupervisorRef, StartError>>);
    /// impl Actor for App {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         let spec = Supervisor::builder().child(ChildSpec::new("w", || Worker));
    ///         ctx.start_supervisor(spec).then(|app, _, started| {
    ///             app.0.send(started).unwrap();
    ///         });
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(App(tx))?.send(())?;
    /// let sup = rx.recv()??; // "w" has started by now
    /// assert_eq!(sup.count_children()?.active, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start_supervisor(&self, spec: SupervisorSpec) -> StartSupervisor<'_, A> {
        StartSupervisor { ctx: self, spec }
    }
}

/// A supervisor about to start from a handler, waiting for its
/// continuation. Made by [`Context::start_supervisor`]; started by
/// [`StartSupervisor::then`].
///
/// ```
/// use foundation::{Actor, Context, Node, StartError, Supervisor};
/// use std::sync::mpsc;
///
/// /// Starts a supervisor with an invalid spec, and reports what came of it.
/// struct App(mpsc::Sender<bool>);
/// impl Actor for App {
///     type Msg = ();
///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
///         let spec = Supervisor::builder().intensity(1, std::time::Duration::ZERO);
///         ctx.start_supervisor(spec).then(|app, _, started| {
///             app.0.send(matches!(started, Err(StartError::Spec(_)))).unwrap();
///         });
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let (tx, rx) = mpsc::channel();
/// node.spawn(App(tx))?.send(())?;
/// assert!(rx.recv()?, "the spec was refused");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "the supervisor is spawned only by `.then(..)`"]
pub struct StartSupervisor<'a, A: Actor> {
    ctx: &'a Context<A>,
    spec: SupervisorSpec,
}

impl<A: Actor> StartSupervisor<'_, A> {
    /// Spawns the supervisor. `continuation` runs on this actor, as one of
    /// its messages, with the supervisor's handle once its children have
    /// started, or the [`StartError`] — exactly once, unless this actor
    /// stops first.
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
    /// use foundation::{StartError, SupervisorRef};
    /// use std::sync::mpsc;
    ///
    /// #[actor]
    /// struct App(mpsc::Sender<SupervisorRef>);
    /// #[handlers]
    /// impl App {
    ///     pub fn boot(&mut self, ctx: &mut Context<Self>) {
    ///         let spec = Supervisor::builder().child(ChildSpec::new("w", Worker::default));
    ///         ctx.start_supervisor(spec).then(|app: &mut App, _ctx, started: Result<SupervisorRef, StartError>| {
    ///             // Here, on a scheduler thread, a blocking call to the new
    ///             // supervisor would be refused: keep its handle instead.
    ///             let _ = app.0.send(started.expect("a valid spec"));
    ///         });
    ///     }
    /// }
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(App(tx))?.boot()?;
    /// assert_eq!(rx.recv()?.count_children()?.active, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn then(
        self,
        continuation: impl FnOnce(&mut A, &mut Context<A>, Result<SupervisorRef, StartError>)
        + Send
        + 'static,
    ) {
        // The continuation runs later, as one of this actor's messages, so
        // it finds what the spawn gave, stored meanwhile: the handle, or the
        // error of a refused spawn (which dropped the supervisor and its
        // ready reply, completing the slot first).
        let spawned: Arc<OnceLock<Result<ActorRef<Supervisor>, SpawnError>>> =
            Arc::new(OnceLock::new());
        let seen = Arc::clone(&spawned);
        let slot = Slot::with_callback(continue_on(self.ctx, move |actor, ctx, outcome| {
            let result = match seen.get() {
                Some(Err(error)) => Err(StartError::Spawn(error.clone())),
                Some(Ok(supervisor)) => ready_outcome(outcome).map(|()| SupervisorRef {
                    actor: supervisor.clone(),
                }),
                None => Err(StartError::Stopped(ExitReason::Killed)),
            };
            continuation(actor, ctx, result)
        }));
        let supervisor = Supervisor::new(self.spec).ready_to(ReplyTo::new(slot));
        let _ = spawned.set(spawn_on(
            &self.ctx.cell.shared,
            supervisor,
            ActorOptions::new(),
        ));
    }
}

impl<A: Actor> fmt::Debug for StartSupervisor<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartSupervisor")
            .field("from", &self.ctx.pid())
            .field("spec", &self.spec)
            .finish()
    }
}
