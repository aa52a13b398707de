use foundation::prelude::*;

#[actor(max_heap = "0MiB")]
struct Cache;

#[handlers]
impl Cache {
    pub fn put(&mut self, _n: u64) {}
}

fn main() {}
