//! The worker pool: its members as routing sees them, and the four ways
//! of picking one ([`Routing`]).

use core::fmt;
use core::hash::{Hash, Hasher};
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, PoisonError, RwLock};

use crate::actor::{Actor, ActorRef};
use crate::error::SendError;

/// How an ecosystem's [`WorkerPool`] picks the worker of each message
/// routed through it ([`WorkerPool::route`], [`Ecosystem::route`](crate::Ecosystem::route)).
///
/// ```
/// use foundation::Routing;
///
/// #[derive(Clone)]
/// struct Job {
///     account: u64,
/// }
///
/// let _spread: Routing<Job> = Routing::round_robin();
/// let _idle_first: Routing<Job> = Routing::least_loaded();
/// // Every job of one account goes to the same worker (while the pool
/// // keeps its size):
/// let _sticky = Routing::key_hash(|job: &Job| job.account);
/// // Every worker gets its own copy:
/// let _all: Routing<Job> = Routing::broadcast();
/// ```
pub struct Routing<M> {
    pub(super) kind: Kind<M>,
}

pub(super) enum Kind<M> {
    RoundRobin,
    LeastLoaded,
    KeyHash(Arc<dyn Fn(&M) -> u64 + Send + Sync>),
    Broadcast(fn(&M) -> M),
}

impl<M> Routing<M> {
    /// Each message to the next worker, in turn (the default).
    ///
    /// ```
    /// use foundation::Routing;
    ///
    /// assert_eq!(Routing::<u32>::round_robin().name(), "round_robin");
    /// ```
    pub fn round_robin() -> Self {
        Routing {
            kind: Kind::RoundRobin,
        }
    }

    /// Each message to the worker with the fewest queued messages
    /// ([`ActorRef::mailbox_len`]), the first of them on a tie. Reads
    /// every worker's queue length per message: for pools of tens, not
    /// thousands.
    ///
    /// ```
    /// use foundation::Routing;
    ///
    /// let routing: Routing<String> = Routing::least_loaded();
    /// assert_eq!(routing.name(), "least_loaded");
    /// ```
    pub fn least_loaded() -> Self {
        Routing {
            kind: Kind::LeastLoaded,
        }
    }

    /// Each message to the worker its key hashes to, so that messages with
    /// one key go to one worker, in order. Adding or removing a worker
    /// moves keys (the key is taken modulo the pool's size).
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
    /// // Orders of one customer go to one worker, in order.
    /// let spec = EcosystemSpec::new("orders", Lead)
    ///     .workers(4, Worker::default)
    ///     .routing(Routing::key_hash(|msg: &WorkerMsg| match msg {
    ///         WorkerMsg::Job(customer) => *customer,
    ///         _ => 0,
    ///     }));
    /// let eco = spawn_ecosystem(&node, spec)?;
    /// let first = eco.route(WorkerMsg::Job(42)).expect("a worker");
    /// assert_eq!(eco.route(WorkerMsg::Job(42)).expect("a worker"), first);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_hash<K: Hash>(key: impl Fn(&M) -> K + Send + Sync + 'static) -> Self {
        Routing {
            kind: Kind::KeyHash(Arc::new(move |msg| {
                // SipHash with fixed keys: the same key picks the same
                // worker in every run.
                let mut hasher = std::hash::DefaultHasher::new();
                key(msg).hash(&mut hasher);
                hasher.finish()
            })),
        }
    }

    /// Every message to every worker (a clone each, the original to the
    /// last).
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
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// // Needs messages that clone: every worker gets a copy.
    /// #[derive(Clone)]
    /// struct Flush;
    ///
    /// struct Cache(Arc<AtomicUsize>);
    /// impl Actor for Cache {
    ///     type Msg = Flush;
    ///     fn handle(&mut self, _: Flush, _: &mut Context<Self>) {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// }
    ///
    /// let flushed = Arc::new(AtomicUsize::new(0));
    /// let (a, b) = (Arc::clone(&flushed), Arc::clone(&flushed));
    /// let spec = EcosystemSpec::new("caches", move |_: WorkerPool<Cache>| Cache(Arc::clone(&a)))
    ///     .workers(3, move || Cache(Arc::clone(&b)))
    ///     .routing(Routing::broadcast());
    /// let eco = spawn_ecosystem(&node, spec)?;
    /// eco.route(Flush).expect("delivered to all three");
    /// # let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    /// while flushed.load(Ordering::Relaxed) < 3 {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now();
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn broadcast() -> Self
    where
        M: Clone,
    {
        Routing {
            kind: Kind::Broadcast(M::clone),
        }
    }

    /// The routing's name: `"round_robin"`, `"least_loaded"`,
    /// `"key_hash"` or `"broadcast"` (the `#[ecosystem]` spelling).
    ///
    /// ```
    /// assert_eq!(foundation::Routing::<u32>::least_loaded().name(), "least_loaded");
    /// ```
    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::RoundRobin => "round_robin",
            Kind::LeastLoaded => "least_loaded",
            Kind::KeyHash(_) => "key_hash",
            Kind::Broadcast(_) => "broadcast",
        }
    }
}

