//! Supervision trees: strategies, restart types, intensity and escalation,
//! ordered start and reverse shutdown, shutdown timeouts, restarts that keep
//! the address and the queued messages, and dynamic children.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use foundation::{
    Actor, ActorRef, CallError, ChildSpec, Context, ExitReason, Node, ReplyTo, Restart, Shutdown,
    SpecError, StartError, Strategy, Supervisor, SupervisorError, SupervisorEvent, SupervisorMsg,
    SupervisorRef,
};

mod common;
use common::{T, block_on, node, wait_until};

type Log = Arc<Mutex<Vec<String>>>;

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// Waits until the log has `n` entries and returns them.
fn wait_for_log(log: &Log, n: usize) -> Vec<String> {
    wait_until(&format!("{n} log entries"), || {
        log.lock().unwrap().len() >= n
    });
    // Let anything unexpected show up too.
    thread::sleep(Duration::from_millis(20));
    entries(log)
}

enum WorkerMsg {
    Crash,
    Exit,
    Count(ReplyTo<u64>),
    Add,
    /// Says it is inside its handler on the first, then blocks until the
    /// second's sender is dropped or sends.
    Block(mpsc::Sender<()>, mpsc::Receiver<()>),
}

/// Logs its start and its stop.
struct Worker {
    id: &'static str,
    log: Log,
    count: u64,
}

impl Worker {
    fn spec(id: &'static str, log: &Log) -> ChildSpec {
        let log = Arc::clone(log);
        ChildSpec::new(id, move || Worker {
            id,
            log: Arc::clone(&log),
            count: 0,
        })
    }
}

impl Actor for Worker {
    type Msg = WorkerMsg;

    fn started(&mut self, _: &mut Context<Self>) {
        self.log.lock().unwrap().push(format!("start {}", self.id));
    }

    fn handle(&mut self, msg: WorkerMsg, ctx: &mut Context<Self>) {
        match msg {
            WorkerMsg::Crash => panic!("{} crashes", self.id),
            WorkerMsg::Exit => ctx.stop(),
            WorkerMsg::Count(reply) => {
                let _ = reply.reply(self.count);
            }
            WorkerMsg::Add => self.count += 1,
            WorkerMsg::Block(entered, latch) => {
                let _ = entered.send(());
                let _ = latch.recv();
            }
        }
    }

    fn stopped(&mut self, reason: &ExitReason) {
        let how = match reason {
            ExitReason::Panic(_) => "crash",
            ExitReason::Shutdown => "stop",
            ExitReason::Normal => "exit",
            _ => "other",
        };
        self.log.lock().unwrap().push(format!("{how} {}", self.id));
    }
}

fn three(strategy: Strategy, log: &Log, node: &Node) -> SupervisorRef {
    Supervisor::builder()
        .strategy(strategy)
        .child(Worker::spec("a", log))
        .child(Worker::spec("b", log))
        .child(Worker::spec("c", log))
        .spawn(node)
        .unwrap()
}

fn worker(sup: &SupervisorRef, id: &str) -> ActorRef<Worker> {
    sup.child::<Worker>(id).unwrap().expect("a worker")
}

fn crash_script(strategy: Strategy) -> Vec<String> {
    let node = node(2);
    let log = Log::default();
    let sup = three(strategy, &log, &node);
    assert_eq!(wait_for_log(&log, 3), ["start a", "start b", "start c"]);
    log.lock().unwrap().clear();
    worker(&sup, "b").send(WorkerMsg::Crash).unwrap();
    let expected = match strategy {
        Strategy::OneForOne => 2,
        Strategy::OneForAll => 6,
        Strategy::RestForOne => 4,
    };
    let seen = wait_for_log(&log, expected);
    // Everyone answers afterwards, at the same addresses.
    for id in ["a", "b", "c"] {
        assert_eq!(worker(&sup, id).call(WorkerMsg::Count, T), Ok(0));
    }
    seen
}

#[test]
fn one_for_one_restarts_only_the_failed_child() {
    assert_eq!(crash_script(Strategy::OneForOne), ["crash b", "start b"]);
}

