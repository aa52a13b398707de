//! Ecosystems (the original plan's `Foundation.BEAM.Processes`): a named,
//! supervised group — a coordinator, a pool of workers with a routing, extra
//! children and nested ecosystems — started, watched and stopped as one
//! unit.
//!
//! An ecosystem is a [`Supervisor`] whose children are its members
//! ([`EcosystemSpec`] says in which order), registered in its node's
//! [`ProcessRegistry`](crate::ProcessRegistry) under the ecosystem's name.
//! Everything a supervisor does, it does: a failed member restarts at the
//! same address with its queued messages (ADR 0002); too many restarts and
//! the ecosystem stops as a unit, for its own supervisor to decide.
//!
//! What it adds is a *directory*: the supervisor reports each change to its
//! members, and every [`Ecosystem`] handle reads the directory rather than
//! asking the supervisor. So routing ([`WorkerPool::route`]), the members'
//! refs and [`ecosystem_health`] cost no call and work from handlers; only
//! adding and removing workers ask the supervisor, with a blocking form for
//! threads and a continuation form for handlers
//! ([`Ecosystem::add_worker_in`], [`Ecosystem::remove_worker_in`]).
//!
//! **Restarts and handles** (ADR 0008). A member's restart keeps its
//! address: refs taken before stay valid. A restart of the ecosystem as a
//! unit (its parent restarts it after it gave up) starts every member in a
//! new cell, as OTP does: the [`Ecosystem`] handle follows — its methods
//! read the directory, which the new incarnation fills — while an
//! [`ActorRef`] taken from it before points at the old, retired cell, whose
//! sends fail with [`SendError::Closed`](crate::SendError::Closed) and hand
//! the message back: never a silent loss. Take refs from the handle again
//! after such a restart (the handle's [`Ecosystem::generation`] says when
//! one happened).

mod declared;
mod directory;
mod health;
mod pool;
mod spec;

use core::fmt;
use std::sync::Arc;

use crate::actor::{Actor, ActorOptions, ActorRef, Context};
use crate::call::reply::{CallError, ReplyTo, Slot};
use crate::call::request::continue_on;
use crate::cell::Envelope;
use crate::names::LookupError;
use crate::node::Node;
use crate::supervisor::{
    ChildSpec, Observer, StartError, Supervisor, SupervisorError, SupervisorMsg, SupervisorRef,
    spawn_and_wait,
};
use crate::sync::lock;

pub use declared::DeclaredEcosystem;
use directory::Members;
pub use health::{EcosystemHealth, EcosystemStatus, MemberHealth, MemberStatus, Role};
pub use pool::{RouteError, Routing, WorkerPool};
pub use spec::EcosystemSpec;

