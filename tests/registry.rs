//! The process registry: names released on exit, following restarts,
//! register races (exactly one winner), typed look-ups, sends by name, and
//! a crash storm that leaves nothing behind.

use std::collections::HashSet;
use std::sync::mpsc;
use std::thread;

use foundation::{
    Actor, ActorOptions, ChildSpec, Context, LookupError, NamedSendError, Node, RegisterError,
    ReplyTo, Restart, SendError, SpawnError, StartError, Supervisor,
};

mod common;
use common::{T, node, race, wait_until};

enum Msg {
    Add(u64),
    Total(ReplyTo<u64>),
    Crash,
    Stop,
}

#[derive(Default)]
struct Counter(u64);

impl Actor for Counter {
    type Msg = Msg;
    fn handle(&mut self, msg: Msg, ctx: &mut Context<Self>) {
        match msg {
            Msg::Add(n) => self.0 += n,
            Msg::Total(reply) => {
                let _ = reply.reply(self.0);
            }
            Msg::Crash => panic!("crash on request"),
            Msg::Stop => ctx.stop(),
        }
    }
}

struct Other;
impl Actor for Other {
    type Msg = Msg;
    fn handle(&mut self, _: Msg, _: &mut Context<Self>) {}
}

/// Registers itself in its `started` hook, as Erlang code does.
struct SelfNamed(&'static str);
impl Actor for SelfNamed {
    type Msg = Msg;
    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.registry()
            .register(self.0, ctx.pid())
            .expect("the name is free, or already ours");
    }
    fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
        match msg {
            Msg::Total(reply) => {
                let _ = reply.reply(0);
            }
            Msg::Crash => panic!("crash on request"),
            _ => {}
        }
    }
}

fn no_names_left(node: &Node) {
    wait_until("every name released", || {
        node.registry().registered().is_empty() && node.stats().named_actors == 0
    });
}

#[test]
fn a_name_is_released_when_its_actor_stops_normally_or_crashes() {
    let node = node(2);
    let registry = node.registry();
    for ending in [Msg::Stop, Msg::Crash] {
        let counter = node.spawn(Counter::default()).unwrap();
        registry.register("counter", counter.pid()).unwrap();
        assert_eq!(registry.lookup("counter"), Some(counter.pid()));
        assert_eq!(registry.name_of(counter.pid()).as_deref(), Some("counter"));
        counter.send(ending).ok().unwrap();
        no_names_left(&node);
        assert_eq!(registry.lookup("counter"), None);
        assert_eq!(registry.name_of(counter.pid()), None);
        // Free for the next one.
    }
    let next = node.spawn(Counter::default()).unwrap();
    registry.register("counter", next.pid()).unwrap();
    assert_eq!(registry.lookup("counter"), Some(next.pid()));
}

#[test]
fn a_name_is_gone_before_the_monitors_hear_of_the_exit() {
    struct Watcher {
        target: foundation::ActorRef<Counter>,
        seen: mpsc::Sender<Option<foundation::Pid>>,
    }
    impl Actor for Watcher {
        type Msg = ();
        fn started(&mut self, ctx: &mut Context<Self>) {
            ctx.monitor(&self.target).unwrap();
            self.target.send(Msg::Stop).ok().unwrap();
        }
        fn handle(&mut self, _: (), _: &mut Context<Self>) {}
        fn on_down(&mut self, _: foundation::Down, ctx: &mut Context<Self>) {
            self.seen.send(ctx.registry().lookup("target")).unwrap();
        }
    }
    let node = node(2);
    let target = node.spawn(Counter::default()).unwrap();
    node.registry().register("target", target.pid()).unwrap();
    let (tx, rx) = mpsc::channel();
    node.spawn(Watcher { target, seen: tx }).unwrap();
    assert_eq!(rx.recv_timeout(T).unwrap(), None);
}

#[test]
fn a_name_follows_a_restarted_child_and_goes_when_it_stops_for_good() {
    let node = node(2);
    let sup = Supervisor::builder()
        .child(ChildSpec::new("counter", Counter::default).restart(Restart::Transient))
        .spawn(&node)
        .unwrap();
    let child = sup.child::<Counter>("counter").unwrap().unwrap();
    let registry = node.registry();
    registry.register("counter", child.pid()).unwrap();

    registry.send_named("counter", Msg::Add(1)).unwrap();
    registry.send_named("counter", Msg::Crash).unwrap();
    // Queued behind the crash, sent by name: handled by the next incarnation.
    registry.send_named("counter", Msg::Add(2)).unwrap();
    let found = registry.lookup_ref::<Counter>("counter").unwrap();
    assert_eq!(found.call(Msg::Total, T), Ok(2));
    assert_eq!(found.pid().incarnation(), 1);
    assert_eq!(registry.lookup("counter"), Some(found.pid()));
    assert_eq!(registry.name_of(found.pid()).as_deref(), Some("counter"));

    // A transient child that stops normally is not restarted: the name goes.
    registry.send_named("counter", Msg::Stop).unwrap();
    no_names_left(&node);
    assert!(matches!(
        registry.send_named("counter", Msg::Add(1)),
        Err(NamedSendError::NotRegistered { .. })
    ));
}

