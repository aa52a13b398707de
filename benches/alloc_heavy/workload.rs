//! The workload both `alloc_heavy` benches run: one actor whose handler
//! allocates — a message builds 16 small boxes and a 1 KiB buffer, sums
//! them and frees them — fed a batch by a plain thread, timed until the
//! actor has handled the batch. One binary per global allocator, so the
//! two figures compare the allocator, not the code.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use crossbeam_channel::{Sender, bounded};
use foundation::{Actor, ActorOptions, Context, Node};

const BATCH: u64 = 10_000;
const WAIT: Duration = Duration::from_secs(120);

enum Msg {
    Work(u64),
    /// Answers once every message before it has been handled.
    Flush(Sender<u64>),
}

struct Allocating {
    sum: u64,
}

impl Actor for Allocating {
    type Msg = Msg;
    fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
        match msg {
            Msg::Work(n) => {
                let boxes: Vec<Box<[u64; 4]>> =
                    (0..16).map(|i| Box::new([n, i, n ^ i, 1])).collect();
                let mut buffer = vec![0u8; 1024];
                buffer[(n % 1024) as usize] = 1;
                let total: u64 = boxes.iter().map(|b| b.iter().sum::<u64>()).sum();
                self.sum = self
                    .sum
                    .wrapping_add(total + u64::from(buffer.contains(&1)));
            }
            Msg::Flush(done) => done.send(self.sum).unwrap(),
        }
    }
}

/// Registers the bench `alloc_heavy/<allocator>`.
pub fn bench(c: &mut Criterion, allocator: &str) {
    let node = Node::builder().schedulers(2).start().expect("node starts");
    let mut group = c.benchmark_group("alloc_heavy");
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function(allocator, |b| {
        let actor = node
            .spawn_with(Allocating { sum: 0 }, ActorOptions::new().mailbox(1 << 27))
            .expect("spawn");
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (done, flushed) = bounded(1);
                let start = Instant::now();
                for n in 0..BATCH {
                    actor.send(Msg::Work(n)).expect("alive");
                }
                actor.send(Msg::Flush(done)).expect("alive");
                flushed.recv_timeout(WAIT).expect("flushed");
                total += start.elapsed();
            }
            total
        });
    });
    group.finish();
    node.shutdown().expect("clean shutdown");
}
