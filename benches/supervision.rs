//! Supervision benchmarks. `restart/latency` is the time from sending a
//! message that panics to the reply of the message queued right behind it,
//! which the restarted child handles: the panic and its unwinding, the dead
//! letter, the supervisor hearing of the exit, the restart in the same cell,
//! and one call. `restart/call-baseline` is the same call without a crash,
//! measured in the same run, so the difference is the restart.
//!
//! `start/*` is the ordered start of a wide tree (ADR 0008 §8): a
//! supervisor of 1,001 children, an ecosystem of 1,000 workers and a
//! coordinator, and 1,001 plain spawns for comparison; each returns once
//! every child has started (the spawns: once each has run its `started`
//! hook). The tree is stopped outside the timed region.
//!
//! `cargo bench --bench supervision`

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use foundation::{
    ActorRef, ChildSpec, Context, EcosystemSpec, Node, ReplyTo, Supervisor, spawn_ecosystem,
};

const T: Duration = Duration::from_secs(30);

enum Msg {
    Crash,
    Ping(ReplyTo<()>),
}

struct Child;

impl foundation::Actor for Child {
    type Msg = Msg;
    fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
        match msg {
            Msg::Crash => std::panic::panic_any("benchmark crash"),
            Msg::Ping(reply) => {
                let _ = reply.reply(());
            }
        }
    }
}

fn child(node: &Node) -> ActorRef<Child> {
    let sup = Supervisor::builder()
        .intensity(u32::MAX, Duration::from_millis(1))
        .child(ChildSpec::new("child", || Child))
        .spawn(node)
        .unwrap();
    sup.child::<Child>("child").unwrap().unwrap()
}

fn restart(c: &mut Criterion) {
    let mut group = c.benchmark_group("restart");
    for schedulers in [1usize, 2] {
        let node = Node::builder().schedulers(schedulers).start().unwrap();
        let child = child(&node);
        group.bench_function(format!("latency/{schedulers}-sched"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    child.send(Msg::Crash).ok().unwrap();
                    child.call(Msg::Ping, T).unwrap();
                }
                start.elapsed()
            });
        });
        group.bench_function(format!("call-baseline/{schedulers}-sched"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    child.call(Msg::Ping, T).unwrap();
                }
                start.elapsed()
            });
        });
    }
    group.finish();
}

/// Says when its `started` hook ran.
struct Started(crossbeam_channel::Sender<()>);

impl foundation::Actor for Started {
    type Msg = ();
    fn handle(&mut self, (): (), _: &mut Context<Self>) {}
    fn started(&mut self, _: &mut Context<Self>) {
        let _ = self.0.send(());
    }
}

#[derive(Default)]
struct Idle;

impl foundation::Actor for Idle {
    type Msg = ();
    fn handle(&mut self, (): (), _: &mut Context<Self>) {}
}

const WIDE: usize = 1000;

fn start(c: &mut Criterion) {
    let mut group = c.benchmark_group("start");
    group.sample_size(20);
    for schedulers in [1usize, 2] {
        let node = Node::builder().schedulers(schedulers).start().unwrap();
        let gone = |node: &Node| {
            while node.actor_count() > 0 {
                std::thread::sleep(Duration::from_micros(200));
            }
        };
        let mut spec = Supervisor::builder();
        for i in 0..=WIDE {
            spec = spec.child(ChildSpec::new(format!("c{i}"), || Idle));
        }
        group.bench_function(format!("supervisor-1001/{schedulers}-sched"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let sup = spec.clone().spawn(&node).unwrap();
                    total += start.elapsed();
                    sup.stop();
                    gone(&node);
                }
                total
            });
        });
        let mut round = 0u64;
        group.bench_function(format!("ecosystem-1000/{schedulers}-sched"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    round += 1;
                    let eco_spec = EcosystemSpec::new(format!("e{round}"), |_| Idle)
                        .workers(WIDE, Idle::default);
                    let start = Instant::now();
                    let eco = spawn_ecosystem(&node, eco_spec).unwrap();
                    total += start.elapsed();
                    eco.stop();
                    gone(&node);
                }
                total
            });
        });
        group.bench_function(format!("spawns-1001/{schedulers}-sched"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (tx, rx) = crossbeam_channel::unbounded();
                    let start = Instant::now();
                    let actors: Vec<_> = (0..=WIDE)
                        .map(|_| node.spawn(Started(tx.clone())).unwrap())
                        .collect();
                    for _ in 0..=WIDE {
                        rx.recv().unwrap();
                    }
                    total += start.elapsed();
                    for actor in &actors {
                        actor.stop();
                    }
                    gone(&node);
                }
                total
            });
        });
    }
    group.finish();
}

criterion_group!(benches, restart, start);
criterion_main!(benches);