#[test]
fn an_actor_that_registers_itself_on_start_restarts_cleanly() {
    let node = node(2);
    let sup = Supervisor::builder()
        .child(ChildSpec::new("self-named", || SelfNamed("me")))
        .spawn(&node)
        .unwrap();
    let registry = node.registry();
    wait_until("the child named itself", || registry.lookup("me").is_some());
    for incarnation in 1..=2 {
        registry.send_named("me", Msg::Crash).unwrap();
        let child = registry.lookup_ref::<SelfNamed>("me").unwrap();
        // Its `started` registered again, without an error (else it would
        // have panicked and the supervisor would count another restart).
        assert_eq!(child.call(Msg::Total, T), Ok(0));
        assert_eq!(child.pid().incarnation(), incarnation);
    }
    assert_eq!(sup.count_children().unwrap().active, 1);
}

#[test]
fn register_races_have_exactly_one_winner() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 200;
    let node = node(2);
    let registry = node.registry();
    for round in 0..ROUNDS {
        let name = format!("contested-{round}");
        let contenders: Vec<_> = (0..THREADS)
            .map(|_| node.spawn(Counter::default()).unwrap())
            .collect();
        let outcomes = race(contenders.iter().map(|c| {
            let (registry, name, pid) = (registry.clone(), name.clone(), c.pid());
            move || (pid, registry.register(&name, pid))
        }));
        let winners: Vec<_> = outcomes.iter().filter(|(_, r)| r.is_ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {outcomes:?}");
        let winner = winners[0].0;
        for (pid, outcome) in &outcomes {
            if *pid != winner {
                assert_eq!(outcome, &Err(RegisterError::AlreadyRegistered(winner)));
            }
        }
        assert_eq!(registry.lookup(&name), Some(winner));
        for c in contenders {
            c.stop();
        }
    }
    no_names_left(&node);
}

#[test]
fn one_actor_racing_for_two_names_gets_one() {
    let node = node(2);
    let registry = node.registry();
    for round in 0..200 {
        let actor = node.spawn(Counter::default()).unwrap();
        let tries = race(["left", "right"].into_iter().map(|side| {
            let (registry, pid) = (registry.clone(), actor.pid());
            let name = format!("{side}-{round}");
            move || registry.register(&name, pid)
        }));
        assert_eq!(tries.iter().filter(|r| r.is_ok()).count(), 1, "{tries:?}");
        assert_eq!(
            registry
                .registered()
                .iter()
                .filter(|(_, p)| *p == actor.pid())
                .count(),
            1
        );
        actor.stop();
    }
    no_names_left(&node);
}

#[test]
fn typed_lookup_names_both_types_when_they_differ() {
    let node = node(1);
    let other = node.spawn(Other).unwrap();
    let registry = node.registry();
    registry.register("other", other.pid()).unwrap();
    match registry.lookup_ref::<Counter>("other") {
        Err(LookupError::WrongType {
            name,
            expected,
            actual,
        }) => {
            assert_eq!(name, "other");
            assert!(expected.ends_with("Counter"), "{expected}");
            assert!(actual.ends_with("Other"), "{actual}");
        }
        other => panic!("expected WrongType, got {other:?}"),
    }
    assert_eq!(registry.lookup_ref::<Other>("other").unwrap(), other);
}

#[test]
fn send_named_hands_every_refused_message_back() {
    let node = node(1);
    let registry = node.registry();
    let refused = registry.send_named("ghost", Msg::Add(3)).unwrap_err();
    assert!(matches!(refused.into_inner(), Msg::Add(3)));
    let counter = node.spawn(Counter::default()).unwrap();
    registry.register("c", counter.pid()).unwrap();
    let refused = registry.send_named("c", "not a Msg").unwrap_err();
    assert!(refused.to_string().contains("Msg"), "{refused}");
    assert_eq!(refused.into_inner(), "not a Msg");
    // A mailbox that closes between the look-up and the send hands it back
    // too; here the actor is stopped but its name not yet released, or
    // already released: either way the message returns.
    counter.send(Msg::Stop).ok().unwrap();
    wait_until("stopped", || !counter.is_alive());
    match registry.send_named("c", Msg::Add(4)) {
        Err(NamedSendError::Send(SendError::Closed(Msg::Add(4))))
        | Err(NamedSendError::NotRegistered {
            msg: Msg::Add(4), ..
        }) => {}
        other => panic!("expected the message back, got {other:?}"),
    }
}

