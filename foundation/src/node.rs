//! Nodes: the scheduler threads, the actors, and their orderly end.

use core::fmt;
use core::sync::atomic::Ordering::{Relaxed, SeqCst};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, fence};

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_deque::{Injector, Stealer, Worker};
use crossbeam_utils::sync::{Parker, Unparker};

use crate::actor::{Actor, ActorOptions, ActorRef};
use crate::cell::{ActorCell, run_dedicated};
use crate::error::{NodeError, ShutdownError, SpawnError};
use crate::exit::ExitReason;
use crate::pid::Pid;
use crate::registry::Registry;
use crate::scheduler::{self, Task, WakeKind, WorkerCx};
use crate::sync::lock;
use crate::timer::{Clock, TimerService};

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

    /// Spawns `actor` on this node. Its [`started`](crate::Actor::started)
    /// hook runs on a scheduler thread before its first message.
    ///
    /// # Errors
    ///
    /// [`SpawnError::NodeShutdown`] once the node is shutting down.
    pub fn spawn<A: Actor>(&self, actor: A) -> Result<ActorRef<A>, SpawnError> {
        spawn_on(&self.handle.shared, actor, ActorOptions::default())
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

    /// The node's clock (the system clock, or a test's manual clock).
    pub fn clock(&self) -> Clock {
        self.handle.shared.timers.clock().clone()
    }

    /// Actors alive on this node.
    pub fn actor_count(&self) -> usize {
        self.handle.shared.registry.counts().live
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
        let counts = s.registry.counts();
        NodeStats {
            live: counts.live,
            spawned: counts.spawned,
            stopped: counts.stopped,
            panics: s.panics.load(Relaxed),
            discarded_messages: s.discarded.load(Relaxed),
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
        self.handle.shared.stealers.len()
    }

    /// Stops every actor with [`ExitReason::Shutdown`] (each finishes the
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
            .field("schedulers", &s.stealers.len())
            .field("actors", &s.registry.counts().live)
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
    /// Messages that were still queued when their actor stopped.
    pub discarded_messages: u64,
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

        let id = NEXT_NODE_ID.fetch_add(1, Relaxed);
        let name = self.name.unwrap_or_else(|| format!("node-{id}"));
        let locals: Vec<Worker<Task>> = (0..schedulers).map(|_| Worker::new_fifo()).collect();
        let parkers: Vec<Parker> = (0..schedulers).map(|_| Parker::new()).collect();
        let timers = TimerService::start(self.clock, &name).map_err(NodeError::ThreadSpawn)?;
        let shared = Arc::new(Shared {
            timers,
            blocking: Mutex::new(Vec::new()),
            id,
            name,
            budget: self.budget,
            spin_rounds: self.spin_rounds,
            shutdown_timeout: self.shutdown_timeout,
            injector: Injector::new(),
            stealers: locals.iter().map(Worker::stealer).collect(),
            unparkers: parkers.iter().map(|p| p.unparker().clone()).collect(),
            sleeping: Mutex::new(Vec::with_capacity(schedulers)),
            sleepers: AtomicUsize::new(0),
            searching: AtomicUsize::new(0),
            registry: Registry::new(),
            panics: AtomicU64::new(0),
            discarded: AtomicU64::new(0),
            accepting: AtomicBool::new(true),
            exiting: AtomicBool::new(false),
            threads: Mutex::new(Threads::default()),
        });

        let (exited_tx, exited_rx) = std::sync::mpsc::channel();
        let mut handles = Vec::with_capacity(schedulers);
        for (index, (local, parker)) in locals.into_iter().zip(parkers).enumerate() {
            let worker = WorkerCx::new(index, Arc::clone(&shared), local, parker);
            let exited = exited_tx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{}-sched-{index}", shared.name))
                .spawn(move || {
                    worker.run();
                    let _ = exited.send(index);
                });
            match spawned {
                Ok(handle) => handles.push(Some(handle)),
                Err(error) => {
                    shared.timers.stop();
                    shared.exiting.store(true, SeqCst);
                    shared.unpark_all();
                    for handle in handles.into_iter().flatten() {
                        let _ = handle.join();
                    }
                    return Err(NodeError::ThreadSpawn(error));
                }
            }
        }
        *lock(&shared.threads) = Threads {
            handles,
            exited: Some(exited_rx),
        };
        Ok(Node {
            handle: Arc::new(NodeHandle { shared }),
        })
    }
}

