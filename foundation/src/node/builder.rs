//! [`NodeBuilder`]: a node's settings, and starting it.

use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use super::shared::Shared;
use super::table::ActorTable;
use super::{Node, NodeHandle, stop_on_drop};
use crate::dead_letter::DeadLetters;
use crate::error::NodeError;
use crate::memory::MemoryPressure;
use crate::memory::monitor::Monitor;
use crate::names::tables::Names;
use crate::scheduler::{self, Scheduler};
use crate::timer::{Clock, TimerService};

/// Process-wide source of node ids (ids only: no node state is global).
static NEXT_NODE_ID: AtomicU32 = AtomicU32::new(0);

/// Settings for a [`Node`].
///
/// ```
/// use std::time::Duration;
///
/// let node = foundation::Node::builder()
///     .name("billing")
///     .schedulers(2)
///     .budget(64)
///     .shutdown_timeout(Duration::from_secs(1))
///     .start()?;
/// assert_eq!(node.name(), "billing");
/// assert_eq!(node.schedulers(), 2);
/// # Ok::<(), foundation::NodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct NodeBuilder {
    name: Option<String>,
    schedulers: Option<usize>,
    budget: usize,
    spin_rounds: u32,
    watchdog: Option<Duration>,
    spare_schedulers: Option<usize>,
    shutdown_timeout: Duration,
    clock: Clock,
    config: crate::config::Config,
    memory_pressure: Option<MemoryPressure>,
    telemetry_interval: Option<Duration>,
}

impl Default for NodeBuilder {
    fn default() -> Self {
        NodeBuilder {
            name: None,
            schedulers: None,
            budget: 128,
            spin_rounds: 64,
            watchdog: Some(Duration::from_millis(100)),
            spare_schedulers: None,
            shutdown_timeout: Duration::from_secs(5),
            clock: Clock::System,
            config: crate::config::Config::empty(),
            memory_pressure: None,
            telemetry_interval: None,
        }
    }
}

impl NodeBuilder {
    /// The most scheduler threads (and, apart, the most spares) a node can
    /// have: far more than any machine has cores; each is an OS thread and
    /// a run queue.
    ///
    /// ```
    /// use foundation::{Node, NodeBuilder, NodeError};
    ///
    /// let too_many = Node::builder().schedulers(NodeBuilder::MAX_SCHEDULERS + 1).start();
    /// assert!(matches!(too_many, Err(NodeError::InvalidConfig { field: "schedulers", .. })));
    /// ```
    pub const MAX_SCHEDULERS: usize = 4096;

    /// Watches the process's memory against `pressure`'s thresholds
    /// (ADR 0009): each crossing is a `tracing` event (target
    /// `foundation::memory`; a warning upwards) and a
    /// [`MemoryAlert`](crate::memory::MemoryAlert) to every subscriber
    /// ([`Node::subscribe_memory_alerts`](crate::Node::subscribe_memory_alerts)),
    /// and a rise above one hibernates the node's `gc_optimized` actors.
    /// Needs the [`AccountingAllocator`](crate::memory::AccountingAllocator):
    /// without it, or with no threshold, [`start`](Self::start) refuses.
    ///
    /// ```
    /// use foundation::memory::MemoryPressure;
    /// use foundation::{Node, NodeError};
    ///
    /// // Doctests run on the system allocator: nothing to watch with.
    /// let node = Node::builder().memory_pressure(MemoryPressure::new([1 << 30])).start();
    /// assert!(matches!(node, Err(NodeError::InvalidConfig { field: "memory_pressure", .. })));
    /// ```
    pub fn memory_pressure(mut self, pressure: MemoryPressure) -> Self {
        self.memory_pressure = Some(pressure);
        self
    }

    /// The node's name, used in thread names and reports. Default
    /// `node-<id>`.
    ///
    /// ```
    /// let node = foundation::Node::builder().name("billing").start()?;
    /// assert_eq!(node.name(), "billing"); // in reports, metrics labels and events
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Scheduler threads (1 to [`NodeBuilder::MAX_SCHEDULERS`]). Default:
    /// one per core.
    ///
    /// ```
    /// use foundation::{Node, NodeError};
    ///
    /// assert_eq!(Node::builder().schedulers(2).start()?.schedulers(), 2);
    /// assert!(matches!(Node::builder().schedulers(0).start(), Err(NodeError::InvalidConfig { .. })));
    /// # Ok::<(), NodeError>(())
    /// ```
    pub fn schedulers(mut self, n: usize) -> Self {
        self.schedulers = Some(n);
        self
    }

    /// Messages an actor may handle in one run before it yields its thread
    /// (BEAM's reductions; at least 1). Default 128. `usize::MAX` lets an
    /// actor keep its thread for as long as it has messages.
    ///
    /// ```
    /// // Fairer between busy actors (a turn ends sooner), at some cost in throughput.
    /// let node = foundation::Node::builder().budget(16).start()?;
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn budget(mut self, messages: usize) -> Self {
        self.budget = messages;
        self
    }

