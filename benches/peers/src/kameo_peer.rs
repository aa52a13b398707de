//! kameo 0.22, as its documentation writes actors: `#[derive(Actor)]`, one
//! `Message` impl per message, `Actor::spawn` (its default mailbox, bounded
//! at 64), `tell(..).await`, on a multi-threaded tokio runtime (one worker
//! per core).

use std::sync::Arc;
use std::time::{Duration, Instant};

use kameo::Actor;
use kameo::actor::{ActorRef, Spawn};
use kameo::message::{Context, Message};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::{System, Workload};

pub struct Kameo;

/// An ecosystem's coordinator: one request to each worker (linked to it,
/// kameo's supervision: a linked actor hears of the other's death).
#[derive(Actor)]
struct EcoCoordinator {
    left: usize,
    done: Option<UnboundedSender<()>>,
}

#[derive(Actor)]
struct EcoWorker;

struct EcoGo(Vec<ActorRef<EcoWorker>>, UnboundedSender<()>);
struct EcoRequest(ActorRef<EcoCoordinator>);
struct EcoAnswer;

impl Message<EcoGo> for EcoCoordinator {
    type Reply = ();
    async fn handle(&mut self, EcoGo(workers, done): EcoGo, ctx: &mut Context<Self, ()>) {
        self.left = workers.len();
        self.done = Some(done);
        for worker in &workers {
            worker
                .tell(EcoRequest(ctx.actor_ref().clone()))
                .await
                .unwrap();
        }
    }
}

impl Message<EcoAnswer> for EcoCoordinator {
    type Reply = ();
    async fn handle(&mut self, _: EcoAnswer, _: &mut Context<Self, ()>) {
        self.left -= 1;
        if self.left == 0 {
            self.done.take().unwrap().send(()).unwrap();
        }
    }
}

impl Message<EcoRequest> for EcoWorker {
    type Reply = ();
    async fn handle(&mut self, EcoRequest(coordinator): EcoRequest, _: &mut Context<Self, ()>) {
        coordinator.tell(EcoAnswer).await.unwrap();
    }
}

async fn wait(done: &mut UnboundedReceiver<()>) {
    done.recv().await.expect("the workload finished");
}

#[derive(Actor)]
struct Idle;

/// Keeps what it is sent, and says so.
#[derive(Actor)]
struct Keeper {
    kept: Option<Keep>,
    done: UnboundedSender<()>,
}

#[allow(dead_code)] // held by the member, to be counted
enum Keep {
    Shared(Arc<Vec<u8>>),
    Owned(Vec<u8>),
}

impl Message<Keep> for Keeper {
    type Reply = ();
    async fn handle(&mut self, keep: Keep, _: &mut Context<Self, ()>) {
        self.kept = Some(keep);
        self.done.send(()).unwrap();
    }
}

#[derive(Actor)]
struct Pinger {
    ponger: Option<ActorRef<Ponger>>,
    left: usize,
    done: UnboundedSender<()>,
}

struct Start(ActorRef<Ponger>);
struct Ping;
struct Pong;
struct SetPinger(ActorRef<Pinger>);

impl Message<Start> for Pinger {
    type Reply = ();
    async fn handle(&mut self, Start(ponger): Start, _: &mut Context<Self, ()>) {
        ponger.tell(Ping).await.unwrap();
        self.ponger = Some(ponger);
    }
}

impl Message<Pong> for Pinger {
    type Reply = ();
    async fn handle(&mut self, _: Pong, _: &mut Context<Self, ()>) {
        self.left -= 1;
        if self.left > 0 {
            self.ponger.as_ref().unwrap().tell(Ping).await.unwrap();
        } else {
            self.done.send(()).unwrap();
        }
    }
}

#[derive(Actor)]
struct Ponger {
    pinger: Option<ActorRef<Pinger>>,
}

impl Message<SetPinger> for Ponger {
    type Reply = ();
    async fn handle(&mut self, SetPinger(pinger): SetPinger, _: &mut Context<Self, ()>) {
        self.pinger = Some(pinger);
    }
}

impl Message<Ping> for Ponger {
    type Reply = ();
    async fn handle(&mut self, _: Ping, _: &mut Context<Self, ()>) {
        self.pinger.as_ref().unwrap().tell(Pong).await.unwrap();
    }
}

/// The `ask` workload's actor: answers with what it is asked.
#[derive(Actor)]
struct Echo;

struct Ask(u64);

impl Message<Ask> for Echo {
    type Reply = u64;
    async fn handle(&mut self, Ask(n): Ask, _: &mut Context<Self, u64>) -> u64 {
        n
    }
}

#[derive(Actor)]
struct Counter {
    seen: usize,
    target: usize,
    done: UnboundedSender<()>,
}

