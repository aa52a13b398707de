use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn add<N: Into<u64>>(&mut self, n: N) {
        self.total += n.into();
    }
}

fn main() {}
