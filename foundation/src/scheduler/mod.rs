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
//! rest.
//!
//! Idle threads spin briefly (*searching*), then park. Whoever adds work
//! wakes one parked thread, unless a thread is searching: that one will find
//! the work, so a sender pays no wake-up system call while a thread spins.
//! A searcher that finds work and was the last one searching wakes a parked
//! thread if more work is left (tokio's rule), so parallelism is not lost.
//! The protocol is Dekker-style throughout: a thread stops searching and
//! announces itself as sleeping, fences, then looks for work once more; a
//! waker publishes work, fences, then looks for searchers and sleepers; so
//! one of the two always sees the other.

use core::cell::Cell;
use core::ptr;
use core::sync::atomic::Ordering::{Acquire, Relaxed, SeqCst};
use core::sync::atomic::fence;
use std::sync::Arc;

use crossbeam_deque::{Steal, Stealer, Worker};
use crossbeam_utils::sync::Parker;

use crate::cell::RunResult;
use crate::exit::{Down, ExitReason, MonitorRef};
use crate::node::Shared;
use crate::pid::Pid;

/// An actor, type-erased: what the scheduler, links, monitors and
/// supervisors need of it. Methods that take a `Pid` act only if that
/// incarnation is the current one.
pub(crate) trait Runnable: core::any::Any + Send + Sync + 'static {
    /// Runs the actor for at most `budget` messages.
    fn run(self: Arc<Self>, budget: usize) -> RunResult;
    /// Asks the actor to stop (its `shutdown_requested` hook) before its
    /// next message. The node's request skips supervised actors whose
    /// supervisor is alive: the supervisor stops them, in order.
    fn request_shutdown(self: Arc<Self>, from_node: bool);
    /// Whether `pid` is the current, running incarnation.
    fn is_current(&self, pid: Pid) -> bool;
    /// The current incarnation's pid, if it has not stopped.
    fn current_pid(&self) -> Option<Pid>;
    /// A link's exit signal from `from` reached `to`. Returns whether it
    /// was delivered (trapped, or acted on).
    fn exit_signal(&self, to: Pid, from: Pid, reason: &ExitReason) -> bool;
    /// A monitor of `to`'s fired.
    fn down_signal(&self, to: Pid, down: Down) -> bool;
    /// Records a link of `me` to `other`; false if `me` is not current.
    fn add_link(&self, me: Pid, other: Pid, task: Task) -> bool;
    fn remove_link(&self, me: Pid, other: Pid);
    /// Records that `watcher` monitors `me`; false if `me` is not current.
    fn add_monitor(&self, me: Pid, monitor: MonitorRef, watcher: Pid, task: Task) -> bool;
    fn remove_monitor(&self, me: Pid, monitor: MonitorRef);
    /// Kills `pid`; false if it was not current.
    fn kill(&self, pid: Pid) -> bool;
    /// Claims a stopped, vacant (supervised) cell, to restart it.
    fn claim(&self) -> bool;
    /// Retires a stopped, vacant (supervised) cell for good.
    fn retire(&self, reason: &ExitReason) -> bool;
    /// The pid of the current incarnation (or, between a stop and a
    /// restart, of the last one).
    fn latest_pid(&self) -> Pid;
    /// Whether the actor has stopped for good (or is about to): its
    /// mailbox is closed. A supervised actor between a crash and its
    /// restart has not.
    fn is_retired(&self) -> bool;
    /// Marks the actor as holding names (registered names, group
    /// memberships, services, subscriptions), so that it releases them when
    /// it stops for good. Returns `false` if it has already stopped for
    /// good: the caller must then release what it added itself.
    fn hold_names(&self) -> bool;
    /// The actor's type name, and its message type's.
    fn type_names(&self) -> (&'static str, &'static str);
    /// Sends the message in `msg`, an `Option<A::Msg>`, taking it out; see
    /// [`DynSend`].
    fn send_dyn(&self, msg: &mut dyn core::any::Any) -> DynSend;
}

/// What [`Runnable::send_dyn`] did.
#[derive(Debug)]
pub(crate) enum DynSend {
    Sent,
    /// The message was not an `Option` of the actor's message type; it is
    /// still there.
    WrongType,
    /// The mailbox refused it; it is back in the `Option`.
    Refused(crate::error::SendError<()>),
}

