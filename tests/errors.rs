//! The umbrella `Error` and `ErrorContext` (issue 20, ADR 0011): every
//! narrow error converting with its stable code, category and a retry
//! strategy that tells the truth; contexts and their breadcrumbs; a panic
//! caught by `with_context` inside a handler is the handler's answer.

mod common;

use std::sync::{Arc, mpsc};
use std::time::Duration;

use common::{T, global_log, node, wait_until};
use foundation::infrastructure::{
    CircuitOpen, InfrastructureError, PoolError, ProtectedError, RateLimited,
};
use foundation::telemetry::{MetricKind, TelemetryError};
use foundation::{
    Actor, CallError, Context, Error, ErrorCategory, ErrorCode, ErrorContext, GroupError,
    LinkError, LookupError, NamedSendError, Namespace, NodeError, Pid, PipeError, RegisterError,
    ReplyTo, RetryStrategy, SendError, ServiceError, Severity, ShutdownError, SpawnError,
    SupervisorError,
};
use proptest::prelude::*;

fn pid() -> Pid {
    "<0.3.1>".parse().unwrap()
}

/// (the error, its code, its name, its category, retryable)
fn every_narrow_error() -> Vec<(Error, u32, &'static str, ErrorCategory, bool)> {
    use ErrorCategory::{Config, Data, External, System};
    let ns = || Namespace::Production;
    vec![
        (
            SendError::Closed(1).into(),
            2101,
            "send.closed",
            System,
            false,
        ),
        (SendError::Full(1).into(), 2102, "send.full", System, true),
        (
            SendError::NoCredit(1).into(),
            2103,
            "send.no_credit",
            System,
            true,
        ),
        (
            SendError::Overloaded(1).into(),
            2104,
            "send.overloaded",
            System,
            true,
        ),
        (
            SendError::Timeout(1).into(),
            2105,
            "send.timeout",
            System,
            true,
        ),
        (
            SendError::WouldBlock(1).into(),
            2106,
            "send.would_block",
            System,
            false,
        ),
        (
            CallError::Timeout.into(),
            2201,
            "call.timeout",
            System,
            true,
        ),
        (
            CallError::Stopped.into(),
            2202,
            "call.stopped",
            System,
            false,
        ),
        (
            CallError::Panicked.into(),
            2203,
            "call.panicked",
            System,
            false,
        ),
        (
            CallError::Dropped.into(),
            2204,
            "call.dropped",
            System,
            false,
        ),
        (
            CallError::Deadlock.into(),
            2205,
            "call.deadlock",
            System,
            false,
        ),
        (
            CallError::Overloaded.into(),
            2206,
            "call.overloaded",
            System,
            true,
        ),
        (
            SpawnError::NodeShutdown { node: "n".into() }.into(),
            2301,
            "spawn.node_shutdown",
            System,
            false,
        ),
        (
            SpawnError::ThreadSpawn(Arc::new(std::io::Error::other("no threads"))).into(),
            2302,
            "spawn.thread",
            System,
            true,
        ),
        (
            SpawnError::Name {
                name: "db".into(),
                source: RegisterError::EmptyName,
            }
            .into(),
            3301,
            "spawn.name",
            Data,
            false,
        ),
        (
            SpawnError::InvalidOptions {
                field: "mailbox",
                reason: "zero".into(),
            }
            .into(),
            1201,
            "config.invalid_actor_option",
            Config,
            false,
        ),
        (
            NodeError::InvalidConfig {
                field: "schedulers",
                reason: "zero".into(),
            }
            .into(),
            1101,
            "config.invalid_node_setting",
            Config,
            false,
        ),
        (
            NodeError::ThreadSpawn(std::io::Error::other("no threads")).into(),
            2401,
            "node.thread",
            System,
            true,
        ),
        (
            ShutdownError::Timeout {
                remaining_actors: 1,
                stuck_schedulers: 1,
            }
            .into(),
            2501,
            "shutdown.timeout",
            System,
            false,
        ),
        (
            LinkError::NotAlive(pid()).into(),
            2601,
            "link.not_alive",
            System,
            false,
        ),
        (
            LinkError::Stale(pid()).into(),
            2602,
            "link.stale",
            System,
            false,
        ),
        (
            SupervisorError::NoSuchChild("a".into()).into(),
            3701,
            "supervisor.no_such_child",
            Data,
            false,
        ),
        (
            SupervisorError::DuplicateId("a".into()).into(),
            3702,
            "supervisor.duplicate_id",
            Data,
            false,
        ),
        (
            SupervisorError::Running("a".into()).into(),
            3703,
            "supervisor.running",
            Data,
            false,
        ),
        (
            SupervisorError::StartFailed {
                id: "a".into(),
                reason: "panicked".into(),
            }
            .into(),
            2701,
            "supervisor.start_failed",
            System,
            false,
        ),
        (
            SupervisorError::Stopping.into(),
            2702,
            "supervisor.stopping",
            System,
            false,
        ),
        (
            SupervisorError::Call(CallError::Timeout).into(),
            2201,
            "call.timeout",
            System,
            true,
        ),
        (
            RegisterError::AlreadyRegistered(pid()).into(),
            3801,
            "registry.already_registered",
            Data,
            false,
        ),
        (
            RegisterError::AlreadyNamed {
                pid: pid(),
                name: "a".into(),
            }
            .into(),
            3802,
            "registry.already_named",
            Data,
            false,
        ),
        (
            RegisterError::NotAlive(pid()).into(),
            2801,
            "registry.not_alive",
            System,
            false,
        ),
        (
            RegisterError::EmptyName.into(),
            3803,
            "registry.empty_name",
            Data,
            false,
        ),
        (
            LookupError::NotRegistered { name: "a".into() }.into(),
            3811,
            "registry.not_registered",
            Data,
            true,
        ),
        (
            LookupError::WrongType {
                name: "a".into(),
                expected: "A",
                actual: "B",
            }
            .into(),
            3812,
            "registry.wrong_type",
            Data,
            false,
        ),
        (
            NamedSendError::NotRegistered {
                name: "a".into(),
                msg: 1,
            }
            .into(),
            3811,
            "registry.not_registered",
            Data,
            true,
        ),
        (
            NamedSendError::WrongType {
                name: "a".into(),
                expected: "A",
                msg: 1,
            }
            .into(),
            3812,
            "registry.wrong_type",
            Data,
            false,
        ),
        (
            NamedSendError::Send(SendError::Full(1)).into(),
            2102,
            "send.full",
            System,
            true,
        ),
        (
            GroupError::WrongType {
                group: "g".into(),
                expected: "A",
                actual: "B",
            }
            .into(),
            3901,
            "group.wrong_type",
            Data,
            false,
        ),
        (
            GroupError::NotAlive(pid()).into(),
            2901,
            "group.not_alive",
            System,
            false,
        ),
        (
            GroupError::EmptyName.into(),
            3902,
            "group.empty_name",
            Data,
            false,
        ),
        (
            GroupError::NotFound("g".into()).into(),
            3903,
            "group.not_found",
            Data,
            false,
        ),
        (
            GroupError::NotEmpty {
                group: "g".into(),
                members: 1,
                subscribers: 0,
            }
            .into(),
            3904,
            "group.not_empty",
            Data,
            false,
        ),
        (
            GroupError::Deleted("g".into()).into(),
            3905,
            "group.deleted",
            Data,
            false,
        ),
        (
            GroupError::OtherNode {
                pid: pid(),
                actor_node: 3,
                node: 4,
            }
            .into(),
            3906,
            "group.other_node",
            Data,
            false,
        ),
        (
            ServiceError::NotFound {
                namespace: ns(),
                name: "s".into(),
            }
            .into(),
            3951,
            "service.not_found",
            Data,
            true,
        ),
        (
            ServiceError::AlreadyRegistered {
                namespace: ns(),
                name: "s".into(),
                pid: pid(),
            }
            .into(),
            3952,
            "service.already_registered",
            Data,
            false,
        ),
        (
            ServiceError::NotAlive(pid()).into(),
            2951,
            "service.not_alive",
            System,
            false,
        ),
        (
            ServiceError::WrongType {
                name: "s".into(),
                expected: "A",
                actual: "B",
            }
            .into(),
            3953,
            "service.wrong_type",
            Data,
            false,
        ),
        (
            ServiceError::Timeout {
                namespace: ns(),
                name: "s".into(),
            }
            .into(),
            2952,
            "service.timeout",
            System,
            true,
        ),
        (
            ServiceError::WouldBlock.into(),
            2953,
            "service.would_block",
            System,
            false,
        ),
        (
            ServiceError::NodeShutdown.into(),
            2954,
            "service.node_shutdown",
            System,
            false,
        ),
        (
            ServiceError::EmptyName.into(),
            3954,
            "service.empty_name",
            Data,
            false,
        ),
        (
            PipeError::Timeout.into(),
            4101,
            "pipe.timeout",
            External,
            true,
        ),
        (
            PipeError::Panicked("x".into()).into(),
            4102,
            "pipe.panicked",
            External,
            false,
        ),
        (
            PipeError::Cancelled.into(),
            4103,
            "pipe.cancelled",
            External,
            false,
        ),
        (
            TelemetryError::DuplicateHandler("h".into()).into(),
            3501,
            "telemetry.duplicate_handler",
            Data,
            false,
        ),
        (
            TelemetryError::UnknownHandler("h".into()).into(),
            3502,
            "telemetry.unknown_handler",
            Data,
            false,
        ),
        (
            TelemetryError::InvalidName("a b".into()).into(),
            3503,
            "telemetry.invalid_name",
            Data,
            false,
        ),
        (
            TelemetryError::KindMismatch {
                name: "x".into(),
                existing: MetricKind::Counter,
                wanted: MetricKind::Gauge,
            }
            .into(),
            3504,
            "telemetry.kind_mismatch",
            Data,
            false,
        ),
        (
            RateLimited {
                key: "k".into(),
                limit: 1,
                per: Duration::from_secs(1),
                retry_after: Duration::from_millis(300),
            }
            .into(),
            4201,
            "infrastructure.rate_limited",
            External,
            true,
        ),
        (
            CircuitOpen {
                breaker: "b".into(),
                retry_after: Duration::from_secs(3),
            }
            .into(),
            4202,
            "infrastructure.circuit_open",
            External,
            true,
        ),
        (
            PoolError::Timeout {
                pool: "p".into(),
                timeout: Duration::from_secs(1),
            }
            .into(),
            4203,
            "pool.timeout",
            External,
            true,
        ),
        (
            PoolError::WouldBlock.into(),
            4204,
            "pool.would_block",
            External,
            false,
        ),
        (
            PoolError::Stopped { pool: "p".into() }.into(),
            4205,
            "pool.stopped",
            External,
            false,
        ),
        (
            InfrastructureError::InvalidOption {
                option: "size",
                reason: "r".into(),
            }
            .into(),
            1401,
            "infrastructure.invalid_option",
            Config,
            false,
        ),
        (
            InfrastructureError::Start {
                what: "w".into(),
                reason: "r".into(),
            }
            .into(),
            2411,
            "infrastructure.start",
            System,
            false,
        ),
    ]
}