#[test]
fn stale_and_foreign_pids_are_refused() {
    let node = node(1);
    let elsewhere = common::node(1);
    let registry = node.registry();
    let gone = node.spawn(Counter::default()).unwrap();
    let gone_pid = gone.pid();
    gone.send(Msg::Stop).ok().unwrap();
    wait_until("stopped", || node.actor_count() == 0);
    // Its table slot is reused by the next actor: the old pid must not
    // resolve to it.
    let next = node.spawn(Counter::default()).unwrap();
    assert_ne!(next.pid(), gone_pid);
    assert_eq!(
        registry.register("x", gone_pid),
        Err(RegisterError::NotAlive(gone_pid))
    );
    let foreign = elsewhere.spawn(Counter::default()).unwrap();
    assert_eq!(
        registry.register("x", foreign.pid()),
        Err(RegisterError::NotAlive(foreign.pid()))
    );
    assert!(registry.registered().is_empty());

    // An earlier incarnation of a restarted child is not alive either.
    let sup = Supervisor::builder()
        .child(ChildSpec::new("c", Counter::default))
        .spawn(&node)
        .unwrap();
    let child = sup.child::<Counter>("c").unwrap().unwrap();
    let first = child.pid();
    child.send(Msg::Crash).ok().unwrap();
    assert_eq!(child.call(Msg::Total, T), Ok(0));
    assert_eq!(
        registry.register("c", first),
        Err(RegisterError::NotAlive(first))
    );
    registry.register("c", child.pid()).unwrap();
}

#[test]
fn a_crash_storm_leaves_no_names_groups_or_services_behind() {
    const ACTORS: usize = 10_000;
    let node = node(2);
    let registry = node.registry();
    let groups = node.groups();
    let services = node.services();
    let mut pids = HashSet::new();
    for i in 0..ACTORS {
        let actor = node.spawn(Counter::default()).unwrap();
        registry
            .register(&format!("storm-{i}"), actor.pid())
            .unwrap();
        groups.join("storm", actor.recipient::<Msg>()).unwrap();
        groups
            .join(&format!("storm-{}", i % 10), actor.recipient::<Msg>())
            .unwrap();
        services
            .register(&format!("storm-service-{i}"), actor.pid())
            .unwrap();
        pids.insert(actor.pid());
    }
    assert_eq!(registry.registered().len(), ACTORS);
    assert_eq!(groups.member_pids("storm").len(), ACTORS);
    assert_eq!(node.stats().named_actors, ACTORS);
    // Every one crashes.
    for i in 0..ACTORS {
        registry
            .send_named(&format!("storm-{i}"), Msg::Crash)
            .unwrap();
    }
    wait_until("the storm is over", || node.actor_count() == 0);
    no_names_left(&node);
    assert!(groups.member_pids("storm").is_empty());
    assert!(groups.which_groups().is_empty());
    assert!(services.list().is_empty());
    assert_eq!(node.stats().panics, ACTORS as u64);
}

#[test]
fn names_are_per_node() {
    let (a, b) = (node(1), node(1));
    let on_a = a.spawn(Counter::default()).unwrap();
    let on_b = b.spawn(Counter::default()).unwrap();
    a.registry().register("same", on_a.pid()).unwrap();
    b.registry().register("same", on_b.pid()).unwrap();
    assert_eq!(a.registry().lookup("same"), Some(on_a.pid()));
    assert_eq!(b.registry().lookup("same"), Some(on_b.pid()));
}

#[test]
fn shutdown_releases_every_name() {
    let node = node(2);
    for i in 0..100 {
        let actor = node.spawn(Counter::default()).unwrap();
        node.registry()
            .register(&format!("n{i}"), actor.pid())
            .unwrap();
    }
    node.shutdown().unwrap();
    assert!(node.registry().registered().is_empty());
    assert_eq!(node.stats().named_actors, 0);
}