pub(crate) type Task = Arc<dyn Runnable>;

/// Why a task is being scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WakeKind {
    /// A message woke an idle actor: run it next on this thread.
    Message,
    /// A new actor, or a signal: queue it normally.
    Spawn,
}

/// How often (in picks) the injector is checked before local work.
const INJECTOR_INTERVAL: u32 = 61;

thread_local! {
    /// The scheduler thread running on this OS thread, if any.
    static CURRENT: Cell<*const WorkerCx> = const { Cell::new(ptr::null()) };
}

/// Puts `task` in a run queue: this thread's, if it is a scheduler thread of
/// the same node, else the node's injector.
#[inline]
pub(crate) fn schedule(shared: &Arc<Shared>, task: Task, kind: WakeKind) {
    let current = CURRENT.with(Cell::get);
    if !current.is_null() {
        // SAFETY: `CURRENT` points at the `WorkerCx` on this thread's stack
        // for exactly as long as its worker loop runs (set on entry, cleared
        // before it returns), and only this thread reads it.
        let worker = unsafe { &*current };
        if Arc::ptr_eq(&worker.shared, shared) {
            worker.push(task, kind);
            return;
        }
    }
    shared.injector.push(task);
    shared.wake_one();
}

/// The running actor goes on to another message: an actor its last handler
/// (or its `started` hook) woke into this thread's run-next slot should not
/// wait for it (a long or
/// stuck handler would hold it hostage: the slot cannot be stolen), so it
/// moves to the local queue, where idle threads steal.
#[inline]
pub(crate) fn release_run_next() {
    let current = CURRENT.with(Cell::get);
    if current.is_null() {
        return;
    }
    // SAFETY: as in `schedule`.
    let worker = unsafe { &*current };
    if let Some(task) = worker.run_next.take() {
        worker.local.push(task);
        worker.shared.wake_one();
    }
}

/// Whether this thread is a scheduler thread of any node.
pub(crate) fn on_any_scheduler() -> bool {
    !CURRENT.with(Cell::get).is_null()
}

/// Whether this thread is one of `shared`'s scheduler threads.
pub(crate) fn on_scheduler_of(shared: &Arc<Shared>) -> bool {
    let current = CURRENT.with(Cell::get);
    // SAFETY: as in `schedule`.
    !current.is_null() && Arc::ptr_eq(unsafe { &(*current).shared }, shared)
}

/// One scheduler thread's state.
pub(crate) struct WorkerCx {
    index: usize,
    shared: Arc<Shared>,
    local: Worker<Task>,
    run_next: Cell<Option<Task>>,
    parker: Parker,
    /// Counted in `Shared::searching`: spinning for work.
    searching: Cell<bool>,
}

impl WorkerCx {
    pub(crate) fn new(
        index: usize,
        shared: Arc<Shared>,
        local: Worker<Task>,
        parker: Parker,
    ) -> Self {
        WorkerCx {
            index,
            shared,
            local,
            run_next: Cell::new(None),
            parker,
            searching: Cell::new(false),
        }
    }

    #[inline]
    fn push(&self, task: Task, kind: WakeKind) {
        match kind {
            WakeKind::Message => {
                if let Some(previous) = self.run_next.replace(Some(task)) {
                    self.local.push(previous);
                    self.shared.wake_one();
                }
            }
            WakeKind::Spawn => {
                self.local.push(task);
                self.shared.wake_one();
            }
        }
    }

    /// The scheduler loop. Returns when the node tells its threads to exit.
    pub(crate) fn run(self) {
        let _current = CurrentGuard::enter(&self);
        let budget = self.shared.budget;
        // Budget left in the current run-next chain.
        let mut chain = 0usize;
        let mut tick = 0u32;
        loop {
            tick = tick.wrapping_add(1);
            let Some((task, fresh)) = self.next_task(tick, chain) else {
                if self.idle() {
                    continue;
                }
                break;
            };
            if self.searching.replace(false) {
                self.shared.stop_searching();
            }
            if fresh {
                chain = budget;
            }
            let result = task.run(chain.max(1));
            chain = chain.saturating_sub(result.handled.max(1));
            if let Some(task) = result.yielded {
                // Back of the queue, without waking anyone: this thread will
                // get to it, and idle threads steal.
                self.local.push(task);
            }
            if result.stolen && self.shared.take_replacement() {
                // A kill took the actor from us while we were stuck in its
                // handler, and a spare thread took our place: hand our work
                // over and leave.
                drop(_current);
                return self.retire();
            }
        }
        // Drop what is left (tasks of stopped actors) before the guard ends.
        drop(self.run_next.take());
        while self.local.pop().is_some() {}
    }

