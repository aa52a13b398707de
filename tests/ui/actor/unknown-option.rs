use foundation::prelude::*;

#[actor(heap_size = "16MiB")]
struct Counter;

#[handlers]
impl Counter {
    pub fn add(&mut self, _n: u64) {}
}

fn main() {}
