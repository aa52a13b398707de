//! Methods whose names are close to a hook's but whose signatures are not a
//! hook's stay what they are: handlers and helpers.
use foundation::prelude::*;

#[actor]
struct Timer {
    starts: u32,
}

#[handlers]
impl Timer {
    /// A handler named like a hook, with another signature: a message.
    pub fn start(&mut self) {
        self.starts += 1;
        self.stats();
    }

    pub fn starts(&self) -> u32 {
        self.starts
    }

    // A helper near `stopped`, taking other arguments.
    fn stops(&self, extra: u32) -> u32 {
        self.starts + extra
    }

    fn stats(&self) -> u32 {
        self.stops(0)
    }

    fn started(&mut self, _ctx: &mut foundation::Context<Self>) {
        self.starts = 0;
    }
}

fn main() {
    let node = Node::builder().schedulers(1).start().unwrap();
    let timer = node.spawn(Timer { starts: 7 }).unwrap();
    timer.start().unwrap();
    assert_eq!(timer.starts().unwrap(), 1);
}
