use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

impl Counter {
    pub fn add(&mut self, n: u64) {
        self.total += n;
    }
}

fn main() {}
