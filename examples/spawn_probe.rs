use foundation::{Actor, Context, Node};
use std::time::Instant;
struct Idle;
impl Actor for Idle {
    type Msg = ();
    fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
fn main() {
    let node = Node::builder().schedulers(2).start().unwrap();
    let mut refs = Vec::with_capacity(100_000);
    let mut best = u128::MAX;
    let mut sum = 0;
    for _ in 0..20 {
        let n = 100_000;
        let t = Instant::now();
        for _ in 0..n {
            refs.push(node.spawn(Idle).unwrap());
        }
        for r in refs.drain(..) {
            r.send(()).unwrap();
        }
        while node.actor_count() > 0 {
            std::thread::yield_now();
        }
        let ns = t.elapsed().as_nanos() / n as u128;
        best = best.min(ns);
        sum += ns;
    }
    println!("best {best} ns/actor, mean {} ns/actor", sum / 20);
}
