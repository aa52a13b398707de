//! [`execute_protected`]: rate limit, then breaker, then pool, then the
//! call.

use core::fmt;
use core::future::{Future, IntoFuture};
use core::pin::Pin;

use super::breaker::{CircuitBreaker, CircuitOpen, Permit};
use super::pool::{Lease, Pool, PoolError};
use super::rate_limit::{RateLimited, RateLimiter};
use crate::actor::{Actor, ActorRef, Context};
use crate::call::request::continue_on;

/// The worker type of a [`Protection`] without a pool: an actor never
/// spawned, named only to fill the type parameter.
#[derive(Debug)]
pub struct NoWorker;

// Never offered in "these types implement `Actor`" hints: it is no
// program's actor.
#[diagnostic::do_not_recommend]
impl Actor for NoWorker {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {}
}

/// What [`execute_protected`] applies, in order: a rate limiter (checked
/// under the call's key), a circuit breaker, a pool of workers. Any may
/// be left out.
///
/// ```
/// use foundation::infrastructure::{CircuitBreaker, Protection, RateLimiter};
/// # use std::time::Duration;
/// # let node = foundation::Node::builder().schedulers(1).start()?;
/// let protection = Protection::unpooled()
///     .rate_limiter(&RateLimiter::new(&node, 100, Duration::from_secs(1))?)
///     .breaker(&CircuitBreaker::new(&node, "search", 5, Duration::from_secs(30))?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Protection<A: Actor = NoWorker> {
    limiter: Option<RateLimiter>,
    breaker: Option<CircuitBreaker>,
    pool: Option<Pool<A>>,
}

impl Protection<NoWorker> {
    /// Protection without a pool: the protected function gets `None` for
    /// its worker.
    ///
    /// ```
    /// use foundation::infrastructure::{execute_protected, Protection};
    ///
    /// // Nothing to apply yet: the call just runs, with no worker.
    /// let protection = Protection::unpooled();
    /// let out = execute_protected("k", &protection, |worker| {
    ///     assert!(worker.is_none());
    ///     Ok::<_, String>(3)
    /// })
    /// .wait();
    /// assert_eq!(out, Ok(3));
    /// ```
    pub fn unpooled() -> Self {
        Protection {
            limiter: None,
            breaker: None,
            pool: None,
        }
    }
}

impl<A: Actor> Protection<A> {
    /// Protection whose calls each check a worker out of `pool`.
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
    /// use foundation::infrastructure::{execute_protected, Protection};
    ///
    /// let pool = Pool::start(&node, "db", PoolOptions::default(), Conn::default)?;
    /// let protection = Protection::pooled(&pool);
    /// let out = execute_protected("k", &protection, |conn| conn.expect("pooled").query()).wait();
    /// assert_eq!(out, Ok(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pooled(pool: &Pool<A>) -> Self {
        Protection {
            limiter: None,
            breaker: None,
            pool: Some(pool.clone()),
        }
    }

    /// Checks `limiter` first, under the call's key.
    ///
    /// ```
    /// use foundation::infrastructure::{execute_protected, ProtectedError, Protection, RateLimiter};
    /// use std::time::Duration;
    ///
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let limiter = RateLimiter::new(&node, 1, Duration::from_secs(60))?;
    /// let protection = Protection::unpooled().rate_limiter(&limiter);
    /// assert!(execute_protected("ada", &protection, |_| Ok::<_, String>(())).wait().is_ok());
    /// let again = execute_protected("ada", &protection, |_| Ok::<_, String>(())).wait();
    /// assert!(matches!(again, Err(ProtectedError::RateLimited(_))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rate_limiter(mut self, limiter: &RateLimiter) -> Self {
        self.limiter = Some(limiter.clone());
        self
    }

    /// Then asks `breaker`, which counts the call's outcome.
    ///
    /// ```
    /// use foundation::infrastructure::{execute_protected, CircuitBreaker, CircuitState, Protection};
    /// use std::time::Duration;
    ///
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let breaker = CircuitBreaker::new(&node, "api", 1, Duration::from_secs(30))?;
    /// let protection = Protection::unpooled().breaker(&breaker);
    /// let _ = execute_protected("k", &protection, |_| Err::<(), _>("502")).wait();
    /// assert_eq!(breaker.state(), CircuitState::Open);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn breaker(mut self, breaker: &CircuitBreaker) -> Self {
        self.breaker = Some(breaker.clone());
        self
    }
}

