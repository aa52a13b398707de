//! Memory strategies (DESIGN.md "Memory strategies", ADR 0009): memory
//! counted per actor, limited per actor, shared between actors, and given
//! back by idle ones.
//!
//! - **Accounting.** Install [`AccountingAllocator`] as the program's
//!   global allocator and every actor's live bytes are counted
//!   ([`ActorRef::memory`](crate::ActorRef::memory)), as are the node's
//!   ([`NodeStats::memory`](crate::NodeStats::memory)) and an ecosystem's
//!   members' ([`ecosystem_health`](crate::ecosystem_health)). Without it
//!   every figure is [`Usage::NotMeasured`] — never a made-up number.
//! - **Whose bytes.** An actor is charged what its own code allocates —
//!   its handlers, its hooks, and a supervised child's factory — until
//!   it is freed, on any thread, by anyone. A message it sends stays
//!   charged to it while the receiver holds it (a copy the receiver makes
//!   is the receiver's); an instance handed to `spawn` was built, and is
//!   charged to, its caller. A figure belongs to one incarnation: a
//!   restarted actor starts again from what its factory built (ADR 0009
//!   says why).
//! - **Limits.** `#[actor(max_heap = "16MiB")]`
//!   ([`ActorOptions::max_heap`](crate::ActorOptions::max_heap)) stops an
//!   actor whose figure is above the limit when its handler returns (an
//!   allocator must not unwind, so the check is between messages) with
//!   [`ExitReason::MemoryLimit`](crate::ExitReason::MemoryLimit); its
//!   supervisor restarts it in place, queued messages kept.
//! - **Strategies** ([`MemoryStrategy`]): `isolated` (the default) counts
//!   everything to the actor; `shared` charges its large buffers (at least
//!   [`SHARED_THRESHOLD`] bytes: the payloads it hands around as
//!   [`Bytes`]) to the node's shared pool, counted once however many
//!   actors hold them; `gc_optimized` hibernates the actor when it is idle
//!   (`hibernate_after`), every N messages (`hibernate_every`) or under
//!   memory pressure: its [`Actor::compact`](crate::Actor::compact) hook
//!   runs and its empty mailbox gives back its last queue block.
//! - **Pressure.** [`NodeBuilder::memory_pressure`](crate::NodeBuilder::memory_pressure)
//!   watches the process's total against thresholds: each crossing is a
//!   `tracing` event (target `foundation::memory`) and a [`MemoryAlert`]
//!   to every subscriber ([`Node::subscribe_memory_alerts`](crate::Node::subscribe_memory_alerts)),
//!   and a rise above one hibernates every `gc_optimized` actor.
//!
//! ```rust,standalone_crate
//! use foundation::memory::{AccountingAllocator, Usage};
//! use foundation::{Actor, Context, Node};
//! use std::sync::mpsc;
//!
//! #[global_allocator]
//! static ALLOCATOR: AccountingAllocator = AccountingAllocator::new();
//!
//! /// Keeps a chunk of the size it is sent, and says when it has.
//! struct Hoarder(Vec<Vec<u8>>);
//! impl Actor for Hoarder {
//!     type Msg = (usize, mpsc::Sender<()>);
//!     fn handle(&mut self, (size, done): Self::Msg, _: &mut Context<Self>) {
//!         self.0.push(vec![1; size]);
//!         done.send(()).unwrap();
//!     }
//! }
//!
//! let node = Node::builder().schedulers(1).start()?;
//! let hoarder = node.spawn(Hoarder(Vec::new()))?;
//! let (done, handled) = mpsc::channel();
//! hoarder.send((100_000, done.clone()))?;
//! hoarder.send((0, done))?;
//! // A figure is exact between messages (a running handler's own bytes
//! // reach it in steps of at most 64 KiB): both handled, the first's
//! // 100,000 bytes are there.
//! handled.recv()?;
//! handled.recv()?;
//! let bytes = hoarder.memory().bytes().expect("the allocator is installed");
//! assert!((100_000..110_000).contains(&bytes), "{bytes}");
//! assert!(matches!(node.stats().memory.actors, Usage::Bytes(_)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod account;
pub(crate) mod allocator;
pub(crate) mod monitor;

use core::fmt;
use std::time::Duration;

use crate::Bytes;

pub(crate) use account::{AccountRef, Tag, TagGuard, charged_to};

