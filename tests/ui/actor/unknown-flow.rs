use foundation::prelude::*;

#[actor(flow = "bounded")]
struct Counter;

#[handlers]
impl Counter {
    pub fn add(&mut self, _n: u64) {}
}

fn main() {}
