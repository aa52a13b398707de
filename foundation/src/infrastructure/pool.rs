//! [`Pool`]: supervised worker actors checked out and in.

use core::fmt;
use core::future::{Future, IntoFuture};
use core::ops::Deref;
use core::pin::Pin;
use core::task::Poll;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::InfrastructureError;
use crate::actor::{Actor, ActorRef, Context};
use crate::call::blocking::blocking_deadline;
use crate::call::reply::{CallError, CallFuture, Outcome, Slot};
use crate::call::request::{arm_timeout, continue_on};
use crate::node::Node;
use crate::scheduler;
use crate::supervisor::{ChildSpec, Supervisor, SupervisorError, SupervisorMsg, SupervisorRef};
use crate::sync::lock;

/// A pool's sizes and default checkout timeout (see [`Pool::start`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// Workers started with the pool and kept (at least 1).
    pub size: usize,
    /// Extra workers started when every worker is checked out, and
    /// stopped when checked in with nobody waiting.
    pub max_overflow: usize,
    /// How long a checkout waits for a worker by default.
    pub checkout_timeout: Duration,
}

impl Default for PoolOptions {
    /// Ten workers, no overflow, a five-second checkout timeout (the
    /// default timeout of `GenServer.call`).
    fn default() -> Self {
        PoolOptions {
            size: 10,
            max_overflow: 0,
            checkout_timeout: Duration::from_secs(5),
        }
    }
}

/// Why a checkout gave no worker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PoolError {
    /// No worker was checked in within the timeout.
    #[error("pool {pool:?}: no worker came within {timeout:?} (all checked out)")]
    Timeout {
        /// The pool's name.
        pool: String,
        /// The checkout's timeout.
        timeout: Duration,
    },
    /// A blocking checkout on a scheduler thread, which must not wait:
    /// use [`Checkout::then`] in a handler.
    #[error(
        "a blocking checkout on a scheduler thread would hold the thread a worker may need; use `.then(ctx, ..)` in a handler, or `.await`"
    )]
    WouldBlock,
    /// The pool was stopped (or its node shut down).
    #[error("pool {pool:?} is stopped")]
    Stopped {
        /// The pool's name.
        pool: String,
    },
}

/// One worker: its child id in the pool's supervisor and its handle
/// (the same across restarts).
struct Member<A: Actor> {
    id: String,
    actor: ActorRef<A>,
    overflow: bool,
}

struct State<A: Actor> {
    idle: VecDeque<Member<A>>,
    /// Overflow workers alive or starting.
    overflow: usize,
    checked_out: usize,
    waiters: VecDeque<Arc<Slot<Lease<A>>>>,
    next_overflow: u64,
    stopped: bool,
}

struct Inner<A: Actor> {
    name: String,
    options: PoolOptions,
    supervisor: SupervisorRef,
    factory: Arc<dyn Fn() -> A + Send + Sync>,
    state: Mutex<State<A>>,
}

/// A pool of worker actors (the original's connection pool, after
/// poolboy): `size` workers started with it under a supervisor of their
/// own — a crashed worker is restarted at the same address, so a
/// checked-out handle stays valid — and up to `max_overflow` more while
/// every worker is out. [`checkout`](Pool::checkout) lends one as a
/// [`Lease`], which returns it when dropped (or [`checkin`](Lease::checkin)).
///
/// ```
/// use foundation::infrastructure::{Pool, PoolOptions};
/// use foundation::{Actor, Context, Node, ReplyTo};
/// use std::time::Duration;
///
/// struct Conn;
/// impl Actor for Conn {
///     type Msg = ReplyTo<&'static str>;
///     fn handle(&mut self, reply: ReplyTo<&'static str>, _: &mut Context<Self>) {
///         let _ = reply.reply("pong");
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let options = PoolOptions { size: 2, max_overflow: 1, checkout_timeout: Duration::from_secs(5) };
/// let pool = Pool::start(&node, "db", options, || Conn)?;
/// let conn = pool.checkout().wait()?;
/// assert_eq!(conn.call(|r| r, Duration::from_secs(5))?, "pong");
/// assert_eq!(pool.stats().checked_out, 1);
/// drop(conn); // checked in
/// assert_eq!(pool.stats().idle, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Pool<A: Actor> {
    inner: Arc<Inner<A>>,
}

