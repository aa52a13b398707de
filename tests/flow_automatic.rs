//! Flow control, `automatic` mode (ADR 0007), the default: above its high
//! watermark a mailbox refuses threads outside actors (`Overloaded`, the
//! very message handed back) and mutes the actors that send to it, until it
//! drains to its low watermark; its depth stays within the documented
//! bound under a sustained overload; a crossing is one `tracing` event and
//! one count; muted actors still hear kills and shutdowns; two actors
//! flooding each other do not deadlock. Every wait has a deadline.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use foundation::{
    Actor, ActorOptions, ActorRef, CallError, Context, Flow, Node, ReplyTo, SendError,
};

mod common;
use common::{DEADLINE, T, wait_until};

/// The queue block: the high mark is looked at once per block.
const BLOCK: usize = 31;

#[derive(Clone, Default)]
struct Seen {
    values: Arc<Mutex<Vec<u64>>>,
    /// The deepest queue the consumer found behind a message it took.
    peak: Arc<AtomicUsize>,
}

impl Seen {
    fn values(&self) -> Vec<u64> {
        self.values.lock().unwrap().clone()
    }
}

enum Msg {
    Value(u64),
    /// Holds the consumer until the gate opens (or its sender goes).
    Hold(mpsc::Sender<()>, mpsc::Receiver<()>),
    Count(ReplyTo<usize>),
}

impl From<u64> for Msg {
    fn from(n: u64) -> Msg {
        Msg::Value(n)
    }
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
            Msg::Value(n) => {
                self.seen.values.lock().unwrap().push(n);
                if !self.pause.is_zero() {
                    thread::sleep(self.pause);
                }
            }
            Msg::Hold(entered, gate) => {
                entered.send(()).unwrap();
                // Until released, or its releaser is dropped (a failing
                // test's unwinding drops it too).
                let _ = gate.recv();
            }
            Msg::Count(reply) => {
                let _ = reply.reply(self.seen.values.lock().unwrap().len());
            }
        }
    }
}

/// A consumer with its high mark at `high`.
fn consumer(node: &Node, high: u32, pause: Duration) -> (ActorRef<Consumer>, Seen) {
    let seen = Seen::default();
    let actor = Consumer {
        seen: seen.clone(),
        pause,
    };
    let consumer = node
        .spawn_with(actor, ActorOptions::new().mailbox(high))
        .unwrap();
    (consumer, seen)
}

/// Holds the consumer in a handler; drop (or send on) the result to let
/// it go.
fn hold(consumer: &ActorRef<Consumer>) -> mpsc::Sender<()> {
    let (entered, entered_rx) = mpsc::channel();
    let (release, gate) = mpsc::channel();
    consumer.send(Msg::Hold(entered, gate)).ok().unwrap();
    entered_rx.recv_timeout(DEADLINE).unwrap();
    release
}

/// Sends values from `from` on until the mailbox refuses one, which must
/// come back as itself; returns the next value to send.
fn fill_until_overloaded(consumer: &ActorRef<Consumer>, from: u64) -> u64 {
    let mut n = from;
    loop {
        match consumer.send(Msg::Value(n)) {
            Ok(()) => n += 1,
            Err(SendError::Overloaded(Msg::Value(back))) => {
                assert_eq!(back, n, "the very message comes back");
                return n;
            }
            Err(other) => panic!("{other:?}"),
        }
        assert!(n - from < 1_000_000, "never overloaded");
    }
}

