//! A node's telemetry hub (ADR 0012): the attached handlers, the node's
//! metrics (counters, gauges, histograms), and the two bridges — every
//! metric also goes to the `metrics` facade, labelled with the node's
//! name, and every event to `tracing`. Below the actors (in the node's
//! shared state), so the runtime's own lifecycle reports come here too.

use core::fmt;
use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{AtomicBool, AtomicU64};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use crate::exit::ExitReason;
use crate::panic::{CatchScope, payload_text};
use crate::pid::Pid;
use crate::sync::lock;

/// One event, as a handler sees it: which node emitted it, its dotted
/// name, its numbers and its context. See
/// [`Telemetry::attach`](crate::telemetry::Telemetry::attach).
#[derive(Debug, Clone, Copy)]
pub struct TelemetryEvent<'a> {
    /// The emitting node's name.
    pub node: &'a str,
    /// The event's dotted name (`"foundation.actor.spawn"`, `"shop.checkout"`).
    pub name: &'a str,
    /// Its numbers, by key (`"duration"` in seconds for a measured one).
    pub measurements: &'a [(&'a str, f64)],
    /// Its context, by key (`"pid"`, `"reason"`, ...).
    pub metadata: &'a [(&'a str, &'a str)],
}

impl TelemetryEvent<'_> {
    /// The measurement `key`, if the event has it.
    ///
    /// ```
    /// use foundation::telemetry::TelemetryEvent;
    /// let event = TelemetryEvent {
    ///     node: "n", name: "job.done", measurements: &[("items", 3.0)], metadata: &[("queue", "fast")],
    /// };
    /// assert_eq!(event.measurement("items"), Some(3.0));
    /// assert_eq!(event.metadata("queue"), Some("fast"));
    /// assert_eq!(event.measurement("nothing"), None);
    /// ```
    pub fn measurement(&self, key: &str) -> Option<f64> {
        self.measurements
            .iter()
            .find(|(k, _)| *k == key)
            .map(|&(_, v)| v)
    }

    /// The metadata `key`, if the event has it (see
    /// [`measurement`](Self::measurement) for an example).
    ///
    /// ```
    /// use foundation::telemetry::TelemetryEvent;
    ///
    /// let event = TelemetryEvent { node: "n", name: "http.request", measurements: &[], metadata: &[("route", "/users")] };
    /// assert_eq!(event.metadata("route"), Some("/users"));
    /// assert_eq!(event.metadata("method"), None);
    /// ```
    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| *k == key)
            .map(|&(_, v)| v)
    }
}

/// Why a telemetry operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TelemetryError {
    /// A handler with this id is attached already.
    #[error("a telemetry handler with id {0:?} is attached already")]
    DuplicateHandler(String),
    /// No handler with this id is attached.
    #[error("no telemetry handler with id {0:?} is attached")]
    UnknownHandler(String),
    /// An event or metric name must be dotted words: not empty, no empty
    /// segment, no whitespace.
    #[error("{0:?} is not a telemetry name: use dotted words, such as \"shop.orders.placed\"")]
    InvalidName(String),
    /// The name is taken by a metric of another kind.
    #[error("metric {name:?} is a {existing}, not a {wanted}")]
    KindMismatch {
        /// The metric's name.
        name: String,
        /// What it is.
        existing: MetricKind,
        /// What was asked for.
        wanted: MetricKind,
    },
}

impl From<TelemetryError> for crate::error::Error {
    fn from(error: TelemetryError) -> Self {
        use crate::error::{Error, ErrorCategory, ErrorCode, RetryStrategy, Severity};
        let (number, name) = match &error {
            TelemetryError::DuplicateHandler(_) => (3501, "telemetry.duplicate_handler"),
            TelemetryError::UnknownHandler(_) => (3502, "telemetry.unknown_handler"),
            TelemetryError::InvalidName(_) => (3503, "telemetry.invalid_name"),
            TelemetryError::KindMismatch { .. } => (3504, "telemetry.kind_mismatch"),
        };
        Error::new(
            ErrorCode::new(number, name),
            ErrorCategory::Data,
            error.to_string(),
        )
        .with_severity(Severity::Low)
        .with_retry(RetryStrategy::None)
    }
}

/// A metric's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetricKind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
    /// A distribution of recorded values.
    Histogram,
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        })
    }
}

