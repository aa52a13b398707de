//! The 1.x API's promise: one test per operation of the original library's
//! modules that Foundation carries — Config, Events, Telemetry, Error,
//! ProcessRegistry, ServiceRegistry, Infrastructure — written as a user
//! calls it, with the argument and result types spelled out. A change that
//! breaks how users call one of them fails the test named after it (the
//! behaviour itself is tested at length in `config.rs`, `events.rs`,
//! `services.rs`, `registry.rs`, `telemetry_metrics.rs` and
//! `infrastructure.rs`). `.ci/run` also checks the whole public API against
//! the tag `v0.1.0` with `cargo semver-checks`.

mod common;

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use common::{T, wait_until};
use foundation::config::{ChangeCause, Config, ConfigChange, ConfigError, Setting, Value};
use foundation::events::{Event, EventError, EventId, EventQuery, EventStats, Events, SharedEvent};
use foundation::infrastructure::{
    BreakerError, CircuitBreaker, CircuitOpen, CircuitState, InfrastructureError, Lease, Permit,
    Pool, PoolError, PoolOptions, PoolStats, ProtectedError, Protection, RateLimited, RateLimiter,
    execute_protected,
};
use foundation::telemetry::{
    Counter, Gauge, Histogram, HistogramSummary, Metric, MetricValue, Telemetry, TelemetryError,
    TelemetryEvent,
};
use foundation::{
    Actor, ActorRef, Context, Error, ErrorCategory, ErrorCode, ErrorContext, Health, LookupError,
    ManualClock, NamedSendError, Namespace, Node, Pid, ProcessRegistry, RegisterError,
    RetryStrategy, ServiceError, ServiceInfo, ServiceOptions, ServiceRegistry, Severity,
};

/// A plain actor to register, look up and send to.
struct Echo;

impl Actor for Echo {
    type Msg = foundation::ReplyTo<u32>;
    fn handle(&mut self, reply: foundation::ReplyTo<u32>, _: &mut Context<Self>) {
        let _ = reply.reply(7);
    }
}

/// Forwards what it is sent.
struct Sink(mpsc::Sender<u32>);

impl Actor for Sink {
    type Msg = u32;
    fn handle(&mut self, n: u32, _: &mut Context<Self>) {
        let _ = self.0.send(n);
    }
}

fn node() -> Node {
    Node::builder().schedulers(2).start().expect("a node")
}

fn manual_node() -> (Node, ManualClock) {
    let clock = ManualClock::new();
    let node = Node::builder()
        .schedulers(2)
        .clock(clock.clone())
        .start()
        .expect("a node");
    (node, clock)
}

// ---------------------------------------------------------------------------
// Config (Foundation.Config)
// ---------------------------------------------------------------------------

fn config() -> Config {
    Config::builder()
        .setting(Setting::new("pool.size", 4_i64).updatable())
        .setting(Setting::new("greeting", "hello"))
        .build()
        .expect("valid settings")
}

#[test]
fn config_build_from_settings() {
    let config: Result<Config, ConfigError> = Config::builder()
        .setting(Setting::new("port", 8080_i64))
        .build();
    assert_eq!(config.unwrap().paths(), ["port"]);
}

#[test]
fn config_get() {
    let size: Result<u32, ConfigError> = config().get("pool.size");
    assert_eq!(size, Ok(4));
}

#[test]
fn config_get_unknown_path_is_an_error() {
    let missing: Result<u32, ConfigError> = config().get("pool.sise");
    assert!(matches!(missing, Err(ConfigError::UnknownPath { .. })));
}

#[test]
fn config_value() {
    let value: Result<Value, ConfigError> = config().value("greeting");
    assert_eq!(value, Ok(Value::Text("hello".into())));
}

#[test]
fn config_layers_toml_and_env() {
    let config = Config::builder()
        .setting(Setting::new("pool.size", 4_i64))
        .setting(Setting::new("greeting", "hello"))
        .toml("[pool]\nsize = 8\n")
        .env([("FOUNDATION_GREETING", "bonjour")])
        .build()
        .unwrap();
    assert_eq!(config.get::<u32>("pool.size"), Ok(8));
    assert_eq!(config.get::<String>("greeting"), Ok("bonjour".into()));
}

