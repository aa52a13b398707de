//! The umbrella error of the 1.x services: [`Error`], with its code,
//! category, severity, context, correlation id and retry strategy (ADR
//! 0011). Every narrow error of the runtime converts into it
//! (`error/convert.rs`).

use core::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What kind of thing went wrong — the first question an operator asks.
///
/// ```
/// use foundation::{CallError, Error, ErrorCategory};
///
/// assert_eq!(Error::from(CallError::Timeout).category(), ErrorCategory::System);
/// assert_eq!(ErrorCategory::Config.to_string(), "config");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCategory {
    /// A setting is missing, out of range or not allowed to change.
    Config,
    /// The runtime: actors, mailboxes, threads, the node.
    System,
    /// The data an operation was given: a name, an id, bytes to decode.
    Data,
    /// Something outside the process: a service, a connection, a future
    /// run for a handler.
    External,
}

impl fmt::Display for ErrorCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorCategory::Config => "config",
            ErrorCategory::System => "system",
            ErrorCategory::Data => "data",
            ErrorCategory::External => "external",
        })
    }
}

/// How bad it is, from `Low` (expected, handled) to `Critical` (the
/// process or node cannot go on as it was).
///
/// ```
/// use foundation::Severity;
///
/// assert!(Severity::Low < Severity::Critical);
/// assert_eq!(Severity::High.to_string(), "high");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Expected in normal operation (a lookup that found nothing).
    Low,
    /// An operation failed; the system is fine.
    Medium,
    /// A component failed (an actor panicked, a call deadlocked).
    High,
    /// The node cannot go on as it was (a thread could not start).
    Critical,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        })
    }
}

/// Whether, and when, an operation that failed may be tried again.
///
/// ```
/// use foundation::RetryStrategy;
/// use std::time::Duration;
///
/// let backoff = RetryStrategy::ExponentialBackoff {
///     base: Duration::from_millis(10),
///     max: Duration::from_millis(100),
/// };
/// assert_eq!(backoff.delay(0), Some(Duration::from_millis(10)));
/// assert_eq!(backoff.delay(2), Some(Duration::from_millis(40)));
/// assert_eq!(backoff.delay(10), Some(Duration::from_millis(100)));
/// assert_eq!(RetryStrategy::None.delay(0), None);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryStrategy {
    /// Trying again cannot help (the actor has stopped, the input is
    /// wrong).
    None,
    /// Try again now.
    Immediate,
    /// Try again after the same delay each time.
    FixedDelay(Duration),
    /// Try again after `base`, then twice that, and so on, never more
    /// than `max`.
    ExponentialBackoff {
        /// The first delay.
        base: Duration,
        /// The longest delay.
        max: Duration,
    },
}

impl RetryStrategy {
    /// The backoff the runtime's own retryable errors use: 10 ms, doubling,
    /// at most 1 s.
    ///
    /// ```
    /// use foundation::RetryStrategy;
    /// assert!(RetryStrategy::BACKOFF.is_retryable());
    /// ```
    pub const BACKOFF: RetryStrategy = RetryStrategy::ExponentialBackoff {
        base: Duration::from_millis(10),
        max: Duration::from_secs(1),
    };

    /// Whether trying again may succeed.
    ///
    /// ```
    /// use foundation::RetryStrategy;
    /// assert!(RetryStrategy::Immediate.is_retryable());
    /// assert!(!RetryStrategy::None.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        !matches!(self, RetryStrategy::None)
    }

    /// How long to wait before try number `attempt + 1` (`attempt` counts
    /// the retries made so far, from 0); `None` if no retry should be made.
    ///
    /// ```
    /// use foundation::RetryStrategy;
    /// use std::time::Duration;
    ///
    /// let fixed = RetryStrategy::FixedDelay(Duration::from_secs(1));
    /// assert_eq!(fixed.delay(7), Some(Duration::from_secs(1)));
    /// assert_eq!(RetryStrategy::Immediate.delay(3), Some(Duration::ZERO));
    /// ```
    pub fn delay(&self, attempt: u32) -> Option<Duration> {
        match *self {
            RetryStrategy::None => None,
            RetryStrategy::Immediate => Some(Duration::ZERO),
            RetryStrategy::FixedDelay(delay) => Some(delay),
            RetryStrategy::ExponentialBackoff { base, max } => {
                let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
                Some(base.saturating_mul(factor).min(max))
            }
        }
    }
}