#[test]
fn one_for_all_stops_the_others_in_reverse_and_restarts_all_in_order() {
    assert_eq!(
        crash_script(Strategy::OneForAll),
        [
            "crash b", "stop c", "stop a", "start a", "start b", "start c"
        ]
    );
}

#[test]
fn rest_for_one_restarts_the_failed_child_and_those_after_it() {
    assert_eq!(
        crash_script(Strategy::RestForOne),
        ["crash b", "stop c", "start b", "start c"]
    );
}

#[test]
fn permanent_transient_and_temporary_children() {
    let node = node(2);
    let log = Log::default();
    let sup = Supervisor::builder()
        .intensity(100, Duration::from_secs(60))
        .child(Worker::spec("perm", &log).restart(Restart::Permanent))
        .child(Worker::spec("trans", &log).restart(Restart::Transient))
        .child(Worker::spec("temp", &log).restart(Restart::Temporary))
        .spawn(&node)
        .unwrap();
    wait_for_log(&log, 3);
    log.lock().unwrap().clear();

    // A normal exit: only the permanent child comes back.
    for id in ["perm", "trans", "temp"] {
        worker(&sup, id).send(WorkerMsg::Exit).unwrap();
    }
    let mut seen = wait_for_log(&log, 4);
    seen.sort();
    assert_eq!(seen, ["exit perm", "exit temp", "exit trans", "start perm"]);
    let children = sup.which_children().unwrap();
    let ids: Vec<_> = children.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["perm", "trans"], "a temporary child is forgotten");
    assert!(children[0].pid.is_some());
    assert_eq!(
        children[1].pid, None,
        "a transient child that exited normally stays down"
    );

    // A crash: permanent and transient children come back.
    sup.restart_child("trans").unwrap();
    wait_for_log(&log, 5);
    log.lock().unwrap().clear();
    worker(&sup, "perm").send(WorkerMsg::Crash).unwrap();
    worker(&sup, "trans").send(WorkerMsg::Crash).unwrap();
    let mut seen = wait_for_log(&log, 4);
    seen.sort();
    assert_eq!(
        seen,
        ["crash perm", "crash trans", "start perm", "start trans"]
    );
    assert_eq!(sup.count_children().unwrap().active, 2);
}

#[test]
fn ordered_start_and_reverse_shutdown() {
    let node = node(2);
    let log = Log::default();
    let ids = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];
    let mut builder = Supervisor::builder();
    for id in ids {
        builder = builder.child(Worker::spec(id, &log));
    }
    let sup = builder.spawn(&node).unwrap();
    let started = wait_for_log(&log, ids.len());
    let expected: Vec<String> = ids.iter().map(|id| format!("start {id}")).collect();
    assert_eq!(started, expected);

    log.lock().unwrap().clear();
    sup.stop();
    let stopped = wait_for_log(&log, ids.len());
    let expected: Vec<String> = ids.iter().rev().map(|id| format!("stop {id}")).collect();
    assert_eq!(stopped, expected);
    wait_until("the supervisor to exit and be forgotten", || {
        !sup.actor().is_alive() && node.actor_count() == 0
    });
}

#[test]
fn node_shutdown_stops_a_tree_in_reverse_order() {
    let node = node(2);
    let log = Log::default();
    let _sup = three(Strategy::OneForOne, &log, &node);
    wait_for_log(&log, 3);
    log.lock().unwrap().clear();
    node.shutdown().unwrap();
    assert_eq!(entries(&log), ["stop c", "stop b", "stop a"]);
}

/// Blocks in its stop hook until released.
struct StuckOnStop {
    latch: Arc<Mutex<Option<mpsc::Receiver<()>>>>,
    stopped: mpsc::Sender<&'static str>,
}

impl Actor for StuckOnStop {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    fn stopped(&mut self, _: &ExitReason) {
        self.stopped.send("stop hook entered").unwrap();
        if let Some(latch) = self.latch.lock().unwrap().take() {
            let _ = latch.recv();
        }
    }
}

