//! ractor 0.16, as its documentation writes actors: an `Actor` with `Msg`,
//! `State` and `Arguments`, `pre_start` building the state, `cast` for
//! fire-and-forget (unbounded mailboxes), on a multi-threaded tokio runtime
//! (one worker per core).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::{System, Workload};

pub struct Ractor;

enum EcoCoordinatorMsg {
    Go(Vec<ActorRef<ActorRef<EcoCoordinatorMsg>>>),
    Answer,
}

/// An ecosystem's coordinator, the workers' supervisor (`spawn_linked`,
/// ractor's supervision): one request to each worker.
struct EcoCoordinator;

struct EcoCoordinatorState {
    left: usize,
    done: UnboundedSender<()>,
}

impl Actor for EcoCoordinator {
    type Msg = EcoCoordinatorMsg;
    type State = EcoCoordinatorState;
    type Arguments = UnboundedSender<()>;

    async fn pre_start(
        &self,
        _: ActorRef<EcoCoordinatorMsg>,
        done: UnboundedSender<()>,
    ) -> Result<EcoCoordinatorState, ActorProcessingErr> {
        Ok(EcoCoordinatorState { left: 0, done })
    }

    async fn handle(
        &self,
        me: ActorRef<EcoCoordinatorMsg>,
        msg: EcoCoordinatorMsg,
        state: &mut EcoCoordinatorState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            EcoCoordinatorMsg::Go(workers) => {
                state.left = workers.len();
                for worker in &workers {
                    worker.cast(me.clone())?;
                }
            }
            EcoCoordinatorMsg::Answer => {
                state.left -= 1;
                if state.left == 0 {
                    state.done.send(())?;
                }
            }
        }
        Ok(())
    }
}

/// An ecosystem's worker: answers a request to the coordinator.
struct EcoWorker;

impl Actor for EcoWorker {
    type Msg = ActorRef<EcoCoordinatorMsg>;
    type State = ();
    type Arguments = ();

    async fn pre_start(&self, _: ActorRef<Self::Msg>, _: ()) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle(
        &self,
        _: ActorRef<Self::Msg>,
        coordinator: ActorRef<EcoCoordinatorMsg>,
        _: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        coordinator.cast(EcoCoordinatorMsg::Answer)?;
        Ok(())
    }
}

async fn wait(done: &mut UnboundedReceiver<()>) {
    done.recv().await.expect("the workload finished");
}

/// The `ask` workload's actor: answers with what it is asked.
struct Echo;

impl Actor for Echo {
    type Msg = (u64, ractor::RpcReplyPort<u64>);
    type State = ();
    type Arguments = ();

    async fn pre_start(&self, _: ActorRef<Self::Msg>, _: ()) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle(
        &self,
        _: ActorRef<Self::Msg>,
        (n, reply): Self::Msg,
        _: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        let _ = reply.send(n);
        Ok(())
    }
}

struct Idle;

impl Actor for Idle {
    type Msg = ();
    type State = ();
    type Arguments = ();

    async fn pre_start(&self, _: ActorRef<()>, _: ()) -> Result<(), ActorProcessingErr> {
        Ok(())
    }
}

enum PingerMsg {
    Start(ActorRef<PongerMsg>),
    Pong,
}

struct PingerState {
    ponger: Option<ActorRef<PongerMsg>>,
    left: usize,
    done: UnboundedSender<()>,
}

struct Pinger;

impl Actor for Pinger {
    type Msg = PingerMsg;
    type State = PingerState;
    type Arguments = PingerState;

    async fn pre_start(
        &self,
        _: ActorRef<PingerMsg>,
        state: PingerState,
    ) -> Result<PingerState, ActorProcessingErr> {
        Ok(state)
    }

    async fn handle(
        &self,
        _: ActorRef<PingerMsg>,
        msg: PingerMsg,
        state: &mut PingerState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            PingerMsg::Start(ponger) => {
                ponger.cast(PongerMsg::Ping)?;
                state.ponger = Some(ponger);
            }
            PingerMsg::Pong => {
                state.left -= 1;
                if state.left > 0 {
                    state.ponger.as_ref().unwrap().cast(PongerMsg::Ping)?;
                } else {
                    state.done.send(())?;
                }
            }
        }
        Ok(())
    }
}

enum PongerMsg {
    SetPinger(ActorRef<PingerMsg>),
    Ping,
}

struct Ponger;

impl Actor for Ponger {
    type Msg = PongerMsg;
    type State = Option<ActorRef<PingerMsg>>;
    type Arguments = ();