/// What a run of an actor with memory settings holds (ADR 0009): its
/// account (so that a kill ending the incarnation meanwhile cannot free it
/// under a handler that still allocates) and the thread's tag, restored
/// when dropped; its limit, and when it compacts. In a thread-local from
/// the run's first look between messages to the end of its
/// [`ActorScope`](crate::panic::ActorScope), so the run loop of other
/// actors carries none of it.
pub(crate) struct RunState {
    // Dropped in this order: the tag first, then the account.
    pub(crate) _tag: Option<TagGuard>,
    pub(crate) account: Option<AccountRef>,
    /// `max_heap`, `u64::MAX` for none.
    pub(crate) limit: u64,
    /// `hibernate_every`, 0 for never.
    pub(crate) every: u32,
    /// The read position at the last compaction.
    pub(crate) compacted_at: u64,
}

thread_local! {
    static RUN: core::cell::RefCell<Option<RunState>> = const { core::cell::RefCell::new(None) };
}

/// Sets up this thread's run's memory.
pub(crate) fn begin_run(state: RunState) {
    RUN.with(|r| *r.borrow_mut() = Some(state));
}

/// Calls `f` with this thread's run's memory, if set up.
pub(crate) fn with_run<R>(f: impl FnOnce(&mut RunState) -> R) -> Option<R> {
    RUN.with(|r| r.borrow_mut().as_mut().map(f))
}

/// Ends this thread's run's memory: the tag restored (its pending sum
/// added to the account), the account let go.
pub(crate) fn end_run() {
    let state = RUN.with(|r| r.borrow_mut().take());
    drop(state);
}
pub use allocator::AccountingAllocator;

/// Allocations of at least this many bytes made by a
/// [`MemoryStrategy::Shared`] actor are charged to its node's shared pool
/// (4 KiB: [`SizeReport::LARGE_HEAP`](crate::SizeReport::LARGE_HEAP),
/// where the size analysis starts recommending shared payloads).
///
/// ```
/// use foundation::SizeReport;
///
/// assert_eq!(foundation::memory::SHARED_THRESHOLD, SizeReport::LARGE_HEAP);
/// ```
pub const SHARED_THRESHOLD: usize = 4096;

/// How an actor's memory is treated: `#[actor(memory = "...")]`,
/// [`ActorOptions::memory`](crate::ActorOptions::memory). See the
/// [module documentation](self).
///
/// ```
/// use foundation::memory::MemoryStrategy;
/// use foundation::ActorOptions;
///
/// assert_eq!(MemoryStrategy::default(), MemoryStrategy::Isolated);
/// assert_eq!(MemoryStrategy::GcOptimized.to_string(), "gc_optimized");
/// let options = ActorOptions::new().memory(MemoryStrategy::Shared);
/// assert_eq!(options.memory, MemoryStrategy::Shared);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum MemoryStrategy {
    /// Everything the actor allocates is charged to it.
    #[default]
    Isolated,
    /// Its allocations of at least [`SHARED_THRESHOLD`] bytes — the large
    /// payloads it hands to others as [`Bytes`] — are charged to its
    /// node's shared pool, once, however many actors hold them; the rest
    /// to it (and `max_heap` limits only the rest).
    Shared,
    /// Counted as `Isolated`, and hibernated when idle
    /// ([`ActorOptions::hibernate_after`](crate::ActorOptions::hibernate_after)),
    /// every N messages ([`ActorOptions::hibernate_every`](crate::ActorOptions::hibernate_every))
    /// and under memory pressure: its
    /// [`Actor::compact`](crate::Actor::compact) hook runs and its empty
    /// mailbox gives its last queue block back.
    GcOptimized,
}

impl fmt::Display for MemoryStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MemoryStrategy::Isolated => "isolated",
            MemoryStrategy::Shared => "shared",
            MemoryStrategy::GcOptimized => "gc_optimized",
        })
    }
}

/// A memory figure: bytes, or "not measured" when the
/// [`AccountingAllocator`] is not installed (or the actor is not running).
///
/// ```
/// use foundation::memory::Usage;
///
/// assert_eq!(Usage::Bytes(1536).to_string(), "1.5 KiB");
/// assert_eq!(Usage::Bytes(3 << 20).to_string(), "3.0 MiB");
/// assert_eq!(Usage::Bytes(12).to_string(), "12 B");
/// assert_eq!(Usage::NotMeasured.to_string(), "not measured");
/// assert_eq!(Usage::NotMeasured.bytes(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Usage {
    /// Live bytes.
    Bytes(u64),
    /// No figure: the accounting allocator is not installed.
    NotMeasured,
}