/// Why an ecosystem operation failed.
///
/// ```
/// use foundation::{EcosystemError, StartError};
///
/// let e = EcosystemError::Start(StartError::Child { id: "worker-2".into(), reason: "panic: no disk".into() });
/// assert_eq!(e.to_string(), "the ecosystem could not start: child \"worker-2\" could not start: panic: no disk");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum EcosystemError {
    /// The ecosystem did not start: a member could not
    /// ([`StartError::Child`] names it; for a member of a nested ecosystem,
    /// the nested ecosystem, with its own member's reason inside), its spec
    /// is invalid ([`StartError::Spec`]), its name is taken
    /// ([`StartError::Spawn`]), or it was asked from a scheduler thread
    /// ([`StartError::OnScheduler`]).
    #[error("the ecosystem could not start: {0}")]
    Start(#[from] StartError),
    /// Its supervisor refused or did not answer (it has stopped; or a
    /// blocking operation was asked on a scheduler thread:
    /// `Call(CallError::Deadlock)`, use the `_in` form there).
    #[error("the ecosystem's supervisor: {0}")]
    Supervisor(#[from] SupervisorError),
    /// [`Ecosystem::remove_worker`] would remove the pool's last worker.
    #[error("the pool's last worker is not removed")]
    LastWorker,
}

/// A handle to a running ecosystem: its members, routing through its pool,
/// adding and removing workers, its health, stopping it. Cheap to clone.
///
/// An ecosystem is a [`Supervisor`] whose children are its members
/// ([`EcosystemSpec`] says in which order), registered under its name.
/// The supervisor reports each change to its members to a directory that
/// every handle reads instead of asking the supervisor: routing, the
/// members' refs and the health cost no call and work from handlers. Only
/// adding and removing workers ask the supervisor, with a blocking form
/// for threads and a continuation form for handlers
/// ([`Ecosystem::add_worker_in`], [`Ecosystem::remove_worker_in`]).
///
/// **Restarts and handles** (ADR 0008). A member's restart keeps its
/// address: refs taken before stay valid. A restart of the ecosystem as a
/// unit (its parent restarts it after it gave up) starts every member of
/// its spec in a new cell, as OTP does (workers added since are not
/// restarted). The handle follows — its methods read the directory, which
/// the new incarnation fills — while an [`ActorRef`] taken from it before
/// points at the old, retired cell, whose sends fail with
/// [`SendError::Closed`](crate::SendError::Closed) and hand the message
/// back: never a silent loss. Take refs from the handle again after such a
/// restart ([`Ecosystem::generation`] says when one happened).
///
/// ```
/// use foundation::{Actor, Context, EcosystemSpec, Node, spawn_ecosystem};
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
///
/// struct Worker(Arc<AtomicU64>);
/// impl Actor for Worker {
///     type Msg = u64;
///     fn handle(&mut self, n: u64, _: &mut Context<Self>) {
///         self.0.fetch_add(n, Ordering::Relaxed);
///     }
/// }
/// #[derive(Default)]
/// struct Idle;
/// impl Actor for Idle {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(2).start()?;
/// let sum = Arc::new(AtomicU64::new(0));
/// let total = Arc::clone(&sum);
/// let eco = spawn_ecosystem(
///     &node,
///     EcosystemSpec::new("adders", |_| Idle::default()).workers(2, move || Worker(Arc::clone(&total))),
/// )?;
/// assert_eq!(node.ecosystem::<Idle, Worker>("adders")?.workers().len(), 2);
/// for n in 1..=100 {
///     eco.route(n).expect("a worker");
/// }
/// eco.add_worker()?;
/// eco.remove_worker()?; // drains what the removed one holds, then stops it
/// eco.remove_worker()?;
/// assert_eq!(eco.workers().len(), 1);
/// // Nothing lost: the last worker handles what it holds. (Stopping the
/// // ecosystem now would not wait for that: a stop goes ahead of queued
/// // messages, which become dead letters.)
/// while sum.load(Ordering::Relaxed) < 5050 {
///     std::thread::sleep(std::time::Duration::from_millis(1));
/// }
/// assert_eq!(sum.load(Ordering::Relaxed), 5050);
/// eco.stop();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Ecosystem<C: Actor, W: Actor> {
    members: Arc<Members<C, W>>,
}