#[test]
fn config_get_with_ecosystem_override() {
    let config = Config::builder()
        .setting(Setting::new("pool.size", 4_i64))
        .ecosystem_override("ledger", "pool.size", 8_i64)
        .build()
        .unwrap();
    let size: Result<u32, ConfigError> = config.get_with_ecosystem("ledger", "pool.size");
    assert_eq!(size, Ok(8));
    assert_eq!(
        config.get_with_ecosystem::<u32>("audit", "pool.size"),
        Ok(4)
    );
}

#[test]
fn config_update() {
    let config = config();
    let updated: Result<(), ConfigError> = config.update("pool.size", 6_i64);
    assert_eq!(updated, Ok(()));
    assert_eq!(config.get::<u32>("pool.size"), Ok(6));
    assert!(matches!(
        config.update("greeting", "hi"),
        Err(ConfigError::NotUpdatable { .. })
    ));
    assert_eq!(config.updatable_paths(), ["pool.size"]);
}

#[test]
fn config_reset_and_reset_path() {
    let config = config();
    config.update("pool.size", 6_i64).unwrap();
    let reset: Result<(), ConfigError> = config.reset_path("pool.size");
    assert_eq!(reset, Ok(()));
    assert_eq!(config.get::<u32>("pool.size"), Ok(4));
    config.update("pool.size", 9_i64).unwrap();
    config.reset();
    assert_eq!(config.get::<u32>("pool.size"), Ok(4));
}

#[test]
fn config_subscribe() {
    let config = config();
    let seen = Arc::new(Mutex::new(Vec::<(String, ChangeCause)>::new()));
    let log = Arc::clone(&seen);
    config.subscribe_fn(move |change: &ConfigChange| {
        log.lock()
            .unwrap()
            .push((change.path.clone(), change.cause));
    });
    assert_eq!(config.subscribers(), 1);
    config.update("pool.size", 5_i64).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [("pool.size".to_string(), ChangeCause::Update)]
    );
}

#[test]
fn config_on_a_node() {
    let node = Node::builder()
        .schedulers(1)
        .config(config())
        .start()
        .unwrap();
    let config: Config = node.config();
    assert_eq!(config.get::<String>("greeting"), Ok("hello".into()));
}

// ---------------------------------------------------------------------------
// Events (Foundation.Events)
// ---------------------------------------------------------------------------

#[test]
fn events_new_event() {
    let event: Result<Event, EventError> = Event::new("order.placed", &(42_u32, "tea".to_string()));
    let event = event.unwrap().correlation_id("order-42");
    assert_eq!(event.event_type(), "order.placed");
    assert_eq!(event.correlation(), Some("order-42"));
    assert_eq!(event.data::<(u32, String)>(), Ok((42, "tea".to_string())));
}

#[test]
fn events_store_and_get() {
    let node = node();
    let events: Events = node.events();
    let stored: Result<Event, EventError> = events.store(Event::new("a", &1_u8).unwrap());
    let id: EventId = stored.unwrap().id();
    let got: Result<Event, EventError> = events.get(id);
    assert_eq!(got.unwrap().data::<u8>(), Ok(1));
}

#[test]
fn events_store_batch() {
    let node = node();
    let batch: Result<Vec<Event>, EventError> = node.events().store_batch(vec![
        Event::new("a", &1_u8).unwrap(),
        Event::new("b", &2_u8).unwrap(),
    ]);
    assert_eq!(batch.unwrap().len(), 2);
}

#[test]
fn events_query() {
    let node = node();
    for n in 0..3_u8 {
        node.events()
            .store(Event::new("tick", &n).unwrap())
            .unwrap();
    }
    node.events()
        .store(Event::new("tock", &0_u8).unwrap())
        .unwrap();
    let ticks: Vec<Event> = node
        .events()
        .query(&EventQuery::new().event_type("tick").limit(2));
    assert_eq!(ticks.len(), 2);
    assert!(ticks.iter().all(|e| e.event_type() == "tick"));
}

