use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn add_item(&mut self) {
        self.total += 1;
    }

    pub fn _add_item(&mut self) {
        self.total += 1;
    }
}

fn main() {}
