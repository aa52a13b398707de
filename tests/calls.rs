//! Calls, requests, deferred replies, timers and blocking actors. Timeouts
//! and timers run on a `ManualClock` where a test needs to control time, so
//! nothing here sleeps to make something happen; every wait has a deadline
//! so that a bug fails instead of hanging.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use foundation::{
    Actor, ActorOptions, ActorRef, CallError, Context, ManualClock, Node, ReplyTo, TimerError,
    TimerRef,
};

const LONG: Duration = Duration::from_secs(60);

mod common;
use common::wait_until;

fn node(schedulers: usize) -> Node {
    Node::builder().schedulers(schedulers).start().unwrap()
}

fn manual_node(clock: &ManualClock, schedulers: usize) -> Node {
    Node::builder()
        .schedulers(schedulers)
        .clock(clock.clone())
        .start()
        .unwrap()
}

/// A service with every way of (not) answering.
enum Svc {
    Double(u64, ReplyTo<u64>),
    Panic(ReplyTo<u64>),
    Drop(ReplyTo<u64>),
    /// Keep the reply for later; tell the test it arrived.
    Hold(ReplyTo<u64>, mpsc::Sender<()>),
    /// Answer every held reply.
    ReleaseAll(u64),
    Stop,
}

#[derive(Default)]
struct Service {
    held: Vec<ReplyTo<u64>>,
}

impl Actor for Service {
    type Msg = Svc;
    fn handle(&mut self, msg: Svc, ctx: &mut Context<Self>) {
        match msg {
            Svc::Double(n, reply) => {
                let _ = reply.reply(n * 2);
            }
            Svc::Panic(_reply) => panic!("service failure"),
            Svc::Drop(reply) => drop(reply),
            Svc::Hold(reply, arrived) => {
                self.held.push(reply);
                arrived.send(()).unwrap();
            }
            Svc::ReleaseAll(v) => {
                for reply in self.held.drain(..) {
                    let _ = reply.reply(v);
                }
            }
            Svc::Stop => ctx.stop(),
        }
    }
}

#[test]
fn a_call_returns_the_reply() {
    let node = node(2);
    let svc = node.spawn(Service::default()).unwrap();
    for n in 0..1000 {
        assert_eq!(svc.call(|r| Svc::Double(n, r), LONG), Ok(2 * n));
    }
}

#[test]
fn calls_fail_at_once_on_stopped_panicking_and_dropping_actors() {
    let node = node(2);
    let svc = node.spawn(Service::default()).unwrap();
    // Each of these would wait a minute if it waited for the timeout; the
    // test finishing at all shows they do not.
    assert_eq!(svc.call(Svc::Drop, LONG), Err(CallError::Dropped));
    assert_eq!(svc.call(Svc::Panic, LONG), Err(CallError::Panicked));
    assert_eq!(
        svc.call(|r| Svc::Double(1, r), LONG),
        Err(CallError::Stopped)
    );

    let other = node.spawn(Service::default()).unwrap();
    other.send(Svc::Stop).ok().unwrap();
    wait_until("the other actor to stop", || !other.is_alive());
    assert_eq!(
        other.call(|r| Svc::Double(1, r), LONG),
        Err(CallError::Stopped)
    );
}

#[test]
fn held_replies_fail_with_stopped_when_the_actor_stops() {
    let node = node(2);
    let svc = node.spawn(Service::default()).unwrap();
    let (arrived, wait) = mpsc::channel();
    let caller = {
        let svc = svc.clone();
        thread::spawn(move || svc.call(|r| Svc::Hold(r, arrived), LONG))
    };
    wait.recv_timeout(LONG).unwrap();
    svc.send(Svc::Stop).ok().unwrap();
    assert_eq!(caller.join().unwrap(), Err(CallError::Stopped));
}

#[test]
fn a_slow_actor_times_out_on_the_test_clock() {
    let clock = ManualClock::new();
    let node = manual_node(&clock, 2);
    let svc = node.spawn(Service::default()).unwrap();
    let (arrived, wait) = mpsc::channel();
    let caller = {
        let svc = svc.clone();
        thread::spawn(move || svc.call(|r| Svc::Hold(r, arrived), Duration::from_secs(5)))
    };
    wait.recv_timeout(LONG).unwrap();
    clock.advance(Duration::from_secs(4));
    thread::sleep(Duration::from_millis(20));
    assert!(!caller.is_finished(), "4 of 5 seconds: still waiting");
    clock.advance(Duration::from_secs(1));
    assert_eq!(caller.join().unwrap(), Err(CallError::Timeout));
}

/// Holds each request and advances the test clock by `0` from inside its
/// handler — which a call from a plain thread may run on the calling
/// thread itself (ADR 0010 §1).
struct Advancer(ManualClock, Duration, Vec<ReplyTo<u64>>);

impl Actor for Advancer {
    type Msg = ReplyTo<u64>;
    fn handle(&mut self, reply: ReplyTo<u64>, _: &mut Context<Self>) {
        self.2.push(reply);
        self.0.advance(self.1);
    }
}