impl<A: Actor> Clone for Protection<A> {
    fn clone(&self) -> Self {
        Protection {
            limiter: self.limiter.clone(),
            breaker: self.breaker.clone(),
            pool: self.pool.clone(),
        }
    }
}

impl<A: Actor> fmt::Debug for Protection<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Protection")
            .field("rate_limiter", &self.limiter)
            .field("breaker", &self.breaker)
            .field("pool", &self.pool)
            .finish()
    }
}

/// Why a protected call returned no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtectedError<E> {
    /// The key is over its rate limit: nothing else was tried.
    #[error(transparent)]
    RateLimited(RateLimited),
    /// The breaker is open: no worker was checked out, nothing was called.
    #[error(transparent)]
    CircuitOpen(CircuitOpen),
    /// No worker came (not counted by the breaker).
    #[error(transparent)]
    Pool(PoolError),
    /// The call itself failed (counted by the breaker).
    #[error("the protected call failed: {0}")]
    Failed(E),
}

/// Runs `f` under `protection` (the original's
/// `Infrastructure.execute_protected`): the rate limit for `key` is
/// checked, then the breaker asked, then a worker checked out of the pool
/// (if any), and `f` called with it; its outcome goes to the breaker
/// (an `Err`, or a panic, counts as a failure) and the worker back to
/// the pool. Waiting for a worker comes in three forms, as a checkout's
/// ([`Protected`]).
///
/// ```
/// use foundation::infrastructure::{
///     execute_protected, CircuitBreaker, ProtectedError, Protection, RateLimiter,
/// };
/// use foundation::{ManualClock, Node};
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
/// let protection = Protection::unpooled()
///     .rate_limiter(&RateLimiter::new(&node, 10, Duration::from_secs(1))?)
///     .breaker(&CircuitBreaker::new(&node, "weather", 1, Duration::from_secs(60))?);
///
/// let ok = execute_protected("city-1", &protection, |_| Ok::<_, String>(21)).wait();
/// assert_eq!(ok, Ok(21));
/// let failed = execute_protected("city-1", &protection, |_| Err::<i32, _>("upstream 502".to_string())).wait();
/// assert!(matches!(failed, Err(ProtectedError::Failed(_))));
/// // One failure trips this breaker: the next call is not made.
/// let refused = execute_protected("city-1", &protection, |_| Ok::<_, String>(21)).wait();
/// assert!(matches!(refused, Err(ProtectedError::CircuitOpen(_))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn execute_protected<'a, A, T, E, F>(
    key: &str,
    protection: &'a Protection<A>,
    f: F,
) -> Protected<'a, A, F>
where
    A: Actor,
    F: FnOnce(Option<&ActorRef<A>>) -> Result<T, E>,
{
    Protected {
        key: key.to_string(),
        protection,
        f,
    }
}

/// A pending protected call (see [`execute_protected`]):
/// [`wait`](Protected::wait) runs it on this thread (refused on a
/// scheduler thread only when it would wait for a worker),
/// [`then`](Protected::then) runs it as one of a handler's actor's
/// messages, `.await` in async code.
#[must_use = "a protected call does nothing until `.wait()`, `.then(..)` or `.await`"]
pub struct Protected<'a, A: Actor, F> {
    key: String,
    protection: &'a Protection<A>,
    f: F,
}

/// The checks made before any waiting: the rate limit, then the breaker.
fn admit<A: Actor, E>(
    key: &str,
    protection: &Protection<A>,
) -> Result<Option<Permit>, ProtectedError<E>> {
    if let Some(limiter) = &protection.limiter {
        limiter.check(key).map_err(ProtectedError::RateLimited)?;
    }
    protection
        .breaker
        .as_ref()
        .map(|b| b.permit().map_err(ProtectedError::CircuitOpen))
        .transpose()
}

/// Calls `f` with the worker and reports its outcome to the breaker.
fn run<A: Actor, T, E>(
    f: impl FnOnce(Option<&ActorRef<A>>) -> Result<T, E>,
    permit: Option<Permit>,
    lease: Option<Result<Lease<A>, PoolError>>,
) -> Result<T, ProtectedError<E>> {
    let lease = match lease.transpose() {
        Ok(lease) => lease,
        Err(error) => {
            if let Some(permit) = permit {
                permit.release();
            }
            return Err(ProtectedError::Pool(error));
        }
    };
    // A panic in `f` drops the permit unreported: a failure.
    let out = f(lease.as_deref());
    drop(lease);
    match (out, permit) {
        (Ok(value), permit) => {
            if let Some(permit) = permit {
                permit.success();
            }
            Ok(value)
        }
        (Err(error), permit) => {
            if let Some(permit) = permit {
                permit.failure();
            }
            Err(ProtectedError::Failed(error))
        }
    }
}

