use foundation::prelude::*;

struct Counter {
    total: u64,
}

#[actor]
impl Counter {
    pub fn add(&mut self, n: u64) {
        self.total += n;
    }
}

fn main() {
    let node = Node::builder().start().unwrap();
    let counter = node.spawn(Counter { total: 0 }).unwrap();
    counter.add(1).unwrap();
}
