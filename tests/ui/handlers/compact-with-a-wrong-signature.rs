use foundation::prelude::*;

#[actor(memory = "gc_optimized")]
struct Cache(Vec<u64>);

#[handlers]
impl Cache {
    pub fn put(&mut self, n: u64) {
        self.0.push(n);
    }

    // `compact` is the hook: it takes the context, and returns nothing.
    pub fn compact(&mut self) -> usize {
        std::mem::take(&mut self.0).len()
    }
}

fn main() {}
