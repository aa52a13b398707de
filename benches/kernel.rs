//! Kernel benchmarks (../shared/BENCHMARKS.md): spawn, pingpong, stream, fanin
//! and ring, with raw crossbeam-channel between two threads as the floor in
//! the stream and pingpong groups. Compare within one run: these machines are
//! shared and noisy.
//!
//! `cargo bench --bench kernel` (add a filter such as `pingpong` to run one
//! group).

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crossbeam_channel::{Receiver, Sender, bounded, unbounded};
use foundation::{Actor, ActorOptions, ActorRef, Context, Node};

fn node(schedulers: usize) -> Node {
    Node::builder()
        .schedulers(schedulers)
        .start()
        .expect("node starts")
}

const WAIT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------- spawn

struct Idle;

impl Actor for Idle {
    type Msg = ();
    fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

fn wait_empty(node: &Node) {
    let start = Instant::now();
    while node.actor_count() > 0 {
        assert!(start.elapsed() < WAIT, "actors did not stop");
        thread::yield_now();
    }
}

fn spawn(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn");
    group.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("foundation", n), &n, |b, &n| {
            let node = node(2);
            let mut refs = Vec::with_capacity(n);
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    for _ in 0..n {
                        refs.push(node.spawn(Idle).unwrap());
                    }
                    for r in refs.drain(..) {
                        r.send(()).unwrap();
                    }
                    wait_empty(&node);
                    total += start.elapsed();
                }
                total
            });
        });
    }
    group.finish();
}

// ---------------------------------------------------------------- pingpong

enum PingMsg {
    Start {
        rounds: u64,
        pong: ActorRef<Pong>,
        done: Sender<()>,
    },
    Pong,
}

struct Ping {
    left: u64,
    pong: Option<ActorRef<Pong>>,
    done: Option<Sender<()>>,
}

struct Pong;

impl Actor for Pong {
    type Msg = ActorRef<Ping>;
    fn handle(&mut self, from: ActorRef<Ping>, _: &mut Context<Self>) {
        // Reuse the sender's handle: clone once per hop, like a reply port.
        let _ = from.send(PingMsg::Pong);
    }
}

impl Actor for Ping {
    type Msg = PingMsg;
    fn handle(&mut self, msg: PingMsg, ctx: &mut Context<Self>) {
        match msg {
            PingMsg::Start { rounds, pong, done } => {
                self.left = rounds;
                self.done = Some(done);
                pong.send(ctx.myself()).unwrap();
                self.pong = Some(pong);
            }
            PingMsg::Pong => {
                self.left -= 1;
                if self.left == 0 {
                    self.done.take().unwrap().send(()).unwrap();
                } else {
                    self.pong.as_ref().unwrap().send(ctx.myself()).unwrap();
                }
            }
        }
    }
}

fn pingpong(c: &mut Criterion) {
    let mut group = c.benchmark_group("pingpong");
    group.throughput(Throughput::Elements(1));
    for schedulers in [1usize, 2] {
        group.bench_function(
            BenchmarkId::new("foundation", format!("{schedulers}-sched")),
            |b| {
                let node = node(schedulers);
                let ping = node
                    .spawn(Ping {
                        left: 0,
                        pong: None,
                        done: None,
                    })
                    .unwrap();
                let pong = node.spawn(Pong).unwrap();
                b.iter_custom(|iters| {
                    let (tx, rx) = bounded(1);
                    let start = Instant::now();
                    ping.send(PingMsg::Start {
                        rounds: iters,
                        pong: pong.clone(),
                        done: tx,
                    })
                    .ok()
                    .unwrap();
                    rx.recv_timeout(WAIT).unwrap();
                    start.elapsed()
                });
            },
        );
    }
    group.bench_function(BenchmarkId::new("crossbeam-threads", "2-threads"), |b| {
        let (to_echo, echo_in) = unbounded::<u64>();
        let (echo_out, from_echo) = unbounded::<u64>();
        let echo = thread::spawn(move || {
            while let Ok(n) = echo_in.recv() {
                echo_out.send(n).unwrap();
            }
        });
        b.iter_custom(|iters| {
            let start = Instant::now();
            for i in 0..iters {
                to_echo.send(i).unwrap();
                black_box(from_echo.recv().unwrap());
            }
            start.elapsed()
        });
        drop(to_echo);
        echo.join().unwrap();
    });
    group.finish();
}

