//! Memory strategies with the accounting allocator installed (ADR 0009):
//! attribution, `max_heap`, the shared pool, hibernation, pressure alerts
//! and a killed handler's late drop. Its own binary: one global allocator
//! per binary.

mod common;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{T, node, wait_until};
use foundation::Bytes;
use foundation::memory::{
    AccountingAllocator, Crossing, MemoryAlert, MemoryPressure, MemoryStrategy, Usage,
};
use foundation::{
    Actor, ActorOptions, ActorRef, ChildSpec, Context, ExitReason, ManualClock, Node, ReplyTo,
    Restart, Supervisor,
};

#[global_allocator]
static ALLOCATOR: AccountingAllocator = AccountingAllocator::new();

const MIB: usize = 1 << 20;
const KIB: u64 = 1 << 10;

fn bytes(actor: &ActorRef<impl Actor>) -> u64 {
    actor
        .memory()
        .bytes()
        .expect("the accounting allocator is installed")
}

/// Holds buffers; hands them out; reports its incarnation's end.
#[derive(Default)]
struct Holder {
    kept: Vec<Vec<u8>>,
    ends: Option<Arc<Mutex<Vec<ExitReason>>>>,
}

enum HolderMsg {
    /// Allocate and keep this many bytes.
    Grab(usize),
    /// Hand every kept buffer to the caller.
    Give(ReplyTo<Vec<Vec<u8>>>),
    /// Answer (everything before has been handled).
    Ping(ReplyTo<()>),
}

impl Actor for Holder {
    type Msg = HolderMsg;
    fn handle(&mut self, msg: HolderMsg, _: &mut Context<Self>) {
        match msg {
            HolderMsg::Grab(n) => self.kept.push(vec![1; n]),
            HolderMsg::Give(reply) => {
                let _ = reply.reply(std::mem::take(&mut self.kept));
            }
            HolderMsg::Ping(reply) => {
                let _ = reply.reply(());
            }
        }
    }
    fn stopped(&mut self, reason: &ExitReason) {
        if let Some(ends) = &self.ends {
            ends.lock().unwrap().push(reason.clone());
        }
    }
}

#[test]
fn an_allocation_is_charged_to_its_actor_and_credited_back_when_freed_elsewhere() {
    let node = node(2);
    let holder = node.spawn(Holder::default()).unwrap();
    holder.call(HolderMsg::Ping, T).unwrap();
    let base = bytes(&holder);
    holder.send(HolderMsg::Grab(MIB)).unwrap();
    holder.call(HolderMsg::Ping, T).unwrap();
    let held = bytes(&holder) - base;
    assert!(
        (MIB as u64..MIB as u64 + 4 * KIB).contains(&held),
        "{held} bytes charged for 1 MiB"
    );

    // Handed out, the buffer stays charged to the actor that made it ...
    let buffers = holder.call(HolderMsg::Give, T).unwrap();
    assert!(bytes(&holder) - base >= MIB as u64);
    // ... until it is freed, on whichever thread.
    std::thread::spawn(move || drop(buffers)).join().unwrap();
    let left = bytes(&holder).saturating_sub(base);
    assert!(left < 4 * KIB, "{left} bytes left after the free");
    let stats = node.stats().memory;
    assert!(matches!(stats.process, Usage::Bytes(n) if n > 0));
    assert!(matches!(stats.actors, Usage::Bytes(_)));
}

#[test]
fn an_actor_over_max_heap_is_restarted_in_place_while_its_neighbours_serve() {
    let node = node(2);
    let ends = Arc::new(Mutex::new(Vec::new()));
    let made = Arc::clone(&ends);
    let options = ActorOptions::new().max_heap(MIB as u64);
    let sup = Supervisor::builder()
        .child(
            ChildSpec::new("leaker", move || Holder {
                kept: Vec::new(),
                ends: Some(Arc::clone(&made)),
            })
            .restart(Restart::Transient)
            .options(options),
        )
        .child(ChildSpec::new("neighbour", Holder::default))
        .spawn(&node)
        .unwrap();
    let leaker: ActorRef<Holder> = sup.child("leaker").unwrap().unwrap();
    let neighbour: ActorRef<Holder> = sup.child("neighbour").unwrap().unwrap();
    let first = leaker.pid();

    // 3 × 400 KiB: over 1 MiB after the third, which stops it; the ping
    // queued behind is answered by the next incarnation.
    for _ in 0..3 {
        leaker.send(HolderMsg::Grab(400 << 10)).unwrap();
    }
    let (tx, rx) = mpsc::channel();
    let answer = leaker.clone();
    std::thread::spawn(move || tx.send(answer.call(HolderMsg::Ping, T)));
    for _ in 0..100 {
        neighbour.call(HolderMsg::Ping, T).unwrap();
    }
    assert_eq!(rx.recv_timeout(T).unwrap(), Ok(()));
    let reasons = ends.lock().unwrap().clone();
    assert!(
        matches!(reasons[..], [ExitReason::MemoryLimit { used, limit }] if used > limit && limit == MIB as u64),
        "{reasons:?}"
    );
    assert!(!reasons[0].is_normal());
    assert_eq!(leaker.pid().number(), first.number(), "same address");
    assert_ne!(leaker.pid(), first, "a new incarnation");
    assert!(
        bytes(&leaker) < 64 * KIB,
        "the new incarnation starts small"
    );
    assert!(neighbour.is_alive());
    assert!(
        reasons[0].to_string().starts_with("memory limit: "),
        "{}",
        reasons[0]
    );
}

