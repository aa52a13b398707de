//! Behaviour of the runtime kernel: delivery, ordering, spawning, panics,
//! fairness and shutdown. These tests assert what happens, never how fast;
//! every wait has a generous deadline so that a bug fails instead of hanging.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;
use std::time::Duration;

use foundation::{
    Actor, ActorOptions, ActorRef, Context, ExitReason, Node, Recipient, SendError, SpawnError,
};

mod common;
use common::{DEADLINE, node, wait_until};

/// Checks per-sender FIFO and counts every message.
struct Collector {
    next: HashMap<usize, u64>,
    total: u64,
    expected: u64,
    done: mpsc::Sender<HashMap<usize, u64>>,
}

/// A message of sender `.0`, numbered `.1`; or a question for the total.
enum Collect {
    Item(usize, u64),
    Total(foundation::ReplyTo<u64>),
}

impl Actor for Collector {
    type Msg = Collect;

    fn handle(&mut self, msg: Collect, _: &mut Context<Self>) {
        let (sender, seq) = match msg {
            Collect::Item(sender, seq) => (sender, seq),
            Collect::Total(reply) => {
                let _ = reply.reply(self.total);
                return;
            }
        };
        let next = self.next.entry(sender).or_insert(0);
        assert_eq!(
            seq, *next,
            "sender {sender}: message {seq} arrived out of order"
        );
        *next += 1;
        self.total += 1;
        if self.total == self.expected {
            self.done.send(self.next.clone()).unwrap();
        }
    }
}

