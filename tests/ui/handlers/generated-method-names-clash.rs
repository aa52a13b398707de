use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn total_async(&self) {}
}

fn main() {}