impl<C: Actor, W: Actor> Ecosystem<C, W> {
    /// The ecosystem's name (its supervisor's registered name).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// assert_eq!(eco.name(), "jobs");
    /// assert!(node.registry().lookup("jobs").is_some()); // its supervisor's name
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.members.name
    }

    /// The coordinator's handle. After a restart of the whole ecosystem,
    /// ask again: a ref taken before points at the retired cell.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// eco.coordinator().dispatch(7)?; // LeadExt, on the coordinator's handle
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn coordinator(&self) -> ActorRef<C> {
        self.members
            .member(directory::COORDINATOR)
            .expect("a started ecosystem has a coordinator of its type")
    }

    /// The routed workers, in the order they joined (a worker being
    /// removed is no longer among them).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// let workers: Vec<ActorRef<Worker>> = eco.workers();
    /// assert_eq!(workers.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn workers(&self) -> Vec<ActorRef<W>> {
        self.members.pool.workers()
    }

    /// The worker pool (what the coordinator's factory received).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// let pool = eco.pool(); // the same pool the coordinator was built with
    /// assert_eq!(pool.len(), 2);
    /// pool.route(WorkerMsg::Job(1)).expect("a worker");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pool(&self) -> WorkerPool<W> {
        self.members.pool.clone()
    }

    /// Routes `msg` to a worker as the pool's [`Routing`] says. Never
    /// blocks. See [`WorkerPool::route`].
    ///
    /// # Errors
    ///
    /// The message comes back inside a [`RouteError`].
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// let index = eco.route(WorkerMsg::Job(1)).expect("a worker"); // round robin by default
    /// assert!(index < 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn route(&self, msg: W::Msg) -> Result<usize, RouteError<W::Msg>> {
        self.members.pool.route(msg)
    }

    /// Extra child `id`'s handle, if it exists and is an `A`.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker;
    /// # #[handlers]
    /// # impl Worker {}
    /// #[actor]
    /// #[derive(Default)]
    /// struct Audit;
    /// #[handlers]
    /// impl Audit {
    ///     pub fn ok(&self) -> bool { true }
    /// }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let spec = EcosystemSpec::new("jobs", |_pool: WorkerPool<Worker>| Worker)
    ///     .workers(1, Worker::default)
    ///     .child(ChildSpec::new("audit", Audit::default));
    /// let eco = spawn_ecosystem(&node, spec)?;
    /// let audit: ActorRef<Audit> = eco.child("audit").expect("an Audit");
    /// assert!(audit.ok()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn child<A: Actor>(&self, id: &str) -> Option<ActorRef<A>> {
        self.members.member(id)
    }

    /// The handle of the nested ecosystem named `name`, if it exists and
    /// has these member types.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker;
    /// # #[handlers]
    /// # impl Worker {}
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let billing = EcosystemSpec::new("billing", |_: WorkerPool<Worker>| Worker).workers(1, Worker::default);
    /// let spec = EcosystemSpec::new("shop", |_: WorkerPool<Worker>| Worker)
    ///     .workers(1, Worker::default)
    ///     .nested(billing);
    /// let shop = spawn_ecosystem(&node, spec)?;
    /// let billing = shop.nested::<Worker, Worker>("billing").expect("started with the shop");
    /// assert_eq!(billing.workers().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn nested<C2: Actor, W2: Actor>(&self, name: &str) -> Option<Ecosystem<C2, W2>> {
        let (_, nested) = self.members.nested.iter().find(|(n, _)| n == name)?;
        let members = Arc::clone(nested)
            .as_any()
            .downcast::<Members<C2, W2>>()
            .ok()?;
        Some(Ecosystem { members })
    }

    /// The supervisor's handle (its current incarnation), for what the
    /// ecosystem does not wrap: `which_children`, subscriptions …
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// // Coordinator, then the workers: the supervisor's children in start order.
    /// assert_eq!(eco.supervisor().count_children()?.active, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn supervisor(&self) -> SupervisorRef {
        SupervisorRef::from(
            self.members
                .supervisor()
                .expect("a started ecosystem has a supervisor"),
        )
    }

    /// How many times the ecosystem's supervisor has started: 1, plus one
    /// per restart of the ecosystem as a unit (each starts every member in
    /// a new cell).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// assert_eq!(eco.generation(), 1); // its first start
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn generation(&self) -> u32 {
        self.members
            .supervisor()
            .map_or(0, |sup| sup.pid().incarnation() + 1)
    }

    /// Whether the ecosystem's supervisor runs.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// assert!(eco.is_alive());
    /// eco.stop();
    /// # let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    /// while eco.is_alive() {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now();
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_alive(&self) -> bool {
        self.members.supervisor().is_some_and(|s| s.is_alive())
    }

    /// The ecosystem's health (see [`EcosystemHealth`]); reads the
    /// directory and the members' mailboxes, calls nobody, may be used
    /// from a handler.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// let health = eco.health();
    /// assert!(health.status.is_healthy());
    /// assert_eq!(health.members.len(), 3); // the coordinator and two workers
    /// println!("{health}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn health(&self) -> EcosystemHealth {
        self.members.health()
    }

    /// Starts one more worker and returns its handle once its `started`
    /// hook has returned; it is routed from its spawn on. A blocking call:
    /// from a handler use [`Ecosystem::add_worker_in`].
    ///
    /// # Errors
    ///
    /// [`EcosystemError::Supervisor`]: the worker could not start
    /// ([`SupervisorError::StartFailed`]), the ecosystem has stopped, or
    /// this is a scheduler thread (`Call(CallError::Deadlock)`).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// let third: ActorRef<Worker> = eco.add_worker()?; // started when this returns
    /// assert_eq!(eco.pool().len(), 3);
    /// third.job(1)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_worker(&self) -> Result<ActorRef<W>, EcosystemError> {
        let sup = self.supervisor();
        let (id, spec) = self.members.next_worker();
        sup.start_child(spec)?;
        self.members
            .member(&id)
            .ok_or(EcosystemError::Supervisor(SupervisorError::NoSuchChild(id)))
    }

    /// Removes the newest worker without losing a job: it leaves the
    /// routing first (nothing routed reaches it afterwards), handles every
    /// message queued before that, then stops and is forgotten. Returns
    /// once it has. A blocking call: from a handler use
    /// [`Ecosystem::remove_worker_in`]. Messages sent to the worker's own
    /// [`ActorRef`] meanwhile (not routed) may arrive after it drained:
    /// those become dead letters, as for any stopped actor.
    ///
    /// # Errors
    ///
    /// [`EcosystemError::LastWorker`] if one worker is left;
    /// [`EcosystemError::Supervisor`] if the ecosystem has stopped, or on a
    /// scheduler thread (`Call(CallError::Deadlock)`: nothing is removed).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// eco.remove_worker()?; // the newest one drains, then stops
    /// assert_eq!(eco.workers().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove_worker(&self) -> Result<(), EcosystemError> {
        if crate::scheduler::on_any_scheduler() {
            return Err(SupervisorError::Call(CallError::Deadlock).into());
        }
        let sup = self.supervisor();
        let (id, worker) = self
            .members
            .begin_removal()
            .ok_or(EcosystemError::LastWorker)?;
        let slot = Slot::new();
        drain(&worker, ReplyTo::new(Arc::clone(&slot)));
        // Done, or dropped: the worker stopped for good, and handles
        // nothing more either way.
        let _ = slot.wait_blocking(None);
        let removed = sup
            .terminate_child(&id)
            .and_then(|()| sup.delete_child(&id));
        if removed.is_err() {
            self.members.abort_removal(&id);
        }
        Ok(removed?)
    }

    /// [`Ecosystem::add_worker`] for a handler: the continuation given to
    /// [`AddWorker::then`] runs on the calling actor, as one of its
    /// messages, with the new worker's handle or the error. Nothing blocks.
    ///
    /// ```
    /// use foundation::{Actor, ActorRef, Context, Ecosystem, EcosystemError, EcosystemSpec, Node, spawn_ecosystem};
    /// use std::sync::mpsc;
    ///
    /// #[derive(Default)]
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// #[derive(Default)]
    /// struct Coordinator;
    /// impl Actor for Coordinator {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// /// Grows the pool by one, and reports the pool's size.
    /// struct Scaler(Ecosystem<Coordinator, Worker>, mpsc::Sender<usize>);
    /// impl Actor for Scaler {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         self.0.add_worker_in(ctx).then(|me, _, added| {
    ///             added.expect("started");
    ///             me.1.send(me.0.workers().len()).unwrap();
    ///         });
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("grow", |_| Coordinator).workers(1, Worker::default))?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Scaler(eco, tx))?.send(())?;
    /// assert_eq!(rx.recv()?, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_worker_in<'a, A: Actor>(&'a self, ctx: &'a Context<A>) -> AddWorker<'a, A, C, W> {
        AddWorker { eco: self, ctx }
    }

    /// [`Ecosystem::remove_worker`] for a handler: the continuation given to
    /// [`RemoveWorker::then`] runs on the calling actor, as one of its
    /// messages, once the worker has drained and stopped (or with the
    /// error). Nothing blocks; the caller keeps serving its mailbox
    /// meanwhile.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// use std::sync::mpsc;
    ///
    /// #[actor]
    /// struct Scaler {
    ///     eco: Ecosystem<Lead, Worker>,
    ///     done: mpsc::Sender<bool>,
    /// }
    /// #[handlers]
    /// impl Scaler {
    ///     pub fn shrink(&mut self, ctx: &mut Context<Self>) {
    ///         self.eco.remove_worker_in(ctx).then(|me: &mut Scaler, _ctx, removed| {
    ///             let _ = me.done.send(removed.is_ok());
    ///         });
    ///     }
    /// }
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Scaler { eco: eco.clone(), done: tx })?.shrink()?;
    /// assert!(rx.recv()?);
    /// assert_eq!(eco.workers().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove_worker_in<'a, A: Actor>(
        &'a self,
        ctx: &'a Context<A>,
    ) -> RemoveWorker<'a, A, C, W> {
        RemoveWorker { eco: self, ctx }
    }

    /// Stops the ecosystem: its members stop in reverse start order, then
    /// its supervisor exits with [`ExitReason::Shutdown`](crate::ExitReason::Shutdown). Returns at once.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// eco.stop(); // returns at once; members stop in reverse start order
    /// # let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    /// while node.actor_count() > 0 {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now();
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stop(&self) {
        if let Some(sup) = self.members.supervisor() {
            sup.stop();
        }
    }
}