impl<A: Actor> Clone for Pool<A> {
    fn clone(&self) -> Self {
        Pool {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// A pool's figures now (see [`Pool::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Workers waiting to be checked out.
    pub idle: usize,
    /// Workers checked out.
    pub checked_out: usize,
    /// Overflow workers alive or starting.
    pub overflow: usize,
    /// Checkouts waiting for a worker.
    pub waiting: usize,
}

impl<A: Actor> Pool<A> {
    /// Starts the pool `name` on `node`: a supervisor (one-for-one) with
    /// `options.size` workers built by `factory`, each started before
    /// this returns. From a plain thread (it waits for the workers).
    ///
    /// # Errors
    ///
    /// [`InfrastructureError::InvalidOption`] for a zero size;
    /// [`InfrastructureError::Start`] if the workers could not start
    /// (on a scheduler thread, a worker's `started` hook failed, the node
    /// is shutting down).
    ///
    /// ```
    /// use foundation::prelude::*;
    /// use foundation::infrastructure::{Pool, PoolOptions};
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// struct Conn;
    ///
    /// #[handlers]
    /// impl Conn {
    ///     pub fn query(&self) -> u32 {
    ///         1
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let options = PoolOptions { size: 4, max_overflow: 2, ..PoolOptions::default() };
    /// let pool = Pool::start(&node, "db", options, Conn::default)?;
    /// let conn = pool.checkout().wait()?;
    /// assert_eq!(conn.query()?, 1); // the lease derefs to the worker's ActorRef
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start(
        node: &Node,
        name: impl Into<String>,
        options: PoolOptions,
        factory: impl Fn() -> A + Send + Sync + 'static,
    ) -> Result<Self, InfrastructureError> {
        if options.size == 0 {
            return Err(InfrastructureError::InvalidOption {
                option: "size",
                reason: "a pool needs at least 1 worker".into(),
            });
        }
        let name = name.into();
        let factory: Arc<dyn Fn() -> A + Send + Sync> = Arc::new(factory);
        let mut spec = Supervisor::builder();
        for i in 0..options.size {
            let factory = Arc::clone(&factory);
            spec = spec.child(ChildSpec::new(format!("worker-{i}"), move || factory()));
        }
        let start = |e: &dyn fmt::Display| InfrastructureError::Start {
            what: format!("pool {name:?}"),
            reason: e.to_string(),
        };
        let supervisor = spec.spawn(node).map_err(|e| start(&e))?;
        let mut idle = VecDeque::new();
        for child in supervisor.which_children().map_err(|e| start(&e))? {
            let actor = child
                .actor::<A>()
                .ok_or_else(|| start(&"a worker has no handle"))?;
            idle.push_back(Member {
                id: child.id,
                actor,
                overflow: false,
            });
        }
        let pool = Pool {
            inner: Arc::new(Inner {
                name,
                options,
                supervisor,
                factory,
                state: Mutex::new(State {
                    idle,
                    overflow: 0,
                    checked_out: 0,
                    waiters: VecDeque::new(),
                    next_overflow: 0,
                    stopped: false,
                }),
            }),
        };
        // Checkouts waiting when the node shuts down fail then (their
        // timeout is a node timer, which stops with it).
        let weak = Arc::downgrade(&pool.inner);
        lock(&node.shared().on_shutdown).push(Box::new(move || {
            if let Some(inner) = weak.upgrade() {
                inner.close();
            }
        }));
        Ok(pool)
    }

    /// The pool's name.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let pool = Pool::start(&node, "db", PoolOptions::default(), Conn::default)?;
    /// assert_eq!(pool.name(), "db");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Its options.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let options = PoolOptions { size: 2, ..PoolOptions::default() };
    /// let pool = Pool::start(&node, "db", options.clone(), Conn::default)?;
    /// assert_eq!(pool.options().size, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn options(&self) -> PoolOptions {
        self.inner.options
    }

    /// Asks for a worker, within the pool's checkout timeout: see
    /// [`Checkout`] for its three forms.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let pool = Pool::start(&node, "db", PoolOptions { size: 1, ..PoolOptions::default() }, Conn::default)?;
    /// let first = pool.checkout().wait()?;
    /// // Nobody idle, no overflow: a zero timeout answers at once.
    /// let second = pool.checkout().timeout(std::time::Duration::ZERO).wait();
    /// assert!(second.is_err());
    /// drop(first); // checked in
    /// assert!(pool.checkout().wait().is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn checkout(&self) -> Checkout<A> {
        Checkout {
            pool: Arc::clone(&self.inner),
            timeout: self.inner.options.checkout_timeout,
        }
    }

