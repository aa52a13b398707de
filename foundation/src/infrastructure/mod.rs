//! Infrastructure (the 1.x services' `Infrastructure`, ADR 0012 §4):
//! protection for calls to what may fail or be overwhelmed — a keyed
//! [`RateLimiter`] (the `governor` crate's GCRA on the node's clock), a
//! [`CircuitBreaker`] (closed, open, half-open, on the node's clock), a
//! [`Pool`] of supervised worker actors with checkout and checkin, and
//! [`execute_protected`], which applies them in that order.
//!
//! Everything timed reads the node's [clock](crate::Node::now): with a
//! [`ManualClock`](crate::ManualClock), a test moves the limiter's budget,
//! the breaker's recovery and a checkout's timeout by advancing it, and
//! never sleeps. Whatever waits for a worker comes in the three forms of
//! [`wait_for_service`](crate::ServiceRegistry::wait_for_service):
//! `.wait()` on a plain thread (refused at once on a scheduler thread),
//! `.then(ctx, ..)` in a handler, `.await` in async code.
//!
//! ```
//! use foundation::infrastructure::{
//!     execute_protected, CircuitBreaker, Pool, PoolOptions, ProtectedError, Protection, RateLimiter,
//! };
//! use foundation::{Actor, Context, Node, ReplyTo};
//! use std::time::Duration;
//!
//! /// A connection to a flaky upstream.
//! struct Upstream;
//! impl Actor for Upstream {
//!     type Msg = (u32, ReplyTo<Result<u32, String>>);
//!     fn handle(&mut self, (n, reply): Self::Msg, _: &mut Context<Self>) {
//!         let _ = reply.reply(if n % 2 == 0 { Ok(n / 2) } else { Err(format!("{n} is odd")) });
//!     }
//! }
//!
//! let node = Node::builder().schedulers(2).start()?;
//! let pool = Pool::start(&node, "upstream", PoolOptions { size: 2, ..PoolOptions::default() }, || Upstream)?;
//! let protection = Protection::pooled(&pool)
//!     .rate_limiter(&RateLimiter::new(&node, 100, Duration::from_secs(1))?)
//!     .breaker(&CircuitBreaker::new(&node, "upstream", 3, Duration::from_secs(30))?);
//!
//! let half = |n: u32| {
//!     execute_protected("client-a", &protection, move |conn| {
//!         conn.unwrap().call(|r| (n, r), Duration::from_secs(5)).map_err(|e| e.to_string())?
//!     })
//!     .wait()
//! };
//! assert_eq!(half(8), Ok(4));
//! assert!(matches!(half(3), Err(ProtectedError::Failed(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod breaker;
mod pool;
mod protect;
mod rate_limit;

pub use breaker::{BreakerError, CircuitBreaker, CircuitOpen, CircuitState, Permit};
pub use pool::{Checkout, CheckoutFuture, Lease, Pool, PoolError, PoolOptions, PoolStats};
pub use protect::{NoWorker, Protected, ProtectedError, Protection, execute_protected};
pub use rate_limit::{RateLimited, RateLimiter};

/// Infrastructure that could not be built.
///
/// ```
/// use foundation::infrastructure::{InfrastructureError, RateLimiter};
/// use foundation::{Error, ErrorCategory};
/// use std::time::Duration;
///
/// let node = foundation::Node::builder().schedulers(1).start()?;
/// let refused = RateLimiter::new(&node, 0, Duration::from_secs(1)).unwrap_err();
/// assert!(matches!(refused, InfrastructureError::InvalidOption { option: "rate limit", .. }));
/// assert_eq!(Error::from(refused).category(), ErrorCategory::Config);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InfrastructureError {
    /// An option out of range.
    #[error("invalid {option}: {reason}")]
    InvalidOption {
        /// The option.
        option: &'static str,
        /// What is allowed.
        reason: String,
    },
    /// Workers that could not start.
    #[error("{what} could not start: {reason}")]
    Start {
        /// What was starting.
        what: String,
        /// Why it did not.
        reason: String,
    },
}

mod convert {
    //! The infrastructure's errors into the umbrella [`Error`] (refusals
    //! 42xx, category external: what they guard is outside the program),
    //! with the delay the limiter or breaker gives as the retry strategy.

    use super::{CircuitOpen, InfrastructureError, PoolError, ProtectedError, RateLimited};
    use crate::error::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};

    fn external(
        number: u32,
        name: &'static str,
        severity: Severity,
        retry: RetryStrategy,
        message: String,
    ) -> Error {
        Error::new(
            ErrorCode::new(number, name),
            ErrorCategory::External,
            message,
        )
        .with_severity(severity)
        .with_retry(retry)
    }

    impl From<RateLimited> for Error {
        fn from(error: RateLimited) -> Self {
            let retry = RetryStrategy::FixedDelay(error.retry_after);
            external(
                4201,
                "infrastructure.rate_limited",
                Severity::Low,
                retry,
                error.to_string(),
            )
            .with_detail("key", &error.key)
        }
    }

    impl From<CircuitOpen> for Error {
        fn from(error: CircuitOpen) -> Self {
            let retry = RetryStrategy::FixedDelay(error.retry_after);
            external(
                4202,
                "infrastructure.circuit_open",
                Severity::Medium,
                retry,
                error.to_string(),
            )
            .with_detail("breaker", &error.breaker)
        }
    }

    impl From<PoolError> for Error {
        fn from(error: PoolError) -> Self {
            let (number, name, severity, retry) = match &error {
                PoolError::Timeout { .. } => (
                    4203,
                    "pool.timeout",
                    Severity::Medium,
                    RetryStrategy::BACKOFF,
                ),
                PoolError::WouldBlock => (
                    4204,
                    "pool.would_block",
                    Severity::High,
                    RetryStrategy::None,
                ),
                PoolError::Stopped { .. } => {
                    (4205, "pool.stopped", Severity::Medium, RetryStrategy::None)
                }
            };
            external(number, name, severity, retry, error.to_string())
        }
    }

    impl From<InfrastructureError> for Error {
        fn from(error: InfrastructureError) -> Self {
            let (number, name, category) = match &error {
                InfrastructureError::InvalidOption { .. } => {
                    (1401, "infrastructure.invalid_option", ErrorCategory::Config)
                }
                InfrastructureError::Start { .. } => {
                    (2411, "infrastructure.start", ErrorCategory::System)
                }
            };
            Error::new(ErrorCode::new(number, name), category, error.to_string())
                .with_severity(Severity::High)
                .with_retry(RetryStrategy::None)
        }
    }

    /// A refusal becomes its own code; the call's own error converts as
    /// itself.
    impl<E: Into<Error>> From<ProtectedError<E>> for Error {
        fn from(error: ProtectedError<E>) -> Self {
            match error {
                ProtectedError::RateLimited(e) => e.into(),
                ProtectedError::CircuitOpen(e) => e.into(),
                ProtectedError::Pool(e) => e.into(),
                ProtectedError::Failed(e) => e.into(),
            }
        }
    }
}
