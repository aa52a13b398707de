//! One scheduler thread's loop: pick a task (run-next slot, local queue,
//! injector, theft), run it for a budget of messages, and idle when there
//! is nothing to pick.

use core::cell::Cell;
use core::sync::atomic::Ordering::{Acquire, Relaxed, SeqCst};
use std::sync::Arc;

use crossbeam_deque::{Steal, Stealer, Worker};
use crossbeam_utils::sync::Parker;

use super::run_next::{DOZE, MAX_DOZE, RunNext, Watch};
use super::{CURRENT, Scheduler, WakeKind};
use crate::heartbeat::Heartbeat;
use crate::task::Task;

/// How often (in picks) the injector is checked before local work.
const INJECTOR_INTERVAL: u32 = 61;

/// One scheduler thread's state.
pub(super) struct WorkerCx {
    index: usize,
    pub(super) scheduler: Arc<Scheduler>,
    pub(super) local: Worker<Task>,
    parker: Parker,
    /// Counted in `Idle::searching`: spinning for work.
    searching: Cell<bool>,
    /// While idle: the other threads' run-next slots this thread watches.
    watch: core::cell::RefCell<Watch>,
    /// The last park was a doze that timed out, nobody having woken us.
    dozed: Cell<bool>,
    /// The next doze's length: doubled after each that found nothing.
    doze: Cell<core::time::Duration>,
    /// This thread's run-next slot, `scheduler.run_next[index]`: looked up
    /// once (the index and bounds check cost 15 instructions per use, 3%
    /// of a ping-pong round trip in `benches/instructions.rs`).
    run_next: core::ptr::NonNull<RunNext>,
    /// This thread's heartbeat, `scheduler.heartbeats[index]` (as above).
    heartbeat: core::ptr::NonNull<Heartbeat>,
}

// SAFETY: a worker is built on one thread and moved to its own, once; the
// only non-`Send` part is `run_next`, a pointer to a `RunNext` (which is
// `Sync`) kept alive by the `Arc<Scheduler>` the worker moves with it.
unsafe impl Send for WorkerCx {}

impl WorkerCx {
    pub(super) fn new(
        index: usize,
        scheduler: Arc<Scheduler>,
        local: Worker<Task>,
        parker: Parker,
    ) -> Self {
        WorkerCx {
            index,
            local,
            parker,
            searching: Cell::new(false),
            watch: Default::default(),
            dozed: Cell::new(false),
            doze: Cell::new(DOZE),
            run_next: core::ptr::NonNull::from(&*scheduler.run_next[index]),
            heartbeat: core::ptr::NonNull::from(&*scheduler.heartbeats[index]),
            scheduler,
        }
    }

    /// This thread's heartbeat, for the watchdog.
    #[inline]
    pub(super) fn heartbeat(&self) -> &Heartbeat {
        // SAFETY: the heartbeat lives in `scheduler.heartbeats`, a boxed
        // slice the scheduler never reallocates, inside the
        // `Arc<Scheduler>` this worker holds: it outlives `self`.
        unsafe { self.heartbeat.as_ref() }
    }

    /// This thread's run-next slot.
    #[inline]
    pub(super) fn run_next(&self) -> &RunNext {
        // SAFETY: the slot lives in `scheduler.run_next`, a boxed slice the
        // scheduler never reallocates, inside the `Arc<Scheduler>` this
        // worker holds: it outlives `self`.
        unsafe { self.run_next.as_ref() }
    }

    #[inline(always)]
    pub(super) fn push(&self, task: Task, kind: WakeKind) {
        match kind {
            WakeKind::Message => {
                if let Some(previous) = self.run_next().put(task) {
                    self.local.push(previous);
                    self.scheduler.wake_one();
                } else if self.scheduler.idle.should_wake_for_run_next() {
                    // Someone must be awake to take the task if the
                    // handler in progress runs long (see `run_next.rs`).
                    self.scheduler.wake_one();
                }
            }
            WakeKind::Spawn => {
                self.local.push(task);
                self.scheduler.wake_one();
            }
        }
    }