    /// Gives this thread's queued work to the others and its slot back to
    /// the node's spares.
    fn retire(self) {
        let shared = Arc::clone(&self.shared);
        if let Some(task) = self.run_next.take() {
            shared.injector.push(task);
        }
        while let Some(task) = self.local.pop() {
            shared.injector.push(task);
        }
        shared.wake_one();
        shared.return_spare(self.index, self.local, self.parker);
    }

    /// The next task, and whether it starts a fresh chain.
    #[inline]
    fn next_task(&self, tick: u32, chain: usize) -> Option<(Task, bool)> {
        if tick.is_multiple_of(INJECTOR_INTERVAL)
            && let Some(task) = self.steal_injector()
        {
            return Some((task, true));
        }
        if let Some(task) = self.run_next.take() {
            if chain > 0 {
                return Some((task, false));
            }
            // The chain used its budget: the woken actor waits its turn.
            self.local.push(task);
        }
        if let Some(task) = self.local.pop() {
            return Some((task, true));
        }
        if let Some(task) = self.steal_injector() {
            return Some((task, true));
        }
        self.steal_others(tick).map(|task| (task, true))
    }

    fn steal_injector(&self) -> Option<Task> {
        loop {
            match self.shared.injector.steal_batch_and_pop(&self.local) {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => continue,
            }
        }
    }

    fn steal_others(&self, seed: u32) -> Option<Task> {
        let stealers: &[Stealer<Task>] = &self.shared.stealers;
        let n = stealers.len();
        if n <= 1 {
            return None;
        }
        let start = seed as usize % n;
        loop {
            let mut retry = false;
            for i in 0..n {
                let victim = (start + i) % n;
                if victim == self.index {
                    continue;
                }
                match stealers[victim].steal_batch_and_pop(&self.local) {
                    Steal::Success(task) => return Some(task),
                    Steal::Empty => {}
                    Steal::Retry => retry = true,
                }
            }
            if !retry {
                return None;
            }
        }
    }

    /// Spins, then parks until woken. Returns `false` when the thread must
    /// exit.
    fn idle(&self) -> bool {
        let shared = &self.shared;
        if !self.searching.replace(true) {
            shared.start_searching();
        }
        for round in 0..shared.spin_rounds {
            if shared.exiting.load(Acquire) {
                return false;
            }
            if shared.has_work() {
                return true;
            }
            if round < shared.spin_rounds / 2 {
                // Short pauses between looks: new work is seen within a few
                // hundred cycles (32 pauses here made a call from a plain
                // thread 2.5x slower: 1.1 µs against 0.43 µs).
                for _ in 0..8 {
                    core::hint::spin_loop();
                }
            } else {
                std::thread::yield_now();
            }
        }
        // No longer searching *before* announcing sleep: a waker that saw us
        // searching relies on the check for work below.
        self.searching.set(false);
        shared.stop_searching_to_sleep();
        shared.announce_sleep(self.index);
        fence(SeqCst);
        if shared.exiting.load(SeqCst) || shared.has_work() {
            shared.cancel_sleep(self.index);
            return !shared.exiting.load(Relaxed);
        }
        self.parker.park();
        // Woken by a waker (which took us off the list) or by shutdown.
        shared.cancel_sleep(self.index);
        !shared.exiting.load(Acquire)
    }
}

/// Sets `CURRENT` for the lifetime of a worker loop.
struct CurrentGuard;

impl CurrentGuard {
    fn enter(worker: &WorkerCx) -> Self {
        CURRENT.with(|c| c.set(worker as *const WorkerCx));
        CurrentGuard
    }
}

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(ptr::null()));
    }
}