#[test]
fn a_shutdown_timeout_kills_a_child_stuck_in_its_stop_hook() {
    let node = node(2);
    let (release, latch) = mpsc::channel();
    let latch = Arc::new(Mutex::new(Some(latch)));
    let (tx, rx) = mpsc::channel();
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(Worker::spec("first", &log))
        .child(
            ChildSpec::new("stuck", move || StuckOnStop {
                latch: Arc::clone(&latch),
                stopped: tx.clone(),
            })
            .shutdown(Shutdown::Timeout(Duration::from_millis(50))),
        )
        .spawn(&node)
        .unwrap();
    wait_for_log(&log, 1);
    let stuck = sup.child::<StuckOnStop>("stuck").unwrap().unwrap();
    sup.stop();
    assert_eq!(rx.recv_timeout(T), Ok("stop hook entered"));
    // The supervisor kills it after 50 ms, stops the first child, and exits.
    wait_until("the supervisor to exit", || !sup.actor().is_alive());
    assert!(!stuck.is_alive());
    assert_eq!(entries(&log), ["start first", "stop first"]);
    // A closed mailbox (`is_alive() == false`) comes a moment before the
    // node forgets the actor.
    wait_until("the node forgets them", || node.actor_count() == 0);
    assert_eq!(node.stats().replaced_schedulers, 1);
    release.send(()).unwrap();
    node.shutdown().unwrap();
}

#[test]
fn restart_intensity_exceeded_escalates_one_level_up() {
    let node = node(2);
    let log = Log::default();
    let inner = Supervisor::builder()
        .intensity(2, Duration::from_secs(60))
        .child(Worker::spec("w", &log));
    let outer = Supervisor::builder()
        .intensity(5, Duration::from_secs(60))
        .child(ChildSpec::supervisor("inner", inner))
        .spawn(&node)
        .unwrap();
    wait_for_log(&log, 1);
    let inner_ref: SupervisorRef = outer
        .child::<Supervisor>("inner")
        .unwrap()
        .expect("a supervisor")
        .into();
    let first_inner = inner_ref.pid();
    let w = worker(&inner_ref, "w");

    // Two crashes are within the intensity: restarted in place.
    for n in 1..=2 {
        w.send(WorkerMsg::Crash).unwrap();
        wait_until("the worker's restart", || {
            w.pid().incarnation() == n && w.call(WorkerMsg::Count, T).is_ok()
        });
    }
    assert_eq!(inner_ref.pid(), first_inner);

    // The third is one too many: the inner supervisor stops its worker and
    // exits, and the outer one restarts it (with a fresh worker).
    w.send(WorkerMsg::Crash).unwrap();
    wait_until("the inner supervisor's restart", || {
        inner_ref.pid().incarnation() == 1 && inner_ref.actor().is_alive()
    });
    wait_until("a fresh worker", || {
        inner_ref
            .child::<Worker>("w")
            .ok()
            .flatten()
            .is_some_and(|fresh| fresh != w && fresh.call(WorkerMsg::Count, T) == Ok(0))
    });
    assert!(!w.is_alive(), "the old worker stopped for good");
    assert_eq!(
        outer.which_children().unwrap()[0].pid,
        Some(inner_ref.pid())
    );
    assert!(outer.actor().is_alive());
}

#[test]
fn queued_messages_survive_a_restart() {
    let node = node(2);
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(Worker::spec("w", &log))
        .spawn(&node)
        .unwrap();
    let w = worker(&sup, "w");
    let (release, latch) = mpsc::channel();
    w.send(WorkerMsg::Block(mpsc::channel().0, latch)).unwrap();
    w.send(WorkerMsg::Crash).unwrap();
    const N: u64 = 10_000;
    for _ in 0..N {
        w.send(WorkerMsg::Add).unwrap();
    }
    release.send(()).unwrap();
    // The crash restarts it; the new incarnation handles all N.
    assert_eq!(w.call(WorkerMsg::Count, T), Ok(N));
    assert_eq!(w.pid().incarnation(), 1);
    // The message whose handler panicked is a dead letter.
    let letters = node.dead_letters().recent();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].pid.incarnation(), 0);
    assert_eq!(letters[0].kind, std::any::type_name::<WorkerMsg>());
    assert!(matches!(letters[0].reason, ExitReason::Panic(_)));
}