#[derive(Default)]
struct Threads {
    handles: Vec<Option<JoinHandle<()>>>,
    /// Each thread sends its index here as it exits; `None` once shut down.
    exited: Option<std::sync::mpsc::Receiver<usize>>,
}

/// What a node's threads and actors share.
pub(crate) struct Shared {
    pub(crate) id: u32,
    pub(crate) name: String,
    pub(crate) budget: usize,
    pub(crate) spin_rounds: u32,
    shutdown_timeout: Duration,
    pub(crate) injector: Injector<Task>,
    pub(crate) stealers: Box<[Stealer<Task>]>,
    unparkers: Box<[Unparker]>,
    /// Indices of parked threads, and their count (read without the lock).
    sleeping: Mutex<Vec<usize>>,
    sleepers: AtomicUsize,
    /// Threads spinning for work; while there is one, senders wake nobody.
    searching: AtomicUsize,
    /// Every live actor, for shutdown.
    registry: Registry,
    /// The node's timers and clock.
    pub(crate) timers: Arc<TimerService>,
    /// Threads of blocking actors, joined at shutdown.
    blocking: Mutex<Vec<JoinHandle<()>>>,
    panics: AtomicU64,
    discarded: AtomicU64,
    /// Cleared when shutdown begins: spawns are refused from then on.
    accepting: AtomicBool,
    /// Set when the scheduler threads must exit.
    pub(crate) exiting: AtomicBool,
    threads: Mutex<Threads>,
}

impl Shared {
    /// Whether any queue holds work another thread could take.
    pub(crate) fn has_work(&self) -> bool {
        !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty())
    }

    /// Makes sure some thread will take newly published work: a searching
    /// thread will; otherwise wake a parked one, if any. Call after
    /// publishing work.
    #[inline]
    pub(crate) fn wake_one(&self) {
        fence(SeqCst);
        if self.searching.load(Relaxed) > 0 {
            return;
        }
        self.notify_parked();
    }

    pub(crate) fn start_searching(&self) {
        self.searching.fetch_add(1, SeqCst);
    }

    /// A searcher found work. If it was the last searcher and work is left
    /// over, someone must take that: wake a parked thread.
    pub(crate) fn stop_searching(&self) {
        if self.searching.fetch_sub(1, SeqCst) == 1 {
            fence(SeqCst);
            if self.has_work() {
                self.notify_parked();
            }
        }
    }

    /// A searcher gives up and is about to park (it looks for work once more
    /// after announcing its sleep).
    pub(crate) fn stop_searching_to_sleep(&self) {
        self.searching.fetch_sub(1, SeqCst);
    }

    /// Wakes one parked thread, if any.
    fn notify_parked(&self) {
        if self.sleepers.load(Relaxed) == 0 {
            return;
        }
        let index = {
            let mut sleeping = lock(&self.sleeping);
            let index = sleeping.pop();
            if index.is_some() {
                self.sleepers.fetch_sub(1, Relaxed);
            }
            index
        };
        if let Some(index) = index {
            self.unparkers[index].unpark();
        }
    }

    pub(crate) fn announce_sleep(&self, index: usize) {
        let mut sleeping = lock(&self.sleeping);
        sleeping.push(index);
        self.sleepers.fetch_add(1, SeqCst);
    }

    /// Takes `index` off the sleeping list if a waker has not already.
    pub(crate) fn cancel_sleep(&self, index: usize) {
        let mut sleeping = lock(&self.sleeping);
        if let Some(at) = sleeping.iter().position(|&i| i == index) {
            sleeping.swap_remove(at);
            self.sleepers.fetch_sub(1, Relaxed);
        }
    }

    fn unpark_all(&self) {
        for unparker in self.unparkers.iter() {
            unparker.unpark();
        }
    }

    pub(crate) fn record_panic(&self) {
        self.panics.fetch_add(1, Relaxed);
    }

    /// Called by an actor's runner once it has stopped for good.
    pub(crate) fn actor_exited(&self, pid: Pid, slot: u32, reason: &ExitReason, discarded: usize) {
        let task = self.registry.remove(pid.number(), slot);
        if discarded > 0 {
            self.discarded.fetch_add(discarded as u64, Relaxed);
            tracing::debug!(%pid, discarded, "{pid} stopped with {discarded} message(s) still queued; they were discarded");
        }
        tracing::trace!(%pid, %reason, "actor stopped");
        // The registry's handle goes last: it may be the cell's final one.
        drop(task);
    }
}