#[test]
fn a_limiter_or_breaker_says_when_to_retry() {
    let limited: Error = RateLimited {
        key: "k".into(),
        limit: 1,
        per: Duration::from_secs(1),
        retry_after: Duration::from_millis(300),
    }
    .into();
    assert_eq!(limited.retry_delay(0), Some(Duration::from_millis(300)));
    let protected: Error = ProtectedError::<ServiceError>::Failed(ServiceError::EmptyName).into();
    assert_eq!(
        protected.code().name(),
        "service.empty_name",
        "the call's own error"
    );
    let refused: Error = ProtectedError::<ServiceError>::Pool(PoolError::WouldBlock).into();
    assert_eq!(refused.code().number(), 4204);
}

#[test]
fn every_narrow_error_converts_with_its_code_category_and_retry_strategy() {
    let all = every_narrow_error();
    for (error, number, name, category, retryable) in &all {
        assert_eq!(error.code(), ErrorCode::new(*number, name), "{error}");
        assert_eq!(error.category(), *category, "{error}");
        assert_eq!(error.is_retryable(), *retryable, "{error}");
        assert_eq!(error.retry_delay(0).is_some(), *retryable, "{error}");
        assert!(!error.message().is_empty(), "{error:?}");
        // The thousands say the category.
        let expected = match number / 1000 {
            1 => ErrorCategory::Config,
            2 => ErrorCategory::System,
            3 => ErrorCategory::Data,
            _ => ErrorCategory::External,
        };
        assert_eq!(*category, expected, "{error}");
    }
    // One number, one name.
    for (a, na, ..) in &all {
        for (b, nb, ..) in &all {
            assert_eq!(na == nb, a.code().name() == b.code().name(), "{a} / {b}");
        }
    }
}

