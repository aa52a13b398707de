//! Foundation, written with `#[actor]` and `#[handlers]` (its own
//! recommended way), on a node of 1 or 2 scheduler threads.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, unbounded};
use foundation::prelude::*;
use foundation::{Bytes, EcosystemSpec, WorkerPool, broadcast_optimized, spawn_ecosystem};

use crate::{System, Workload};

pub struct Foundation {
    pub schedulers: usize,
}

/// An ecosystem's worker: answers a request to the coordinator.
#[actor]
struct EcoWorker;

#[handlers]
impl EcoWorker {
    pub fn request(&mut self, coordinator: ActorRef<EcoCoordinator>) {
        coordinator.answered().unwrap();
    }
}

/// An ecosystem's coordinator: one request to each worker of its pool.
#[actor]
struct EcoCoordinator {
    pool: WorkerPool<EcoWorker>,
    left: usize,
    done: Option<Sender<()>>,
}

#[handlers]
impl EcoCoordinator {
    pub fn go(&mut self, done: Sender<()>, ctx: &mut Context<Self>) {
        self.left = self.pool.len();
        self.done = Some(done);
        let me = ctx.myself();
        for _ in 0..self.left {
            self.pool.route(EcoWorkerMsg::Request(me.clone())).unwrap();
        }
    }

    pub fn answered(&mut self) {
        self.left -= 1;
        if self.left == 0 {
            self.done.take().unwrap().send(()).unwrap();
        }
    }
}

/// The `ask` workload's actor: answers with what it is asked.
#[actor]
struct Echo;

#[handlers]
impl Echo {
    pub fn echo(&mut self, n: u64) -> u64 {
        n
    }
}

#[actor]
struct Idle;

#[handlers]
impl Idle {}

#[actor]
struct Pinger {
    ponger: Option<ActorRef<Ponger>>,
    left: usize,
    done: Sender<()>,
}

#[handlers]
impl Pinger {
    pub fn start(&mut self, ponger: ActorRef<Ponger>) {
        ponger.ping().unwrap();
        self.ponger = Some(ponger);
    }

    pub fn pong(&mut self) {
        self.left -= 1;
        match &self.ponger {
            Some(ponger) if self.left > 0 => ponger.ping().unwrap(),
            _ => self.done.send(()).unwrap(),
        }
    }
}

#[actor]
struct Ponger {
    pinger: Option<ActorRef<Pinger>>,
}

#[handlers]
impl Ponger {
    pub fn set_pinger(&mut self, pinger: ActorRef<Pinger>) {
        self.pinger = Some(pinger);
    }

    pub fn ping(&mut self) {
        self.pinger.as_ref().unwrap().pong().unwrap();
    }
}

/// Counts messages; signals when it has `target`.
#[actor]
struct Counter {
    seen: usize,
    target: usize,
    done: Sender<()>,
}

#[handlers]
impl Counter {
    pub fn count(&mut self, _n: u64) {
        self.seen += 1;
        if self.seen == self.target {
            self.done.send(()).unwrap();
        }
    }
}

#[actor]
struct Producer;

#[handlers]
impl Producer {
    pub fn produce(&mut self, to: ActorRef<Counter>, n: usize) {
        for i in 0..n {
            to.count(i as u64).unwrap();
        }
    }
}

#[actor]
struct RingMember {
    next: Option<ActorRef<RingMember>>,
    done: Sender<()>,
}

#[handlers]
impl RingMember {
    pub fn set_next(&mut self, next: ActorRef<RingMember>) {
        self.next = Some(next);
    }

    pub fn token(&mut self, hops_left: usize) {
        if hops_left == 0 {
            self.done.send(()).unwrap();
        } else {
            self.next.as_ref().unwrap().token(hops_left - 1).unwrap();
        }
    }
}

#[actor]
struct Worker;

#[handlers]
impl Worker {
    pub fn work(&mut self, n: u64, done: Sender<u64>, ctx: &mut Context<Self>) {
        done.send(n.wrapping_mul(2654435761) >> 7).unwrap();
        ctx.stop();
    }
}

/// A group member: keeps the payload it gets (so the memory stays to be
/// counted) and says so.
#[actor]
struct Keeper {
    kept: Option<Data>,
    done: Sender<()>,
}

/// What a broadcast hands a member: a count of one shared buffer
/// (`broadcast_optimized`), or bytes of its own (`Group::broadcast`).
#[derive(Clone)]
#[allow(dead_code)] // held by the member, to be counted
enum Data {
    Shared(Bytes),
    Owned(Vec<u8>),
}

impl From<Bytes> for Data {
    fn from(bytes: Bytes) -> Data {
        Data::Shared(bytes)
    }
}

#[handlers]
impl Keeper {
    pub fn keep(&mut self, data: Data) {
        self.kept = Some(data);
        self.done.send(()).unwrap();
    }
}

fn wait(done: &Receiver<()>) {
    done.recv_timeout(Duration::from_secs(600))
        .expect("the workload finished");
}

