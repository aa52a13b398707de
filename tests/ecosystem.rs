//! Ecosystems: routing, adding and removing workers under load, nested
//! ecosystems' order, health, unit restarts and handles, start failures,
//! and the handle's operations from a handler on one scheduler thread.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use common::{T, node, wait_until};
use foundation::{
    Actor, CallError, ChildSpec, Context, Ecosystem, EcosystemError, EcosystemSpec,
    EcosystemStatus, LookupError, MemberStatus, RouteError, Routing, SendError, StartError,
    Strategy, Supervisor, SupervisorError, ecosystem_health, ecosystem_supervisor, spawn_ecosystem,
};

/// Records which worker handled which message.
#[derive(Clone, Default)]
struct Tally(Arc<Mutex<HashMap<String, Vec<u64>>>>);

impl Tally {
    fn record(&self, who: String, n: u64) {
        self.0.lock().unwrap().entry(who).or_default().push(n);
    }
    fn counts(&self) -> Vec<usize> {
        let mut c: Vec<usize> = self.0.lock().unwrap().values().map(Vec::len).collect();
        c.sort();
        c
    }
    fn total(&self) -> usize {
        self.0.lock().unwrap().values().map(Vec::len).sum()
    }
}

enum Job {
    Work(u64),
    /// Holds the worker until the latch is released.
    Hold(mpsc::Receiver<()>),
}

struct Worker {
    tally: Tally,
}

impl Actor for Worker {
    type Msg = Job;
    fn handle(&mut self, job: Job, ctx: &mut Context<Self>) {
        match job {
            Job::Work(n) => self.tally.record(ctx.pid().number().to_string(), n),
            Job::Hold(latch) => {
                let _ = latch.recv();
            }
        }
    }
}

#[derive(Default)]
struct Idle;
impl Actor for Idle {
    type Msg = ();
    fn handle(&mut self, (): (), _: &mut Context<Self>) {}
}

fn pool_of(
    name: &str,
    n: usize,
    routing: Routing<Job>,
    tally: &Tally,
) -> EcosystemSpec<Idle, Worker> {
    let tally = tally.clone();
    EcosystemSpec::new(name, |_| Idle)
        .workers(n, move || Worker {
            tally: tally.clone(),
        })
        .routing(routing)
}

#[test]
fn round_robin_spreads_evenly() {
    let node = node(2);
    let tally = Tally::default();
    let eco = spawn_ecosystem(&node, pool_of("rr", 3, Routing::round_robin(), &tally)).unwrap();
    for n in 0..300 {
        assert_eq!(eco.route(Job::Work(n)).unwrap(), 1);
    }
    wait_until("all handled", || tally.total() == 300);
    assert_eq!(tally.counts(), [100, 100, 100]);
}

#[test]
fn least_loaded_avoids_a_busy_worker() {
    let node = node(2);
    let tally = Tally::default();
    let eco = spawn_ecosystem(&node, pool_of("ll", 3, Routing::least_loaded(), &tally)).unwrap();
    let busy = eco.workers()[0].clone();
    let (release, latch) = mpsc::channel();
    busy.send(Job::Hold(latch)).unwrap();
    // Give the busy worker a backlog longer than any other can reach.
    for n in 0..1000 {
        busy.send(Job::Work(1_000_000 + n)).unwrap();
    }
    wait_until("the busy one holds", || busy.mailbox_len() == 1000);
    for n in 0..200 {
        eco.route(Job::Work(n)).unwrap();
    }
    wait_until("routed ones handled", || tally.total() == 200);
    assert_eq!(
        busy.mailbox_len(),
        1000,
        "nothing was routed to the worker with the longest mailbox"
    );
    assert_eq!(tally.counts().len(), 2);
    release.send(()).unwrap();
    wait_until("all handled", || tally.total() == 1200);
}