#[test]
fn a_crash_storm_leaves_the_node_serving() {
    let node = node(2);
    let log = Log::default();
    let sup = Supervisor::builder()
        .intensity(20_000, Duration::from_secs(3600))
        .child(Worker::spec("w", &log))
        .spawn(&node)
        .unwrap();
    let w = worker(&sup, "w");
    let baseline = node.actor_count();
    const CRASHES: u32 = 10_000;
    for _ in 0..CRASHES {
        w.send(WorkerMsg::Crash).unwrap();
    }
    w.send(WorkerMsg::Add).unwrap();
    wait_until("every crash handled", || {
        w.call(WorkerMsg::Count, T) == Ok(1)
    });
    assert_eq!(w.pid().incarnation(), CRASHES);
    assert_eq!(node.stats().panics, u64::from(CRASHES));
    assert_eq!(node.actor_count(), baseline);
    assert_eq!(node.dead_letters().count(), u64::from(CRASHES));
    // Others are served meanwhile and after.
    let other = node
        .spawn(Worker {
            id: "other",
            log: Log::default(),
            count: 0,
        })
        .unwrap();
    assert_eq!(other.call(WorkerMsg::Count, T), Ok(0));
}

#[test]
fn dynamic_children() {
    let node = node(2);
    let log = Log::default();
    let sup = Supervisor::builder().spawn(&node).unwrap();
    assert!(sup.which_children().unwrap().is_empty());

    let pid = sup.start_child(Worker::spec("x", &log)).unwrap();
    assert_eq!(
        entries(&log),
        ["start x"],
        "start_child answers once started"
    );
    assert_eq!(
        sup.start_child(Worker::spec("x", &log)),
        Err(SupervisorError::DuplicateId("x".into()))
    );
    sup.start_child(ChildSpec::supervisor("nested", Supervisor::builder()))
        .unwrap();
    let counts = sup.count_children().unwrap();
    assert_eq!(
        (
            counts.specs,
            counts.active,
            counts.supervisors,
            counts.workers
        ),
        (2, 2, 1, 1)
    );
    let x = worker(&sup, "x");
    assert_eq!(x.pid(), pid);

    // Terminated: queued messages become dead letters; the spec stays.
    let (release, latch) = mpsc::channel::<()>();
    let (entered_tx, entered) = mpsc::channel();
    x.send(WorkerMsg::Block(entered_tx, latch)).unwrap();
    for _ in 0..5 {
        x.send(WorkerMsg::Add).unwrap();
    }
    // The handler holds the latch: a stop request overtakes queued
    // messages, and the blocking one must not be among them.
    entered.recv_timeout(T).unwrap();
    let dead_before = node.dead_letters().count();
    // The terminate request, without waiting for it; then a request the
    // supervisor answers at once (a duplicate id), sent after it from this
    // thread: once that answer is here, the stop request has gone to `x`.
    let terminate = sup
        .actor()
        .call_async(|r| SupervisorMsg::terminate_child("x".into(), r), T);
    assert_eq!(
        sup.start_child(Worker::spec("x", &log)),
        Err(SupervisorError::DuplicateId("x".into()))
    );
    drop(release);
    block_on(terminate).unwrap().unwrap();
    assert!(!x.is_alive());
    assert_eq!(node.dead_letters().count() - dead_before, 5);
    assert_eq!(sup.count_children().unwrap().active, 1);
    assert_eq!(
        sup.delete_child("nested"),
        Err(SupervisorError::Running("nested".into()))
    );

    // Restarted in a new cell.
    let again = sup.restart_child("x").unwrap();
    assert_ne!(again, pid);
    assert_eq!(
        sup.restart_child("x"),
        Err(SupervisorError::Running("x".into()))
    );
    sup.terminate_child("x").unwrap();
    sup.delete_child("x").unwrap();
    assert_eq!(
        sup.terminate_child("x"),
        Err(SupervisorError::NoSuchChild("x".into()))
    );
    assert_eq!(sup.which_children().unwrap().len(), 1);
}