    async fn pre_start(
        &self,
        _: ActorRef<PongerMsg>,
        _: (),
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(None)
    }

    async fn handle(
        &self,
        _: ActorRef<PongerMsg>,
        msg: PongerMsg,
        pinger: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            PongerMsg::SetPinger(p) => *pinger = Some(p),
            PongerMsg::Ping => pinger.as_ref().unwrap().cast(PingerMsg::Pong)?,
        }
        Ok(())
    }
}

struct CounterState {
    seen: usize,
    target: usize,
    done: UnboundedSender<()>,
}

struct Counter;

impl Actor for Counter {
    type Msg = u64;
    type State = CounterState;
    type Arguments = CounterState;

    async fn pre_start(
        &self,
        _: ActorRef<u64>,
        state: CounterState,
    ) -> Result<CounterState, ActorProcessingErr> {
        Ok(state)
    }

    async fn handle(
        &self,
        _: ActorRef<u64>,
        _: u64,
        state: &mut CounterState,
    ) -> Result<(), ActorProcessingErr> {
        state.seen += 1;
        if state.seen == state.target {
            state.done.send(())?;
        }
        Ok(())
    }
}

struct Producer;

impl Actor for Producer {
    type Msg = (ActorRef<u64>, usize);
    type State = ();
    type Arguments = ();

    async fn pre_start(&self, _: ActorRef<Self::Msg>, _: ()) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle(
        &self,
        _: ActorRef<Self::Msg>,
        (to, n): Self::Msg,
        _: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        for i in 0..n {
            to.cast(i as u64)?;
        }
        Ok(())
    }
}

enum RingMsg {
    SetNext(ActorRef<RingMsg>),
    Token(usize),
}

struct RingState {
    next: Option<ActorRef<RingMsg>>,
    done: UnboundedSender<()>,
}

struct RingMember;

impl Actor for RingMember {
    type Msg = RingMsg;
    type State = RingState;
    type Arguments = UnboundedSender<()>;

    async fn pre_start(
        &self,
        _: ActorRef<RingMsg>,
        done: UnboundedSender<()>,
    ) -> Result<RingState, ActorProcessingErr> {
        Ok(RingState { next: None, done })
    }

    async fn handle(
        &self,
        _: ActorRef<RingMsg>,
        msg: RingMsg,
        state: &mut RingState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            RingMsg::SetNext(next) => state.next = Some(next),
            RingMsg::Token(0) => state.done.send(())?,
            RingMsg::Token(hops_left) => state
                .next
                .as_ref()
                .unwrap()
                .cast(RingMsg::Token(hops_left - 1))?,
        }
        Ok(())
    }
}

/// Keeps what it is sent (its state), and says so.
struct Keeper;

#[allow(dead_code)] // held by the member, to be counted
enum Keep {
    Shared(Arc<Vec<u8>>),
    Owned(Vec<u8>),
}

impl Actor for Keeper {
    type Msg = Keep;
    type State = (Option<Keep>, UnboundedSender<()>);
    type Arguments = UnboundedSender<()>;

    async fn pre_start(
        &self,
        _: ActorRef<Keep>,
        done: UnboundedSender<()>,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok((None, done))
    }

    async fn handle(
        &self,
        _: ActorRef<Keep>,
        keep: Keep,
        (kept, done): &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        *kept = Some(keep);
        done.send(())?;
        Ok(())
    }
}

struct Worker;

impl Actor for Worker {
    type Msg = u64;
    type State = UnboundedSender<u64>;
    type Arguments = UnboundedSender<u64>;

    async fn pre_start(
        &self,
        _: ActorRef<u64>,
        results: UnboundedSender<u64>,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(results)
    }

    async fn handle(
        &self,
        myself: ActorRef<u64>,
        n: u64,
        results: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        results.send(n.wrapping_mul(2654435761) >> 7)?;
        myself.stop(None);
        Ok(())
    }
}

