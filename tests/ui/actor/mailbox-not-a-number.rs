use foundation::prelude::*;

#[actor(flow = "manual", mailbox = "64")]
struct Counter;

#[handlers]
impl Counter {
    pub fn add(&mut self, _n: u64) {}
}

fn main() {}