impl<A, T, E, F> Protected<'_, A, F>
where
    A: Actor,
    F: FnOnce(Option<&ActorRef<A>>) -> Result<T, E>,
{
    /// Runs the call on this thread, waiting for a worker if there is a
    /// pool.
    ///
    /// # Errors
    ///
    /// [`ProtectedError`]: rate limited, breaker open, no worker
    /// (a timeout, a stopped pool, or [`PoolError::WouldBlock`] on a
    /// scheduler thread with a pool), or the call's own error.
    ///
    /// ```
    /// use foundation::infrastructure::{execute_protected, ProtectedError, Protection};
    ///
    /// let protection = Protection::unpooled();
    /// let failed = execute_protected("k", &protection, |_| Err::<u32, _>("bad input")).wait();
    /// assert_eq!(failed, Err(ProtectedError::Failed("bad input")));
    /// ```
    pub fn wait(self) -> Result<T, ProtectedError<E>> {
        let permit = admit(&self.key, self.protection)?;
        let lease = self.protection.pool.as_ref().map(|p| p.checkout().wait());
        run(self.f, permit, lease)
    }

    /// Runs the call as one of the actor of `ctx`'s messages, once a
    /// worker is lent, and continues it with the outcome; the handler
    /// returns at once. Refusals (rate limit, open breaker) come the same
    /// way.
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
    /// use foundation::infrastructure::{execute_protected, Protection};
    /// use std::sync::mpsc;
    ///
    /// #[actor]
    /// struct Front {
    ///     protection: Protection<Conn>,
    ///     answers: mpsc::Sender<bool>,
    /// }
    /// #[handlers]
    /// impl Front {
    ///     pub fn go(&mut self, ctx: &mut Context<Self>) {
    ///         // Runs as one of this actor's messages, once a worker is lent
    ///         // (a blocking call to the worker would be refused here: send
    ///         // to it, or `ctx.request` it).
    ///         execute_protected("k", &self.protection, |conn| {
    ///             Ok::<_, String>(conn.expect("pooled").is_alive())
    ///         })
    ///         .then(ctx, |me: &mut Front, _ctx, outcome| {
    ///             let _ = me.answers.send(outcome == Ok(true));
    ///         });
    ///     }
    /// }
    /// let pool = Pool::start(&node, "db", PoolOptions::default(), Conn::default)?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Front { protection: Protection::pooled(&pool), answers: tx })?.go()?;
    /// assert!(rx.recv()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn then<B: Actor>(
        self,
        ctx: &Context<B>,
        continuation: impl FnOnce(&mut B, &mut Context<B>, Result<T, ProtectedError<E>>)
        + Send
        + 'static,
    ) where
        F: Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let f = self.f;
        match admit::<A, E>(&self.key, self.protection) {
            Err(refused) => continue_on(ctx, continuation)(Err(refused)),
            Ok(permit) => match &self.protection.pool {
                Some(pool) => pool.checkout().then(ctx, move |actor, ctx, lease| {
                    continuation(actor, ctx, run(f, permit, Some(lease)));
                }),
                None => continue_on(ctx, move |actor, ctx, ()| {
                    continuation(actor, ctx, run(f, permit, None));
                })(()),
            },
        }
    }
}

impl<'a, A, T, E, F> IntoFuture for Protected<'a, A, F>
where
    A: Actor,
    F: FnOnce(Option<&ActorRef<A>>) -> Result<T, E> + Send + 'a,
    T: Send + 'a,
    E: Send + 'a,
{
    type Output = Result<T, ProtectedError<E>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        let admitted = admit::<A, E>(&self.key, self.protection);
        let checkout = self.protection.pool.as_ref().map(Pool::checkout);
        let f = self.f;
        Box::pin(async move {
            let permit = admitted?;
            let lease = match checkout {
                Some(checkout) => Some(checkout.await),
                None => None,
            };
            run(f, permit, lease)
        })
    }
}

impl<A: Actor, F> fmt::Debug for Protected<'_, A, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Protected")
            .field("key", &self.key)
            .field("protection", self.protection)
            .finish()
    }
}
