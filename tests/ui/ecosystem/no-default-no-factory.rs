use foundation::prelude::*;

#[actor]
#[derive(Default)]
pub struct Worker;

#[handlers]
impl Worker {
    pub fn job(&mut self, _n: u64) {}
}

#[actor]
pub struct Audit {
    _path: String,
}

#[handlers]
impl Audit {}

#[ecosystem]
pub struct Pool {
    #[coordinator]
    lead: Worker,
    #[workers(count = 2)]
    workers: Worker,
    #[child]
    audit: Audit,
}

fn main() {}
