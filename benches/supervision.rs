//! Supervision benchmarks. `restart/latency` is the time from sending a
//! message that panics to the reply of the message queued right behind it,
//! which the restarted child handles: the panic and its unwinding, the dead
//! letter, the supervisor hearing of the exit, the restart in the same cell,
//! and one call. `restart/call-baseline` is the same call without a crash,
//! measured in the same run, so the difference is the restart.
//!
//! `cargo bench --bench supervision`

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use foundation::{ActorRef, ChildSpec, Context, Node, ReplyTo, Supervisor};

const T: Duration = Duration::from_secs(30);

enum Msg {
    Crash,
    Ping(ReplyTo<()>),
}

struct Child;

impl foundation::Actor for Child {
    type Msg = Msg;
    fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
        match msg {
            Msg::Crash => std::panic::panic_any("benchmark crash"),
            Msg::Ping(reply) => {
                let _ = reply.reply(());
            }
        }
    }
}

fn child(node: &Node) -> ActorRef<Child> {
    let sup = Supervisor::builder()
        .intensity(u32::MAX, Duration::from_millis(1))
        .child(ChildSpec::new("child", || Child))
        .spawn(node)
        .unwrap();
    sup.child::<Child>("child").unwrap().unwrap()
}

fn restart(c: &mut Criterion) {
    let mut group = c.benchmark_group("restart");
    for schedulers in [1usize, 2] {
        let node = Node::builder().schedulers(schedulers).start().unwrap();
        let child = child(&node);
        group.bench_function(format!("latency/{schedulers}-sched"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    child.send(Msg::Crash).ok().unwrap();
                    child.call(Msg::Ping, T).unwrap();
                }
                start.elapsed()
            });
        });
        group.bench_function(format!("call-baseline/{schedulers}-sched"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    child.call(Msg::Ping, T).unwrap();
                }
                start.elapsed()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, restart);
criterion_main!(benches);
