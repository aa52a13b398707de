use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn tick(&mut self, _a: &mut Context<Self>, _b: &mut Context<Self>) {
        self.total += 1;
    }
}

fn main() {}
