//! The M:N scheduler: a fixed pool of threads running many actors.
//!
//! Each scheduler thread has a local FIFO run queue (crossbeam-deque) and a
//! one-task "run next" slot; the node has a global injector. A thread takes,
//! in order:
//!
//! 1. every 61st pick, the injector first, so outside work is never starved
//!    by a busy local queue;
//! 2. its run-next slot, while the current *chain* has budget left;
//! 3. its local queue, then a batch from the injector, then a batch stolen
//!    from another thread.
//!
//! A send from inside a handler that wakes an idle actor puts it in the
//! sender's run-next slot, so a ping-pong pair stays on one core and in its
//! cache. The slot is capped like tokio's LIFO slot: a chain of run-next
//! hand-offs shares one message budget, and when it runs out the woken actor
//! goes to the back of the local queue, so a chatty pair cannot starve the
//! rest. An idle thread takes a task that has waited in a busy thread's
//! slot for a few microseconds (`run_next.rs`), so a long handler does not
//! hold the actor it woke.
//!
//! The scheduler runs [`Task`]s — type-erased actors — and knows nothing of
//! cells, mailboxes or nodes. Its parts:
//!
//! - `mod.rs` (here): [`Scheduler`], what a node holds of it, and
//!   [`schedule`], the one way work enters it;
//! - `worker.rs`: one thread's loop — picking, stealing, running, idling;
//! - `run_next.rs`: the run-next slot, stealable after a delay
//!   (model-checked);
//! - `idle.rs`: searching, sleeping and waking (model-checked);
//! - `threads.rs`: starting the threads, stand-ins for threads held by
//!   killed actors, stopping them all.

mod idle;
pub(crate) mod run_next;
mod threads;
pub(crate) mod watchdog;
mod worker;

use core::cell::Cell;
use core::ptr;
use core::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_deque::{Injector, Stealer, Worker};
use crossbeam_utils::CachePadded;
use crossbeam_utils::sync::{Parker, Unparker};

use crate::heartbeat::Heartbeat;
#[cfg(all(test, loom))]
pub(crate) use idle::Idle;
use run_next::RunNext;
use threads::Threads;
use worker::WorkerCx;

use crate::sync::lock;
use crate::task::Task;

/// Why a task is being scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WakeKind {
    /// A message woke an idle actor: run it next on this thread.
    Message,
    /// A new actor, or a signal: queue it normally.
    Spawn,
}

/// A node's scheduler: its run queues, its idle threads, its threads.
pub(crate) struct Scheduler {
    /// The node's name, for thread names and reports.
    name: String,
    /// Threads at work (not counting stand-ins).
    at_work: usize,
    /// Messages an actor may handle in one run (BEAM's reductions).
    pub(crate) budget: usize,
    /// How many times an idle thread looks for work before parking.
    spin_rounds: u32,
    injector: Injector<Task>,
    /// One per slot (scheduler threads, then spares).
    stealers: Box<[Stealer<Task>]>,
    unparkers: Box<[Unparker]>,
    /// One per slot, stealable after a delay (`run_next.rs`).
    run_next: Box<[CachePadded<RunNext>]>,
    idle: idle::Idle,
    /// Set when the threads must exit.
    exiting: AtomicBool,
    threads: Threads,
    /// One per slot: what its thread is running (`watchdog.rs`).
    heartbeats: Box<[CachePadded<Heartbeat>]>,
    /// Handlers the watchdog found running past its threshold.
    long_handlers: AtomicU64,
    /// The watchdog thread, if any; joined at stop.
    watchdog: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// How the node names a task in the watchdog's reports.
    describe: std::sync::OnceLock<watchdog::Describe>,
}

/// Settings of a [`Scheduler`] (from the node's builder).
pub(crate) struct Config {
    pub(crate) name: String,
    /// Threads at work.
    pub(crate) threads: usize,
    /// Extra slots for stand-in threads.
    pub(crate) spares: usize,
    pub(crate) budget: usize,
    pub(crate) spin_rounds: u32,
    /// How long a handler may hold its thread before the watchdog reports
    /// it (and, if every thread is held, starts a stand-in); `None`: no
    /// watchdog.
    pub(crate) watchdog: Option<Duration>,
}

impl Scheduler {
    /// Starts the scheduler's threads.
    pub(crate) fn start(config: Config) -> std::io::Result<Arc<Scheduler>> {
        let slots = config.threads + config.spares;
        let mut locals: Vec<Worker<Task>> = (0..slots).map(|_| Worker::new_fifo()).collect();
        let mut parkers: Vec<Parker> = (0..slots).map(|_| Parker::new()).collect();
        let (exited_tx, exited_rx) = std::sync::mpsc::channel();
        let scheduler = Arc::new(Scheduler {
            name: config.name,
            at_work: config.threads,
            budget: config.budget,
            spin_rounds: config.spin_rounds,
            injector: Injector::new(),
            stealers: locals.iter().map(Worker::stealer).collect(),
            unparkers: parkers.iter().map(|p| p.unparker().clone()).collect(),
            run_next: (0..slots)
                .map(|_| CachePadded::new(RunNext::new()))
                .collect(),
            idle: idle::Idle::new(config.threads),
            exiting: AtomicBool::new(false),
            heartbeats: (0..slots)
                .map(|_| CachePadded::new(Heartbeat::new()))
                .collect(),
            long_handlers: AtomicU64::new(0),
            watchdog: Mutex::new(None),
            describe: std::sync::OnceLock::new(),
            threads: Threads {
                spares: Mutex::new(Vec::new()),
                replacements: Default::default(),
                replaced: Default::default(),
                handles: Mutex::new(Vec::new()),
                next_thread: Default::default(),
                exited_tx: Mutex::new(Some(exited_tx)),
                exited_rx: Mutex::new(Some(exited_rx)),
            },
        });
        {
            let mut spares = lock(&scheduler.threads.spares);
            for index in (config.threads..slots).rev() {
                let local = locals.pop().expect("one queue per slot");
                let parker = parkers.pop().expect("one parker per slot");
                spares.push((index, local, parker));
            }
        }
        for (index, (local, parker)) in locals.into_iter().zip(parkers).enumerate() {
            if let Err(error) = scheduler.start_thread(index, local, parker) {
                scheduler.stop(Some(std::time::Instant::now()));
                return Err(error);
            }
        }
        if let Some(threshold) = config.watchdog {
            match watchdog::start(&scheduler, threshold) {
                Ok(handle) => *lock(&scheduler.watchdog) = Some(handle),
                Err(error) => {
                    scheduler.stop(Some(std::time::Instant::now()));
                    return Err(error);
                }
            }
        }
        Ok(scheduler)
    }