fn blast(schedulers: usize, senders: usize, per_sender: u64) {
    let node = node(schedulers);
    let (tx, rx) = mpsc::channel();
    let collector = node
        .spawn(Collector {
            next: HashMap::new(),
            total: 0,
            expected: senders as u64 * per_sender,
            done: tx,
        })
        .unwrap();
    let start = Arc::new(Barrier::new(senders));
    let threads: Vec<_> = (0..senders)
        .map(|s| {
            let collector = collector.clone();
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                // Past the default high watermark the threads wait for
                // room, in order (ADR 0007).
                for seq in 0..per_sender {
                    collector
                        .send_timeout(Collect::Item(s, seq), DEADLINE)
                        .ok()
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let counts = rx.recv_timeout(DEADLINE).expect("every message arrives");
    assert_eq!(counts.len(), senders);
    for s in 0..senders {
        assert_eq!(counts[&s], per_sender, "sender {s}");
    }
    // Nothing doubled: asked after every send was queued, the total is
    // exactly what was sent.
    assert_eq!(
        collector.call(Collect::Total, DEADLINE),
        Ok(senders as u64 * per_sender)
    );
}

#[test]
fn eight_threads_times_100k_sends_arrive_exactly_once_in_order() {
    blast(2, 8, 100_000);
}

#[test]
fn fifo_per_sender_on_one_scheduler() {
    blast(1, 4, 20_000);
}

struct Stopper {
    stops: Arc<AtomicUsize>,
}

impl Actor for Stopper {
    type Msg = ();
    fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
        ctx.stop();
    }
    fn stopped(&mut self, reason: &ExitReason) {
        assert_eq!(reason, &ExitReason::Normal);
        self.stops.fetch_add(1, SeqCst);
    }
}

#[test]
fn hundred_thousand_actors_spawn_and_stop() {
    const N: usize = 100_000;
    let node = node(2);
    let stops = Arc::new(AtomicUsize::new(0));
    let actors: Vec<_> = (0..N)
        .map(|_| {
            node.spawn(Stopper {
                stops: Arc::clone(&stops),
            })
            .unwrap()
        })
        .collect();
    assert_eq!(node.stats().spawned, N as u64);
    for a in &actors {
        a.send(()).unwrap();
    }
    wait_until("every actor to stop", || node.actor_count() == 0);
    assert_eq!(stops.load(SeqCst), N);
    let stats = node.stats();
    assert_eq!((stats.live, stats.stopped), (0, N as u64));
    assert!(actors.iter().all(|a| !a.is_alive()));
    assert_eq!(actors[7].send(()), Err(SendError::Closed(())));
}

/// Panics on 0, reports everything else.
struct Fragile {
    seen: mpsc::Sender<u32>,
    exit: mpsc::Sender<ExitReason>,
}

impl Actor for Fragile {
    type Msg = u32;
    fn handle(&mut self, n: u32, _: &mut Context<Self>) {
        assert!(n != 0, "zero is not allowed");
        self.seen.send(n).unwrap();
    }
    fn stopped(&mut self, reason: &ExitReason) {
        self.exit.send(reason.clone()).unwrap();
    }
}

#[test]
fn a_panic_stops_only_its_actor_and_hands_later_messages_back() {
    let node = node(2);
    let (seen_tx, seen) = mpsc::channel();
    let (exit_tx, exits) = mpsc::channel();
    let doomed = node
        .spawn(Fragile {
            seen: seen_tx.clone(),
            exit: exit_tx.clone(),
        })
        .unwrap();
    let survivor = node
        .spawn(Fragile {
            seen: seen_tx,
            exit: exit_tx,
        })
        .unwrap();

    doomed.send(0).unwrap();
    let reason = exits.recv_timeout(DEADLINE).unwrap();
    match reason {
        ExitReason::Panic(text) => assert!(text.contains("zero is not allowed"), "{text}"),
        other => panic!("expected a panic exit, got {other:?}"),
    }
    wait_until("the crashed actor to be gone", || node.actor_count() == 1);
    assert!(!doomed.is_alive());
    assert_eq!(doomed.send(5), Err(SendError::Closed(5)));

    survivor.send(42).unwrap();
    assert_eq!(seen.recv_timeout(DEADLINE).unwrap(), 42);
    assert_eq!(node.stats().panics, 1);
    assert!(survivor.is_alive());
}

struct PanicsOnStart;

impl Actor for PanicsOnStart {
    type Msg = ();
    fn started(&mut self, _: &mut Context<Self>) {
        panic!("cannot start");
    }
    fn handle(&mut self, _: (), _: &mut Context<Self>) {
        unreachable!("never started");
    }
}

#[test]
fn a_panic_in_started_stops_the_actor() {
    let node = node(1);
    let actor = node.spawn(PanicsOnStart).unwrap();
    wait_until("the actor to stop", || !actor.is_alive());
    assert_eq!(node.stats().panics, 1);
    // Its mailbox closes a moment before the node forgets it.
    wait_until("the node forgets it", || node.actor_count() == 0);
}

/// One side of an endless rally.
struct Player {
    peer: Option<ActorRef<Player>>,
    rally: Arc<AtomicUsize>,
    halt: Arc<AtomicBool>,
}

enum PlayerMsg {
    Peer(ActorRef<Player>),
    Ball,
}

impl Actor for Player {
    type Msg = PlayerMsg;
    fn handle(&mut self, msg: PlayerMsg, _: &mut Context<Self>) {
        match msg {
            PlayerMsg::Peer(p) => self.peer = Some(p),
            PlayerMsg::Ball => {
                self.rally.fetch_add(1, SeqCst);
                if !self.halt.load(SeqCst) {
                    let _ = self.peer.as_ref().unwrap().send(PlayerMsg::Ball);
                }
            }
        }
    }
}

struct Bystander(mpsc::Sender<usize>, Arc<AtomicUsize>);

impl Actor for Bystander {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {
        self.0.send(self.1.load(SeqCst)).unwrap();
    }
}

fn player(node: &Node, rally: &Arc<AtomicUsize>, halt: &Arc<AtomicBool>) -> ActorRef<Player> {
    node.spawn(Player {
        peer: None,
        rally: Arc::clone(rally),
        halt: Arc::clone(halt),
    })
    .unwrap()
}

#[test]
fn a_chatty_pair_does_not_starve_others_on_one_scheduler() {
    let node = node(1);
    let rally = Arc::new(AtomicUsize::new(0));
    let halt = Arc::new(AtomicBool::new(false));
    let ping = player(&node, &rally, &halt);
    let pong = player(&node, &rally, &halt);
    ping.send(PlayerMsg::Peer(pong.clone())).unwrap();
    pong.send(PlayerMsg::Peer(ping.clone())).unwrap();
    ping.send(PlayerMsg::Ball).unwrap();
    wait_until("the rally to get going", || rally.load(SeqCst) > 10_000);

    // Spawned from inside the node: goes to the busy thread's local queue.
    let (tx, rx) = mpsc::channel();
    struct Spawner(mpsc::Sender<usize>, Arc<AtomicUsize>);
    impl Actor for Spawner {
        type Msg = ();
        fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
            let b = ctx
                .spawn(Bystander(self.0.clone(), Arc::clone(&self.1)))
                .unwrap();
            b.send(()).unwrap();
        }
    }
    // From outside: goes through the injector.
    let outside = node
        .spawn(Bystander(tx.clone(), Arc::clone(&rally)))
        .unwrap();
    outside.send(()).unwrap();
    node.spawn(Spawner(tx, Arc::clone(&rally)))
        .unwrap()
        .send(())
        .unwrap();
    // Both bystanders are served (each reports the rally's count then).
    let served: Vec<usize> = (0..2)
        .map(|_| rx.recv_timeout(DEADLINE).expect("the bystander is served"))
        .collect();
    // The rally was still going when the bystanders were served.
    let before = rally.load(SeqCst);
    wait_until("the rally to go on", || rally.load(SeqCst) > before + 1000);
    assert!(
        served.iter().all(|&at| at <= before),
        "served mid-rally: {served:?}, rally {before}"
    );
    halt.store(true, SeqCst);
}

/// Slow handler, records its stop.
struct Slow {
    handled: Arc<AtomicUsize>,
    exit: mpsc::Sender<ExitReason>,
}

impl Actor for Slow {
    type Msg = u32;
    fn handle(&mut self, _: u32, _: &mut Context<Self>) {
        thread::sleep(Duration::from_micros(200));
        self.handled.fetch_add(1, SeqCst);
    }
    fn stopped(&mut self, reason: &ExitReason) {
        self.exit.send(reason.clone()).unwrap();
    }
}

#[test]
fn shutdown_with_messages_queued_runs_stop_hooks_and_returns() {
    let node = node(2);
    let handled = Arc::new(AtomicUsize::new(0));
    let (tx, exits) = mpsc::channel();
    let actors: Vec<_> = (0..4)
        .map(|_| {
            node.spawn(Slow {
                handled: Arc::clone(&handled),
                exit: tx.clone(),
            })
            .unwrap()
        })
        .collect();
    for a in &actors {
        for i in 0..10_000 {
            a.send(i).unwrap();
        }
    }
    node.shutdown().expect("a clean shutdown");
    for _ in 0..4 {
        assert_eq!(exits.try_recv().unwrap(), ExitReason::Shutdown);
    }
    assert_eq!(node.actor_count(), 0);
    let stats = node.stats();
    assert!(
        handled.load(SeqCst) < 40_000,
        "shutdown does not wait for the queues"
    );
    assert_eq!(
        stats.discarded_messages as usize + handled.load(SeqCst),
        40_000,
        "every message was either handled or counted as discarded"
    );
    // Afterwards: sends hand the message back, spawns are refused.
    assert_eq!(actors[0].send(1), Err(SendError::Closed(1)));
    assert!(matches!(
        node.spawn(Stopper {
            stops: Arc::new(AtomicUsize::new(0))
        }),
        Err(SpawnError::NodeShutdown { .. })
    ));
    // A second shutdown is a no-op.
    node.shutdown().unwrap();
}

#[test]
fn dropping_the_last_node_handle_shuts_down() {
    let (tx, exits) = mpsc::channel();
    let actor = {
        let node = node(2);
        let copy = node.clone();
        let actor = copy
            .spawn(Slow {
                handled: Arc::new(AtomicUsize::new(0)),
                exit: tx,
            })
            .unwrap();
        drop(copy);
        actor
        // `node`, the last handle, drops here.
    };
    assert_eq!(exits.try_recv().unwrap(), ExitReason::Shutdown);
    assert!(!actor.is_alive());
}

/// Waits in its first handler until released; counts the rest.
struct Gate {
    entered: mpsc::Sender<()>,
    release: Option<mpsc::Receiver<()>>,
}

impl Actor for Gate {
    type Msg = u32;
    fn handle(&mut self, _: u32, _: &mut Context<Self>) {
        if let Some(release) = self.release.take() {
            self.entered.send(()).unwrap();
            release.recv().unwrap();
        }
    }
}

#[test]
fn shutdown_discards_a_backlog_of_a_million_in_bulk_within_its_timeout() {
    const BACKLOG: u32 = 1_000_000;
    let node = Node::builder()
        .schedulers(1)
        .shutdown_timeout(Duration::from_millis(200))
        .start()
        .unwrap();
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    // A high watermark above the backlog (ADR 0007).
    let gate = node
        .spawn_with(
            Gate {
                entered: entered_tx,
                release: Some(release_rx),
            },
            ActorOptions::new().mailbox(1 << 21),
        )
        .unwrap();
    gate.send(0).unwrap();
    entered.recv_timeout(DEADLINE).unwrap(); // in its handler
    for i in 1..=BACKLOG {
        gate.send(i).unwrap();
    }
    // The handler returns as shutdown begins; the backlog is discarded.
    let releaser = thread::spawn(move || {
        thread::sleep(Duration::from_millis(1));
        release.send(()).unwrap();
    });
    let result = node.shutdown();
    releaser.join().unwrap();
    assert_eq!(
        result,
        Ok(()),
        "a backlog being discarded is not a stuck actor"
    );
    let letters = node.dead_letters();
    assert_eq!(letters.count(), u64::from(BACKLOG));
    let records = letters.recent();
    assert_eq!(
        records.len(),
        1,
        "one record for the whole backlog: {records:?}"
    );
    assert_eq!(
        (records[0].kind, records[0].count),
        ("u32", u64::from(BACKLOG))
    );
    assert_eq!(node.stats().discarded_messages, u64::from(BACKLOG));
}

#[test]
fn a_zero_shutdown_timeout_reports_only_what_is_still_running() {
    let node = Node::builder()
        .schedulers(2)
        .shutdown_timeout(Duration::ZERO)
        .start()
        .unwrap();
    struct Idle(Arc<AtomicUsize>);
    impl Actor for Idle {
        type Msg = ();
        fn handle(&mut self, _: (), _: &mut Context<Self>) {}
        fn stopped(&mut self, reason: &ExitReason) {
            assert_eq!(reason, &ExitReason::Shutdown);
            self.0.fetch_add(1, SeqCst);
        }
    }
    let stops = Arc::new(AtomicUsize::new(0));
    for _ in 0..100 {
        node.spawn(Idle(Arc::clone(&stops))).unwrap();
    }
    // Idle actors stop as the threads exit: nothing is still running.
    assert_eq!(node.shutdown(), Ok(()));
    assert_eq!(stops.load(SeqCst), 100);
}

/// Holds its node: weakly (from `ctx.node()`), or strongly.
struct HoldsItsNode {
    weak: Option<foundation::WeakNode>,
    strong: Option<Node>,
    keep_strong: bool,
    exit: mpsc::Sender<ExitReason>,
}

impl Actor for HoldsItsNode {
    type Msg = mpsc::Sender<bool>;
    fn started(&mut self, ctx: &mut Context<Self>) {
        let weak = ctx.node();
        if self.keep_strong {
            self.strong = weak.upgrade();
        }
        self.weak = Some(weak);
    }
    fn handle(&mut self, reply: mpsc::Sender<bool>, _: &mut Context<Self>) {
        let reached = self.weak.as_ref().and_then(|w| w.upgrade()).is_some();
        reply.send(reached).unwrap();
    }
    fn stopped(&mut self, reason: &ExitReason) {
        self.exit.send(reason.clone()).unwrap();
    }
}

#[test]
fn a_node_held_only_by_an_actors_weak_handle_shuts_down_when_the_program_drops_its_own() {
    let (exit, exits) = mpsc::channel();
    let node = node(2);
    let actor = node
        .spawn(HoldsItsNode {
            weak: None,
            strong: None,
            keep_strong: false,
            exit,
        })
        .unwrap();
    let (tx, reached) = mpsc::channel();
    actor.send(tx).unwrap();
    assert!(
        reached.recv_timeout(DEADLINE).unwrap(),
        "upgraded while we hold the node"
    );
    drop(node);
    assert_eq!(exits.recv_timeout(DEADLINE).unwrap(), ExitReason::Shutdown);
    assert!(!actor.is_alive());
}

#[test]
fn a_strong_node_inside_an_actor_keeps_it_alive_until_shutdown() {
    let (exit, exits) = mpsc::channel();
    let node = node(1);
    let weak = node.downgrade();
    let actor = node
        .spawn(HoldsItsNode {
            weak: None,
            strong: None,
            keep_strong: true,
            exit,
        })
        .unwrap();
    let (tx, reached) = mpsc::channel();
    actor.send(tx).unwrap();
    assert!(reached.recv_timeout(DEADLINE).unwrap());
    drop(node);
    // As the `Node` docs say: the actor's handle keeps the node running.
    let (tx, reached) = mpsc::channel();
    actor.send(tx).unwrap();
    assert!(reached.recv_timeout(DEADLINE).unwrap());
    assert!(exits.try_recv().is_err());
    weak.upgrade().expect("alive").shutdown().unwrap();
    assert_eq!(exits.recv_timeout(DEADLINE).unwrap(), ExitReason::Shutdown);
}

struct ShutsItsNodeDown(Option<Node>);

impl Actor for ShutsItsNodeDown {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {
        self.0.take().unwrap().shutdown().unwrap();
    }
}

#[test]
fn shutdown_from_inside_a_handler_completes() {
    let node = node(1);
    let (tx, exits) = mpsc::channel();
    node.spawn(Slow {
        handled: Arc::new(AtomicUsize::new(0)),
        exit: tx,
    })
    .unwrap();
    let killer = node.spawn(ShutsItsNodeDown(Some(node.clone()))).unwrap();
    killer.send(()).unwrap();
    assert_eq!(exits.recv_timeout(DEADLINE).unwrap(), ExitReason::Shutdown);
    wait_until("the node to empty", || node.actor_count() == 0);
}

struct Stuck(Arc<AtomicBool>, mpsc::Sender<()>);

impl Actor for Stuck {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {
        self.1.send(()).unwrap(); // inside the handler
        while !self.0.load(SeqCst) {
            thread::sleep(Duration::from_millis(1));
        }
    }
}

#[test]
fn shutdown_gives_up_on_a_stuck_handler_after_its_timeout() {
    let node = Node::builder()
        .schedulers(2)
        .shutdown_timeout(Duration::from_millis(200))
        .start()
        .unwrap();
    let release = Arc::new(AtomicBool::new(false));
    let (entered_tx, entered) = mpsc::channel();
    let stuck = node.spawn(Stuck(Arc::clone(&release), entered_tx)).unwrap();
    stuck.send(()).unwrap();
    entered.recv_timeout(DEADLINE).unwrap();
    let err = node.shutdown().unwrap_err();
    assert_eq!(
        err,
        foundation::ShutdownError::Timeout {
            remaining_actors: 1,
            stuck_schedulers: 1
        }
    );
    // Let the left-behind thread finish: the actor then stops.
    release.store(true, SeqCst);
    wait_until("the stuck actor to stop", || node.actor_count() == 0);
}

struct Relay(Recipient<String>);

impl Actor for Relay {
    type Msg = String;
    fn handle(&mut self, msg: String, _: &mut Context<Self>) {
        self.0.send(format!("{msg}!")).unwrap();
    }
}

struct Sink(mpsc::Sender<String>);

impl Actor for Sink {
    type Msg = String;
    fn handle(&mut self, msg: String, _: &mut Context<Self>) {
        self.0.send(msg).unwrap();
    }
}

#[test]
fn several_nodes_live_in_one_process_and_talk() {
    let a = Node::builder().name("a").schedulers(1).start().unwrap();
    let b = Node::builder().name("b").schedulers(2).start().unwrap();
    assert_ne!(a.id(), b.id());
    let (tx, rx) = mpsc::channel();
    let sink = b.spawn(Sink(tx)).unwrap();
    let relay = a.spawn(Relay(sink.recipient())).unwrap();
    assert_eq!(relay.pid().node(), a.id());
    assert_eq!(sink.pid().node(), b.id());
    for i in 0..100 {
        relay.send(i.to_string()).unwrap();
    }
    for i in 0..100 {
        assert_eq!(rx.recv_timeout(DEADLINE).unwrap(), format!("{i}!"));
    }
    a.shutdown().unwrap();
    assert!(sink.is_alive(), "b is not affected by a's shutdown");
}

#[derive(Debug, PartialEq)]
struct Ping(u32);

enum WideMsg {
    Ping(Ping),
}

impl From<Ping> for WideMsg {
    fn from(p: Ping) -> Self {
        WideMsg::Ping(p)
    }
}

struct Wide;

impl Actor for Wide {
    type Msg = WideMsg;
    fn handle(&mut self, WideMsg::Ping(Ping(n)): WideMsg, ctx: &mut Context<Self>) {
        if n == 1 {
            ctx.stop();
        }
    }
}

#[test]
fn a_recipient_hands_back_the_message_it_was_given() {
    let node = node(1);
    let wide = node.spawn(Wide).unwrap();
    let recipient: Recipient<Ping> = wide.clone().into();
    assert_eq!(recipient.pid(), wide.pid());
    recipient.send(Ping(1)).unwrap();
    wait_until("the actor to stop", || !recipient.is_alive());
    assert_eq!(recipient.send(Ping(2)), Err(SendError::Closed(Ping(2))));
}

struct CountsStarts(Arc<AtomicUsize>, mpsc::Sender<()>);

impl Actor for CountsStarts {
    type Msg = ();
    fn started(&mut self, _: &mut Context<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
    fn handle(&mut self, _: (), _: &mut Context<Self>) {
        assert_eq!(self.0.load(SeqCst), 1, "started ran before this message");
        self.1.send(()).unwrap();
    }
}

#[test]
fn started_runs_once_before_the_first_message() {
    let node = node(2);
    let starts = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel();
    let a = node.spawn(CountsStarts(Arc::clone(&starts), tx)).unwrap();
    for _ in 0..1000 {
        a.send(()).unwrap();
    }
    for _ in 0..1000 {
        rx.recv_timeout(DEADLINE).unwrap();
    }
    assert_eq!(starts.load(SeqCst), 1);
}

struct Echo(mpsc::Sender<u32>);

impl Actor for Echo {
    type Msg = u32;
    fn handle(&mut self, n: u32, _: &mut Context<Self>) {
        self.0.send(n).unwrap();
    }
}

#[test]
fn parked_scheduler_threads_are_always_woken_by_new_work() {
    // Between rounds every scheduler thread spins out and parks; each round's
    // message must wake one, whichever way it arrives.
    let node = Node::builder()
        .schedulers(2)
        .spin_rounds(1)
        .start()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let echoes: Vec<_> = (0..4)
        .map(|_| node.spawn(Echo(tx.clone())).unwrap())
        .collect();
    struct Relay(ActorRef<Echo>);
    impl Actor for Relay {
        type Msg = u32;
        fn handle(&mut self, n: u32, _: &mut Context<Self>) {
            self.0.send(n).unwrap();
        }
    }
    let relay = node.spawn(Relay(echoes[0].clone())).unwrap();
    for round in 0..300u32 {
        thread::sleep(Duration::from_micros(200 + u64::from(round % 7) * 100));
        match round % 3 {
            // From outside, to an idle actor: through the injector.
            0 => echoes[round as usize % 4].send(round).unwrap(),
            // From outside through an actor, which wakes another from a
            // scheduler thread.
            1 => relay.send(round).unwrap(),
            // A spawn from outside.
            _ => node.spawn(Echo(tx.clone())).unwrap().send(round).unwrap(),
        }
        assert_eq!(
            rx.recv_timeout(DEADLINE)
                .expect("a parked thread was woken"),
            round
        );
    }
}

/// An actor woken by a handler goes to that thread's run-next slot, which
/// other threads cannot steal; when the waker goes on to another (here,
/// stuck) handler, the woken actor must not wait for it.
#[test]
fn an_actor_woken_before_a_long_handler_is_not_held_hostage() {
    enum Msg {
        Wake(ActorRef<Echo>),
        Block(mpsc::Receiver<()>),
    }
    struct Waker;
    impl Actor for Waker {
        type Msg = Msg;
        fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
            match msg {
                Msg::Wake(echo) => echo.send(()).unwrap(),
                Msg::Block(latch) => {
                    let _ = latch.recv();
                }
            }
        }
    }
    struct Echo(mpsc::Sender<()>);
    impl Actor for Echo {
        type Msg = ();
        fn handle(&mut self, _: (), _: &mut Context<Self>) {
            self.0.send(()).unwrap();
        }
    }

    let node = node(2);
    let (tx, rx) = mpsc::channel();
    let echo = node.spawn(Echo(tx)).unwrap();
    let waker = node.spawn(Waker).unwrap();
    let (release, latch) = mpsc::channel();
    // Queued together, so they run in one run of the waker: the echo is
    // woken by the first and would sit in the run-next slot during the
    // second.
    waker.send(Msg::Wake(echo.clone())).ok().unwrap();
    waker.send(Msg::Block(latch)).ok().unwrap();
    let heard = rx.recv_timeout(Duration::from_secs(10));
    release.send(()).unwrap();
    assert_eq!(heard, Ok(()), "the echo ran while the waker was blocked");
}

/// The same when the waking is done by the `started` hook and the first
/// message blocks (a supervised child's start acknowledgement wakes its
/// supervisor this way; a supervisor held there could never restart it).
#[test]
fn an_actor_woken_by_a_started_hook_is_not_held_hostage() {
    struct Echo(mpsc::Sender<()>);
    impl Actor for Echo {
        type Msg = ();
        fn handle(&mut self, _: (), _: &mut Context<Self>) {
            self.0.send(()).unwrap();
        }
    }
    struct Starter(ActorRef<Echo>);
    impl Actor for Starter {
        type Msg = mpsc::Receiver<()>;
        fn started(&mut self, _: &mut Context<Self>) {
            self.0.send(()).unwrap();
        }
        fn handle(&mut self, latch: mpsc::Receiver<()>, _: &mut Context<Self>) {
            let _ = latch.recv();
        }
    }

    let node = node(2);
    let (tx, rx) = mpsc::channel();
    let echo = node.spawn(Echo(tx)).unwrap();
    // Let the echo go idle first, so the hook's send wakes it.
    thread::sleep(Duration::from_millis(20));
    let (release, latch) = mpsc::channel();
    // The latch is queued before the first run: it is that run's first
    // message, right after the hook.
    let starter = node.spawn(Starter(echo)).unwrap();
    starter.send(latch).ok().unwrap();
    let heard = rx.recv_timeout(Duration::from_secs(10));
    release.send(()).unwrap();
    assert_eq!(heard, Ok(()), "the echo ran while the starter was blocked");
}

/// Counts what it handles, where a flooding handler can see it.
struct Tally(Arc<AtomicUsize>);

impl Actor for Tally {
    type Msg = u64;
    fn handle(&mut self, _: u64, _: &mut Context<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Floods a `Tally` from one long handler, then waits — still inside that
/// handler — until the tally has handled some of it.
struct Flooder {
    tally: ActorRef<Tally>,
    handled: Arc<AtomicUsize>,
    seen_meanwhile: mpsc::Sender<bool>,
}

impl Actor for Flooder {
    type Msg = usize;
    fn handle(&mut self, n: usize, _: &mut Context<Self>) {
        for i in 0..n {
            self.tally.send(i as u64).unwrap();
        }
        let start = std::time::Instant::now();
        while self.handled.load(SeqCst) == 0 && start.elapsed() < DEADLINE {
            thread::yield_now();
        }
        self.seen_meanwhile
            .send(self.handled.load(SeqCst) > 0)
            .unwrap();
    }
}

#[test]
fn an_actor_flooded_by_a_long_handler_runs_meanwhile_on_an_idle_thread() {
    // The first send wakes the tally into the flooder's thread's run-next
    // slot, which no other thread can take from; once its mailbox holds a
    // backlog it moves to the stealable queue and the idle thread runs it
    // while the flood goes on (instead of after the whole flood).
    let node = node(2);
    let handled = Arc::new(AtomicUsize::new(0));
    let tally = node.spawn(Tally(Arc::clone(&handled))).unwrap();
    let (tx, rx) = mpsc::channel();
    let flooder = node
        .spawn(Flooder {
            tally,
            handled: Arc::clone(&handled),
            seen_meanwhile: tx,
        })
        .unwrap();
    flooder.send(10_000).unwrap();
    assert!(
        rx.recv_timeout(DEADLINE * 2).unwrap(),
        "the tally handled nothing while the flooder's handler ran"
    );
    wait_until("the whole flood is handled", || {
        handled.load(SeqCst) == 10_000
    });
}

#[test]
fn an_actor_woken_by_a_long_handler_that_floods_nobody_runs_meanwhile_on_an_idle_thread() {
    // One message wakes the tally into the sender's thread's run-next slot;
    // then the sender's handler goes on (here: waits for the tally). An
    // idle thread takes the tally from that slot after a short delay,
    // instead of it waiting for the whole handler.
    let node = node(2);
    let handled = Arc::new(AtomicUsize::new(0));
    let tally = node.spawn(Tally(Arc::clone(&handled))).unwrap();
    let (tx, rx) = mpsc::channel();
    let sender = node
        .spawn(Flooder {
            tally,
            handled: Arc::clone(&handled),
            seen_meanwhile: tx,
        })
        .unwrap();
    // Both idle first, so the send wakes the tally (into the run-next slot)
    // and the sender's handler is the first of its run.
    thread::sleep(Duration::from_millis(20));
    sender.send(1).unwrap();
    assert!(
        rx.recv_timeout(DEADLINE * 2).unwrap(),
        "the tally waited for the whole handler of the actor that woke it"
    );
    assert_eq!(handled.load(SeqCst), 1);
}

#[test]
fn a_pid_of_a_reused_slot_prints_readably_and_parses_back() {
    // A stopped actor's slot is reused; the new pid counts the reuse (its
    // generation) and prints it apart: `<node.slot/generation.incarnation>`.
    let node = node(1);
    let first = node.spawn(Tally(Arc::default())).unwrap().pid();
    let mut reused = None;
    for _ in 0..100 {
        let actor = node.spawn(Tally(Arc::default())).unwrap();
        let pid = actor.pid();
        if pid.number() >> 32 > 0 {
            reused = Some(pid);
            break;
        }
        actor.stop();
        wait_until("the actor is gone", || node.actor_count() <= 1);
    }
    let pid = reused.expect("a freed slot was reused within 100 spawns");
    let text = pid.to_string();
    assert!(
        text.contains('/') && text.len() < 20,
        "{text} shows the slot and its generation apart"
    );
    assert_eq!(text.parse::<foundation::Pid>(), Ok(pid));
    assert_ne!(pid, first);
}
