//! Bytes allocated per idle actor, counted exactly by a counting global
//! allocator (not a timing; criterion is not involved). Target: at most 300.
//! Then per memory strategy (ADR 0009; without the accounting allocator,
//! so no account per actor: `idle_memory_accounted` has those).
//!
//! `cargo bench --bench idle_memory`

use std::time::{Duration, Instant};

use foundation::{Actor, Context, Node};
use foundation_project::CountingAllocator;

#[path = "idle_memory/strategies.rs"]
mod strategies;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

struct Idle;

impl Actor for Idle {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {}
}

fn main() {
    // `cargo bench --no-run` builds this; `cargo bench` passes `--bench`.
    const N: usize = 100_000;
    let node = Node::builder().schedulers(2).start().expect("node starts");
    let mut refs = Vec::with_capacity(N);
    let before = ALLOC.live_bytes();
    for _ in 0..N {
        refs.push(node.spawn(Idle).expect("spawn"));
    }
    // Let every actor run its `started` hook and go idle.
    let start = Instant::now();
    while refs.iter().any(|r| r.mailbox_len() > 0) && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
    let after = ALLOC.live_bytes();
    let handles = (refs.capacity() * size_of::<foundation::ActorRef<Idle>>()) as isize;
    let per_actor = (after - before) as f64 / N as f64;
    println!(
        "idle_memory/foundation: {per_actor:.1} bytes per idle actor (N = {N}; the handles' Vec, {handles} bytes, was allocated before counting)"
    );

    // One message each, handled: the mailbox keeps its first (small) block.
    for r in &refs {
        r.send(()).expect("alive");
    }
    while refs.iter().any(|r| r.mailbox_len() > 0) && start.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let per_actor = (ALLOC.live_bytes() - before) as f64 / N as f64;
    println!("idle_memory/foundation-after-one-message: {per_actor:.1} bytes per actor");

    let mut channels = Vec::with_capacity(1000);
    let before = ALLOC.live_bytes();
    for _ in 0..1000 {
        channels.push(crossbeam_channel::unbounded::<u64>());
    }
    let per_channel = (ALLOC.live_bytes() - before) as f64 / 1000.0;
    println!("idle_memory/crossbeam-channel-unbounded: {per_channel:.1} bytes per idle channel");
    drop(channels);
    node.shutdown().expect("clean shutdown");

    strategies::measure("idle_memory/foundation", 20_000, || ALLOC.live_bytes());
}
