//! actix 0.13, as its documentation writes actors: an `Actor` with a
//! `Context`, one `Handler` per message, `do_send` for fire-and-forget, on
//! the default `System` (a single-threaded runtime: every actor on one
//! thread).

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::{System as PeerSystem, Workload};

pub struct Actix;

/// An ecosystem's worker, started under `actix::Supervisor` (actix's way
/// to restart an actor that fails).
struct EcoWorker;

impl Actor for EcoWorker {
    type Context = Context<Self>;
}

impl actix::Supervised for EcoWorker {}

#[derive(Message)]
#[rtype(result = "()")]
struct EcoRequest(Addr<EcoCoordinator>);

impl Handler<EcoRequest> for EcoWorker {
    type Result = ();
    fn handle(&mut self, EcoRequest(coordinator): EcoRequest, _: &mut Context<Self>) {
        coordinator.do_send(EcoAnswer);
    }
}

/// An ecosystem's coordinator, supervised too: one request to each worker.
struct EcoCoordinator {
    workers: Vec<Addr<EcoWorker>>,
    left: usize,
    done: Option<UnboundedSender<()>>,
}

impl Actor for EcoCoordinator {
    type Context = Context<Self>;
}

impl actix::Supervised for EcoCoordinator {}

#[derive(Message)]
#[rtype(result = "()")]
struct EcoGo(UnboundedSender<()>);

#[derive(Message)]
#[rtype(result = "()")]
struct EcoAnswer;

impl Handler<EcoGo> for EcoCoordinator {
    type Result = ();
    fn handle(&mut self, EcoGo(done): EcoGo, ctx: &mut Context<Self>) {
        self.left = self.workers.len();
        self.done = Some(done);
        for worker in &self.workers {
            worker.do_send(EcoRequest(ctx.address()));
        }
    }
}

impl Handler<EcoAnswer> for EcoCoordinator {
    type Result = ();
    fn handle(&mut self, _: EcoAnswer, _: &mut Context<Self>) {
        self.left -= 1;
        if self.left == 0 {
            self.done.take().unwrap().send(()).unwrap();
        }
    }
}

async fn wait(done: &mut UnboundedReceiver<()>, count: usize) {
    for _ in 0..count {
        done.recv().await.expect("the workload finished");
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Stop;

/// The `ask` workload's actor: answers with what it is asked.
struct Echo;

impl Actor for Echo {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "u64")]
struct Ask(u64);

impl Handler<Ask> for Echo {
    type Result = u64;
    fn handle(&mut self, Ask(n): Ask, _: &mut Context<Self>) -> u64 {
        n
    }
}

struct Idle {
    stopped: Option<UnboundedSender<()>>,
}

impl Actor for Idle {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Context<Self>) {
        if let Some(stopped) = &self.stopped {
            let _ = stopped.send(());
        }
    }
}

