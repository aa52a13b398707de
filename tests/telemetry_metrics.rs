//! Telemetry (ADR 0012): the API, and its bridge to the `metrics` facade
//! as a recorder installed by the test sees it. Its own binary: the
//! facade's recorder is process-wide.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use foundation::telemetry::{MetricKind, MetricValue, TelemetryError};
use foundation::{
    Actor, ChildSpec, Context, ExitReason, ManualClock, Node, Supervisor, SupervisorRef,
};
use metrics::{Key, KeyName, Metadata, Recorder, SharedString, Unit};

mod common;
use common::wait_until;

/// What the test's recorder holds for one metric.
#[derive(Debug, Clone, PartialEq)]
enum DebugValue {
    Counter(u64),
    Gauge(f64),
    Histogram(Vec<f64>),
}

/// A histogram's recorded values.
#[derive(Default)]
struct Samples(Mutex<Vec<f64>>);
impl metrics::HistogramFn for Samples {
    fn record(&self, value: f64) {
        self.0.lock().unwrap().push(value);
    }
}

/// The recorder this binary installs: every metric by key, read without
/// resetting anything.
#[derive(Default)]
struct Store {
    counters: Mutex<HashMap<Key, Arc<AtomicU64>>>,
    gauges: Mutex<HashMap<Key, Arc<AtomicU64>>>,
    histograms: Mutex<HashMap<Key, Arc<Samples>>>,
}