/// A histogram's figures so far.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HistogramSummary {
    /// Values recorded.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// The smallest (0 with none).
    pub min: f64,
    /// The largest (0 with none).
    pub max: f64,
}

impl HistogramSummary {
    /// The mean (0 with no value).
    ///
    /// ```
    /// let s = foundation::telemetry::HistogramSummary { count: 2, sum: 3.0, min: 1.0, max: 2.0 };
    /// assert_eq!(s.mean(), 1.5);
    /// ```
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }

    fn record(&mut self, value: f64) {
        if self.count == 0 {
            (self.min, self.max) = (value, value);
        } else {
            self.min = self.min.min(value);
            self.max = self.max.max(value);
        }
        self.count += 1;
        self.sum += value;
    }
}

/// A metric's reading.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum MetricValue {
    /// A counter's total.
    Counter(u64),
    /// A gauge's value.
    Gauge(f64),
    /// A histogram's summary.
    Histogram(HistogramSummary),
}

impl MetricValue {
    /// The reading as one number: a counter's total, a gauge's value, a
    /// histogram's count.
    ///
    /// ```
    /// use foundation::telemetry::MetricValue;
    /// assert_eq!(MetricValue::Counter(3).as_f64(), 3.0);
    /// assert_eq!(MetricValue::Gauge(0.5).as_f64(), 0.5);
    /// ```
    pub fn as_f64(&self) -> f64 {
        match self {
            MetricValue::Counter(n) => *n as f64,
            MetricValue::Gauge(v) => *v,
            MetricValue::Histogram(h) => h.count as f64,
        }
    }
}

/// One metric of a node: its name, its labels (besides the node's, which
/// every metric carries on the facade) and its reading. See
/// [`Telemetry::metrics_for`](crate::telemetry::Telemetry::metrics_for).
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Dotted name.
    pub name: String,
    /// Labels, as key–value pairs (`ecosystem`, `member`, ...).
    pub labels: Vec<(String, String)>,
    /// The reading.
    pub value: MetricValue,
}

impl Metric {
    /// The label `key`'s value, if the metric has it.
    ///
    /// ```
    /// use foundation::telemetry::{Metric, MetricValue};
    /// let m = Metric { name: "a.b".into(), labels: vec![("member".into(), "w0".into())], value: MetricValue::Gauge(1.0) };
    /// assert_eq!(m.label("member"), Some("w0"));
    /// ```
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A counter of a node's: see [`Telemetry::counter`](crate::telemetry::Telemetry::counter).
#[derive(Clone)]
pub struct Counter {
    local: Arc<AtomicU64>,
    facade: metrics::Counter,
}

impl Counter {
    /// Adds `n`.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let sent = node.telemetry().counter("mail.sent")?;
    /// sent.increment(2);
    /// assert_eq!(sent.value(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn increment(&self, n: u64) {
        self.local.fetch_add(n, Relaxed);
        self.facade.increment(n);
    }

    /// The total so far (see [`increment`](Self::increment)).
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let jobs = node.telemetry().counter("app.jobs")?;
    /// jobs.increment(3);
    /// assert_eq!(jobs.value(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn value(&self) -> u64 {
        self.local.load(Relaxed)
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Counter").field(&self.value()).finish()
    }
}

/// A gauge of a node's: see [`Telemetry::gauge`](crate::telemetry::Telemetry::gauge).
#[derive(Clone)]
pub struct Gauge {
    local: Arc<AtomicU64>,
    facade: metrics::Gauge,
}

impl Gauge {
    /// Sets the value.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let load = node.telemetry().gauge("cpu.load")?;
    /// load.set(0.75);
    /// assert_eq!(load.value(), 0.75);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set(&self, value: f64) {
        self.local.store(value.to_bits(), Relaxed);
        self.facade.set(value);
    }

    /// Adds `delta` (negative: takes away).
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let open = node.telemetry().gauge("conns.open")?;
    /// open.add(3.0);
    /// open.add(-1.0);
    /// assert_eq!(open.value(), 2.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add(&self, delta: f64) {
        let mut old = self.local.load(Relaxed);
        loop {
            let new = (f64::from_bits(old) + delta).to_bits();
            match self.local.compare_exchange_weak(old, new, Relaxed, Relaxed) {
                Ok(_) => break,
                Err(now) => old = now,
            }
        }
        self.facade.increment(delta);
    }

    /// The value now (see [`set`](Self::set)).
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let depth = node.telemetry().gauge("app.queue.depth")?;
    /// depth.set(12.0);
    /// assert_eq!(depth.value(), 12.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn value(&self) -> f64 {
        f64::from_bits(self.local.load(Relaxed))
    }
}