#[test]
fn a_thread_is_refused_above_the_high_mark_and_send_timeout_waits_for_the_low_one() {
    const HIGH: u32 = 100;
    let node = common::node(2);
    let (consumer, seen) = consumer(&node, HIGH, Duration::ZERO);
    let release = hold(&consumer);
    let next = fill_until_overloaded(&consumer, 0);
    let queued = consumer.mailbox_len();
    assert!(
        (HIGH as usize..HIGH as usize + BLOCK).contains(&queued),
        "refused at the mark, give or take a block: {queued}"
    );
    assert_eq!(node.stats().overloads, 1);
    // send_timeout: times out while the consumer is held ...
    assert!(matches!(
        consumer.send_timeout(Msg::Value(next), Duration::from_millis(20)),
        Err(SendError::Timeout(Msg::Value(n))) if n == next
    ));
    // ... and waits for the drain otherwise.
    let waiter = {
        let consumer = consumer.clone();
        thread::spawn(move || consumer.send_timeout(Msg::Value(next), DEADLINE).is_ok())
    };
    thread::sleep(Duration::from_millis(20));
    release.send(()).unwrap();
    assert!(waiter.join().unwrap(), "let in at the low mark");
    assert_eq!(consumer.call(Msg::Count, T), Ok(next as usize + 1));
    assert_eq!(seen.values(), (0..=next).collect::<Vec<_>>());
    // Drained: a thread is let in again.
    consumer.send(Msg::Value(next + 1)).ok().unwrap();
    node.shutdown().unwrap();
}

/// Produces `total` values to `to`, `batch` per handler call, by sending
/// itself the next batch: an actor that can be paced.
struct Producer {
    to: ActorRef<Consumer>,
    next: u64,
    total: u64,
    batch: u64,
    done: mpsc::Sender<()>,
}

impl Actor for Producer {
    type Msg = ();
    fn handle(&mut self, (): (), ctx: &mut Context<Self>) {
        let end = (self.next + self.batch).min(self.total);
        for n in self.next..end {
            self.to.send(Msg::Value(n)).ok().unwrap();
        }
        self.next = end;
        if end < self.total {
            ctx.myself().send(()).ok().unwrap();
        } else {
            let _ = self.done.send(());
        }
    }
}

#[test]
fn a_producing_actor_is_muted_and_the_depth_stays_bounded_under_a_sustained_overload() {
    // The consumer takes 20 µs a message (50,000 a second at most); the
    // producer offers batches of 16 as fast as it is let run — far beyond
    // ten times that — for 20,000 messages.
    const HIGH: u32 = 256;
    const BATCH: u64 = 16;
    const TOTAL: u64 = 20_000;
    let node = common::node(2);
    let (consumer, seen) = consumer(&node, HIGH, Duration::from_micros(20));
    let (done, finished) = mpsc::channel();
    let producer = node
        .spawn(Producer {
            to: consumer.clone(),
            next: 0,
            total: TOTAL,
            batch: BATCH,
            done,
        })
        .unwrap();
    producer.send(()).ok().unwrap();
    finished.recv_timeout(DEADLINE).unwrap();
    wait_until("everything handled", || {
        seen.values().len() == TOTAL as usize
    });
    // Nothing lost, nothing doubled, in order.
    assert_eq!(seen.values(), (0..TOTAL).collect::<Vec<_>>());
    // The bound of `Flow::Automatic`'s docs, one sending actor: the mark,
    // a block, one handler's sends.
    let bound = HIGH as usize + BLOCK + BATCH as usize;
    let peak = seen.peak.load(Relaxed);
    assert!(peak <= bound, "peak depth {peak} above the bound {bound}");
    assert!(peak >= HIGH as usize / 2, "the overload was real: {peak}");
    let stats = node.stats();
    assert!(
        stats.overloads >= 1 && stats.muted_senders >= 1,
        "{stats:?}"
    );
    node.shutdown().unwrap();
}

/// On `Go(n)`, sends `n` pings to its peer; on a ping, answers with a
/// pong; counts the pongs.
struct Flooder {
    peer: Option<ActorRef<Flooder>>,
    pongs: u64,
    expected: u64,
    done: mpsc::Sender<()>,
}

enum Flood {
    Peer(ActorRef<Flooder>),
    Go(u64),
    Ping,
    Pong,
}