struct TestRecorder(&'static Store);

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> metrics::Counter {
        let cell = self
            .0
            .counters
            .lock()
            .unwrap()
            .entry(key.clone())
            .or_default()
            .clone();
        metrics::Counter::from_arc(cell)
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> metrics::Gauge {
        let cell = self
            .0
            .gauges
            .lock()
            .unwrap()
            .entry(key.clone())
            .or_default()
            .clone();
        metrics::Gauge::from_arc(cell)
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> metrics::Histogram {
        let cell = self
            .0
            .histograms
            .lock()
            .unwrap()
            .entry(key.clone())
            .or_default()
            .clone();
        metrics::Histogram::from_arc(cell)
    }
}

/// The recorder every test of this binary shares (installed once).
fn store() -> &'static Store {
    static STORE: OnceLock<&'static Store> = OnceLock::new();
    STORE.get_or_init(|| {
        let store: &'static Store = Box::leak(Box::default());
        metrics::set_global_recorder(TestRecorder(store))
            .expect("the only recorder of this binary");
        store
    })
}

/// What the facade holds for `name` with the label `node = node`.
fn facade(name: &str, node: &str) -> Option<DebugValue> {
    let store = store();
    let wanted = |key: &Key| {
        key.name() == name && key.labels().any(|l| l.key() == "node" && l.value() == node)
    };
    if let Some((_, c)) = store
        .counters
        .lock()
        .unwrap()
        .iter()
        .find(|(k, _)| wanted(k))
    {
        return Some(DebugValue::Counter(c.load(SeqCst)));
    }
    if let Some((_, g)) = store.gauges.lock().unwrap().iter().find(|(k, _)| wanted(k)) {
        return Some(DebugValue::Gauge(f64::from_bits(g.load(SeqCst))));
    }
    let histograms = store.histograms.lock().unwrap();
    let (_, h) = histograms.iter().find(|(k, _)| wanted(k))?;
    Some(DebugValue::Histogram(h.0.lock().unwrap().clone()))
}

fn named(name: &str) -> Node {
    store();
    Node::builder().name(name).schedulers(1).start().unwrap()
}

struct Idle;
impl Actor for Idle {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {}
}

struct Bomb;
impl Actor for Bomb {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {
        panic!("bomb");
    }
}

#[test]
fn two_nodes_metrics_are_told_apart_by_their_node_label() {
    let (alpha, beta) = (named("tm-alpha"), named("tm-beta"));
    alpha
        .telemetry()
        .counter("app.requests")
        .unwrap()
        .increment(2);
    beta.telemetry()
        .counter("app.requests")
        .unwrap()
        .increment(5);
    alpha.telemetry().gauge("app.queue").unwrap().set(1.5);
    beta.telemetry()
        .histogram("app.latency")
        .unwrap()
        .record(0.25);
    assert_eq!(
        facade("app.requests", "tm-alpha"),
        Some(DebugValue::Counter(2))
    );
    assert_eq!(
        facade("app.requests", "tm-beta"),
        Some(DebugValue::Counter(5))
    );
    assert_eq!(
        facade("app.queue", "tm-alpha"),
        Some(DebugValue::Gauge(1.5))
    );
    assert_eq!(facade("app.queue", "tm-beta"), None);
    assert_eq!(
        facade("app.latency", "tm-beta"),
        Some(DebugValue::Histogram(vec![0.25]))
    );
    // Each node's own reading, too.
    assert_eq!(
        alpha.telemetry().metrics_for("app.requests")[0].value,
        MetricValue::Counter(2)
    );
    assert_eq!(
        beta.telemetry().metrics_for("app.requests")[0].value,
        MetricValue::Counter(5)
    );
}

#[test]
fn the_runtimes_counters_reach_the_facade_copied_not_counted_again() {
    let node = named("tm-runtime");
    let idle: Vec<_> = (0..3).map(|_| node.spawn(Idle).unwrap()).collect();
    let bomb = node.spawn(Bomb).unwrap();
    bomb.send(()).unwrap();
    wait_until("the bomb's exit", || node.stats().panics == 1);
    idle[0].stop();
    wait_until("the stop", || !idle[0].is_alive());
    for _ in 0..2 {
        // Sampling twice copies the same totals: nothing is added twice.
        node.telemetry().sample();
    }
    let stats = node.stats();
    let total = |name| facade(name, "tm-runtime");
    assert_eq!(
        total("foundation.actors.spawned"),
        Some(DebugValue::Counter(4))
    );
    assert_eq!(
        total("foundation.actors.panics"),
        Some(DebugValue::Counter(1))
    );
    assert_eq!(
        total("foundation.actors.stopped"),
        Some(DebugValue::Counter(stats.stopped))
    );
    assert_eq!(
        total("foundation.dead_letters"),
        Some(DebugValue::Counter(node.dead_letters().count()))
    );
    assert_eq!(
        total("foundation.actors.live"),
        Some(DebugValue::Gauge(stats.live as f64))
    );
    for name in [
        "foundation.flow.overloads",
        "foundation.flow.muted_senders",
        "foundation.flow.credit_waits",
        "foundation.supervisor.restarts",
        "foundation.mailbox.depth.max",
        "foundation.mailbox.depth.total",
    ] {
        assert!(total(name).is_some(), "{name} is published");
    }
    let local = node.telemetry().metrics_for("foundation.actors.spawned");
    assert_eq!(local[0].value, MetricValue::Counter(4));
}

/// Holds its mailbox: the first message blocks it until released.
struct Held(mpsc::Receiver<()>);
impl Actor for Held {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {
        let _ = self.0.recv();
    }
}

#[test]
fn mailbox_depth_is_a_sampled_gauge() {
    let node = Node::builder()
        .name("tm-depth")
        .schedulers(2)
        .start()
        .unwrap();
    let (release, held) = mpsc::channel();
    let actor = node.spawn(Held(held)).unwrap();
    for _ in 0..11 {
        actor.send(()).unwrap();
    }
    // The first is being handled (blocked); ten wait.
    wait_until("ten queued", || actor.mailbox_len() == 10);
    node.telemetry().sample();
    assert_eq!(
        facade("foundation.mailbox.depth.max", "tm-depth"),
        Some(DebugValue::Gauge(10.0))
    );
    for _ in 0..11 {
        release.send(()).unwrap();
    }
    wait_until("drained", || actor.mailbox_len() == 0);
    node.telemetry().sample();
    assert_eq!(
        facade("foundation.mailbox.depth.max", "tm-depth"),
        Some(DebugValue::Gauge(0.0))
    );
}

#[test]
fn the_interval_samples_on_the_nodes_clock() {
    let clock = ManualClock::new();
    let node = Node::builder()
        .name("tm-interval")
        .schedulers(1)
        .clock(clock.clone())
        .telemetry_interval(Duration::from_secs(10))
        .start()
        .unwrap();
    store();
    let _idle = node.spawn(Idle).unwrap();
    assert_eq!(facade("foundation.actors.live", "tm-interval"), None);
    clock.advance(Duration::from_secs(10));
    wait_until("the first sample", || {
        facade("foundation.actors.live", "tm-interval") == Some(DebugValue::Gauge(1.0))
    });
    let _second = node.spawn(Idle).unwrap();
    clock.advance(Duration::from_secs(10));
    wait_until("the next sample", || {
        facade("foundation.actors.live", "tm-interval") == Some(DebugValue::Gauge(2.0))
    });
    let zero = Node::builder().telemetry_interval(Duration::ZERO).start();
    assert!(matches!(
        zero,
        Err(foundation::NodeError::InvalidConfig {
            field: "telemetry_interval",
            ..
        })
    ));
}

enum Crashy {
    Crash,
}
struct Child;
impl Actor for Child {
    type Msg = Crashy;
    fn handle(&mut self, msg: Crashy, _: &mut Context<Self>) {
        match msg {
            Crashy::Crash => panic!("child crashes"),
        }
    }
}

fn supervised(node: &Node) -> SupervisorRef {
    Supervisor::builder()
        .intensity(100, Duration::from_secs(60))
        .child(ChildSpec::new("a", || Child))
        .child(ChildSpec::new("b", || Child))
        .spawn(node)
        .unwrap()
}

#[test]
fn supervisors_count_restarts_per_child_and_report_them() {
    let node = named("tm-restarts");
    let restarts = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&restarts);
    node.telemetry()
        .attach("restarts", "foundation.supervisor.restart", move |event| {
            seen.lock().unwrap().push((
                event.metadata("child").unwrap().to_string(),
                event.measurement("restarts").unwrap(),
            ));
        })
        .unwrap();
    let sup = supervised(&node);
    let a = sup.child::<Child>("a").unwrap().unwrap();
    for n in 1..=3 {
        a.send(Crashy::Crash).unwrap();
        wait_until("a restart", || {
            sup.which_children().unwrap()[0].restarts == n && a.is_alive()
        });
    }
    let children = sup.which_children().unwrap();
    assert_eq!((children[0].restarts, children[1].restarts), (3, 0));
    assert_eq!(node.stats().restarts, 3);
    assert_eq!(
        *restarts.lock().unwrap(),
        [
            ("a".to_string(), 1.0),
            ("a".to_string(), 2.0),
            ("a".to_string(), 3.0)
        ]
    );
    // A restart asked for is not a failure's.
    sup.terminate_child("b").unwrap();
    sup.restart_child("b").unwrap();
    assert_eq!(sup.which_children().unwrap()[1].restarts, 0);
    assert_eq!(node.stats().restarts, 3);
    node.telemetry().sample();
    assert_eq!(
        facade("foundation.supervisor.restarts", "tm-restarts"),
        Some(DebugValue::Counter(3))
    );
}