/// Keeps what it is sent.
#[derive(Default)]
struct Keeper(Vec<Bytes>);

impl Actor for Keeper {
    type Msg = (Bytes, mpsc::Sender<()>);
    fn handle(&mut self, (payload, done): Self::Msg, _: &mut Context<Self>) {
        self.0.push(payload);
        let _ = done.send(());
    }
}

/// Makes one payload and sends it to every keeper.
struct Producer {
    keepers: Vec<ActorRef<Keeper>>,
    explicit: bool,
}

impl Actor for Producer {
    type Msg = mpsc::Sender<()>;
    fn handle(&mut self, done: mpsc::Sender<()>, _: &mut Context<Self>) {
        let payload = if self.explicit {
            foundation::memory::share(vec![7u8; MIB])
        } else {
            Bytes::from(vec![7u8; MIB])
        };
        for keeper in &self.keepers {
            keeper.send((payload.clone(), done.clone())).unwrap();
        }
    }
}

fn counted_once(strategy: MemoryStrategy, explicit: bool) {
    let node = node(2);
    let keepers: Vec<_> = (0..1000)
        .map(|_| node.spawn(Keeper::default()).unwrap())
        .collect();
    let before = node.stats().memory.shared.bytes().unwrap();
    let producer = node
        .spawn_with(
            Producer {
                keepers: keepers.clone(),
                explicit,
            },
            ActorOptions::new().memory(strategy),
        )
        .unwrap();
    let (done, handled) = mpsc::channel();
    producer.send(done).unwrap();
    for _ in 0..1000 {
        handled.recv_timeout(T).unwrap();
    }
    let shared = node.stats().memory.shared.bytes().unwrap() - before;
    assert!(
        (MIB as u64..MIB as u64 + 64 * KIB).contains(&shared),
        "{shared} bytes in the pool"
    );
    let held: u64 = keepers.iter().map(bytes).sum();
    assert!(held < 1000 * KIB, "{held} bytes over 1,000 keepers");
    assert!(
        bytes(&producer) < 64 * KIB,
        "{} bytes left with the producer",
        bytes(&producer)
    );
    drop(producer);
    for keeper in &keepers {
        keeper.stop();
    }
    wait_until("the keepers stop", || keepers.iter().all(|k| !k.is_alive()));
    wait_until("the pool empties", || {
        node.stats().memory.shared.bytes().unwrap() - before < 4 * KIB
    });
}

#[test]
fn a_shared_actors_payload_is_counted_once_for_1000_recipients() {
    counted_once(MemoryStrategy::Shared, false);
}

#[test]
fn memory_share_counts_a_payload_once_for_any_actor() {
    counted_once(MemoryStrategy::Isolated, true);
}

/// Holds a large buffer until it compacts.
struct Sleepy {
    buffer: Vec<u8>,
    compactions: mpsc::Sender<()>,
}

impl Sleepy {
    /// Spawns one, and the channel its compactions are told on.
    fn spawn(node: &Node, options: ActorOptions) -> (ActorRef<Sleepy>, mpsc::Receiver<()>) {
        let (tx, compactions) = mpsc::channel();
        let sleepy = Sleepy {
            buffer: Vec::new(),
            compactions: tx,
        };
        (node.spawn_with(sleepy, options).unwrap(), compactions)
    }
}

impl Actor for Sleepy {
    type Msg = usize;
    fn handle(&mut self, size: usize, _: &mut Context<Self>) {
        self.buffer = vec![3; size];
    }
    fn compact(&mut self, _: &mut Context<Self>) {
        self.buffer = Vec::new();
        let _ = self.compactions.send(());
    }
}