/// Spawns `actor` on the node behind `shared`.
pub(crate) fn spawn_on<A: Actor>(
    shared: &Arc<Shared>,
    actor: A,
    options: ActorOptions,
) -> Result<ActorRef<A>, SpawnError> {
    let parker = options.blocking.then(Parker::new);
    let unparker = parker.as_ref().map(|p| p.unparker().clone());
    // The acceptance check runs under the shard's lock: shutdown clears
    // `accepting` and then takes every shard's lock to collect the actors, so
    // it either sees this actor or we see the flag.
    let cell = shared
        .registry
        .insert(
            || shared.accepting.load(SeqCst),
            |entry| {
                let pid = Pid::new(shared.id, entry.number, 0);
                let cell = Arc::new(ActorCell::new(
                    actor,
                    pid,
                    entry.slot,
                    Arc::clone(shared),
                    unparker,
                ));
                let task = Arc::clone(&cell) as Task;
                (cell, task)
            },
        )
        .ok_or_else(|| SpawnError::NodeShutdown {
            node: shared.name.clone(),
        })?;
    match parker {
        None => scheduler::schedule(shared, Arc::clone(&cell) as Task, WakeKind::Spawn),
        Some(parker) => {
            let runner = Arc::clone(&cell);
            let started = std::thread::Builder::new()
                .name(format!("{}-blocking-{}", shared.name, cell.pid.number()))
                .spawn(move || run_dedicated(runner, parker));
            match started {
                Ok(handle) => {
                    let mut blocking = lock(&shared.blocking);
                    blocking.retain(|h| !h.is_finished());
                    blocking.push(handle);
                }
                Err(error) => {
                    drop(
                        shared
                            .registry
                            .remove(cell.pid.number(), cell.registry_slot),
                    );
                    return Err(SpawnError::ThreadSpawn(Arc::new(error)));
                }
            }
        }
    }
    Ok(ActorRef { cell })
}

/// The shutdown sequence; see [`Node::shutdown`].
fn shutdown(shared: &Arc<Shared>) -> Result<(), ShutdownError> {
    if scheduler::on_scheduler_of(shared) {
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
    let mut threads = lock(&shared.threads);
    let Some(exited) = threads.exited.take() else {
        return Ok(());
    };
    shared.accepting.store(false, SeqCst);
    let deadline = Instant::now() + shared.shutdown_timeout;

    // Ask every actor to stop. Stopping actors may still spawn (refused).
    let actors = shared.registry.all();
    for actor in actors {
        actor.request_shutdown();
    }

    // Wait for them. Polled: stopping is the actors' business, and a
    // millisecond's latency is nothing at shutdown.
    let mut remaining_actors = shared.registry.counts().live;
    while remaining_actors > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
        remaining_actors = shared.registry.counts().live;
    }

    // No more timers; join the threads of blocking actors that have stopped
    // (a stuck one is left behind, like a stuck scheduler thread).
    shared.timers.stop();
    let blocking = std::mem::take(&mut *lock(&shared.blocking));
    for handle in blocking {
        if remaining_actors == 0 || handle.is_finished() {
            let _ = handle.join();
        }
    }

    // Tell the threads to exit, and join those that do.
    shared.exiting.store(true, SeqCst);
    shared.unpark_all();
    let total = threads.handles.len();
    let mut joined = 0;
    while joined < total {
        let wait = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(100));
        match exited.recv_timeout(wait) {
            Ok(index) => {
                if let Some(handle) = threads.handles[index].take() {
                    let _ = handle.join();
                }
                joined += 1;
            }
            Err(_) => break,
        }
    }
    // Threads still inside a handler are left behind, detached.
    threads.handles.clear();
    let stuck_schedulers = total - joined;
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
