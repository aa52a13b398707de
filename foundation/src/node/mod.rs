//! Nodes: the scheduler threads, the actors, and their orderly end.

mod table;

use core::fmt;
use core::sync::atomic::Ordering::{Relaxed, SeqCst};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64};

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_utils::sync::Parker;

use crate::actor::{Actor, ActorOptions, ActorRef};
use crate::cell::{ActorCell, StartedAck, run_dedicated};
use crate::dead_letter::DeadLetters;
use crate::error::{NodeError, ShutdownError, SpawnError};
use crate::names::{Names, Namespace, ProcessGroups, ProcessRegistry, ServiceRegistry};
use crate::pid::Pid;
use crate::scheduler::{self, Scheduler, WakeKind};
use crate::sync::lock;
use crate::task::Task;
use crate::timer::{Clock, TimerService};
use table::ActorTable;

/// Process-wide source of node ids (ids only: no node state is global).
static NEXT_NODE_ID: AtomicU32 = AtomicU32::new(0);

/// A node: a pool of scheduler threads and the actors they run.
///
/// Everything belongs to a node — actors, and later timers, registries and
/// telemetry — and several nodes can live in one process. `Node` is a cheap
/// handle: clone it freely. [`Node::shutdown`] stops every actor (running
/// their [`stopped`](crate::Actor::stopped) hooks) and joins every thread;
/// dropping the last handle does the same.
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

/// Shuts the node down when the last user handle goes.
struct NodeHandle {
    shared: Arc<Shared>,
}

impl Drop for NodeHandle {
    fn drop(&mut self) {
        if let Err(error) = shutdown(&self.shared) {
            tracing::warn!(node = %self.shared.name, "{error}");
        }
    }
}

impl Node {
    /// A builder for a node with chosen settings.
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
    /// hook runs on a scheduler thread before its first message.
    ///
    /// # Errors
    ///
    /// [`SpawnError::NodeShutdown`] once the node is shutting down;
    /// [`SpawnError::Name`] if the actor declares a name that is taken.
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
    pub fn dead_letters(&self) -> &DeadLetters {
        &self.handle.shared.dead_letters
    }

    /// The node's process registry: unique names for actors. See
    /// [`ProcessRegistry`] for an example.
    pub fn registry(&self) -> ProcessRegistry {
        ProcessRegistry::new(Arc::clone(&self.handle.shared))
    }

    /// The node's process groups. See [`ProcessGroups`] for an example.
    pub fn groups(&self) -> ProcessGroups {
        ProcessGroups::new(Arc::clone(&self.handle.shared))
    }

    /// The node's services in the production namespace (for another
    /// namespace, [`ServiceRegistry::in_namespace`]). See
    /// [`ServiceRegistry`] for an example.
    pub fn services(&self) -> ServiceRegistry {
        ServiceRegistry::new(Arc::clone(&self.handle.shared), Namespace::Production)
    }

    /// The node's clock (the system clock, or a test's manual clock).
    pub fn clock(&self) -> Clock {
        self.handle.shared.timers.clock().clone()
    }

    /// Actors alive on this node.
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
        let s = &self.handle.shared;
        let counts = s.actors.counts();
        NodeStats {
            live: counts.live,
            spawned: counts.spawned,
            stopped: counts.stopped,
            panics: s.panics.load(Relaxed),
            discarded_messages: s.discarded.load(Relaxed),
            replaced_schedulers: s.scheduler.replaced(),
            named_actors: s.names.holders(),
        }
    }

    /// The node's name.
    pub fn name(&self) -> &str {
        &self.handle.shared.name
    }

    /// The node's id, as it appears in its actors' pids.
    pub fn id(&self) -> u32 {
        self.handle.shared.id
    }

    /// How many scheduler threads the node runs.
    pub fn schedulers(&self) -> usize {
        self.handle.shared.schedulers
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

/// A node's counters. See [`Node::stats`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeStats {
    /// Actors alive now.
    pub live: usize,
    /// Actors spawned since the node started.
    pub spawned: u64,
    /// Actors that have stopped.
    pub stopped: u64,
    /// Actors stopped by a panic.
    pub panics: u64,
    /// Messages that were still queued when their actor stopped for good
    /// (each is also a [dead letter](crate::DeadLetters)).
    pub discarded_messages: u64,
    /// Scheduler threads replaced because a killed actor's handler held
    /// them (see [`ActorRef::kill`](crate::ActorRef::kill)).
    pub replaced_schedulers: u64,
    /// Actors that hold a registered name, a group membership or
    /// subscription, or a service (released when they stop for good).
    pub named_actors: usize,
}

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
    spare_schedulers: Option<usize>,
    shutdown_timeout: Duration,
    clock: Clock,
}

impl Default for NodeBuilder {
    fn default() -> Self {
        NodeBuilder {
            name: None,
            schedulers: None,
            budget: 128,
            spin_rounds: 64,
            spare_schedulers: None,
            shutdown_timeout: Duration::from_secs(5),
            clock: Clock::System,
        }
    }
}