    /// Returns a worker (the same as dropping its lease).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let pool = Pool::start(&node, "db", PoolOptions::default(), Conn::default)?;
    /// let lease = pool.checkout().wait()?;
    /// assert_eq!(pool.stats().checked_out, 1);
    /// pool.checkin(lease); // the same as dropping it
    /// assert_eq!(pool.stats().checked_out, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn checkin(&self, lease: Lease<A>) {
        drop(lease);
    }

    /// The pool's figures now.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let pool = Pool::start(&node, "db", PoolOptions { size: 3, ..PoolOptions::default() }, Conn::default)?;
    /// let _lease = pool.checkout().wait()?;
    /// let stats = pool.stats();
    /// assert_eq!((stats.idle, stats.checked_out, stats.overflow, stats.waiting), (2, 1, 0, 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stats(&self) -> PoolStats {
        let state = lock(&self.inner.state);
        PoolStats {
            idle: state.idle.len(),
            checked_out: state.checked_out,
            overflow: state.overflow,
            waiting: state.waiters.iter().filter(|w| !w.is_finished()).count(),
        }
    }

    /// The pool's supervisor (its workers are its children).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let pool = Pool::start(&node, "db", PoolOptions { size: 2, ..PoolOptions::default() }, Conn::default)?;
    /// assert_eq!(pool.supervisor().count_children()?.active, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn supervisor(&self) -> &SupervisorRef {
        &self.inner.supervisor
    }

    /// Stops the pool: waiting checkouts fail with
    /// [`PoolError::Stopped`], and the supervisor stops its workers
    /// (leases still out hold handles to stopped actors).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let pool = Pool::start(&node, "db", PoolOptions::default(), Conn::default)?;
    /// pool.stop();
    /// assert!(pool.checkout().wait().is_err()); // PoolError::Stopped
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stop(&self) {
        self.inner.close();
        self.inner.supervisor.stop();
    }
}

impl<A: Actor> fmt::Debug for Pool<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("name", &self.inner.name)
            .field("options", &self.inner.options)
            .field("stats", &self.stats())
            .finish()
    }
}

impl<A: Actor> Inner<A> {
    /// Refuses checkouts from now on and fails those waiting.
    fn close(&self) {
        let waiters = {
            let mut state = lock(&self.state);
            state.stopped = true;
            state.idle.clear();
            core::mem::take(&mut state.waiters)
        };
        for waiter in waiters {
            let _ = waiter.complete(Err(CallError::Stopped));
        }
    }