#[test]
fn key_hash_sends_one_key_to_one_worker_in_order() {
    let node = node(2);
    let tally = Tally::default();
    let routing = Routing::key_hash(|job: &Job| match job {
        Job::Work(n) => *n % 7,
        Job::Hold(_) => 0,
    });
    let eco = spawn_ecosystem(&node, pool_of("kh", 4, routing, &tally)).unwrap();
    for n in 0..700 {
        eco.route(Job::Work(n)).unwrap();
    }
    wait_until("all handled", || tally.total() == 700);
    let seen = tally.0.lock().unwrap();
    for key in 0..7 {
        let holders: Vec<&String> = seen
            .iter()
            .filter(|(_, jobs)| jobs.iter().any(|n| n % 7 == key))
            .map(|(who, _)| who)
            .collect();
        assert_eq!(holders.len(), 1, "key {key} went to {holders:?}");
        let jobs: Vec<u64> = seen[holders[0]]
            .iter()
            .copied()
            .filter(|n| n % 7 == key)
            .collect();
        assert!(jobs.windows(2).all(|w| w[0] < w[1]), "in order");
        assert_eq!(jobs.len(), 100);
    }
    assert!(seen.len() > 1, "keys spread over more than one worker");
}

#[derive(Clone)]
struct Copyable(u64);

struct Listener(Arc<Mutex<Vec<(u64, u64)>>>);
impl Actor for Listener {
    type Msg = Copyable;
    fn handle(&mut self, Copyable(n): Copyable, ctx: &mut Context<Self>) {
        self.0.lock().unwrap().push((ctx.pid().number(), n));
    }
}

#[test]
fn broadcast_reaches_every_worker() {
    let node = node(2);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let eco = spawn_ecosystem(
        &node,
        EcosystemSpec::new("bc", |_| Idle)
            .workers(5, move || Listener(Arc::clone(&s)))
            .routing(Routing::broadcast()),
    )
    .unwrap();
    for n in 0..10 {
        assert_eq!(eco.route(Copyable(n)).unwrap(), 5);
    }
    wait_until("all copies", || seen.lock().unwrap().len() == 50);
    let seen = seen.lock().unwrap();
    for worker in eco.workers() {
        let mine: Vec<u64> = seen
            .iter()
            .filter(|(w, _)| *w == worker.pid().number())
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(mine, (0..10).collect::<Vec<_>>());
    }
}