impl System for Ractor {
    fn run(&self, workload: Workload) -> Option<Duration> {
        let elapsed = crate::tokio_runtime().block_on(async move {
            let (done_tx, mut done) = unbounded_channel();
            match workload {
                Workload::Spawn { n } => {
                    let start = Instant::now();
                    let mut actors = Vec::with_capacity(n);
                    for _ in 0..n {
                        actors.push(Actor::spawn(None, Idle, ()).await.unwrap());
                    }
                    for (actor, _) in &actors {
                        actor.stop(None);
                    }
                    for (_, handle) in actors {
                        handle.await.unwrap();
                    }
                    start.elapsed()
                }
                Workload::PingPong { n } => {
                    let (ponger, _) = Actor::spawn(None, Ponger, ()).await.unwrap();
                    let state = PingerState {
                        ponger: None,
                        left: n,
                        done: done_tx,
                    };
                    let (pinger, _) = Actor::spawn(None, Pinger, state).await.unwrap();
                    ponger.cast(PongerMsg::SetPinger(pinger.clone())).unwrap();
                    let start = Instant::now();
                    pinger.cast(PingerMsg::Start(ponger)).unwrap();
                    wait(&mut done).await;
                    start.elapsed()
                }
                Workload::Stream { n } | Workload::FanIn { n, .. } => {
                    let senders = match workload {
                        Workload::FanIn { senders, .. } => senders,
                        _ => 1,
                    };
                    let state = CounterState {
                        seen: 0,
                        target: n / senders * senders,
                        done: done_tx,
                    };
                    let (counter, _) = Actor::spawn(None, Counter, state).await.unwrap();
                    let mut producers = Vec::with_capacity(senders);
                    for _ in 0..senders {
                        producers.push(Actor::spawn(None, Producer, ()).await.unwrap().0);
                    }
                    let start = Instant::now();
                    for producer in &producers {
                        producer.cast((counter.clone(), n / senders)).unwrap();
                    }
                    wait(&mut done).await;
                    start.elapsed()
                }
                Workload::Ring { actors, hops } => {
                    let mut members = Vec::with_capacity(actors);
                    for _ in 0..actors {
                        members.push(
                            Actor::spawn(None, RingMember, done_tx.clone())
                                .await
                                .unwrap()
                                .0,
                        );
                    }
                    for (i, member) in members.iter().enumerate() {
                        member
                            .cast(RingMsg::SetNext(members[(i + 1) % actors].clone()))
                            .unwrap();
                    }
                    let start = Instant::now();
                    members[0].cast(RingMsg::Token(hops)).unwrap();
                    wait(&mut done).await;
                    start.elapsed()
                }
                Workload::Broadcast {
                    members,
                    bytes,
                    shared,
                } => {
                    let mut keepers = Vec::with_capacity(members);
                    for _ in 0..members {
                        let (keeper, _) =
                            Actor::spawn(None, Keeper, done_tx.clone()).await.unwrap();
                        keepers.push(keeper);
                    }
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
                        keeper.cast(keep).unwrap();
                    }
                    for _ in 0..members {
                        wait(&mut done).await;
                    }
                    let elapsed = start.elapsed();
                    crate::broadcast_measured(before);
                    for keeper in &keepers {
                        keeper.stop(None);
                    }
                    elapsed
                }
                Workload::Ask { n, .. } => {
                    // `call!` from a task of the (2-worker) tokio runtime.
                    let (echo, _) = Actor::spawn(None, Echo, ()).await.unwrap();
                    tokio::spawn(async move {
                        let start = Instant::now();
                        for i in 0..n as u64 {
                            assert_eq!(ractor::call!(echo, |reply| (i, reply)).unwrap(), i);
                        }
                        let elapsed = start.elapsed();
                        echo.stop(None);
                        elapsed
                    })
                    .await
                    .unwrap()
                }
                Workload::Ecosystem { workers } => {
                    let start = Instant::now();
                    let (coordinator, _) = Actor::spawn(None, EcoCoordinator, done_tx.clone())
                        .await
                        .unwrap();
                    let mut pool = Vec::with_capacity(workers);
                    for _ in 0..workers {
                        let (worker, _) =
                            Actor::spawn_linked(None, EcoWorker, (), coordinator.get_cell())
                                .await
                                .unwrap();
                        pool.push(worker);
                    }
                    coordinator.cast(EcoCoordinatorMsg::Go(pool)).unwrap();
                    wait(&mut done).await;
                    let elapsed = start.elapsed();
                    coordinator.stop(None);
                    elapsed
                }
                Workload::ForkJoin { workers } => {
                    let (results_tx, mut results) = unbounded_channel();
                    let start = Instant::now();
                    for i in 0..workers {
                        let (worker, _) = Actor::spawn(None, Worker, results_tx.clone())
                            .await
                            .unwrap();
                        worker.cast(i as u64).unwrap();
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
                Actor::spawn(None, Idle, ()).await.unwrap()
            }));
        Some(bytes)
    }
}
