use foundation::prelude::*;

#[actor]
struct Counter;

#[handlers]
impl Clone for Counter {
    fn clone(&self) -> Self {
        Counter
    }
}

fn main() {}
