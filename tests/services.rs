//! The service registry: namespaces, register races, health checks,
//! `wait_for_service` from threads, handlers and async code, services that
//! follow restarts and go when their actor stops.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use foundation::{
    Actor, ActorOptions, ChildSpec, Context, Health, ManualClock, Namespace, Node, Pid, ReplyTo,
    ServiceError, ServiceOptions, Supervisor,
};

mod common;
use common::{T, node, race, wait_until};

enum Msg {
    Ping(ReplyTo<&'static str>),
    Crash,
}

#[derive(Default)]
struct Service;
impl Actor for Service {
    type Msg = Msg;
    fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
        match msg {
            Msg::Ping(reply) => {
                let _ = reply.reply("pong");
            }
            Msg::Crash => panic!("crash on request"),
        }
    }
}

/// Waits for the service `db` from its `started` hook, serving pings
/// meanwhile, and reports what came.
struct Client {
    timeout: Duration,
    outcome: mpsc::Sender<Result<Pid, ServiceError>>,
}

enum ClientMsg {
    Ping(ReplyTo<&'static str>),
}

impl Actor for Client {
    type Msg = ClientMsg;
    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.services()
            .wait_for_service("db", self.timeout)
            .then(ctx, |client, _ctx, outcome| {
                client.outcome.send(outcome).unwrap();
            });
    }
    fn handle(&mut self, ClientMsg::Ping(reply): ClientMsg, _: &mut Context<Self>) {
        let _ = reply.reply("still serving");
    }
}

fn manual_node(clock: &ManualClock) -> Node {
    Node::builder()
        .clock(clock.clone())
        .schedulers(2)
        .start()
        .unwrap()
}

#[test]
fn wait_for_service_returns_when_the_service_registers_later() {
    let node = node(2);
    let services = node.services();
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let services = services.clone();
            thread::spawn(move || services.wait_for_service("later", T).wait())
        })
        .collect();
    thread::sleep(Duration::from_millis(20));
    let service = node.spawn(Service).unwrap();
    services.register("later", service.pid()).unwrap();
    for waiter in waiters {
        assert_eq!(waiter.join().unwrap(), Ok(service.pid()));
    }
    // Already there: at once.
    assert_eq!(
        services.wait_for_service("later", T).wait(),
        Ok(service.pid())
    );
}

#[test]
fn wait_for_service_times_out_otherwise() {
    let node = node(1);
    let outcome = node
        .services()
        .wait_for_service("never", Duration::from_millis(30))
        .wait();
    assert_eq!(
        outcome,
        Err(ServiceError::Timeout {
            namespace: Namespace::Production,
            name: "never".into()
        })
    );
}

#[test]
fn a_handler_waits_for_a_service_without_blocking_its_thread() {
    // One scheduler thread: if the wait blocked it, nothing else could run.
    let node = Node::builder().schedulers(1).start().unwrap();
    let (tx, rx) = mpsc::channel();
    let client = node
        .spawn(Client {
            timeout: T,
            outcome: tx,
        })
        .unwrap();
    assert_eq!(client.call(ClientMsg::Ping, T), Ok("still serving"));
    let db = node.spawn(Service).unwrap();
    assert_eq!(db.call(Msg::Ping, T), Ok("pong"));
    node.services().register("db", db.pid()).unwrap();
    assert_eq!(rx.recv_timeout(T).unwrap(), Ok(db.pid()));
}

#[test]
fn a_handlers_wait_times_out_on_the_nodes_clock() {
    let clock = ManualClock::new();
    let node = manual_node(&clock);
    let (tx, rx) = mpsc::channel();
    let client = node
        .spawn(Client {
            timeout: Duration::from_secs(60),
            outcome: tx,
        })
        .unwrap();
    assert_eq!(client.call(ClientMsg::Ping, T), Ok("still serving"));
    clock.advance(Duration::from_secs(59));
    assert!(rx.recv_timeout(Duration::from_millis(50)).is_err());
    clock.advance(Duration::from_secs(1));
    assert!(matches!(
        rx.recv_timeout(T).unwrap(),
        Err(ServiceError::Timeout { .. })
    ));
    // A service registered after the timeout changes nothing.
    let db = node.spawn(Service).unwrap();
    node.services().register("db", db.pid()).unwrap();
    assert!(rx.recv_timeout(Duration::from_millis(50)).is_err());
}