    /// Lines `slot` up for a worker: one now if one is idle, an
    /// overflow worker started if there is room, else the next checked in.
    fn enqueue(self: &Arc<Self>, slot: Arc<Slot<Lease<A>>>) {
        let mut state = lock(&self.state);
        if state.stopped {
            drop(state);
            let _ = slot.complete(Err(CallError::Stopped));
            return;
        }
        if let Some(member) = state.idle.pop_front() {
            state.checked_out += 1;
            drop(state);
            self.hand(member, slot);
            return;
        }
        // Forget those that gave up (timed out, dropped).
        state.waiters.retain(|w| !w.is_finished());
        state.waiters.push_back(slot);
        if state.overflow < self.options.max_overflow {
            state.overflow += 1;
            let id = format!("overflow-{}", state.next_overflow);
            state.next_overflow += 1;
            drop(state);
            self.start_overflow(id);
        }
    }

    /// A worker now if one is idle, for a checkout that does not wait (a
    /// zero timeout: on a manual clock, a timer due now fires only when
    /// the clock next moves).
    fn take_now(self: &Arc<Self>, timeout: Duration) -> Result<Lease<A>, PoolError> {
        let mut state = lock(&self.state);
        if state.stopped {
            return Err(self.error(CallError::Stopped, timeout));
        }
        let member = state
            .idle
            .pop_front()
            .ok_or_else(|| self.error(CallError::Timeout, timeout))?;
        state.checked_out += 1;
        Ok(Lease {
            pool: Arc::clone(self),
            member: Some(member),
        })
    }

    /// Hands `member` (counted as checked out) to `slot`, or, if that
    /// waiter has given up, back to the pool.
    fn hand(self: &Arc<Self>, member: Member<A>, slot: Arc<Slot<Lease<A>>>) {
        let lease = Lease {
            pool: Arc::clone(self),
            member: Some(member),
        };
        if let Err(Ok(mut lease)) = slot.complete(Ok(lease)) {
            let member = lease.member.take().expect("a lease holds its worker");
            self.release(member);
        }
    }

    /// A worker comes back (checked in, or a new overflow worker, both
    /// counted as checked out): to the first waiter still waiting, else
    /// idle — or stopped, if it is an overflow worker nobody waits for.
    fn release(self: &Arc<Self>, member: Member<A>) {
        let mut state = lock(&self.state);
        while let Some(waiter) = state.waiters.pop_front() {
            if waiter.is_finished() {
                continue;
            }
            drop(state);
            self.hand(member, waiter);
            return;
        }
        state.checked_out -= 1;
        if state.stopped {
            return;
        }
        if member.overflow {
            state.overflow -= 1;
            drop(state);
            self.retire(member);
        } else {
            state.idle.push_back(member);
        }
    }

    /// Asks the supervisor for overflow worker `id`, without waiting: the
    /// worker goes to the first waiter once its `started` hook returns.
    fn start_overflow(self: &Arc<Self>, id: String) {
        let pool = Arc::clone(self);
        let child = id.clone();
        let slot = Slot::with_callback(
            move |outcome: Outcome<Result<crate::Pid, SupervisorError>>| {
                let actor = match outcome {
                    Ok(Ok(pid)) => pool
                        .shared()
                        .resolve(pid)
                        .and_then(|task| ActorRef::<A>::from_any(task)),
                    Ok(Err(error)) => {
                        pool.overflow_failed(&child, &error.to_string());
                        return;
                    }
                    Err(error) => {
                        pool.overflow_failed(&child, &error.to_string());
                        return;
                    }
                };
                match actor {
                    Some(actor) => {
                        lock(&pool.state).checked_out += 1;
                        pool.release(Member {
                            id: child,
                            actor,
                            overflow: true,
                        });
                    }
                    None => pool.overflow_failed(&child, "it stopped at once"),
                }
            },
        );
        let factory = Arc::clone(&self.factory);
        let spec = ChildSpec::new(id, move || factory());
        self.supervisor
            .actor()
            .send_request(&slot, |reply| SupervisorMsg::start_child(spec, reply));
    }

