//! [`CircuitBreaker`]: closed, open, half-open, on the node's clock.

use core::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::InfrastructureError;
use crate::node::Node;
use crate::sync::lock;
use crate::timer::TimerService;

/// A breaker's state (see [`CircuitBreaker`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    /// Calls go through; failures in a row are counted.
    Closed,
    /// Calls are refused until the recovery time has passed.
    Open,
    /// The recovery time has passed: one trial call goes through; its
    /// success closes the breaker, its failure opens it again.
    HalfOpen,
}

impl fmt::Display for CircuitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CircuitState::Closed => "closed",
            CircuitState::Open => "open",
            CircuitState::HalfOpen => "half-open",
        })
    }
}

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { since: Duration },
    HalfOpen { trial: bool },
}

struct Inner {
    name: String,
    threshold: u32,
    recovery: Duration,
    timers: Arc<TimerService>,
    state: Mutex<State>,
}

/// A circuit breaker (the original's `CircuitBreaker`): after
/// `failure_threshold` failures in a row it opens and refuses calls for
/// `recovery_time` (on the node's clock: a [`ManualClock`](crate::ManualClock)
/// test never sleeps), then lets one trial call through (half-open):
/// success closes it, failure opens it again. Cheap to clone; clones are
/// the same breaker.
///
/// ```
/// use foundation::infrastructure::{BreakerError, CircuitBreaker, CircuitState};
/// use foundation::{ManualClock, Node};
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
/// let breaker = CircuitBreaker::new(&node, "payments", 2, Duration::from_secs(30))?;
/// let fail = || breaker.call(|| Err::<(), _>("down"));
/// assert!(matches!(fail(), Err(BreakerError::Failed("down"))));
/// assert!(matches!(fail(), Err(BreakerError::Failed("down"))));
/// assert_eq!(breaker.state(), CircuitState::Open);
/// assert!(matches!(fail(), Err(BreakerError::Open(_)))); // not even tried
///
/// clock.advance(Duration::from_secs(30));
/// assert_eq!(breaker.state(), CircuitState::HalfOpen);
/// assert_eq!(breaker.call(|| Ok::<_, ()>(7)).ok(), Some(7)); // the trial succeeds
/// assert_eq!(breaker.state(), CircuitState::Closed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CircuitBreaker {
    inner: Arc<Inner>,
}