#[test]
fn a_blocking_wait_is_refused_on_a_scheduler_thread() {
    struct Impatient(mpsc::Sender<Result<Pid, ServiceError>>);
    impl Actor for Impatient {
        type Msg = ();
        fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
            let outcome = ctx.services().wait_for_service("x", T).wait();
            self.0.send(outcome).unwrap();
        }
    }
    let node = node(1);
    let (tx, rx) = mpsc::channel();
    node.spawn(Impatient(tx)).unwrap().send(()).unwrap();
    assert_eq!(rx.recv_timeout(T).unwrap(), Err(ServiceError::WouldBlock));

    // A blocking actor has a thread of its own: it may wait.
    struct Patient(mpsc::Sender<Result<Pid, ServiceError>>);
    impl Actor for Patient {
        type Msg = ();
        fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
            let outcome = ctx.services().wait_for_service("y", T).wait();
            self.0.send(outcome).unwrap();
        }
    }
    let (tx, rx) = mpsc::channel();
    let patient = node
        .spawn_with(Patient(tx), ActorOptions::new().blocking(true))
        .unwrap();
    patient.send(()).unwrap();
    let y = node.spawn(Service).unwrap();
    node.services().register("y", y.pid()).unwrap();
    assert_eq!(rx.recv_timeout(T).unwrap(), Ok(y.pid()));
}

#[test]
fn a_service_can_be_awaited_from_async_code() {
    let node = node(2);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let services = node.services();
    let registrar = {
        let (node, services) = (node.clone(), services.clone());
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            let s = node.spawn(Service).unwrap();
            services.register("async", s.pid()).unwrap();
            s.pid()
        })
    };
    let got = runtime.block_on(async { services.wait_for_service("async", T).await });
    assert_eq!(got, Ok(registrar.join().unwrap()));
    let missing = runtime.block_on(async {
        services
            .wait_for_service("missing", Duration::from_millis(20))
            .await
    });
    assert!(matches!(missing, Err(ServiceError::Timeout { .. })));
}

#[test]
fn node_shutdown_ends_every_wait() {
    let node = node(1);
    let services = node.services();
    let waiter = {
        let services = services.clone();
        thread::spawn(move || services.wait_for_service("never", T).wait())
    };
    thread::sleep(Duration::from_millis(20));
    node.shutdown().unwrap();
    assert_eq!(waiter.join().unwrap(), Err(ServiceError::NodeShutdown));
    // And a wait begun after it ends at once.
    let late = services.wait_for_service("never", T);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert_eq!(
        runtime.block_on(async { late.await }),
        Err(ServiceError::NodeShutdown)
    );
}

#[test]
fn register_races_have_exactly_one_winner() {
    const THREADS: usize = 8;
    let node = node(2);
    let services = node.services();
    for round in 0..200 {
        let name = format!("svc-{round}");
        let outcomes = race((0..THREADS).map(|_| {
            let pid = node.spawn(Service).unwrap().pid();
            let (services, name) = (services.clone(), name.clone());
            move || (pid, services.register(&name, pid))
        }));
        let winners: Vec<Pid> = outcomes
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(p, _)| *p)
            .collect();
        assert_eq!(winners.len(), 1, "{outcomes:?}");
        for (pid, outcome) in &outcomes {
            if *pid != winners[0] {
                assert!(
                    matches!(outcome, Err(ServiceError::AlreadyRegistered { pid, .. }) if *pid == winners[0])
                );
            }
        }
        assert_eq!(services.lookup(&name), Ok(winners[0]));
    }
}

