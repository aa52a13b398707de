use foundation::prelude::*;

#[actor]
#[derive(Default)]
pub struct Worker;

#[handlers]
impl Worker {
    pub fn job(&mut self, _n: u64) {}
}

#[derive(Default)]
pub struct Plain;

#[ecosystem]
pub struct Pool {
    #[coordinator]
    lead: Worker,
    #[workers(count = 2)]
    workers: Worker,
    #[child]
    helper: Plain,
}

fn main() {}
