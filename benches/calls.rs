//! Request / reply benchmarks: a blocking `call` from a plain thread, and a
//! `ctx.request(..).then(..)` round trip between two actors.
//!
//! `cargo bench --bench calls`

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_channel::{Sender, bounded};
use foundation::{Actor, ActorRef, Context, Node, ReplyTo};

const WAIT: Duration = Duration::from_secs(120);

struct Doubler;

impl Actor for Doubler {
    type Msg = (u64, ReplyTo<u64>);
    fn handle(&mut self, (n, reply): (u64, ReplyTo<u64>), _: &mut Context<Self>) {
        let _ = reply.reply(n * 2);
    }
}

/// Asks the doubler `left` times in a row, each request after the last reply.
struct Asker {
    doubler: ActorRef<Doubler>,
    left: u64,
    done: Option<Sender<()>>,
}

impl Asker {
    fn ask(&mut self, ctx: &mut Context<Self>) {
        if self.left == 0 {
            self.done.take().unwrap().send(()).unwrap();
            return;
        }
        self.left -= 1;
        let n = self.left;
        ctx.request(&self.doubler, move |r| (n, r))
            .then(|asker, ctx, answer| {
                assert_eq!(answer, Ok(asker.left * 2));
                asker.ask(ctx);
            });
    }
}

impl Actor for Asker {
    type Msg = (u64, Sender<()>);
    fn handle(&mut self, (rounds, done): (u64, Sender<()>), ctx: &mut Context<Self>) {
        self.left = rounds;
        self.done = Some(done);
        self.ask(ctx);
    }
}

fn calls(c: &mut Criterion) {
    let mut group = c.benchmark_group("call");
    group.throughput(Throughput::Elements(1));
    for schedulers in [1usize, 2] {
        let node = Node::builder().schedulers(schedulers).start().unwrap();
        let doubler = node.spawn(Doubler).unwrap();
        group.bench_function(format!("from-thread/{schedulers}-sched"), |b| {
            b.iter(|| doubler.call(|r| (21, r), WAIT).unwrap())
        });
        let asker = node
            .spawn(Asker {
                doubler: doubler.clone(),
                left: 0,
                done: None,
            })
            .unwrap();
        group.bench_function(format!("request-between-actors/{schedulers}-sched"), |b| {
            b.iter_custom(|iters| {
                let (tx, rx) = bounded(1);
                let start = Instant::now();
                asker.send((iters, tx)).ok().unwrap();
                rx.recv_timeout(WAIT).unwrap();
                start.elapsed()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, calls);
criterion_main!(benches);
