use foundation::prelude::*;

struct Plain;

fn main() {
    let node = Node::builder().schedulers(1).start().unwrap();
    let _ = node.spawn(Plain);
}