#[test]
fn the_truth_about_retrying() {
    assert!(Error::from(CallError::Timeout).is_retryable());
    assert!(Error::from(SendError::Full(())).is_retryable());
    assert!(!Error::from(CallError::Deadlock).is_retryable());
    assert!(!Error::from(SendError::Closed(())).is_retryable());
    assert_eq!(Error::from(CallError::Deadlock).severity(), Severity::High);
    let timeout = Error::from(CallError::Timeout);
    let delays: Vec<_> = (0..10).map(|n| timeout.retry_delay(n).unwrap()).collect();
    assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
    assert_eq!(delays[0], Duration::from_millis(10));
    assert_eq!(*delays.last().unwrap(), Duration::from_secs(1));
}

/// A conversion keeps the reason, not the message: code that needs the
/// message back matches the narrow error first.
#[test]
fn a_refused_message_is_matched_before_the_conversion() {
    struct Quit;
    impl Actor for Quit {
        type Msg = String;
        fn handle(&mut self, _: String, ctx: &mut Context<Self>) {
            ctx.stop();
        }
    }
    let node = node(1);
    let quit = node.spawn(Quit).unwrap();
    quit.send("bye".into()).unwrap();
    wait_until("it stops", || !quit.is_alive());
    let outcome: foundation::Result<()> = match quit.send("kept".into()) {
        Err(SendError::Closed(msg)) => {
            assert_eq!(msg, "kept");
            Err(SendError::Closed(msg).into())
        }
        other => panic!("{other:?}"),
    };
    let error = outcome.unwrap_err();
    assert_eq!(error.code().name(), "send.closed");
    assert!(!error.to_string().contains("kept"));
}