/// A stable error code: a number that never changes meaning, and the
/// dotted name it goes by (`"call.timeout"`). The thousands say the
/// category: 1xxx config, 2xxx system, 3xxx data, 4xxx external; the
/// runtime's own codes are listed on [`Error`].
///
/// ```
/// use foundation::{CallError, Error};
///
/// let code = Error::from(CallError::Timeout).code();
/// assert_eq!((code.number(), code.name()), (2201, "call.timeout"));
/// assert_eq!(code.to_string(), "2201 call.timeout");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorCode {
    number: u32,
    name: &'static str,
}

impl ErrorCode {
    /// A code of your own: use numbers from 10000 up, clear of the
    /// runtime's.
    ///
    /// ```
    /// use foundation::ErrorCode;
    /// const PAYMENT_DECLINED: ErrorCode = ErrorCode::new(14001, "payment.declined");
    /// assert_eq!(PAYMENT_DECLINED.number(), 14001);
    /// ```
    pub const fn new(number: u32, name: &'static str) -> Self {
        ErrorCode { number, name }
    }

    /// The number.
    ///
    /// ```
    /// use foundation::ErrorCode;
    ///
    /// assert_eq!(ErrorCode::new(14001, "payment.declined").number(), 14001);
    /// ```
    pub const fn number(&self) -> u32 {
        self.number
    }

    /// The dotted name.
    ///
    /// ```
    /// use foundation::ErrorCode;
    ///
    /// assert_eq!(ErrorCode::new(14001, "payment.declined").name(), "payment.declined");
    /// ```
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.number, self.name)
    }
}