struct Count(#[allow(dead_code)] u64);

impl Message<Count> for Counter {
    type Reply = ();
    async fn handle(&mut self, _: Count, _: &mut Context<Self, ()>) {
        self.seen += 1;
        if self.seen == self.target {
            self.done.send(()).unwrap();
        }
    }
}

#[derive(Actor)]
struct Producer;

struct Produce(ActorRef<Counter>, usize);

impl Message<Produce> for Producer {
    type Reply = ();
    async fn handle(&mut self, Produce(to, n): Produce, _: &mut Context<Self, ()>) {
        for i in 0..n {
            to.tell(Count(i as u64)).await.unwrap();
        }
    }
}

#[derive(Actor)]
struct RingMember {
    next: Option<ActorRef<RingMember>>,
    done: UnboundedSender<()>,
}

struct SetNext(ActorRef<RingMember>);
struct Token(usize);

impl Message<SetNext> for RingMember {
    type Reply = ();
    async fn handle(&mut self, SetNext(next): SetNext, _: &mut Context<Self, ()>) {
        self.next = Some(next);
    }
}

impl Message<Token> for RingMember {
    type Reply = ();
    async fn handle(&mut self, Token(hops_left): Token, _: &mut Context<Self, ()>) {
        if hops_left == 0 {
            self.done.send(()).unwrap();
        } else {
            self.next
                .as_ref()
                .unwrap()
                .tell(Token(hops_left - 1))
                .await
                .unwrap();
        }
    }
}

#[derive(Actor)]
struct Worker {
    results: UnboundedSender<u64>,
}

struct Work(u64);

impl Message<Work> for Worker {
    type Reply = ();
    async fn handle(&mut self, Work(n): Work, ctx: &mut Context<Self, ()>) {
        self.results.send(n.wrapping_mul(2654435761) >> 7).unwrap();
        ctx.stop();
    }
}

impl System for Kameo {
    fn run(&self, workload: Workload) -> Option<Duration> {
        let elapsed = crate::tokio_runtime().block_on(async move {
            let (done_tx, mut done) = unbounded_channel();
            match workload {
                Workload::Spawn { n } => {
                    let start = Instant::now();
                    let actors: Vec<_> = (0..n).map(|_| Idle::spawn(Idle)).collect();
                    for actor in &actors {
                        actor.stop_gracefully().await.unwrap();
                    }
                    for actor in &actors {
                        actor.wait_for_shutdown().await;
                    }
                    start.elapsed()
                }
                Workload::PingPong { n } => {
                    let ponger = Ponger::spawn(Ponger { pinger: None });
                    let pinger = Pinger::spawn(Pinger {
                        ponger: None,
                        left: n,
                        done: done_tx,
                    });
                    ponger.ask(SetPinger(pinger.clone())).await.unwrap();
                    let start = Instant::now();
                    pinger.tell(Start(ponger)).await.unwrap();
                    wait(&mut done).await;
                    start.elapsed()
                }
                Workload::Stream { n } | Workload::FanIn { n, .. } => {
                    let senders = match workload {
                        Workload::FanIn { senders, .. } => senders,
                        _ => 1,
                    };
                    let counter = Counter::spawn(Counter {
                        seen: 0,
                        target: n / senders * senders,
                        done: done_tx,
                    });
                    let producers: Vec<_> =
                        (0..senders).map(|_| Producer::spawn(Producer)).collect();
                    let start = Instant::now();
                    for producer in &producers {
                        producer
                            .tell(Produce(counter.clone(), n / senders))
                            .await
                            .unwrap();
                    }
                    wait(&mut done).await;
                    start.elapsed()
                }
                Workload::Ring { actors, hops } => {
                    let members: Vec<_> = (0..actors)
                        .map(|_| {
                            RingMember::spawn(RingMember {
                                next: None,
                                done: done_tx.clone(),
                            })
                        })
                        .collect();
                    for (i, member) in members.iter().enumerate() {
                        member
                            .ask(SetNext(members[(i + 1) % actors].clone()))
                            .await
                            .unwrap();
                    }
                    let start = Instant::now();
                    members[0].tell(Token(hops)).await.unwrap();
                    wait(&mut done).await;
                    start.elapsed()
                }
                Workload::Broadcast {
                    members,
                    bytes,
                    shared,
                } => {
                    let keepers: Vec<_> = (0..members)
                        .map(|_| {
                            Keeper::spawn(Keeper {
                                kept: None,
                                done: done_tx.clone(),
                            })
                        })
                        .collect();
                    let before = crate::alloc::live();
                    let start = Instant::now();
                    // Shared: one `Arc` of the buffer, counted per member.
                    let data = Arc::new(crate::payload(bytes));
                    for keeper in &keepers {
                        let keep = if shared {
                            Keep::Shared(Arc::clone(&data))
                        } else {
                            Keep::Owned((*data).clone())
                        };
                        keeper.tell(keep).await.unwrap();
                    }
                    for _ in 0..members {
                        wait(&mut done).await;
                    }
                    let elapsed = start.elapsed();
                    crate::broadcast_measured(before);
                    elapsed
                }
                Workload::Ask { n, .. } => {
                    // `ask` from a task of the (2-worker) tokio runtime.
                    let echo = Echo::spawn(Echo);
                    tokio::spawn(async move {
                        let start = Instant::now();
                        for i in 0..n as u64 {
                            assert_eq!(echo.ask(Ask(i)).await.unwrap(), i);
                        }
                        start.elapsed()
                    })
                    .await
                    .unwrap()
                }
                Workload::Ecosystem { workers } => {
                    let start = Instant::now();
                    let coordinator = EcoCoordinator::spawn(EcoCoordinator {
                        left: 0,
                        done: None,
                    });
                    let mut pool = Vec::with_capacity(workers);
                    for _ in 0..workers {
                        pool.push(EcoWorker::spawn_link(&coordinator, EcoWorker).await);
                    }
                    coordinator
                        .tell(EcoGo(pool, done_tx.clone()))
                        .await
                        .unwrap();
                    wait(&mut done).await;
                    start.elapsed()
                }
                Workload::ForkJoin { workers } => {
                    let (results_tx, mut results) = unbounded_channel();
                    let start = Instant::now();
                    for i in 0..workers {
                        Worker::spawn(Worker {
                            results: results_tx.clone(),
                        })
                        .tell(Work(i as u64))
                        .await
                        .unwrap();
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
        let bytes = crate::tokio_runtime()
            .block_on(crate::alloc::per_actor_async(actors, || async {
                Idle::spawn(Idle)
            }));
        Some(bytes)
    }
}
