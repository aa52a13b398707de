//! [`EcosystemSpec`]: what an ecosystem is made of, and how it becomes a
//! supervisor's spec (its members as [`ChildSpec`]s, in start order).

use core::fmt;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use crate::actor::{Actor, ActorOptions};
use crate::supervisor::{ChildSpec, Observer, SpecError, Strategy, Supervisor, SupervisorSpec};

use super::directory::{COORDINATOR, Members, NestedDirectory, worker_id};
use super::pool::{Routing, WorkerPool};

type Factory<A> = Arc<dyn Fn() -> A + Send + Sync>;

/// What an ecosystem is made of: a name, a coordinator, a pool of workers
/// and how messages are routed among them, extra children, nested
/// ecosystems, and the supervision that holds them (a [`Strategy`] and a
/// restart intensity, as [`SupervisorSpec`] takes them). Start it with
/// [`spawn_ecosystem`](crate::spawn_ecosystem), or put it in a larger tree
/// with [`ecosystem_supervisor`](crate::ecosystem_supervisor).
///
/// The members start in this order, each after the previous one's
/// `started` hook returned: the workers (`worker-0`, `worker-1` …), then
/// the coordinator (`coordinator`), which so finds its pool full, then the
/// extra children and nested ecosystems in the order they were added. They
/// stop in reverse. The order matters for [`Strategy::RestForOne`]: a
/// failed worker restarts the coordinator and everything after it.
///
/// ```
/// use foundation::{
///     Actor, ChildSpec, Context, EcosystemSpec, Node, Routing, Strategy, WorkerPool,
///     spawn_ecosystem,
/// };
/// use std::time::Duration;
///
/// #[derive(Default)]
/// struct Shard;
/// impl Actor for Shard {
///     type Msg = u64;
///     fn handle(&mut self, _: u64, _: &mut Context<Self>) {}
/// }
/// struct Ledger(WorkerPool<Shard>);
/// impl Actor for Ledger {
///     type Msg = u64;
///     fn handle(&mut self, amount: u64, _: &mut Context<Self>) {
///         let _ = self.0.route(amount);
///     }
/// }
/// #[derive(Default)]
/// struct Audit;
/// impl Actor for Audit {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let spec = EcosystemSpec::new("billing", Ledger)
///     .workers(4, Shard::default)
///     .routing(Routing::key_hash(|amount: &u64| *amount % 100))
///     .child(ChildSpec::new("audit", Audit::default))
///     .nested(EcosystemSpec::new("billing/archive", Ledger).workers(1, Shard::default))
///     .strategy(Strategy::OneForOne)
///     .intensity(10, Duration::from_secs(60));
/// let node = Node::builder().schedulers(2).start()?;
/// let billing = spawn_ecosystem(&node, spec)?;
/// assert_eq!(billing.workers().len(), 4);
/// assert!(billing.child::<Audit>("audit").is_some());
/// assert!(billing.nested::<Ledger, Shard>("billing/archive").is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct EcosystemSpec<C: Actor, W: Actor> {
    pub(super) name: String,
    coordinator: Arc<dyn Fn(WorkerPool<W>) -> C + Send + Sync>,
    coordinator_options: ActorOptions,
    workers: usize,
    worker: Option<Factory<W>>,
    worker_options: ActorOptions,
    routing: Routing<W::Msg>,
    /// Extra children and nested ecosystems' supervisors, in the order
    /// they were added.
    children: Vec<ChildSpec>,
    /// The nested ecosystems' directories, by name.
    nested: Vec<(String, Arc<dyn NestedDirectory>)>,
    strategy: Strategy,
    max_restarts: u32,
    within: Duration,
}

