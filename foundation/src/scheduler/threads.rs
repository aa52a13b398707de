//! The scheduler's OS threads: starting them, standing in for one held by
//! a killed actor's handler, and stopping them all at shutdown.
//!
//! A node has a slot (a run queue and a parker) per scheduler thread plus
//! spare slots. A kill that takes an actor from a handler that does not
//! return leaves its thread stuck; a stand-in thread starts on a spare slot,
//! and the stuck thread retires (its slot becomes a spare again) when the
//! handler returns.

use core::sync::atomic::Ordering::{Acquire, Relaxed, SeqCst};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_deque::Worker;
use crossbeam_utils::sync::Parker;

use super::Scheduler;
use super::worker::WorkerCx;
use crate::sync::lock;
use crate::task::Task;

/// A scheduler slot with no thread: its queue, and its parker.
pub(super) type Spare = (usize, Worker<Task>, Parker);

/// Every scheduler thread's handle, and the stand-in bookkeeping.
pub(super) struct Threads {
    /// Slots for stand-in scheduler threads.
    pub(super) spares: std::sync::Mutex<Vec<Spare>>,
    /// Stand-ins started and not yet matched by a retiring stuck thread.
    pub(super) replacements: core::sync::atomic::AtomicUsize,
    /// Stand-ins started since the node began.
    pub(super) replaced: core::sync::atomic::AtomicU64,
    /// Every scheduler thread started, by number; joined at shutdown.
    pub(super) handles: std::sync::Mutex<Vec<(u64, JoinHandle<()>)>>,
    pub(super) next_thread: core::sync::atomic::AtomicU64,
    /// Each thread sends its number here as it exits; `None` once stopping.
    pub(super) exited_tx: std::sync::Mutex<Option<Sender<u64>>>,
    pub(super) exited_rx: std::sync::Mutex<Option<Receiver<u64>>>,
}

impl Scheduler {
    /// Starts a scheduler thread on slot `index`.
    pub(super) fn start_thread(
        self: &Arc<Self>,
        index: usize,
        local: Worker<Task>,
        parker: Parker,
    ) -> std::io::Result<()> {
        let t = &self.threads;
        let number = t.next_thread.fetch_add(1, Relaxed);
        let Some(exited) = lock(&t.exited_tx).clone() else {
            return Ok(()); // stopping
        };
        let worker = WorkerCx::new(index, Arc::clone(self), local, parker);
        let handle = std::thread::Builder::new()
            .name(format!("{}-sched-{index}", self.name))
            .spawn(move || {
                worker.run();
                let _ = exited.send(number);
            })?;
        lock(&t.handles).push((number, handle));
        Ok(())
    }

    /// A kill left a scheduler thread stuck in a handler: start a stand-in
    /// on a spare slot, so the node keeps its parallelism. The stuck thread
    /// retires when the handler returns (`take_replacement`). Returns
    /// whether a stand-in started.
    pub(crate) fn replace_stuck_thread(self: &Arc<Self>) -> bool {
        if self.exiting.load(Acquire) {
            return false;
        }
        let Some((index, local, parker)) = lock(&self.threads.spares).pop() else {
            tracing::warn!(node = %self.name, "a handler that does not return holds a scheduler thread and no spare is left (`NodeBuilder::spare_schedulers`); the node runs with one thread fewer until it returns");
            return false;
        };
        // Counted before the thread starts: the stuck thread may return at once.
        self.threads.replacements.fetch_add(1, SeqCst);
        match self.start_thread(index, local, parker) {
            Ok(()) => {
                self.threads.replaced.fetch_add(1, Relaxed);
                true
            }
            Err(error) => {
                self.threads.replacements.fetch_sub(1, SeqCst);
                tracing::error!(node = %self.name, "could not start a stand-in scheduler thread: {error}");
                false
            }
        }
    }

    /// A thread whose stuck handler was taken by a kill asks whether a
    /// stand-in replaced it (then it retires).
    pub(super) fn take_replacement(&self) -> bool {
        self.threads
            .replacements
            .fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// A retiring thread's slot becomes a spare again.
    pub(super) fn return_spare(&self, index: usize, local: Worker<Task>, parker: Parker) {
        self.idle.cancel_sleep(index);
        lock(&self.threads.spares).push((index, local, parker));
    }

    /// Scheduler threads replaced by stand-ins since the node started.
    pub(crate) fn replaced(&self) -> u64 {
        self.threads.replaced.load(Relaxed)
    }

    /// Tells every thread to exit (after the work in hand) and joins those
    /// that do by `deadline` (at least 100 ms more; `None`: however long it
    /// takes). Returns how many are still inside a handler: those are left
    /// behind, detached. A second call returns 0.
    pub(crate) fn stop(&self, deadline: Option<Instant>) -> usize {
        let Some(exited) = lock(&self.threads.exited_rx).take() else {
            return 0;
        };

        // No stand-in starts from here on: `exited_tx` is gone.
        drop(lock(&self.threads.exited_tx).take());
        self.exiting.store(true, SeqCst);
        if let Some(watchdog) = lock(&self.watchdog).take() {
            watchdog.thread().unpark();
            let _ = watchdog.join();
        }
        self.unpark_all();
        let mut handles: HashMap<u64, JoinHandle<()>> =
            std::mem::take(&mut *lock(&self.threads.handles))
                .into_iter()
                .collect();
        let total = handles.len();
        let mut joined = 0;
        while joined < total {
            let next = match deadline {
                Some(deadline) => exited.recv_timeout(
                    deadline
                        .saturating_duration_since(Instant::now())
                        .max(Duration::from_millis(100)),
                ),
                None => exited
                    .recv()
                    .map_err(|_| std::sync::mpsc::RecvTimeoutError::Disconnected),
            };
            match next {
                Ok(number) => {
                    if let Some(handle) = handles.remove(&number) {
                        let _ = handle.join();
                    }
                    joined += 1;
                }
                Err(_) => break,
            }
        }
        total - joined
    }

    fn unpark_all(&self) {
        for unparker in self.unparkers.iter() {
            unparker.unpark();
        }
    }
}
