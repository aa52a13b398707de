use foundation::prelude::*;

#[actor]
struct Stack<T> {
    items: Vec<T>,
}

fn main() {
    let node = Node::builder().schedulers(1).start().unwrap();
    let _ = node.spawn(Stack::<u8> { items: vec![] });
}
