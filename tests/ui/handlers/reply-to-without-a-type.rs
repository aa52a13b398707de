use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn total(&self, reply: ReplyTo) {
        let _ = reply;
    }
}

fn main() {}