impl CircuitBreaker {
    /// A closed breaker named `name` (for its errors) that opens after
    /// `failure_threshold` failures in a row and stays open for
    /// `recovery_time`.
    ///
    /// # Errors
    ///
    /// [`InfrastructureError::InvalidOption`] for a zero threshold.
    ///
    /// ```
    /// use foundation::infrastructure::{CircuitBreaker, CircuitState};
    /// use foundation::Node;
    /// use std::time::Duration;
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// // Opens after 5 failures in a row; tries again after 30 s.
    /// let breaker = CircuitBreaker::new(&node, "payments", 5, Duration::from_secs(30))?;
    /// assert_eq!(breaker.state(), CircuitState::Closed);
    /// assert!(CircuitBreaker::new(&node, "bad", 0, Duration::from_secs(30)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        node: &Node,
        name: impl Into<String>,
        failure_threshold: u32,
        recovery_time: Duration,
    ) -> Result<Self, InfrastructureError> {
        if failure_threshold == 0 {
            return Err(InfrastructureError::InvalidOption {
                option: "failure_threshold",
                reason: "a breaker opens after at least 1 failure".into(),
            });
        }
        Ok(CircuitBreaker {
            inner: Arc::new(Inner {
                name: name.into(),
                threshold: failure_threshold,
                recovery: recovery_time,
                timers: Arc::clone(&node.shared().timers),
                state: Mutex::new(State::Closed { failures: 0 }),
            }),
        })
    }

    /// The breaker's name.
    ///
    /// ```
    /// use foundation::infrastructure::CircuitBreaker;
    /// use std::time::Duration;
    ///
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let breaker = CircuitBreaker::new(&node, "payments", 5, Duration::from_secs(30))?;
    /// assert_eq!(breaker.name(), "payments");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Its state now (an open breaker whose recovery time has passed
    /// reads [`CircuitState::HalfOpen`]).
    ///
    /// ```
    /// use foundation::infrastructure::{CircuitBreaker, CircuitState};
    /// use foundation::{ManualClock, Node};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// let breaker = CircuitBreaker::new(&node, "db", 1, Duration::from_secs(10))?;
    /// let _ = breaker.call(|| Err::<(), _>("timeout"));
    /// assert_eq!(breaker.state(), CircuitState::Open);
    /// clock.advance(Duration::from_secs(10));
    /// assert_eq!(breaker.state(), CircuitState::HalfOpen); // the next call is a trial
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn state(&self) -> CircuitState {
        let now = self.inner.timers.now();
        match *lock(&self.inner.state) {
            State::Closed { .. } => CircuitState::Closed,
            State::Open { since } if now.saturating_sub(since) < self.inner.recovery => {
                CircuitState::Open
            }
            State::Open { .. } | State::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }

    /// Failures in a row while closed.
    ///
    /// ```
    /// # use foundation::infrastructure::CircuitBreaker;
    /// # let node = foundation::Node::builder().schedulers(1).start()?;
    /// let breaker = CircuitBreaker::new(&node, "db", 3, std::time::Duration::from_secs(1))?;
    /// let _ = breaker.call(|| Err::<(), _>("no"));
    /// assert_eq!(breaker.failures(), 1);
    /// breaker.reset();
    /// assert_eq!(breaker.failures(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn failures(&self) -> u32 {
        match *lock(&self.inner.state) {
            State::Closed { failures } => failures,
            _ => self.inner.threshold,
        }
    }

    /// Closes the breaker and forgets its failures.
    ///
    /// ```
    /// use foundation::infrastructure::{CircuitBreaker, CircuitState};
    /// use std::time::Duration;
    ///
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let breaker = CircuitBreaker::new(&node, "db", 1, Duration::from_secs(60))?;
    /// let _ = breaker.call(|| Err::<(), _>("down"));
    /// assert_eq!(breaker.state(), CircuitState::Open);
    /// breaker.reset(); // an operator knows the database is back
    /// assert_eq!(breaker.state(), CircuitState::Closed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reset(&self) {
        *lock(&self.inner.state) = State::Closed { failures: 0 };
    }

    /// Asks to make a call: a [`Permit`] to report its outcome with, or
    /// why not. A permit dropped without an outcome (the call panicked)
    /// counts as a failure.
    ///
    /// ```
    /// # use foundation::infrastructure::CircuitBreaker;
    /// # let node = foundation::Node::builder().schedulers(1).start()?;
    /// let breaker = CircuitBreaker::new(&node, "api", 1, std::time::Duration::from_secs(9))?;
    /// let permit = breaker.permit()?;
    /// permit.failure();
    /// assert!(breaker.permit().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CircuitOpen`] while open, or half-open with a trial under way.
    pub fn permit(&self) -> Result<Permit, CircuitOpen> {
        let now = self.inner.timers.now();
        let mut state = lock(&self.inner.state);
        let trial = match *state {
            State::Closed { .. } => false,
            State::Open { since } => {
                let open_for = now.saturating_sub(since);
                if open_for < self.inner.recovery {
                    return Err(self.open(self.inner.recovery - open_for));
                }
                *state = State::HalfOpen { trial: true };
                true
            }
            State::HalfOpen { trial: true } => return Err(self.open(Duration::ZERO)),
            State::HalfOpen { trial: false } => {
                *state = State::HalfOpen { trial: true };
                true
            }
        };
        Ok(Permit {
            breaker: self.clone(),
            trial,
            done: false,
        })
    }

    fn open(&self, retry_after: Duration) -> CircuitOpen {
        CircuitOpen {
            breaker: self.inner.name.clone(),
            retry_after,
        }
    }

    /// Runs `f` if the breaker allows it, and counts its outcome.
    ///
    /// # Errors
    ///
    /// [`BreakerError::Open`] without running `f`, or
    /// [`BreakerError::Failed`] with `f`'s error.
    ///
    /// ```
    /// use foundation::infrastructure::{BreakerError, CircuitBreaker};
    /// use std::time::Duration;
    ///
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let breaker = CircuitBreaker::new(&node, "geo", 2, Duration::from_secs(30))?;
    /// assert_eq!(breaker.call(|| Ok::<_, String>(42)), Ok(42));
    /// for _ in 0..2 {
    ///     let failed = breaker.call(|| Err::<u32, _>("503".to_string()));
    ///     assert_eq!(failed, Err(BreakerError::Failed("503".to_string())));
    /// }
    /// // Open: `f` is not called at all.
    /// assert!(matches!(breaker.call(|| Ok::<_, String>(42)), Err(BreakerError::Open(_))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn call<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, BreakerError<E>> {
        let permit = self.permit().map_err(BreakerError::Open)?;
        match f() {
            Ok(value) => {
                permit.success();
                Ok(value)
            }
            Err(error) => {
                permit.failure();
                Err(BreakerError::Failed(error))
            }
        }
    }

    fn report(&self, trial: bool, outcome: Outcome) {
        let now = self.inner.timers.now();
        let mut state = lock(&self.inner.state);
        *state = match (&*state, outcome) {
            (_, Outcome::Success) => State::Closed { failures: 0 },
            // A trial that ended with neither: another may go.
            (State::HalfOpen { .. }, Outcome::Neither) if trial => State::HalfOpen { trial: false },
            (_, Outcome::Neither) => return,
            (State::Closed { failures }, Outcome::Failure) => {
                let failures = failures + 1;
                if failures >= self.inner.threshold {
                    tracing::warn!(target: "foundation::infrastructure", breaker = %self.inner.name, failures, "circuit breaker {:?} opens after {failures} failures", self.inner.name);
                    State::Open { since: now }
                } else {
                    State::Closed { failures }
                }
            }
            (_, Outcome::Failure) => State::Open { since: now },
        };
    }
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("name", &self.inner.name)
            .field("state", &self.state())
            .field("threshold", &self.inner.threshold)
            .field("recovery", &self.inner.recovery)
            .finish()
    }
}

