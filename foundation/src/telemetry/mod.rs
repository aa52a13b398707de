//! Telemetry (the 1.x services' `Telemetry`, ADR 0012): events with
//! measurements and metadata, handlers attached to them, counters, gauges
//! and histograms — per node, and bridged with no glue to the `metrics`
//! facade (every metric labelled `node = <the node's name>`, since several
//! nodes share a process and the facade's one recorder) and to `tracing`.
//!
//! ```
//! use foundation::Node;
//! use std::sync::{Arc, Mutex};
//!
//! let node = Node::builder().name("shop").schedulers(1).start()?;
//! let telemetry = node.telemetry();
//!
//! // A handler sees the events under its prefix, on the emitting thread.
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let log = Arc::clone(&seen);
//! telemetry.attach("audit", "shop.checkout", move |event| {
//!     log.lock().unwrap().push((event.name.to_string(), event.measurement("total")));
//! })?;
//! telemetry.execute("shop.checkout.done", &[("total", 42.0)], &[("user", "ada")])?;
//! assert_eq!(seen.lock().unwrap()[0], ("shop.checkout.done".to_string(), Some(42.0)));
//!
//! // Metrics, read back by prefix (and sent to the `metrics` facade).
//! telemetry.counter("shop.orders")?.increment(3);
//! telemetry.gauge("shop.queue")?.set(7.0);
//! let orders = telemetry.metrics_for("shop.orders");
//! assert_eq!(orders[0].value.as_f64(), 3.0);
//!
//! // The runtime's own figures are there too.
//! assert!(telemetry.metrics_for("foundation.actors").iter().any(|m| m.name == "foundation.actors.live"));
//! telemetry.detach("audit")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What the runtime reports: actor spawns and exits (with the reason) and
//! supervisors' restarts, as events (`foundation.actor.spawn`,
//! `foundation.actor.exit`, `foundation.supervisor.restart`) to attached
//! handlers and as `tracing` debug events (target `foundation::lifecycle`)
//! — never one per message; and, each time the node is sampled, its
//! counters ([`NodeStats`](crate::NodeStats)), dead letters, mailbox depths,
//! flow control's crossings, mutes and credit waits, and memory, as the
//! metrics `foundation.*` (see [`Telemetry::sample`]). An ecosystem's
//! members: [`Telemetry::ecosystem_metrics`].

pub(crate) mod hub;

use std::sync::Arc;

use crate::actor::{Actor, Context};
use crate::node::Node;
use crate::node::shared::Shared;

pub use hub::{
    Counter, Gauge, Histogram, HistogramSummary, Metric, MetricKind, MetricValue, TelemetryError,
    TelemetryEvent,
};

/// A node's telemetry: see the [module](self) for an example. Cheap to
/// clone; every clone is the same node's.
///
/// ```
/// use foundation::Node;
///
/// let node = Node::builder().name("api").schedulers(1).start()?;
/// let telemetry = node.telemetry(); // from a handler: ctx.telemetry()
/// telemetry.attach("log", "http", |event| println!("{} {:?}", event.name, event.measurements))?;
/// telemetry.execute("http.request", &[("duration", 0.012)], &[("route", "/users")])?;
/// telemetry.counter("http.requests")?.increment(1);
/// assert_eq!(telemetry.metrics_for("http.requests")[0].value.as_f64(), 1.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Telemetry {
    pub(crate) shared: Arc<Shared>,
}

impl Telemetry {
    /// The node's name, which every metric carries on the facade as its
    /// `node` label.
    ///
    /// ```
    /// let node = foundation::Node::builder().name("edge-1").schedulers(1).start()?;
    /// assert_eq!(node.telemetry().node(), "edge-1");
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn node(&self) -> &str {
        self.shared.telemetry.node()
    }

    /// Emits event `name` (dotted words) with its measurements and
    /// metadata: to the attached handlers whose prefix it falls under, to
    /// `tracing` (a debug event, target `foundation::telemetry`), and each
    /// measurement into the histogram `{name}.{key}`.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let telemetry = node.telemetry();
    /// telemetry.execute("cache.lookup", &[("hits", 3.0)], &[("table", "users")])?;
    /// let hits = &telemetry.metrics_for("cache.lookup.hits")[0];
    /// assert!(matches!(hits.value, foundation::telemetry::MetricValue::Histogram(h) if h.sum == 3.0));
    /// assert!(telemetry.execute("no name", &[], &[]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TelemetryError::InvalidName`] for a name or measurement key that
    /// is not dotted words; [`TelemetryError::KindMismatch`] if
    /// `{name}.{key}` is a counter or gauge already.
    pub fn execute(
        &self,
        name: &str,
        measurements: &[(&str, f64)],
        metadata: &[(&str, &str)],
    ) -> Result<(), TelemetryError> {
        self.shared.telemetry.execute(&TelemetryEvent {
            node: self.node(),
            name,
            measurements,
            metadata,
        })
    }

