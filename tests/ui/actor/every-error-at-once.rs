use foundation::prelude::*;

#[actor(name = 1, restart = "often", colour = "red", blocking, blocking)]
struct Counter;

#[handlers]
impl Counter {
    pub fn add(&mut self, _n: u64) {}
}

fn main() {}