#[test]
fn an_idle_gc_optimized_actor_hibernates_and_its_memory_falls() {
    // Idle time is on the node's clock; the monitor looks every quarter
    // of `hibernate_after` (10 ms of real time here).
    let clock = ManualClock::new();
    let node = Node::builder()
        .schedulers(2)
        .clock(clock.clone())
        .start()
        .unwrap();
    let options = ActorOptions::new()
        .memory(MemoryStrategy::GcOptimized)
        .hibernate_after(Duration::from_millis(40));
    let (sleepy, compactions) = Sleepy::spawn(&node, options);
    sleepy.send(4 * MIB).unwrap();
    wait_until("the buffer is made", || bytes(&sleepy) >= 4 * MIB as u64);
    // Many looks later, but no time on the node's clock: nothing happens.
    std::thread::sleep(Duration::from_millis(100));
    assert!(compactions.try_recv().is_err());
    clock.advance(Duration::from_millis(50));
    compactions.recv_timeout(T).unwrap();
    wait_until("the memory falls", || bytes(&sleepy) < 64 * KIB);
    // Once per idle spell.
    clock.advance(Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(100));
    assert!(compactions.try_recv().is_err());
    // The released queue block skipped positions: not messages.
    assert_eq!(sleepy.messages_handled(), 1);
    sleepy.send(10).unwrap();
    wait_until("the next message", || sleepy.messages_handled() == 2);
    // A new idle spell, a new hibernation.
    std::thread::sleep(Duration::from_millis(50));
    clock.advance(Duration::from_millis(50));
    compactions.recv_timeout(T).unwrap();
}

#[test]
fn hibernate_every_compacts_after_so_many_messages() {
    let node = node(1);
    let options = ActorOptions::new()
        .memory(MemoryStrategy::GcOptimized)
        .hibernate_every(3);
    let (sleepy, compactions) = Sleepy::spawn(&node, options);
    for _ in 0..2 {
        sleepy.send(1000).unwrap();
    }
    wait_until("two handled", || sleepy.messages_handled() == 2);
    assert!(compactions.try_recv().is_err());
    sleepy.send(MIB).unwrap();
    compactions.recv_timeout(T).unwrap();
    assert!(bytes(&sleepy) < 64 * KIB);
    for n in 0..30 {
        sleepy.send(n).unwrap();
    }
    wait_until("all handled", || sleepy.messages_handled() == 33);
}

/// Collects alerts.
struct Pager(mpsc::Sender<MemoryAlert>);

impl Actor for Pager {
    type Msg = MemoryAlert;
    fn handle(&mut self, alert: MemoryAlert, _: &mut Context<Self>) {
        let _ = self.0.send(alert);
    }
}

#[test]
fn a_pressure_threshold_alerts_once_per_crossing_and_hibernates_gc_actors() {
    let base = foundation::memory::process_usage().bytes().unwrap();
    let threshold = base + 256 * MIB as u64;
    let node = Node::builder()
        .schedulers(2)
        .memory_pressure(MemoryPressure::new([threshold]).interval(Duration::from_millis(5)))
        .start()
        .unwrap();
    let (tx, alerts) = mpsc::channel();
    let pager = node.spawn(Pager(tx)).unwrap();
    node.subscribe_memory_alerts(pager.recipient());
    let (sleepy, compactions) = Sleepy::spawn(
        &node,
        ActorOptions::new().memory(MemoryStrategy::GcOptimized),
    );
    sleepy.send(MIB).unwrap();
    wait_until("the buffer is made", || bytes(&sleepy) >= MIB as u64);

    for round in 0..2 {
        let ballast = vec![1u8; 512 * MIB];
        let alert = alerts.recv_timeout(T).unwrap();
        assert_eq!(alert.crossing, Crossing::Above, "round {round}");
        assert_eq!(alert.threshold, threshold);
        assert!(alert.total >= threshold);
        // Above for a while: no second alert.
        std::thread::sleep(Duration::from_millis(50));
        assert!(alerts.try_recv().is_err(), "one alert per crossing");
        // A rise hibernates the gc_optimized actors.
        compactions.recv_timeout(T).unwrap();
        drop(ballast);
        let alert = alerts.recv_timeout(T).unwrap();
        assert_eq!(alert.crossing, Crossing::Below);
        sleepy.send(10).unwrap();
    }
    assert_eq!(node.stats().memory.alerts, 4);
    assert!(bytes(&sleepy) < 64 * KIB);
}