    /// How many times an idle thread looks for work before parking. Default
    /// 64 (a few microseconds). Any value works; a large one keeps idle
    /// threads busy looking (each round after the first half yields its
    /// core), and they still stop at once at shutdown.
    ///
    /// ```
    /// // Park idle threads sooner: less CPU while idle, a little more wake-up latency.
    /// let node = foundation::Node::builder().spin_rounds(8).start()?;
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn spin_rounds(mut self, rounds: u32) -> Self {
        self.spin_rounds = rounds;
        self
    }

    /// How many scheduler threads may stand in, at one time, for threads
    /// held by killed actors' handlers that have not returned (see
    /// [`ActorRef::kill`](crate::ActorRef::kill)). Default: as many as
    /// there are schedulers; at most [`NodeBuilder::MAX_SCHEDULERS`]. With
    /// 0, a kill of an actor stuck in a handler still stops the actor, but
    /// its thread stays held until the handler returns.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(2).spare_schedulers(4).start()?;
    /// assert_eq!(node.schedulers(), 2); // spares run only when needed
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn spare_schedulers(mut self, n: usize) -> Self {
        self.spare_schedulers = Some(n);
        self
    }

    /// How long [`Node::shutdown`] waits for actors to stop. Default 5 s;
    /// `Duration::MAX` (or any time too long for the system clock) waits
    /// however long it takes.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let node = foundation::Node::builder().shutdown_timeout(Duration::from_secs(30)).start()?;
    /// node.shutdown()?; // nothing is running: returns at once
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// How long a handler (or hook) may run before the watchdog reports it,
    /// once, as holding its scheduler thread — a `tracing` warning (or a
    /// line on stderr with no subscriber) naming the actor, its type and
    /// the handler it is in (for a `#[handlers]` actor the handler's name,
    /// for a hand-written one its message type; or the hook), and
    /// [`NodeStats::long_handlers`](crate::NodeStats::long_handlers).
    /// When every scheduler thread is held so, a spare thread takes over
    /// their queues so that the rest of the node keeps serving, and a held
    /// thread retires when its handler returns. Default 100 ms; `None`
    /// turns the watchdog off. It watches real time, whatever the clock.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let node = foundation::Node::builder().watchdog(Some(Duration::from_secs(1))).start()?;
    /// let quiet = foundation::Node::builder().watchdog(None).start()?;
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn watchdog(mut self, threshold: Option<Duration>) -> Self {
        self.watchdog = threshold;
        self
    }

    /// Samples the node's figures into its telemetry every `every` (on
    /// the node's clock): [`NodeStats`](crate::NodeStats), dead letters,
    /// mailbox depths, memory, published as metrics (to the `metrics`
    /// facade too) — what a Prometheus exporter scrapes. Default: none;
    /// [`Telemetry::sample`](crate::telemetry::Telemetry::sample) samples
    /// on demand, and [`Telemetry::metrics_for`](crate::telemetry::Telemetry::metrics_for)
    /// samples first. The sampler is one timer entry, and one scan of the
    /// actor table per interval on the timer thread.
    ///
    /// ```
    /// use std::time::Duration;
    /// let node = foundation::Node::builder()
    ///     .schedulers(1)
    ///     .telemetry_interval(Duration::from_secs(1))
    ///     .start()?;
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn telemetry_interval(mut self, every: Duration) -> Self {
        self.telemetry_interval = Some(every);
        self
    }