impl Default for Usage {
    /// [`Usage::NotMeasured`].
    fn default() -> Self {
        Usage::NotMeasured
    }
}

impl Usage {
    /// The bytes, if measured.
    ///
    /// ```
    /// use foundation::memory::Usage;
    ///
    /// assert_eq!(Usage::Bytes(4096).bytes(), Some(4096));
    /// assert_eq!(Usage::NotMeasured.bytes(), None); // no accounting allocator installed
    /// ```
    pub fn bytes(self) -> Option<u64> {
        match self {
            Usage::Bytes(n) => Some(n),
            Usage::NotMeasured => None,
        }
    }
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Usage::NotMeasured => f.write_str("not measured"),
            Usage::Bytes(n) if n < 1024 => write!(f, "{n} B"),
            Usage::Bytes(n) => {
                let units = ["KiB", "MiB", "GiB", "TiB"];
                let mut value = n as f64 / 1024.0;
                let mut unit = 0;
                while value >= 1024.0 && unit + 1 < units.len() {
                    value /= 1024.0;
                    unit += 1;
                }
                write!(f, "{value:.1} {}", units[unit])
            }
        }
    }
}

/// Whether [`AccountingAllocator`] is the program's global allocator.
///
/// ```
/// // Doctests use the system allocator.
/// assert!(!foundation::memory::is_accounting());
/// ```
pub fn is_accounting() -> bool {
    allocator::installed()
}

/// The process's live heap bytes, as the [`AccountingAllocator`] counts
/// them (what every memory-pressure threshold is compared with).
///
/// ```
/// use foundation::memory::{process_usage, Usage};
///
/// assert_eq!(process_usage(), Usage::NotMeasured); // the system allocator
/// ```
pub fn process_usage() -> Usage {
    if allocator::installed() {
        Usage::Bytes(allocator::total())
    } else {
        Usage::NotMeasured
    }
}

/// Hands `data`'s buffer to the shared pool of the node whose actor calls
/// it — counted there once, however many actors hold the [`Bytes`] — and
/// returns it as a [`Bytes`]. Copies nothing (a `Vec` whose length is
/// below its capacity is shrunk first). Outside an actor (or without the
/// [`AccountingAllocator`]) it only converts: the buffer stays charged to
/// whoever allocated it.
///
/// ```
/// use foundation::memory::share;
///
/// let payload = share(vec![7u8; 1 << 16]);
/// let copy = payload.clone(); // a count, not a copy
/// assert_eq!(copy.len(), 1 << 16);
/// ```
pub fn share(data: impl Into<Vec<u8>>) -> Bytes {
    let mut data: Vec<u8> = data.into();
    let tag = account::current();
    if !tag.pool.is_null() && data.capacity() > 0 && allocator::installed() {
        data.shrink_to_fit();
        if data.capacity() > 0 {
            // SAFETY: the installed accounting allocator made the vector's
            // buffer, `capacity` bytes of alignment 1; the pool is held by
            // the running actor's node for as long as the tag is set.
            unsafe { allocator::retag(data.as_mut_ptr(), data.capacity(), tag.pool) };
        }
    }
    Bytes::from(data)
}

/// Memory-pressure thresholds for a node:
/// [`NodeBuilder::memory_pressure`](crate::NodeBuilder::memory_pressure).
/// Each threshold is a number of live bytes in the process (see
/// [`process_usage`]); the node looks every `interval` (100 ms by
/// default).
///
/// ```
/// use foundation::memory::MemoryPressure;
/// use std::time::Duration;
///
/// let pressure = MemoryPressure::new([512 << 20, 1 << 30]).interval(Duration::from_millis(50));
/// assert_eq!(pressure.thresholds(), &[512 << 20, 1 << 30]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryPressure {
    pub(crate) thresholds: Vec<u64>,
    pub(crate) interval: Duration,
}

impl MemoryPressure {
    /// The default interval between looks.
    ///
    /// ```
    /// use foundation::memory::MemoryPressure;
    /// use std::time::Duration;
    ///
    /// assert_eq!(MemoryPressure::DEFAULT_INTERVAL, Duration::from_millis(100));
    /// ```
    pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(100);