/// Stuck in a handler with memory of its own until told to go on.
struct Stuck {
    field: Vec<u8>,
    entered: mpsc::Sender<()>,
    gate: Arc<Mutex<mpsc::Receiver<()>>>,
}

impl Actor for Stuck {
    type Msg = ();
    fn handle(&mut self, (): (), _: &mut Context<Self>) {
        self.field = vec![5; MIB];
        let local = vec![6u8; 2 * MIB];
        let _ = self.entered.send(());
        let _ = self.gate.lock().unwrap().recv();
        // Allocates more after the kill, still under the old account.
        self.field.extend_from_slice(&local);
    }
}

#[test]
fn a_killed_handlers_late_drop_leaves_the_next_incarnations_figure_alone() {
    let node = node(2);
    let (entered_tx, entered) = mpsc::channel();
    let (go, gate) = mpsc::channel();
    let gate = Arc::new(Mutex::new(gate));
    let sup = Supervisor::builder()
        .child(ChildSpec::new("stuck", move || Stuck {
            field: Vec::with_capacity(10_000),
            entered: entered_tx.clone(),
            gate: Arc::clone(&gate),
        }))
        .spawn(&node)
        .unwrap();
    let stuck: ActorRef<Stuck> = sup.child("stuck").unwrap().unwrap();
    let factory_made = bytes(&stuck);
    assert!(
        factory_made >= 10_000,
        "the factory's bytes are the child's: {factory_made}"
    );
    let first = stuck.pid();
    stuck.send(()).unwrap();
    entered.recv_timeout(T).unwrap();
    assert!(bytes(&stuck) >= 3 * MIB as u64);
    assert!(stuck.kill());
    wait_until("the restart", || {
        stuck.pid() != first && stuck.memory().bytes().is_some()
    });
    let fresh = bytes(&stuck);
    assert!(fresh < 64 * KIB, "{fresh}");
    let before = node.stats().memory.actors.bytes().unwrap();
    // The old handler goes on, allocates, returns; its instance is dropped
    // on its thread, under the old incarnation's account.
    go.send(()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        bytes(&stuck),
        fresh,
        "the new incarnation's figure is its own"
    );
    let after = node.stats().memory.actors.bytes().unwrap();
    assert!(after <= before + 64 * KIB, "{before} then {after}");
}

#[test]
fn without_a_limit_check_an_actor_may_hold_much() {
    // A plain actor is not limited: 8 MiB is fine.
    let node = node(1);
    let holder = node.spawn(Holder::default()).unwrap();
    holder.send(HolderMsg::Grab(8 * MIB)).unwrap();
    holder.call(HolderMsg::Ping, T).unwrap();
    assert!(bytes(&holder) >= 8 * MIB as u64);
    assert!(holder.is_alive());
}

#[test]
fn bad_memory_options_are_refused_at_spawn() {
    let node = node(1);
    for (options, field) in [
        (ActorOptions::new().max_heap(0), "max_heap"),
        (
            ActorOptions::new().hibernate_after(Duration::from_secs(1)),
            "hibernate_after",
        ),
        (ActorOptions::new().hibernate_every(5), "hibernate_every"),
        (
            ActorOptions::new()
                .memory(MemoryStrategy::GcOptimized)
                .hibernate_every(0),
            "hibernate_every",
        ),
    ] {
        match node.spawn_with(Holder::default(), options) {
            Err(foundation::SpawnError::InvalidOptions { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {:?}", other.map(|r| r.pid())),
        }
    }
}

#[test]
fn ecosystem_health_shows_memory_per_member() {
    use foundation::{EcosystemSpec, ecosystem_health, spawn_ecosystem};
    let node = node(2);
    let eco = spawn_ecosystem(
        &node,
        EcosystemSpec::new("memory", |_| Holder::default()).workers(2, Holder::default),
    )
    .unwrap();
    let worker = eco.workers()[0].clone();
    worker.send(HolderMsg::Grab(MIB)).unwrap();
    worker.call(HolderMsg::Ping, T).unwrap();
    let health = ecosystem_health(&eco);
    let held = health.member("worker-0").unwrap().memory.bytes().unwrap();
    assert!(held >= MIB as u64, "{held}");
    let other = health.member("worker-1").unwrap().memory.bytes().unwrap();
    assert!(other < 64 * KIB, "{other}");
    assert!(health.to_string().contains("memory 1.0 MiB"), "{health}");
    let actors = node.stats().memory.actors.bytes().unwrap();
    assert!(actors >= MIB as u64, "{actors}");
}