/// The timeout starts before the request is handled: a handler that moves
/// the test clock past it times the call out, blocking or async, even when
/// the caller's own thread runs the handler.
#[test]
fn a_timeout_armed_before_the_handler_runs_fires_when_it_moves_the_clock() {
    let clock = ManualClock::new();
    let node = manual_node(&clock, 1);
    let second = Duration::from_secs(1);
    let advancer = node
        .spawn(Advancer(clock.clone(), second, Vec::new()))
        .unwrap();
    for _ in 0..20 {
        let caller = {
            let advancer = advancer.clone();
            thread::spawn(move || advancer.call(|r| r, second))
        };
        wait_until("the call times out", || caller.is_finished());
        assert_eq!(caller.join().unwrap(), Err(CallError::Timeout));
        let future = advancer.call_async(|r| r, second);
        assert_eq!(common::block_on(future), Err(CallError::Timeout));
    }
    node.shutdown().unwrap();
}

/// Hands every request's `ReplyTo` to the test.
struct Forward(mpsc::Sender<ReplyTo<u64>>);

impl Actor for Forward {
    type Msg = ReplyTo<u64>;
    fn handle(&mut self, reply: ReplyTo<u64>, _: &mut Context<Self>) {
        self.0.send(reply).unwrap();
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_reply_after_the_timeout_is_handed_back_to_the_replier() {
    let clock = ManualClock::new();
    let node = manual_node(&clock, 1);
    let (tx, replies) = mpsc::channel();
    let forward = node.spawn(Forward(tx)).unwrap();
    let future = forward.call_async(|r| r, Duration::from_secs(1));
    let held = replies.recv_timeout(LONG).unwrap();
    assert!(held.is_waiting());
    clock.advance(Duration::from_secs(1));
    assert_eq!(future.await, Err(CallError::Timeout));
    assert!(!held.is_waiting());
    assert_eq!(held.reply(7), Err(7));

    // A dropped future abandons its call the same way.
    let future = forward.call_async(|r| r, LONG);
    let held = replies.recv_timeout(LONG).unwrap();
    drop(future);
    assert_eq!(held.reply(8), Err(8));
}

/// Makes a blocking call to the service when told, and reports the outcome.
struct Caller(ActorRef<Service>, mpsc::Sender<Result<u64, CallError>>);

impl Actor for Caller {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {
        self.1
            .send(self.0.call(|r| Svc::Double(2, r), LONG))
            .unwrap();
    }
}

#[test]
fn a_blocking_call_inside_a_handler_is_refused_not_deadlocked() {
    let node = node(1);
    let svc = node.spawn(Service::default()).unwrap();
    let (tx, rx) = mpsc::channel();
    node.spawn(Caller(svc, tx)).unwrap().send(()).unwrap();
    assert_eq!(rx.recv_timeout(LONG).unwrap(), Err(CallError::Deadlock));
}

#[test]
fn a_blocking_actor_may_call() {
    let node = node(1);
    let svc = node.spawn(Service::default()).unwrap();
    let (tx, rx) = mpsc::channel();
    let caller = node
        .spawn_with(Caller(svc, tx), ActorOptions::new().blocking(true))
        .unwrap();
    caller.send(()).unwrap();
    assert_eq!(rx.recv_timeout(LONG).unwrap(), Ok(4));
}

// ------------------------------------------------------------ requests

/// Forwards a question to the next hop (if any) and answers with the next
/// hop's answer plus one, all through requests: a chain on one thread.
struct Hop {
    next: Option<ActorRef<Hop>>,
}

impl Actor for Hop {
    type Msg = ReplyTo<u32>;
    fn handle(&mut self, reply: ReplyTo<u32>, ctx: &mut Context<Self>) {
        match &self.next {
            None => {
                let _ = reply.reply(0);
            }
            Some(next) => ctx.request(next, |r| r).then(move |_, _, answer| {
                let _ = reply.reply(answer.unwrap() + 1);
            }),
        }
    }
}

#[test]
fn nested_requests_complete_on_one_scheduler_thread() {
    let node = node(1);
    let mut next = None;
    for _ in 0..50 {
        next = Some(node.spawn(Hop { next }).unwrap());
    }
    let head = next.unwrap();
    assert_eq!(head.call(|r| r, LONG), Ok(49));
}

/// Two actors that ask each other: each must keep serving while it waits.
enum PeerMsg {
    Peer(ActorRef<Peer>),
    /// From the test: ask the peer, report the answer.
    Go(mpsc::Sender<Result<String, CallError>>),
    /// From the peer: answer, after asking back.
    Ask(ReplyTo<String>, u32),
}

struct Peer {
    name: &'static str,
    peer: Option<ActorRef<Peer>>,
}

impl Actor for Peer {
    type Msg = PeerMsg;
    fn handle(&mut self, msg: PeerMsg, ctx: &mut Context<Self>) {
        match msg {
            PeerMsg::Peer(p) => self.peer = Some(p),
            PeerMsg::Go(report) => {
                let peer = self.peer.clone().unwrap();
                ctx.request(&peer, |r| PeerMsg::Ask(r, 1))
                    .then(move |_, _, answer| report.send(answer).unwrap());
            }
            PeerMsg::Ask(reply, 0) => {
                let _ = reply.reply(self.name.to_string());
            }
            PeerMsg::Ask(reply, depth) => {
                // Ask the asker back: a request cycle.
                let peer = self.peer.clone().unwrap();
                let me = self.name;
                ctx.request(&peer, move |r| PeerMsg::Ask(r, depth - 1))
                    .then(move |_, _, answer| {
                        let _ = reply.reply(format!("{me}<-{}", answer.unwrap()));
                    });
            }
        }
    }
}

#[test]
fn a_request_cycle_completes_on_one_scheduler_thread() {
    let node = node(1);
    let a = node
        .spawn(Peer {
            name: "a",
            peer: None,
        })
        .unwrap();
    let b = node
        .spawn(Peer {
            name: "b",
            peer: None,
        })
        .unwrap();
    a.send(PeerMsg::Peer(b.clone())).ok().unwrap();
    b.send(PeerMsg::Peer(a.clone())).ok().unwrap();
    let (tx, rx) = mpsc::channel();
    a.send(PeerMsg::Go(tx)).ok().unwrap();
    assert_eq!(rx.recv_timeout(LONG).unwrap(), Ok("b<-a".to_string()));
}

/// Asks `target` with a timeout and reports the outcome.
struct Asker {
    target: ActorRef<Service>,
    timeout: Duration,
    report: mpsc::Sender<Result<u64, CallError>>,
    served_meanwhile: Arc<AtomicUsize>,
}

enum AskerMsg {
    Ask(mpsc::Sender<()>),
    Ping,
}

impl Actor for Asker {
    type Msg = AskerMsg;
    fn handle(&mut self, msg: AskerMsg, ctx: &mut Context<Self>) {
        match msg {
            AskerMsg::Ask(arrived) => {
                let report = self.report.clone();
                ctx.request(&self.target, |r| Svc::Hold(r, arrived))
                    .timeout(self.timeout)
                    .then(move |_, _, outcome| report.send(outcome).unwrap());
            }
            AskerMsg::Ping => {
                self.served_meanwhile.fetch_add(1, SeqCst);
            }
        }
    }
}

#[test]
fn a_request_times_out_on_the_test_clock_while_the_asker_keeps_serving() {
    let clock = ManualClock::new();
    let node = manual_node(&clock, 1);
    let svc = node.spawn(Service::default()).unwrap();
    let (tx, rx) = mpsc::channel();
    let served = Arc::new(AtomicUsize::new(0));
    let asker = node
        .spawn(Asker {
            target: svc.clone(),
            timeout: Duration::from_millis(100),
            report: tx,
            served_meanwhile: Arc::clone(&served),
        })
        .unwrap();
    let (arrived, wait) = mpsc::channel();
    asker.send(AskerMsg::Ask(arrived)).ok().unwrap();
    wait.recv_timeout(LONG).unwrap();
    for _ in 0..10 {
        asker.send(AskerMsg::Ping).ok().unwrap();
    }
    wait_until("ten served", || served.load(SeqCst) >= 10);
    assert!(rx.try_recv().is_err(), "no outcome before the timeout");
    clock.advance(Duration::from_millis(100));
    assert_eq!(rx.recv_timeout(LONG).unwrap(), Err(CallError::Timeout));
    // A reply after the timeout is not delivered a second time.
    svc.send(Svc::ReleaseAll(1)).ok().unwrap();
    assert_eq!(svc.call(|r| Svc::Double(1, r), LONG), Ok(2));
    assert!(rx.try_recv().is_err());
}

#[test]
fn a_request_to_a_stopped_actor_fails_at_once() {
    let node = node(1);
    let svc = node.spawn(Service::default()).unwrap();
    svc.send(Svc::Stop).ok().unwrap();
    wait_until("the service to stop", || !svc.is_alive());
    let (tx, rx) = mpsc::channel();
    let asker = node
        .spawn(Asker {
            target: svc,
            timeout: LONG,
            report: tx,
            served_meanwhile: Arc::new(AtomicUsize::new(0)),
        })
        .unwrap();
    let (arrived, _wait) = mpsc::channel();
    asker.send(AskerMsg::Ask(arrived)).ok().unwrap();
    assert_eq!(rx.recv_timeout(LONG).unwrap(), Err(CallError::Stopped));
}

// ------------------------------------------------------------ the caller runs the actor

/// Tells which thread ran each of its handlers, and does what it is asked
/// there.
enum Where {
    /// Answer with the handling thread's id.
    Thread(ReplyTo<thread::ThreadId>),
    /// Make a blocking call to `0` from inside the handler.
    CallFrom(ActorRef<Service>, ReplyTo<Result<u64, CallError>>),
    /// Tell the test the handler is in, then block until released.
    Block(mpsc::Sender<()>, mpsc::Receiver<()>, ReplyTo<()>),
    /// Shut the node down from inside the handler.
    Shutdown(Node, ReplyTo<bool>),
}

struct Here;

impl Actor for Here {
    type Msg = Where;
    fn handle(&mut self, msg: Where, _: &mut Context<Self>) {
        match msg {
            Where::Thread(reply) => {
                let _ = reply.reply(thread::current().id());
            }
            Where::CallFrom(svc, reply) => {
                let _ = reply.reply(svc.call(|r| Svc::Double(1, r), LONG));
            }
            Where::Block(entered, release, reply) => {
                entered.send(()).unwrap();
                let _ = release.recv();
                let _ = reply.reply(());
            }
            Where::Shutdown(node, reply) => {
                let _ = reply.reply(node.shutdown().is_ok());
            }
        }
    }
}

/// Calls `here` until one is handled on this thread: a scheduler thread
/// may still hold the actor a moment after its start (or after a call it
/// answered), and an actor that is not idle is not taken. Once one call
/// ran here the actor was left idle by this thread.
fn until_run_here(here: &ActorRef<Here>) {
    let me = thread::current().id();
    wait_until("a call runs on this thread", || {
        here.call(Where::Thread, LONG) == Ok(me)
    });
}

/// A call to an idle actor from a plain thread is handled on that thread
/// (ADR 0010 §1): no scheduler thread is woken, the reply is ready when
/// the request is in. The future of `call_async` too.
#[test]
fn a_call_to_an_idle_actor_runs_on_the_calling_thread() {
    let node = node(2);
    let here = node.spawn(Here).unwrap();
    until_run_here(&here);
    let me = thread::current().id();
    for _ in 0..100 {
        assert_eq!(here.call(Where::Thread, LONG), Ok(me));
    }
    assert_eq!(
        common::block_on(here.call_async(Where::Thread, LONG)),
        Ok(me)
    );
    // Answered before `call_async` returned: it armed no timeout.
    assert_eq!(node.stats().timers, 0);
    node.shutdown().unwrap();
}

/// While it runs an actor, the calling thread is one of the node's: a
/// blocking call in the handler is refused as on a scheduler thread, and
/// `Node::shutdown` from the handler does not wait for the handler itself.
#[test]
fn a_handler_run_by_its_caller_is_held_to_the_scheduler_rules() {
    let node = node(1);
    let here = node.spawn(Here).unwrap();
    let svc = node.spawn(Service::default()).unwrap();
    until_run_here(&here);
    assert_eq!(
        here.call(|r| Where::CallFrom(svc.clone(), r), LONG),
        Ok(Err(CallError::Deadlock))
    );
    until_run_here(&here);
    assert_eq!(
        here.call(|r| Where::Shutdown(node.clone(), r), LONG),
        Ok(true)
    );
    wait_until("the node shuts down", || node.actor_count() == 0);
}

/// An actor already running elsewhere is not taken: the request waits its
/// turn in the mailbox and a scheduler thread answers it.
#[test]
fn a_call_to_a_busy_actor_is_answered_by_a_scheduler_thread() {
    let node = node(2);
    let here = node.spawn(Here).unwrap();
    let (entered_tx, entered) = mpsc::channel();
    let (release, latch) = mpsc::channel();
    let blocked = {
        let here = here.clone();
        thread::spawn(move || here.call(|r| Where::Block(entered_tx, latch, r), LONG))
    };
    entered.recv_timeout(LONG).unwrap();
    let asker = {
        let here = here.clone();
        thread::spawn(move || (thread::current().id(), here.call(Where::Thread, LONG)))
    };
    wait_until("the request is queued", || here.mailbox_len() == 1);
    release.send(()).unwrap();
    let (asker_id, answered_on) = asker.join().unwrap();
    assert_ne!(answered_on.unwrap(), asker_id);
    assert_eq!(blocked.join().unwrap(), Ok(()));
    node.shutdown().unwrap();
}

/// A blocking actor's handler calling another actor does not run it on its
/// own thread (that thread is inside an actor already).
#[test]
fn a_blocking_actors_call_is_answered_by_a_scheduler_thread() {
    struct Asker(
        ActorRef<Here>,
        mpsc::Sender<(thread::ThreadId, thread::ThreadId)>,
    );
    impl Actor for Asker {
        type Msg = ();
        fn handle(&mut self, _: (), _: &mut Context<Self>) {
            let ran_on = self.0.call(Where::Thread, LONG).unwrap();
            self.1.send((thread::current().id(), ran_on)).unwrap();
        }
    }
    let node = node(1);
    let here = node.spawn(Here).unwrap();
    let (tx, rx) = mpsc::channel();
    let asker = node
        .spawn_with(Asker(here, tx), ActorOptions::new().blocking(true))
        .unwrap();
    asker.send(()).unwrap();
    let (asker_thread, ran_on) = rx.recv_timeout(LONG).unwrap();
    assert_ne!(asker_thread, ran_on);
    node.shutdown().unwrap();
}

/// A kill of an actor stuck in a handler its caller runs: the killer takes
/// the actor over at once, no scheduler thread is replaced (none is held),
/// and the caller, once the handler returns, has its answer.
#[test]
fn a_kill_of_a_handler_run_by_its_caller_replaces_no_scheduler_thread() {
    let node = node(1);
    let here = node.spawn(Here).unwrap();
    let (entered_tx, entered) = mpsc::channel();
    let (release, latch) = mpsc::channel();
    let caller = {
        let here = here.clone();
        thread::spawn(move || {
            until_run_here(&here);
            here.call(|r| Where::Block(entered_tx, latch, r), LONG)
        })
    };
    entered.recv_timeout(LONG).unwrap();
    assert!(here.kill());
    wait_until("the actor is gone", || !here.is_alive());
    assert_eq!(node.stats().replaced_schedulers, 0);
    release.send(()).unwrap();
    assert_eq!(caller.join().unwrap(), Ok(()));
    // The node's one scheduler thread serves as before.
    let svc = node.spawn(Service::default()).unwrap();
    assert_eq!(svc.call(|r| Svc::Double(3, r), LONG), Ok(6));
    node.shutdown().unwrap();
}

/// A panic in a handler its caller runs stops the actor as anywhere else:
/// the call fails with `Panicked`, the caller's thread goes on.
#[test]
fn a_panic_in_a_handler_run_by_its_caller_is_the_actors() {
    let node = node(1);
    let svc = node.spawn(Service::default()).unwrap();
    assert_eq!(svc.call(|r| Svc::Double(1, r), LONG), Ok(2));
    assert_eq!(svc.call(Svc::Panic, LONG), Err(CallError::Panicked));
    wait_until("the actor stops", || !svc.is_alive());
    assert_eq!(node.stats().panics, 1);
    assert_eq!(
        svc.call(|r| Svc::Double(1, r), LONG),
        Err(CallError::Stopped)
    );
    node.shutdown().unwrap();
}

/// Eight plain threads call one actor at once while another actor floods
/// it with sends: runs on the callers' threads race runs on the scheduler
/// threads for the same actor. Every call gets its own answer, once, and
/// every message is handled once.
#[test]
fn callers_running_an_actor_race_the_scheduler_threads_safely() {
    /// Counts the sends it gets and doubles what it is asked.
    #[derive(Default)]
    struct Counter(u64);
    enum Count {
        Bump,
        Double(u64, ReplyTo<u64>),
        Total(ReplyTo<u64>),
    }
    impl Actor for Counter {
        type Msg = Count;
        fn handle(&mut self, msg: Count, _: &mut Context<Self>) {
            match msg {
                Count::Bump => self.0 += 1,
                Count::Double(n, reply) => {
                    let _ = reply.reply(2 * n);
                }
                Count::Total(reply) => {
                    let _ = reply.reply(self.0);
                }
            }
        }
    }
    /// Sends `Bump`s to the counter from a scheduler thread.
    struct Flood(ActorRef<Counter>);
    impl Actor for Flood {
        type Msg = u64;
        fn handle(&mut self, n: u64, _: &mut Context<Self>) {
            for _ in 0..n {
                self.0.send(Count::Bump).ok().unwrap();
            }
        }
    }
    let node = node(2);
    let counter = node.spawn(Counter::default()).unwrap();
    let flood = node.spawn(Flood(counter.clone())).unwrap();
    for _ in 0..20 {
        flood.send(1_000).unwrap();
    }
    let answered: u64 = common::race((0..8u64).map(|t| {
        let counter = counter.clone();
        move || {
            for i in 0..2_000u64 {
                let n = t * 10_000 + i;
                assert_eq!(counter.call(|r| Count::Double(n, r), LONG), Ok(2 * n));
            }
            2_000
        }
    }))
    .into_iter()
    .sum();
    assert_eq!(answered, 16_000);
    wait_until("every bump is handled", || {
        counter.call(Count::Total, LONG) == Ok(20_000)
    });
    node.shutdown().unwrap();
}

// ------------------------------------------------------------ async

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_async_from_tokio() {
    let node = node(2);
    let svc = node.spawn(Service::default()).unwrap();
    let mut answers = Vec::new();
    for n in 0..100 {
        answers.push(svc.call_async(move |r| Svc::Double(n, r), LONG));
    }
    for (n, answer) in answers.into_iter().enumerate() {
        assert_eq!(answer.await, Ok(2 * n as u64));
    }
    assert_eq!(
        svc.call_async(Svc::Panic, LONG).await,
        Err(CallError::Panicked)
    );
    assert_eq!(
        svc.call_async(|r| Svc::Double(1, r), LONG).await,
        Err(CallError::Stopped)
    );
}

/// 10,000 calls from 100 tasks at once (issue 19): every one answered,
/// exactly once, with its own answer — the first poll's spin finds some
/// replies, the waker the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_calls_from_100_tasks_are_each_answered_once() {
    let node = node(2);
    let svc = node.spawn(Service::default()).unwrap();
    let tasks: Vec<_> = (0..100u64)
        .map(|task| {
            let svc = svc.clone();
            tokio::spawn(async move {
                let mut sum = 0;
                for i in 0..100u64 {
                    let n = task * 100 + i;
                    assert_eq!(
                        svc.call_async(move |r| Svc::Double(n, r), LONG).await,
                        Ok(2 * n)
                    );
                    sum += 1;
                }
                sum
            })
        })
        .collect();
    let mut answered = 0;
    for task in tasks {
        answered += task.await.unwrap();
    }
    assert_eq!(answered, 10_000);
    assert_eq!(svc.messages_handled(), 10_000);
}

/// A reply that comes after the first poll's spin reaches the task through
/// its waker, on a single-threaded runtime too (the spin holds the thread
/// at most 20 µs, then the task parks and the runtime runs others).
#[tokio::test(flavor = "current_thread")]
async fn a_late_reply_wakes_a_parked_task_on_a_current_thread_runtime() {
    let node = node(1);
    let svc = node.spawn(Service::default()).unwrap();
    let (arrived, wait) = mpsc::channel();
    let future = svc.call_async(|r| Svc::Hold(r, arrived), LONG);
    let releaser = {
        let svc = svc.clone();
        thread::spawn(move || {
            wait.recv_timeout(LONG).unwrap();
            thread::sleep(Duration::from_millis(20));
            svc.send(Svc::ReleaseAll(7)).ok().unwrap();
        })
    };
    // Another task on the same thread runs while the call waits.
    let other = tokio::spawn(async { 40 + 2 });
    assert_eq!(future.await, Ok(7));
    assert_eq!(other.await.unwrap(), 42);
    releaser.join().unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn call_async_times_out_on_the_test_clock() {
    let clock = ManualClock::new();
    let node = manual_node(&clock, 1);
    let svc = node.spawn(Service::default()).unwrap();
    let (arrived, wait) = mpsc::channel();
    let future = svc.call_async(|r| Svc::Hold(r, arrived), Duration::from_secs(1));
    let advancer = thread::spawn(move || {
        wait.recv_timeout(LONG).unwrap();
        clock.advance(Duration::from_secs(1));
    });
    assert_eq!(future.await, Err(CallError::Timeout));
    advancer.join().unwrap();
}

/// A reply value that counts its live copies: a slot that leaked would
/// keep one alive.
struct Counted(Arc<AtomicUsize>);

impl Counted {
    fn new(live: &Arc<AtomicUsize>) -> Self {
        live.fetch_add(1, SeqCst);
        Counted(Arc::clone(live))
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, SeqCst);
    }
}

/// Holds requests until told to answer them all.
enum Holding {
    Hold(ReplyTo<Counted>),
    Answer(Arc<AtomicUsize>),
}

#[derive(Default)]
struct Holder(Vec<ReplyTo<Counted>>);

impl Actor for Holder {
    type Msg = Holding;
    fn handle(&mut self, msg: Holding, _: &mut Context<Self>) {
        match msg {
            Holding::Hold(reply) => self.0.push(reply),
            Holding::Answer(live) => {
                for reply in self.0.drain(..) {
                    // A caller gone hands the value back: dropped here.
                    let _ = reply.reply(Counted::new(&live));
                }
            }
        }
    }
}

/// Calls answered, timed out, dropped before and after their answer: every
/// reply value is dropped, and once every deadline has passed the node's
/// timer entries are back to none (issue 19: no leaked reply slots).
async fn calls_leave_nothing_behind() {
    let clock = ManualClock::new();
    let node = manual_node(&clock, 1);
    let holder = node.spawn(Holder::default()).unwrap();
    let live = Arc::new(AtomicUsize::new(0));
    let second = Duration::from_secs(1);
    let call = || holder.call_async(Holding::Hold, second);
    let held = |n: u64| wait_until("the requests are held", || holder.messages_handled() == n);

    // Dropped before the answer.
    let dropped: Vec<_> = (0..50).map(|_| call()).collect();
    held(50);
    drop(dropped);
    // Dropped after it: the answer waits in the slot, unread.
    let unread: Vec<_> = (0..50).map(|_| call()).collect();
    // Answered and read.
    let answered: Vec<_> = (0..50).map(|_| call()).collect();
    held(150);
    holder
        .send(Holding::Answer(Arc::clone(&live)))
        .ok()
        .unwrap();
    for future in answered {
        assert!(future.await.is_ok());
    }
    drop(unread);
    // Timed out, then answered late.
    let late: Vec<_> = (0..50).map(|_| call()).collect();
    held(201);
    assert!(node.stats().timers > 0);
    clock.advance(second);
    for future in late {
        assert_eq!(future.await.err(), Some(CallError::Timeout));
    }
    holder
        .send(Holding::Answer(Arc::clone(&live)))
        .ok()
        .unwrap();
    wait_until("the late answers", || holder.messages_handled() == 202);
    clock.advance(second);
    assert_eq!(live.load(SeqCst), 0, "every reply value dropped");
    assert_eq!(node.stats().timers, 0, "every timer entry gone");
    node.shutdown().unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn call_async_leaves_nothing_behind_on_a_current_thread_runtime() {
    calls_leave_nothing_behind().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_async_leaves_nothing_behind_on_a_multi_thread_runtime() {
    calls_leave_nothing_behind().await;
}

/// Answers a request with the output of a future it pipes to `io`.
#[cfg(not(feature = "tokio"))]
struct Relay(foundation::Spawner);

#[cfg(not(feature = "tokio"))]
impl Actor for Relay {
    type Msg = ReplyTo<u64>;
    fn handle(&mut self, reply: ReplyTo<u64>, ctx: &mut Context<Self>) {
        ctx.pipe(&self.0, async { 7 }).then(move |_, _, out| {
            let _ = reply.reply(out.unwrap());
        });
    }
}

/// Without the `tokio` feature (foundation::tokio documents both): a
/// blocking call on a tokio runtime's thread holds that thread. On a
/// multi-thread runtime the call works; on a current-thread runtime whose
/// only thread the answer needs, it ends with its timeout — an error, not
/// a hang.
#[cfg(not(feature = "tokio"))]
#[test]
fn a_blocking_call_on_a_tokio_thread_holds_it_until_the_reply_or_the_timeout() {
    let node = node(1);
    let svc = node.spawn(Service::default()).unwrap();
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let answer = multi.block_on(async {
        let svc = svc.clone();
        tokio::spawn(async move { svc.call(|r| Svc::Double(4, r), LONG) })
            .await
            .unwrap()
    });
    assert_eq!(answer, Ok(8));

    let single = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let handle = single.handle().clone();
    let relay = node
        .spawn(Relay(foundation::Spawner::new(move |f| {
            handle.spawn(f);
        })))
        .unwrap();
    let outcome = single.block_on(async { relay.call(|r| r, Duration::from_millis(200)) });
    assert_eq!(outcome, Err(CallError::Timeout));
    // Once the thread is free the piped future runs, and its late answer
    // is handed back: nothing is stuck.
    single.block_on(async {
        let answer = relay.call_async(|r| r, LONG).await;
        assert_eq!(answer, Ok(7));
    });
    node.shutdown().unwrap();
}

// ------------------------------------------------------------ timers

enum TimedMsg {
    Tick(u32),
    Probe(mpsc::Sender<Vec<u32>>),
    Arm(Duration, u32, mpsc::Sender<TimerRef>),
    Every(Duration, mpsc::Sender<Result<TimerRef, TimerError>>),
}

#[derive(Default)]
struct Timed {
    ticks: Vec<u32>,
}

impl Actor for Timed {
    type Msg = TimedMsg;
    fn handle(&mut self, msg: TimedMsg, ctx: &mut Context<Self>) {
        match msg {
            TimedMsg::Tick(n) => self.ticks.push(n),
            TimedMsg::Probe(reply) => reply.send(self.ticks.clone()).unwrap(),
            TimedMsg::Arm(delay, n, reply) => reply
                .send(ctx.send_after(delay, TimedMsg::Tick(n)))
                .unwrap(),
            TimedMsg::Every(period, reply) => {
                let mut n = 100;
                reply
                    .send(ctx.send_interval(period, move || {
                        n += 1;
                        TimedMsg::Tick(n)
                    }))
                    .unwrap()
            }
        }
    }
}

/// What the actor has received so far. A probe queues behind any timer
/// message already delivered, so this sees every timer that fired.
fn ticks(actor: &ActorRef<Timed>) -> Vec<u32> {
    let (tx, rx) = mpsc::channel();
    actor.send(TimedMsg::Probe(tx)).ok().unwrap();
    rx.recv_timeout(LONG).unwrap()
}

fn arm(actor: &ActorRef<Timed>, delay_ms: u64, n: u32) -> TimerRef {
    let (tx, rx) = mpsc::channel();
    actor
        .send(TimedMsg::Arm(Duration::from_millis(delay_ms), n, tx))
        .ok()
        .unwrap();
    rx.recv_timeout(LONG).unwrap()
}

#[test]
fn send_after_fires_when_the_test_clock_says_so_in_deadline_order() {
    let clock = ManualClock::new();
    let node = manual_node(&clock, 2);
    let timed = node.spawn(Timed::default()).unwrap();
    arm(&timed, 300, 3);
    arm(&timed, 100, 1);
    arm(&timed, 200, 2);
    clock.advance(Duration::from_millis(99));
    assert_eq!(ticks(&timed), Vec::<u32>::new());
    clock.advance(Duration::from_millis(1));
    assert_eq!(ticks(&timed), [1]);
    clock.advance(Duration::from_millis(1000));
    assert_eq!(ticks(&timed), [1, 2, 3]);
}

#[test]
fn cancelled_timers_never_fire() {
    let clock = ManualClock::new();
    let node = manual_node(&clock, 1);
    let timed = node.spawn(Timed::default()).unwrap();
    let keep = arm(&timed, 10, 1);
    let cancel = arm(&timed, 10, 2);
    assert!(cancel.cancel());
    assert!(!cancel.is_pending());
    clock.advance(Duration::from_millis(10));
    assert_eq!(ticks(&timed), [1]);
    assert!(!keep.cancel(), "already fired");
}

#[test]
fn send_interval_fires_once_per_period_until_cancelled() {
    let clock = ManualClock::new();
    let node = manual_node(&clock, 1);
    let timed = node.spawn(Timed::default()).unwrap();
    let (tx, rx) = mpsc::channel();
    timed
        .send(TimedMsg::Every(Duration::from_millis(10), tx))
        .ok()
        .unwrap();
    let interval = rx.recv_timeout(LONG).unwrap().unwrap();
    for _ in 0..5 {
        clock.advance(Duration::from_millis(5));
    }
    assert_eq!(ticks(&timed), [101, 102]);
    clock.advance(Duration::from_millis(10));
    assert_eq!(ticks(&timed), [101, 102, 103]);
    // 45 ms at once: one tick, and the next a period after now.
    clock.advance(Duration::from_millis(45));
    assert_eq!(ticks(&timed), [101, 102, 103, 104]);
    clock.advance(Duration::from_millis(9));
    assert_eq!(ticks(&timed), [101, 102, 103, 104]);
    clock.advance(Duration::from_millis(1));
    assert_eq!(ticks(&timed), [101, 102, 103, 104, 105]);
    assert!(interval.cancel());
    clock.advance(Duration::from_millis(100));
    assert_eq!(ticks(&timed), [101, 102, 103, 104, 105]);
}

#[test]
fn a_zero_interval_is_refused_and_starves_no_other_timer() {
    let clock = ManualClock::new();
    let node = manual_node(&clock, 1);
    let timed = node.spawn(Timed::default()).unwrap();
    let (tx, rx) = mpsc::channel();
    timed
        .send(TimedMsg::Every(Duration::ZERO, tx))
        .ok()
        .unwrap();
    assert_eq!(
        rx.recv_timeout(LONG).unwrap().err(),
        Some(TimerError::ZeroPeriod)
    );
    // The shortest interval there is does not hold up the other timers.
    let (tx, rx) = mpsc::channel();
    timed
        .send(TimedMsg::Every(Duration::from_nanos(1), tx))
        .ok()
        .unwrap();
    let fast = rx.recv_timeout(LONG).unwrap().unwrap();
    arm(&timed, 50, 7);
    clock.advance(Duration::from_millis(50));
    let seen = ticks(&timed);
    assert!(seen.contains(&7), "{seen:?}");
    assert_eq!(
        seen.iter().filter(|&&n| n > 100).count(),
        1,
        "one tick per advance: {seen:?}"
    );
    fast.cancel();
}

#[test]
fn timers_on_the_system_clock_fire_without_help() {
    let node = node(1);
    let timed = node.spawn(Timed::default()).unwrap();
    timed.send_after(Duration::from_millis(1), TimedMsg::Tick(9));
    let start = std::time::Instant::now();
    while ticks(&timed).is_empty() {
        assert!(start.elapsed() < LONG);
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(ticks(&timed), [9]);
}

// ------------------------------------------------------------ blocking

/// Blocks its thread until released.
struct Blocker {
    release: mpsc::Receiver<()>,
    blocked: Arc<AtomicBool>,
}

impl Actor for Blocker {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {
        self.blocked.store(true, SeqCst);
        self.release.recv_timeout(LONG).unwrap();
        self.blocked.store(false, SeqCst);
    }
}

#[test]
fn a_blocking_actor_blocks_only_its_own_thread() {
    let node = node(1);
    let (release, released) = mpsc::channel();
    let blocked = Arc::new(AtomicBool::new(false));
    let blocker = node
        .spawn_with(
            Blocker {
                release: released,
                blocked: Arc::clone(&blocked),
            },
            ActorOptions::new().blocking(true),
        )
        .unwrap();
    blocker.send(()).unwrap();
    wait_until("the blocking handler to block", || blocked.load(SeqCst));
    // 1,000 ordinary actors on the one scheduler thread are all served while
    // the blocking actor sits in its handler.
    let services: Vec<_> = (0..1000)
        .map(|_| node.spawn(Service::default()).unwrap())
        .collect();
    for (n, svc) in services.iter().enumerate() {
        assert_eq!(
            svc.call(|r| Svc::Double(n as u64, r), LONG),
            Ok(2 * n as u64)
        );
    }
    assert!(
        blocked.load(SeqCst),
        "still blocked while the others were served"
    );
    release.send(()).unwrap();
    wait_until("the blocking handler to return", || !blocked.load(SeqCst));
    node.shutdown().unwrap();
    assert!(!blocker.is_alive());
}

// ------------------------------------------------------------ races

/// Replies after a little busy work, so replies and timeouts race; counts
/// the replies its callers took (a caller that gave up refuses its reply),
/// but not those to `PROBE`, which a test sends last to know that every
/// count before it is made.
struct Jittery(Arc<AtomicU64>);

const PROBE: u64 = u64::MAX;

impl Actor for Jittery {
    type Msg = (u64, ReplyTo<u64>);
    fn handle(&mut self, (n, reply): (u64, ReplyTo<u64>), _: &mut Context<Self>) {
        let mut x = n;
        for _ in 0..(n % 64) * 50 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        if reply.reply(n).is_ok() && n != PROBE {
            self.0.fetch_add(1, SeqCst);
        }
    }
}

#[test]
fn replies_racing_timeouts_give_each_caller_exactly_one_outcome() {
    let node = node(2);
    let taken = Arc::new(AtomicU64::new(0));
    let jittery = node.spawn(Jittery(Arc::clone(&taken))).unwrap();
    let callers: Vec<_> = (0..4u64)
        .map(|t| {
            let jittery = jittery.clone();
            thread::spawn(move || {
                let (mut ok, mut timed_out) = (0, 0);
                for i in 0..2_000u64 {
                    let n = t * 10_000 + i;
                    let timeout = Duration::from_micros(i % 40);
                    match jittery.call(|r| (n, r), timeout) {
                        Ok(v) => {
                            assert_eq!(v, n, "a reply reached the wrong caller");
                            ok += 1;
                        }
                        Err(CallError::Timeout) => timed_out += 1,
                        Err(other) => panic!("unexpected {other:?}"),
                    }
                }
                (ok, timed_out)
            })
        })
        .collect();
    let mut answered = 0;
    for c in callers {
        let (ok, _timed_out) = c.join().unwrap();
        answered += ok;
    }
    // Asked after every request was queued: the node is still healthy,
    // and every reply the actor got through is one a caller received —
    // none was lost, none reached a caller that had timed out.
    assert_eq!(jittery.call(|r| (PROBE, r), LONG), Ok(PROBE));
    assert_eq!(taken.load(SeqCst), answered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_futures_racing_replies_do_not_disturb_the_awaited_ones() {
    let node = node(2);
    let taken = Arc::new(AtomicU64::new(0));
    let jittery = node.spawn(Jittery(Arc::clone(&taken))).unwrap();
    for round in 0..200u64 {
        let futures: Vec<_> = (0..20)
            .map(|i| jittery.call_async(move |r| (round * 100 + i, r), LONG))
            .collect();
        // Await half, drop the other half while their replies are in flight.
        for (i, f) in futures.into_iter().enumerate() {
            if i % 2 == 0 {
                assert_eq!(f.await, Ok(round * 100 + i as u64));
            }
        }
    }
    assert_eq!(jittery.call_async(|r| (PROBE, r), LONG).await, Ok(PROBE));
    // Every awaited reply was taken; a dropped future's reply may or may
    // not have been (it races the drop), never more than were asked for.
    let taken = taken.load(SeqCst);
    assert!((200 * 10..=200 * 20).contains(&taken), "{taken}");
}