#[test]
fn handlers_see_spawns_and_exits_with_their_reason() {
    let node = named("tm-lifecycle");
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    node.telemetry()
        .attach("life", "foundation.actor", move |event| {
            seen.lock().unwrap().push((
                event.name.to_string(),
                event.metadata("pid").unwrap().to_string(),
                event.metadata("reason").map(str::to_string),
            ));
        })
        .unwrap();
    let idle = node.spawn(Idle).unwrap();
    let pid = idle.pid().to_string();
    idle.stop();
    wait_until("the exit event", || events.lock().unwrap().len() == 2);
    let events = events.lock().unwrap();
    assert_eq!(
        events[0],
        ("foundation.actor.spawn".into(), pid.clone(), None)
    );
    assert_eq!(
        events[1],
        (
            "foundation.actor.exit".into(),
            pid,
            Some(ExitReason::Shutdown.to_string())
        )
    );
}

#[test]
fn execute_and_measure_reach_handlers_and_histograms() {
    let clock = ManualClock::new();
    let node = Node::builder()
        .name("tm-execute")
        .schedulers(1)
        .clock(clock.clone())
        .start()
        .unwrap();
    let telemetry = node.telemetry();
    let calls = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&calls);
    telemetry
        .attach("shop", "shop", move |event| {
            assert_eq!(event.node, "tm-execute");
            count.fetch_add(1, SeqCst);
        })
        .unwrap();
    telemetry
        .execute("shop.order", &[("total", 10.0)], &[("user", "ada")])
        .unwrap();
    telemetry.execute("shopping.cart", &[], &[]).unwrap(); // not under "shop."
    let out = telemetry.measure("shop.pay", &[], || {
        clock.advance(Duration::from_millis(1500));
        "paid"
    });
    assert_eq!(out, "paid");
    assert_eq!(calls.load(SeqCst), 2);
    let pay = &telemetry.metrics_for("shop.pay.duration")[0];
    assert!(matches!(pay.value, MetricValue::Histogram(h) if h.count == 1 && h.sum == 1.5));
    assert_eq!(
        facade("shop.order.total", "tm-execute"),
        Some(DebugValue::Histogram(vec![10.0]))
    );
    // Errors.
    assert_eq!(
        telemetry.execute("bad name", &[], &[]),
        Err(TelemetryError::InvalidName("bad name".into()))
    );
    assert_eq!(
        telemetry.attach("shop", "", |_| {}),
        Err(TelemetryError::DuplicateHandler("shop".into()))
    );
    assert_eq!(
        telemetry.detach("nobody"),
        Err(TelemetryError::UnknownHandler("nobody".into()))
    );
    assert!(matches!(
        telemetry
            .histogram("shop.order.total")
            .map(|_| ())
            .and(telemetry.counter("shop.order.total").map(|_| ())),
        Err(TelemetryError::KindMismatch {
            existing: MetricKind::Histogram,
            wanted: MetricKind::Counter,
            ..
        })
    ));
    telemetry.detach("shop").unwrap();
    telemetry.execute("shop.order", &[], &[]).unwrap();
    assert_eq!(calls.load(SeqCst), 2, "a detached handler sees nothing");
}