/// `?` turns each narrow error into `foundation::Error`.
#[test]
fn question_mark_converts_every_kind() {
    struct Echo;
    impl Actor for Echo {
        type Msg = ReplyTo<u8>;
        fn handle(&mut self, reply: ReplyTo<u8>, _: &mut Context<Self>) {
            drop(reply);
        }
    }
    fn run(node: &foundation::Node) -> foundation::Result<u8> {
        let echo = node.spawn(Echo)?;
        node.registry().register("echo", echo.pid())?;
        node.registry().lookup_ref::<Echo>("echo")?;
        Ok(echo.call(|r| r, T)?)
    }
    let node = node(1);
    let error = run(&node).unwrap_err();
    assert_eq!(error.code().name(), "call.dropped");
    node.shutdown().unwrap();
}

#[test]
fn contexts_nest_and_enrich_errors_with_their_trail() {
    let mut request = ErrorContext::new("request").with_correlation_id("req-1");
    request.breadcrumb("authenticated");
    let mut lookup = request.child("lookup");
    lookup.breadcrumb("cache missed");
    assert_ne!(request.operation_id(), lookup.operation_id());
    assert_eq!(lookup.correlation_id(), Some("req-1"));

    let error = lookup
        .with_context(|| -> Result<(), LookupError> {
            Err(LookupError::NotRegistered { name: "db".into() })
        })
        .unwrap_err();
    assert_eq!(error.code().number(), 3811);
    assert_eq!(
        error.breadcrumbs(),
        ["request", "authenticated", "lookup", "cache missed"]
    );
    assert_eq!(error.detail("operation"), Some("lookup"));
    assert_eq!(
        error.detail("operation_id"),
        Some(lookup.operation_id().to_string().as_str())
    );
    assert_eq!(error.correlation_id(), Some("req-1"));
    assert!(
        error
            .to_string()
            .contains("after request > authenticated > lookup > cache missed")
    );

    // Through two contexts: the trail once, the innermost operation named.
    let twice = request
        .with_context(|| lookup.with_context(|| Err::<(), _>(CallError::Stopped)))
        .unwrap_err();
    assert_eq!(
        twice.breadcrumbs(),
        ["request", "authenticated", "lookup", "cache missed"]
    );
    assert_eq!(twice.detail("operation"), Some("lookup"));
    // An error from an unrelated context keeps its trail behind this one.
    let other = ErrorContext::new("other");
    let nested = request
        .with_context(|| other.with_context(|| Err::<(), _>(CallError::Stopped)))
        .unwrap_err();
    assert_eq!(nested.breadcrumbs(), ["request", "authenticated", "other"]);

    // An error's own correlation id wins.
    let own = request
        .with_context(|| Err::<(), _>(Error::from(CallError::Stopped).with_correlation_id("x")))
        .unwrap_err();
    assert_eq!(own.correlation_id(), Some("x"));
}

#[test]
fn a_panic_outside_actors_becomes_an_error() {
    let context = ErrorContext::new("parse");
    let error = context
        .with_context(|| -> Result<(), Error> { panic!("unexpected byte {}", 0xff) })
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::new(2001, "panic"));
    assert_eq!(error.message(), "unexpected byte 255");
    assert_eq!(error.severity(), Severity::High);
    assert!(!error.is_retryable());
    assert_eq!(error.breadcrumbs(), ["parse"]);
}

