//! Producer / consumer throughput under each flow-control mode built so far
//! (ADR 0007), against the unbounded mailbox in the same run: a plain
//! thread sends a batch of messages to one consumer as fast as the mode
//! lets it (`send_timeout`: it waits for room in a manual mailbox, for the
//! low watermark of an overloaded automatic one), then waits until the
//! consumer has handled them all. "unbounded" is an automatic mailbox whose
//! high watermark no batch reaches; the credit-based modes send through a
//! `Producer`. The credit mode's target: within 25% of "unbounded".
//!
//! `cargo bench --bench flow`

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_channel::{Sender, bounded};
use foundation::{Actor, ActorOptions, Context, Flow, Node};

const BATCH: u64 = 10_000;
const WAIT: Duration = Duration::from_secs(120);

enum Msg {
    Item(u64),
    /// Answers once every item before it has been handled.
    Flush(Sender<u64>),
}

struct Consumer {
    sum: u64,
}

impl Actor for Consumer {
    type Msg = Msg;
    fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
        match msg {
            Msg::Item(n) => self.sum = self.sum.wrapping_add(n),
            Msg::Flush(done) => done.send(self.sum).unwrap(),
        }
    }
}

fn modes() -> Vec<(&'static str, ActorOptions)> {
    let credit = |n| ActorOptions::new().flow(Flow::CreditBased).mailbox(n);
    vec![
        ("unbounded", ActorOptions::new().mailbox(1 << 27)),
        ("automatic-1024", ActorOptions::new().mailbox(1024)),
        (
            "manual-1024",
            ActorOptions::new().flow(Flow::Manual).mailbox(1024),
        ),
        (
            "manual-64",
            ActorOptions::new().flow(Flow::Manual).mailbox(64),
        ),
        // Through a `Producer` (drawing credit in chunks, waiting with
        // `send_timeout` when the pool is spent).
        ("credit-1024", credit(1024)),
        ("credit-64", credit(64)),
    ]
}

fn producer_consumer(c: &mut Criterion) {
    let mut group = c.benchmark_group("producer_consumer");
    group.throughput(Throughput::Elements(BATCH));
    for schedulers in [1usize, 2] {
        let node = Node::builder().schedulers(schedulers).start().unwrap();
        for (mode, options) in modes() {
            let credit = options.flow == Flow::CreditBased;
            let consumer = node.spawn_with(Consumer { sum: 0 }, options).unwrap();
            group.bench_function(format!("{mode}/{schedulers}-sched"), |b| {
                let mut producer = consumer.producer();
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    for _ in 0..iters {
                        for n in 0..BATCH {
                            let sent = if credit {
                                producer.send_timeout(Msg::Item(n), WAIT)
                            } else {
                                consumer.send_timeout(Msg::Item(n), WAIT)
                            };
                            sent.ok().unwrap();
                        }
                        let (tx, rx) = bounded(1);
                        consumer.send_timeout(Msg::Flush(tx), WAIT).ok().unwrap();
                        rx.recv_timeout(WAIT).unwrap();
                    }
                    start.elapsed()
                })
            });
            consumer.stop();
        }
        node.shutdown().unwrap();
    }
    group.finish();
}

criterion_group!(benches, producer_consumer);
criterion_main!(benches);
