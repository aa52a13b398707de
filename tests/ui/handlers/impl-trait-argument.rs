use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn add_all(&mut self, ns: impl Iterator<Item = u64>) {
        self.total += ns.sum::<u64>();
    }
}

fn main() {}