    #[cold]
    fn overflow_failed(&self, id: &str, reason: &str) {
        lock(&self.state).overflow -= 1;
        crate::report::visible!(
            warn,
            target: "foundation::infrastructure",
            { pool = %self.name, worker = %id, },
            "pool {:?}: overflow worker {id} did not start: {reason}; checkouts wait for a worker checked in",
            self.name
        );
    }

    /// Stops an overflow worker, then forgets its spec (once the stop is
    /// done: the supervisor refuses to forget a child still stopping).
    /// No reply is waited for.
    fn retire(&self, member: Member<A>) {
        let sup = self.supervisor.actor().clone();
        let id = member.id.clone();
        let deleted = Slot::<Result<(), SupervisorError>>::new();
        let then_delete = Slot::with_callback(move |_: Outcome<Result<(), SupervisorError>>| {
            sup.send_request(&deleted, |reply| SupervisorMsg::delete_child(id, reply));
        });
        self.supervisor.actor().send_request(&then_delete, |reply| {
            SupervisorMsg::terminate_child(member.id, reply)
        });
    }

    /// The node's shared state (through the supervisor's handle).
    fn shared(&self) -> &Arc<crate::node::shared::Shared> {
        &self.supervisor.actor().cell.shared
    }

    fn error(&self, error: CallError, timeout: Duration) -> PoolError {
        match error {
            CallError::Timeout => PoolError::Timeout {
                pool: self.name.clone(),
                timeout,
            },
            _ => PoolError::Stopped {
                pool: self.name.clone(),
            },
        }
    }
}

/// A worker lent by a [`Pool`]: derefs to its [`ActorRef`]; checked in
/// when dropped.
pub struct Lease<A: Actor> {
    pool: Arc<Inner<A>>,
    member: Option<Member<A>>,
}

impl<A: Actor> Lease<A> {
    /// The worker's handle.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let pool = Pool::start(&node, "db", PoolOptions::default(), Conn::default)?;
    /// let lease = pool.checkout().wait()?;
    /// let worker: &ActorRef<Conn> = lease.worker();
    /// assert_eq!(worker.query()?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn worker(&self) -> &ActorRef<A> {
        &self
            .member
            .as_ref()
            .expect("a lease holds its worker")
            .actor
    }

    /// The worker's id in the pool's supervisor (`worker-N`, or
    /// `overflow-N`).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let pool = Pool::start(&node, "db", PoolOptions { size: 1, ..PoolOptions::default() }, Conn::default)?;
    /// let lease = pool.checkout().wait()?;
    /// assert_eq!(lease.id(), "worker-0"); // its child id under the pool's supervisor
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id(&self) -> &str {
        &self.member.as_ref().expect("a lease holds its worker").id
    }

    /// Returns the worker to its pool (the same as dropping the lease).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let pool = Pool::start(&node, "db", PoolOptions::default(), Conn::default)?;
    /// let lease = pool.checkout().wait()?;
    /// lease.checkin();
    /// assert_eq!(pool.stats().checked_out, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn checkin(self) {
        drop(self);
    }
}

impl<A: Actor> Deref for Lease<A> {
    type Target = ActorRef<A>;
    fn deref(&self) -> &ActorRef<A> {
        self.worker()
    }
}

impl<A: Actor> Drop for Lease<A> {
    fn drop(&mut self) {
        if let Some(member) = self.member.take() {
            self.pool.release(member);
        }
    }
}

impl<A: Actor> fmt::Debug for Lease<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("pool", &self.pool.name)
            .field("worker", &self.member.as_ref().map(|m| &m.id))
            .finish()
    }
}

