use foundation::prelude::*;

#[actor(restart = transient)]
struct Counter;

#[handlers]
impl Counter {
    pub fn add(&mut self, _n: u64) {}
}

fn main() {}
