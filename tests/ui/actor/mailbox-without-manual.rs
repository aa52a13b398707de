use foundation::prelude::*;

#[actor(mailbox = 64)]
struct Counter;

#[handlers]
impl Counter {
    pub fn add(&mut self, _n: u64) {}
}

fn main() {}