impl NodeBuilder {
    /// The node's name, used in thread names and reports. Default
    /// `node-<id>`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Scheduler threads (at least 1). Default: one per core.
    pub fn schedulers(mut self, n: usize) -> Self {
        self.schedulers = Some(n);
        self
    }

    /// Messages an actor may handle in one run before it yields its thread
    /// (BEAM's reductions; at least 1). Default 128.
    pub fn budget(mut self, messages: usize) -> Self {
        self.budget = messages;
        self
    }

    /// How many times an idle thread looks for work before parking. Default
    /// 64 (a few microseconds).
    pub fn spin_rounds(mut self, rounds: u32) -> Self {
        self.spin_rounds = rounds;
        self
    }

    /// How many scheduler threads may stand in, at one time, for threads
    /// held by killed actors' handlers that have not returned (see
    /// [`ActorRef::kill`](crate::ActorRef::kill)). Default: as many as
    /// there are schedulers.
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

    /// How long [`Node::shutdown`] waits for actors to stop. Default 5 s.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// The clock for timers and timeouts. Default: the system clock. A
    /// [`ManualClock`](crate::ManualClock) makes them deterministic in tests.
    pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = clock.into();
        self
    }

    /// Starts the node's threads.
    ///
    /// # Errors
    ///
    /// [`NodeError::InvalidConfig`] for zero schedulers or a zero budget;
    /// [`NodeError::ThreadSpawn`] if a thread cannot be started.
    pub fn start(self) -> Result<Node, NodeError> {
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
        if self.budget == 0 {
            return Err(NodeError::InvalidConfig {
                field: "budget",
                reason: "the budget must be at least 1 message".into(),
            });
        }
        crate::panic::install_hook();
        crate::cell::takeover::asymmetric::init();

        let id = NEXT_NODE_ID.fetch_add(1, Relaxed);
        let name = self.name.unwrap_or_else(|| format!("node-{id}"));
        let timers = TimerService::start(self.clock, &name).map_err(NodeError::ThreadSpawn)?;
        let scheduler = Scheduler::start(scheduler::Config {
            name: name.clone(),
            threads: schedulers,
            spares: self.spare_schedulers.unwrap_or(schedulers),
            budget: self.budget,
            spin_rounds: self.spin_rounds,
        })
        .inspect_err(|_| timers.stop())
        .map_err(NodeError::ThreadSpawn)?;
        let shared = Arc::new(Shared {
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
            discarded: AtomicU64::new(0),
            accepting: AtomicBool::new(true),
            shutting_down: Mutex::new(false),
        });
        Ok(Node {
            handle: Arc::new(NodeHandle { shared }),
        })
    }
}

/// What a node's threads and actors share: each part belongs to its
/// subsystem (the scheduler, the actor table, the name tables, the dead
/// letters, the timers); the node only holds them together.
pub(crate) struct Shared {
    pub(crate) id: u32,
    pub(crate) name: String,
    /// Scheduler threads at work (not counting stand-ins).
    schedulers: usize,
    pub(crate) scheduler: Arc<Scheduler>,
    pub(crate) dead_letters: DeadLetters,
    pub(crate) next_monitor: AtomicU64,
    shutdown_timeout: Duration,
    /// Every live actor, for shutdown and to resolve pids.
    pub(crate) actors: ActorTable,
    /// Registered names, process groups, services.
    pub(crate) names: Names,
    /// The node's timers and clock.
    pub(crate) timers: Arc<TimerService>,
    /// Threads of blocking actors, joined at shutdown.
    blocking: Mutex<Vec<JoinHandle<()>>>,
    panics: AtomicU64,
    discarded: AtomicU64,
    /// Cleared when shutdown begins: spawns are refused from then on.
    accepting: AtomicBool,
    /// Held by the shutdown sequence from start to end; `true` once done.
    shutting_down: Mutex<bool>,
}

impl Shared {
    pub(crate) fn record_panic(&self) {
        self.panics.fetch_add(1, Relaxed);
    }

    /// Called once an actor has stopped for good.
    pub(crate) fn actor_exited(&self, pid: Pid, discarded: usize) {
        let task = self.actors.remove(pid.number());
        if discarded > 0 {
            self.discarded.fetch_add(discarded as u64, Relaxed);
            tracing::debug!(%pid, discarded, "{pid} stopped for good with {discarded} message(s) still queued; they are dead letters");
        }
        // The table's handle goes last: it may be the cell's final one.
        drop(task);
    }
}

/// Spawns `actor` on the node behind `shared`.
pub(crate) fn spawn_on<A: Actor>(
    shared: &Arc<Shared>,
    actor: A,
    options: ActorOptions,
) -> Result<ActorRef<A>, SpawnError> {
    spawn_cell(shared, actor, options, None, |_| {})
}

