//! A fast producer and a slow consumer, under each flow-control mode built
//! so far (ADR 0007): the queue's depth, its memory and what was delivered.
//!
//! - `automatic` (the default, unbounded for now): the producer never
//!   waits, and the backlog — and its memory — grows with the gap between
//!   the two rates.
//! - `manual`, bounded at 64: the producer waits for room
//!   (`send_timeout`), the queue never holds more than 64, and the producer
//!   is slowed to the consumer's pace.
//!
//! Nothing is lost in either: the consumer counts every message.
//!
//! Run: `cargo run --release --example backpressure`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use foundation::{Actor, ActorOptions, ActorRef, Context, Flow, Node, ReplyTo};

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

fn run(node: &Node, label: &str, options: ActorOptions) -> Result<(), Box<dyn std::error::Error>> {
    let deepest = Arc::new(AtomicUsize::new(0));
    let consumer: ActorRef<Consumer> = node.spawn_with(
        Consumer {
            handled: 0,
            deepest: Arc::clone(&deepest),
        },
        options,
    )?;
    let started = Instant::now();
    let mut producer_deepest = 0;
    for _ in 0..MESSAGES {
        consumer.send_timeout(Msg::Work(vec![1; PAYLOAD]), Duration::from_secs(30))?;
        producer_deepest = producer_deepest.max(consumer.mailbox_len());
    }
    let produced = started.elapsed();
    let handled = consumer.call(Msg::Count, Duration::from_secs(60))?;
    let deepest = deepest.load(Relaxed).max(producer_deepest);
    println!(
        "{label:<22} produced in {:>7.1} ms, all handled in {:>7.1} ms; deepest queue {deepest:>6} \
         (~{:>6} KiB of payloads); delivered {handled}/{MESSAGES}",
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
    run(&node, "automatic (unbounded)", ActorOptions::new())?;
    run(
        &node,
        "manual, mailbox = 64",
        ActorOptions::new().flow(Flow::Manual).mailbox(64),
    )?;
    node.shutdown()?;
    Ok(())
}
