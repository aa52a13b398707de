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

    fn on_down(&mut self, from: Pid, _ctx: &mut Context<Self>) {
        let _ = from;
    }
}

fn main() {}
