//! The node's table of live actors: a sharded slab.
//!
//! Every live actor has an entry (its type-erased handle), so that shutdown
//! can reach it. Entries live in slabs rather than a hash map: an actor's
//! cell remembers its slot, so removal is an index, not a hash lookup, and
//! freed slots are reused without rehashing. A thread always spawns into the
//! same shard (chosen once per thread), so spawning threads do not contend;
//! pid numbers are unique per node without a shared counter: the shard's own
//! counter times the shard count, plus the shard's index.

use core::cell::Cell;
use core::sync::atomic::AtomicUsize;
use core::sync::atomic::Ordering::Relaxed;
use std::sync::Mutex;

use crossbeam_utils::CachePadded;

use crate::scheduler::Task;
use crate::sync::lock;

const SHARDS: usize = 64;

thread_local! {
    static THREAD_SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// This thread's shard, chosen round-robin on first use.
fn thread_shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    THREAD_SHARD.with(|s| {
        let mut shard = s.get();
        if shard == usize::MAX {
            shard = NEXT.fetch_add(1, Relaxed) % SHARDS;
            s.set(shard);
        }
        shard
    })
}

#[derive(Default)]
struct Shard {
    slots: Vec<Option<Task>>,
    free: Vec<u32>,
    next_number: u64,
    live: usize,
    spawned: u64,
    stopped: u64,
}

/// Where a new actor goes: its pid number and slab slot.
pub(crate) struct Entry {
    pub(crate) number: u64,
    pub(crate) slot: u32,
}

/// Counters summed over the shards.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub(crate) live: usize,
    pub(crate) spawned: u64,
    pub(crate) stopped: u64,
}

pub(crate) struct Registry {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
}

impl Registry {
    pub(crate) fn new() -> Self {
        Registry {
            shards: (0..SHARDS)
                .map(|_| CachePadded::new(Mutex::new(Shard::default())))
                .collect(),
        }
    }

    /// Adds an actor: `make` builds its handle from its entry, under the
    /// shard's lock, unless `accept()` (also checked under the lock) refuses.
    pub(crate) fn insert<T>(
        &self,
        accept: impl FnOnce() -> bool,
        make: impl FnOnce(Entry) -> (T, Task),
    ) -> Option<T> {
        let index = thread_shard();
        let mut shard = lock(&self.shards[index]);
        if !accept() {
            return None;
        }
        let number = shard.next_number * SHARDS as u64 + index as u64;
        shard.next_number += 1;
        let slot = match shard.free.pop() {
            Some(slot) => slot,
            None => {
                shard.slots.push(None);
                u32::try_from(shard.slots.len() - 1).expect("at most 2^32 actors per shard")
            }
        };
        let (handle, task) = make(Entry { number, slot });
        shard.slots[slot as usize] = Some(task);
        shard.live += 1;
        shard.spawned += 1;
        Some(handle)
    }

    /// Removes the actor `number` from `slot`, returning its handle.
    pub(crate) fn remove(&self, number: u64, slot: u32) -> Option<Task> {
        let mut shard = lock(&self.shards[number as usize % SHARDS]);
        let task = shard.slots.get_mut(slot as usize)?.take()?;
        shard.free.push(slot);
        shard.live -= 1;
        shard.stopped += 1;
        Some(task)
    }

    /// Every live actor's handle.
    pub(crate) fn all(&self) -> Vec<Task> {
        self.shards
            .iter()
            .flat_map(|shard| {
                lock(shard)
                    .slots
                    .iter()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    pub(crate) fn counts(&self) -> Counts {
        self.shards.iter().fold(Counts::default(), |acc, shard| {
            let shard = lock(shard);
            Counts {
                live: acc.live + shard.live,
                spawned: acc.spawned + shard.spawned,
                stopped: acc.stopped + shard.stopped,
            }
        })
    }
}
