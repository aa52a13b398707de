use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn log(&mut self, line: &str) {
        self.total += line.len() as u64;
    }
}

fn main() {}
