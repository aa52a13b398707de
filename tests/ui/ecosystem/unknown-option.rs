use foundation::prelude::*;

#[actor]
#[derive(Default)]
pub struct Worker;

#[handlers]
impl Worker {
    pub fn job(&mut self, _n: u64) {}
}

#[ecosystem(strategy = "one_for_one", restarts = 3)]
pub struct Pool {
    #[coordinator]
    lead: Worker,
    #[workers(count = 2, size = 4)]
    workers: Worker,
}

fn main() {}