impl fmt::Debug for Gauge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Gauge").field(&self.value()).finish()
    }
}

/// A histogram of a node's: see [`Telemetry::histogram`](crate::telemetry::Telemetry::histogram).
#[derive(Clone)]
pub struct Histogram {
    local: Arc<Mutex<HistogramSummary>>,
    facade: metrics::Histogram,
}

impl Histogram {
    /// Records `value`.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let took = node.telemetry().histogram("job.seconds")?;
    /// took.record(0.5);
    /// took.record(1.5);
    /// assert_eq!(took.summary().count, 2);
    /// assert_eq!(took.summary().mean(), 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record(&self, value: f64) {
        lock(&self.local).record(value);
        self.facade.record(value);
    }

    /// The figures so far (see [`record`](Self::record)).
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let latency = node.telemetry().histogram("app.latency")?;
    /// for seconds in [0.010, 0.020, 0.030] {
    ///     latency.record(seconds);
    /// }
    /// let summary = latency.summary();
    /// assert_eq!((summary.count, summary.min, summary.max), (3, 0.010, 0.030));
    /// assert!((summary.mean() - 0.020).abs() < 1e-9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn summary(&self) -> HistogramSummary {
        *lock(&self.local)
    }
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Histogram").field(&self.summary()).finish()
    }
}

enum Entry {
    Counter(Arc<AtomicU64>),
    Gauge(Arc<AtomicU64>),
    Histogram(Arc<Mutex<HistogramSummary>>),
}

impl Entry {
    fn kind(&self) -> MetricKind {
        match self {
            Entry::Counter(_) => MetricKind::Counter,
            Entry::Gauge(_) => MetricKind::Gauge,
            Entry::Histogram(_) => MetricKind::Histogram,
        }
    }

    fn value(&self) -> MetricValue {
        match self {
            Entry::Counter(n) => MetricValue::Counter(n.load(Relaxed)),
            Entry::Gauge(v) => MetricValue::Gauge(f64::from_bits(v.load(Relaxed))),
            Entry::Histogram(h) => MetricValue::Histogram(*lock(h)),
        }
    }
}

type Labels = Vec<(String, String)>;