impl<M> Default for Routing<M> {
    fn default() -> Self {
        Routing::round_robin()
    }
}

impl<M> Clone for Routing<M> {
    fn clone(&self) -> Self {
        Routing {
            kind: match &self.kind {
                Kind::RoundRobin => Kind::RoundRobin,
                Kind::LeastLoaded => Kind::LeastLoaded,
                Kind::KeyHash(key) => Kind::KeyHash(Arc::clone(key)),
                Kind::Broadcast(clone) => Kind::Broadcast(*clone),
            },
        }
    }
}

impl<M> fmt::Debug for Routing<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a message routed through a [`WorkerPool`] was not delivered. The
/// message always comes back.
///
/// ```
/// use foundation::{RouteError, SendError};
///
/// let e: RouteError<u32> = RouteError::Refused(SendError::Closed(7));
/// assert_eq!(e.to_string(), "the worker refused the message: the actor has stopped and its mailbox is closed");
/// assert_eq!(e.into_inner(), vec![7]);
/// ```
#[non_exhaustive]
#[derive(thiserror::Error)]
pub enum RouteError<M> {
    /// The pool has no worker to take it (its ecosystem is restarting or
    /// has stopped).
    #[error("the pool has no worker")]
    NoWorkers(M),
    /// The picked worker refused it (its reason inside).
    #[error("the worker refused the message: {0}")]
    Refused(SendError<M>),
    /// A broadcast reached `delivered` workers; these refused their copy.
    #[error("the broadcast reached {delivered} workers; {} refused it", refused.len())]
    Broadcast {
        /// Workers that took their copy.
        delivered: usize,
        /// The refusals, each with its copy.
        refused: Vec<SendError<M>>,
    },
}

impl<M> RouteError<M> {
    /// The refused messages (one, except for a broadcast).
    ///
    /// ```
    /// use foundation::RouteError;
    ///
    /// let refused: RouteError<u32> = RouteError::NoWorkers(7);
    /// assert_eq!(refused.into_inner(), [7]); // handed back
    /// ```
    pub fn into_inner(self) -> Vec<M> {
        match self {
            RouteError::NoWorkers(msg) => vec![msg],
            RouteError::Refused(error) => vec![error.into_inner()],
            RouteError::Broadcast { refused, .. } => {
                refused.into_iter().map(SendError::into_inner).collect()
            }
        }
    }
}

// By hand, so that it is `Debug` (and so `Error`) for every message type.
impl<M> fmt::Debug for RouteError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::NoWorkers(_) => f.write_str("NoWorkers(..)"),
            RouteError::Refused(error) => f.debug_tuple("Refused").field(error).finish(),
            RouteError::Broadcast { delivered, refused } => f
                .debug_struct("Broadcast")
                .field("delivered", delivered)
                .field("refused", refused)
                .finish(),
        }
    }
}

/// An ecosystem's workers as routing sees them: cheap to clone, shared by
/// the ecosystem's handles and its coordinator (whose factory receives
/// one), so that the coordinator reaches its workers without a call.
///
/// A worker joins the routing when its cell is spawned (messages routed to
/// it before its `started` hook returns wait in its mailbox), stays
/// through its restarts (same address, queued messages kept) and leaves
/// when it is removed ([`Ecosystem::remove_worker`](crate::Ecosystem::remove_worker), which takes it out of
/// the routing first) or its ecosystem stops.
///
/// ```
/// use foundation::{Actor, Context, EcosystemSpec, Node, WorkerPool, spawn_ecosystem};
/// use std::sync::mpsc;
///
/// struct Square(mpsc::Sender<u64>);
/// impl Actor for Square {
///     type Msg = u64;
///     fn handle(&mut self, n: u64, _: &mut Context<Self>) {
///         self.0.send(n * n).unwrap();
///     }
/// }
///
/// /// Hands every job to a worker, through the pool it was built with.
/// struct Dispatcher(WorkerPool<Square>);
/// impl Actor for Dispatcher {
///     type Msg = u64;
///     fn handle(&mut self, n: u64, _: &mut Context<Self>) {
///         self.0.route(n).expect("a worker");
///     }
/// }
///
/// let node = Node::builder().schedulers(2).start()?;
/// let (tx, rx) = mpsc::channel();
/// let eco = spawn_ecosystem(
///     &node,
///     EcosystemSpec::new("squares", Dispatcher).workers(3, move || Square(tx.clone())),
/// )?;
/// assert_eq!(eco.pool().len(), 3);
/// for n in 1..=4 {
///     eco.coordinator().send(n)?;
/// }
/// let mut squares: Vec<u64> = rx.iter().take(4).collect();
/// squares.sort();
/// assert_eq!(squares, [1, 4, 9, 16]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct WorkerPool<W: Actor> {
    pub(super) inner: Arc<PoolInner<W>>,
}