/// The umbrella error: every narrow error of the runtime converts into it
/// (`?` does the conversion), and so can a program's own. It carries a
/// stable [code](ErrorCode), a [category](ErrorCategory), a
/// [severity](Severity), a message, context (key–value pairs, and the
/// breadcrumbs of an [`ErrorContext`](crate::ErrorContext)), an optional
/// correlation id and a [retry strategy](RetryStrategy) that tells the
/// truth: a timeout or a full mailbox may be retried; a stopped actor or a
/// deadlock may not.
///
/// A conversion keeps the narrow error's reason, never its payload: a
/// refused message (`SendError<M>`, `NamedSendError<M>`) is dropped with
/// it. Code that needs the message back matches the narrow error first,
/// and converts what is left.
///
/// ```
/// use foundation::{Actor, CallError, Context, Error, ErrorCategory, Node, ReplyTo};
/// use std::time::Duration;
///
/// struct Sleepy(Vec<ReplyTo<u32>>);
/// impl Actor for Sleepy {
///     type Msg = ReplyTo<u32>;
///     fn handle(&mut self, reply: ReplyTo<u32>, _: &mut Context<Self>) {
///         self.0.push(reply); // never answers
///     }
/// }
///
/// fn ask(node: &Node) -> foundation::Result<u32> {
///     let sleepy = node.spawn(Sleepy(Vec::new()))?;
///     Ok(sleepy.call(|r| r, Duration::from_millis(10))?)
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let error = ask(&node).unwrap_err();
/// assert_eq!(error.code().name(), "call.timeout");
/// assert_eq!(error.category(), ErrorCategory::System);
/// assert!(error.is_retryable());
/// assert!(error.retry_delay(0).is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// The runtime's codes:
///
/// | code | from |
/// |---|---|
/// | 1101 `config.invalid_node_setting` | `NodeError::InvalidConfig` |
/// | 1201 `config.invalid_actor_option` | `SpawnError::InvalidOptions` |
/// | 21xx `send.*` | `SendError`: closed, full, no_credit, overloaded, timeout, would_block |
/// | 22xx `call.*` | `CallError`: timeout, stopped, panicked, dropped, deadlock, overloaded |
/// | 2301, 2302, 3301 `spawn.*` | `SpawnError`: node_shutdown, thread, name |
/// | 24xx `node.*` | `NodeError::ThreadSpawn` |
/// | 25xx `shutdown.*` | `ShutdownError::Timeout` |
/// | 26xx `link.*` | `LinkError`: not_alive, stale |
/// | 27xx `supervisor.*` | `SupervisorError` |
/// | 28xx, 38xx `registry.*` | `RegisterError`, `LookupError`, `NamedSendError` |
/// | 29xx, 39xx `group.*` | `GroupError` |
/// | 2950–2999, 3950–3999 `service.*` | `ServiceError` (the service registry) |
/// | 2001 `panic` | a panic caught by `ErrorContext::with_context` |
/// | 41xx `pipe.*` | `PipeError` |
/// | 1301–1307 `config.*` | `config::ConfigError` |
/// | 3401–3406 `event.*` | `events::EventError` |
/// | 3501–3504 `telemetry.*` | `telemetry::TelemetryError` |
/// | 4201, 4202 `infrastructure.*` | `RateLimited`, `CircuitOpen` (retry after the delay they give) |
/// | 4203–4205 `pool.*` | `infrastructure::PoolError`: timeout, would_block, stopped |
/// | 1401, 2411 `infrastructure.*` | `InfrastructureError`: invalid_option, start |
///
/// Each conversion's exact code is in `Error::from`'s result; the tests
/// (`tests/errors.rs`) pin every one.
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    code: ErrorCode,
    category: ErrorCategory,
    severity: Severity,
    message: String,
    context: Vec<(String, String)>,
    breadcrumbs: Vec<String>,
    correlation_id: Option<String>,
    retry: RetryStrategy,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of your own, with severity `Medium` and no retry; the
    /// builder methods below set the rest.
    ///
    /// ```
    /// use foundation::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
    /// use std::time::Duration;
    ///
    /// let error = Error::new(
    ///     ErrorCode::new(14001, "payment.declined"),
    ///     ErrorCategory::External,
    ///     "the bank declined the payment",
    /// )
    /// .with_severity(Severity::High)
    /// .with_retry(RetryStrategy::FixedDelay(Duration::from_secs(1)))
    /// .with_detail("order", "A-17")
    /// .with_correlation_id("req-42");
    /// assert_eq!(error.detail("order"), Some("A-17"));
    /// assert_eq!(
    ///     error.to_string(),
    ///     "[14001 payment.declined] the bank declined the payment (order=A-17, correlation=req-42)"
    /// );
    /// ```
    pub fn new(code: ErrorCode, category: ErrorCategory, message: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                code,
                category,
                severity: Severity::Medium,
                message: message.into(),
                context: Vec::new(),
                breadcrumbs: Vec::new(),
                correlation_id: None,
                retry: RetryStrategy::None,
                source: None,
            }),
        }
    }

    /// The same error with severity `severity`.
    ///
    /// ```
    /// use foundation::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
    /// use std::time::Duration;
    ///
    /// let declined = Error::new(ErrorCode::new(14001, "payment.declined"), ErrorCategory::External, "declined");
    /// assert_eq!(declined.severity(), Severity::Medium); // the default
    /// assert_eq!(declined.with_severity(Severity::Critical).severity(), Severity::Critical);
    /// ```
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.inner.severity = severity;
        self
    }

    /// The same error with retry strategy `retry`.
    ///
    /// ```
    /// use foundation::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
    /// use std::time::Duration;
    ///
    /// let declined = Error::new(ErrorCode::new(14001, "payment.declined"), ErrorCategory::External, "declined");
    /// assert!(!declined.is_retryable());
    /// let retried = declined.with_retry(RetryStrategy::FixedDelay(Duration::from_secs(2)));
    /// assert_eq!(retried.retry_delay(1), Some(Duration::from_secs(2)));
    /// ```
    pub fn with_retry(mut self, retry: RetryStrategy) -> Self {
        self.inner.retry = retry;
        self
    }

    /// The same error with one more piece of context (a later value for
    /// the same key replaces the earlier one).
    ///
    /// ```
    /// use foundation::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
    /// use std::time::Duration;
    ///
    /// let declined = Error::new(ErrorCode::new(14001, "payment.declined"), ErrorCategory::External, "declined");
    /// let error = declined.with_detail("order", "A-17").with_detail("amount", 1250);
    /// assert_eq!(error.detail("amount"), Some("1250"));
    /// ```
    pub fn with_detail(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        let key = key.into();
        let value = value.to_string();
        match self.inner.context.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.inner.context.push((key, value)),
        }
        self
    }

    /// The same error, carrying `id` to tie it to the request or events it
    /// belongs to.
    ///
    /// ```
    /// use foundation::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
    /// use std::time::Duration;
    ///
    /// let declined = Error::new(ErrorCode::new(14001, "payment.declined"), ErrorCategory::External, "declined");
    /// assert_eq!(declined.with_correlation_id("req-42").correlation_id(), Some("req-42"));
    /// ```
    pub fn with_correlation_id(mut self, id: impl Into<String>) -> Self {
        self.inner.correlation_id = Some(id.into());
        self
    }

    /// The same error with `source` as its cause ([`std::error::Error::source`]).
    ///
    /// ```
    /// use foundation::{Error, ErrorCategory, ErrorCode};
    /// use std::error::Error as _;
    ///
    /// let io = std::io::Error::other("disk full");
    /// let error = Error::new(ErrorCode::new(14002, "export.failed"), ErrorCategory::External, "export failed")
    ///     .with_source(io);
    /// assert_eq!(error.source().unwrap().to_string(), "disk full");
    /// ```
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Arc::new(source));
        self
    }

    /// A panic caught by [`ErrorContext::with_context`](crate::ErrorContext::with_context).
    pub(crate) fn from_panic(text: String) -> Self {
        Error::new(ErrorCode::new(2001, "panic"), ErrorCategory::System, text)
            .with_severity(Severity::High)
    }

    /// Adds breadcrumbs (an [`ErrorContext`](crate::ErrorContext)'s), the
    /// oldest first, before the ones it has.
    pub(crate) fn push_breadcrumbs(&mut self, crumbs: impl IntoIterator<Item = String>) {
        let mut all: Vec<String> = crumbs.into_iter().collect();
        all.append(&mut self.inner.breadcrumbs);
        self.inner.breadcrumbs = all;
    }

    /// The stable code.
    ///
    /// Everything an error says, read back with these:
    ///
    /// ```
    /// use foundation::{CallError, Error, ErrorCategory, RetryStrategy, Severity};
    ///
    /// let error = Error::from(CallError::Deadlock).with_detail("actor", "<0.4.0>");
    /// assert_eq!(error.code().number(), 2205);
    /// assert_eq!(error.category(), ErrorCategory::System);
    /// assert_eq!(error.severity(), Severity::High);
    /// assert!(error.message().contains("deadlock"));
    /// assert_eq!(error.detail("actor"), Some("<0.4.0>"));
    /// assert_eq!(error.details().len(), 1);
    /// assert!(error.breadcrumbs().is_empty());
    /// assert_eq!(error.correlation_id(), None);
    /// assert_eq!(error.retry_strategy(), RetryStrategy::None);
    /// assert!(!error.is_retryable());
    /// assert_eq!(error.retry_delay(0), None);
    /// ```
    pub fn code(&self) -> ErrorCode {
        self.inner.code
    }

    /// The category.
    ///
    /// ```
    /// use foundation::{CallError, Error, ErrorCategory};
    ///
    /// assert_eq!(Error::from(CallError::Timeout).category(), ErrorCategory::System);
    /// ```
    pub fn category(&self) -> ErrorCategory {
        self.inner.category
    }

    /// The severity.
    ///
    /// ```
    /// use foundation::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
    /// use std::time::Duration;
    ///
    /// let declined = Error::new(ErrorCode::new(14001, "payment.declined"), ErrorCategory::External, "declined");
    /// assert_eq!(declined.with_severity(Severity::High).severity(), Severity::High);
    /// ```
    pub fn severity(&self) -> Severity {
        self.inner.severity
    }

    /// The message (without code or context).
    ///
    /// ```
    /// use foundation::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
    /// use std::time::Duration;
    ///
    /// let declined = Error::new(ErrorCode::new(14001, "payment.declined"), ErrorCategory::External, "declined");
    /// assert_eq!(declined.message(), "declined");
    /// ```
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The context, as key–value pairs in the order they were added.
    ///
    /// ```
    /// use foundation::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
    /// use std::time::Duration;
    ///
    /// let declined = Error::new(ErrorCode::new(14001, "payment.declined"), ErrorCategory::External, "declined");
    /// let error = declined.with_detail("order", "A-17");
    /// assert_eq!(error.details(), [("order".to_string(), "A-17".to_string())]);
    /// ```
    pub fn details(&self) -> &[(String, String)] {
        &self.inner.context
    }

    /// The value of one piece of context.
    ///
    /// ```
    /// use foundation::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
    /// use std::time::Duration;
    ///
    /// let declined = Error::new(ErrorCode::new(14001, "payment.declined"), ErrorCategory::External, "declined");
    /// let error = declined.with_detail("order", "A-17");
    /// assert_eq!(error.detail("order"), Some("A-17"));
    /// assert_eq!(error.detail("card"), None);
    /// ```
    pub fn detail(&self, key: &str) -> Option<&str> {
        self.inner
            .context
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The breadcrumbs of the [`ErrorContext`](crate::ErrorContext)s the
    /// error went through, the outermost operation's first.
    ///
    /// ```
    /// use foundation::{CallError, ErrorContext};
    ///
    /// let mut import = ErrorContext::new("import");
    /// import.breadcrumb("parsed header");
    /// let error = import.with_context(|| Err::<(), _>(CallError::Stopped)).unwrap_err();
    /// assert_eq!(error.breadcrumbs(), ["import", "parsed header"]);
    /// ```
    pub fn breadcrumbs(&self) -> &[String] {
        &self.inner.breadcrumbs
    }

    /// The correlation id, if one was given.
    ///
    /// ```
    /// use foundation::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
    /// use std::time::Duration;
    ///
    /// let declined = Error::new(ErrorCode::new(14001, "payment.declined"), ErrorCategory::External, "declined");
    /// assert_eq!(declined.correlation_id(), None);
    /// assert_eq!(declined.with_correlation_id("r-1").correlation_id(), Some("r-1"));
    /// ```
    pub fn correlation_id(&self) -> Option<&str> {
        self.inner.correlation_id.as_deref()
    }

    /// The retry strategy.
    ///
    /// ```
    /// use foundation::{CallError, Error, RetryStrategy};
    ///
    /// // The runtime's errors come with the strategy that suits them.
    /// assert_eq!(Error::from(CallError::Stopped).retry_strategy(), RetryStrategy::None);
    /// assert!(Error::from(CallError::Timeout).retry_strategy().is_retryable());
    /// ```
    pub fn retry_strategy(&self) -> RetryStrategy {
        self.inner.retry
    }

    /// Whether trying again may succeed.
    ///
    /// ```
    /// use foundation::{CallError, Error};
    ///
    /// assert!(Error::from(CallError::Timeout).is_retryable());
    /// assert!(!Error::from(CallError::Panicked).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        self.inner.retry.is_retryable()
    }

    /// How long to wait before retry number `attempt + 1`, or `None` if
    /// the operation should not be retried ([`RetryStrategy::delay`]).
    ///
    /// ```
    /// use foundation::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
    /// use std::time::Duration;
    ///
    /// let declined = Error::new(ErrorCode::new(14001, "payment.declined"), ErrorCategory::External, "declined");
    /// let error = declined.with_retry(RetryStrategy::ExponentialBackoff {
    ///     base: Duration::from_millis(100),
    ///     max: Duration::from_secs(5),
    /// });
    /// for attempt in 1..=3 {
    ///     let wait = error.retry_delay(attempt).expect("retryable");
    ///     assert!(wait <= Duration::from_secs(5));
    /// }
    /// ```
    pub fn retry_delay(&self, attempt: u32) -> Option<Duration> {
        self.inner.retry.delay(attempt)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.inner.code, self.inner.message)?;
        let mut parts = self
            .inner
            .context
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .chain(
                self.inner
                    .correlation_id
                    .iter()
                    .map(|id| format!("correlation={id}")),
            )
            .peekable();
        if parts.peek().is_some() {
            write!(f, " ({})", parts.collect::<Vec<_>>().join(", "))?;
        }
        if !self.inner.breadcrumbs.is_empty() {
            write!(f, " after {}", self.inner.breadcrumbs.join(" > "))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Error")
            .field("code", &i.code)
            .field("category", &i.category)
            .field("severity", &i.severity)
            .field("message", &i.message)
            .field("context", &i.context)
            .field("breadcrumbs", &i.breadcrumbs)
            .field("correlation_id", &i.correlation_id)
            .field("retry", &i.retry)
            .field("source", &i.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// `Result<T, foundation::Error>`. Not in [`prelude`](crate::prelude): it
/// would shadow std's `Result` in handler signatures; name it
/// `foundation::Result`.
///
/// ```
/// fn start() -> foundation::Result<foundation::Node> {
///     Ok(foundation::Node::builder().schedulers(1).start()?)
/// }
/// assert!(start().is_ok());
/// ```
pub type Result<T, E = Error> = core::result::Result<T, E>;