/// Queues, behind everything `worker` holds, a marker that answers `done`
/// when the worker reaches it (or drops it, if the worker stops for good
/// first).
fn drain<W: Actor>(worker: &ActorRef<W>, done: ReplyTo<()>) {
    let marker = Envelope::Continuation(Box::new(move |_: &mut W, _: &mut Context<W>| {
        let _ = done.reply(());
    }));
    // A refused marker (the worker has stopped) is dropped here, and its
    // reply with it: the waiter goes on.
    let _ = worker.cell.deliver_envelope(marker);
}

impl<C: Actor, W: Actor> Clone for Ecosystem<C, W> {
    fn clone(&self) -> Self {
        Ecosystem {
            members: Arc::clone(&self.members),
        }
    }
}

impl<C: Actor, W: Actor> fmt::Debug for Ecosystem<C, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ecosystem")
            .field("name", &self.members.name)
            .field("workers", &self.members.pool.len())
            .finish()
    }
}

/// Starts the ecosystem `spec` on `node` and returns once every member has
/// started — workers, coordinator, children, and nested ecosystems with
/// all their members — each after the previous one's `started` hook
/// returned: the handle's refs are all live. A member that cannot start
/// fails the whole start, after the members already started were stopped,
/// last first; nothing is restarted behind the caller's back.
///
/// For plain threads and blocking actors (it waits); in a handler, start
/// an ecosystem as part of a tree with [`ecosystem_supervisor`] and
/// [`Context::start_supervisor`].
///
/// ```
/// use foundation::{Actor, Context, EcosystemError, EcosystemSpec, Node, StartError, spawn_ecosystem};
///
/// #[derive(Default)]
/// struct Worker;
/// impl Actor for Worker {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
/// struct NoDatabase;
/// impl Actor for NoDatabase {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
///     fn started(&mut self, _: &mut Context<Self>) {
///         panic!("cannot reach the database");
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// match spawn_ecosystem(&node, EcosystemSpec::new("db", |_| NoDatabase).workers(2, Worker::default)) {
///     Err(EcosystemError::Start(StartError::Child { id, reason })) => {
///         assert_eq!(id, "coordinator");
///         assert_eq!(reason, "panic: cannot reach the database");
///     }
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(node.actor_count(), 0); // the workers were stopped again
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`EcosystemError::Start`] with the [`StartError`]: the member that could
/// not start and why, an invalid spec, a name already taken, a node
/// shutting down, or a scheduler thread.
pub fn spawn_ecosystem<C: Actor, W: Actor>(
    node: &Node,
    spec: EcosystemSpec<C, W>,
) -> Result<Ecosystem<C, W>, EcosystemError> {
    spec.check().map_err(StartError::Spec)?;
    let name = spec.name.clone();
    let (spec, members) = spec.build();
    let supervisor = Supervisor::new(spec).observed(Arc::clone(&members) as Arc<dyn Observer>);
    spawn_and_wait(node, supervisor, ActorOptions::new().name(name))?;
    Ok(Ecosystem { members })
}

