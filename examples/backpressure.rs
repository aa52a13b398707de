//! A fast producer and a slow consumer, under each flow-control mode built
//! so far (ADR 0007): the queue's depth, its memory and what was delivered.
//!
//! - `automatic` with its default high watermark (65,536): 20,000 messages
//!   stay below it, the producer never waits, and the backlog — and its
//!   memory — grows with the gap between the two rates.
//! - `automatic` with a mark of 1,024, fed by a thread: past the mark the
//!   thread is refused (`Overloaded`), so it sends with `send_timeout`,
//!   which waits until the consumer has drained to 512.
//! - the same, fed by an actor sending batches of 32, one batch per
//!   message to itself: past the mark the producing actor is *muted* — it
//!   runs no further batch until the consumer has drained to 512.
//! - `manual`, bounded at 64: the producer waits for room
//!   (`send_timeout`), the queue never holds more than 64, and the producer
//!   is slowed to the consumer's pace.
//! - `credit_based`, a pool of 64 credits: the producer sends through a
//!   `Producer`, which draws credit in chunks; a thread waits for credit
//!   (`Producer::send_timeout`), an actor is told when credit returns
//!   (`Producer::notify_on_credit`) and goes on then. The queue never holds
//!   more than the pool.
//!
//! Nothing is lost in any: the consumer counts every message.
//!
//! Run: `cargo run --release --example backpressure`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use foundation::{Actor, ActorOptions, ActorRef, Context, Flow, Node, ReplyTo, SendError};

const MESSAGES: u64 = 20_000;
/// Each message's payload: a kilobyte, so the backlog's memory shows.
const PAYLOAD: usize = 1024;

enum Msg {
    Work(Vec<u8>),
    Count(ReplyTo<u64>),
}

struct Consumer {
    handled: u64,
    deepest: Arc<AtomicUsize>,
}

impl Actor for Consumer {
    type Msg = Msg;
    fn handle(&mut self, msg: Msg, ctx: &mut Context<Self>) {
        self.deepest.fetch_max(ctx.mailbox_len(), Relaxed);
        match msg {
            Msg::Work(payload) => {
                // A slow consumer: a few microseconds of work per message.
                let until = Instant::now() + Duration::from_micros(5);
                let mut sum = 0u64;
                while Instant::now() < until {
                    sum = sum.wrapping_add(payload.iter().map(|&b| u64::from(b)).sum::<u64>());
                }
                std::hint::black_box(sum);
                self.handled += 1;
            }
            Msg::Count(reply) => {
                let _ = reply.reply(self.handled);
            }
        }
    }
}

/// Sends `MESSAGES` to the consumer, `BATCH` per handler call, then says
/// so on `done`. With a credit-based consumer it sends through a
/// `Producer` and, refused for want of credit, waits to be told.
struct Producer {
    to: ActorRef<Consumer>,
    out: Option<foundation::Producer<Consumer>>,
    sent: u64,
    done: Option<std::sync::mpsc::Sender<()>>,
}

const BATCH: u64 = 32;

impl Actor for Producer {
    type Msg = ();
    fn handle(&mut self, (): (), ctx: &mut Context<Self>) {
        let out = self.out.get_or_insert_with(|| {
            let mut out = self.to.producer();
            // Told (with a `()`) when credit comes back after a refusal.
            out.notify_on_credit(ctx.myself().recipient(), ());
            out
        });
        for _ in 0..BATCH.min(MESSAGES - self.sent) {
            // An automatic mailbox never refuses an actor: above its mark
            // the message is queued and this producer muted. A
            // credit-based one refuses for want of credit: we are told
            // when it comes back.
            match out.send(Msg::Work(vec![1; PAYLOAD])) {
                Ok(()) => self.sent += 1,
                Err(SendError::NoCredit(_)) => return,
                Err(_) => return, // the consumer stopped: nothing more to do
            }
        }
        if self.sent < MESSAGES {
            let _ = ctx.myself().send(());
        } else if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

/// Who feeds the consumer.
#[derive(Clone, Copy)]
enum From {
    /// The main thread, with `send_timeout`.
    Thread,
    /// A producing actor, in batches.
    Actor,
}

fn run(
    node: &Node,
    label: &str,
    options: ActorOptions,
    from: From,
) -> Result<(), Box<dyn std::error::Error>> {
    let deepest = Arc::new(AtomicUsize::new(0));
    let consumer: ActorRef<Consumer> = node.spawn_with(
        Consumer {
            handled: 0,
            deepest: Arc::clone(&deepest),
        },
        options,
    )?;
    let muted_before = node.stats().muted_senders;
    let started = Instant::now();
    let mut producer_deepest = 0;
    match from {
        From::Thread => {
            // A `Producer` sends as `send` does to other modes, within the
            // credit of a credit-based one.
            let mut producer = consumer.producer();
            for _ in 0..MESSAGES {
                producer.send_timeout(Msg::Work(vec![1; PAYLOAD]), Duration::from_secs(30))?;
                producer_deepest = producer_deepest.max(consumer.mailbox_len());
            }
        }
        From::Actor => {
            let (done, finished) = std::sync::mpsc::channel();
            let producer = node.spawn(Producer {
                to: consumer.clone(),
                out: None,
                sent: 0,
                done: Some(done),
            })?;
            producer.send(())?;
            finished.recv_timeout(Duration::from_secs(60))?;
            producer.stop();
        }
    }
    let produced = started.elapsed();
    let handled = consumer.call(Msg::Count, Duration::from_secs(60))?;
    let deepest = deepest.load(Relaxed).max(producer_deepest);
    let muted = node.stats().muted_senders - muted_before;
    println!(
        "{label:<34} produced in {:>6.1} ms, all handled in {:>6.1} ms; deepest queue {deepest:>6} \
         (~{:>6} KiB of payloads); muted {muted:>3} times; delivered {handled}/{MESSAGES}",
        produced.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3,
        deepest * PAYLOAD / 1024,
    );
    assert_eq!(handled, MESSAGES, "nothing lost");
    consumer.stop();
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let node = Node::builder().schedulers(2).start()?;
    run(
        &node,
        "automatic, default mark, thread",
        ActorOptions::new(),
        From::Thread,
    )?;
    let marked = ActorOptions::new().mailbox(1024);
    run(
        &node,
        "automatic, mark 1024, thread",
        marked.clone(),
        From::Thread,
    )?;
    run(&node, "automatic, mark 1024, actor", marked, From::Actor)?;
    run(
        &node,
        "manual, mailbox = 64, thread",
        ActorOptions::new().flow(Flow::Manual).mailbox(64),
        From::Thread,
    )?;
    let credit = ActorOptions::new().flow(Flow::CreditBased).mailbox(64);
    run(
        &node,
        "credit_based, pool 64, thread",
        credit.clone(),
        From::Thread,
    )?;
    run(&node, "credit_based, pool 64, actor", credit, From::Actor)?;
    node.shutdown()?;
    Ok(())
}
