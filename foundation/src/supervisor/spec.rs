//! What a supervisor starts: [`ChildSpec`]s (a child's factory, restart
//! type, shutdown and spawn options) and the [`SupervisorSpec`] that lists
//! them; the type-erased starter behind each child.

use core::fmt;
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use crate::actor::{Actor, ActorOptions, Context, Restart};
use crate::cell::ActorCell;
use crate::cell::spawn::spawn_cell;
use crate::error::SpawnError;
use crate::exit::ExitReason;
use crate::node::Node;
use crate::panic::payload_text;
use crate::pid::Pid;
use crate::task::{Runnable, Task};

use super::protocol::Request;
use super::*;

/// Builds a child's instances and spawns or restarts its cell; typed by the
/// child's actor, erased behind this trait.
pub(super) trait Starter: Send + Sync {
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

pub(super) struct Spawned {
    pub(super) pid: Pid,
    pub(super) task: Task,
    pub(super) cell: Arc<dyn Any + Send + Sync>,
}

pub(super) struct TypedStarter<A: Actor> {
    pub(super) factory: Arc<dyn Fn() -> A + Send + Sync>,
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
    pub(super) strategy: Strategy,
    pub(super) max_restarts: u32,
    pub(super) within: Duration,
    pub(super) children: Vec<ChildSpec>,
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