/// Counts every job handled, exactly: the sum of the jobs' numbers too.
struct Counter(Arc<AtomicU64>, Arc<AtomicU64>);
impl Actor for Counter {
    type Msg = u64;
    fn handle(&mut self, n: u64, _: &mut Context<Self>) {
        self.0.fetch_add(1, SeqCst);
        self.1.fetch_add(n, SeqCst);
        if n.is_multiple_of(64) {
            // Let backlogs build so that removals have something to drain.
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}

#[test]
fn adding_and_removing_workers_under_load_loses_no_job() {
    let node = node(2);
    let (count, sum) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let (c, s) = (Arc::clone(&count), Arc::clone(&sum));
    let eco = spawn_ecosystem(
        &node,
        EcosystemSpec::new("elastic", |_| Idle)
            .workers(2, move || Counter(Arc::clone(&c), Arc::clone(&s))),
    )
    .unwrap();
    const JOBS: u64 = 50_000;
    let producer = {
        let eco = eco.clone();
        std::thread::spawn(move || {
            for n in 1..=JOBS {
                let mut job = n;
                loop {
                    match eco.route(job) {
                        Ok(_) => break,
                        Err(RouteError::Refused(SendError::Overloaded(back))) => {
                            job = back;
                            std::thread::yield_now();
                        }
                        Err(other) => panic!("{other}"),
                    }
                }
            }
        })
    };
    let mut removed = 0;
    while !producer.is_finished() || removed < 6 {
        eco.add_worker().unwrap();
        eco.add_worker().unwrap();
        eco.remove_worker().unwrap();
        removed += 1;
        if removed >= 6 {
            // Shrink back while the producer may still run.
            while eco.workers().len() > 1 {
                eco.remove_worker().unwrap();
            }
            break;
        }
    }
    assert!(matches!(
        eco.remove_worker(),
        Err(EcosystemError::LastWorker)
    ));
    producer.join().unwrap();
    wait_until("every job handled", || count.load(SeqCst) == JOBS);
    assert_eq!(sum.load(SeqCst), JOBS * (JOBS + 1) / 2);
    assert_eq!(
        node.dead_letters().count(),
        0,
        "no job became a dead letter"
    );
    assert_eq!(eco.workers().len(), 1);
    assert_eq!(
        eco.supervisor().count_children().unwrap().specs,
        2,
        "removed workers are forgotten"
    );
}

/// Logs its start and stop.
struct Logged(&'static str, Arc<Mutex<Vec<String>>>);
impl Actor for Logged {
    type Msg = ();
    fn handle(&mut self, (): (), _: &mut Context<Self>) {}
    fn started(&mut self, _: &mut Context<Self>) {
        self.1.lock().unwrap().push(format!("start {}", self.0));
    }
    fn stopped(&mut self, _: &foundation::ExitReason) {
        self.1.lock().unwrap().push(format!("stop {}", self.0));
    }
}

fn logged(
    name: &'static str,
    log: &Arc<Mutex<Vec<String>>>,
) -> impl Fn() -> Logged + Send + Sync + 'static {
    let log = Arc::clone(log);
    move || Logged(name, Arc::clone(&log))
}

#[test]
fn nested_ecosystems_start_in_order_and_stop_in_reverse() {
    let node = node(2);
    let log = Arc::new(Mutex::new(Vec::new()));
    let inner = {
        let coordinator = logged("inner/coordinator", &log);
        EcosystemSpec::new("inner", move |_| coordinator()).workers(1, logged("inner/worker", &log))
    };
    let outer = {
        let coordinator = logged("outer/coordinator", &log);
        EcosystemSpec::new("outer", move |_| coordinator())
            .workers(2, logged("outer/worker", &log))
            .child(ChildSpec::new("audit", logged("outer/audit", &log)))
            .nested(inner)
            .child(ChildSpec::new("last", logged("outer/last", &log)))
    };
    let eco = spawn_ecosystem(&node, outer).unwrap();
    let started: Vec<String> = log.lock().unwrap().clone();
    assert_eq!(
        started,
        [
            "start outer/worker",
            "start outer/worker",
            "start outer/coordinator",
            "start outer/audit",
            "start inner/worker",
            "start inner/coordinator",
            "start outer/last",
        ]
    );
    let inner = eco
        .nested::<Logged, Logged>("inner")
        .expect("the nested ecosystem");
    assert!(inner.coordinator().is_alive());
    assert!(node.ecosystem::<Logged, Logged>("inner").is_ok());
    log.lock().unwrap().clear();
    eco.stop();
    wait_until("all stopped", || node.actor_count() == 0);
    assert_eq!(
        *log.lock().unwrap(),
        [
            "stop outer/last",
            "stop inner/coordinator",
            "stop inner/worker",
            "stop outer/audit",
            "stop outer/coordinator",
            "stop outer/worker",
            "stop outer/worker",
        ]
    );
    assert!(!eco.is_alive());
    assert!(matches!(
        ecosystem_health(&eco).status,
        EcosystemStatus::Failed(_)
    ));
}

enum Fragile {
    Crash,
    Ping(foundation::ReplyTo<u32>),
}

/// Crashes on demand; its restarts wait at a gate in their `started` hook.
struct Gated {
    gate: Arc<Mutex<Option<mpsc::Receiver<()>>>>,
    starts: Arc<AtomicUsize>,
}
impl Actor for Gated {
    type Msg = Fragile;
    fn handle(&mut self, msg: Fragile, ctx: &mut Context<Self>) {
        match msg {
            Fragile::Crash => panic!("crash"),
            Fragile::Ping(reply) => {
                let _ = reply.reply(ctx.pid().incarnation());
            }
        }
    }
    fn started(&mut self, _: &mut Context<Self>) {
        if self.starts.fetch_add(1, SeqCst) > 0
            && let Some(gate) = self.gate.lock().unwrap().as_ref()
        {
            let _ = gate.recv();
        }
    }
}

#[test]
fn health_reflects_a_crashed_member_and_recovers() {
    let node = node(2);
    let (open, gate) = mpsc::channel();
    let gate = Arc::new(Mutex::new(Some(gate)));
    let starts = Arc::new(AtomicUsize::new(0));
    let (g, s) = (Arc::clone(&gate), Arc::clone(&starts));
    let eco = spawn_ecosystem(
        &node,
        EcosystemSpec::new("health", |_| Idle).workers(1, move || Gated {
            gate: Arc::clone(&g),
            starts: Arc::clone(&s),
        }),
    )
    .unwrap();
    let before = eco.health();
    assert_eq!(before.status, EcosystemStatus::Healthy, "{before}");
    let worker = eco.workers()[0].clone();
    worker.send(Fragile::Crash).unwrap();
    wait_until("restarting", || {
        eco.health().member("worker-0").unwrap().status == MemberStatus::Starting
    });
    let during = eco.health();
    match &during.status {
        EcosystemStatus::Failed(reasons) | EcosystemStatus::Degraded(reasons) => {
            assert!(
                reasons.iter().any(|r| r.contains("worker-0 is starting")),
                "{during}"
            );
        }
        EcosystemStatus::Healthy => panic!("healthy while its worker restarts: {during}"),
    }
    assert_eq!(during.member("worker-0").unwrap().restarts, 1);
    open.send(()).unwrap();
    wait_until("recovered", || eco.health().status.is_healthy());
    let after = eco.health();
    let member = after.member("worker-0").unwrap();
    assert_eq!(
        (member.status, member.restarts),
        (MemberStatus::Running, 1),
        "{after}"
    );
    assert!(member.messages_handled >= 1);
    // Same address: the old ref reaches the new incarnation.
    assert_eq!(worker.call(Fragile::Ping, T), Ok(1));
    assert!(after.to_string().contains("worker-0"));
}

#[test]
fn an_ecosystem_in_a_tree_restarts_as_a_unit_and_its_handle_follows() {
    let node = node(2);
    let eco_spec = EcosystemSpec::new("unit", |_| Idle)
        .workers(2, || Gated {
            gate: Arc::new(Mutex::new(None)),
            starts: Arc::new(AtomicUsize::new(0)),
        })
        .intensity(0, Duration::from_secs(60));
    let root = Supervisor::builder()
        .strategy(Strategy::OneForOne)
        .child(ecosystem_supervisor(eco_spec))
        .spawn(&node)
        .unwrap();
    let eco = node.ecosystem::<Idle, Gated>("unit").unwrap();
    assert_eq!(eco.generation(), 1);
    let old_worker = eco.workers()[0].clone();
    let old_coordinator = eco.coordinator();
    // Intensity 0: the first failure makes the ecosystem give up; the root
    // restarts it as a unit, every member in a new cell.
    old_worker.send(Fragile::Crash).unwrap();
    wait_until("restarted as a unit", || {
        eco.generation() == 2 && eco.health().status.is_healthy()
    });
    assert!(!old_worker.is_alive());
    assert!(
        matches!(old_worker.send(Fragile::Crash), Err(SendError::Closed(_))),
        "the old ref fails, visibly"
    );
    assert!(matches!(
        old_coordinator.send(()),
        Err(SendError::Closed(_))
    ));
    let new_worker = eco.workers()[0].clone();
    assert_ne!(new_worker.pid(), old_worker.pid());
    assert_eq!(new_worker.call(Fragile::Ping, T), Ok(0));
    assert!(eco.coordinator().is_alive());
    assert_eq!(eco.workers().len(), 2);
    assert_eq!(root.count_children().unwrap().active, 1);
    // Looked up again, the same ecosystem.
    let again = node.ecosystem::<Idle, Gated>("unit").unwrap();
    assert_eq!(again.coordinator(), eco.coordinator());
}

struct Broken;
impl Actor for Broken {
    type Msg = ();
    fn handle(&mut self, (): (), _: &mut Context<Self>) {}
    fn started(&mut self, _: &mut Context<Self>) {
        panic!("no disk");
    }
}

#[test]
fn a_member_that_cannot_start_fails_the_start_with_its_typed_error() {
    let node = node(2);
    let spec = EcosystemSpec::new("broken", |_| Idle)
        .workers(2, Idle::default)
        .child(ChildSpec::new("disk", || Broken));
    match spawn_ecosystem(&node, spec) {
        Err(EcosystemError::Start(StartError::Child { id, reason })) => {
            assert_eq!((id.as_str(), reason.as_str()), ("disk", "panic: no disk"));
        }
        other => panic!("{other:?}"),
    }
    // In a nested ecosystem: the nested one is named, its member inside.
    let spec = EcosystemSpec::new("outer", |_| Idle)
        .workers(1, Idle::default)
        .nested(EcosystemSpec::new("inner", |_| Broken).workers(1, Idle::default));
    match spawn_ecosystem(&node, spec) {
        Err(EcosystemError::Start(StartError::Child { id, reason })) => {
            assert_eq!(id, "inner");
            assert!(
                reason.contains("coordinator") && reason.contains("no disk"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    wait_until("nothing left", || node.actor_count() == 0);
    assert!(node.registry().lookup("outer").is_none());
    // An invalid spec is refused before anything starts.
    let spec = EcosystemSpec::new("empty", |_| Idle).workers(0, Idle::default);
    assert!(matches!(
        spawn_ecosystem(&node, spec),
        Err(EcosystemError::Start(StartError::Spec(_)))
    ));
    // A child may not take a member's id.
    for id in ["worker-1", "coordinator"] {
        let spec = EcosystemSpec::new("taken", |_| Idle)
            .workers(2, Idle::default)
            .child(ChildSpec::new(id, Idle::default));
        assert_eq!(
            spec.check(),
            Err(foundation::SpecError::DuplicateId(id.into()))
        );
        assert!(matches!(
            spawn_ecosystem(&node, spec),
            Err(EcosystemError::Start(StartError::Spec(
                foundation::SpecError::DuplicateId(_)
            )))
        ));
    }
    let fine = EcosystemSpec::new("fine", |_| Idle)
        .workers(2, Idle::default)
        .child(ChildSpec::new("worker-2", Idle::default));
    assert_eq!(fine.check(), Ok(()));
    // A name is unique in its node.
    let _first = spawn_ecosystem(
        &node,
        EcosystemSpec::new("twice", |_| Idle).workers(1, Idle::default),
    )
    .unwrap();
    assert!(matches!(
        spawn_ecosystem(
            &node,
            EcosystemSpec::new("twice", |_| Idle).workers(1, Idle::default)
        ),
        Err(EcosystemError::Start(StartError::Spawn(_)))
    ));
}

#[test]
fn lookups_name_the_wrong_type() {
    let node = node(1);
    let _eco = spawn_ecosystem(
        &node,
        EcosystemSpec::new("typed", |_| Idle).workers(1, Idle::default),
    )
    .unwrap();
    assert!(node.ecosystem::<Idle, Idle>("typed").is_ok());
    assert!(matches!(
        node.ecosystem::<Idle, Broken>("typed"),
        Err(LookupError::WrongType { .. })
    ));
    assert!(matches!(
        node.ecosystem::<Idle, Idle>("nobody"),
        Err(LookupError::NotRegistered { .. })
    ));
}

/// Drives an ecosystem from its handler: grows it, shrinks it, reads its
/// health, and tries the blocking form.
struct Operator {
    eco: Ecosystem<Idle, Idle>,
    report: mpsc::Sender<String>,
}

impl Actor for Operator {
    type Msg = ();
    fn handle(&mut self, (): (), ctx: &mut Context<Self>) {
        let blocking = self.eco.add_worker();
        assert!(matches!(
            blocking,
            Err(EcosystemError::Supervisor(SupervisorError::Call(
                CallError::Deadlock
            )))
        ));
        assert!(matches!(
            self.eco.remove_worker(),
            Err(EcosystemError::Supervisor(SupervisorError::Call(
                CallError::Deadlock
            )))
        ));
        self.eco.add_worker_in(ctx).then(|me, ctx, added| {
            let added = added.unwrap();
            me.report
                .send(format!("added {}", added.is_alive()))
                .unwrap();
            me.eco.remove_worker_in(ctx).then(|me, _, removed| {
                removed.unwrap();
                let health = me.eco.health();
                me.report
                    .send(format!(
                        "workers {} {}",
                        me.eco.workers().len(),
                        health.status
                    ))
                    .unwrap();
            });
        });
    }
}

#[test]
fn the_handles_operations_from_a_handler_on_one_scheduler_thread_do_not_block_it() {
    let node = node(1);
    let eco = spawn_ecosystem(
        &node,
        EcosystemSpec::new("ops", |_| Idle).workers(2, Idle::default),
    )
    .unwrap();
    let (tx, rx) = mpsc::channel();
    node.spawn(Operator {
        eco: eco.clone(),
        report: tx,
    })
    .unwrap()
    .send(())
    .unwrap();
    assert_eq!(rx.recv_timeout(T).unwrap(), "added true");
    assert_eq!(rx.recv_timeout(T).unwrap(), "workers 2 healthy");
    assert_eq!(eco.supervisor().count_children().unwrap().specs, 3);
}

mod declared {
    use foundation::prelude::*;

    #[actor]
    #[derive(Default)]
    pub struct Cell {
        pub hits: u32,
    }

    #[handlers]
    impl Cell {
        pub fn hit(&mut self) -> u32 {
            self.hits += 1;
            self.hits
        }
        pub fn crash(&mut self) {
            panic!("crash");
        }
    }

    #[ecosystem(name = "declared-unit", max_restarts = 0, within = "1m")]
    pub struct Unit {
        #[coordinator]
        pub lead: Cell,
        #[workers(count = 2)]
        pub cells: Cell,
        #[child]
        pub extra: Cell,
    }
}

#[test]
fn a_declared_ecosystem_in_a_tree_restarts_as_a_unit_and_refresh_follows_it() {
    use declared::{CellExt, CellMsg, Unit};
    let node = node(2);
    let _root = Supervisor::builder()
        .child(Unit::child_spec())
        .spawn(&node)
        .unwrap();
    let unit = Unit::lookup(&node).unwrap();
    assert_eq!(unit.lead.hit().unwrap(), 1);
    assert_eq!(unit.extra.hit().unwrap(), 1);
    unit.cells.route(CellMsg::Crash).unwrap();
    wait_until("restarted as a unit", || {
        unit.ecosystem().generation() == 2 && unit.health().status.is_healthy()
    });
    // The fields taken before point at retired cells: visibly.
    assert!(!unit.lead.is_alive());
    assert_eq!(unit.lead.hit(), Err(CallError::Stopped));
    // The pool follows the ecosystem by itself; refresh resolves the rest.
    assert_eq!(unit.cells.len(), 2);
    let fresh = unit.refresh().expect("every member is back");
    assert_eq!(
        fresh.lead.hit().unwrap(),
        1,
        "a new incarnation, fresh state"
    );
    assert_eq!(fresh.extra.hit().unwrap(), 1);
    assert!(fresh.lead.is_alive());
}

/// Counts its jobs; crashes on a poisoned one (job 0).
struct Fallible(Arc<AtomicU64>);
impl Actor for Fallible {
    type Msg = u64;
    fn handle(&mut self, n: u64, _: &mut Context<Self>) {
        if n == 0 {
            panic!("poisoned");
        }
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn a_worker_that_crashes_while_it_drains_still_drains_and_is_removed() {
    let node = node(2);
    let count = Arc::new(AtomicU64::new(0));
    let c = Arc::clone(&count);
    let eco = spawn_ecosystem(
        &node,
        EcosystemSpec::new("crashy", |_| Idle)
            .workers(2, move || Fallible(Arc::clone(&c)))
            .intensity(10, Duration::from_secs(60)),
    )
    .unwrap();
    let newest = eco.workers()[1].clone();
    // Its backlog: jobs, a poisoned one in the middle, more jobs. The
    // restart keeps the mailbox, and the drain marker behind them.
    for n in 1..=100 {
        newest.send(n).unwrap();
    }
    newest.send(0).unwrap();
    for n in 101..=200 {
        newest.send(n).unwrap();
    }
    eco.remove_worker().unwrap();
    assert_eq!(count.load(SeqCst), 200, "every job but the poisoned one");
    assert_eq!(node.dead_letters().count(), 1, "the poisoned job");
    assert_eq!(eco.workers().len(), 1);
    assert!(!newest.is_alive());
}

#[test]
fn operations_on_a_stopped_ecosystem_fail_with_typed_errors() {
    let node = node(1);
    let eco = spawn_ecosystem(
        &node,
        EcosystemSpec::new("gone", |_| Idle).workers(2, Idle::default),
    )
    .unwrap();
    eco.stop();
    wait_until("stopped", || !eco.is_alive());
    assert!(matches!(
        eco.add_worker(),
        Err(EcosystemError::Supervisor(_))
    ));
    // Its workers left the routing with it: a route hands the message back.
    assert!(matches!(eco.route(()), Err(RouteError::NoWorkers(()))));
    assert!(matches!(
        eco.remove_worker(),
        Err(EcosystemError::LastWorker)
    ));
    assert!(matches!(
        ecosystem_health(&eco).status,
        EcosystemStatus::Failed(_)
    ));
    assert!(matches!(
        node.ecosystem::<Idle, Idle>("gone"),
        Err(LookupError::NotRegistered { .. })
    ));
}

/// An ecosystem as one service of the service registry (issue 20): its
/// health is the ecosystem's, and it goes when the ecosystem stops.
#[test]
fn an_ecosystem_registers_as_one_service_with_its_health() {
    let node = node(2);
    let tally = Tally::default();
    let eco =
        spawn_ecosystem(&node, pool_of("billing", 2, Routing::round_robin(), &tally)).unwrap();
    node.services().register_ecosystem(&eco).unwrap();
    assert_eq!(
        node.services().lookup("billing").unwrap(),
        eco.supervisor().pid()
    );
    assert_eq!(
        node.services().health_check("billing").unwrap(),
        foundation::Health::Healthy
    );
    // Registering it twice is idempotent; another actor may not take the name.
    node.services().register_ecosystem(&eco).unwrap();
    let other = node.spawn(Idle).unwrap();
    assert!(matches!(
        node.services().register("billing", other.pid()),
        Err(foundation::ServiceError::AlreadyRegistered { .. })
    ));
    eco.stop();
    wait_until("the service goes with the ecosystem", || {
        node.services().lookup("billing").is_err()
    });
}

/// An ecosystem's own configuration values over the node's (issue 20).
#[test]
fn an_ecosystem_reads_its_own_overrides_over_the_nodes_config() {
    use foundation::config::{Config, ConfigError, Setting};
    let config = Config::builder()
        .setting(Setting::new("pool.size", 2))
        .toml("[ecosystems.billing]\npool.size = 3")
        .build()
        .unwrap();
    let node = foundation::Node::builder()
        .schedulers(1)
        .config(config)
        .start()
        .unwrap();
    let tally = Tally::default();
    let size: usize = node
        .config()
        .get_with_ecosystem("billing", "pool.size")
        .unwrap();
    let eco = spawn_ecosystem(
        &node,
        pool_of("billing", size, Routing::round_robin(), &tally),
    )
    .unwrap();
    assert_eq!(eco.workers().len(), 3);
    let elsewhere: usize = node
        .config()
        .get_with_ecosystem("audit", "pool.size")
        .unwrap();
    assert_eq!(elsewhere, 2);
    // Overrides name declared settings, of the right kind.
    let unknown = Config::builder()
        .setting(Setting::new("pool.size", 2))
        .toml("[ecosystems.billing]\npool.sise = 3")
        .build()
        .unwrap_err();
    assert!(
        matches!(unknown, ConfigError::UnknownPath { .. }),
        "{unknown}"
    );
    let wrong = Config::builder()
        .setting(Setting::new("pool.size", 2))
        .ecosystem_override("billing", "pool.size", "three")
        .build()
        .unwrap_err();
    assert!(matches!(wrong, ConfigError::WrongKind { .. }), "{wrong}");
    let reserved = Config::builder()
        .setting(Setting::new("ecosystems.billing.size", 2))
        .build()
        .unwrap_err();
    assert!(
        matches!(reserved, ConfigError::BadPath { .. }),
        "{reserved}"
    );
}