/// The ecosystem `spec` as a child of a larger supervision tree (as
/// [`ChildSpec::supervisor`] is for a [`SupervisorSpec`](crate::SupervisorSpec)): its id is the
/// ecosystem's name, it counts as started once all its members have, and
/// when it gives up (too many restarts) its parent decides — a restart
/// starts every member again, in new cells. Find its handle with
/// [`Node::ecosystem`].
///
/// ```
/// use foundation::{Actor, Context, EcosystemSpec, Node, Supervisor, ecosystem_supervisor};
///
/// #[derive(Default)]
/// struct Worker;
/// impl Actor for Worker {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// Supervisor::builder()
///     .child(ecosystem_supervisor(EcosystemSpec::new("search", |_| Worker).workers(3, Worker::default)))
///     .spawn(&node)?;
/// let search = node.ecosystem::<Worker, Worker>("search")?;
/// assert_eq!(search.workers().len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn ecosystem_supervisor<C: Actor, W: Actor>(spec: EcosystemSpec<C, W>) -> ChildSpec {
    spec.into_child().0
}

/// The health of `ecosystem`: see [`EcosystemHealth`] (the same as
/// [`Ecosystem::health`]).
///
/// ```
/// # use foundation::prelude::*;
/// # use foundation::spawn_ecosystem;
/// # #[actor]
/// # #[derive(Default)]
/// # struct Worker { done: u64 }
/// # #[handlers]
/// # impl Worker {
/// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
/// #     pub fn done(&self) -> u64 { self.done }
/// # }
/// # #[actor]
/// # struct Lead(WorkerPool<Worker>);
/// # #[handlers]
/// # impl Lead {
/// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
/// # }
/// # let node = Node::builder().schedulers(1).start()?;
/// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
/// let health = foundation::ecosystem_health(&eco);
/// assert!(health.member("worker-0").is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn ecosystem_health<C: Actor, W: Actor>(ecosystem: &Ecosystem<C, W>) -> EcosystemHealth {
    ecosystem.health()
}

impl Node {
    /// The running ecosystem named `name`, with coordinator type `C` and
    /// worker type `W`: started by [`spawn_ecosystem`], or by a supervisor
    /// through [`ecosystem_supervisor`] (found once its coordinator has
    /// been spawned). See [`Ecosystem`] for an example.
    ///
    /// # Errors
    ///
    /// [`LookupError::NotRegistered`] if no running ecosystem has the name
    /// (yet); [`LookupError::WrongType`] if it has other member types (or
    /// the name is an actor's).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// // Found by name, elsewhere in the program:
    /// let found = node.ecosystem::<Lead, Worker>("jobs")?;
    /// assert_eq!(found.workers().len(), 2);
    /// assert!(node.ecosystem::<Lead, Lead>("jobs").is_err()); // other member types
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ecosystem<C: Actor, W: Actor>(
        &self,
        name: &str,
    ) -> Result<Ecosystem<C, W>, LookupError> {
        let not_registered = || LookupError::NotRegistered {
            name: name.to_string(),
        };
        let sup = self.registry().lookup_ref::<Supervisor>(name)?;
        let directory = {
            let mut ecosystems = lock(&self.shared().ecosystems);
            ecosystems.retain(|_, weak| weak.strong_count() > 0);
            ecosystems.get(name).and_then(std::sync::Weak::upgrade)
        }
        .ok_or_else(not_registered)?;
        let members =
            directory
                .downcast::<Members<C, W>>()
                .map_err(|_| LookupError::WrongType {
                    name: name.to_string(),
                    expected: core::any::type_name::<Ecosystem<C, W>>(),
                    actual: "an ecosystem of other member types",
                })?;
        if members.supervisor().as_ref() != Some(&sup)
            || members.member::<C>(directory::COORDINATOR).is_none()
        {
            return Err(not_registered());
        }
        Ok(Ecosystem { members })
    }
}

