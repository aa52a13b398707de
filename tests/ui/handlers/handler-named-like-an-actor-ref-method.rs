use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn stop(&mut self) {
        self.total = 0;
    }
}

fn main() {}