#[test]
fn namespaces_are_isolated() {
    let node = node(1);
    let production = node.services();
    let test_a = production.in_namespace(Namespace::isolated());
    let test_b = production.in_namespace(Namespace::isolated());
    let (p, a, b) = (
        node.spawn(Service).unwrap(),
        node.spawn(Service).unwrap(),
        node.spawn(Service).unwrap(),
    );
    production.register("db", p.pid()).unwrap();
    test_a.register("db", a.pid()).unwrap();
    test_b.register("db", b.pid()).unwrap();
    assert_eq!(production.lookup("db"), Ok(p.pid()));
    assert_eq!(test_a.lookup("db"), Ok(a.pid()));
    assert_eq!(test_b.lookup("db"), Ok(b.pid()));
    assert_eq!(test_a.list(), [("db".to_string(), a.pid())]);
    test_a.unregister("db").unwrap();
    assert!(test_a.lookup("db").is_err());
    assert_eq!(production.lookup("db"), Ok(p.pid()));
    assert_eq!(test_a.service_info().total, 0);
    assert_eq!(production.service_info().total, 1);
}

#[test]
fn health_checks_report_failures_and_panics() {
    let node = node(1);
    let services = node.services();
    let ok = Arc::new(AtomicBool::new(true));
    let gauge = Arc::clone(&ok);
    let flaky = node.spawn(Service).unwrap();
    services
        .register_with(
            "flaky",
            flaky.pid(),
            ServiceOptions::new().health_check(move || {
                if gauge.load(SeqCst) {
                    Ok(())
                } else {
                    Err("degraded".into())
                }
            }),
        )
        .unwrap();
    let broken = node.spawn(Service).unwrap();
    services
        .register_with(
            "broken",
            broken.pid(),
            ServiceOptions::new().health_check(|| panic!("check exploded")),
        )
        .unwrap();
    let plain = node.spawn(Service).unwrap();
    services.register("plain", plain.pid()).unwrap();

    assert_eq!(services.health_check("flaky"), Ok(Health::Healthy));
    assert_eq!(services.health_check("plain"), Ok(Health::Healthy));
    match services.health_check("broken") {
        Ok(Health::Unhealthy(why)) => assert!(why.contains("check exploded"), "{why}"),
        other => panic!("expected unhealthy, got {other:?}"),
    }
    ok.store(false, SeqCst);
    assert_eq!(
        services.health_check("flaky"),
        Ok(Health::Unhealthy("degraded".into()))
    );
    let info = services.service_info();
    assert_eq!(
        (
            info.total,
            info.healthy,
            info.unhealthy,
            info.with_health_check
        ),
        (3, 1, 2, 2)
    );
    assert!(matches!(
        services.health_check("nope"),
        Err(ServiceError::NotFound { .. })
    ));
}

#[test]
fn a_service_follows_a_restart_and_goes_when_its_actor_stops() {
    let node = node(2);
    let sup = Supervisor::builder()
        .child(ChildSpec::new("svc", Service::default))
        .spawn(&node)
        .unwrap();
    let child = sup.child::<Service>("svc").unwrap().unwrap();
    let services = node.services();
    services.register("svc", child.pid()).unwrap();
    services.register("svc-alias", child.pid()).unwrap();
    child.send(Msg::Crash).ok().unwrap();
    let found = services.lookup_ref::<Service>("svc").unwrap();
    assert_eq!(found.call(Msg::Ping, T), Ok("pong"));
    assert_eq!(services.lookup("svc"), Ok(found.pid()));
    assert_eq!(found.pid().incarnation(), 1);
    assert_eq!(services.health_check("svc"), Ok(Health::Healthy));
    sup.stop();
    wait_until("the services are gone", || services.list().is_empty());
    assert_eq!(node.stats().named_actors, 0);
}

