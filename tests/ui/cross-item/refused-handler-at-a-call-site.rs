use foundation::prelude::*;

#[actor]
struct Store {
    items: Vec<String>,
}

#[handlers]
impl Store {
    pub fn put(&mut self, item: &str) {
        self.items.push(item.to_string());
    }
}

fn main() {
    let node = Node::builder().start().unwrap();
    let store = node.spawn(Store { items: Vec::new() }).unwrap();
    store.put("a").unwrap();
    store.put("b").unwrap();
}