/// A handler's callback.
pub(crate) type HandlerFn = dyn Fn(&TelemetryEvent<'_>) + Send + Sync;

struct Handler {
    id: String,
    prefix: String,
    callback: Box<HandlerFn>,
}

impl Handler {
    fn wants(&self, name: &str) -> bool {
        self.prefix.is_empty()
            || name == self.prefix
            || (name.starts_with(&self.prefix) && name.as_bytes()[self.prefix.len()] == b'.')
    }
}

/// Checks a dotted name.
pub(crate) fn check_name(name: &str) -> Result<(), TelemetryError> {
    let valid = !name.is_empty()
        && name
            .split('.')
            .all(|part| !part.is_empty() && !part.chars().any(char::is_whitespace));
    if valid {
        Ok(())
    } else {
        Err(TelemetryError::InvalidName(name.to_string()))
    }
}

/// A node's telemetry: see the module's doc.
pub(crate) struct Hub {
    node: String,
    /// Attached handlers, replaced whole on attach and detach, so that an
    /// emit runs them without a lock held (a handler may attach or detach).
    handlers: Mutex<Arc<Vec<Arc<Handler>>>>,
    /// Whether any handler is attached: what the runtime's hot paths look
    /// at before building an event.
    attached: AtomicBool,
    metrics: Mutex<HashMap<(String, Labels), Entry>>,
    /// Handlers detached because they panicked.
    panicked: AtomicU64,
}

impl Hub {
    pub(crate) fn new(node: &str) -> Self {
        Hub {
            node: node.to_string(),
            handlers: Mutex::new(Arc::new(Vec::new())),
            attached: AtomicBool::new(false),
            metrics: Mutex::new(HashMap::new()),
            panicked: AtomicU64::new(0),
        }
    }

    pub(crate) fn node(&self) -> &str {
        &self.node
    }

    pub(crate) fn attach(
        &self,
        id: &str,
        prefix: &str,
        callback: Box<HandlerFn>,
    ) -> Result<(), TelemetryError> {
        if !prefix.is_empty() {
            check_name(prefix)?;
        }
        let mut handlers = lock(&self.handlers);
        if handlers.iter().any(|h| h.id == id) {
            return Err(TelemetryError::DuplicateHandler(id.to_string()));
        }
        let mut next = Vec::clone(&handlers);
        next.push(Arc::new(Handler {
            id: id.to_string(),
            prefix: prefix.to_string(),
            callback,
        }));
        *handlers = Arc::new(next);
        self.attached.store(true, Relaxed);
        Ok(())
    }

    pub(crate) fn detach(&self, id: &str) -> Result<(), TelemetryError> {
        let mut handlers = lock(&self.handlers);
        if !handlers.iter().any(|h| h.id == id) {
            return Err(TelemetryError::UnknownHandler(id.to_string()));
        }
        let next: Vec<_> = handlers.iter().filter(|h| h.id != id).cloned().collect();
        self.attached.store(!next.is_empty(), Relaxed);
        *handlers = Arc::new(next);
        Ok(())
    }

    pub(crate) fn handler_ids(&self) -> Vec<String> {
        lock(&self.handlers).iter().map(|h| h.id.clone()).collect()
    }

    pub(crate) fn panicked_handlers(&self) -> u64 {
        self.panicked.load(Relaxed)
    }

    /// Whether any handler is attached.
    #[inline]
    pub(crate) fn is_attached(&self) -> bool {
        self.attached.load(Relaxed)
    }

    /// Runs every handler that wants `event`. A handler that panics is
    /// detached and reported (target `foundation::telemetry`); the panic
    /// goes no further — it is not a crash of the actor whose handler
    /// emitted the event.
    pub(crate) fn emit(&self, event: &TelemetryEvent<'_>) {
        if !self.is_attached() {
            return;
        }
        let handlers = Arc::clone(&lock(&self.handlers));
        for handler in handlers.iter().filter(|h| h.wants(event.name)) {
            let outcome = {
                let _scope = CatchScope::enter();
                catch_unwind(AssertUnwindSafe(|| (handler.callback)(event)))
            };
            if let Err(payload) = outcome {
                let text = payload_text(&*payload);
                drop(payload);
                let _ = self.detach_same(handler);
                self.panicked.fetch_add(1, Relaxed);
                crate::report::visible!(
                    warn,
                    target: "foundation::telemetry",
                    { node = %self.node, handler = %handler.id, event = %event.name, },
                    "node {}: telemetry handler {:?} panicked on event {} and was detached: {text}",
                    self.node, handler.id, event.name
                );
            }
        }
    }

    /// Detaches `handler` if it is still the one attached under its id.
    fn detach_same(&self, handler: &Arc<Handler>) -> bool {
        let mut handlers = lock(&self.handlers);
        if !handlers.iter().any(|h| Arc::ptr_eq(h, handler)) {
            return false;
        }
        let next: Vec<_> = handlers
            .iter()
            .filter(|h| !Arc::ptr_eq(h, handler))
            .cloned()
            .collect();
        self.attached.store(!next.is_empty(), Relaxed);
        *handlers = Arc::new(next);
        true
    }

    /// An event from the users' code: to the handlers, to `tracing`
    /// (debug, target `foundation::telemetry`), and each measurement
    /// recorded in the histogram `{event}.{key}`.
    pub(crate) fn execute(&self, event: &TelemetryEvent<'_>) -> Result<(), TelemetryError> {
        check_name(event.name)?;
        for (key, _) in event.measurements {
            check_name(key)?;
        }
        tracing::debug!(
            target: "foundation::telemetry",
            node = %self.node,
            event = %event.name,
            measurements = ?event.measurements,
            metadata = ?event.metadata,
            "telemetry event {}", event.name
        );
        for &(key, value) in event.measurements {
            self.histogram(&format!("{}.{key}", event.name), Vec::new())?
                .record(value);
        }
        self.emit(event);
        Ok(())
    }

    fn facade_labels(&self, labels: &Labels) -> Vec<metrics::Label> {
        let mut all = Vec::with_capacity(labels.len() + 1);
        all.push(metrics::Label::new("node", self.node.clone()));
        all.extend(
            labels
                .iter()
                .map(|(k, v)| metrics::Label::new(k.clone(), v.clone())),
        );
        all
    }

    /// The local cell of `name` with `labels`, made if it is new.
    fn entry<T>(
        &self,
        name: &str,
        labels: Labels,
        wanted: MetricKind,
        make: impl FnOnce() -> Entry,
        pick: impl FnOnce(&Entry) -> Option<T>,
    ) -> Result<T, TelemetryError> {
        check_name(name)?;
        let mut metrics = lock(&self.metrics);
        let entry = metrics
            .entry((name.to_string(), labels))
            .or_insert_with(make);
        pick(entry).ok_or_else(|| TelemetryError::KindMismatch {
            name: name.to_string(),
            existing: entry.kind(),
            wanted,
        })
    }

    pub(crate) fn counter(&self, name: &str, labels: Labels) -> Result<Counter, TelemetryError> {
        let facade_labels = self.facade_labels(&labels);
        let local = self.entry(
            name,
            labels,
            MetricKind::Counter,
            || Entry::Counter(Arc::default()),
            |e| match e {
                Entry::Counter(c) => Some(Arc::clone(c)),
                _ => None,
            },
        )?;
        let facade = metrics::counter!(name.to_string(), facade_labels);
        Ok(Counter { local, facade })
    }

    pub(crate) fn gauge(&self, name: &str, labels: Labels) -> Result<Gauge, TelemetryError> {
        let facade_labels = self.facade_labels(&labels);
        let local = self.entry(
            name,
            labels,
            MetricKind::Gauge,
            || Entry::Gauge(Arc::new(AtomicU64::new(0f64.to_bits()))),
            |e| match e {
                Entry::Gauge(g) => Some(Arc::clone(g)),
                _ => None,
            },
        )?;
        let facade = metrics::gauge!(name.to_string(), facade_labels);
        Ok(Gauge { local, facade })
    }

    pub(crate) fn histogram(
        &self,
        name: &str,
        labels: Labels,
    ) -> Result<Histogram, TelemetryError> {
        let facade_labels = self.facade_labels(&labels);
        let local = self.entry(
            name,
            labels,
            MetricKind::Histogram,
            || Entry::Histogram(Arc::default()),
            |e| match e {
                Entry::Histogram(h) => Some(Arc::clone(h)),
                _ => None,
            },
        )?;
        let facade = metrics::histogram!(name.to_string(), facade_labels);
        Ok(Histogram { local, facade })
    }

    /// Publishes a figure the runtime already counts (never counted a
    /// second time: the reading is copied, here and to the facade).
    pub(crate) fn publish_total(&self, name: &'static str, labels: Labels, total: u64) {
        if let Ok(counter) = self.counter(name, labels) {
            counter.local.store(total, Relaxed);
            counter.facade.absolute(total);
        }
    }

    /// Publishes a sampled reading as a gauge.
    pub(crate) fn publish_gauge(&self, name: &'static str, labels: Labels, value: f64) {
        if let Ok(gauge) = self.gauge(name, labels) {
            gauge.set(value);
        }
    }

    /// Every metric whose name is `prefix` or begins with `prefix.`
    /// (all of them for `""`), by name.
    pub(crate) fn metrics_for(&self, prefix: &str) -> Vec<Metric> {
        let wants = |name: &str| {
            prefix.is_empty()
                || name == prefix
                || (name.starts_with(prefix) && name.as_bytes()[prefix.len()] == b'.')
        };
        let mut found: Vec<Metric> = lock(&self.metrics)
            .iter()
            .filter(|((name, _), _)| wants(name))
            .map(|((name, labels), entry)| Metric {
                name: name.clone(),
                labels: labels.clone(),
                value: entry.value(),
            })
            .collect();
        found.sort_by(|a, b| (&a.name, &a.labels).cmp(&(&b.name, &b.labels)));
        found
    }

    /// An actor was spawned: a `tracing` debug event (target
    /// `foundation::lifecycle`) and, with handlers attached, the event
    /// `foundation.actor.spawn`. With neither listening, two loads.
    #[inline]
    pub(crate) fn spawned(&self, pid: Pid, actor: &'static str) {
        if tracing::level_enabled!(tracing::Level::DEBUG) || self.is_attached() {
            self.report_spawn(pid, actor);
        }
    }

    #[cold]
    #[inline(never)]
    fn report_spawn(&self, pid: Pid, actor: &str) {
        tracing::debug!(target: "foundation::lifecycle", node = %self.node, %pid, actor, "spawned {pid} ({actor})");
        if self.is_attached() {
            let pid = pid.to_string();
            self.emit(&TelemetryEvent {
                node: &self.node,
                name: "foundation.actor.spawn",
                measurements: &[("count", 1.0)],
                metadata: &[("pid", &pid), ("actor", actor)],
            });
        }
    }

    /// An actor's incarnation ended: a `tracing` debug event and, with
    /// handlers attached, `foundation.actor.exit` with the reason.
    #[inline]
    pub(crate) fn exited(&self, pid: Pid, actor: &'static str, reason: &ExitReason) {
        if tracing::level_enabled!(tracing::Level::DEBUG) || self.is_attached() {
            self.report_exit(pid, actor, reason);
        }
    }

    #[cold]
    #[inline(never)]
    fn report_exit(&self, pid: Pid, actor: &str, reason: &ExitReason) {
        tracing::debug!(target: "foundation::lifecycle", node = %self.node, %pid, actor, %reason, "{pid} ({actor}) exited: {reason}");
        if self.is_attached() {
            let (pid, reason) = (pid.to_string(), reason.to_string());
            self.emit(&TelemetryEvent {
                node: &self.node,
                name: "foundation.actor.exit",
                measurements: &[("count", 1.0)],
                metadata: &[("pid", &pid), ("actor", actor), ("reason", &reason)],
            });
        }
    }

    /// Dead letters were recorded (`count` messages of `kind` to `pid`):
    /// the event `foundation.dead_letter`, for attached handlers (the
    /// sink's own count is what is published, ADR 0012 §3).
    #[cold]
    pub(crate) fn dead_letter(&self, pid: Pid, kind: &str, reason: &ExitReason, count: u64) {
        let (pid, reason) = (pid.to_string(), reason.to_string());
        self.emit(&TelemetryEvent {
            node: &self.node,
            name: "foundation.dead_letter",
            measurements: &[("count", count as f64)],
            metadata: &[("pid", &pid), ("kind", kind), ("reason", &reason)],
        });
    }

    /// A supervisor restarts child `child` after a failure; `restarts` is
    /// its count so far (this one included).
    #[cold]
    pub(crate) fn restarting(&self, supervisor: Pid, child: &str, restarts: u32) {
        tracing::debug!(target: "foundation::lifecycle", node = %self.node, %supervisor, child, restarts, "supervisor {supervisor} restarts child {child:?} (restart {restarts})");
        if self.is_attached() {
            let supervisor = supervisor.to_string();
            self.emit(&TelemetryEvent {
                node: &self.node,
                name: "foundation.supervisor.restart",
                measurements: &[("count", 1.0), ("restarts", f64::from(restarts))],
                metadata: &[("supervisor", &supervisor), ("child", child)],
            });
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_whole_segments() {
        let h = |prefix: &str| Handler {
            id: String::new(),
            prefix: prefix.to_string(),
            callback: Box::new(|_| {}),
        };
        assert!(h("").wants("a.b"));
        assert!(h("a").wants("a.b"));
        assert!(h("a.b").wants("a.b"));
        assert!(!h("a").wants("ab.c"));
        assert!(!h("a.b.c").wants("a.b"));
    }

    #[test]
    fn names_are_dotted_words() {
        assert!(check_name("a.b_c.d1").is_ok());
        for bad in ["", ".a", "a.", "a..b", "a b"] {
            assert_eq!(
                check_name(bad),
                Err(TelemetryError::InvalidName(bad.to_string()))
            );
        }
    }

    #[test]
    fn a_name_keeps_its_kind() {
        let hub = Hub::new("n");
        hub.counter("x", Vec::new()).unwrap().increment(2);
        assert!(matches!(
            hub.gauge("x", Vec::new()),
            Err(TelemetryError::KindMismatch {
                existing: MetricKind::Counter,
                wanted: MetricKind::Gauge,
                ..
            })
        ));
        assert_eq!(hub.counter("x", Vec::new()).unwrap().value(), 2);
    }
}
