//! A node's memory monitor: one thread, started when first needed, that
//! hibernates idle `gc_optimized` actors and watches memory-pressure
//! thresholds. No timer per actor: the node's one timer heap (ADR 0001 §5)
//! stays out of it; the monitor looks at every `gc_optimized` actor once
//! per tick, and an actor whose read position has not moved since has
//! been idle that long.

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{Crossing, MemoryAlert, MemoryPressure, allocator};
use crate::recipient::Recipient;
use crate::sync::lock;
use crate::task::Runnable;
use crate::timer::TimerService;

/// A `gc_optimized` actor the monitor looks after.
struct Sleeper {
    actor: Weak<dyn Runnable>,
    /// Compacted after this long without a message (`hibernate_after`).
    after: Option<Duration>,
    /// Its read position when last seen, and since when (node clock).
    taken: u64,
    since: Duration,
    /// Compacted since it last took a message.
    compacted: bool,
}

/// One threshold, and which side of it the total was last seen on.
struct Threshold {
    bytes: u64,
    above: bool,
}

#[derive(Default)]
struct State {
    stop: bool,
    sleepers: Vec<Sleeper>,
    thresholds: Vec<Threshold>,
    interval: Option<Duration>,
    subscribers: Vec<Recipient<MemoryAlert>>,
    /// The sleepers' count at which stopped ones are dropped from the list
    /// (the thread's sweep drops them too, when there is a thread).
    prune_at: usize,
    thread: Option<JoinHandle<()>>,
    /// Alerts raised, for `NodeStats`.
    alerts: u64,
}

/// See the module documentation.
pub(crate) struct Monitor {
    node: String,
    clock: Arc<TimerService>,
    state: Mutex<State>,
    wake: Condvar,
}

/// The fewest sleepers kept before stopped ones are looked for.
const MIN_PRUNE: usize = 64;

/// The shortest and longest tick.
const MIN_TICK: Duration = Duration::from_millis(5);
const MAX_TICK: Duration = Duration::from_secs(1);

impl Monitor {
    pub(crate) fn new(
        node: String,
        clock: Arc<TimerService>,
        pressure: Option<MemoryPressure>,
    ) -> Arc<Self> {
        let mut state = State {
            prune_at: MIN_PRUNE,
            ..State::default()
        };
        if let Some(pressure) = pressure {
            state.thresholds = pressure
                .thresholds
                .iter()
                .map(|&bytes| Threshold {
                    bytes,
                    above: false,
                })
                .collect();
            state.interval = Some(pressure.interval);
        }
        Arc::new(Monitor {
            node,
            clock,
            state: Mutex::new(state),
            wake: Condvar::new(),
        })
    }

    /// Starts the thread if the thresholds need it now.
    pub(crate) fn start_if_watching(self: &Arc<Self>) -> std::io::Result<()> {
        let mut state = lock(&self.state);
        if state.thresholds.is_empty() {
            return Ok(());
        }
        self.ensure_thread(&mut state)
    }

    fn ensure_thread(self: &Arc<Self>, state: &mut State) -> std::io::Result<()> {
        if state.thread.is_some() || state.stop {
            return Ok(());
        }
        let me = Arc::clone(self);
        let thread = std::thread::Builder::new()
            .name(format!("{}-memory", self.node))
            .spawn(move || me.run())?;
        state.thread = Some(thread);
        Ok(())
    }

    /// Looks after a `gc_optimized` actor from now on.
    pub(crate) fn add_sleeper(
        self: &Arc<Self>,
        actor: Weak<dyn Runnable>,
        after: Option<Duration>,
        taken: u64,
    ) {
        let mut state = lock(&self.state);
        if state.stop {
            return;
        }
        // Without the thread nothing sweeps the list, and a stopped
        // actor's `Weak` would keep its cell's allocation: drop the
        // stopped ones whenever the list has doubled.
        if state.sleepers.len() >= state.prune_at {
            state.sleepers.retain(|s| s.actor.strong_count() > 0);
            state.prune_at = (state.sleepers.len() * 2).max(MIN_PRUNE);
        }
        state.sleepers.push(Sleeper {
            actor,
            after,
            taken,
            since: self.clock.now(),
            compacted: false,
        });
        if after.is_some()
            && let Err(error) = self.ensure_thread(&mut state)
        {
            crate::report::visible!(
                warn,
                target: "foundation::memory",
                { node = %self.node, },
                "node {}: could not start the memory monitor's thread, so idle actors are not hibernated: {error}",
                self.node
            );
        }
        self.wake.notify_one();
    }

    /// Subscribes `to` to the alerts.
    pub(crate) fn subscribe(&self, to: Recipient<MemoryAlert>) {
        lock(&self.state).subscribers.push(to);
    }

    /// Alerts raised so far.
    pub(crate) fn alerts(&self) -> u64 {
        lock(&self.state).alerts
    }

    /// Asks every live `gc_optimized` actor to compact; returns how many
    /// were asked.
    pub(crate) fn compact_all(&self) -> usize {
        let actors: Vec<_> = {
            let mut state = lock(&self.state);
            state.sleepers.retain(|s| s.actor.strong_count() > 0);
            state
                .sleepers
                .iter()
                .filter_map(|s| s.actor.upgrade())
                .collect()
        };
        actors.iter().filter(|a| a.request_compact()).count()
    }

    /// Stops the thread (node shutdown).
    pub(crate) fn stop(&self) {
        let thread = {
            let mut state = lock(&self.state);
            state.stop = true;
            state.sleepers.clear();
            state.thread.take()
        };
        self.wake.notify_all();
        if let Some(thread) = thread
            && thread.thread().id() != std::thread::current().id()
        {
            let _ = thread.join();
        }
    }

