use foundation::prelude::*;

#[actor(trap_exit(true))]
struct Counter;

#[handlers]
impl Counter {
    pub fn add(&mut self, _n: u64) {}
}

fn main() {}
