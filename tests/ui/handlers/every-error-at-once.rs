use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn consume(self) {}

    pub async fn total(&self) -> u64 {
        self.total
    }

    pub fn log(&mut self, line: &str) {
        self.total += line.len() as u64;
    }

    pub fn stop(&mut self) {}

    pub fn add(&mut self, n: u64) {
        self.total += n;
    }
}

fn main() {}
