use foundation::prelude::*;

// Only a `gc_optimized` actor hibernates.
#[actor(hibernate_after = "30s", hibernate_every = 100)]
struct Cache;

#[handlers]
impl Cache {
    pub fn put(&mut self, _n: u64) {}
}

fn main() {}
