use foundation::prelude::*;

#[actor]
struct Stack<T> {
    items: Vec<T>,
}

#[handlers]
impl<T: Clone + Send + 'static> Stack<T> {
    pub fn push(&mut self, item: T) {
        self.items.push(item);
    }
}

struct NotClone;

fn main() {
    let node = Node::builder().schedulers(1).start().unwrap();
    let _ = node.spawn(Stack::<NotClone> { items: vec![] });
}
