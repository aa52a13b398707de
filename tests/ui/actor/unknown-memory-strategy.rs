use foundation::prelude::*;

#[actor(memory = "compacting")]
struct Cache;

#[handlers]
impl Cache {
    pub fn put(&mut self, _n: u64) {}
}

fn main() {}
