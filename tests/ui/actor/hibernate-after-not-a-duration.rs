use foundation::prelude::*;

#[actor(memory = "gc_optimized", hibernate_after = "30 seconds")]
struct Cache;

#[handlers]
impl Cache {
    pub fn put(&mut self, _n: u64) {}
}

fn main() {}
