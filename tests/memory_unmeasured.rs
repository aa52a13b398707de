//! Memory figures without the accounting allocator (ADR 0009): "not
//! measured", never a made-up number; a `max_heap` that cannot be
//! checked is reported once per node; hibernation works all the same.

mod common;

use std::sync::mpsc;

use common::{T, global_log, node, wait_until};
use foundation::memory::{MemoryPressure, MemoryStrategy, Usage};
use foundation::{
    Actor, ActorOptions, Context, EcosystemSpec, Node, NodeError, ecosystem_health, spawn_ecosystem,
};

struct Idle;

impl Actor for Idle {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {}
}

#[test]
fn figures_say_not_measured() {
    assert!(!foundation::memory::is_accounting());
    let node = node(1);
    let idle = node.spawn(Idle).unwrap();
    assert_eq!(idle.memory(), Usage::NotMeasured);
    let memory = node.stats().memory;
    assert_eq!(memory.process, Usage::NotMeasured);
    assert_eq!(memory.actors, Usage::NotMeasured);
    assert_eq!(memory.shared, Usage::NotMeasured);
    let eco = spawn_ecosystem(
        &node,
        EcosystemSpec::new("plain", |_| Idle).workers(1, || Idle),
    )
    .unwrap();
    let health = ecosystem_health(&eco);
    assert_eq!(
        health.member("worker-0").unwrap().memory,
        Usage::NotMeasured
    );
    assert!(
        health.to_string().contains("memory not measured"),
        "{health}"
    );
}

#[test]
fn an_unchecked_max_heap_is_reported_once_per_node() {
    let log = global_log();
    let node = Node::builder()
        .name("unmeasured")
        .schedulers(1)
        .start()
        .unwrap();
    for _ in 0..3 {
        let limited = node
            .spawn_with(Idle, ActorOptions::new().max_heap(1 << 20))
            .unwrap();
        assert!(limited.is_alive(), "it runs, unlimited");
    }
    let reports = log
        .text()
        .matches("node unmeasured: an actor has a `max_heap`, but the accounting allocator is not installed")
        .count();
    assert_eq!(reports, 1, "{}", log.text());
}

#[test]
fn memory_pressure_needs_the_accounting_allocator() {
    let refused = Node::builder()
        .memory_pressure(MemoryPressure::new([1 << 30]))
        .start();
    assert!(
        matches!(refused, Err(NodeError::InvalidConfig { field: "memory_pressure", ref reason }) if reason.contains("AccountingAllocator"))
    );
    let refused = Node::builder()
        .memory_pressure(MemoryPressure::new([]))
        .start();
    assert!(
        matches!(refused, Err(NodeError::InvalidConfig { field: "memory_pressure", ref reason }) if reason.contains("no threshold"))
    );
}

/// Counts its compactions.
struct Sleepy(mpsc::Sender<()>);

impl Actor for Sleepy {
    type Msg = u32;
    fn handle(&mut self, _: u32, _: &mut Context<Self>) {}
    fn compact(&mut self, _: &mut Context<Self>) {
        let _ = self.0.send(());
    }
}

#[test]
fn hibernation_works_without_the_allocator() {
    let node = node(1);
    let (tx, compactions) = mpsc::channel();
    let options = ActorOptions::new()
        .memory(MemoryStrategy::GcOptimized)
        .hibernate_every(10);
    let sleepy = node.spawn_with(Sleepy(tx), options).unwrap();
    for n in 0..10 {
        sleepy.send(n).unwrap();
    }
    compactions.recv_timeout(T).unwrap();
    assert_eq!(node.hibernate_all(), 1);
    compactions.recv_timeout(T).unwrap();
    for n in 0..100 {
        sleepy.send(n).unwrap();
    }
    wait_until("all handled", || sleepy.messages_handled() == 110);
}
