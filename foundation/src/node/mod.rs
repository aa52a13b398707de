//! Nodes: the scheduler threads, the actors, and their orderly end.
//!
//! - `mod.rs` (here): [`Node`], the handle users hold, and [`NodeStats`];
//! - `builder.rs`: [`NodeBuilder`], settings and start;
//! - `shared.rs`: what a node's threads and actors share (each part owned
//!   by its subsystem);
//! - `table.rs`: every live actor, by pid number;
//! - `shutdown.rs`: the orderly end.

mod builder;
pub(crate) mod sample;
pub(crate) mod shared;
mod shutdown;
pub(crate) mod table;

use core::fmt;
use core::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Weak};

pub use builder::NodeBuilder;
pub(crate) use shared::Shared;

use crate::actor::{Actor, ActorOptions, ActorRef, Context};
use crate::cell::spawn::spawn_on;
use crate::dead_letter::DeadLetters;
use crate::error::{NodeError, ShutdownError, SpawnError};
use crate::names::{Namespace, ProcessGroups, ProcessRegistry, ServiceRegistry};
use crate::recipient::Recipient;
use crate::timer::Clock;
use shutdown::shutdown;

/// A node: a pool of scheduler threads and the actors they run.
///
/// Everything belongs to a node — actors, and later timers, registries and
/// telemetry — and several nodes can live in one process. `Node` is a cheap
/// handle: clone it freely. [`Node::shutdown`] stops every actor (running
/// their [`stopped`](crate::Actor::stopped) hooks) and joins every thread;
/// dropping the last handle does the same.
///
/// An actor that keeps a `Node` keeps its node alive: the node holds the
/// actor, the actor holds the node, and dropping the program's own handles
/// no longer stops anything (only [`Node::shutdown`] does). An actor that
/// needs its node holds a [`WeakNode`] instead — [`Context::node`] gives
/// one — and upgrades it when it needs it.
///
/// # Examples
///
/// ```
/// use foundation::{Actor, Context, ExitReason, Node};
/// use std::sync::mpsc;
///
/// struct Greeter(mpsc::Sender<String>);
/// impl Actor for Greeter {
///     type Msg = String;
///     fn handle(&mut self, name: String, _: &mut Context<Self>) {
///         self.0.send(format!("hello, {name}")).unwrap();
///     }
///     fn stopped(&mut self, reason: &ExitReason) {
///         self.0.send(format!("stopped: {reason}")).unwrap();
///     }
/// }
///
/// let node = Node::builder().name("demo").schedulers(2).start()?;
/// let (tx, rx) = mpsc::channel();
/// let greeter = node.spawn(Greeter(tx))?;
/// greeter.send("Ada".into())?;
/// assert_eq!(rx.recv()?, "hello, Ada");
/// node.shutdown()?;
/// assert_eq!(rx.recv()?, "stopped: shutdown");
/// assert_eq!(node.actor_count(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Node {
    handle: Arc<NodeHandle>,
}

/// A handle to a node that does not keep it alive: what an actor holds to
/// reach its own node (from [`Context::node`] or [`Node::downgrade`]).
/// [`WeakNode::upgrade`] gives a [`Node`] while the program still holds
/// one, and `None` once the last has gone (the node is then shutting down,
/// or has).
///
/// ```
/// use foundation::{Actor, Context, Node, WeakNode};
/// use std::sync::mpsc;
///
/// /// Spawns helpers on its node, on request.
/// struct Spawner {
///     node: Option<WeakNode>,
///     stopped: mpsc::Sender<()>,
/// }
/// struct Helper;
/// impl Actor for Helper {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
/// impl Actor for Spawner {
///     type Msg = mpsc::Sender<bool>;
///     fn started(&mut self, ctx: &mut Context<Self>) {
///         self.node = Some(ctx.node());
///     }
///     fn handle(&mut self, done: mpsc::Sender<bool>, _: &mut Context<Self>) {
///         let node = self.node.as_ref().and_then(WeakNode::upgrade);
///         done.send(node.is_some_and(|n| n.spawn(Helper).is_ok())).unwrap();
///     }
///     fn stopped(&mut self, _: &foundation::ExitReason) {
///         self.stopped.send(()).unwrap();
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let (stopped, was_stopped) = mpsc::channel();
/// let spawner = node.spawn(Spawner { node: None, stopped })?;
/// let (tx, rx) = mpsc::channel();
/// spawner.send(tx)?;
/// assert!(rx.recv()?);
/// // The actor's handle is weak: dropping ours shuts the node down.
/// drop(node);
/// was_stopped.recv()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct WeakNode {
    handle: Weak<NodeHandle>,
}

