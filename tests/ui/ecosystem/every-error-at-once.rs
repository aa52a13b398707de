use foundation::prelude::*;

#[actor]
#[derive(Default)]
pub struct Worker;

#[handlers]
impl Worker {
    pub fn job(&mut self, _n: u64) {}
}

#[ecosystem(strategy = "one_for_most", within = "5 seconds", max_restarts = "3")]
pub struct Pool {
    lead: Worker,
    #[workers(count = 2, route = "key_hash")]
    workers: Worker,
    #[nested(factory = make)]
    inner: Worker,
}

fn main() {}
