//! What a node's threads and actors share. Each part belongs to its
//! subsystem — the scheduler, the actor table, the name tables, the dead
//! letters, the timers — and this file only holds them together: it
//! imports nothing above them (see docs/architecture.md).

use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use super::table::ActorTable;
use crate::dead_letter::DeadLetters;
use crate::names::tables::Names;
use crate::pid::Pid;
use crate::scheduler::Scheduler;
use crate::task::Task;
use crate::timer::TimerService;

/// What a node's threads and actors share: each part belongs to its
/// subsystem (the scheduler, the actor table, the name tables, the dead
/// letters, the timers); the node only holds them together.
pub(crate) struct Shared {
    pub(crate) id: u32,
    pub(crate) name: String,
    /// Scheduler threads at work (not counting stand-ins).
    pub(crate) schedulers: usize,
    pub(crate) scheduler: Arc<Scheduler>,
    pub(crate) dead_letters: DeadLetters,
    pub(crate) next_monitor: AtomicU64,
    pub(crate) shutdown_timeout: Duration,
    /// Every live actor, for shutdown and to resolve pids.
    pub(crate) actors: ActorTable,
    /// Registered names, process groups, services.
    pub(crate) names: Names,
    /// The node's timers and clock.
    pub(crate) timers: Arc<TimerService>,
    /// The configuration the node was built with (ADR 0011 §3).
    pub(crate) config: crate::config::Config,
    /// The node's event store (ADR 0011 §4).
    pub(crate) events: crate::events::store::EventStore,
    /// The node's telemetry: handlers, metrics, and the bridges to the
    /// `metrics` facade and `tracing` (ADR 0012).
    pub(crate) telemetry: crate::telemetry::hub::Hub,
    /// Restarts its supervisors made after a failure.
    pub(crate) restarts: AtomicU64,
    /// Times a producer found no credit and had to wait for some (flow
    /// control's credit mode, ADR 0007).
    pub(crate) credit_waits: AtomicU64,
    /// Called once when shutdown begins, after spawns are refused: what
    /// waits outside the actors and would otherwise wait for a timer that
    /// stops with the node (a pool's checkouts on a manual clock).
    pub(crate) on_shutdown: Mutex<Vec<Box<dyn FnOnce() + Send>>>,
    /// Threads of blocking actors, joined at shutdown.
    pub(crate) blocking: Mutex<Vec<JoinHandle<()>>>,
    pub(crate) panics: AtomicU64,
    /// Automatic mailboxes that crossed their high mark, and senders
    /// muted for it (flow control, ADR 0007).
    pub(crate) overloads: AtomicU64,
    pub(crate) mutes: AtomicU64,
    /// Actors discarding their backlog as they retire: shutdown waits for
    /// them past its timeout (it is progress, not a stuck handler).
    pub(crate) discarding: AtomicUsize,
    pub(crate) discarded: AtomicU64,
    /// Cleared when shutdown begins: spawns are refused from then on.
    pub(crate) accepting: AtomicBool,
    /// Held by the shutdown sequence from start to end; `true` once done.
    pub(crate) shutting_down: Mutex<bool>,
    /// The users' handle of the node, weakly, for `Context::node`.
    pub(crate) user_handle: OnceLock<Weak<UserHandle>>,
    /// Ecosystems by name, each its directory (an `ecosystem::Members`,
    /// type-erased here, below the layer that defines it), weakly: what
    /// `Node::ecosystem` finds, checked against the registry's name.
    pub(crate) ecosystems: Mutex<HashMap<String, Weak<dyn Any + Send + Sync>>>,
    /// The memory monitor: hibernation and pressure alerts (ADR 0009).
    pub(crate) memory: Arc<crate::memory::monitor::Monitor>,
    /// The shared pool's account, with the accounting allocator.
    pub(crate) memory_pool: Option<crate::memory::AccountRef>,
    /// A `max_heap` without the accounting allocator was reported.
    pub(crate) warned_unmeasured: AtomicBool,
}

/// What every `Node` of a node shares: the last one dropped stops the node,
/// through `stop` (the shutdown sequence, which belongs to the node layer
/// above and is handed down as a function).
pub(crate) struct UserHandle {
    pub(crate) shared: Arc<Shared>,
    pub(crate) stop: fn(&Arc<Shared>),
}

impl Drop for UserHandle {
    fn drop(&mut self) {
        (self.stop)(&self.shared);
    }
}

impl Shared {
    /// The live actor `pid` on this node: its current (or, while it waits
    /// for a restart, its last) incarnation, not stopped for good.
    pub(crate) fn resolve(&self, pid: Pid) -> Option<Task> {
        if pid.node() != self.id {
            return None;
        }
        let task = self.actors.get(pid.number())?;
        (task.latest_pid() == pid && !task.is_retired()).then_some(task)
    }

    /// The actors inside a handler now, for the watchdog's reports: pid,
    /// type, which handler. A scan of the actor table, made only when a
    /// thread has been held past the threshold.
    pub(crate) fn in_handlers(&self) -> Vec<(Pid, &'static str, String)> {
        self.actors
            .all()
            .into_iter()
            .filter_map(|task| {
                let handler = task.in_handler()?;
                Some((task.latest_pid(), task.type_names().0, handler))
            })
            .collect()
    }

    /// Says once per node that `max_heap` limits go unchecked.
    #[cold]
    pub(crate) fn warn_unmeasured_limit(&self) {
        if !self.warned_unmeasured.swap(true, Relaxed) {
            crate::report::visible!(
                warn,
                target: "foundation::memory",
                { node = %self.name, },
                "node {}: an actor has a `max_heap`, but the accounting allocator is not installed, so its memory is not measured and the limit is not checked (install `foundation::memory::AccountingAllocator` as the `#[global_allocator]`)",
                self.name
            );
        }
    }

    pub(crate) fn record_panic(&self) {
        self.panics.fetch_add(1, Relaxed);
    }

    pub(crate) fn record_overload(&self) {
        self.overloads.fetch_add(1, Relaxed);
    }

    pub(crate) fn record_mute(&self) {
        self.mutes.fetch_add(1, Relaxed);
    }

    /// Records a dead letter in the node's sink, and tells the telemetry
    /// handlers (`foundation.dead_letter`) if any are attached.
    pub(crate) fn record_dead_letter(&self, letter: crate::dead_letter::DeadLetter) {
        if self.telemetry.is_attached() {
            self.telemetry
                .dead_letter(letter.pid, letter.kind, &letter.reason, letter.count);
        }
        self.dead_letters.record(letter);
    }

    pub(crate) fn record_credit_wait(&self) {
        self.credit_waits.fetch_add(1, Relaxed);
    }

    pub(crate) fn record_restart(&self) {
        self.restarts.fetch_add(1, Relaxed);
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