#[test]
fn events_by_correlation_and_chain() {
    let node = node();
    let events = node.events();
    let cause = events
        .store(Event::new("cause", &()).unwrap().correlation_id("c-1"))
        .unwrap();
    let effect = events
        .store(Event::new("effect", &()).unwrap().parent(cause.id()))
        .unwrap();
    let correlated: Vec<Event> = events.by_correlation("c-1");
    assert_eq!(correlated, [cause]);
    let chain: Result<Vec<Event>, EventError> = events.correlation_chain(effect.id());
    assert_eq!(chain.unwrap().len(), 2);
}

#[test]
fn events_recent_stats_and_prune() {
    let (node, clock) = manual_node();
    let events = node.events();
    events.store(Event::new("old", &()).unwrap()).unwrap();
    clock.advance(Duration::from_secs(10));
    events.store(Event::new("new", &()).unwrap()).unwrap();
    let recent: Vec<Event> = events.recent(1);
    assert_eq!(recent[0].event_type(), "new");
    let pruned: usize = events.prune_before(Duration::from_secs(5));
    assert_eq!(pruned, 1);
    let stats: EventStats = events.stats();
    assert_eq!((stats.stored, stats.held, stats.pruned), (2, 1, 1));
}

#[test]
fn events_serialize_and_deserialize() {
    let event = Event::new("blob", &vec![1_u8, 2, 3]).unwrap();
    let bytes: Result<Vec<u8>, EventError> = event.to_bytes();
    let back: Result<Event, EventError> = Event::from_bytes(&bytes.unwrap());
    assert_eq!(back.unwrap().data::<Vec<u8>>(), Ok(vec![1, 2, 3]));
}

/// Collects the events it is sent.
struct Listener(mpsc::Sender<Event>);

impl Actor for Listener {
    type Msg = SharedEvent;
    fn handle(&mut self, event: SharedEvent, _: &mut Context<Self>) {
        let _ = self.0.send(event.decode().unwrap());
    }
}

#[test]
fn events_subscribe() {
    let node = node();
    let (tx, rx) = mpsc::channel();
    let listener = node.spawn(Listener(tx)).unwrap();
    let subscribed: Result<(), EventError> = node.events().subscribe(listener.recipient());
    subscribed.unwrap();
    let emitted: Result<(Event, usize), EventError> = node
        .events()
        .emit_optimized(Event::new("hello", &()).unwrap());
    assert_eq!(emitted.unwrap().1, 1); // reached one subscriber
    assert_eq!(rx.recv_timeout(T).unwrap().event_type(), "hello");
}

// ---------------------------------------------------------------------------
// Telemetry (Foundation.Telemetry)
// ---------------------------------------------------------------------------

#[test]
fn telemetry_execute_and_attach() {
    let node = node();
    let telemetry: Telemetry = node.telemetry();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let attached: Result<(), TelemetryError> =
        telemetry.attach("log", "app.request", move |event: &TelemetryEvent<'_>| {
            log.lock()
                .unwrap()
                .push((event.name.to_string(), event.measurement("duration")));
        });
    attached.unwrap();
    let executed: Result<(), TelemetryError> =
        telemetry.execute("app.request", &[("duration", 0.5)], &[("route", "/")]);
    executed.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [("app.request".to_string(), Some(0.5))]
    );
}

#[test]
fn telemetry_detach_and_handlers() {
    let node = node();
    let telemetry = node.telemetry();
    telemetry.attach("h", "app", |_| {}).unwrap();
    let handlers: Vec<String> = telemetry.handlers();
    assert_eq!(handlers, ["h"]);
    let detached: Result<(), TelemetryError> = telemetry.detach("h");
    detached.unwrap();
    assert!(telemetry.detach("h").is_err());
}

