use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn consume(self) -> u64 {
        self.total
    }
}

fn main() {}