/// Spawns `actor`; `supervisor` makes it a restartable, supervised cell, and
/// `before_start` runs on the cell before it can first run (to link it).
pub(crate) fn spawn_cell<A: Actor>(
    shared: &Arc<Shared>,
    actor: A,
    options: ActorOptions,
    supervisor: Option<(Pid, Task, StartedAck)>,
    before_start: impl FnOnce(&Arc<ActorCell<A>>),
) -> Result<ActorRef<A>, SpawnError> {
    let parker = options.blocking.then(Parker::new);
    let unparker = parker.as_ref().map(|p| p.unparker().clone());
    // The acceptance check runs under the shard's lock: shutdown clears
    // `accepting` and then takes every shard's lock to collect the actors, so
    // it either sees this actor or we see the flag.
    let cell = shared
        .actors
        .insert(
            || shared.accepting.load(SeqCst),
            |number| {
                let cell = Arc::new(ActorCell::new(
                    actor,
                    number,
                    Arc::clone(shared),
                    supervisor.is_some(),
                    unparker,
                    options.trap_exit,
                ));
                let task = Arc::clone(&cell) as Task;
                (cell, task)
            },
        )
        .ok_or_else(|| SpawnError::NodeShutdown {
            node: shared.name.clone(),
        })?;
    if let Some(name) = &options.name {
        // Before anything else refers to the cell: a refused name leaves
        // nothing behind.
        let pid = cell.pid();
        let task = Arc::clone(&cell) as Task;
        if let Err(source) = crate::names::register_task(shared, name, pid, task) {
            drop(shared.actors.remove(pid.number()));
            return Err(SpawnError::Name {
                name: name.clone(),
                source,
            });
        }
    }
    if let Some((pid, task, ack)) = supervisor {
        cell.set_supervisor((pid, task), ack, None);
    }
    before_start(&cell);
    match parker {
        None => scheduler::schedule(
            &shared.scheduler,
            Arc::clone(&cell) as Task,
            WakeKind::Spawn,
        ),
        Some(parker) => {
            if let Err(error) = start_dedicated(shared, &cell, parker) {
                cell.mailbox.close();
                shared.names.release(cell.pid(), None);
                drop(shared.actors.remove(cell.pid().number()));
                return Err(error);
            }
        }
    }
    Ok(ActorRef { cell })
}

/// Starts the thread of a blocking actor.
pub(crate) fn start_dedicated<A: Actor>(
    shared: &Arc<Shared>,
    cell: &Arc<ActorCell<A>>,
    parker: Parker,
) -> Result<(), SpawnError> {
    let runner = Arc::clone(cell);
    let started = std::thread::Builder::new()
        .name(format!("{}-blocking-{}", shared.name, cell.pid().number()))
        .spawn(move || run_dedicated(runner, parker));
    match started {
        Ok(handle) => {
            let mut blocking = lock(&shared.blocking);
            blocking.retain(|h| !h.is_finished());
            blocking.push(handle);
            Ok(())
        }
        Err(error) => Err(SpawnError::ThreadSpawn(Arc::new(error))),
    }
}

/// The shutdown sequence; see [`Node::shutdown`].
fn shutdown(shared: &Arc<Shared>) -> Result<(), ShutdownError> {
    if scheduler::on_scheduler_of(&shared.scheduler) {
        // We hold one of the threads we would join: finish elsewhere.
        let helper = Arc::clone(shared);
        let name = format!("{}-shutdown", shared.name);
        let started = std::thread::Builder::new().name(name).spawn(move || {
            if let Err(error) = shutdown(&helper) {
                tracing::warn!(node = %helper.name, "{error}");
            }
        });
        if let Err(error) = started {
            tracing::error!(node = %shared.name, "could not start the shutdown thread: {error}");
        }
        return Ok(());
    }

    // Only the first caller proceeds; later callers wait for it by taking
    // the `threads` lock, which it holds until the end.
    let mut done = lock(&shared.shutting_down);
    if *done {
        return Ok(());
    }
    *done = true;
    shared.accepting.store(false, SeqCst);
    let deadline = Instant::now() + shared.shutdown_timeout;

    // Ask every actor to stop. Stopping actors may still spawn (refused).
    let actors = shared.actors.all();
    for actor in actors {
        actor.request_shutdown(true);
    }

    // Wait for them. Polled: stopping is the actors' business, and a
    // millisecond's latency is nothing at shutdown.
    let mut remaining_actors = shared.actors.counts().live;
    while remaining_actors > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
        remaining_actors = shared.actors.counts().live;
    }

    // Waiters for services fail; the registries let go of every actor.
    shared.names.shutdown();

    // No more timers; join the threads of blocking actors that have stopped
    // (a stuck one is left behind, like a stuck scheduler thread).
    shared.timers.stop();
    let blocking = std::mem::take(&mut *lock(&shared.blocking));
    for handle in blocking {
        if remaining_actors == 0 || handle.is_finished() {
            let _ = handle.join();
        }
    }

    // Tell the scheduler threads to exit, and join those that do; those
    // still inside a handler are left behind, detached.
    let stuck_schedulers = shared.scheduler.stop(deadline);
    drop(done);
    if remaining_actors > 0 || stuck_schedulers > 0 {
        return Err(ShutdownError::Timeout {
            remaining_actors,
            stuck_schedulers,
        });
    }
    tracing::debug!(node = %shared.name, "node shut down");
    Ok(())
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

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