/// A pending checkout (see [`Pool::checkout`]), in one of three forms:
/// [`wait`](Checkout::wait) on a plain thread, [`then`](Checkout::then)
/// in a handler (the handler returns; the lease comes as one of its
/// actor's messages), or `.await` in async code.
///
/// From a handler on a node with one scheduler thread — a blocking
/// checkout there would hold the thread the workers need:
///
/// ```
/// use foundation::infrastructure::{Lease, Pool, PoolError, PoolOptions};
/// use foundation::{Actor, Context, Node};
/// use std::sync::mpsc;
///
/// struct Conn;
/// impl Actor for Conn {
///     type Msg = mpsc::Sender<&'static str>;
///     fn handle(&mut self, to: mpsc::Sender<&'static str>, _: &mut Context<Self>) {
///         to.send("served").unwrap();
///     }
/// }
///
/// struct Client(Pool<Conn>, mpsc::Sender<&'static str>);
/// impl Actor for Client {
///     type Msg = ();
///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
///         self.0.checkout().then(ctx, |client, _ctx, lease: Result<Lease<Conn>, PoolError>| {
///             lease.unwrap().send(client.1.clone()).unwrap();
///         });
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let pool = Pool::start(&node, "conns", PoolOptions { size: 1, ..PoolOptions::default() }, || Conn)?;
/// let (tx, rx) = mpsc::channel();
/// node.spawn(Client(pool, tx))?.send(())?;
/// assert_eq!(rx.recv()?, "served");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a checkout does nothing until `.wait()`, `.then(..)` or `.await`"]
pub struct Checkout<A: Actor> {
    pool: Arc<Inner<A>>,
    timeout: Duration,
}

impl<A: Actor> Checkout<A> {
    /// Waits at most `timeout` instead of the pool's default (zero: only
    /// a worker idle now will do; no overflow worker is started).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// use foundation::infrastructure::PoolError;
    /// use std::time::Duration;
    ///
    /// let pool = Pool::start(&node, "db", PoolOptions { size: 1, ..PoolOptions::default() }, Conn::default)?;
    /// let _busy = pool.checkout().wait()?;
    /// let waited = pool.checkout().timeout(Duration::from_millis(20)).wait();
    /// assert!(matches!(waited, Err(PoolError::Timeout { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Blocks this thread until a worker is lent or the timeout passes
    /// (on the node's clock).
    ///
    /// # Errors
    ///
    /// [`PoolError::Timeout`], [`PoolError::Stopped`], or
    /// [`PoolError::WouldBlock`] at once on a scheduler thread.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// use foundation::infrastructure::PoolError;
    ///
    /// let pool = Pool::start(&node, "db", PoolOptions::default(), Conn::default)?;
    /// let lease = pool.checkout().wait()?; // from a plain thread
    /// assert_eq!(lease.query()?, 1);
    ///
    /// // From a handler it would block a scheduler thread: refused.
    /// #[actor]
    /// struct Caller(Pool<Conn>);
    /// #[handlers]
    /// impl Caller {
    ///     pub fn try_wait(&self) -> bool {
    ///         matches!(self.0.checkout().wait(), Err(PoolError::WouldBlock))
    ///     }
    /// }
    /// let caller = node.spawn(Caller(pool.clone()))?;
    /// assert!(caller.try_wait()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait(self) -> Result<Lease<A>, PoolError> {
        if scheduler::on_any_scheduler() {
            return Err(PoolError::WouldBlock);
        }
        if self.timeout.is_zero() {
            return self.pool.take_now(self.timeout);
        }
        let slot = Slot::new();
        let deadline = blocking_deadline(&self.pool.shared().timers, &slot, self.timeout);
        self.pool.enqueue(Arc::clone(&slot));
        slot.wait_blocking(deadline)
            .map_err(|e| self.pool.error(e, self.timeout))
    }

    /// Continues the actor of `ctx` with the lease (or why none came) as
    /// one of its messages, once, unless that incarnation has ended (the
    /// lease is then checked in). The handler returns at once.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::infrastructure::{Pool, PoolOptions};
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Conn;
    /// # #[handlers]
    /// # impl Conn {
    /// #     pub fn query(&self) -> u32 { 1 }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// use std::sync::mpsc;
    ///
    /// #[actor]
    /// struct Caller {
    ///     pool: Pool<Conn>,
    ///     answers: mpsc::Sender<u32>,
    /// }
    /// #[handlers]
    /// impl Caller {
    ///     pub fn go(&mut self, ctx: &mut Context<Self>) {
    ///         self.pool.checkout().then(ctx, |_me: &mut Caller, ctx, lease| {
    ///             let lease = lease.expect("a worker");
    ///             let conn = lease.worker().clone();
    ///             ctx.request(&conn, ConnMsg::Query).then(move |me: &mut Caller, _, n| {
    ///                 let _ = me.answers.send(n.unwrap());
    ///                 drop(lease); // checked in once the answer is in
    ///             });
    ///         });
    ///     }
    /// }
    ///
    /// let pool = Pool::start(&node, "db", PoolOptions::default(), Conn::default)?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Caller { pool, answers: tx })?.go()?;
    /// assert_eq!(rx.recv()?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn then<B: Actor>(
        self,
        ctx: &Context<B>,
        continuation: impl FnOnce(&mut B, &mut Context<B>, Result<Lease<A>, PoolError>) + Send + 'static,
    ) {
        let deliver = continue_on(ctx, continuation);
        if self.timeout.is_zero() {
            deliver(self.pool.take_now(self.timeout));
            return;
        }
        let (pool, timeout) = (Arc::clone(&self.pool), self.timeout);
        let slot = Slot::with_callback(move |outcome: Outcome<Lease<A>>| {
            deliver(outcome.map_err(|e| pool.error(e, timeout)));
        });
        arm_timeout(&self.pool.shared().timers, &slot, self.timeout);
        self.pool.enqueue(slot);
    }
}

