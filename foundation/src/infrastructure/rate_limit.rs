//! [`RateLimiter`]: `governor`'s keyed GCRA limiter on the node's clock.

use core::fmt;
use core::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock as GovernorClock;
use governor::state::keyed::DefaultKeyedStateStore;

use super::InfrastructureError;
use crate::node::Node;
use crate::timer::TimerService;

/// The node's clock as `governor` reads it: the time since the node
/// started, or a [`ManualClock`](crate::ManualClock)'s — so a test moves
/// the limiter's time with the clock, and never sleeps.
#[derive(Clone)]
struct NodeClock(Arc<TimerService>);

impl GovernorClock for NodeClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.0.now()
    }
}

type Limiter = governor::RateLimiter<
    String,
    DefaultKeyedStateStore<String>,
    NodeClock,
    governor::middleware::NoOpMiddleware<Duration>,
>;

/// A keyed rate limiter (the original's `RateLimiter`): at most `limit`
/// operations per `per` for each key, with bursts up to `limit` — the
/// generic cell rate algorithm of the `governor` crate, on the node's
/// [clock](crate::Node::now). Cheap to clone; clones share the budget.
///
/// ```
/// use foundation::infrastructure::RateLimiter;
/// use foundation::{ManualClock, Node};
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
/// let limiter = RateLimiter::new(&node, 2, Duration::from_secs(60))?;
/// assert!(limiter.check("user-1").is_ok());
/// assert!(limiter.check("user-1").is_ok());
/// let refused = limiter.check("user-1").unwrap_err();
/// assert_eq!(refused.retry_after, Duration::from_secs(30)); // one more each 30 s
/// assert!(limiter.check("user-2").is_ok()); // each key has its own budget
/// clock.advance(Duration::from_secs(30));
/// assert!(limiter.check("user-1").is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    limiter: Arc<Limiter>,
    limit: u32,
    per: Duration,
}

impl RateLimiter {
    /// A limiter allowing `limit` operations per `per` for each key.
    ///
    /// # Errors
    ///
    /// [`InfrastructureError::InvalidOption`] for a zero `limit` or `per`.
    ///
    /// ```
    /// use foundation::infrastructure::RateLimiter;
    /// use std::time::Duration;
    ///
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// // 100 requests a minute per client.
    /// let limiter = RateLimiter::new(&node, 100, Duration::from_secs(60))?;
    /// assert!(limiter.check("client-7").is_ok());
    /// assert!(RateLimiter::new(&node, 0, Duration::from_secs(60)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(node: &Node, limit: u32, per: Duration) -> Result<Self, InfrastructureError> {
        let invalid = |reason: &str| InfrastructureError::InvalidOption {
            option: "rate limit",
            reason: reason.to_string(),
        };
        let burst =
            NonZeroU32::new(limit).ok_or_else(|| invalid("the limit must be at least 1"))?;
        let quota = governor::Quota::with_period(per / limit)
            .ok_or_else(|| {
                invalid("the period, divided by the limit, must be at least a nanosecond")
            })?
            .allow_burst(burst);
        let clock = NodeClock(Arc::clone(&node.shared().timers));
        Ok(RateLimiter {
            limiter: Arc::new(Limiter::new(
                quota,
                DefaultKeyedStateStore::default(),
                clock,
            )),
            limit,
            per,
        })
    }

    /// Takes one operation from `key`'s budget.
    ///
    /// # Errors
    ///
    /// [`RateLimited`], with the time until the next operation is allowed,
    /// if `key` has spent its budget.
    ///
    /// ```
    /// use foundation::infrastructure::RateLimiter;
    /// use foundation::{ManualClock, Node};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// let limiter = RateLimiter::new(&node, 2, Duration::from_secs(1))?;
    /// limiter.check("ada")?;
    /// limiter.check("ada")?;
    /// let limited = limiter.check("ada").unwrap_err();
    /// assert!(limited.retry_after <= Duration::from_secs(1));
    /// limiter.check("grace")?; // each key has its own budget
    /// clock.advance(limited.retry_after);
    /// limiter.check("ada")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self, key: &str) -> Result<(), RateLimited> {
        self.limiter
            .check_key(&key.to_string())
            .map_err(|not_until| RateLimited {
                key: key.to_string(),
                limit: self.limit,
                per: self.per,
                retry_after: not_until.wait_time_from(self.limiter.clock().now()),
            })
    }

    /// Forgets the keys whose budget is full again (the limiter keeps one
    /// small entry per key it has seen until then).
    ///
    /// ```
    /// # use foundation::infrastructure::RateLimiter;
    /// # let node = foundation::Node::builder().schedulers(1).start()?;
    /// let limiter = RateLimiter::new(&node, 10, std::time::Duration::from_secs(1))?;
    /// limiter.check("k")?;
    /// assert_eq!(limiter.keys(), 1);
    /// limiter.forget_idle_keys();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn forget_idle_keys(&self) {
        self.limiter.retain_recent();
    }

    /// Keys the limiter holds an entry for.
    ///
    /// ```
    /// use foundation::infrastructure::RateLimiter;
    /// use std::time::Duration;
    ///
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let limiter = RateLimiter::new(&node, 10, Duration::from_secs(1))?;
    /// limiter.check("a")?;
    /// limiter.check("b")?;
    /// assert_eq!(limiter.keys(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keys(&self) -> usize {
        self.limiter.len()
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limit", &self.limit)
            .field("per", &self.per)
            .finish()
    }
}

/// A key over its rate limit (see [`RateLimiter::check`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rate limit exceeded for {key:?} ({limit} per {per:?}); retry after {retry_after:?}")]
pub struct RateLimited {
    /// The key.
    pub key: String,
    /// Its limit…
    pub limit: u32,
    /// …per this period.
    pub per: Duration,
    /// When the next operation would be allowed.
    pub retry_after: Duration,
}
