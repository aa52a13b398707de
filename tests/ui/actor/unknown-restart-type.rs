use foundation::prelude::*;

#[actor(restart = "sometimes")]
struct Counter;

#[handlers]
impl Counter {
    pub fn add(&mut self, _n: u64) {}
}

fn main() {}
