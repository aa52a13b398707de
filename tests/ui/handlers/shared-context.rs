use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn whoami(&self, ctx: &Context<Self>) -> Pid {
        ctx.pid()
    }
}

fn main() {}