    /// The scheduler loop. Returns when the node tells its threads to exit.
    pub(super) fn run(self) {
        let _current = CurrentGuard::enter(&self);
        let budget = self.scheduler.budget;
        // Budget left in the current run-next chain.
        let mut chain = 0usize;
        let mut tick = 0u32;
        loop {
            tick = tick.wrapping_add(1);
            let Some((task, fresh)) = self.next_task(tick, chain) else {
                if self.heartbeat().idle() && self.scheduler.take_replacement() {
                    // The watchdog found this thread held and a spare took
                    // its place; the handler has returned: leave.
                    drop(_current);
                    return self.retire();
                }
                if self.idle() {
                    continue;
                }
                break;
            };
            if self.searching.replace(false)
                && let Some(index) = self
                    .scheduler
                    .idle
                    .stop_searching(|| self.scheduler.has_work())
            {
                self.scheduler.unparkers[index].unpark();
            }
            if fresh {
                chain = budget;
            }
            self.heartbeat().begin_run(tick);
            let result = task.run(chain.max(1));
            chain = chain.saturating_sub(result.handled.max(1));
            if let Some(task) = result.yielded {
                // Back of the queue, without waking anyone: this thread will
                // get to it, and idle threads steal.
                self.local.push(task);
            }
            // A kill took the actor from us while we were stuck in its
            // handler, and a spare thread took our place: hand our work
            // over and leave. (A thread the watchdog replaced leaves at its
            // next idle moment, below.)
            if result.stolen && self.scheduler.take_replacement() {
                drop(_current);
                return self.retire();
            }
        }
        // Drop what is left (tasks of stopped actors) before the guard ends.
        drop(self.run_next().take());
        while self.local.pop().is_some() {}
    }

    /// Gives this thread's queued work to the others and its slot back to
    /// the node's spares.
    fn retire(self) {
        let scheduler = Arc::clone(&self.scheduler);
        // The slot's next thread starts afresh.
        self.heartbeat().replaced.store(false, Relaxed);
        if let Some(task) = self.run_next().take() {
            scheduler.injector.push(task);
        }
        while let Some(task) = self.local.pop() {
            scheduler.injector.push(task);
        }
        scheduler.wake_one();
        scheduler.return_spare(self.index, self.local, self.parker);
    }

    /// The next task, and whether it starts a fresh chain.
    #[inline]
    fn next_task(&self, tick: u32, chain: usize) -> Option<(Task, bool)> {
        if tick.is_multiple_of(INJECTOR_INTERVAL)
            && let Some(task) = self.steal_injector()
        {
            return Some((task, true));
        }
        if let Some(task) = self.run_next().take() {
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
            match self.scheduler.injector.steal_batch_and_pop(&self.local) {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => continue,
            }
        }
    }

    fn steal_others(&self, seed: u32) -> Option<Task> {
        let stealers: &[Stealer<Task>] = &self.scheduler.stealers;
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
    /// exit. Meanwhile it watches the other threads' run-next slots: a task
    /// that waits in one for [`STEAL_AFTER`](super::run_next::STEAL_AFTER)
    /// is taken into this thread's queue (and, while it watches one, this
    /// thread parks no longer than that).
    fn idle(&self) -> bool {
        let scheduler = &self.scheduler;
        let idle = &scheduler.idle;
        let mut watch = self.watch.borrow_mut();
        if !self.searching.replace(true) {
            idle.start_searching();
        }
        // Back from a doze that nobody cut short: no new work came, so no
        // spinning — one look, and park again (spinning after every doze
        // cost the idle thread 15% of a core while a ping-pong pair ran on
        // the other).
        let rounds = if self.dozed.replace(false) {
            1
        } else {
            scheduler.spin_rounds
        };
        for round in 0..rounds {
            if scheduler.exiting.load(Acquire) {
                return false;
            }
            if scheduler.has_work() {
                return true;
            }
            // Every eighth round (a few microseconds apart), a look at the
            // other threads' run-next slots: each look reads their owners'
            // words, which they write at every hand-off, so looks are kept
            // sparse (ADR 0000 §3).
            if round % 8 == 0
                && let Some(task) = watch.look(&scheduler.run_next, self.index)
            {
                self.local.push(task);
                return true;
            }
            if round < rounds / 2 {
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
        idle.stop_searching_to_sleep();
        // A last look before parking.
        if let Some(task) = watch.look(&scheduler.run_next, self.index) {
            self.local.push(task);
            return true;
        }
        // Park until woken — but while a task is watched, only until it may
        // be taken; and while another thread runs, only for a doze, to look
        // again (it may put a task in its slot and run long).
        let watching = watch.remaining();
        let dozing = watching.is_none() && idle.others_running(scheduler.at_work);
        let timeout = watching.or(dozing.then(|| self.doze.get()));
        idle.announce_sleep(self.index, timeout.is_none());
        if scheduler.exiting.load(SeqCst) || scheduler.has_work() {
            idle.cancel_sleep(self.index);
            return !scheduler.exiting.load(Relaxed);
        }
        match timeout {
            None => self.parker.park(),
            // Back in time to take the watched task if it is still there.
            Some(timeout) => self.parker.park_timeout(timeout),
        }
        // Woken by a waker (which took us off the list), by shutdown, or by
        // the timeout: still on the list means nobody woke us.
        let unwoken = idle.cancel_sleep(self.index);
        self.dozed.set(unwoken && timeout.is_some());
        self.doze.set(if unwoken && dozing {
            (self.doze.get() * 2).min(MAX_DOZE)
        } else {
            DOZE
        });
        !scheduler.exiting.load(Acquire)
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
        CURRENT.with(|c| c.set(core::ptr::null()));
    }
}