impl WeakNode {
    /// The node, while the program holds a [`Node`] of it.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let weak = node.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(node); // the last handle: the node shuts down
    /// assert!(weak.upgrade().is_none());
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn upgrade(&self) -> Option<Node> {
        self.handle.upgrade().map(|handle| Node { handle })
    }
}

impl fmt::Debug for WeakNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.handle.upgrade() {
            Some(handle) => write!(f, "WeakNode({})", handle.shared.name),
            None => f.write_str("WeakNode(gone)"),
        }
    }
}

impl<A: Actor> Context<A> {
    /// A handle to this actor's node that does not keep it alive (see
    /// [`WeakNode`], which has an example).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # let node = Node::builder().schedulers(1).start()?;
    /// #[actor]
    /// struct Reporter;
    /// #[handlers]
    /// impl Reporter {
    ///     pub fn actors(&self, ctx: &mut Context<Self>) -> usize {
    ///         // A weak handle: an actor does not keep its node alive.
    ///         ctx.node().upgrade().map_or(0, |node| node.actor_count())
    ///     }
    /// }
    /// assert_eq!(node.spawn(Reporter)?.actors()?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn node(&self) -> WeakNode {
        WeakNode {
            handle: self
                .cell
                .shared
                .user_handle
                .get()
                .cloned()
                .unwrap_or_default(),
        }
    }
}

/// The handle every `Node` shares (see `shared.rs`).
type NodeHandle = shared::UserHandle;

/// What dropping the last `Node` does: the orderly end.
fn stop_on_drop(shared: &Arc<Shared>) {
    if let Err(error) = shutdown(shared) {
        tracing::warn!(node = %shared.name, "{error}");
    }
}

impl Node {
    /// A handle to this node that does not keep it alive (see
    /// [`WeakNode`]).
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let weak = node.downgrade();
    /// assert_eq!(weak.upgrade().map(|n| n.id()), Some(node.id()));
    /// drop(node);
    /// assert!(weak.upgrade().is_none());
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn downgrade(&self) -> WeakNode {
        WeakNode {
            handle: Arc::downgrade(&self.handle),
        }
    }

    /// A builder for a node with chosen settings.
    ///
    /// ```
    /// let node = foundation::Node::builder().name("api").schedulers(2).start()?;
    /// assert_eq!((node.name(), node.schedulers()), ("api", 2));
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn builder() -> NodeBuilder {
        NodeBuilder::default()
    }

    /// A node with one scheduler thread per core and default settings.
    ///
    /// # Errors
    ///
    /// [`NodeError::ThreadSpawn`] if a thread cannot be started.
    ///
    /// ```
    /// let node = foundation::Node::start_default()?;
    /// assert!(node.schedulers() >= 1);
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn start_default() -> Result<Node, NodeError> {
        NodeBuilder::default().start()
    }