impl Actor for Flooder {
    type Msg = Flood;
    fn handle(&mut self, msg: Flood, _: &mut Context<Self>) {
        match msg {
            Flood::Peer(peer) => self.peer = Some(peer),
            Flood::Go(n) => {
                for _ in 0..n {
                    self.peer.as_ref().unwrap().send(Flood::Ping).ok().unwrap();
                }
            }
            Flood::Ping => self.peer.as_ref().unwrap().send(Flood::Pong).ok().unwrap(),
            Flood::Pong => {
                self.pongs += 1;
                if self.pongs == self.expected {
                    let _ = self.done.send(());
                }
            }
        }
    }
}

#[test]
fn two_actors_flooding_each_other_do_not_deadlock() {
    // Each floods the other far past a small mark: each is muted for its
    // sends, and each, overloaded itself, must not be — or both would wait
    // for the other forever.
    const HIGH: u32 = 32;
    const ROUNDS: u64 = 50;
    const PER_ROUND: u64 = 200;
    for schedulers in [1, 2] {
        let node = common::node(schedulers);
        let (done, finished) = mpsc::channel();
        let spawn = |done: mpsc::Sender<()>| {
            node.spawn_with(
                Flooder {
                    peer: None,
                    pongs: 0,
                    expected: ROUNDS * PER_ROUND,
                    done,
                },
                ActorOptions::new().mailbox(HIGH),
            )
            .unwrap()
        };
        let (a, b) = (spawn(done.clone()), spawn(done));
        a.send(Flood::Peer(b.clone())).ok().unwrap();
        b.send(Flood::Peer(a.clone())).ok().unwrap();
        // Below the marks while the rounds are sent: from a thread, a
        // refused `Go` is retried (what `send_timeout` does).
        for _ in 0..ROUNDS {
            a.send_timeout(Flood::Go(PER_ROUND), DEADLINE).ok().unwrap();
            b.send_timeout(Flood::Go(PER_ROUND), DEADLINE).ok().unwrap();
        }
        for _ in 0..2 {
            finished
                .recv_timeout(DEADLINE)
                .unwrap_or_else(|_| panic!("deadlock on {schedulers} scheduler(s)"));
        }
        assert!(node.stats().overloads >= 1);
        node.shutdown().unwrap();
    }
}

#[test]
fn a_muted_actor_still_hears_a_kill_and_a_shutdown() {
    const HIGH: u32 = 64;
    let node = common::node(2);
    let (consumer, _seen) = consumer(&node, HIGH, Duration::ZERO);
    let release = hold(&consumer);
    let spawn_producer = || {
        let (done, _finished) = mpsc::channel();
        let producer = node
            .spawn(Producer {
                to: consumer.clone(),
                next: 0,
                total: u64::MAX,
                batch: 64,
                done,
            })
            .unwrap();
        producer.send(()).ok().unwrap();
        producer
    };
    let first = spawn_producer();
    wait_until("a producer muted", || node.stats().muted_senders >= 1);
    // Parked when its handler returns (a kill that came before would be
    // seen ahead of the mute).
    thread::sleep(Duration::from_millis(50));
    // Muted for good (the consumer is held): a kill reaches it.
    assert!(first.kill());
    wait_until("the kill", || !first.is_alive());
    let second = spawn_producer();
    wait_until("the second muted", || node.stats().muted_senders >= 2);
    // And so does the node's shutdown, once the consumer lets go.
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        drop(release);
    });
    node.shutdown().unwrap();
    assert!(!second.is_alive());
}

#[test]
fn a_call_to_an_overloaded_actor_waits_from_a_thread_and_is_overloaded_async() {
    const HIGH: u32 = 64;
    let node = common::node(2);
    let (consumer, _seen) = consumer(&node, HIGH, Duration::ZERO);
    let release = hold(&consumer);
    let next = fill_until_overloaded(&consumer, 0);
    // Async: refused for capacity, not `Stopped`.
    let answer = common::block_on(consumer.call_async(Msg::Count, T));
    assert_eq!(answer, Err(CallError::Overloaded));
    // Blocking, from a thread: waits for the low mark, then for the reply.
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        drop(release);
    });
    assert_eq!(consumer.call(Msg::Count, T), Ok(next as usize));
    node.shutdown().unwrap();
}