    /// Runs `f`, then emits event `name` with its duration in seconds (the
    /// measurement `duration`, on the node's clock: a
    /// [`ManualClock`](crate::ManualClock) makes it exact in tests), and
    /// returns `f`'s result. An invalid name emits nothing and is reported
    /// as a `tracing` warning (target `foundation::telemetry`), not an
    /// error: `f` has run by then, and its result is returned.
    ///
    /// ```
    /// use foundation::{ManualClock, Node};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// let answer = node.telemetry().measure("query.run", &[], || {
    ///     clock.advance(Duration::from_millis(250));
    ///     42
    /// });
    /// assert_eq!(answer, 42);
    /// let took = &node.telemetry().metrics_for("query.run.duration")[0];
    /// assert!(matches!(took.value, foundation::telemetry::MetricValue::Histogram(h) if h.sum == 0.25));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn measure<R>(&self, name: &str, metadata: &[(&str, &str)], f: impl FnOnce() -> R) -> R {
        let start = self.shared.timers.now();
        let out = f();
        let took = self.shared.timers.now().saturating_sub(start);
        if let Err(error) = self.execute(name, &[("duration", took.as_secs_f64())], metadata) {
            tracing::warn!(target: "foundation::telemetry", node = %self.node(), "measure: {error}");
        }
        out
    }

    /// Attaches `handler` under `id` to every event named `prefix` or
    /// beginning with `prefix.` (all events for `""`): the runtime's
    /// (`foundation.actor.spawn`, ...) and the program's. It runs on the
    /// thread that emits the event — inside an actor's handler, often —
    /// so keep it short (hand the work to an actor with a send). A
    /// handler that panics is detached and reported (a `tracing` warning,
    /// target `foundation::telemetry`); the panic goes no further, and
    /// the actor that emitted the event carries on.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let spawns = Arc::new(AtomicUsize::new(0));
    /// let count = Arc::clone(&spawns);
    /// node.telemetry().attach("spawns", "foundation.actor.spawn", move |_| {
    ///     count.fetch_add(1, Ordering::Relaxed);
    /// })?;
    /// node.spawn(Idle)?;
    /// assert_eq!(spawns.load(Ordering::Relaxed), 1);
    /// assert!(node.telemetry().attach("spawns", "", |_| {}).is_err()); // the id is taken
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TelemetryError::DuplicateHandler`] if `id` is attached already;
    /// [`TelemetryError::InvalidName`] for a prefix that is not dotted
    /// words.
    pub fn attach(
        &self,
        id: &str,
        prefix: &str,
        handler: impl Fn(&TelemetryEvent<'_>) + Send + Sync + 'static,
    ) -> Result<(), TelemetryError> {
        self.shared.telemetry.attach(id, prefix, Box::new(handler))
    }

    /// Detaches the handler `id`.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// node.telemetry().attach("h", "", |_| {})?;
    /// node.telemetry().detach("h")?;
    /// assert!(node.telemetry().detach("h").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TelemetryError::UnknownHandler`] if no handler has that id.
    pub fn detach(&self, id: &str) -> Result<(), TelemetryError> {
        self.shared.telemetry.detach(id)
    }

    /// The ids of the attached handlers, in attachment order.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// node.telemetry().attach("a", "", |_| {})?;
    /// assert_eq!(node.telemetry().handlers(), ["a"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handlers(&self) -> Vec<String> {
        self.shared.telemetry.handler_ids()
    }

    /// Handlers detached because they panicked, since the node started.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// assert_eq!(node.telemetry().panicked_handlers(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn panicked_handlers(&self) -> u64 {
        self.shared.telemetry.panicked_handlers()
    }

    /// The counter `name` (made at its first use; every handle to it is
    /// the same counter), also the facade's counter `name` with the
    /// node's label.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// node.telemetry().counter("jobs.done")?.increment(2);
    /// node.telemetry().counter("jobs.done")?.increment(1);
    /// assert_eq!(node.telemetry().counter("jobs.done")?.value(), 3);
    /// assert!(node.telemetry().gauge("jobs.done").is_err()); // a counter already
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TelemetryError::InvalidName`], or
    /// [`TelemetryError::KindMismatch`] if `name` is a gauge or histogram.
    pub fn counter(&self, name: &str) -> Result<Counter, TelemetryError> {
        self.shared.telemetry.counter(name, Vec::new())
    }

    /// The gauge `name` (see [`counter`](Self::counter)).
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let depth = node.telemetry().gauge("queue.depth")?;
    /// depth.set(5.0);
    /// depth.add(-2.0);
    /// assert_eq!(depth.value(), 3.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`counter`](Self::counter).
    pub fn gauge(&self, name: &str) -> Result<Gauge, TelemetryError> {
        self.shared.telemetry.gauge(name, Vec::new())
    }

    /// The histogram `name` (see [`counter`](Self::counter)).
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let sizes = node.telemetry().histogram("upload.bytes")?;
    /// sizes.record(100.0);
    /// sizes.record(300.0);
    /// let s = sizes.summary();
    /// assert_eq!((s.count, s.min, s.max, s.mean()), (2, 100.0, 300.0, 200.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`counter`](Self::counter).
    pub fn histogram(&self, name: &str) -> Result<Histogram, TelemetryError> {
        self.shared.telemetry.histogram(name, Vec::new())
    }

    /// Every metric named `prefix` or beginning with `prefix.` (all for
    /// `""`), sorted by name, after sampling the node's own figures (see
    /// [`sample`](Self::sample)) when `prefix` could include them.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// node.telemetry().counter("a.x")?.increment(1);
    /// node.telemetry().counter("ab")?.increment(1);
    /// let names: Vec<_> = node.telemetry().metrics_for("a").into_iter().map(|m| m.name).collect();
    /// assert_eq!(names, ["a.x"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn metrics_for(&self, prefix: &str) -> Vec<Metric> {
        if prefix.is_empty() || prefix == "foundation" || prefix.starts_with("foundation.") {
            self.sample();
        }
        self.shared.telemetry.metrics_for(prefix)
    }

    /// Samples the node's figures now: copies what the runtime counts
    /// into the metrics `foundation.*` (to the facade too) — totals
    /// (`foundation.actors.spawned`, `.stopped`, `.panics`,
    /// `foundation.supervisor.restarts`, `foundation.dead_letters`,
    /// `foundation.messages.discarded`, `foundation.flow.overloads`,
    /// `.muted_senders`, `.credit_waits`, `foundation.memory.alerts`, ...)
    /// and gauges (`foundation.actors.live`, `foundation.mailbox.depth.total`
    /// and `.max` read from every mailbox, `foundation.memory.*` with the
    /// accounting allocator). Nothing is counted twice: each reading is
    /// the runtime's own. [`NodeBuilder::telemetry_interval`](crate::NodeBuilder::telemetry_interval)
    /// samples on a timer.
    ///
    /// ```
    /// use foundation::telemetry::MetricValue;
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// node.telemetry().sample();
    /// let live = node.telemetry().metrics_for("foundation.actors.live");
    /// assert_eq!(live[0].value, MetricValue::Gauge(0.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sample(&self) {
        crate::node::sample::sample(&self.shared);
    }
}

impl core::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Telemetry")
            .field("node", &self.node())
            .field("handlers", &self.handlers())
            .finish()
    }
}

impl Node {
    /// The node's telemetry (see [`Telemetry`]).
    ///
    /// ```
    /// let node = foundation::Node::builder().name("api").schedulers(1).start()?;
    /// assert_eq!(node.telemetry().node(), "api");
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn telemetry(&self) -> Telemetry {
        Telemetry {
            shared: Arc::clone(self.shared()),
        }
    }
}

impl<A: Actor> Context<A> {
    /// The telemetry of the node this actor runs on.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = u64;
    ///     fn handle(&mut self, n: u64, ctx: &mut Context<Self>) {
    ///         ctx.telemetry().counter("worker.items").unwrap().increment(n);
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// node.spawn(Worker)?.send(4)?;
    /// while node.telemetry().counter("worker.items")?.value() < 4 { std::thread::yield_now(); }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn telemetry(&self) -> Telemetry {
        Telemetry {
            shared: Arc::clone(&self.cell.shared),
        }
    }
}