#[test]
fn wrong_types_and_bad_names_are_errors() {
    let node = node(1);
    let services = node.services();
    let s = node.spawn(Service).unwrap();
    assert_eq!(services.register("", s.pid()), Err(ServiceError::EmptyName));
    services.register("s", s.pid()).unwrap();
    match services.lookup_ref::<Client>("s") {
        Err(ServiceError::WrongType {
            expected, actual, ..
        }) => {
            assert!(expected.ends_with("Client"));
            assert!(actual.ends_with("Service"));
        }
        other => panic!("{other:?}"),
    }
    s.send(Msg::Crash).ok().unwrap();
    wait_until("released", || services.lookup("s").is_err());
    assert_eq!(
        services.register("s", s.pid()),
        Err(ServiceError::NotAlive(s.pid()))
    );
}

#[test]
fn a_service_is_unavailable_while_its_actor_waits_for_a_restart() {
    // The factory's second call blocks until released, so the supervisor
    // sits inside the restart and the child's cell stays vacant meanwhile.
    let node = node(2);
    let (release, gate) = mpsc::channel::<()>();
    let gate = std::sync::Mutex::new(gate);
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let sup = Supervisor::builder()
        .child(ChildSpec::new("svc", move || {
            if calls.fetch_add(1, SeqCst) > 0 {
                let _ = gate.lock().unwrap().recv();
            }
            Service
        }))
        .spawn(&node)
        .unwrap();
    let child = sup.child::<Service>("svc").unwrap().unwrap();
    let services = node.services();
    services.register("svc", child.pid()).unwrap();
    assert_eq!(services.health_check("svc"), Ok(Health::Healthy));
    child.send(Msg::Crash).ok().unwrap();
    wait_until("the service is unavailable", || {
        services.health_check("svc") == Ok(Health::Unavailable)
    });
    // Still registered, and a message sent now waits for the restart.
    assert_eq!(services.lookup("svc"), Ok(child.pid()));
    let info = services.service_info();
    assert_eq!((info.total, info.unavailable), (1, 1));
    let pong = {
        let child = child.clone();
        thread::spawn(move || child.call(Msg::Ping, T))
    };
    release.send(()).unwrap();
    assert_eq!(pong.join().unwrap(), Ok("pong"));
    assert_eq!(services.health_check("svc"), Ok(Health::Healthy));
    assert_eq!(services.lookup("svc"), Ok(child.pid()));
    assert_eq!(child.pid().incarnation(), 1);
}

#[test]
fn wait_for_service_gives_a_typed_handle_from_threads_handlers_and_async() {
    let node = node(2);
    let services = node.services();
    // From a handler (blocking the call from there is refused, so the
    // continuation only checks the handle's type and reports its pid).
    let (tx, rx) = mpsc::channel();
    struct Reports(mpsc::Sender<Result<Pid, ServiceError>>);
    impl Actor for Reports {
        type Msg = ();
        fn started(&mut self, ctx: &mut Context<Self>) {
            ctx.services()
                .wait_for_service("db", T)
                .typed::<Service>()
                .then(ctx, |me, _, db| me.0.send(db.map(|db| db.pid())).unwrap());
        }
        fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    }
    node.spawn(Reports(tx)).unwrap();
    // From async code.
    let pending = services.wait_for_service("db", T).typed::<Service>();
    let db = node.spawn(Service).unwrap();
    services.register("db", db.pid()).unwrap();
    assert_eq!(rx.recv_timeout(T).unwrap(), Ok(db.pid()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let handle = runtime.block_on(async { pending.await }).unwrap();
    assert_eq!(handle.call(Msg::Ping, T), Ok("pong"));
    // From a thread, and the wrong type.
    assert_eq!(
        services
            .wait_for_service("db", T)
            .typed::<Service>()
            .wait()
            .map(|db| db.pid()),
        Ok(db.pid())
    );
    assert!(matches!(
        services.wait_for_service("db", T).typed::<Reports>().wait(),
        Err(ServiceError::WrongType { .. })
    ));
}