/// Adds a worker from a handler: made by [`Ecosystem::add_worker_in`],
/// started by [`AddWorker::then`].
#[must_use = "the worker is added only by `.then(..)`"]
pub struct AddWorker<'a, A: Actor, C: Actor, W: Actor> {
    eco: &'a Ecosystem<C, W>,
    ctx: &'a Context<A>,
}

impl<A: Actor, C: Actor, W: Actor> AddWorker<'_, A, C, W> {
    /// Asks the ecosystem's supervisor for the worker. `continuation` runs
    /// on this actor, as one of its messages, with the worker's handle
    /// once its `started` hook has returned, or the error — exactly once,
    /// unless this actor stops first.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// use std::sync::mpsc;
    ///
    /// #[actor]
    /// struct Scaler {
    ///     eco: Ecosystem<Lead, Worker>,
    ///     added: mpsc::Sender<bool>,
    /// }
    /// #[handlers]
    /// impl Scaler {
    ///     pub fn grow(&mut self, ctx: &mut Context<Self>) {
    ///         self.eco.add_worker_in(ctx).then(|me: &mut Scaler, _ctx, worker| {
    ///             let _ = me.added.send(worker.is_ok());
    ///         });
    ///     }
    /// }
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Scaler { eco: eco.clone(), added: tx })?.grow()?;
    /// assert!(rx.recv()?);
    /// assert_eq!(eco.workers().len(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn then(
        self,
        continuation: impl FnOnce(&mut A, &mut Context<A>, Result<ActorRef<W>, EcosystemError>)
        + Send
        + 'static,
    ) {
        let Some(sup) = self.eco.members.supervisor() else {
            continue_on(self.ctx, continuation)(Err(SupervisorError::Stopping.into()));
            return;
        };
        let members = Arc::clone(&self.eco.members);
        let (id, spec) = members.next_worker();
        self.ctx
            .request(&sup, move |reply| SupervisorMsg::start_child(spec, reply))
            .then(move |actor, ctx, outcome| {
                let result = flatten(outcome).and_then(|_pid| {
                    members
                        .member(&id)
                        .ok_or(EcosystemError::Supervisor(SupervisorError::NoSuchChild(id)))
                });
                continuation(actor, ctx, result)
            });
    }
}

/// Removes a worker from a handler: made by
/// [`Ecosystem::remove_worker_in`], started by [`RemoveWorker::then`].
///
/// ```
/// use foundation::{Actor, Context, Ecosystem, EcosystemSpec, Node, spawn_ecosystem};
/// use std::sync::mpsc;
///
/// #[derive(Default)]
/// struct Worker;
/// impl Actor for Worker {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// struct Shrinker(Ecosystem<Worker, Worker>, mpsc::Sender<usize>);
/// impl Actor for Shrinker {
///     type Msg = ();
///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
///         self.0.remove_worker_in(ctx).then(|me, _, removed| {
///             removed.expect("drained and stopped");
///             me.1.send(me.0.workers().len()).unwrap();
///         });
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let eco = spawn_ecosystem(&node, EcosystemSpec::new("shrink", |_| Worker).workers(3, Worker::default))?;
/// let (tx, rx) = mpsc::channel();
/// node.spawn(Shrinker(eco, tx))?.send(())?;
/// assert_eq!(rx.recv()?, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "the worker is removed only by `.then(..)`"]
pub struct RemoveWorker<'a, A: Actor, C: Actor, W: Actor> {
    eco: &'a Ecosystem<C, W>,
    ctx: &'a Context<A>,
}