// ---------------------------------------------------------------- stream

enum CountMsg {
    Item(u64),
    Flush(Sender<u64>),
}

struct Counter {
    sum: u64,
}

impl Actor for Counter {
    type Msg = CountMsg;
    fn handle(&mut self, msg: CountMsg, _: &mut Context<Self>) {
        match msg {
            CountMsg::Item(n) => self.sum = self.sum.wrapping_add(n),
            CountMsg::Flush(reply) => reply.send(self.sum).unwrap(),
        }
    }
}

fn stream(c: &mut Criterion) {
    let mut group = c.benchmark_group("stream");
    group.throughput(Throughput::Elements(1));
    for schedulers in [1usize, 2] {
        group.bench_function(
            BenchmarkId::new("foundation", format!("{schedulers}-sched")),
            |b| {
                let node = node(schedulers);
                // The thread floods the mailbox unpaced, as crossbeam's
                // unbounded channel below is flooded: a high watermark
                // above any run's backlog (ADR 0007 §6).
                let unpaced = ActorOptions::new().mailbox(1 << 27);
                let counter = node.spawn_with(Counter { sum: 0 }, unpaced).unwrap();
                b.iter_custom(|iters| {
                    let (tx, rx) = bounded(1);
                    let start = Instant::now();
                    for i in 0..iters {
                        counter.send(CountMsg::Item(i)).ok().unwrap();
                    }
                    counter.send(CountMsg::Flush(tx)).ok().unwrap();
                    black_box(rx.recv_timeout(WAIT).unwrap());
                    start.elapsed()
                });
            },
        );
    }
    // The default mailbox: past its high watermark the thread waits
    // (`send_timeout`) until the counter drains to the low one.
    group.bench_function(BenchmarkId::new("foundation-paced", "2-sched"), |b| {
        let node = node(2);
        let counter = node.spawn(Counter { sum: 0 }).unwrap();
        b.iter_custom(|iters| {
            let (tx, rx) = bounded(1);
            let start = Instant::now();
            for i in 0..iters {
                counter.send_timeout(CountMsg::Item(i), WAIT).ok().unwrap();
            }
            counter
                .send_timeout(CountMsg::Flush(tx), WAIT)
                .ok()
                .unwrap();
            black_box(rx.recv_timeout(WAIT).unwrap());
            start.elapsed()
        });
    });
    group.bench_function(BenchmarkId::new("crossbeam-threads", "2-threads"), |b| {
        let (to_counter, inbox): (Sender<CountMsg>, Receiver<CountMsg>) = unbounded();
        let counter = thread::spawn(move || {
            let mut sum = 0u64;
            while let Ok(msg) = inbox.recv() {
                match msg {
                    CountMsg::Item(n) => sum = sum.wrapping_add(n),
                    CountMsg::Flush(reply) => reply.send(sum).unwrap(),
                }
            }
        });
        b.iter_custom(|iters| {
            let (tx, rx) = bounded(1);
            let start = Instant::now();
            for i in 0..iters {
                to_counter.send(CountMsg::Item(i)).ok().unwrap();
            }
            to_counter.send(CountMsg::Flush(tx)).ok().unwrap();
            black_box(rx.recv_timeout(WAIT).unwrap());
            start.elapsed()
        });
        drop(to_counter);
        counter.join().unwrap();
    });
    group.finish();
}

// ---------------------------------------------------------------- fanin

enum FanMsg {
    /// Sent before the producers start: how many items to wait for.
    Expect(u64, Sender<()>),
    Item(u64),
}

struct FanCounter {
    remaining: u64,
    sum: u64,
    done: Option<Sender<()>>,
}

