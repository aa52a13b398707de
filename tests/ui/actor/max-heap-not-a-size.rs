use foundation::prelude::*;

#[actor(max_heap = "16 megabytes")]
struct Cache;

#[handlers]
impl Cache {
    pub fn put(&mut self, _n: u64) {}
}

#[actor(max_heap = 16777216)]
struct Store;

#[handlers]
impl Store {
    pub fn put(&mut self, _n: u64) {}
}

fn main() {}