#[test]
fn a_factory_that_panics_at_the_first_start_fails_the_spawn() {
    let node = node(1);
    let attempts = Arc::new(AtomicUsize::new(0));
    let a = Arc::clone(&attempts);
    let started = Supervisor::builder()
        .intensity(3, Duration::from_secs(60))
        .child(ChildSpec::new("bad", move || -> Worker {
            a.fetch_add(1, SeqCst);
            panic!("cannot build")
        }))
        .spawn(&node);
    match started {
        Err(StartError::Child { id, reason }) => {
            assert_eq!(id, "bad");
            assert_eq!(reason, "its factory panicked: cannot build");
        }
        other => panic!("expected a failed start, got {other:?}"),
    }
    assert_eq!(attempts.load(SeqCst), 1, "no restart loop");
    wait_until("nothing left", || node.actor_count() == 0);
}

#[test]
fn a_factory_that_panics_on_a_restart_counts_as_a_failure() {
    let node = node(1);
    let attempts = Arc::new(AtomicUsize::new(0));
    let a = Arc::clone(&attempts);
    let log: Log = Arc::default();
    let l = Arc::clone(&log);
    let sup = Supervisor::builder()
        .intensity(3, Duration::from_secs(60))
        .child(ChildSpec::new("bad", move || {
            assert_eq!(a.fetch_add(1, SeqCst), 0, "cannot build again");
            Worker {
                id: "bad",
                log: Arc::clone(&l),
                count: 0,
            }
        }))
        .spawn(&node)
        .unwrap();
    worker(&sup, "bad").send(WorkerMsg::Crash).unwrap();
    wait_until("the supervisor to give up", || !sup.actor().is_alive());
    // The crash, then three restarts whose factory panicked: the fourth
    // failure is one more than the intensity allows.
    assert_eq!(attempts.load(SeqCst), 4, "the first start and 3 restarts");
}

#[test]
fn a_supervised_call_waiting_on_a_crashing_message_gets_panicked() {
    let node = node(2);
    enum Msg {
        Boom(ReplyTo<()>),
        Ping(ReplyTo<()>),
    }
    struct Fragile;
    impl Actor for Fragile {
        type Msg = Msg;
        fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
            match msg {
                // The `ReplyTo` is dropped while the panic unwinds.
                Msg::Boom(_reply) => panic!("boom"),
                Msg::Ping(reply) => {
                    let _ = reply.reply(());
                }
            }
        }
    }
    let sup = Supervisor::builder()
        .child(ChildSpec::new("f", || Fragile))
        .spawn(&node)
        .unwrap();
    let f = sup.child::<Fragile>("f").unwrap().unwrap();
    assert_eq!(f.call(Msg::Boom, T), Err(CallError::Panicked));
    assert_eq!(f.call(Msg::Ping, T), Ok(()));
}

#[test]
fn a_blocking_child_restarts_on_a_thread_of_its_own() {
    let node = node(1);
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(Worker::spec("io", &log).options(foundation::ActorOptions::new().blocking(true)))
        .spawn(&node)
        .unwrap();
    let io = worker(&sup, "io");
    io.send(WorkerMsg::Add).unwrap();
    io.send(WorkerMsg::Crash).unwrap();
    io.send(WorkerMsg::Add).unwrap();
    assert_eq!(io.call(WorkerMsg::Count, T), Ok(1));
    assert_eq!(io.pid().incarnation(), 1);

    // Stuck in a handler on its own thread: the kill takes it over without
    // a stand-in (no scheduler thread is held), and it restarts.
    let (release, latch) = mpsc::channel();
    let (entered_tx, entered) = mpsc::channel();
    io.send(WorkerMsg::Block(entered_tx, latch)).unwrap();
    entered.recv_timeout(T).unwrap(); // inside the handler
    assert!(io.kill());
    assert_eq!(io.call(WorkerMsg::Count, T), Ok(0));
    assert_eq!(io.pid().incarnation(), 2);
    assert_eq!(node.stats().replaced_schedulers, 0);
    release.send(()).unwrap();
    node.shutdown().unwrap();
}

#[test]
fn a_query_right_after_spawn_sees_every_first_child_started() {
    // The supervisor starts its children one at a time; a query waits for
    // the starts queued before it (as OTP's start_link returns after init).
    for _ in 0..20 {
        let node = node(2);
        let log: Log = Arc::default();
        let mut spec = Supervisor::builder();
        let ids = ["a", "b", "c", "d", "e", "f", "g", "h"];
        for id in ids {
            spec = spec.child(Worker::spec(id, &log));
        }
        let sup = spec.spawn(&node).unwrap();
        let last = sup.child::<Worker>("h").unwrap();
        assert!(last.is_some(), "the last child had started");
        assert_eq!(sup.count_children().unwrap().active, ids.len());
        assert_eq!(entries(&log).len(), ids.len());
    }
}

