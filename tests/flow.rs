//! Flow control, `manual` mode (ADR 0007): a bounded mailbox holds at most
//! its bound, refuses more with the very message sent, lets a plain thread
//! wait for room, and says what the runtime's own messages (timers, calls,
//! group broadcasts, a supervisor's restart) do at a full mailbox. Every
//! wait has a deadline.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use foundation::{
    Actor, ActorOptions, ActorRef, CallError, ChildSpec, Context, Flow, Node, ReplyTo, SendError,
    SpawnError, SupervisorSpec,
};

mod common;
use common::{DEADLINE, T, wait_until};

/// What the consumer saw.
#[derive(Clone, Default)]
struct Seen {
    values: Arc<Mutex<Vec<u64>>>,
    /// The deepest queue the consumer found behind a message it took.
    peak: Arc<AtomicUsize>,
}

enum Msg {
    Value(u64),
    /// Holds the consumer until the gate opens (or its sender goes).
    Hold(mpsc::Sender<()>, mpsc::Receiver<()>),
    Crash,
    Count(ReplyTo<usize>),
}

impl From<u64> for Msg {
    fn from(n: u64) -> Msg {
        Msg::Value(n)
    }
}

struct Consumer {
    seen: Seen,
    /// Slows each value down, so that producers outrun the consumer.
    pause: Duration,
}

impl Actor for Consumer {
    type Msg = Msg;
    fn handle(&mut self, msg: Msg, ctx: &mut Context<Self>) {
        self.seen.peak.fetch_max(ctx.mailbox_len(), Relaxed);
        match msg {
            Msg::Value(n) => {
                self.seen.values.lock().unwrap().push(n);
                if !self.pause.is_zero() {
                    std::thread::sleep(self.pause);
                }
            }
            Msg::Hold(entered, gate) => {
                entered.send(()).unwrap();
                let _ = gate.recv_timeout(DEADLINE);
            }
            Msg::Crash => panic!("crash on request"),
            Msg::Count(reply) => {
                let _ = reply.reply(self.seen.values.lock().unwrap().len());
            }
        }
    }
}

fn manual(bound: u32) -> ActorOptions {
    ActorOptions::new().flow(Flow::Manual).mailbox(bound)
}

fn consumer(node: &Node, bound: u32, pause: Duration) -> (ActorRef<Consumer>, Seen) {
    let seen = Seen::default();
    let actor = Consumer {
        seen: seen.clone(),
        pause,
    };
    (node.spawn_with(actor, manual(bound)).unwrap(), seen)
}

/// Holds `consumer` inside a handler and returns the gate that releases it.
fn hold(consumer: &ActorRef<Consumer>) -> mpsc::Sender<()> {
    let (entered_tx, entered) = mpsc::channel();
    let (release, gate) = mpsc::channel();
    consumer.send(Msg::Hold(entered_tx, gate)).ok().unwrap();
    entered.recv_timeout(DEADLINE).unwrap();
    release
}

/// Fills a held consumer's mailbox to its bound with values `from..`.
fn fill(consumer: &ActorRef<Consumer>, bound: u32, from: u64) {
    for n in from..from + u64::from(bound) {
        consumer.send(Msg::Value(n)).ok().unwrap();
    }
    assert_eq!(consumer.mailbox_len(), bound as usize);
}

fn values(seen: &Seen) -> Vec<u64> {
    seen.values.lock().unwrap().clone()
}

#[test]
fn a_fast_producer_waits_for_a_slow_bounded_consumer_and_nothing_is_lost() {
    let node = common::node(2);
    let (consumer, seen) = consumer(&node, 8, Duration::from_micros(20));
    let mut deepest = 0;
    for n in 0..2_000 {
        consumer.send_timeout(Msg::Value(n), T).ok().unwrap();
        deepest = deepest.max(consumer.mailbox_len());
    }
    assert_eq!(consumer.call(Msg::Count, T), Ok(2_000));
    assert_eq!(
        values(&seen),
        (0..2_000).collect::<Vec<_>>(),
        "in order, once each"
    );
    assert!(deepest <= 8, "the producer saw {deepest} queued");
    assert!(
        seen.peak.load(Relaxed) <= 8,
        "the consumer saw {} queued",
        seen.peak.load(Relaxed)
    );
    node.shutdown().unwrap();
}

