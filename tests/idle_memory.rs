//! An idle actor costs at most 300 bytes of heap, counted exactly by a
//! counting global allocator. Its own binary: the allocator counts every
//! thread of the process.

use std::time::{Duration, Instant};

use foundation::{Actor, Context, Node};
use foundation_project::CountingAllocator;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

struct Idle;

impl Actor for Idle {
    /// `true`: stop.
    type Msg = bool;
    fn handle(&mut self, stop: bool, ctx: &mut Context<Self>) {
        if stop {
            ctx.stop();
        }
    }
}

#[test]
fn an_idle_actor_costs_at_most_300_bytes_and_all_is_freed_after() {
    const N: usize = 20_000;
    let node = Node::builder().schedulers(2).start().unwrap();
    let mut refs = Vec::with_capacity(N);
    let before = ALLOC.live_bytes();
    for _ in 0..N {
        refs.push(node.spawn(Idle).unwrap());
    }
    let per_actor = (ALLOC.live_bytes() - before) / N as isize;
    assert!(per_actor > 0, "the counting allocator is installed");
    assert!(per_actor <= 300, "{per_actor} bytes per idle actor");

    // One message each: the mailbox keeps its first, 2-slot block.
    for r in &refs {
        r.send(false).unwrap();
    }
    let start = Instant::now();
    while refs.iter().any(|r| r.mailbox_len() > 0) {
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(1));
    }
    let per_actor = (ALLOC.live_bytes() - before) / N as isize;
    assert!(
        per_actor <= 300,
        "{per_actor} bytes per actor after one message"
    );

    // Stop them all: the cells are freed, only the registry's slab (reused
    // for later spawns) and its free list remain.
    for r in &refs {
        r.send(true).unwrap();
    }
    let start = Instant::now();
    while node.actor_count() > 0 {
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(refs);
    let left = (ALLOC.live_bytes() - before) / N as isize;
    assert!(left <= 32, "{left} bytes per stopped actor still allocated");
}