    /// Whether any queue holds work another thread could take.
    fn has_work(&self) -> bool {
        !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty())
    }

    /// Makes sure some thread will take newly published work. Call after
    /// publishing work.
    #[inline]
    fn wake_one(&self) {
        if let Some(index) = self.idle.wake_one() {
            self.unparkers[index].unpark();
        }
    }
}

thread_local! {
    /// The scheduler thread running on this OS thread, if any.
    static CURRENT: Cell<*const WorkerCx> = const { Cell::new(ptr::null()) };
}

/// The worker loop running on this thread, if this is a scheduler thread.
#[inline]
fn current() -> Option<&'static WorkerCx> {
    let current = CURRENT.with(Cell::get);
    // SAFETY: `CURRENT` points at the `WorkerCx` on this thread's stack for
    // exactly as long as its worker loop runs (set on entry, cleared before
    // it returns), and only this thread reads it; callers use the reference
    // within the call that asked for it, never across a return to the loop.
    (!current.is_null()).then(|| unsafe { &*current })
}

/// Puts `task` in a run queue: this thread's, if it is a scheduler thread of
/// the same node, else the node's injector.
#[inline(always)]
pub(crate) fn schedule(scheduler: &Arc<Scheduler>, task: Task, kind: WakeKind) {
    if let Some(worker) = current()
        && Arc::ptr_eq(&worker.scheduler, scheduler)
    {
        worker.push(task, kind);
        return;
    }
    scheduler.injector.push(task);
    scheduler.wake_one();
}

/// The running actor goes on to another message: an actor its last handler
/// (or its `started` hook) woke into this thread's run-next slot should not
/// wait for it (a long or stuck handler would hold it hostage: the slot
/// cannot be stolen), so it moves to the local queue, where idle threads
/// steal.
#[inline]
pub(crate) fn release_run_next() {
    if let Some(worker) = current()
        && let Some(task) = worker.run_next().take()
    {
        worker.local.push(task);
        worker.scheduler.wake_one();
    }
}

thread_local! {
    /// The scheduler whose actor this plain thread is running itself, if
    /// any (see [`run_inline`]).
    static INLINE: Cell<*const Scheduler> = const { Cell::new(ptr::null()) };
}

/// How many messages a plain thread handles when it runs an actor itself:
/// its own request and, at most, one that came before it — then the actor
/// goes to a scheduler thread if more is queued (ADR 0010 §1).
const INLINE_BUDGET: usize = 2;

/// Whether this thread may run an actor itself: a plain thread — not a
/// scheduler thread, and not running an actor (a blocking actor's thread
/// in a handler, or a thread already running one inline).
#[inline]
pub(crate) fn may_run_inline() -> bool {
    current().is_none() && INLINE.with(Cell::get).is_null() && !crate::panic::in_actor()
}

/// Runs `task`, an actor of `scheduler` that a request from this plain
/// thread has just made runnable (it is owed a run and in no queue), here
/// and now, as a scheduler thread would — for at most [`INLINE_BUDGET`]
/// messages. Meanwhile this thread counts as one of `scheduler`'s: a
/// blocking call in the handler is refused as on a scheduler thread.
/// Returns the actor if work is left: the caller schedules it.
pub(crate) fn run_inline(scheduler: &Arc<Scheduler>, task: Task) -> Option<Task> {
    /// Clears `INLINE`, even if the run unwinds (it catches handler panics;
    /// this is for the runtime's own).
    struct Inline;
    impl Drop for Inline {
        fn drop(&mut self) {
            INLINE.with(|i| i.set(ptr::null()));
        }
    }
    INLINE.with(|i| i.set(Arc::as_ptr(scheduler)));
    let _inline = Inline;
    task.run(INLINE_BUDGET).yielded
}

/// Whether this thread is a scheduler thread of any node.
pub(crate) fn on_any_scheduler() -> bool {
    current().is_some() || !INLINE.with(Cell::get).is_null()
}

/// Whether this thread is one of `scheduler`'s threads.
pub(crate) fn on_scheduler_of(scheduler: &Arc<Scheduler>) -> bool {
    current().is_some_and(|worker| Arc::ptr_eq(&worker.scheduler, scheduler))
        || ptr::eq(INLINE.with(Cell::get), Arc::as_ptr(scheduler))
}
