//! The node's figures sampled into its telemetry (ADR 0012 §3): what the
//! runtime already counts — [`NodeStats`](super::NodeStats), the dead
//! letters' count, memory — copied as totals and gauges (never counted a
//! second time), and the mailbox depths read from the actor table. On
//! demand, or every interval on the node's timer thread.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::shared::Shared;
use crate::memory::Usage;
use crate::timer::Expiry;

/// Publishes the node's figures now.
pub(crate) fn sample(s: &Shared) {
    let stats = super::stats_of(s);
    let hub = &s.telemetry;
    let total = |name, value: u64| hub.publish_total(name, Vec::new(), value);
    let gauge = |name, value: f64| hub.publish_gauge(name, Vec::new(), value);
    total("foundation.actors.spawned", stats.spawned);
    total("foundation.actors.stopped", stats.stopped);
    total("foundation.actors.panics", stats.panics);
    total("foundation.supervisor.restarts", stats.restarts);
    total("foundation.messages.discarded", stats.discarded_messages);
    total("foundation.dead_letters", s.dead_letters.count());
    total("foundation.schedulers.replaced", stats.replaced_schedulers);
    total("foundation.handlers.long", stats.long_handlers);
    total("foundation.flow.overloads", stats.overloads);
    total("foundation.flow.muted_senders", stats.muted_senders);
    total("foundation.flow.credit_waits", stats.credit_waits);
    total("foundation.memory.alerts", stats.memory.alerts);
    gauge("foundation.actors.live", stats.live as f64);
    gauge("foundation.actors.named", stats.named_actors as f64);
    gauge("foundation.timers", stats.timers as f64);
    for (name, usage) in [
        ("foundation.memory.process", stats.memory.process),
        ("foundation.memory.actors", stats.memory.actors),
        ("foundation.memory.shared", stats.memory.shared),
    ] {
        if let Usage::Bytes(bytes) = usage {
            gauge(name, bytes as f64);
        }
    }
    // One pass over the actor table: depths (the reading `mailbox_len`
    // gives) and memory, as totals and maxima — a gauge per actor would
    // be a metric per actor.
    let (mut depth_total, mut depth_max, mut memory_max) = (0usize, 0usize, None::<u64>);
    for task in s.actors.all() {
        let (len, _) = task.mailbox_counts();
        depth_total += len;
        depth_max = depth_max.max(len);
        if let Some(bytes) = task.memory() {
            memory_max = Some(memory_max.unwrap_or(0).max(bytes));
        }
    }
    gauge("foundation.mailbox.depth.total", depth_total as f64);
    gauge("foundation.mailbox.depth.max", depth_max as f64);
    if let Some(bytes) = memory_max {
        gauge("foundation.memory.actor.max", bytes as f64);
    }
}

/// Samples every `every` on the node's timer service, until the node is
/// gone.
pub(crate) fn start(shared: &Arc<Shared>, every: Duration) {
    let sampler = Sampler {
        shared: Arc::downgrade(shared),
        every,
    };
    shared.timers.add_expiry(every, Arc::new(sampler));
}

struct Sampler {
    shared: Weak<Shared>,
    every: Duration,
}

impl Expiry for Sampler {
    fn is_live(&self) -> bool {
        self.shared.strong_count() > 0
    }

    fn expire(&self) {
        let Some(shared) = self.shared.upgrade() else {
            return;
        };
        if !shared.accepting.load(core::sync::atomic::Ordering::Relaxed) {
            return; // shutting down
        }
        sample(&shared);
        start(&shared, self.every);
    }
}