    /// Watches these thresholds (in bytes, any order; see
    /// [`MemoryPressure`] for an example).
    ///
    /// ```rust,standalone_crate
    /// use foundation::memory::{AccountingAllocator, MemoryPressure};
    /// use foundation::Node;
    ///
    /// #[global_allocator]
    /// static ALLOCATOR: AccountingAllocator = AccountingAllocator::new();
    ///
    /// // Hibernate the idle `gc_optimized` actors when the process passes 1 GiB
    /// // (measured by the accounting allocator, which a node with memory
    /// // pressure requires).
    /// let node = Node::builder()
    ///     .schedulers(1)
    ///     .memory_pressure(MemoryPressure::new([1 << 30]))
    ///     .start()?;
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn new(thresholds: impl IntoIterator<Item = u64>) -> Self {
        let mut thresholds: Vec<u64> = thresholds.into_iter().collect();
        thresholds.sort_unstable();
        thresholds.dedup();
        MemoryPressure {
            thresholds,
            interval: Self::DEFAULT_INTERVAL,
        }
    }

    /// Looks every `interval` (at least 5 ms, at most 1 s are used; see
    /// [`MemoryPressure`] for an example).
    ///
    /// ```rust,standalone_crate
    /// use foundation::memory::{AccountingAllocator, MemoryPressure};
    /// use std::time::Duration;
    ///
    /// #[global_allocator]
    /// static ALLOCATOR: AccountingAllocator = AccountingAllocator::new();
    ///
    /// let pressure = MemoryPressure::new([1 << 30]).interval(Duration::from_millis(20));
    /// let node = foundation::Node::builder().schedulers(1).memory_pressure(pressure).start()?;
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The thresholds, lowest first (see [`MemoryPressure`] for an
    /// example).
    ///
    /// ```
    /// use foundation::memory::MemoryPressure;
    ///
    /// assert_eq!(MemoryPressure::new([2 << 30, 1 << 30]).thresholds(), &[1 << 30, 2 << 30]);
    /// ```
    pub fn thresholds(&self) -> &[u64] {
        &self.thresholds
    }
}

/// Which way a [`MemoryAlert`]'s threshold was crossed.
///
/// ```
/// use foundation::memory::{Crossing, MemoryAlert};
///
/// let cleared = MemoryAlert {
///     node: "edge".into(),
///     threshold: 1 << 30,
///     total: 900 << 20,
///     crossing: Crossing::Below,
/// };
/// assert_eq!(
///     cleared.to_string(),
///     "node edge: memory 900.0 MiB is back below its threshold of 1.0 GiB"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crossing {
    /// The total rose to or above the threshold.
    Above,
    /// It fell back below.
    Below,
}

/// A memory-pressure threshold was crossed: sent once per crossing to
/// every subscriber ([`Node::subscribe_memory_alerts`](crate::Node::subscribe_memory_alerts)).
///
/// ```
/// use foundation::memory::{Crossing, MemoryAlert};
///
/// let alert = MemoryAlert {
///     node: "edge".into(),
///     threshold: 1 << 30,
///     total: 1_200 << 20,
///     crossing: Crossing::Above,
/// };
/// assert_eq!(
///     alert.to_string(),
///     "node edge: memory 1.2 GiB is above its threshold of 1.0 GiB"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryAlert {
    /// The node that raised it.
    pub node: String,
    /// The threshold crossed, in bytes.
    pub threshold: u64,
    /// The process's live bytes when it was seen.
    pub total: u64,
    /// Which way.
    pub crossing: Crossing,
}

impl fmt::Display for MemoryAlert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = match self.crossing {
            Crossing::Above => "above",
            Crossing::Below => "back below",
        };
        write!(
            f,
            "node {}: memory {} is {side} its threshold of {}",
            self.node,
            Usage::Bytes(self.total),
            Usage::Bytes(self.threshold)
        )
    }
}

/// A node's memory: [`NodeStats::memory`](crate::NodeStats::memory).
///
/// ```
/// use foundation::Node;
/// use foundation::memory::Usage;
///
/// let node = Node::builder().schedulers(1).start()?;
/// let memory = node.stats().memory;
/// assert_eq!(memory.actors, Usage::NotMeasured); // the system allocator
/// assert_eq!(memory.alerts, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeMemory {
    /// The process's live bytes ([`process_usage`]).
    pub process: Usage,
    /// The sum of the node's live actors' figures.
    pub actors: Usage,
    /// The node's shared pool ([`share`], `shared` actors' large buffers).
    pub shared: Usage,
    /// Memory-pressure alerts raised.
    pub alerts: u64,
}