/// Registers its name only after a slow `started`, so that a spawn that
/// returned before the children started would find no name.
struct SlowStarter;

impl Actor for SlowStarter {
    type Msg = ReplyTo<u32>;
    fn started(&mut self, _: &mut Context<Self>) {
        thread::sleep(Duration::from_millis(2));
    }
    fn handle(&mut self, reply: ReplyTo<u32>, _: &mut Context<Self>) {
        let _ = reply.reply(7);
    }
}

#[test]
fn spawn_returns_once_every_child_has_started_and_registered_its_name() {
    for round in 0..25 {
        let node = node(2);
        let mut spec = Supervisor::builder();
        for i in 0..3 {
            spec = spec.child(
                ChildSpec::new(format!("user{i}"), || SlowStarter)
                    .options(foundation::ActorOptions::new().name(format!("user/{i}"))),
            );
        }
        let _sup = spec.spawn(&node).unwrap();
        for i in 0..3 {
            let name = format!("user/{i}");
            let user = node
                .registry()
                .lookup_ref::<SlowStarter>(&name)
                .unwrap_or_else(|e| panic!("round {round}: {name} not registered: {e}"));
            assert_eq!(user.call(|r| r, T), Ok(7));
        }
    }
}

#[test]
fn a_nested_supervisor_counts_as_started_once_its_children_have() {
    let node = node(2);
    let log: Log = Arc::default();
    let inner = Supervisor::builder().child(
        ChildSpec::new("slow", || SlowStarter)
            .options(foundation::ActorOptions::new().name("nested/slow")),
    );
    let sup = Supervisor::builder()
        .child(ChildSpec::supervisor("inner", inner))
        .child(Worker::spec("after", &log))
        .spawn(&node)
        .unwrap();
    // Started in order: "after" started after the whole inner tree had.
    assert!(node.registry().lookup("nested/slow").is_some());
    assert_eq!(entries(&log), ["start after"]);
    assert_eq!(sup.count_children().unwrap().active, 2);
}

#[test]
fn a_second_child_that_cannot_start_fails_the_spawn_and_stops_the_first() {
    struct Broken;
    impl Actor for Broken {
        type Msg = ();
        fn started(&mut self, _: &mut Context<Self>) {
            panic!("no database");
        }
        fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    }
    let node = node(2);
    let log: Log = Arc::default();
    let started = Supervisor::builder()
        .child(Worker::spec("first", &log))
        .child(ChildSpec::new("db", || Broken))
        .child(Worker::spec("never", &log))
        .spawn(&node);
    match started {
        Err(StartError::Child { id, reason }) => {
            assert_eq!(id, "db");
            assert_eq!(reason, "panic: no database");
        }
        other => panic!("expected a failed start, got {other:?}"),
    }
    assert_eq!(entries(&log), ["start first", "stop first"]);
    wait_until("no actor left behind", || node.actor_count() == 0);

    // One level up, the inner failure fails the outer start, naming both.
    let inner = Supervisor::builder().child(ChildSpec::new("db", || Broken));
    let started = Supervisor::builder()
        .child(ChildSpec::supervisor("inner", inner))
        .spawn(&node);
    match started {
        Err(StartError::Child { id, reason }) => {
            assert_eq!(id, "inner");
            assert_eq!(reason, "child \"db\" could not start: panic: no database");
        }
        other => panic!("expected a failed start, got {other:?}"),
    }
    wait_until("no actor left behind", || node.actor_count() == 0);
}