#[test]
fn telemetry_measure() {
    let (node, clock) = manual_node();
    let telemetry = node.telemetry();
    let durations = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&durations);
    telemetry
        .attach("m", "app.job", move |e| {
            log.lock().unwrap().push(e.measurement("duration"));
        })
        .unwrap();
    let out: u32 = telemetry.measure("app.job", &[], || {
        clock.advance(Duration::from_millis(250));
        3
    });
    assert_eq!(out, 3);
    assert_eq!(*durations.lock().unwrap(), [Some(0.25)]);
}

#[test]
fn telemetry_counter() {
    let node = node();
    let counter: Result<Counter, TelemetryError> = node.telemetry().counter("app.jobs");
    let counter = counter.unwrap();
    counter.increment(2);
    assert_eq!(counter.value(), 2);
}

#[test]
fn telemetry_gauge() {
    let node = node();
    let gauge: Gauge = node.telemetry().gauge("app.queue").unwrap();
    gauge.set(5.0);
    gauge.add(-2.0);
    assert_eq!(gauge.value(), 3.0);
}

#[test]
fn telemetry_histogram() {
    let node = node();
    let histogram: Histogram = node.telemetry().histogram("app.latency").unwrap();
    histogram.record(1.0);
    histogram.record(3.0);
    let summary: HistogramSummary = histogram.summary();
    assert_eq!((summary.count, summary.mean()), (2, 2.0));
}

#[test]
fn telemetry_get_metrics() {
    let node = node();
    node.telemetry().counter("app.jobs").unwrap().increment(1);
    let metrics: Vec<Metric> = node.telemetry().metrics_for("app");
    assert_eq!(metrics.len(), 1);
    assert_eq!(metrics[0].name, "app.jobs");
    assert_eq!(metrics[0].value, MetricValue::Counter(1));
}

#[test]
fn telemetry_samples_the_runtime() {
    let node = node();
    node.spawn(Echo).unwrap();
    node.telemetry().sample();
    let live = node
        .telemetry()
        .metrics_for("foundation.actors.live")
        .into_iter()
        .next()
        .expect("sampled");
    assert_eq!(live.value.as_f64(), 1.0);
}

#[test]
fn telemetry_invalid_name_is_an_error() {
    let node = node();
    assert!(node.telemetry().counter("").is_err());
    assert!(node.telemetry().execute("bad name", &[], &[]).is_err());
}

// ---------------------------------------------------------------------------
// Error (Foundation.Error, Foundation.ErrorContext)
// ---------------------------------------------------------------------------

#[test]
fn error_new() {
    let error = Error::new(
        ErrorCode::new(14999, "app.upstream"),
        ErrorCategory::External,
        "upstream down",
    );
    assert_eq!(error.code().number(), 14999);
    assert_eq!(error.code().name(), "app.upstream");
    assert_eq!(error.category(), ErrorCategory::External);
    assert_eq!(error.message(), "upstream down");
}

#[test]
fn error_with_details_severity_and_retry() {
    let retry = RetryStrategy::FixedDelay(Duration::from_millis(10));
    let error = Error::new(ErrorCode::new(14998, "app.x"), ErrorCategory::External, "x")
        .with_severity(Severity::High)
        .with_detail("host", "db-1")
        .with_correlation_id("req-9")
        .with_retry(retry);
    assert_eq!(error.severity(), Severity::High);
    assert_eq!(error.detail("host"), Some("db-1"));
    assert_eq!(error.correlation_id(), Some("req-9"));
    assert_eq!(error.retry_strategy(), retry);
    assert!(error.is_retryable());
    assert_eq!(error.retry_delay(1), Some(Duration::from_millis(10)));
}

#[test]
fn error_from_runtime_errors() {
    let error: Error = foundation::CallError::Timeout.into();
    assert_eq!(error.code().name(), "call.timeout");
    assert!(error.is_retryable());
}

#[test]
fn error_context_with_context_and_breadcrumbs() {
    let mut context = ErrorContext::new("import");
    context.breadcrumb("file opened");
    let failed: Result<(), Error> =
        context.with_context(|| Err::<(), _>(foundation::CallError::Stopped));
    let error = failed.unwrap_err();
    assert_eq!(error.breadcrumbs(), ["import", "file opened"]);
}

