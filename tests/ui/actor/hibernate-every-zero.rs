use foundation::prelude::*;

#[actor(memory = "gc_optimized", hibernate_every = 0)]
struct Cache;

#[handlers]
impl Cache {
    pub fn put(&mut self, _n: u64) {}
}

fn main() {}
