//! The watchdog: handlers that do not return.
//!
//! Each scheduler slot has a [`Heartbeat`](crate::heartbeat::Heartbeat),
//! written by its worker loop around each run: which run it is in (a
//! number) and which task that run is of. A watchdog thread per node reads
//! them every quarter of the threshold. A slot whose run has not changed
//! for the threshold is held — by one handler, or by an actor whose budget
//! of handlers took that long, which holds the thread as surely — and is
//! reported once: a `tracing` warning (or a line on stderr with no
//! subscriber) naming the actor, its type and the handler it is in (the
//! message's kind, or the hook), found by
//! the node among its actors (`Describe`), and
//! `NodeStats::long_handlers`. When every thread is held so, a stand-in
//! thread starts on a spare slot (as for a kill) and takes over the held
//! threads' queues — their local queues and run-next slots are stealable —
//! and a held thread retires when its run ends.

use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::Scheduler;
use crate::pid::Pid;
use crate::report::visible;
use crate::sync::lock;

/// The node's actors that are inside a handler now: pid, type, which
/// handler (in words). Set by the node, which knows its actors (the
/// scheduler below it does not).
pub(crate) type Describe = Box<dyn Fn() -> Vec<(Pid, &'static str, String)> + Send + Sync>;

/// What the watchdog remembers of a slot between looks.
#[derive(Clone, Copy, Default)]
struct Seen {
    seq: u64,
    since: Option<Instant>,
    reported: bool,
}

/// Starts the watchdog thread of `scheduler`: every `threshold / 4` it
/// looks at every slot's heartbeat (see the module's doc).
pub(super) fn start(
    scheduler: &Arc<Scheduler>,
    threshold: Duration,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let weak = Arc::downgrade(scheduler);
    std::thread::Builder::new()
        .name(format!("{}-watchdog", scheduler.name))
        .spawn(move || watch(&weak, threshold))
}

fn watch(scheduler: &Weak<Scheduler>, threshold: Duration) {
    let tick = (threshold / 4).max(Duration::from_millis(1));
    let mut seen: Vec<Seen> = Vec::new();
    loop {
        std::thread::park_timeout(tick);
        let Some(scheduler) = scheduler.upgrade() else {
            return;
        };
        if scheduler.exiting.load(Acquire) {
            return;
        }
        look(&scheduler, threshold, &mut seen);
    }
}

/// One look at every slot.
fn look(scheduler: &Arc<Scheduler>, threshold: Duration, seen: &mut Vec<Seen>) {
    let beats = &scheduler.heartbeats;
    seen.resize(beats.len(), Seen::default());
    let now = Instant::now();
    let free: Vec<usize> = lock(&scheduler.threads.spares)
        .iter()
        .map(|(index, _, _)| *index)
        .collect();
    let mut working = 0;
    let mut held = Vec::new();
    for (index, beat) in beats.iter().enumerate() {
        if free.contains(&index) {
            seen[index] = Seen::default();
            continue;
        }
        let replaced = beat.replaced.load(Acquire);
        if !replaced {
            working += 1;
        }
        let run = beat.run();
        let was = &mut seen[index];
        if run == 0 || run != was.seq {
            *was = Seen {
                seq: run,
                since: (run != 0).then_some(now),
                reported: false,
            };
            continue;
        }
        let Some(since) = was.since else { continue };
        if now.duration_since(since) < threshold {
            continue;
        }
        if !was.reported {
            was.reported = true;
            scheduler.long_handlers.fetch_add(1, Relaxed);
            report(scheduler, threshold);
        }
        if !replaced {
            held.push(index);
        }
    }
    // Every working thread is held: a stand-in keeps the node serving.
    if working > 0
        && held.len() == working
        && let Some(&index) = held.first()
        && scheduler.replace_stuck_thread()
    {
        beats[index].replaced.store(true, Release);
    }
}

/// Reports a held thread, naming the actors that stay inside a handler
/// across two looks a moment apart (a held one does; others come and go).
fn report(scheduler: &Scheduler, threshold: Duration) {
    let Some(describe) = scheduler.describe.get() else {
        return;
    };
    let first = describe();
    std::thread::sleep(Duration::from_millis(1));
    let held: Vec<_> = describe()
        .into_iter()
        .filter(|actor| first.contains(actor))
        .collect();
    if held.is_empty() {
        visible!(warn, target: "foundation::watchdog", { }, "a handler has held a scheduler thread for over {threshold:?}");
    }
    for (pid, actor, handler) in held {
        visible!(warn, target: "foundation::watchdog", { %pid, actor, handler = %handler, }, "actor {pid} ({actor}) has held its scheduler thread for over {threshold:?}, in {handler}, which has not returned (or in a run of such handlers); a handler that waits belongs in a blocking actor (`ActorOptions::blocking`) or behind a request (`ctx.request`)");
    }
}

impl Scheduler {
    /// Handlers found past the threshold since the node started.
    pub(crate) fn long_handlers(&self) -> u64 {
        self.long_handlers.load(Relaxed)
    }

    /// How the node describes a task for the watchdog's reports.
    pub(crate) fn set_describe(&self, describe: Describe) {
        let _ = self.describe.set(describe);
    }

    /// A kill took an actor from a thread held in its handler: start a
    /// stand-in for that thread, unless the watchdog already has — when
    /// every held thread is one it replaced.
    pub(crate) fn replace_thread_holding(self: &Arc<Self>) {
        let free: Vec<usize> = lock(&self.threads.spares)
            .iter()
            .map(|(index, _, _)| *index)
            .collect();
        let held = |replaced: bool| {
            self.heartbeats.iter().enumerate().any(|(index, beat)| {
                !free.contains(&index) && beat.run() != 0 && beat.replaced.load(Acquire) == replaced
            })
        };
        if held(false) || !held(true) {
            self.replace_stuck_thread();
        }
    }
}