/// Inside a handler, a panic `with_context` catches is the handler's
/// answer: the actor keeps serving, and no crash is reported or counted.
#[test]
fn with_context_catches_a_panic_inside_a_handler_and_the_actor_keeps_serving() {
    enum Msg {
        Parse(&'static str, ReplyTo<foundation::Result<u32>>),
        Count(ReplyTo<u32>),
    }
    #[derive(Default)]
    struct Parser(u32);
    impl Actor for Parser {
        type Msg = Msg;
        fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
            match msg {
                Msg::Parse(text, reply) => {
                    self.0 += 1;
                    let context = ErrorContext::new("parse");
                    let parsed = context.with_context(|| -> Result<u32, Error> {
                        Ok(text.parse::<u32>().expect("a number"))
                    });
                    let _ = reply.reply(parsed);
                }
                Msg::Count(reply) => {
                    let _ = reply.reply(self.0);
                }
            }
        }
    }
    let log = global_log();
    let node = node(2);
    let parser = node.spawn(Parser::default()).unwrap();
    let pid = parser.pid();
    assert_eq!(
        parser.call(|r| Msg::Parse("12", r), T).unwrap().unwrap(),
        12
    );
    let error = parser
        .call(|r| Msg::Parse("twelve", r), T)
        .unwrap()
        .unwrap_err();
    assert_eq!(error.code().name(), "panic");
    assert!(error.message().starts_with("a number"), "{error}");
    // The same incarnation answers: it never crashed.
    assert_eq!(parser.call(Msg::Count, T), Ok(2));
    assert_eq!(parser.pid(), pid);
    assert_eq!(node.stats().panics, 0);
    let reported = format!("actor {pid} panicked");
    assert!(
        !log.text().contains(&reported),
        "reported as a crash:\n{}",
        log.text()
    );
    node.shutdown().unwrap();
}

/// A call made inside `with_context` from a plain thread may run the actor
/// on this thread (ADR 0010): that actor's panic is its own crash, reported
/// as usual, and the call's failure is what `with_context` returns.
#[test]
fn an_actor_run_inside_with_context_still_reports_its_crash() {
    /// Answers with the thread it runs on, or breaks.
    struct Fragile;
    impl Actor for Fragile {
        type Msg = (bool, ReplyTo<std::thread::ThreadId>);
        fn handle(&mut self, (break_it, reply): Self::Msg, _: &mut Context<Self>) {
            assert!(!break_it, "fragile broke");
            let _ = reply.reply(std::thread::current().id());
        }
    }
    let log = global_log();
    let node = node(1);
    let fragile = node.spawn(Fragile).unwrap();
    let pid = fragile.pid();
    // Until a call runs on this thread: the actor is idle from then on.
    let me = std::thread::current().id();
    wait_until("a call runs here", || {
        fragile.call(|r| (false, r), T) == Ok(me)
    });
    let context = ErrorContext::new("ask");
    let error = context
        .with_context(|| fragile.call(|r| (true, r), T))
        .unwrap_err();
    assert_eq!(error.code().name(), "call.panicked");
    wait_until("the crash is reported", || {
        log.text().contains(&format!("actor {pid} panicked"))
    });
    assert_eq!(node.stats().panics, 1);
    node.shutdown().unwrap();
}

#[test]
fn errors_of_your_own() {
    let (tx, rx) = mpsc::channel();
    let error = Error::new(
        ErrorCode::new(14001, "payment.declined"),
        ErrorCategory::External,
        "declined",
    )
    .with_retry(RetryStrategy::FixedDelay(Duration::from_millis(5)))
    .with_detail("order", 7)
    .with_detail("order", 8)
    .with_source(std::io::Error::other("card expired"));
    tx.send(error.clone()).unwrap(); // Send + Clone
    let got = rx.recv().unwrap();
    assert_eq!(got.details(), [("order".to_string(), "8".to_string())]);
    assert_eq!(got.retry_delay(3), Some(Duration::from_millis(5)));
    assert_eq!(
        std::error::Error::source(&got).unwrap().to_string(),
        "card expired"
    );
    assert_eq!(
        got.to_string(),
        "[14001 payment.declined] declined (order=8)"
    );
}

proptest! {
    /// A backoff never shrinks, never passes its cap, and starts at its base.
    #[test]
    fn backoff_grows_to_its_cap(base_ms in 0u64..10_000, max_ms in 0u64..100_000, attempt in 0u32..200) {
        let base = Duration::from_millis(base_ms);
        let max = Duration::from_millis(max_ms);
        let strategy = RetryStrategy::ExponentialBackoff { base, max };
        let now = strategy.delay(attempt).unwrap();
        let next = strategy.delay(attempt + 1).unwrap();
        prop_assert!(now <= next);
        prop_assert!(next <= max);
        prop_assert_eq!(strategy.delay(0).unwrap(), base.min(max));
    }
}
