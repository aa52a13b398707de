//! The smallest actor: no options, no handlers.
use foundation::prelude::*;

#[actor]
struct Idle;

#[handlers]
impl Idle {}

fn main() {
    let node = Node::builder().schedulers(1).start().unwrap();
    let idle = node.spawn(Idle).unwrap();
    assert!(idle.is_alive());
}
