use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn total(&self, a: ReplyTo<u64>, b: ReplyTo<u64>) {
        let _ = (a.reply(self.total), b.reply(self.total));
    }
}

fn main() {}