impl<C: Actor, W: Actor> EcosystemSpec<C, W> {
    /// An ecosystem named `name` (registered under it in its node's
    /// [`ProcessRegistry`](crate::ProcessRegistry): unique in the node)
    /// whose coordinator `coordinator` builds, at every (re)start, from its
    /// [`WorkerPool`] — its way to the workers. Add the workers with
    /// [`EcosystemSpec::workers`].
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
    /// # impl Lead {}
    /// # let node = Node::builder().schedulers(1).start()?;
    /// // The coordinator is built from the pool, at every (re)start.
    /// let spec = EcosystemSpec::new("jobs", |pool: WorkerPool<Worker>| Lead(pool)).workers(4, Worker::default);
    /// let eco = spawn_ecosystem(&node, spec)?;
    /// assert_eq!(eco.workers().len(), 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        name: impl Into<String>,
        coordinator: impl Fn(WorkerPool<W>) -> C + Send + Sync + 'static,
    ) -> Self {
        EcosystemSpec {
            name: name.into(),
            coordinator: Arc::new(coordinator),
            coordinator_options: C::options(),
            workers: 0,
            worker: None,
            worker_options: W::options(),
            routing: Routing::round_robin(),
            children: Vec::new(),
            nested: Vec::new(),
            strategy: Strategy::OneForOne,
            max_restarts: 3,
            within: Duration::from_secs(5),
        }
    }

    /// `count` workers (at least one), each built by `factory` at every
    /// (re)start, and by [`Ecosystem::add_worker`](crate::Ecosystem::add_worker) for each added one.
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
    /// # impl Lead {}
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let spec = EcosystemSpec::new("jobs", Lead).workers(3, || Worker { done: 0 });
    /// assert_eq!(spawn_ecosystem(&node, spec)?.pool().len(), 3);
    /// // No worker at all is refused:
    /// assert!(EcosystemSpec::new("empty", Lead).workers(0, Worker::default).check().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn workers(
        mut self,
        count: usize,
        factory: impl Fn() -> W + Send + Sync + 'static,
    ) -> Self {
        self.workers = count;
        self.worker = Some(Arc::new(factory));
        self
    }

    /// How messages routed through the pool pick their worker (default
    /// [`Routing::round_robin`]).
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
    /// # impl Lead {}
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let spec = EcosystemSpec::new("jobs", Lead)
    ///     .workers(2, Worker::default)
    ///     .routing(Routing::least_loaded());
    /// assert_eq!(spawn_ecosystem(&node, spec)?.pool().routing().name(), "least_loaded");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn routing(mut self, routing: Routing<W::Msg>) -> Self {
        self.routing = routing;
        self
    }

    /// The coordinator's spawn options (default: its actor's own,
    /// [`Actor::options`]).
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
    /// # impl Lead {}
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let spec = EcosystemSpec::new("jobs", Lead)
    ///     .workers(1, Worker::default)
    ///     .coordinator_options(ActorOptions::new().mailbox(1024));
    /// spawn_ecosystem(&node, spec)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn coordinator_options(mut self, options: ActorOptions) -> Self {
        self.coordinator_options = options;
        self
    }

    /// Every worker's spawn options (default: its actor's own). A name
    /// here would be taken by the first worker only: leave it out.
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
    /// # impl Lead {}
    /// # let node = Node::builder().schedulers(1).start()?;
    /// // Workers that block (a synchronous client): each on a thread of its own.
    /// let spec = EcosystemSpec::new("jobs", Lead)
    ///     .workers(2, Worker::default)
    ///     .worker_options(ActorOptions::new().blocking(true));
    /// spawn_ecosystem(&node, spec)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn worker_options(mut self, options: ActorOptions) -> Self {
        self.worker_options = options;
        self
    }

    /// Adds an extra child, started after the coordinator (and the children
    /// and nested ecosystems added before it).
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
    /// # impl Lead {}
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let spec = EcosystemSpec::new("jobs", Lead)
    ///     .workers(1, Worker::default)
    ///     .child(ChildSpec::new("stats", Worker::default));
    /// let eco = spawn_ecosystem(&node, spec)?;
    /// assert!(eco.child::<Worker>("stats").is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn child(mut self, child: ChildSpec) -> Self {
        self.children.push(child);
        self
    }

    /// Adds a nested ecosystem, a child of this one's supervisor (its id is
    /// its name), started after what was added before it; it counts as
    /// started once all its own members have. Reach it with
    /// [`Ecosystem::nested`](crate::Ecosystem::nested).
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
    /// # impl Lead {}
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let audit = EcosystemSpec::new("audit", Lead).workers(1, Worker::default);
    /// let spec = EcosystemSpec::new("jobs", Lead).workers(1, Worker::default).nested(audit);
    /// let eco = spawn_ecosystem(&node, spec)?;
    /// assert!(eco.nested::<Lead, Worker>("audit").is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn nested<C2: Actor, W2: Actor>(mut self, nested: EcosystemSpec<C2, W2>) -> Self {
        let (child, members) = nested.into_child();
        self.nested
            .push((child.id().to_string(), members as Arc<dyn NestedDirectory>));
        self.children.push(child);
        self
    }

    /// Sets the supervision strategy (default [`Strategy::OneForOne`]).
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
    /// # impl Lead {}
    /// # let node = Node::builder().schedulers(1).start()?;
    /// // A crashed member restarts every member.
    /// let spec = EcosystemSpec::new("jobs", Lead)
    ///     .workers(2, Worker::default)
    ///     .strategy(Strategy::OneForAll);
    /// spawn_ecosystem(&node, spec)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Sets the restart intensity, as [`SupervisorSpec::intensity`]: more
    /// than `max_restarts` restarts within `within` and the ecosystem stops
    /// as a unit, for its own supervisor to decide (default 3 in 5 s).
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
    /// # impl Lead {}
    /// # let node = Node::builder().schedulers(1).start()?;
    /// use std::time::Duration;
    ///
    /// let spec = EcosystemSpec::new("jobs", Lead)
    ///     .workers(2, Worker::default)
    ///     .intensity(10, Duration::from_secs(1)); // absorbs bursts of crashes
    /// spawn_ecosystem(&node, spec)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn intensity(mut self, max_restarts: u32, within: Duration) -> Self {
        self.max_restarts = max_restarts;
        self.within = within;
        self
    }

    /// The ecosystem's name.
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
    /// # impl Lead {}
    /// # let node = Node::builder().schedulers(1).start()?;
    /// assert_eq!(EcosystemSpec::new("jobs", Lead).name(), "jobs");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What is wrong with this spec, if anything: an empty name, no worker,
    /// two members with one id, a zero intensity window. Every way of
    /// starting the ecosystem checks it first.
    ///
    /// ```
    /// use foundation::{Actor, Context, EcosystemSpec, SpecError};
    ///
    /// struct Nop;
    /// impl Actor for Nop {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let spec = EcosystemSpec::new("empty", |_| Nop).workers(0, || Nop);
    /// assert_eq!(
    ///     spec.check(),
    ///     Err(SpecError::Ecosystem { name: "empty".into(), problem: "it has no worker (workers(count, ..) takes at least 1)".into() })
    /// );
    /// ```
    ///
    /// # Errors
    ///
    /// The first problem found, as a [`SpecError`].
    pub fn check(&self) -> Result<(), SpecError> {
        if let Some(problem) = self.problem() {
            return Err(problem);
        }
        if self.within.is_zero() {
            return Err(SpecError::ZeroWindow);
        }
        let mut ids: HashSet<&str> = HashSet::with_capacity(self.children.len() + 1);
        ids.insert(COORDINATOR);
        for child in &self.children {
            let id = child.id();
            let a_worker = id
                .strip_prefix("worker-")
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n < self.workers && worker_id(n) == id);
            if a_worker || !ids.insert(id) {
                return Err(SpecError::DuplicateId(id.to_string()));
            }
        }
        Ok(())
    }

    fn problem(&self) -> Option<SpecError> {
        let problem = if self.name.is_empty() {
            "its name is empty"
        } else if self.workers == 0 || self.worker.is_none() {
            "it has no worker (workers(count, ..) takes at least 1)"
        } else {
            return None;
        };
        Some(SpecError::Ecosystem {
            name: self.name.clone(),
            problem: problem.into(),
        })
    }

    /// The supervisor's spec, and the directory its incarnations keep.
    pub(super) fn build(self) -> (SupervisorSpec, Arc<Members<C, W>>) {
        let problem = self.problem();
        let worker: Factory<W> = match self.worker {
            Some(factory) => factory,
            // Refused by `problem` before anything starts.
            None => Arc::new(|| unreachable!("an ecosystem without a worker factory never starts")),
        };
        let mut ids: Vec<String> = (0..self.workers).map(worker_id).collect();
        let mut spec = Supervisor::builder()
            .strategy(self.strategy)
            .intensity(self.max_restarts, self.within);
        if let Some(problem) = problem {
            spec = spec.refuse(problem);
        }
        for id in &ids {
            let factory = Arc::clone(&worker);
            spec = spec.child(
                ChildSpec::new(id.clone(), move || factory()).options(self.worker_options.clone()),
            );
        }
        ids.push(COORDINATOR.to_string());
        ids.extend(self.children.iter().map(|c| c.id().to_string()));
        let members = Arc::new(Members::new(
            self.name.clone(),
            WorkerPool::new(self.routing),
            Arc::clone(&worker),
            self.worker_options.clone(),
            self.workers,
            ids,
            self.nested,
        ));
        let pool = members.pool.clone();
        let coordinator = self.coordinator;
        spec = spec.child(
            ChildSpec::new(COORDINATOR, move || coordinator(pool.clone()))
                .options(self.coordinator_options),
        );
        for child in self.children {
            spec = spec.child(child);
        }
        (spec, members)
    }

    /// The ecosystem as one supervisor child of a larger tree.
    pub(super) fn into_child(self) -> (ChildSpec, Arc<Members<C, W>>) {
        let name = self.name.clone();
        let (spec, members) = self.build();
        let child = ChildSpec::observed_supervisor(
            name.clone(),
            spec,
            Arc::clone(&members) as Arc<dyn Observer>,
        )
        .options(ActorOptions::new().name(name));
        (child, members)
    }
}

impl<C: Actor, W: Actor> fmt::Debug for EcosystemSpec<C, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcosystemSpec")
            .field("name", &self.name)
            .field("coordinator", &core::any::type_name::<C>())
            .field("workers", &self.workers)
            .field("worker", &core::any::type_name::<W>())
            .field("routing", &self.routing)
            .field("children", &self.children)
            .field(
                "nested",
                &self.nested.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("strategy", &self.strategy)
            .finish()
    }
}