    /// The node's configuration (the 1.x services' [`Config`](crate::config::Config):
    /// settings declared and layered by the program), read with
    /// [`Node::config`](crate::Node::config) and
    /// [`Context::config`](crate::Context::config). Default: one with no
    /// settings.
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    /// let config = Config::builder().setting(Setting::new("greeting", "hello")).build()?;
    /// let node = foundation::Node::builder().schedulers(1).config(config).start()?;
    /// assert_eq!(node.config().get::<String>("greeting")?, "hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn config(mut self, config: crate::config::Config) -> Self {
        self.config = config;
        self
    }

    /// The clock for timers and timeouts. Default: the system clock. A
    /// [`ManualClock`](crate::ManualClock) makes them deterministic in tests.
    ///
    /// ```
    /// use foundation::{ManualClock, Node};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let node = Node::builder().clock(clock.clone()).start()?;
    /// clock.advance(Duration::from_secs(60)); // timers due within the minute fire now
    /// assert_eq!(clock.now(), Duration::from_secs(60));
    /// # let _ = node;
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = clock.into();
        self
    }

    /// Starts the node's threads.
    ///
    /// # Errors
    ///
    /// [`NodeError::InvalidConfig`] for zero schedulers, more than
    /// [`NodeBuilder::MAX_SCHEDULERS`] schedulers or spares, or a zero
    /// budget; [`NodeError::ThreadSpawn`] if a thread cannot be started.
    ///
    /// ```
    /// use foundation::{Node, NodeError};
    ///
    /// let too_many = Node::builder().schedulers(usize::MAX).start();
    /// assert!(matches!(too_many, Err(NodeError::InvalidConfig { field: "schedulers", .. })));
    /// ```
    pub fn start(self) -> Result<Node, NodeError> {
        if self.telemetry_interval == Some(Duration::ZERO) {
            return Err(NodeError::InvalidConfig {
                field: "telemetry_interval",
                reason: "the sampling interval must be longer than zero".into(),
            });
        }
        let schedulers = match self.schedulers {
            Some(0) => {
                return Err(NodeError::InvalidConfig {
                    field: "schedulers",
                    reason: "a node needs at least 1 scheduler thread".into(),
                });
            }
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if schedulers > Self::MAX_SCHEDULERS {
            return Err(NodeError::InvalidConfig {
                field: "schedulers",
                reason: format!(
                    "at most {} scheduler threads (asked for {schedulers})",
                    Self::MAX_SCHEDULERS
                ),
            });
        }
        if let Some(spares) = self.spare_schedulers
            && spares > Self::MAX_SCHEDULERS
        {
            return Err(NodeError::InvalidConfig {
                field: "spare_schedulers",
                reason: format!(
                    "at most {} spare scheduler threads (asked for {spares})",
                    Self::MAX_SCHEDULERS
                ),
            });
        }
        if self.watchdog.is_some_and(|t| t.is_zero()) {
            return Err(NodeError::InvalidConfig {
                field: "watchdog",
                reason: "a zero threshold would report every handler; use `None` to turn the watchdog off".into(),
            });
        }
        if self.budget == 0 {
            return Err(NodeError::InvalidConfig {
                field: "budget",
                reason: "the budget must be at least 1 message".into(),
            });
        }
        if let Some(pressure) = &self.memory_pressure {
            let problem = if pressure.thresholds.is_empty() {
                Some("no threshold to watch".to_owned())
            } else if !crate::memory::is_accounting() {
                Some("memory is not measured: install `foundation::memory::AccountingAllocator` as the `#[global_allocator]`".to_owned())
            } else {
                None
            };
            if let Some(reason) = problem {
                return Err(NodeError::InvalidConfig {
                    field: "memory_pressure",
                    reason,
                });
            }
        }
        crate::panic::install_hook();
        crate::sync::asymmetric::init();

        let id = NEXT_NODE_ID.fetch_add(1, Relaxed);
        let name = self.name.unwrap_or_else(|| format!("node-{id}"));
        let timers = TimerService::start(self.clock, &name).map_err(NodeError::ThreadSpawn)?;
        let memory = Monitor::new(name.clone(), Arc::clone(&timers), self.memory_pressure);
        let scheduler = Scheduler::start(scheduler::Config {
            name: name.clone(),
            threads: schedulers,
            spares: self.spare_schedulers.unwrap_or(schedulers),
            budget: self.budget,
            spin_rounds: self.spin_rounds,
            watchdog: self.watchdog,
        })
        .inspect_err(|_| timers.stop())
        .map_err(NodeError::ThreadSpawn)?;
        let shared = Arc::new(Shared {
            config: self.config,
            events: crate::events::store::EventStore::new(crate::events::store::EVENT_HISTORY),
            telemetry: crate::telemetry::hub::Hub::new(&name),
            restarts: AtomicU64::new(0),
            credit_waits: AtomicU64::new(0),
            on_shutdown: Mutex::new(Vec::new()),
            timers,
            scheduler,
            blocking: Mutex::new(Vec::new()),
            id,
            name,
            schedulers,
            dead_letters: DeadLetters::new(),
            next_monitor: AtomicU64::new(0),
            shutdown_timeout: self.shutdown_timeout,
            actors: ActorTable::new(),
            names: Names::new(),
            panics: AtomicU64::new(0),
            overloads: AtomicU64::new(0),
            mutes: AtomicU64::new(0),
            discarding: AtomicUsize::new(0),
            discarded: AtomicU64::new(0),
            accepting: AtomicBool::new(true),
            shutting_down: Mutex::new(false),
            user_handle: OnceLock::new(),
            ecosystems: Mutex::new(std::collections::HashMap::new()),
            memory,
            memory_pool: crate::memory::is_accounting().then(crate::memory::AccountRef::new),
            warned_unmeasured: AtomicBool::new(false),
        });
        if let Err(error) = shared.memory.start_if_watching() {
            super::shutdown::shutdown(&shared).ok();
            return Err(NodeError::ThreadSpawn(error));
        }
        let weak = Arc::downgrade(&shared);
        shared.scheduler.set_describe(Box::new(move || {
            weak.upgrade()
                .map(|shared| shared.in_handlers())
                .unwrap_or_default()
        }));
        let handle = Arc::new(NodeHandle {
            shared: Arc::clone(&shared),
            stop: stop_on_drop,
        });
        let _ = shared.user_handle.set(Arc::downgrade(&handle));
        if let Some(every) = self.telemetry_interval {
            super::sample::start(&shared, every);
        }
        Ok(Node { handle })
    }
}