impl<A: Actor, C: Actor, W: Actor> RemoveWorker<'_, A, C, W> {
    /// Takes the newest worker out of the routing, lets it drain, then asks
    /// the supervisor to stop and forget it. `continuation` runs on this
    /// actor, as one of its messages, when that is done or has failed —
    /// exactly once, unless this actor stops first.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::spawn_ecosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Worker { done: u64 }
    /// # #[handlers]
    /// # impl Worker {
    /// #     pub fn job(&mut self, _n: u64) { self.done += 1; }
    /// #     pub fn done(&self) -> u64 { self.done }
    /// # }
    /// # #[actor]
    /// # struct Lead(WorkerPool<Worker>);
    /// # #[handlers]
    /// # impl Lead {
    /// #     pub fn dispatch(&mut self, n: u64) { let _ = self.0.route(WorkerMsg::Job(n)); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// use std::sync::mpsc;
    ///
    /// #[actor]
    /// struct Scaler {
    ///     eco: Ecosystem<Lead, Worker>,
    ///     removed: mpsc::Sender<bool>,
    /// }
    /// #[handlers]
    /// impl Scaler {
    ///     pub fn shrink(&mut self, ctx: &mut Context<Self>) {
    ///         self.eco.remove_worker_in(ctx).then(|me: &mut Scaler, _ctx, outcome| {
    ///             let _ = me.removed.send(outcome.is_ok());
    ///         });
    ///     }
    /// }
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Scaler { eco: eco.clone(), removed: tx })?.shrink()?;
    /// assert!(rx.recv()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn then(
        self,
        continuation: impl FnOnce(&mut A, &mut Context<A>, Result<(), EcosystemError>) + Send + 'static,
    ) {
        let members = Arc::clone(&self.eco.members);
        let (Some(sup), Some((id, worker))) = (members.supervisor(), members.begin_removal())
        else {
            let error = if members.supervisor().is_none() {
                SupervisorError::Stopping.into()
            } else {
                EcosystemError::LastWorker
            };
            continue_on(self.ctx, continuation)(Err(error));
            return;
        };
        let drained = Slot::with_callback(continue_on(
            self.ctx,
            move |_: &mut A, ctx: &mut Context<A>, _| {
                let again = sup.clone();
                let id_again = id.clone();
                ctx.request(&sup, move |reply| SupervisorMsg::terminate_child(id, reply))
                    .then(move |actor, ctx, outcome| match flatten(outcome) {
                        Err(error) => {
                            members.abort_removal(&id_again);
                            continuation(actor, ctx, Err(error));
                        }
                        Ok(()) => ctx
                            .request(&again, move |reply| {
                                SupervisorMsg::delete_child(id_again, reply)
                            })
                            .then(move |actor, ctx, outcome| {
                                continuation(actor, ctx, flatten(outcome))
                            }),
                    });
            },
        ));
        drain(&worker, ReplyTo::new(drained));
    }
}

/// A supervisor's answer, or the call's failure, as one error.
fn flatten<T>(outcome: Result<Result<T, SupervisorError>, CallError>) -> Result<T, EcosystemError> {
    Ok(outcome.map_err(SupervisorError::Call)??)
}

impl<A: Actor, C: Actor, W: Actor> fmt::Debug for AddWorker<'_, A, C, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddWorker")
            .field("ecosystem", &self.eco.name())
            .finish()
    }
}

impl<A: Actor, C: Actor, W: Actor> fmt::Debug for RemoveWorker<'_, A, C, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoveWorker")
            .field("ecosystem", &self.eco.name())
            .finish()
    }
}

impl crate::names::ServiceRegistry {
    /// Registers `ecosystem` as one service, named after it: its
    /// supervisor provides it, and its health check is the ecosystem's
    /// health ([`ecosystem_health`]) — healthy when every member is, and
    /// otherwise unhealthy with the reasons (a degraded ecosystem says
    /// `degraded: …`, a failed one `failed: …`).
    ///
    /// # Errors
    ///
    /// As [`ServiceRegistry::register_with`](crate::ServiceRegistry::register_with):
    /// [`ServiceError::AlreadyRegistered`](crate::ServiceError::AlreadyRegistered)
    /// if another actor provides a service of that name,
    /// [`ServiceError::NotAlive`](crate::ServiceError::NotAlive) if the
    /// ecosystem has stopped.
    ///
    /// ```
    /// use foundation::prelude::*;
    /// use foundation::Health;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// struct Desk;
    /// #[handlers]
    /// impl Desk {
    ///     pub fn ping(&self) -> u8 { 1 }
    /// }
    ///
    /// #[ecosystem(name = "front-office")]
    /// struct FrontOffice {
    ///     #[coordinator]
    ///     desk: Desk,
    ///     #[workers(count = 2)]
    ///     clerks: Desk,
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let office = FrontOffice::spawn(&node)?;
    /// node.services().register_ecosystem(office.ecosystem())?;
    /// assert_eq!(node.services().health_check("front-office")?, Health::Healthy);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn register_ecosystem<C: Actor, W: Actor>(
        &self,
        ecosystem: &Ecosystem<C, W>,
    ) -> Result<(), crate::names::ServiceError> {
        let supervisor = ecosystem
            .members
            .supervisor()
            .ok_or(crate::names::ServiceError::NodeShutdown)?;
        let watched = Arc::downgrade(&ecosystem.members);
        let options = crate::names::ServiceOptions::new().health_check(move || {
            let Some(members) = watched.upgrade() else {
                return Err("the ecosystem is gone".to_string());
            };
            match members.health().status {
                EcosystemStatus::Healthy => Ok(()),
                EcosystemStatus::Degraded(reasons) => {
                    Err(format!("degraded: {}", reasons.join("; ")))
                }
                EcosystemStatus::Failed(reasons) => Err(format!("failed: {}", reasons.join("; "))),
            }
        });
        self.register_with(ecosystem.name(), supervisor.pid(), options)
    }
}