#[test]
fn error_context_child_and_enrich() {
    let parent = ErrorContext::new("request").with_correlation_id("r-1");
    let child = parent.child("load user");
    assert_eq!(child.trail(), ["request", "load user"]);
    let error = child.enrich(Error::new(
        ErrorCode::new(13999, "app.user"),
        ErrorCategory::Data,
        "no such user",
    ));
    assert_eq!(error.correlation_id(), Some("r-1"));
}

#[test]
fn error_context_turns_a_panic_into_an_error() {
    let context = ErrorContext::new("parse");
    let result: Result<u32, Error> = context.with_context(|| -> Result<u32, Error> {
        panic!("bad digit");
    });
    assert!(result.unwrap_err().message().contains("bad digit"));
}

// ---------------------------------------------------------------------------
// ProcessRegistry (Foundation.ProcessRegistry)
// ---------------------------------------------------------------------------

#[test]
fn process_registry_register_and_lookup() {
    let node = node();
    let echo = node.spawn(Echo).unwrap();
    let registry: ProcessRegistry = node.registry();
    let registered: Result<(), RegisterError> = registry.register("echo", echo.pid());
    registered.unwrap();
    let found: Option<Pid> = registry.lookup("echo");
    assert_eq!(found, Some(echo.pid()));
    assert_eq!(registry.name_of(echo.pid()), Some("echo".to_string()));
}

#[test]
fn process_registry_register_taken_name() {
    let node = node();
    let (a, b) = (node.spawn(Echo).unwrap(), node.spawn(Echo).unwrap());
    node.registry().register("one", a.pid()).unwrap();
    assert_eq!(
        node.registry().register("one", b.pid()),
        Err(RegisterError::AlreadyRegistered(a.pid()))
    );
}

#[test]
fn process_registry_lookup_ref() {
    let node = node();
    let echo = node.spawn(Echo).unwrap();
    node.registry().register("echo", echo.pid()).unwrap();
    let typed: Result<ActorRef<Echo>, LookupError> = node.registry().lookup_ref("echo");
    assert_eq!(typed.unwrap().call(|r| r, T), Ok(7));
    let wrong: Result<ActorRef<Listener>, LookupError> = node.registry().lookup_ref("echo");
    assert!(matches!(wrong, Err(LookupError::WrongType { .. })));
}

#[test]
fn process_registry_unregister() {
    let node = node();
    let echo = node.spawn(Echo).unwrap();
    node.registry().register("echo", echo.pid()).unwrap();
    let removed: Option<Pid> = node.registry().unregister("echo");
    assert_eq!(removed, Some(echo.pid()));
    assert_eq!(node.registry().lookup("echo"), None);
}

#[test]
fn process_registry_list() {
    let node = node();
    let echo = node.spawn(Echo).unwrap();
    node.registry().register("echo", echo.pid()).unwrap();
    let all: Vec<(String, Pid)> = node.registry().registered();
    assert_eq!(all, [("echo".to_string(), echo.pid())]);
}

#[test]
fn process_registry_send_named() {
    let node = node();
    let echo = node.spawn(Echo).unwrap();
    node.registry().register("echo", echo.pid()).unwrap();
    let (tx, rx) = mpsc::channel();
    let sink = node.spawn(Sink(tx)).unwrap();
    node.registry().register("sink", sink.pid()).unwrap();
    let sent: Result<(), NamedSendError<u32>> = node.registry().send_named("sink", 5_u32);
    sent.unwrap();
    assert_eq!(rx.recv_timeout(T), Ok(5));
    assert!(matches!(
        node.registry().send_named("nobody", 1_u32),
        Err(NamedSendError::NotRegistered { .. })
    ));
}

#[test]
fn process_registry_entry_vanishes_with_its_actor() {
    let node = node();
    let echo = node.spawn(Echo).unwrap();
    node.registry().register("echo", echo.pid()).unwrap();
    echo.stop();
    wait_until("the name is released", || {
        node.registry().lookup("echo").is_none()
    });
}