    /// Spawns `actor` on this node with its own options
    /// ([`Actor::options`](crate::Actor::options): the defaults, unless
    /// `#[actor(...)]` declared some). Its [`started`](crate::Actor::started)
    /// hook runs on a scheduler thread before its first message: this
    /// returns before that. A [`Supervisor`](crate::Supervisor) spawned
    /// here starts its children after this returns; use
    /// [`SupervisorSpec::spawn`](crate::SupervisorSpec::spawn) to wait for
    /// them.
    ///
    /// # Errors
    ///
    /// [`SpawnError::NodeShutdown`] once the node is shutting down;
    /// [`SpawnError::Name`] if the actor declares a name that is taken.
    ///
    /// ```
    /// use foundation::prelude::*;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// struct Idle;
    /// #[handlers]
    /// impl Idle {
    ///     pub fn ping(&self) -> bool {
    ///         true
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let idle: ActorRef<Idle> = node.spawn(Idle)?;
    /// assert!(idle.ping()?);
    /// node.shutdown()?;
    /// assert!(matches!(node.spawn(Idle), Err(SpawnError::NodeShutdown { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn<A: Actor>(&self, actor: A) -> Result<ActorRef<A>, SpawnError> {
        spawn_on(&self.handle.shared, actor, A::options())
    }

    /// Spawns `actor` with `options`, e.g. as a blocking actor on a thread
    /// of its own.
    ///
    /// # Errors
    ///
    /// [`SpawnError::NodeShutdown`] once the node is shutting down;
    /// [`SpawnError::ThreadSpawn`] if a blocking actor's thread cannot start.
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, Node};
    /// use std::sync::mpsc;
    ///
    /// /// Reads "files": blocking I/O belongs on a thread of its own.
    /// struct Reader(mpsc::Sender<String>);
    /// impl Actor for Reader {
    ///     type Msg = &'static str;
    ///     fn handle(&mut self, path: &'static str, _: &mut Context<Self>) {
    ///         std::thread::sleep(std::time::Duration::from_millis(5)); // blocking read
    ///         self.0.send(format!("contents of {path}")).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let reader = node.spawn_with(Reader(tx), ActorOptions::new().blocking(true))?;
    /// reader.send("/etc/motd")?;
    /// assert_eq!(rx.recv()?, "contents of /etc/motd");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn_with<A: Actor>(
        &self,
        actor: A,
        options: ActorOptions,
    ) -> Result<ActorRef<A>, SpawnError> {
        spawn_on(&self.handle.shared, actor, options)
    }

    /// The node's dead letters: messages never handled, because their
    /// handler panicked or their actor stopped for good first. See
    /// [`DeadLetters`] for an example.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// assert_eq!(node.dead_letters().count(), 0);
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn dead_letters(&self) -> &DeadLetters {
        &self.handle.shared.dead_letters
    }

    /// What the node's threads and actors share (for the layers above).
    pub(crate) fn shared(&self) -> &Arc<shared::Shared> {
        &self.handle.shared
    }

    /// The node's process registry: unique names for actors. See
    /// [`ProcessRegistry`] for an example.
    ///
    /// ```
    /// use foundation::prelude::*;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// struct Idle;
    /// #[handlers]
    /// impl Idle {
    ///     pub fn ping(&self) -> bool {
    ///         true
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let idle = node.spawn(Idle)?;
    /// node.registry().register("idle", idle.pid())?;
    /// assert_eq!(node.registry().lookup("idle"), Some(idle.pid()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn registry(&self) -> ProcessRegistry {
        ProcessRegistry::new(Arc::clone(&self.handle.shared))
    }

    /// The node's process groups. See [`ProcessGroups`] for an example.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// assert!(node.groups().which_groups().is_empty());
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn groups(&self) -> ProcessGroups {
        ProcessGroups::new(Arc::clone(&self.handle.shared))
    }

    /// The node's services in the production namespace (for another
    /// namespace, [`ServiceRegistry::in_namespace`]). See
    /// [`ServiceRegistry`] for an example.
    ///
    /// ```
    /// use foundation::prelude::*;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// struct Idle;
    /// #[handlers]
    /// impl Idle {
    ///     pub fn ping(&self) -> bool {
    ///         true
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let idle = node.spawn(Idle)?;
    /// node.services().register("idle", idle.pid())?;
    /// assert_eq!(node.services().lookup("idle")?, idle.pid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn services(&self) -> ServiceRegistry {
        ServiceRegistry::new(Arc::clone(&self.handle.shared), Namespace::Production)
    }

    /// The node's clock (the system clock, or a test's manual clock).
    ///
    /// ```
    /// use foundation::{Clock, ManualClock, Node};
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// assert!(matches!(node.clock(), Clock::System));
    /// let manual = Node::builder().schedulers(1).clock(ManualClock::new()).start()?;
    /// assert!(matches!(manual.clock(), Clock::Manual(_)));
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn clock(&self) -> Clock {
        self.handle.shared.timers.clock().clone()
    }

    /// Actors alive on this node.
    ///
    /// ```
    /// use foundation::prelude::*;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// struct Idle;
    /// #[handlers]
    /// impl Idle {
    ///     pub fn ping(&self) -> bool {
    ///         true
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// assert_eq!(node.actor_count(), 0);
    /// let idle = node.spawn(Idle)?;
    /// assert_eq!(node.actor_count(), 1);
    /// # let _ = idle;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn actor_count(&self) -> usize {
        self.handle.shared.actors.counts().live
    }

    /// Counters since the node started.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let stats = node.stats();
    /// assert_eq!((stats.spawned, stats.stopped, stats.panics), (0, 0, 0));
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn stats(&self) -> NodeStats {
        stats_of(&self.handle.shared)
    }

    /// Sends every [`MemoryAlert`](crate::memory::MemoryAlert) of this
    /// node's pressure thresholds to `subscriber` (see
    /// [`NodeBuilder::memory_pressure`]), once per crossing, until it
    /// stops.
    ///
    /// ```
    /// use foundation::memory::MemoryAlert;
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Pager;
    /// impl Actor for Pager {
    ///     type Msg = MemoryAlert;
    ///     fn handle(&mut self, alert: MemoryAlert, _: &mut Context<Self>) {
    ///         eprintln!("{alert}");
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let pager = node.spawn(Pager)?;
    /// node.subscribe_memory_alerts(pager.recipient());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribe_memory_alerts(&self, subscriber: Recipient<crate::memory::MemoryAlert>) {
        self.handle.shared.memory.subscribe(subscriber);
    }

    /// Asks every `gc_optimized` actor of the node to hibernate now (its
    /// [`Actor::compact`](crate::Actor::compact) hook, then its empty
    /// mailbox's last block): what a rise above a pressure threshold
    /// does. Returns how many were asked.
    ///
    /// ```
    /// use foundation::Node;
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// assert_eq!(node.hibernate_all(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hibernate_all(&self) -> usize {
        self.handle.shared.memory.compact_all()
    }

    /// The node's name.
    ///
    /// ```
    /// let node = foundation::Node::builder().name("edge").schedulers(1).start()?;
    /// assert_eq!(node.name(), "edge");
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.handle.shared.name
    }

    /// The node's id, as it appears in its actors' pids.
    ///
    /// ```
    /// use foundation::prelude::*;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// struct Idle;
    /// #[handlers]
    /// impl Idle {
    ///     pub fn ping(&self) -> bool {
    ///         true
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let idle = node.spawn(Idle)?;
    /// assert_eq!(idle.pid().node(), node.id()); // the first number of its pids
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id(&self) -> u32 {
        self.handle.shared.id
    }

    /// How many scheduler threads the node runs.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(3).start()?;
    /// assert_eq!(node.schedulers(), 3);
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn schedulers(&self) -> usize {
        self.handle.shared.schedulers
    }

    /// The node's clock: the time since the node started on the system
    /// clock, or the [`ManualClock`](crate::ManualClock)'s time — which
    /// makes everything stamped with it (events, timeouts) deterministic
    /// in tests.
    ///
    /// ```
    /// use foundation::{ManualClock, Node};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// clock.advance(Duration::from_secs(3));
    /// assert_eq!(node.now(), Duration::from_secs(3));
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn now(&self) -> std::time::Duration {
        self.handle.shared.timers.now()
    }

    /// The node's configuration (see [`NodeBuilder::config`]): every call
    /// returns the same one.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// assert!(node.config().paths().is_empty());
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn config(&self) -> crate::config::Config {
        self.handle.shared.config.clone()
    }

    /// Stops every actor with [`ExitReason::Shutdown`](crate::ExitReason::Shutdown) (each finishes the
    /// handler it is in, runs its `stopped` hook and discards what is still
    /// queued), then joins the scheduler threads. New spawns are refused from
    /// the moment it begins. Calling it again does nothing.
    ///
    /// Called from inside a handler of this node, it cannot wait for the
    /// threads (one of them is the caller's): it starts the shutdown on a
    /// helper thread and returns at once.
    ///
    /// # Errors
    ///
    /// [`ShutdownError::Timeout`] if some handler did not return within the
    /// node's shutdown timeout; its thread is then left behind, detached.
    ///
    /// ```
    /// use foundation::prelude::*;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// struct Idle;
    /// #[handlers]
    /// impl Idle {
    ///     pub fn ping(&self) -> bool {
    ///         true
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let idle = node.spawn(Idle)?;
    /// node.shutdown()?; // every actor stopped, every thread joined
    /// assert!(!idle.is_alive());
    /// node.shutdown()?; // again: nothing to do
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shutdown(&self) -> Result<(), ShutdownError> {
        shutdown(&self.handle.shared)
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.handle.shared;
        f.debug_struct("Node")
            .field("id", &s.id)
            .field("name", &s.name)
            .field("schedulers", &s.schedulers)
            .field("actors", &s.actors.counts().live)
            .finish()
    }
}

