use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn add(&mut self, n: u64) {
        self.total += n;
    }
}

#[handlers]
impl Counter {
    pub fn total(&self) -> u64 {
        self.total
    }
}

fn main() {}