#[test]
fn producers_that_resend_what_full_hands_back_lose_and_double_nothing() {
    let node = common::node(2);
    let (consumer, seen) = consumer(&node, 4, Duration::from_micros(50));
    let fulls = Arc::new(AtomicUsize::new(0));
    std::thread::scope(|s| {
        for p in 0..4u64 {
            let consumer = consumer.clone();
            let fulls = Arc::clone(&fulls);
            s.spawn(move || {
                for i in 0..500 {
                    let mut msg = Msg::Value(p * 1_000 + i);
                    loop {
                        match consumer.try_send(msg) {
                            Ok(()) => break,
                            Err(SendError::Full(back)) => {
                                fulls.fetch_add(1, Relaxed);
                                msg = back;
                                std::thread::yield_now();
                            }
                            Err(other) => panic!("{other:?}"),
                        }
                    }
                }
            });
        }
    });
    assert_eq!(consumer.call(Msg::Count, T), Ok(2_000));
    let got: BTreeSet<u64> = values(&seen).into_iter().collect();
    let sent: BTreeSet<u64> = (0..4u64)
        .flat_map(|p| (0..500).map(move |i| p * 1_000 + i))
        .collect();
    assert_eq!(got.len(), 2_000, "no value twice");
    assert_eq!(got, sent);
    assert!(fulls.load(Relaxed) > 0, "the bound was reached");
    assert!(seen.peak.load(Relaxed) <= 4);
    node.shutdown().unwrap();
}

#[test]
fn several_producers_waiting_for_room_all_get_through() {
    let node = common::node(2);
    let (consumer, seen) = consumer(&node, 4, Duration::from_micros(20));
    std::thread::scope(|s| {
        for p in 0..4u64 {
            let consumer = consumer.clone();
            s.spawn(move || {
                for i in 0..500 {
                    // A lost wake-up would leave this waiting until `T`.
                    consumer
                        .send_timeout(Msg::Value(p * 1_000 + i), T)
                        .ok()
                        .unwrap();
                }
            });
        }
    });
    assert_eq!(consumer.call(Msg::Count, T), Ok(2_000));
    let mut got = values(&seen);
    // Each producer's values arrive in its order.
    for p in 0..4u64 {
        let mine: Vec<u64> = got.iter().copied().filter(|v| v / 1_000 == p).collect();
        assert_eq!(mine, (0..500).map(|i| p * 1_000 + i).collect::<Vec<_>>());
    }
    got.sort_unstable();
    got.dedup();
    assert_eq!(got.len(), 2_000);
    assert!(seen.peak.load(Relaxed) <= 4);
    node.shutdown().unwrap();
}

#[test]
fn full_hands_back_the_very_message_and_send_never_waits() {
    let node = common::node(2);
    let (consumer, _seen) = consumer(&node, 2, Duration::ZERO);
    let release = hold(&consumer);
    fill(&consumer, 2, 0);
    let Err(SendError::Full(Msg::Value(back))) = consumer.send(Msg::Value(77)) else {
        panic!("a full mailbox refuses");
    };
    assert_eq!(back, 77);
    let Err(SendError::Full(Msg::Value(back))) = consumer.try_send(Msg::Value(78)) else {
        panic!("a full mailbox refuses");
    };
    assert_eq!(back, 78);
    // A recipient goes through the same bound.
    let recipient = consumer.recipient::<Msg>();
    assert!(matches!(
        recipient.send(Msg::Value(79)),
        Err(SendError::Full(Msg::Value(79)))
    ));
    release.send(()).unwrap();
    assert_eq!(consumer.call(Msg::Count, T), Ok(2));
    node.shutdown().unwrap();
}

