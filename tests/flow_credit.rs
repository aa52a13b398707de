//! Flow control, `credit_based` mode (ADR 0007 §7): producers send within
//! credit drawn from the receiver's fixed pool; a producer out of credit is
//! refused with the very message (`NoCredit`) and told when credit comes
//! back, if it asked; credit refills under several producers; dropping a
//! producer gives its credit back; a plain send spends pool credit too, and
//! the runtime's notices are forced in. Nothing is lost or doubled, and the
//! queue never holds more than the pool. Every wait has a deadline.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use foundation::{
    Actor, ActorOptions, ActorRef, CallError, ChildSpec, Context, Flow, Node, Producer, ReplyTo,
    SendError, SupervisorSpec,
};

mod common;
use common::{DEADLINE, T, wait_until};

#[derive(Clone, Default)]
struct Seen {
    /// (producer, sequence) in the order handled.
    items: Arc<Mutex<Vec<(u32, u64)>>>,
    /// The deepest queue the consumer found behind a message it took.
    peak: Arc<AtomicUsize>,
}

enum Msg {
    Item(u32, u64),
    Hold(mpsc::Sender<()>, mpsc::Receiver<()>),
    Crash,
    Count(ReplyTo<usize>),
}

struct Consumer {
    seen: Seen,
    pause: Duration,
}

impl Actor for Consumer {
    type Msg = Msg;
    fn handle(&mut self, msg: Msg, ctx: &mut Context<Self>) {
        self.seen.peak.fetch_max(ctx.mailbox_len(), Relaxed);
        match msg {
            Msg::Item(p, n) => {
                self.seen.items.lock().unwrap().push((p, n));
                if !self.pause.is_zero() {
                    thread::sleep(self.pause);
                }
            }
            Msg::Hold(entered, gate) => {
                entered.send(()).unwrap();
                let _ = gate.recv();
            }
            Msg::Crash => panic!("crash on request"),
            Msg::Count(reply) => {
                let _ = reply.reply(self.seen.items.lock().unwrap().len());
            }
        }
    }
}

fn credit(pool: u32) -> ActorOptions {
    ActorOptions::new().flow(Flow::CreditBased).mailbox(pool)
}

fn consumer(node: &Node, pool: u32, pause: Duration) -> (ActorRef<Consumer>, Seen) {
    let seen = Seen::default();
    let actor = Consumer {
        seen: seen.clone(),
        pause,
    };
    (node.spawn_with(actor, credit(pool)).unwrap(), seen)
}

/// Holds the consumer in a handler (a plain send: one credit) until the
/// result is sent on or dropped.
fn hold(consumer: &ActorRef<Consumer>) -> mpsc::Sender<()> {
    let (entered, entered_rx) = mpsc::channel();
    let (release, gate) = mpsc::channel();
    consumer.send(Msg::Hold(entered, gate)).ok().unwrap();
    entered_rx.recv_timeout(DEADLINE).unwrap();
    release
}