#[test]
fn a_supervisor_started_from_a_handler_answers_once_its_children_started() {
    struct App(mpsc::Sender<Result<SupervisorRef, StartError>>);
    impl Actor for App {
        type Msg = ();
        fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
            let spec = Supervisor::builder().child(
                ChildSpec::new("slow", || SlowStarter)
                    .options(foundation::ActorOptions::new().name("from-handler")),
            );
            // The blocking form refuses a scheduler thread.
            assert!(matches!(
                spec.clone().spawn(&ctx_node()),
                Err(StartError::OnScheduler)
            ));
            ctx.start_supervisor(spec)
                .then(|app, _, started| app.0.send(started).unwrap());
        }
    }
    static NODE: std::sync::OnceLock<Node> = std::sync::OnceLock::new();
    fn ctx_node() -> Node {
        NODE.get().unwrap().clone()
    }
    let node = node(1);
    NODE.set(node.clone()).unwrap();
    let (tx, rx) = mpsc::channel();
    node.spawn(App(tx)).unwrap().send(()).unwrap();
    let sup = rx.recv_timeout(T).unwrap().unwrap();
    assert!(node.registry().lookup("from-handler").is_some());
    assert_eq!(sup.count_children().unwrap().active, 1);
}

#[test]
fn a_shutdown_during_a_start_ends_it_quietly() {
    // Children that take a while to start; the node shuts down meanwhile.
    // The start ends with `Stopped` or (if the shutdown came first) `Spawn`
    // — never a child's failure, never a restart.
    for _ in 0..10 {
        let node = node(2);
        let mut spec = Supervisor::builder().intensity(1, Duration::from_secs(60));
        for i in 0..50 {
            spec = spec.child(ChildSpec::new(format!("c{i}"), || SlowStarter));
        }
        let starting = {
            let node = node.clone();
            thread::spawn(move || spec.spawn(&node))
        };
        thread::sleep(Duration::from_millis(5));
        node.shutdown().unwrap();
        match starting.join().unwrap() {
            Err(StartError::Stopped(reason)) => assert_eq!(reason, ExitReason::Shutdown),
            Err(StartError::Spawn(_)) => {}
            other => panic!("expected a quiet end, got {other:?}"),
        }
    }
}

#[test]
fn subscribers_follow_a_child_across_three_restarts_and_monitor_each_incarnation() {
    #[derive(Debug)]
    enum Seen {
        Event(SupervisorEvent),
        Down(foundation::Down),
    }
    enum WatcherMsg {
        Event(SupervisorEvent),
    }
    impl From<SupervisorEvent> for WatcherMsg {
        fn from(event: SupervisorEvent) -> Self {
            WatcherMsg::Event(event)
        }
    }
    struct Watcher(mpsc::Sender<Seen>);
    impl Actor for Watcher {
        type Msg = WatcherMsg;
        fn handle(&mut self, WatcherMsg::Event(event): WatcherMsg, ctx: &mut Context<Self>) {
            if let SupervisorEvent::Started { pid, .. } = &event {
                // Never NotAlive here unless it has already crashed again,
                // in which case its Exited event follows.
                let _ = ctx.monitor_pid(*pid);
            }
            self.0.send(Seen::Event(event)).unwrap();
        }
        fn on_down(&mut self, down: foundation::Down, _: &mut Context<Self>) {
            self.0.send(Seen::Down(down)).unwrap();
        }
    }

    let node = node(2);
    let log: Log = Arc::default();
    let sup = Supervisor::builder()
        .intensity(10, Duration::from_secs(60))
        .child(Worker::spec("w", &log))
        .spawn(&node)
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let watcher = node.spawn(Watcher(tx)).unwrap();
    sup.subscribe(watcher.recipient()).unwrap();
    let w = worker(&sup, "w");
    let first = w.pid();
    // Monitor the first incarnation directly; the others from their events.
    let mut downs = Vec::new();
    let mut started = Vec::new();
    let mut exited = Vec::new();
    for round in 0..3u32 {
        // Wait until the current incarnation is up (and monitored).
        if round > 0 {
            loop {
                match rx.recv_timeout(T).unwrap() {
                    Seen::Event(SupervisorEvent::Started { pid, restart, .. }) => {
                        assert!(restart);
                        started.push(pid);
                        break;
                    }
                    Seen::Event(SupervisorEvent::Exited { pid, .. }) => exited.push(pid),
                    Seen::Down(down) => downs.push(down.pid),
                    Seen::Event(other) => panic!("{other:?}"),
                }
            }
        }
        assert_eq!(w.call(WorkerMsg::Count, T), Ok(0));
        w.send(WorkerMsg::Crash).unwrap();
    }
    while started.len() < 3 || downs.len() < 2 || exited.len() < 3 {
        match rx.recv_timeout(T).unwrap() {
            Seen::Event(SupervisorEvent::Started { pid, .. }) => started.push(pid),
            Seen::Event(SupervisorEvent::Exited { pid, reason, .. }) => {
                assert!(matches!(reason, ExitReason::Panic(_)));
                exited.push(pid);
            }
            Seen::Down(down) => downs.push(down.pid),
            Seen::Event(other) => panic!("{other:?}"),
        }
    }
    let incarnations =
        |pids: &[foundation::Pid]| pids.iter().map(|p| p.incarnation()).collect::<Vec<_>>();
    assert_eq!(incarnations(&exited), [0, 1, 2]);
    assert_eq!(incarnations(&started), [1, 2, 3]);
    // Incarnations 1 and 2 were monitored from their Started events, and
    // each monitor saw its incarnation's exit.
    assert_eq!(incarnations(&downs), [1, 2]);
    assert!(started.iter().all(|p| p.number() == first.number()));
}