pub(super) struct PoolInner<W: Actor> {
    routing: Routing<W::Msg>,
    /// The routed workers, in the order they joined. A route holds the
    /// read side while it picks *and sends*, so that a worker taken out
    /// under the write side gets nothing routed afterwards.
    routed: RwLock<Vec<ActorRef<W>>>,
    next: AtomicUsize,
}

impl<W: Actor> WorkerPool<W> {
    pub(super) fn new(routing: Routing<W::Msg>) -> Self {
        WorkerPool {
            inner: Arc::new(PoolInner {
                routing,
                routed: RwLock::new(Vec::new()),
                next: AtomicUsize::new(0),
            }),
        }
    }

    /// Sends `msg` to the worker its [`Routing`] picks (to every worker
    /// for a broadcast). Never blocks; returns how many workers took it.
    ///
    /// # Errors
    ///
    /// The message comes back: [`RouteError::NoWorkers`],
    /// [`RouteError::Refused`] with the worker's reason (a full or
    /// overloaded mailbox, a stopped worker), or, for a broadcast,
    /// [`RouteError::Broadcast`] with each refused copy.
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
    /// #[actor]
    /// struct Dispatcher(WorkerPool<Worker>);
    /// #[handlers]
    /// impl Dispatcher {
    ///     /// From the coordinator: no call, no wait.
    ///     pub fn dispatch(&mut self, n: u64) -> bool {
    ///         self.0.route(WorkerMsg::Job(n)).is_ok()
    ///     }
    /// }
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Dispatcher).workers(2, Worker::default))?;
    /// assert!(eco.coordinator().dispatch(1)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn route(&self, msg: W::Msg) -> Result<usize, RouteError<W::Msg>> {
        let routed = self
            .inner
            .routed
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let n = routed.len();
        if n == 0 {
            return Err(RouteError::NoWorkers(msg));
        }
        let pick = match &self.inner.routing.kind {
            Kind::RoundRobin => self.inner.next.fetch_add(1, Relaxed) % n,
            Kind::LeastLoaded => {
                let mut best = (usize::MAX, 0);
                for (i, worker) in routed.iter().enumerate() {
                    let len = worker.mailbox_len();
                    if len < best.0 {
                        best = (len, i);
                        if len == 0 {
                            break;
                        }
                    }
                }
                best.1
            }
            Kind::KeyHash(key) => (key(&msg) % n as u64) as usize,
            Kind::Broadcast(clone) => {
                let mut refused = Vec::new();
                let (last, others) = routed.split_last().expect("not empty");
                for worker in others {
                    if let Err(error) = worker.send(clone(&msg)) {
                        refused.push(error);
                    }
                }
                if let Err(error) = last.send(msg) {
                    refused.push(error);
                }
                return if refused.is_empty() {
                    Ok(n)
                } else {
                    Err(RouteError::Broadcast {
                        delivered: n - refused.len(),
                        refused,
                    })
                };
            }
        };
        routed[pick]
            .send(msg)
            .map(|()| 1)
            .map_err(RouteError::Refused)
    }

    /// The routed workers, in the order they joined.
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
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// let total: u64 = eco.pool().workers().iter().map(|w| w.done().unwrap_or(0)).sum();
    /// assert_eq!(total, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn workers(&self) -> Vec<ActorRef<W>> {
        self.read().clone()
    }

    /// How many workers routing picks from.
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
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(2, Worker::default))?;
    /// assert_eq!(eco.pool().len(), 2);
    /// eco.add_worker()?;
    /// assert_eq!(eco.pool().len(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether routing has no worker to pick (see [`RouteError::NoWorkers`]).
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
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(1, Worker::default))?;
    /// assert!(!eco.pool().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// The pool's routing.
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
    /// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", Lead).workers(1, Worker::default))?;
    /// assert_eq!(eco.pool().routing().name(), "round_robin"); // the default
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn routing(&self) -> &Routing<W::Msg> {
        &self.inner.routing
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<ActorRef<W>>> {
        self.inner
            .routed
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Routes to `worker` from now on: a worker not routed yet.
    pub(super) fn push(&self, worker: ActorRef<W>) {
        self.write().push(worker);
    }

    /// Stops routing to the worker in `cell`; once this returns, no route
    /// sends to it.
    pub(super) fn leave(&self, cell: &Arc<dyn core::any::Any + Send + Sync>) {
        let mut routed = self.write();
        let cell = Arc::as_ptr(cell).cast::<()>();
        // Workers stop newest first (a removal, the pool's reverse stop).
        if let Some(index) = routed
            .iter()
            .rposition(|w| Arc::as_ptr(&w.cell).cast::<()>() == cell)
        {
            routed.remove(index);
        }
    }

    /// Stops routing to anyone (a new incarnation of the ecosystem's
    /// supervisor starts new workers).
    pub(super) fn clear(&self) {
        self.write().clear();
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<ActorRef<W>>> {
        self.inner
            .routed
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl<W: Actor> Clone for WorkerPool<W> {
    fn clone(&self) -> Self {
        WorkerPool {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<W: Actor> fmt::Debug for WorkerPool<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerPool")
            .field("routing", &self.inner.routing)
            .field("workers", &self.len())
            .finish()
    }
}