/// Sends with `producer` until refused; the refused message must come back
/// as itself. Returns how many were taken.
fn send_until_refused(producer: &mut Producer<Consumer>, id: u32, from: u64) -> u64 {
    let mut n = from;
    loop {
        match producer.send(Msg::Item(id, n)) {
            Ok(()) => n += 1,
            Err(SendError::NoCredit(Msg::Item(p, back))) => {
                assert_eq!((p, back), (id, n), "the very message comes back");
                return n - from;
            }
            Err(other) => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_producer_is_refused_with_the_very_message_once_the_pool_is_spent() {
    const POOL: u32 = 64;
    let node = common::node(2);
    let (consumer, seen) = consumer(&node, POOL, Duration::ZERO);
    // One credit, spent until the hold's handler returns.
    let release = hold(&consumer);
    let mut producer = consumer.producer();
    let taken = send_until_refused(&mut producer, 0, 0);
    assert_eq!(taken, u64::from(POOL) - 1);
    // Counted for telemetry (NodeStats, ADR 0012 §3).
    assert_eq!(node.stats().credit_waits, 1, "the refusal is a credit wait");
    assert_eq!(
        consumer.mailbox_len(),
        taken as usize,
        "never more than the pool"
    );
    // A plain send has no way around it.
    assert!(matches!(
        consumer.send(Msg::Item(9, 9)),
        Err(SendError::NoCredit(Msg::Item(9, 9)))
    ));
    release.send(()).unwrap();
    assert_eq!(consumer.call(Msg::Count, T), Ok(taken as usize));
    let items = seen.items.lock().unwrap().clone();
    assert_eq!(items, (0..taken).map(|n| (0, n)).collect::<Vec<_>>());
    node.shutdown().unwrap();
}

#[test]
fn credit_refills_under_several_producers_and_nothing_is_lost_or_doubled() {
    const POOL: u32 = 32;
    const PRODUCERS: u32 = 4;
    const EACH: u64 = 5_000;
    let node = common::node(2);
    let (consumer, seen) = consumer(&node, POOL, Duration::ZERO);
    let threads: Vec<_> = (0..PRODUCERS)
        .map(|id| {
            let mut producer = consumer.producer();
            thread::spawn(move || {
                for n in 0..EACH {
                    producer
                        .send_timeout(Msg::Item(id, n), DEADLINE)
                        .ok()
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let total = (u64::from(PRODUCERS) * EACH) as usize;
    wait_until("everything handled", || {
        seen.items.lock().unwrap().len() == total
    });
    // The producers are gone; the last run gives the last credit back.
    wait_until("every credit back", || {
        consumer.credit_available() == Some(i64::from(POOL))
    });
    // Exactly once each, in each producer's order.
    let mut next: HashMap<u32, u64> = HashMap::new();
    for (p, n) in seen.items.lock().unwrap().iter() {
        let expected = next.entry(*p).or_default();
        assert_eq!(n, expected, "producer {p}");
        *expected += 1;
    }
    assert!(next.values().all(|&n| n == EACH));
    // Behind the message being handled (whose credit is still spent).
    let peak = seen.peak.load(Relaxed);
    assert!(peak < POOL as usize, "peak depth {peak}, pool {POOL}");
    // Every credit came back: with the consumer held (one credit), the
    // pool takes the rest of its size again.
    let release = hold(&consumer);
    let mut producer = consumer.producer();
    assert_eq!(send_until_refused(&mut producer, 9, 0), u64::from(POOL) - 1);
    drop(release);
    node.shutdown().unwrap();
}

#[test]
fn dropping_a_producer_gives_its_credit_back() {
    const POOL: u32 = 64; // producers draw 8 at a time
    let node = common::node(2);
    let (consumer, _seen) = consumer(&node, POOL, Duration::ZERO);
    let release = hold(&consumer);
    let mut first = consumer.producer();
    first.send(Msg::Item(1, 0)).ok().unwrap();
    assert_eq!(first.credit(), 7, "a chunk of 8, one spent");
    let mut second = consumer.producer();
    // The pool less the hold's credit and the first's chunk.
    let taken = send_until_refused(&mut second, 2, 0);
    assert_eq!(taken, u64::from(POOL) - 1 - 8);
    drop(first);
    assert_eq!(
        send_until_refused(&mut second, 2, taken),
        7,
        "its 7 came back"
    );
    drop(release);
    node.shutdown().unwrap();
}

/// Produces 0..total to `sink` within its credit, resuming when told.
struct Source {
    sink: ActorRef<Consumer>,
    out: Option<Producer<Consumer>>,
    next: u64,
    total: u64,
    resumed: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct Resume;

impl Actor for Source {
    type Msg = Resume;
    fn handle(&mut self, Resume: Resume, ctx: &mut Context<Self>) {
        self.resumed.fetch_add(1, Relaxed);
        let out = self.out.get_or_insert_with(|| {
            let mut out = self.sink.producer();
            out.notify_on_credit(ctx.myself().recipient(), Resume);
            out
        });
        while self.next < self.total {
            match out.send(Msg::Item(0, self.next)) {
                Ok(()) => self.next += 1,
                Err(SendError::NoCredit(_)) => return,
                Err(other) => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn a_producing_actor_is_told_when_credit_returns() {
    const POOL: u32 = 16;
    const TOTAL: u64 = 2_000;
    let node = common::node(2);
    let (consumer, seen) = consumer(&node, POOL, Duration::from_micros(20));
    let resumed = Arc::new(AtomicUsize::new(0));
    let source = node
        .spawn(Source {
            sink: consumer.clone(),
            out: None,
            next: 0,
            total: TOTAL,
            resumed: Arc::clone(&resumed),
        })
        .unwrap();
    source.send(Resume).unwrap();
    wait_until("everything handled", || {
        seen.items.lock().unwrap().len() == TOTAL as usize
    });
    let items = seen.items.lock().unwrap().clone();
    assert_eq!(items, (0..TOTAL).map(|n| (0, n)).collect::<Vec<_>>());
    assert!(seen.peak.load(Relaxed) < POOL as usize);
    let resumed = resumed.load(Relaxed);
    assert!(resumed > 1, "told to resume, {resumed} runs");
    assert!(
        resumed <= TOTAL as usize,
        "one notice per refusal spell at most: {resumed}"
    );
    node.shutdown().unwrap();
}

#[test]
fn a_timer_is_forced_in_and_calls_wait_for_credit_or_are_overloaded() {
    const POOL: u32 = 8;
    let node = common::node(2);
    let (consumer, seen) = consumer(&node, POOL, Duration::ZERO);
    let release = hold(&consumer);
    let mut producer = consumer.producer();
    let taken = send_until_refused(&mut producer, 0, 0);
    drop(producer);
    // A timer the actor's sender set: queued without credit.
    consumer.send_after(Duration::from_millis(1), Msg::Item(7, 7));
    wait_until("the timer's message queued", || {
        consumer.mailbox_len() == taken as usize + 1
    });
    // No credit: an async call is refused for capacity, not `Stopped`.
    let answer = common::block_on(consumer.call_async(Msg::Count, T));
    assert_eq!(answer, Err(CallError::Overloaded));
    // A blocking call from a thread waits for credit.
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        drop(release);
    });
    assert_eq!(consumer.call(Msg::Count, T), Ok(taken as usize + 1));
    assert_eq!(seen.items.lock().unwrap().last(), Some(&(7, 7)));
    // The call's credit comes back when its run ends.
    wait_until("every credit back", || {
        consumer.credit_available() == Some(i64::from(POOL))
    });
    // All credit back (the forced one too): held again (one credit), the
    // pool takes the rest of its size.
    let release = hold(&consumer);
    let mut producer = consumer.producer();
    assert_eq!(send_until_refused(&mut producer, 1, 0), u64::from(POOL) - 1);
    drop(release);
    node.shutdown().unwrap();
}

#[test]
fn a_producer_on_a_scheduler_thread_does_not_wait() {
    struct Tries(ActorRef<Consumer>, mpsc::Sender<bool>);
    impl Actor for Tries {
        type Msg = ();
        fn handle(&mut self, (): (), _: &mut Context<Self>) {
            let mut producer = self.0.producer();
            while producer.send(Msg::Item(0, 0)).is_ok() {}
            let refused = producer.send_timeout(Msg::Item(0, 1), T);
            let _ = self
                .1
                .send(matches!(refused, Err(SendError::WouldBlock(_))));
        }
    }
    let node = common::node(2);
    let (consumer, _seen) = consumer(&node, 4, Duration::ZERO);
    let release = hold(&consumer);
    let (tx, rx) = mpsc::channel();
    node.spawn(Tries(consumer.clone(), tx))
        .unwrap()
        .send(())
        .unwrap();
    assert!(rx.recv_timeout(DEADLINE).unwrap(), "WouldBlock, at once");
    drop(release);
    node.shutdown().unwrap();
}

#[test]
fn a_supervised_credit_based_actor_restarts_with_its_queue_and_its_pool() {
    const POOL: u32 = 16;
    let node = common::node(2);
    let seen = Seen::default();
    let s = seen.clone();
    let supervisor = SupervisorSpec::default()
        .child(
            ChildSpec::new("consumer", move || Consumer {
                seen: s.clone(),
                pause: Duration::ZERO,
            })
            .options(credit(POOL)),
        )
        .spawn(&node)
        .unwrap();
    let child = supervisor.child::<Consumer>("consumer").unwrap().unwrap();
    let release = hold(&child);
    let mut producer = child.producer();
    producer.send(Msg::Crash).ok().unwrap();
    let taken = send_until_refused(&mut producer, 0, 0);
    assert_eq!(
        taken,
        u64::from(POOL) - 2,
        "the hold's credit and the crash's"
    );
    drop(producer);
    drop(release); // the crash comes next; the queue waits for the restart
    wait_until("every item handled", || {
        seen.items.lock().unwrap().len() == taken as usize
    });
    wait_until("every credit back", || {
        child.credit_available() == Some(i64::from(POOL))
    });
    // The restarted incarnation gave every credit back to the same pool
    // (the crashed message's too).
    let release = hold(&child);
    let mut producer = child.producer();
    assert_eq!(send_until_refused(&mut producer, 1, 0), u64::from(POOL) - 1);
    drop(release);
    node.shutdown().unwrap();
}

#[foundation::actor(flow = "credit_based", mailbox = 32)]
struct Credited;

#[foundation::handlers]
impl Credited {
    pub fn nothing(&mut self) {}
}

#[test]
fn actor_declares_a_credit_based_mailbox() {
    use foundation::introspect::{Declared, actors};
    let options = <Credited as Declared>::OPTIONS;
    assert_eq!(
        (options.flow, options.mailbox),
        (Flow::CreditBased, Some(32))
    );
    let info = actors()
        .into_iter()
        .find(|a| a.name() == "Credited")
        .unwrap()
        .to_string();
    assert!(
        info.contains(r#"[flow = "credit_based", mailbox = 32]"#),
        "{info}"
    );
    let node = common::node(1);
    let credited = node.spawn(Credited).unwrap();
    let mut producer = credited.producer();
    assert!(producer.send(CreditedMsg::Nothing).is_ok());
    assert_eq!(producer.credit(), 3, "a chunk of 32 / 8, one spent");
    node.shutdown().unwrap();
}
