use foundation::prelude::*;
use std::rc::Rc;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn add(&mut self, n: Rc<u64>) {
        self.total += *n;
    }
}

fn main() {}
