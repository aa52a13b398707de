use foundation::prelude::*;

#[actor]
struct Counter {
    total: u64,
}

#[handlers]
impl Counter {
    pub fn add(&mut self, n: u64) {
        self.total += n;
    }

    fn stopped(&mut self) {
        println!("{}", self.total);
    }
}

fn main() {}
