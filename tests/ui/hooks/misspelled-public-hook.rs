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

    // Public, so it would have become a message `init` nobody sends.
    pub fn init(&mut self, _ctx: &mut Context<Self>) {
        self.total = 1;
    }
}

fn main() {}