#[test]
fn send_timeout_times_out_is_refused_on_a_scheduler_and_hears_of_a_stop() {
    let node = common::node(2);
    let (consumer, _seen) = consumer(&node, 1, Duration::ZERO);
    let release = hold(&consumer);
    fill(&consumer, 1, 0);
    assert!(matches!(
        consumer.send_timeout(Msg::Value(5), Duration::from_millis(5)),
        Err(SendError::Timeout(Msg::Value(5)))
    ));

    // Inside a handler: refused at once, whether or not there is room.
    struct Sender(ActorRef<Consumer>, mpsc::Sender<Option<u64>>);
    impl Actor for Sender {
        type Msg = ();
        fn handle(&mut self, (): (), _: &mut Context<Self>) {
            let back = match self.0.send_timeout(Msg::Value(6), T) {
                Err(SendError::WouldBlock(Msg::Value(n))) => Some(n),
                _ => None,
            };
            self.1.send(back).unwrap();
        }
    }
    let (tx, rx) = mpsc::channel();
    node.spawn(Sender(consumer.clone(), tx))
        .unwrap()
        .send(())
        .ok()
        .unwrap();
    assert_eq!(rx.recv_timeout(DEADLINE).unwrap(), Some(6));

    // A thread waiting for room hears of the actor's end at once.
    let waiter = {
        let consumer = consumer.clone();
        std::thread::spawn(move || consumer.send_timeout(Msg::Value(7), DEADLINE))
    };
    // Whether the kill comes before the waiter's first try, while it waits
    // or between its tries, it must come back with `Closed`; a pause makes
    // "while it waits" the likely case.
    std::thread::sleep(Duration::from_millis(20));
    assert!(consumer.kill());
    let result = waiter.join().unwrap();
    assert!(
        matches!(result, Err(SendError::Closed(Msg::Value(7)))),
        "{result:?}"
    );
    drop(release);
    node.shutdown().unwrap();
}

#[test]
fn a_call_to_a_full_mailbox_is_overloaded_or_waits_for_room() {
    let node = common::node(2);
    let (consumer, _seen) = consumer(&node, 2, Duration::ZERO);
    let release = hold(&consumer);
    fill(&consumer, 2, 0);
    // A future or a continuation cannot wait for room.
    let future = consumer.call_async(Msg::Count, T);
    assert_eq!(common::block_on(future), Err(CallError::Overloaded));
    assert!(consumer.is_alive());
    // A blocking call waits for room within its timeout.
    assert_eq!(
        consumer.call(Msg::Count, Duration::from_millis(5)),
        Err(CallError::Timeout)
    );
    release.send(()).unwrap();
    assert_eq!(consumer.call(Msg::Count, T), Ok(2));
    node.shutdown().unwrap();
}

#[test]
fn a_timer_is_delivered_past_the_bound_and_a_broadcast_is_refused() {
    let node = common::node(2);
    let (consumer, seen) = consumer(&node, 2, Duration::ZERO);
    let group = node.groups().group::<u64>("consumers").unwrap();
    assert_eq!(group.join(consumer.recipient::<u64>()), Ok(true));
    let release = hold(&consumer);
    fill(&consumer, 2, 0);

    // The timer's message was accepted when it was set.
    consumer.send_after(Duration::from_millis(1), Msg::Value(100));
    wait_until("the timer fires", || consumer.mailbox_len() == 3);

    // A broadcast's refused copy comes back, with its reason.
    let broadcast = group.broadcast(200);
    assert_eq!(broadcast.delivered, 0);
    assert_eq!(broadcast.refused.len(), 1);
    assert_eq!(broadcast.refused[0].1, SendError::Full(200));

    release.send(()).unwrap();
    assert_eq!(consumer.call(Msg::Count, T), Ok(3));
    assert_eq!(values(&seen), vec![0, 1, 100]);
    node.shutdown().unwrap();
}