impl<A: Actor> IntoFuture for Checkout<A> {
    type Output = Result<Lease<A>, PoolError>;
    type IntoFuture = CheckoutFuture<A>;

    fn into_future(self) -> CheckoutFuture<A> {
        let slot = Slot::new();
        if self.timeout.is_zero() {
            let now = self.pool.take_now(self.timeout);
            let _ = slot.complete(now.map_err(|_| CallError::Timeout));
        } else {
            arm_timeout(&self.pool.shared().timers, &slot, self.timeout);
            self.pool.enqueue(Arc::clone(&slot));
        }
        CheckoutFuture {
            call: CallFuture::new(slot),
            pool: self.pool,
            timeout: self.timeout,
        }
    }
}

impl<A: Actor> fmt::Debug for Checkout<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checkout")
            .field("pool", &self.pool.name)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A checkout awaited from async code: `pool.checkout().await`. Any
/// executor will do; dropped before its lease came, the lease (if it
/// comes) is checked in.
///
/// ```
/// use foundation::infrastructure::{Pool, PoolOptions};
/// use foundation::{Actor, Context, Node};
///
/// struct Conn;
/// impl Actor for Conn {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let pool = Pool::start(&node, "conns", PoolOptions { size: 1, ..PoolOptions::default() }, || Conn)?;
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// let lease = rt.block_on(async { pool.checkout().await })?;
/// assert_eq!(lease.id(), "worker-0");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a future does nothing unless awaited"]
pub struct CheckoutFuture<A: Actor> {
    call: CallFuture<Lease<A>>,
    pool: Arc<Inner<A>>,
    timeout: Duration,
}

impl<A: Actor> Future for CheckoutFuture<A> {
    type Output = Result<Lease<A>, PoolError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> Poll<Self::Output> {
        let timeout = self.timeout;
        match Pin::new(&mut self.call).poll(cx) {
            Poll::Ready(outcome) => Poll::Ready(outcome.map_err(|e| self.pool.error(e, timeout))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<A: Actor> fmt::Debug for CheckoutFuture<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckoutFuture")
            .field("pool", &self.pool.name)
            .finish()
    }
}