impl Handler<Stop> for Idle {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Ping;

#[derive(Message)]
#[rtype(result = "()")]
struct Pong;

#[derive(Message)]
#[rtype(result = "()")]
struct Start;

struct Pinger {
    ponger: Addr<Ponger>,
    left: usize,
    done: UnboundedSender<()>,
}

impl Actor for Pinger {
    type Context = Context<Self>;
}

impl Handler<Start> for Pinger {
    type Result = ();
    fn handle(&mut self, _: Start, _: &mut Context<Self>) {
        self.ponger.do_send(Ping);
    }
}

impl Handler<Pong> for Pinger {
    type Result = ();
    fn handle(&mut self, _: Pong, _: &mut Context<Self>) {
        self.left -= 1;
        if self.left > 0 {
            self.ponger.do_send(Ping);
        } else {
            self.done.send(()).unwrap();
        }
    }
}

struct Ponger {
    pinger: Option<Recipient<Pong>>,
}

impl Actor for Ponger {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct SetPinger(Recipient<Pong>);

impl Handler<SetPinger> for Ponger {
    type Result = ();
    fn handle(&mut self, SetPinger(pinger): SetPinger, _: &mut Context<Self>) {
        self.pinger = Some(pinger);
    }
}

impl Handler<Ping> for Ponger {
    type Result = ();
    fn handle(&mut self, _: Ping, _: &mut Context<Self>) {
        self.pinger.as_ref().unwrap().do_send(Pong);
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Count(#[allow(dead_code)] u64);

struct Counter {
    seen: usize,
    target: usize,
    done: UnboundedSender<()>,
}

impl Actor for Counter {
    type Context = Context<Self>;
}

impl Handler<Count> for Counter {
    type Result = ();
    fn handle(&mut self, _: Count, _: &mut Context<Self>) {
        self.seen += 1;
        if self.seen == self.target {
            self.done.send(()).unwrap();
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Produce(Addr<Counter>, usize);

struct Producer;

impl Actor for Producer {
    type Context = Context<Self>;
}

impl Handler<Produce> for Producer {
    type Result = ();
    fn handle(&mut self, Produce(to, n): Produce, _: &mut Context<Self>) {
        for i in 0..n {
            to.do_send(Count(i as u64));
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Token(usize);

#[derive(Message)]
#[rtype(result = "()")]
struct SetNext(Addr<RingMember>);

struct RingMember {
    next: Option<Addr<RingMember>>,
    done: UnboundedSender<()>,
}

impl Actor for RingMember {
    type Context = Context<Self>;
}

impl Handler<SetNext> for RingMember {
    type Result = ();
    fn handle(&mut self, SetNext(next): SetNext, _: &mut Context<Self>) {
        self.next = Some(next);
    }
}

impl Handler<Token> for RingMember {
    type Result = ();
    fn handle(&mut self, Token(hops_left): Token, _: &mut Context<Self>) {
        if hops_left == 0 {
            self.done.send(()).unwrap();
        } else {
            self.next.as_ref().unwrap().do_send(Token(hops_left - 1));
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Work(u64);

struct Worker {
    results: UnboundedSender<u64>,
}

impl Actor for Worker {
    type Context = Context<Self>;
}

impl Handler<Work> for Worker {
    type Result = ();
    fn handle(&mut self, Work(n): Work, ctx: &mut Context<Self>) {
        self.results.send(n.wrapping_mul(2654435761) >> 7).unwrap();
        ctx.stop();
    }
}

/// Keeps what it is sent, and says so.
struct Keeper {
    kept: Option<Keep>,
    done: UnboundedSender<()>,
}

#[derive(Message)]
#[rtype(result = "()")]
#[allow(dead_code)] // held by the member, to be counted
enum Keep {
    Shared(Arc<Vec<u8>>),
    Owned(Vec<u8>),
}

impl Actor for Keeper {
    type Context = Context<Self>;
}

impl Handler<Keep> for Keeper {
    type Result = ();
    fn handle(&mut self, keep: Keep, _: &mut Context<Self>) {
        self.kept = Some(keep);
        self.done.send(()).unwrap();
    }
}

impl PeerSystem for Actix {
    fn run(&self, workload: Workload) -> Option<Duration> {
        let system = actix::System::new();
        let elapsed = system.block_on(async move {
            let (done_tx, mut done) = unbounded_channel();
            match workload {
                Workload::Spawn { n } => {
                    let start = Instant::now();
                    let actors: Vec<_> = (0..n)
                        .map(|_| {
                            Idle {
                                stopped: Some(done_tx.clone()),
                            }
                            .start()
                        })
                        .collect();
                    for actor in &actors {
                        actor.do_send(Stop);
                    }
                    wait(&mut done, n).await;
                    start.elapsed()
                }
                Workload::PingPong { n } => {
                    let ponger = Ponger { pinger: None }.start();
                    let pinger = Pinger {
                        ponger: ponger.clone(),
                        left: n,
                        done: done_tx,
                    }
                    .start();
                    ponger
                        .send(SetPinger(pinger.clone().recipient()))
                        .await
                        .unwrap();
                    let start = Instant::now();
                    pinger.do_send(Start);
                    wait(&mut done, 1).await;
                    start.elapsed()
                }
                Workload::Stream { n } | Workload::FanIn { n, .. } => {
                    let senders = match workload {
                        Workload::FanIn { senders, .. } => senders,
                        _ => 1,
                    };
                    let counter = Counter {
                        seen: 0,
                        target: n / senders * senders,
                        done: done_tx,
                    }
                    .start();
                    let producers: Vec<_> = (0..senders).map(|_| Producer.start()).collect();
                    let start = Instant::now();
                    for producer in &producers {
                        producer.do_send(Produce(counter.clone(), n / senders));
                    }
                    wait(&mut done, 1).await;
                    start.elapsed()
                }
                Workload::Ring { actors, hops } => {
                    let members: Vec<_> = (0..actors)
                        .map(|_| {
                            RingMember {
                                next: None,
                                done: done_tx.clone(),
                            }
                            .start()
                        })
                        .collect();
                    for (i, member) in members.iter().enumerate() {
                        member
                            .send(SetNext(members[(i + 1) % actors].clone()))
                            .await
                            .unwrap();
                    }
                    let start = Instant::now();
                    members[0].do_send(Token(hops));
                    wait(&mut done, 1).await;
                    start.elapsed()
                }
                Workload::Broadcast {
                    members,
                    bytes,
                    shared,
                } => {
                    let keepers: Vec<_> = (0..members)
                        .map(|_| {
                            Keeper {
                                kept: None,
                                done: done_tx.clone(),
                            }
                            .start()
                        })
                        .collect();
                    let before = crate::alloc::live();
                    let start = Instant::now();
                    // Shared: one `Arc` of the buffer, counted per member.
                    let data = Arc::new(crate::payload(bytes));
                    for keeper in &keepers {
                        keeper.do_send(if shared {
                            Keep::Shared(Arc::clone(&data))
                        } else {
                            Keep::Owned((*data).clone())
                        });
                    }
                    wait(&mut done, members).await;
                    let elapsed = start.elapsed();
                    crate::broadcast_measured(before);
                    elapsed
                }
                Workload::Ecosystem { workers } => {
                    let start = Instant::now();
                    let workers: Vec<_> = (0..workers)
                        .map(|_| actix::Supervisor::start(|_| EcoWorker))
                        .collect();
                    let coordinator = actix::Supervisor::start(move |_| EcoCoordinator {
                        workers,
                        left: 0,
                        done: None,
                    });
                    coordinator.do_send(EcoGo(done_tx.clone()));
                    wait(&mut done, 1).await;
                    start.elapsed()
                }
                Workload::Ask { n, .. } => {
                    // `send().await` from a task of actix's own system
                    // (the same thread as the actor): its ask.
                    let echo = Echo.start();
                    let start = Instant::now();
                    for i in 0..n as u64 {
                        assert_eq!(echo.send(Ask(i)).await.unwrap(), i);
                    }
                    start.elapsed()
                }
                Workload::ForkJoin { workers } => {
                    let (results_tx, mut results) = unbounded_channel();
                    let start = Instant::now();
                    for i in 0..workers {
                        Worker {
                            results: results_tx.clone(),
                        }
                        .start()
                        .do_send(Work(i as u64));
                    }
                    for _ in 0..workers {
                        results.recv().await.unwrap();
                    }
                    start.elapsed()
                }
            }
        });
        Some(elapsed)
    }

    fn idle_bytes(&self, actors: usize) -> Option<f64> {
        let bytes = actix::System::new()
            .block_on(crate::alloc::per_actor_async(actors, || async {
                Idle { stopped: None }.start()
            }));
        Some(bytes)
    }
}
