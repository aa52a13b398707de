//! Bytes per idle actor under each memory strategy (ADR 0009), counted by
//! whichever global allocator the bench binary installs (`live` reads it).

use std::time::{Duration, Instant};

use foundation::memory::MemoryStrategy;
use foundation::{Actor, ActorOptions, ActorRef, Context, Node};

pub struct Idle;

impl Actor for Idle {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {}
}

/// The strategies measured, by name.
pub fn strategies() -> Vec<(&'static str, ActorOptions)> {
    vec![
        ("isolated", ActorOptions::new()),
        ("shared", ActorOptions::new().memory(MemoryStrategy::Shared)),
        (
            "gc_optimized",
            ActorOptions::new()
                .memory(MemoryStrategy::GcOptimized)
                .hibernate_every(1),
        ),
    ]
}

fn settle(refs: &[ActorRef<Idle>]) {
    let start = Instant::now();
    while refs.iter().any(|r| r.mailbox_len() > 0) && start.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
}

/// Prints bytes per idle actor for each strategy, idle and after one
/// message (`gc_optimized` hibernates after it: `hibernate_every = 1`
/// gives the mailbox's block back).
pub fn measure(prefix: &str, n: usize, live: impl Fn() -> isize) {
    for (name, options) in strategies() {
        let node = Node::builder().schedulers(2).start().expect("node starts");
        let mut refs = Vec::with_capacity(n);
        let before = live();
        for _ in 0..n {
            refs.push(node.spawn_with(Idle, options.clone()).expect("spawn"));
        }
        settle(&refs);
        let idle = (live() - before) as f64 / n as f64;
        for r in &refs {
            r.send(()).expect("alive");
        }
        settle(&refs);
        let after = (live() - before) as f64 / n as f64;
        println!(
            "{prefix}-{name}: {idle:.1} bytes per idle actor, {after:.1} after one message (N = {n})"
        );
        drop(refs);
        node.shutdown().expect("clean shutdown");
    }
}