impl Actor for FanCounter {
    type Msg = FanMsg;
    fn handle(&mut self, msg: FanMsg, _: &mut Context<Self>) {
        match msg {
            FanMsg::Expect(n, done) => {
                self.remaining = n;
                self.done = Some(done);
            }
            FanMsg::Item(n) => {
                self.sum = self.sum.wrapping_add(n);
                self.remaining -= 1;
                if self.remaining == 0 {
                    self.done.take().unwrap().send(()).unwrap();
                }
            }
        }
    }
}

/// Sends its share of items to the counter when told.
struct Producer {
    counter: ActorRef<FanCounter>,
}

impl Actor for Producer {
    type Msg = u64;
    fn handle(&mut self, count: u64, _: &mut Context<Self>) {
        for i in 0..count {
            self.counter.send(FanMsg::Item(i)).ok().unwrap();
        }
    }
}

fn fanin(c: &mut Criterion) {
    const SENDERS: u64 = 64;
    let mut group = c.benchmark_group("fanin");
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("foundation", "64-senders-2-sched"), |b| {
        let node = node(2);
        let counter = node
            .spawn(FanCounter {
                remaining: 0,
                sum: 0,
                done: None,
            })
            .unwrap();
        let producers: Vec<_> = (0..SENDERS)
            .map(|_| {
                node.spawn(Producer {
                    counter: counter.clone(),
                })
                .unwrap()
            })
            .collect();
        b.iter_custom(|iters| {
            // Whole shares, at least one item each: the time is divided by
            // `iters`, so round the work to `iters` as closely as possible.
            let share = iters.div_ceil(SENDERS).max(1);
            let (tx, rx) = bounded(1);
            let start = Instant::now();
            counter
                .send(FanMsg::Expect(share * SENDERS, tx))
                .ok()
                .unwrap();
            for p in &producers {
                p.send(share).unwrap();
            }
            rx.recv_timeout(WAIT).unwrap();
            let elapsed = start.elapsed();
            // Report per message actually sent.
            elapsed.mul_f64(iters as f64 / (share * SENDERS) as f64)
        });
    });
    group.finish();
}

// ---------------------------------------------------------------- ring

enum RingMsg {
    Next(ActorRef<RingNode>),
    Token { hops: u64, done: Sender<()> },
}

struct RingNode {
    next: Option<ActorRef<RingNode>>,
}

impl Actor for RingNode {
    type Msg = RingMsg;
    fn handle(&mut self, msg: RingMsg, _: &mut Context<Self>) {
        match msg {
            RingMsg::Next(next) => self.next = Some(next),
            RingMsg::Token { hops: 0, done } => done.send(()).unwrap(),
            RingMsg::Token { hops, done } => {
                let _ = self.next.as_ref().unwrap().send(RingMsg::Token {
                    hops: hops - 1,
                    done,
                });
            }
        }
    }
}

fn ring(c: &mut Criterion) {
    const RING: usize = 100;
    let mut group = c.benchmark_group("ring");
    group.throughput(Throughput::Elements(1));
    for schedulers in [1usize, 2] {
        group.bench_function(
            BenchmarkId::new("foundation", format!("100-actors-{schedulers}-sched")),
            |b| {
                let node = node(schedulers);
                let members: Vec<_> = (0..RING)
                    .map(|_| node.spawn(RingNode { next: None }).unwrap())
                    .collect();
                for (i, m) in members.iter().enumerate() {
                    m.send(RingMsg::Next(members[(i + 1) % RING].clone()))
                        .ok()
                        .unwrap();
                }
                b.iter_custom(|iters| {
                    let (tx, rx) = bounded(1);
                    let start = Instant::now();
                    members[0]
                        .send(RingMsg::Token {
                            hops: iters,
                            done: tx,
                        })
                        .ok()
                        .unwrap();
                    rx.recv_timeout(WAIT).unwrap();
                    start.elapsed()
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, spawn, pingpong, stream, fanin, ring);
criterion_main!(benches);
