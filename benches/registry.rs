//! Registry benchmarks, each beside a floor measured in the same run (these
//! machines are shared and noisy: compare ratios, not absolute times).
//!
//! - `lookup/*`: a name → pid look-up among 10,000 registered names, from one
//!   thread and from two at once; the floor is a `RwLock<HashMap<String,
//!   Pid>>` with the same names, the plain table a user might write.
//!   `lookup_ref` adds the typed handle, `send_named` a send by name.
//! - `broadcast/*`: one message to each of 1,000 group members: `send/*`
//!   times the sending alone (each broadcast finds its members idle),
//!   `delivered/*` the time until all of them have handled it. The floor
//!   sends the same message to the same 1,000 actors from a
//!   `Vec<Recipient<_>>`, without a group. Every iteration of both does a
//!   group broadcast and a loop (timing one of them), so that the two see
//!   the same history.
//! - `lookup/send_named` sends by name; `send-by-handle-floor` sends the same
//!   messages through handles held already, and `lookup-then-handle-send`
//!   does a look-up and then that send.
//!
//! `cargo bench --bench registry`

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier, RwLock};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use foundation::{Actor, Context, Node, Pid, Recipient};

const NAMES: usize = 10_000;
const MEMBERS: usize = 1_000;

struct Idle;
impl Actor for Idle {
    type Msg = u64;
    fn handle(&mut self, _: u64, _: &mut Context<Self>) {}
}

/// Counts what it handles into a shared counter.
struct Counting(Arc<AtomicU64>);
impl Actor for Counting {
    type Msg = u64;
    fn handle(&mut self, _: u64, _: &mut Context<Self>) {
        self.0.fetch_add(1, Relaxed);
    }
}

fn name(i: usize) -> String {
    format!("service-{i}")
}

/// Runs `per_thread(iters)` on `threads` threads at once; the elapsed time
/// divided by `threads` (criterion reports time per operation of one
/// thread's loop, so this is the aggregate throughput's inverse).
fn concurrently(threads: usize, iters: u64, op: impl Fn(u64) + Send + Sync + 'static) -> Duration {
    let op = Arc::new(op);
    let start = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (op, start) = (Arc::clone(&op), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                op(iters);
            })
        })
        .collect();
    start.wait();
    let begin = Instant::now();
    for h in handles {
        h.join().unwrap();
    }
    begin.elapsed() / threads as u32
}

fn lookup(c: &mut Criterion) {
    let node = Node::builder().schedulers(1).start().unwrap();
    let registry = node.registry();
    let mut floor: HashMap<String, Pid> = HashMap::new();
    let mut actors = Vec::new();
    for i in 0..NAMES {
        let actor = node.spawn(Idle).unwrap();
        registry.register(&name(i), actor.pid()).unwrap();
        floor.insert(name(i), actor.pid());
        actors.push(actor);
    }
    let floor = Arc::new(RwLock::new(floor));
    let names: Arc<Vec<String>> = Arc::new((0..NAMES).map(name).collect());

    let mut group = c.benchmark_group("lookup");
    group.throughput(Throughput::Elements(1));
    for threads in [1usize, 2] {
        {
            let (registry, names) = (registry.clone(), Arc::clone(&names));
            group.bench_function(format!("registry/{threads}-threads"), move |b| {
                let (registry, names) = (registry.clone(), Arc::clone(&names));
                b.iter_custom(move |iters| {
                    let (registry, names) = (registry.clone(), Arc::clone(&names));
                    concurrently(threads, iters, move |iters| {
                        for i in 0..iters as usize {
                            black_box(registry.lookup(&names[i % NAMES]));
                        }
                    })
                });
            });
        }
        {
            let (floor, names) = (Arc::clone(&floor), Arc::clone(&names));
            group.bench_function(
                format!("rwlock-hashmap-floor/{threads}-threads"),
                move |b| {
                    let (floor, names) = (Arc::clone(&floor), Arc::clone(&names));
                    b.iter_custom(move |iters| {
                        let (floor, names) = (Arc::clone(&floor), Arc::clone(&names));
                        concurrently(threads, iters, move |iters| {
                            for i in 0..iters as usize {
                                black_box(floor.read().unwrap().get(&names[i % NAMES]).copied());
                            }
                        })
                    });
                },
            );
        }
    }
    group.bench_function("lookup_ref/1-threads", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % NAMES;
            black_box(registry.lookup_ref::<Idle>(&names[i]).unwrap())
        });
    });
    group.bench_function("send_named/1-threads", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % NAMES;
            registry.send_named(&names[i], 1_u64).unwrap();
        });
    });
    group.bench_function("lookup-then-handle-send/1-threads", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % NAMES;
            black_box(registry.lookup(&names[i]));
            actors[i].send(1).unwrap();
        });
    });
    // The same sends through handles held already: what naming adds is the
    // difference.
    group.bench_function("send-by-handle-floor/1-threads", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % NAMES;
            actors[i].send(1_u64).unwrap();
        });
    });
    group.finish();
    drop(actors);
}

fn broadcast(c: &mut Criterion) {
    let mut group = c.benchmark_group("broadcast");
    group.throughput(Throughput::Elements(MEMBERS as u64));
    for schedulers in [1usize, 2] {
        let node = Node::builder().schedulers(schedulers).start().unwrap();
        let handled = Arc::new(AtomicU64::new(0));
        let members = node.groups().group::<u64>("members").unwrap();
        let recipients: Vec<Recipient<u64>> = (0..MEMBERS)
            .map(|_| {
                let r = node
                    .spawn(Counting(Arc::clone(&handled)))
                    .unwrap()
                    .recipient();
                members.join(r.clone()).unwrap();
                r
            })
            .collect();
        let wait_for = |target: u64| {
            while handled.load(Relaxed) < target {
                std::hint::spin_loop();
            }
        };
        let by_group = || {
            let sent = members.broadcast(7);
            debug_assert_eq!(sent.delivered, MEMBERS);
        };
        let by_loop = || {
            for r in &recipients {
                r.send(7).unwrap();
            }
        };
        // Each iteration does both — the one measured and, off the clock,
        // the other — in the same order in both benches, so that neither
        // inherits a different history (mailbox blocks, parked threads)
        // from the bench that ran before it. `send` times the sending
        // alone, every broadcast finding its members idle (delivery is
        // awaited off the clock); `delivered` times until every member has
        // handled it.
        let paired = |b: &mut criterion::Bencher<'_>, group_timed: bool, delivery_timed: bool| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    for (is_group, send) in [(true, &by_group as &dyn Fn()), (false, &by_loop)] {
                        let base = handled.load(Relaxed);
                        let start = Instant::now();
                        send();
                        if delivery_timed {
                            wait_for(base + MEMBERS as u64);
                        }
                        if is_group == group_timed {
                            timed += start.elapsed();
                        }
                        wait_for(base + MEMBERS as u64);
                    }
                }
                timed
            })
        };
        for (what, delivery_timed) in [("send", false), ("delivered", true)] {
            group.bench_function(format!("{what}/group/{schedulers}-sched"), |b| {
                paired(b, true, delivery_timed)
            });
            group.bench_function(format!("{what}/vec-floor/{schedulers}-sched"), |b| {
                paired(b, false, delivery_timed)
            });
        }
    }
    group.finish();
}

criterion_group!(benches, lookup, broadcast);
criterion_main!(benches);