/// Emits an event whose handler panics.
struct Emitter(mpsc::Sender<u32>);
impl Actor for Emitter {
    type Msg = u32;
    fn handle(&mut self, n: u32, ctx: &mut Context<Self>) {
        ctx.telemetry().execute("emitter.tick", &[], &[]).unwrap();
        self.0.send(n).unwrap();
    }
}

#[test]
fn a_panicking_handler_is_detached_and_the_emitting_actor_carries_on() {
    let node = named("tm-panicky");
    let telemetry = node.telemetry();
    telemetry
        .attach("bad", "emitter", |_| panic!("handler bug"))
        .unwrap();
    let good = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&good);
    telemetry
        .attach("good", "emitter", move |_| {
            count.fetch_add(1, SeqCst);
        })
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let emitter = node.spawn(Emitter(tx)).unwrap();
    emitter.send(1).unwrap();
    emitter.send(2).unwrap();
    assert_eq!(rx.recv_timeout(common::T).unwrap(), 1);
    assert_eq!(rx.recv_timeout(common::T).unwrap(), 2);
    assert!(emitter.is_alive());
    assert_eq!(node.stats().panics, 0, "not the actor's crash");
    assert_eq!(telemetry.handlers(), ["good"]);
    assert_eq!(telemetry.panicked_handlers(), 1);
    assert_eq!(good.load(SeqCst), 2, "the other handler saw both");
    // Emitted from a plain thread, too.
    telemetry
        .attach("bad", "emitter", |_| panic!("again"))
        .unwrap();
    telemetry.execute("emitter.tick", &[], &[]).unwrap();
    assert_eq!(telemetry.panicked_handlers(), 2);
}

#[test]
fn handlers_see_dead_letters_as_the_sink_records_them() {
    let node = named("tm-dead");
    let letters = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&letters);
    node.telemetry()
        .attach("dead", "foundation.dead_letter", move |event| {
            seen.lock().unwrap().push((
                event.metadata("kind").unwrap().to_string(),
                event.measurement("count").unwrap(),
            ));
        })
        .unwrap();
    let bomb = node.spawn(Bomb).unwrap();
    bomb.send(()).unwrap();
    wait_until("the dead letter", || node.dead_letters().count() == 1);
    wait_until("its event", || letters.lock().unwrap().len() == 1);
    assert_eq!(letters.lock().unwrap()[0].1, 1.0);
    node.telemetry().sample();
    assert_eq!(
        facade("foundation.dead_letters", "tm-dead"),
        Some(DebugValue::Counter(1))
    );
}
