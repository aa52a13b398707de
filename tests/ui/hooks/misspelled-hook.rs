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

    // Meant to be `started`: as written it would never run.
    fn start(&mut self, _ctx: &mut Context<Self>) {
        self.total = 1;
    }
}

fn main() {}
