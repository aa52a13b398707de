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

    pub fn sub(&mut self, n: u64) {
        self.total -= n;
    }
}

fn main() {
    let node = Node::builder().schedulers(1).start().unwrap();
    let counter = node.spawn(Counter { total: 0 }).unwrap();
    // Two handlers take one `u64`: which would a `u64` be? No `From<u64>`.
    let _ = counter.recipient::<u64>();
}