/// The counters of the node behind `s` (see [`Node::stats`]).
pub(crate) fn stats_of(s: &shared::Shared) -> NodeStats {
    let counts = s.actors.counts();
    NodeStats {
        live: counts.live,
        spawned: counts.spawned,
        stopped: counts.stopped,
        panics: s.panics.load(Relaxed),
        restarts: s.restarts.load(Relaxed),
        discarded_messages: s.discarded.load(Relaxed),
        replaced_schedulers: s.scheduler.replaced(),
        long_handlers: s.scheduler.long_handlers(),
        named_actors: s.names.holders(),
        overloads: s.overloads.load(Relaxed),
        muted_senders: s.mutes.load(Relaxed),
        credit_waits: s.credit_waits.load(Relaxed),
        timers: s.timers.len(),
        memory: memory_of(s),
    }
}

/// The memory figures of the node behind `s` (see [`NodeStats::memory`]).
fn memory_of(s: &shared::Shared) -> crate::memory::NodeMemory {
    use crate::memory::Usage;
    let measured = crate::memory::is_accounting();
    let actors = if measured {
        Usage::Bytes(s.actors.all().iter().filter_map(|a| a.memory()).sum())
    } else {
        Usage::NotMeasured
    };
    crate::memory::NodeMemory {
        process: crate::memory::process_usage(),
        actors,
        shared: s
            .memory_pool
            .as_ref()
            .map_or(Usage::NotMeasured, |pool| Usage::Bytes(pool.get().bytes())),
        alerts: s.memory.alerts(),
    }
}