// ---------------------------------------------------------------------------
// ServiceRegistry (Foundation.ServiceRegistry)
// ---------------------------------------------------------------------------

#[test]
fn service_registry_register_and_lookup() {
    let node = node();
    let echo = node.spawn(Echo).unwrap();
    let services: ServiceRegistry = node.services();
    let registered: Result<(), ServiceError> = services.register("echo", echo.pid());
    registered.unwrap();
    let found: Result<Pid, ServiceError> = services.lookup("echo");
    assert_eq!(found, Ok(echo.pid()));
    let typed: Result<ActorRef<Echo>, ServiceError> = services.lookup_ref("echo");
    assert_eq!(typed.unwrap().call(|r| r, T), Ok(7));
}

#[test]
fn service_registry_lookup_missing() {
    let node = node();
    assert!(matches!(
        node.services().lookup("nothing"),
        Err(ServiceError::NotFound { .. })
    ));
}

#[test]
fn service_registry_unregister() {
    let node = node();
    let echo = node.spawn(Echo).unwrap();
    node.services().register("echo", echo.pid()).unwrap();
    let removed: Result<Pid, ServiceError> = node.services().unregister("echo");
    assert_eq!(removed, Ok(echo.pid()));
}

#[test]
fn service_registry_list_services() {
    let node = node();
    let echo = node.spawn(Echo).unwrap();
    node.services().register("echo", echo.pid()).unwrap();
    let listed: Vec<(String, Pid)> = node.services().list();
    assert_eq!(listed, [("echo".to_string(), echo.pid())]);
}

#[test]
fn service_registry_health_check() {
    let node = node();
    let echo = node.spawn(Echo).unwrap();
    let options = ServiceOptions::new().health_check(|| Err("disk full".to_string()));
    node.services()
        .register_with("echo", echo.pid(), options)
        .unwrap();
    let health: Result<Health, ServiceError> = node.services().health_check("echo");
    assert_eq!(health, Ok(Health::Unhealthy("disk full".into())));
    let info: ServiceInfo = node.services().service_info();
    assert_eq!(
        (info.total, info.unhealthy, info.with_health_check),
        (1, 1, 1)
    );
}

#[test]
fn service_registry_namespaces() {
    let node = node();
    let echo = node.spawn(Echo).unwrap();
    let test = node.services().in_namespace(Namespace::test("t1"));
    test.register("echo", echo.pid()).unwrap();
    assert_eq!(test.namespace(), &Namespace::test("t1"));
    assert!(node.services().lookup("echo").is_err());
    assert_eq!(test.lookup("echo"), Ok(echo.pid()));
}

#[test]
fn service_registry_wait_for_service() {
    let node = node();
    let services = node.services();
    let waiting = {
        let services = services.clone();
        std::thread::spawn(move || services.wait_for_service("late", T).wait())
    };
    let echo = node.spawn(Echo).unwrap();
    services.register("late", echo.pid()).unwrap();
    let found: Result<Pid, ServiceError> = waiting.join().unwrap();
    assert_eq!(found, Ok(echo.pid()));
    let typed: Result<ActorRef<Echo>, ServiceError> =
        services.wait_for_service("late", T).typed::<Echo>().wait();
    assert!(typed.is_ok());
}

// ---------------------------------------------------------------------------
// Infrastructure (Foundation.Infrastructure)
// ---------------------------------------------------------------------------

#[test]
fn infrastructure_rate_limiter() {
    let (node, clock) = manual_node();
    let limiter: Result<RateLimiter, InfrastructureError> =
        RateLimiter::new(&node, 2, Duration::from_secs(1));
    let limiter = limiter.unwrap();
    assert_eq!(limiter.check("user-1"), Ok(()));
    assert_eq!(limiter.check("user-1"), Ok(()));
    let limited: Result<(), RateLimited> = limiter.check("user-1");
    let limited = limited.unwrap_err();
    assert_eq!((limited.key.as_str(), limited.limit), ("user-1", 2));
    assert_eq!(limiter.check("user-2"), Ok(()));
    clock.advance(limited.retry_after);
    assert_eq!(limiter.check("user-1"), Ok(()));
}

