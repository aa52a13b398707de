use foundation::prelude::*;

#[actor]
#[derive(Default)]
pub struct Worker;

#[handlers]
impl Worker {
    pub fn job(&mut self, _n: u64) {}
}

#[ecosystem]
pub struct Pool {
    #[coordinator]
    lead: Worker,
    #[workers(count = 0)]
    workers: Worker,
}

fn main() {}
