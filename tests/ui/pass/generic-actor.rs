//! Generic actors: type and const parameters, bounds in the block and in a
//! where clause, a parameter the handlers do not mention.
use foundation::prelude::*;
use std::fmt::Display;
use std::marker::PhantomData;

#[actor]
struct Window<T, K, const N: usize> {
    items: Vec<T>,
    _key: PhantomData<K>,
}

#[handlers]
impl<T, K, const N: usize> Window<T, K, N>
where
    T: Display + Send + 'static,
    K: Send + 'static,
{
    pub fn push(&mut self, item: T) {
        self.items.push(item);
        if self.items.len() > N {
            self.items.remove(0);
        }
    }

    pub fn show(&self) -> String {
        self.items.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
    }
}

fn main() {
    let node = Node::builder().schedulers(1).start().unwrap();
    let window = node
        .spawn(Window::<u32, (), 2> { items: vec![], _key: PhantomData })
        .unwrap();
    for n in 1..=3 {
        window.push(n).unwrap();
    }
    assert_eq!(window.show().unwrap(), "2,3");
}
