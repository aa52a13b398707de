//! The node's table of live actors: a sharded slab.
//!
//! Every live actor has an entry (its type-erased handle), so that shutdown
//! can reach it and a bare [`Pid`](crate::Pid) can be resolved to it (the
//! registries do). Entries live in slabs rather than a hash map: a pid
//! number *is* its slab position, so a look-up or a removal is an index,
//! not a hash, and freed slots are reused without rehashing. A thread
//! always spawns into the same shard (chosen once per thread), so spawning
//! threads do not contend.
//!
//! A pid number is `generation << 32 | slot << 6 | shard`: the low 32 bits
//! name the slab position, the high 32 bits count how often that position
//! was reused, so a number is never given twice (until one slot has been
//! reused 2³² times) and a stale pid never resolves to a newer actor.

use core::cell::Cell;
use core::sync::atomic::AtomicUsize;
use core::sync::atomic::Ordering::Relaxed;
use std::sync::Mutex;

use crossbeam_utils::CachePadded;

use crate::sync::lock;
use crate::task::Task;

const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;
/// Slots per shard: what fits beside the shard index in 32 bits.
const MAX_SLOTS: usize = 1 << (32 - SHARD_BITS);

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

/// A pid number's parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Position {
    shard: usize,
    slot: usize,
    generation: u32,
}

impl Position {
    fn of(number: u64) -> Self {
        Position {
            shard: (number as usize) & (SHARDS - 1),
            slot: ((number as u32) >> SHARD_BITS) as usize,
            generation: (number >> 32) as u32,
        }
    }

    fn number(self) -> u64 {
        (u64::from(self.generation) << 32) | ((self.slot as u64) << SHARD_BITS) | self.shard as u64
    }
}

#[derive(Default)]
struct Shard {
    slots: Vec<Option<Task>>,
    /// Per slot: the generation of its current (or next) occupant.
    generations: Vec<u32>,
    free: Vec<u32>,
    live: usize,
    spawned: u64,
    stopped: u64,
}

/// Counters summed over the shards.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    pub(crate) live: usize,
    pub(crate) spawned: u64,
    pub(crate) stopped: u64,
}

pub(crate) struct ActorTable {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
}

impl ActorTable {
    pub(crate) fn new() -> Self {
        ActorTable {
            shards: (0..SHARDS)
                .map(|_| CachePadded::new(Mutex::new(Shard::default())))
                .collect(),
        }
    }

    /// Adds an actor: `make` builds its handle from its pid number, under
    /// the shard's lock, unless `accept()` (also checked under the lock)
    /// refuses.
    pub(crate) fn insert<T>(
        &self,
        accept: impl FnOnce() -> bool,
        make: impl FnOnce(u64) -> (T, Task),
    ) -> Option<T> {
        let shard_index = thread_shard();
        let mut shard = lock(&self.shards[shard_index]);
        if !accept() {
            return None;
        }
        let slot = match shard.free.pop() {
            Some(slot) => slot as usize,
            None => {
                let slot = shard.slots.len();
                assert!(slot < MAX_SLOTS, "at most 2^26 live actors per shard");
                shard.slots.push(None);
                shard.generations.push(0);
                slot
            }
        };
        let number = Position {
            shard: shard_index,
            slot,
            generation: shard.generations[slot],
        }
        .number();
        let (handle, task) = make(number);
        shard.slots[slot] = Some(task);
        shard.live += 1;
        shard.spawned += 1;
        Some(handle)
    }

    /// Removes the actor `number`, returning its handle.
    pub(crate) fn remove(&self, number: u64) -> Option<Task> {
        let at = Position::of(number);
        let mut shard = lock(&self.shards[at.shard]);
        if shard.generations.get(at.slot) != Some(&at.generation) {
            return None;
        }
        let task = shard.slots[at.slot].take()?;
        shard.generations[at.slot] = at.generation.wrapping_add(1);
        shard.free.push(at.slot as u32);
        shard.live -= 1;
        shard.stopped += 1;
        Some(task)
    }

    /// The live actor `number`, if it is still in the table.
    pub(crate) fn get(&self, number: u64) -> Option<Task> {
        let at = Position::of(number);
        let shard = lock(self.shards.get(at.shard)?);
        if shard.generations.get(at.slot) != Some(&at.generation) {
            return None;
        }
        shard.slots[at.slot].clone()
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_number_names_its_position_and_generation() {
        let at = Position {
            shard: 63,
            slot: MAX_SLOTS - 1,
            generation: u32::MAX,
        };
        assert_eq!(Position::of(at.number()), at);
        let first = Position {
            shard: 5,
            slot: 0,
            generation: 0,
        };
        assert_eq!(first.number(), 5);
        assert_eq!(Position::of(5), first);
    }
}