#[test]
fn a_timer_and_a_group_broadcast_at_an_overloaded_mailbox() {
    const HIGH: u32 = 64;
    let node = common::node(2);
    let (consumer, seen) = consumer(&node, HIGH, Duration::ZERO);
    let group = node.groups().group::<u64>("consumers").unwrap();
    assert_eq!(group.join(consumer.recipient::<u64>()), Ok(true));
    let release = hold(&consumer);
    let next = fill_until_overloaded(&consumer, 0);
    // A broadcast from a thread: the member's copy comes back, refused.
    let broadcast = group.broadcast(u64::MAX);
    assert_eq!(broadcast.delivered, 0);
    assert_eq!(broadcast.refused.len(), 1);
    assert_eq!(broadcast.refused[0].1, SendError::Overloaded(u64::MAX));
    // A timer the sender set is delivered past the mark.
    let queued = consumer.mailbox_len();
    consumer.send_after(Duration::from_millis(1), Msg::Value(next));
    wait_until("the timer's message queued", || {
        consumer.mailbox_len() == queued + 1
    });
    release.send(()).unwrap();
    wait_until("the timer's message handled", || {
        seen.values().last() == Some(&next)
    });
    node.shutdown().unwrap();
}

/// Every `foundation::flow` event of this test binary, through a global
/// subscriber (the low mark's event comes from the consumer's runner).
fn flow_events() -> &'static common::Captured {
    common::global_log()
}

#[test]
fn a_watermark_event_fires_once_per_crossing() {
    const HIGH: u32 = 64;
    let events = flow_events();
    let node = common::node(2);
    let (consumer, _seen) = consumer(&node, HIGH, Duration::ZERO);
    let pid = consumer.pid();
    let mine = || {
        events
            .text()
            .lines()
            .filter(|line| line.contains("foundation::flow"))
            .filter(|line| line.contains(&format!("actor {pid} ")))
            .map(|line| {
                if line.contains("mark=\"high\"") {
                    'H'
                } else {
                    'L'
                }
            })
            .collect::<String>()
    };
    let mut next = 0;
    for round in 1..=3 {
        let release = hold(&consumer);
        next = fill_until_overloaded(&consumer, next);
        // Refused again and again: still one crossing.
        for _ in 0..10 {
            assert!(consumer.send(Msg::Value(next)).is_err());
        }
        release.send(()).unwrap();
        wait_until("the drain", || consumer.send(Msg::Value(next)).is_ok());
        next += 1;
        wait_until("the low mark's event", || mine().len() == 2 * round);
        assert_eq!(mine(), "HL".repeat(round));
        assert_eq!(node.stats().overloads, round as u64);
    }
    node.shutdown().unwrap();
}

#[foundation::actor(mailbox = 128)]
struct Marked;

#[foundation::handlers]
impl Marked {
    pub fn nothing(&mut self) {}
}

#[test]
fn actor_declares_its_high_watermark() {
    use foundation::introspect::{Declared, actors};
    let options = <Marked as Declared>::OPTIONS;
    assert_eq!(
        (options.flow, options.mailbox),
        (Flow::Automatic, Some(128))
    );
    let spawned = <Marked as Actor>::options();
    assert_eq!(spawned.mailbox, Some(128));
    let info = actors()
        .into_iter()
        .find(|a| a.name() == "Marked")
        .unwrap()
        .to_string();
    assert!(info.contains("[mailbox = 128]"), "{info}");
}

#[test]
fn a_stopped_actor_is_closed_not_overloaded() {
    let node = common::node(1);
    let (consumer, _seen) = consumer(&node, 64, Duration::ZERO);
    let release = hold(&consumer);
    fill_until_overloaded(&consumer, 0);
    consumer.kill();
    drop(release);
    wait_until("the stop", || !consumer.is_alive());
    assert!(matches!(
        consumer.send(Msg::Value(0)),
        Err(SendError::Closed(Msg::Value(0)))
    ));
    node.shutdown().unwrap();
}