    /// How long the thread sleeps between looks.
    fn tick(state: &State) -> Duration {
        let hibernate = state
            .sleepers
            .iter()
            .filter_map(|s| s.after)
            .min()
            .map(|after| after / 4);
        let tick = match (hibernate, state.interval) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => MAX_TICK,
        };
        tick.clamp(MIN_TICK, MAX_TICK)
    }

    fn run(self: Arc<Self>) {
        let mut state = lock(&self.state);
        loop {
            if state.stop {
                return;
            }
            let tick = Self::tick(&state);
            state = self
                .wake
                .wait_timeout(state, tick)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            if state.stop {
                return;
            }
            let now = self.clock.now();
            let mut to_compact = self.sweep(&mut state, now);
            let (alerts, rising) = self.watch(&mut state);
            if rising {
                to_compact.extend(state.sleepers.iter().filter_map(|s| s.actor.upgrade()));
            }
            let subscribers = if alerts.is_empty() {
                Vec::new()
            } else {
                state.subscribers.retain(Recipient::is_alive);
                state.subscribers.clone()
            };
            drop(state);
            for actor in to_compact {
                actor.request_compact();
            }
            for alert in alerts {
                for subscriber in &subscribers {
                    if let Err(refused) = subscriber.send(alert.clone()) {
                        tracing::warn!(
                            target: "foundation::memory",
                            node = %self.node,
                            "a memory alert subscriber refused the alert ({refused}): {alert}"
                        );
                    }
                }
            }
            state = lock(&self.state);
        }
    }

    /// The idle sleepers due for hibernation; forgets the stopped ones.
    fn sweep(&self, state: &mut State, now: Duration) -> Vec<Arc<dyn Runnable>> {
        let mut due = Vec::new();
        state.sleepers.retain_mut(|s| {
            let Some(actor) = s.actor.upgrade() else {
                return false;
            };
            let (queued, taken) = actor.mailbox_counts();
            if taken != s.taken {
                s.taken = taken;
                s.since = now;
                s.compacted = false;
            } else if !s.compacted
                && queued == 0
                && s.after
                    .is_some_and(|after| now.saturating_sub(s.since) >= after)
            {
                s.compacted = true;
                due.push(actor);
            }
            true
        });
        due
    }

    /// Crossings of the thresholds since the last look, and whether one
    /// of them was upwards.
    fn watch(&self, state: &mut State) -> (Vec<MemoryAlert>, bool) {
        if state.thresholds.is_empty() {
            return (Vec::new(), false);
        }
        let total = allocator::total();
        let mut alerts = Vec::new();
        let mut rising = false;
        for threshold in &mut state.thresholds {
            let above = total >= threshold.bytes;
            if above == threshold.above {
                continue;
            }
            threshold.above = above;
            rising |= above;
            let alert = MemoryAlert {
                node: self.node.clone(),
                threshold: threshold.bytes,
                total,
                crossing: if above {
                    Crossing::Above
                } else {
                    Crossing::Below
                },
            };
            if above {
                crate::report::visible!(
                    warn,
                    target: "foundation::memory",
                    { node = %self.node, total, threshold = threshold.bytes, },
                    "{alert}"
                );
            } else {
                tracing::info!(target: "foundation::memory", node = %self.node, total, threshold = threshold.bytes, "{alert}");
            }
            alerts.push(alert);
        }
        state.alerts += alerts.len() as u64;
        (alerts, rising)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::{Actor, Context, ManualClock, Node};

    struct Idle;
    impl Actor for Idle {
        type Msg = ();
        fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    }

    #[test]
    fn stopped_sleepers_are_dropped_without_a_thread() {
        let node = Node::builder().schedulers(1).start().unwrap();
        let timers = TimerService::start(ManualClock::new().into(), "test").unwrap();
        let monitor = Monitor::new("test".into(), Arc::clone(&timers), None);
        let weak = |r: &crate::ActorRef<Idle>| -> Weak<dyn Runnable> {
            let weak: Weak<crate::cell::ActorCell<Idle>> = Arc::downgrade(&r.cell);
            weak
        };
        let kept = node.spawn(Idle).unwrap();
        monitor.add_sleeper(weak(&kept), None, 0);
        // Rounds of actors, each round stopped (their cells freed) before
        // the next is added: a list that drops none would hold them all.
        let (rounds, per) = if cfg!(miri) { (8, 32) } else { (20, 100) };
        for _ in 0..rounds {
            let round: Vec<_> = (0..per).map(|_| node.spawn(Idle).unwrap()).collect();
            let weaks: Vec<_> = round.iter().map(weak).collect();
            for (actor, weak) in round.iter().zip(&weaks) {
                monitor.add_sleeper(weak.clone(), None, 0);
                actor.stop();
            }
            drop(round);
            let start = std::time::Instant::now();
            while weaks.iter().any(|w| w.strong_count() > 0) {
                assert!(start.elapsed() < std::time::Duration::from_secs(60));
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        let len = lock(&monitor.state).sleepers.len();
        assert!(len <= 4 * per, "{len} sleepers kept for 1 live actor");
        assert!(
            lock(&monitor.state).thread.is_none(),
            "no hibernate_after: no thread"
        );
        // The plain actor has no memory settings: nothing to compact.
        assert_eq!(monitor.compact_all(), 0);
        assert_eq!(lock(&monitor.state).sleepers.len(), 1, "only the live one");
        drop(node.shutdown());
        monitor.stop();
        timers.stop();
    }
}