#[test]
fn a_dynamic_child_that_cannot_start_leaves_the_supervisor_and_its_children_as_they_were() {
    let node = node(2);
    let log: Log = Arc::default();
    let sup = Supervisor::builder()
        .intensity(1, Duration::from_secs(60))
        .child(Worker::spec("steady", &log))
        .spawn(&node)
        .unwrap();
    let steady = worker(&sup, "steady");
    for _ in 0..5 {
        let refused = sup.start_child(ChildSpec::new("bad", || -> Worker {
            panic!("cannot build")
        }));
        assert!(
            matches!(&refused, Err(SupervisorError::StartFailed { id, .. }) if id == "bad"),
            "{refused:?}"
        );
    }
    // Five failed starts and the supervisor (intensity 1) is still there,
    // with its healthy child, and the failed spec was not kept.
    assert!(sup.actor().is_alive());
    assert_eq!(steady.call(WorkerMsg::Count, T), Ok(0));
    assert_eq!(steady.pid().incarnation(), 0);
    let ids: Vec<String> = sup
        .which_children()
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["steady"]);
}

#[test]
fn a_spec_with_a_duplicate_id_or_a_zero_window_is_refused_by_name() {
    let node = node(1);
    let log: Log = Arc::default();
    let twice = Supervisor::builder()
        .child(Worker::spec("w", &log))
        .child(Worker::spec("w", &log));
    assert!(matches!(
        twice.clone().spawn(&node),
        Err(StartError::Spec(SpecError::DuplicateId(id))) if id == "w"
    ));
    assert!(matches!(
        Supervisor::builder()
            .intensity(1, Duration::ZERO)
            .spawn(&node),
        Err(StartError::Spec(SpecError::ZeroWindow))
    ));
    // Nested: the parent's start fails, naming the nested supervisor.
    match Supervisor::builder()
        .child(ChildSpec::supervisor("inner", twice))
        .spawn(&node)
    {
        Err(StartError::Child { id, reason }) => {
            assert_eq!(id, "inner");
            assert_eq!(
                reason,
                "invalid supervisor spec: two children have the id \"w\""
            );
        }
        other => panic!("expected a failed start, got {other:?}"),
    }
    assert!(entries(&log).is_empty(), "nothing started");
    wait_until("nothing left", || node.actor_count() == 0);
}

/// A child's listing prints what a reader of a log needs — its id, pid,
/// restart type, whether it is a supervisor, how often it restarted — and
/// not the handle inside it.
#[test]
fn a_child_listing_prints_its_child() {
    let node = node(1);
    let sup = Supervisor::builder()
        .child(Worker::spec("worker", &Log::default()).restart(Restart::Transient))
        .spawn(&node)
        .unwrap();
    let info = &sup.which_children().unwrap()[0];
    let printed = format!("{info:?}");
    let pid = info.pid.expect("running");
    assert_eq!(
        printed,
        format!(
            "ChildInfo {{ id: \"worker\", pid: Some({pid:?}), restart: Transient, is_supervisor: false, restarts: 0 }}"
        )
    );
}