impl System for Foundation {
    fn run(&self, workload: Workload) -> Option<Duration> {
        let node = Node::builder().schedulers(self.schedulers).start().unwrap();
        let (done_tx, done) = unbounded();
        let elapsed = match workload {
            Workload::Spawn { n } => {
                let start = Instant::now();
                let actors: Vec<_> = (0..n).map(|_| node.spawn(Idle).unwrap()).collect();
                for actor in &actors {
                    actor.stop();
                }
                while node.actor_count() > 0 {
                    std::thread::yield_now();
                }
                start.elapsed()
            }
            Workload::PingPong { n } => {
                let ponger = node.spawn(Ponger { pinger: None }).unwrap();
                let pinger = node
                    .spawn(Pinger {
                        ponger: None,
                        left: n,
                        done: done_tx,
                    })
                    .unwrap();
                ponger.set_pinger(pinger.clone()).unwrap();
                let start = Instant::now();
                pinger.start(ponger).unwrap();
                wait(&done);
                start.elapsed()
            }
            Workload::Stream { n } => {
                let counter = node
                    .spawn(Counter {
                        seen: 0,
                        target: n,
                        done: done_tx,
                    })
                    .unwrap();
                let producer = node.spawn(Producer).unwrap();
                let start = Instant::now();
                producer.produce(counter, n).unwrap();
                wait(&done);
                start.elapsed()
            }
            Workload::FanIn { senders, n } => {
                let counter = node
                    .spawn(Counter {
                        seen: 0,
                        target: n,
                        done: done_tx,
                    })
                    .unwrap();
                let producers: Vec<_> = (0..senders)
                    .map(|_| node.spawn(Producer).unwrap())
                    .collect();
                let start = Instant::now();
                for producer in &producers {
                    producer.produce(counter.clone(), n / senders).unwrap();
                }
                wait(&done);
                start.elapsed()
            }
            Workload::Ring { actors, hops } => {
                let members: Vec<_> = (0..actors)
                    .map(|_| {
                        node.spawn(RingMember {
                            next: None,
                            done: done_tx.clone(),
                        })
                        .unwrap()
                    })
                    .collect();
                for (i, member) in members.iter().enumerate() {
                    member.set_next(members[(i + 1) % actors].clone()).unwrap();
                }
                let start = Instant::now();
                members[0].token(hops).unwrap();
                wait(&done);
                start.elapsed()
            }
            Workload::Ecosystem { workers } => {
                let start = Instant::now();
                let eco = spawn_ecosystem(
                    &node,
                    EcosystemSpec::new("ecosystem", |pool| EcoCoordinator {
                        pool,
                        left: 0,
                        done: None,
                    })
                    .workers(workers, || EcoWorker),
                )
                .unwrap();
                eco.coordinator().go(done_tx).unwrap();
                wait(&done);
                let elapsed = start.elapsed();
                eco.stop();
                elapsed
            }
            Workload::Ask { n, blocking: true } => {
                // A plain thread's blocking call (the generated method).
                let echo = node.spawn(Echo).unwrap();
                let start = Instant::now();
                for i in 0..n as u64 {
                    assert_eq!(echo.echo(i).unwrap(), i);
                }
                start.elapsed()
            }
            Workload::Ask { n, blocking: false } => {
                // `call_async` (the generated `_async` method) awaited in a
                // task of a 2-worker tokio runtime.
                let echo = node.spawn(Echo).unwrap();
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    tokio::spawn(async move {
                        let start = Instant::now();
                        for i in 0..n as u64 {
                            assert_eq!(echo.echo_async(i).await.unwrap(), i);
                        }
                        start.elapsed()
                    })
                    .await
                    .unwrap()
                })
            }
            Workload::ForkJoin { workers } => {
                let (results_tx, results) = unbounded();
                let start = Instant::now();
                for i in 0..workers {
                    node.spawn(Worker)
                        .unwrap()
                        .work(i as u64, results_tx.clone())
                        .unwrap();
                }
                for _ in 0..workers {
                    results.recv_timeout(Duration::from_secs(600)).unwrap();
                }
                start.elapsed()
            }
            Workload::Broadcast {
                members,
                bytes,
                shared,
            } => {
                let group = node.groups().group::<Data>("members").unwrap();
                for _ in 0..members {
                    let keeper = node
                        .spawn(Keeper {
                            kept: None,
                            done: done_tx.clone(),
                        })
                        .unwrap();
                    group.join(keeper.recipient::<Data>()).unwrap();
                }
                let before = crate::alloc::live();
                let start = Instant::now();
                let sent = if shared {
                    broadcast_optimized(&group, crate::payload(bytes))
                } else {
                    group.broadcast(Data::Owned(crate::payload(bytes)))
                };
                assert_eq!(sent.delivered, members);
                for _ in 0..members {
                    wait(&done);
                }
                let elapsed = start.elapsed();
                crate::broadcast_measured(before);
                elapsed
            }
        };
        node.shutdown().unwrap();
        Some(elapsed)
    }

    fn idle_bytes(&self, actors: usize) -> Option<f64> {
        let node = Node::builder().schedulers(self.schedulers).start().unwrap();
        let (bytes, refs) = crate::alloc::per_actor(
            actors,
            || node.spawn(Idle).unwrap(),
            || std::thread::sleep(Duration::from_millis(100)),
        );
        drop(refs);
        node.shutdown().unwrap();
        Some(bytes)
    }
}