/// A node's counters. See [`Node::stats`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeStats {
    /// Actors alive now.
    pub live: usize,
    /// Actors spawned since the node started.
    pub spawned: u64,
    /// Actors that have stopped for good (their cell retired). An actor
    /// that a supervisor restarts has not: ten crashes all restarted leave
    /// this at 0 and `panics` at 10.
    pub stopped: u64,
    /// Actors stopped by a panic.
    pub panics: u64,
    /// Restarts the node's supervisors made after a failure (each
    /// supervisor counts its children's: see
    /// [`ChildInfo::restarts`](crate::ChildInfo::restarts)).
    pub restarts: u64,
    /// Messages that were still queued when their actor stopped for good
    /// (each is also a [dead letter](crate::DeadLetters)).
    pub discarded_messages: u64,
    /// Scheduler threads replaced by a stand-in because a handler held
    /// them: a killed actor's (see [`ActorRef::kill`](crate::ActorRef::kill)),
    /// or, when every thread was held, the watchdog's (see
    /// [`NodeBuilder::watchdog`](crate::NodeBuilder::watchdog)).
    pub replaced_schedulers: u64,
    /// Handlers the watchdog found running past its threshold (each
    /// counted once).
    pub long_handlers: u64,
    /// Actors that hold a registered name, a group membership or
    /// subscription, or a service (released when they stop for good).
    pub named_actors: usize,
    /// Times an automatic mailbox went above its high watermark (each
    /// crossing counted once; [`Flow::Automatic`](crate::Flow::Automatic)).
    pub overloads: u64,
    /// Times an actor was muted for sending to an overloaded one.
    pub muted_senders: u64,
    /// Times a producer found no credit left and had to wait for some
    /// ([`Flow::CreditBased`](crate::Flow::CreditBased)).
    pub credit_waits: u64,
    /// Entries in the node's timer service now: pending `send_after` and
    /// `send_interval` timers, and the timeouts of calls, requests and
    /// pipes. An entry whose call was answered (or whose timer was
    /// cancelled) stays until its deadline, or until the service next
    /// compacts (when it holds twice the live entries), so with every
    /// deadline past this returns to what it was: nothing leaks.
    pub timers: usize,
    /// Memory: the process's, the node's live actors', its shared pool's
    /// (all [`Usage::NotMeasured`](crate::memory::Usage::NotMeasured)
    /// without the [`AccountingAllocator`](crate::memory::AccountingAllocator)),
    /// and the pressure alerts raised.
    pub memory: crate::memory::NodeMemory,
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Small enough for Miri: a handle made during a run that a send woke
    /// (whose `Arc` came from `new_arc`) outlives every other and frees the
    /// cell. With `new_arc` building on `&self`, Tree Borrows rejects the
    /// free (Miri: "deallocation through ... is forbidden").
    #[test]
    fn a_handle_made_in_a_woken_run_can_free_the_cell() {
        use crate::{Actor, Context};
        use std::sync::mpsc;

        struct Me(mpsc::Sender<ActorRef<Me>>);
        impl Actor for Me {
            type Msg = ();
            fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
                self.0.send(ctx.myself()).unwrap();
                ctx.stop();
            }
        }
        /// Wakes `Me` from the node's only thread: `Me` has finished its
        /// first run by then, so the send schedules it through `new_arc`.
        struct Waker(Option<ActorRef<Me>>);
        impl Actor for Waker {
            type Msg = ();
            fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
                self.0.take().unwrap().send(()).unwrap();
                ctx.stop();
            }
        }
        let node = Node::builder().schedulers(1).start().unwrap();
        let (tx, handles) = mpsc::channel();
        let me = node.spawn(Me(tx)).unwrap();
        let waker = node.spawn(Waker(Some(me))).unwrap();
        waker.send(()).unwrap();
        drop(waker);
        let me = handles.recv().unwrap();
        node.shutdown().unwrap();
        drop(node);
        assert_eq!(Arc::strong_count(&me.cell), 1, "the last owner");
        drop(me); // frees the cell
    }

    /// Small enough for Miri: exercises the cell's `unsafe` (the runner's
    /// exclusive slot access, `new_arc` for recipients) across threads.
    #[test]
    fn actors_run_send_and_stop_across_threads() {
        use crate::{Actor, Context, Recipient};
        use std::sync::mpsc;

        struct Adder(u64, mpsc::Sender<u64>);
        impl Actor for Adder {
            type Msg = u64;
            fn handle(&mut self, n: u64, ctx: &mut Context<Self>) {
                if n == 0 {
                    self.1.send(self.0).unwrap();
                    ctx.stop();
                } else {
                    self.0 += n;
                }
            }
        }

        let node = Node::builder()
            .schedulers(2)
            .spin_rounds(2)
            .start()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let adder = node.spawn(Adder(0, tx)).unwrap();
        let recipient: Recipient<u64> = adder.recipient();
        let senders: Vec<_> = (0..2)
            .map(|_| {
                let r = recipient.clone();
                std::thread::spawn(move || {
                    for _ in 0..10 {
                        r.send(1).unwrap();
                    }
                })
            })
            .collect();
        for s in senders {
            s.join().unwrap();
        }
        adder.send(0).unwrap();
        assert_eq!(rx.recv().unwrap(), 20);
        node.shutdown().unwrap();
        assert_eq!(recipient.send(1), Err(crate::SendError::Closed(1)));
    }

    #[test]
    fn builder_rejects_zero_budget() {
        let err = Node::builder().budget(0).start().unwrap_err();
        assert!(matches!(
            err,
            NodeError::InvalidConfig {
                field: "budget",
                ..
            }
        ));
    }
}
