use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn total(&self, reply: ReplyTo<u64>) -> u64 {
        let _ = reply.reply(self.total);
        self.total
    }
}

fn main() {}