#[derive(Clone, Copy)]
enum Outcome {
    Success,
    Failure,
    Neither,
}

/// Leave to make one call through a [`CircuitBreaker`]; report how it
/// went with [`success`](Permit::success) or [`failure`](Permit::failure).
/// Dropped without either, it counts as a failure (the call panicked).
#[must_use = "a permit counts as a failure unless its outcome is reported"]
pub struct Permit {
    breaker: CircuitBreaker,
    trial: bool,
    done: bool,
}

impl Permit {
    /// The call succeeded (a trial's success closes the breaker).
    ///
    /// ```
    /// use foundation::infrastructure::{CircuitBreaker, CircuitState};
    /// use std::time::Duration;
    ///
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let breaker = CircuitBreaker::new(&node, "db", 3, Duration::from_secs(30))?;
    /// let permit = breaker.permit()?;
    /// // … the call, made by hand …
    /// permit.success();
    /// assert_eq!(breaker.failures(), 0);
    /// assert_eq!(breaker.state(), CircuitState::Closed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn success(mut self) {
        self.done = true;
        self.breaker.report(self.trial, Outcome::Success);
    }

    /// The call failed.
    ///
    /// ```
    /// use foundation::infrastructure::CircuitBreaker;
    /// use std::time::Duration;
    ///
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let breaker = CircuitBreaker::new(&node, "db", 3, Duration::from_secs(30))?;
    /// breaker.permit()?.failure();
    /// assert_eq!(breaker.failures(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn failure(mut self) {
        self.done = true;
        self.breaker.report(self.trial, Outcome::Failure);
    }

    /// The call did not happen after all (say, no worker came in time):
    /// neither outcome is counted, and a trial's place goes to the next.
    ///
    /// ```
    /// use foundation::infrastructure::CircuitBreaker;
    /// use std::time::Duration;
    ///
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let breaker = CircuitBreaker::new(&node, "db", 1, Duration::from_secs(30))?;
    /// // The call was never made (the caller gave up first): neither outcome counts.
    /// breaker.permit()?.release();
    /// assert_eq!(breaker.failures(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn release(mut self) {
        self.done = true;
        self.breaker.report(self.trial, Outcome::Neither);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.done {
            self.breaker.report(self.trial, Outcome::Failure);
        }
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("breaker", &self.breaker.inner.name)
            .field("trial", &self.trial)
            .finish()
    }
}

/// A breaker refused a call (see [`CircuitBreaker::permit`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("circuit breaker {breaker:?} is open; retry after {retry_after:?}")]
pub struct CircuitOpen {
    /// The breaker's name.
    pub breaker: String,
    /// Until it lets a trial through (zero: half-open, a trial is under
    /// way).
    pub retry_after: Duration,
}

/// Why [`CircuitBreaker::call`] returned no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BreakerError<E> {
    /// The breaker is open: the call was not made.
    #[error(transparent)]
    Open(CircuitOpen),
    /// The call failed (and was counted).
    #[error("the protected call failed: {0}")]
    Failed(E),
}