#[test]
fn registrations_racing_exits_leave_nothing_behind() {
    const ACTORS: usize = 4_000;
    let node = node(2);
    let registry = node.registry();
    let groups = node.groups();
    let services = node.services();
    let actors: Vec<_> = (0..ACTORS)
        .map(|_| node.spawn(Counter::default()).unwrap())
        .collect();
    // Each actor is told to stop and then named at once: its stop runs on a
    // scheduler thread while the names are added here.
    let mut accepted = 0;
    for (i, actor) in actors.iter().enumerate() {
        let pid = actor.pid();
        let _ = actor.send(Msg::Stop);
        if i % 3 == 1 {
            thread::yield_now();
        }
        accepted += usize::from(registry.register(&format!("racer-{i}"), pid).is_ok());
        accepted += usize::from(groups.join("racers", actor.recipient::<Msg>()).is_ok());
        accepted += usize::from(services.register(&format!("racer-{i}"), pid).is_ok());
    }
    wait_until("every racer stopped", || node.actor_count() == 0);
    no_names_left(&node);
    assert!(groups.member_pids("racers").is_empty());
    assert!(services.list().is_empty());
    // The race was real: some registrations went through before the stop.
    assert!(accepted > 0);
}

#[test]
fn a_name_given_at_spawn_is_there_before_the_actor_runs() {
    struct Greeter(mpsc::Sender<Option<foundation::Pid>>);
    impl Actor for Greeter {
        type Msg = ();
        fn started(&mut self, ctx: &mut Context<Self>) {
            self.0.send(ctx.registry().lookup("greeter")).unwrap();
        }
        fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    }
    let node = node(2);
    let (tx, rx) = mpsc::channel();
    let greeter = node
        .spawn_with(Greeter(tx.clone()), ActorOptions::new().name("greeter"))
        .unwrap();
    assert_eq!(rx.recv_timeout(T).unwrap(), Some(greeter.pid()));
    // Taken: the spawn fails, the second actor never runs.
    match node.spawn_with(Greeter(tx), ActorOptions::new().name("greeter")) {
        Err(SpawnError::Name { name, source }) => {
            assert_eq!(name, "greeter");
            assert_eq!(source, RegisterError::AlreadyRegistered(greeter.pid()));
        }
        other => panic!("expected a name error, got {other:?}"),
    }
    assert!(
        rx.recv_timeout(std::time::Duration::from_millis(50))
            .is_err()
    );
    assert_eq!(node.actor_count(), 1);
    assert!(matches!(
        node.spawn_with(Other, ActorOptions::new().name("")),
        Err(SpawnError::Name {
            source: RegisterError::EmptyName,
            ..
        })
    ));
    assert_eq!(node.stats().named_actors, 1);
}

#[test]
fn a_supervised_child_named_by_its_spec_keeps_the_name_across_restarts() {
    let node = node(2);
    let sup = Supervisor::builder()
        .child(
            ChildSpec::new("counter", Counter::default)
                .options(ActorOptions::new().name("spec-named")),
        )
        .spawn(&node)
        .unwrap();
    let registry = node.registry();
    let started = sup.child::<Counter>("counter").unwrap().unwrap();
    let first = registry.lookup("spec-named").unwrap();
    assert_eq!(first, started.pid());
    registry.send_named("spec-named", Msg::Crash).unwrap();
    registry.send_named("spec-named", Msg::Add(3)).unwrap();
    let child = registry.lookup_ref::<Counter>("spec-named").unwrap();
    assert_eq!(child.call(Msg::Total, T), Ok(3));
    assert_eq!(child.pid().number(), first.number());
    assert_eq!(child.pid().incarnation(), first.incarnation() + 1);
    sup.stop();
    no_names_left(&node);
}

#[test]
fn a_child_whose_name_is_taken_fails_the_supervisors_start() {
    let node = node(2);
    let squatter = node.spawn(Other).unwrap();
    node.registry().register("wanted", squatter.pid()).unwrap();
    // A refused name is a failed start: as in OTP, the supervisor's own
    // start fails, naming the child; nothing is restarted.
    let started = Supervisor::builder()
        .child(ChildSpec::new("first", Counter::default))
        .child(
            ChildSpec::new("counter", Counter::default).options(ActorOptions::new().name("wanted")),
        )
        .spawn(&node);
    match started {
        Err(StartError::Child { id, reason }) => {
            assert_eq!(id, "counter");
            assert!(reason.contains("`wanted`"), "{reason}");
        }
        other => panic!("expected a failed child start, got {other:?}"),
    }
    assert_eq!(node.registry().lookup("wanted"), Some(squatter.pid()));
    wait_until("only the squatter is left", || node.actor_count() == 1);
}
