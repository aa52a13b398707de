use foundation::prelude::*;

#[actor(name = "a", name = "b")]
struct Counter;

#[handlers]
impl Counter {
    pub fn add(&mut self, _n: u64) {}
}

fn main() {}