#[test]
fn a_supervised_bounded_actor_restarts_with_its_queue_and_its_bound() {
    let node = common::node(2);
    let seen = Seen::default();
    let factory_seen = seen.clone();
    let spec = SupervisorSpec::default().child(
        ChildSpec::new("bounded", move || Consumer {
            seen: factory_seen.clone(),
            pause: Duration::ZERO,
        })
        .options(manual(3)),
    );
    let supervisor = spec.spawn(&node).unwrap();
    let child: ActorRef<Consumer> = supervisor.child("bounded").unwrap().unwrap();

    let release = hold(&child);
    child.send(Msg::Crash).ok().unwrap();
    fill_after_crash(&child);
    release.send(()).unwrap();
    // The crash restarts it; the next incarnation handles what was queued.
    assert_eq!(child.call(Msg::Count, T), Ok(2));
    assert_eq!(values(&seen), vec![10, 11]);
    assert_eq!(node.stats().panics, 1);

    // The bound holds in the new incarnation.
    let release = hold(&child);
    fill(&child, 3, 20);
    assert!(matches!(
        child.send(Msg::Value(99)),
        Err(SendError::Full(_))
    ));
    release.send(()).unwrap();
    assert_eq!(child.call(Msg::Count, T), Ok(5));
    node.shutdown().unwrap();
}

/// Behind a queued `Crash`, two values fill a mailbox of 3.
fn fill_after_crash(child: &ActorRef<Consumer>) {
    child.send(Msg::Value(10)).ok().unwrap();
    child.send(Msg::Value(11)).ok().unwrap();
    assert_eq!(child.mailbox_len(), 3);
    assert!(matches!(
        child.send(Msg::Value(12)),
        Err(SendError::Full(_))
    ));
}

#[test]
fn bad_options_are_refused_at_spawn() {
    let node = common::node(1);
    let spawn = |options: ActorOptions| {
        node.spawn_with(
            Consumer {
                seen: Seen::default(),
                pause: Duration::ZERO,
            },
            options,
        )
    };
    for options in [
        manual(0),
        manual((1 << 27) + 1),
        ActorOptions::new().mailbox(0), // an automatic high watermark of 0
        ActorOptions::new().mailbox((1 << 27) + 1),
    ] {
        assert!(
            matches!(
                spawn(options.clone()),
                Err(SpawnError::InvalidOptions {
                    field: "mailbox",
                    ..
                })
            ),
            "{options:?}"
        );
    }
    assert_eq!(node.actor_count(), 0);
    // The default bound of a manual mailbox.
    let consumer = spawn(ActorOptions::new().flow(Flow::Manual)).unwrap();
    let release = hold(&consumer);
    for n in 0..u64::from(ActorOptions::DEFAULT_MAILBOX) {
        consumer.send(Msg::Value(n)).ok().unwrap();
    }
    assert!(matches!(
        consumer.send(Msg::Value(0)),
        Err(SendError::Full(_))
    ));
    release.send(()).unwrap();
    node.shutdown().unwrap();
}

#[foundation::actor(flow = "manual", mailbox = 3)]
struct Bounded;

#[foundation::handlers]
impl Bounded {
    pub fn nothing(&mut self) {}
}

#[test]
fn actor_declares_its_flow_and_mailbox() {
    use foundation::introspect::{Declared, actors};
    let options = <Bounded as Declared>::OPTIONS;
    assert_eq!((options.flow, options.mailbox), (Flow::Manual, Some(3)));
    let spawned = <Bounded as Actor>::options();
    assert_eq!((spawned.flow, spawned.mailbox), (Flow::Manual, Some(3)));
    let info = actors()
        .into_iter()
        .find(|a| a.name() == "Bounded")
        .unwrap()
        .to_string();
    assert!(info.contains(r#"[flow = "manual", mailbox = 3]"#), "{info}");
}