#[test]
fn infrastructure_circuit_breaker_call() {
    let (node, clock) = manual_node();
    let breaker: CircuitBreaker =
        CircuitBreaker::new(&node, "db", 2, Duration::from_secs(30)).unwrap();
    for _ in 0..2 {
        let failed: Result<(), BreakerError<&str>> = breaker.call(|| Err("timeout"));
        assert_eq!(failed, Err(BreakerError::Failed("timeout")));
    }
    assert_eq!(breaker.state(), CircuitState::Open);
    assert!(matches!(
        breaker.call(|| Ok::<_, &str>(())),
        Err(BreakerError::Open(_))
    ));
    clock.advance(Duration::from_secs(30));
    assert_eq!(breaker.call(|| Ok::<_, &str>(1)), Ok(1));
    assert_eq!(breaker.state(), CircuitState::Closed);
}

#[test]
fn infrastructure_circuit_breaker_permit_and_reset() {
    let node = node();
    let breaker = CircuitBreaker::new(&node, "api", 1, Duration::from_secs(30)).unwrap();
    let permit: Result<Permit, CircuitOpen> = breaker.permit();
    permit.unwrap().failure();
    assert_eq!(breaker.state(), CircuitState::Open);
    assert_eq!(breaker.failures(), 1);
    breaker.reset();
    assert_eq!(breaker.state(), CircuitState::Closed);
    breaker.permit().unwrap().success();
}

#[test]
fn infrastructure_connection_pool() {
    let node = node();
    let options = PoolOptions {
        size: 2,
        ..PoolOptions::default()
    };
    let pool: Result<Pool<Echo>, InfrastructureError> =
        Pool::start(&node, "echoes", options, || Echo);
    let pool = pool.unwrap();
    let lease: Result<Lease<Echo>, PoolError> = pool.checkout().timeout(T).wait();
    let lease = lease.unwrap();
    assert_eq!(lease.call(|r| r, T), Ok(7)); // derefs to the worker's ActorRef
    let stats: PoolStats = pool.stats();
    assert_eq!((stats.idle, stats.checked_out), (1, 1));
    pool.checkin(lease);
    assert_eq!(pool.stats().checked_out, 0);
    pool.stop();
}

#[test]
fn infrastructure_execute_protected() {
    let node = node();
    let limiter = RateLimiter::new(&node, 1, Duration::from_secs(60)).unwrap();
    let breaker = CircuitBreaker::new(&node, "svc", 5, Duration::from_secs(30)).unwrap();
    let protection = Protection::unpooled()
        .rate_limiter(&limiter)
        .breaker(&breaker);
    let ok: Result<u32, ProtectedError<String>> =
        execute_protected("k", &protection, |_| Ok(21)).wait();
    assert_eq!(ok, Ok(21));
    let limited: Result<u32, ProtectedError<String>> =
        execute_protected("k", &protection, |_| Ok(21)).wait();
    assert!(matches!(limited, Err(ProtectedError::RateLimited(_))));
}

#[test]
fn infrastructure_execute_protected_with_a_pool() {
    let node = node();
    let pool = Pool::start(&node, "workers", PoolOptions::default(), || Echo).unwrap();
    let protection = Protection::pooled(&pool);
    let answer: Result<u32, ProtectedError<foundation::CallError>> =
        execute_protected("k", &protection, |worker: Option<&ActorRef<Echo>>| {
            worker.expect("a pooled call gets a worker").call(|r| r, T)
        })
        .wait();
    assert_eq!(answer, Ok(7));
}

#[test]
fn infrastructure_errors_convert_into_error() {
    let node = node();
    let zero: Result<RateLimiter, InfrastructureError> = RateLimiter::new(&node, 0, T);
    let error: Error = zero.unwrap_err().into();
    assert_eq!(error.category(), ErrorCategory::Config);
}