impl crate::telemetry::Telemetry {
    /// The health of `ecosystem`'s members as metrics (the original
    /// plan's `Telemetry.ecosystem_metrics`), read now from what the
    /// ecosystem already records ([`Ecosystem::health`]) and published —
    /// to this node's metrics and the facade — labelled `ecosystem`,
    /// `member` and `role` (nested ecosystems' members too, under their
    /// own ecosystem's name): `foundation.ecosystem.member.mailbox_len`,
    /// `.restarts`, `.messages_handled`, `.rate` (messages a second),
    /// `.up` (1 running, else 0), `.memory` (bytes, with the accounting
    /// allocator); and per ecosystem `foundation.ecosystem.members` and
    /// `foundation.ecosystem.healthy` (1 or 0).
    ///
    /// ```
    /// use foundation::{spawn_ecosystem, Actor, Context, EcosystemSpec, Node};
    ///
    /// struct Unit;
    /// impl Actor for Unit {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("plant", |_| Unit).workers(2, || Unit))?;
    /// let metrics = node.telemetry().ecosystem_metrics(&eco);
    /// let up: Vec<_> = metrics
    ///     .iter()
    ///     .filter(|m| m.name == "foundation.ecosystem.member.up")
    ///     .map(|m| (m.label("member").unwrap().to_string(), m.value.as_f64()))
    ///     .collect();
    /// assert_eq!(up.len(), 3); // the coordinator and two workers
    /// assert!(up.iter().all(|(_, v)| *v == 1.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ecosystem_metrics<C: Actor, W: Actor>(
        &self,
        ecosystem: &Ecosystem<C, W>,
    ) -> Vec<crate::telemetry::Metric> {
        let mut out = Vec::new();
        self.publish_health(&ecosystem.health(), &mut out);
        out
    }

    fn publish_health(&self, health: &EcosystemHealth, out: &mut Vec<crate::telemetry::Metric>) {
        use crate::telemetry::{Metric, MetricValue};
        let hub = &self.shared.telemetry;
        let mut gauge = |name: &'static str, labels: Vec<(String, String)>, value: f64| {
            hub.publish_gauge(name, labels.clone(), value);
            out.push(Metric {
                name: name.to_string(),
                labels,
                value: MetricValue::Gauge(value),
            });
        };
        let eco = ("ecosystem".to_string(), health.name.clone());
        gauge(
            "foundation.ecosystem.members",
            vec![eco.clone()],
            health.members.len() as f64,
        );
        gauge(
            "foundation.ecosystem.healthy",
            vec![eco.clone()],
            if health.status.is_healthy() { 1.0 } else { 0.0 },
        );
        let mut totals = Vec::new();
        for member in &health.members {
            let labels = vec![
                eco.clone(),
                ("member".to_string(), member.id.clone()),
                (
                    "role".to_string(),
                    format!("{:?}", member.role).to_lowercase(),
                ),
            ];
            gauge(
                "foundation.ecosystem.member.mailbox_len",
                labels.clone(),
                member.mailbox_len as f64,
            );
            gauge(
                "foundation.ecosystem.member.rate",
                labels.clone(),
                member.rate,
            );
            gauge(
                "foundation.ecosystem.member.up",
                labels.clone(),
                if member.status == MemberStatus::Running {
                    1.0
                } else {
                    0.0
                },
            );
            if let crate::memory::Usage::Bytes(bytes) = member.memory {
                gauge(
                    "foundation.ecosystem.member.memory",
                    labels.clone(),
                    bytes as f64,
                );
            }
            totals.push((labels, member.restarts, member.messages_handled));
        }
        for (labels, restarts, handled) in totals {
            for (name, total) in [
                ("foundation.ecosystem.member.restarts", u64::from(restarts)),
                ("foundation.ecosystem.member.messages_handled", handled),
            ] {
                hub.publish_total(name, labels.clone(), total);
                out.push(Metric {
                    name: name.to_string(),
                    labels: labels.clone(),
                    value: MetricValue::Counter(total),
                });
            }
        }
        for nested in &health.nested {
            self.publish_health(nested, out);
        }
    }
}
