use foundation::prelude::*;

#[actor(name = 5)]
struct Counter;

#[handlers]
impl Counter {
    pub fn add(&mut self, _n: u64) {}
}

fn main() {}
