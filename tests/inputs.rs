//! Every public function that takes a duration, a size or a count, driven
//! with arbitrary values (proptest): nothing panics inside the runtime,
//! `Duration::MAX` means "never" (or "no deadline"), and what cannot work
//! is a typed error. Where time matters the node runs on a `ManualClock`.

use std::sync::{OnceLock, mpsc};
use std::time::Duration;

use foundation::{
    Actor, CallError, ChildSpec, Context, ManualClock, Node, NodeError, ReplyTo, SpecError,
    StartError, Supervisor, TimerError,
};
use proptest::prelude::*;

mod common;
use common::{T, block_on};

/// Any duration, with the edges (zero, `MAX`, just past what an `Instant`
/// can hold) well represented.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        Just(Duration::from_secs(u64::MAX / 2)),
        (0u64..10_000).prop_map(Duration::from_millis),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

/// Answers, and can ask itself with any timeout.
struct Echo {
    timers: mpsc::Sender<&'static str>,
}

enum Msg {
    Echo(u32, ReplyTo<u32>),
    /// Arms `send_after(delay)`, `send_interval(period)` and a request to
    /// itself with `timeout`, and reports what each did.
    Arm {
        delay: Duration,
        timeout: Duration,
        done: mpsc::Sender<Result<(), TimerError>>,
    },
    Fired,
    Asked(ReplyTo<()>),
}

impl Actor for Echo {
    type Msg = Msg;
    fn handle(&mut self, msg: Msg, ctx: &mut Context<Self>) {
        match msg {
            Msg::Echo(n, reply) => {
                let _ = reply.reply(n);
            }
            Msg::Arm {
                delay,
                timeout,
                done,
            } => {
                ctx.send_after(delay, Msg::Fired);
                let interval = ctx.send_interval(delay, || Msg::Fired).map(|t| {
                    t.cancel();
                });
                let me = ctx.myself();
                ctx.request(&me, Msg::Asked)
                    .timeout(timeout)
                    .then(|echo, _, _| echo.timers.send("answered").unwrap());
                done.send(interval).unwrap();
            }
            Msg::Fired => self.timers.send("fired").unwrap(),
            Msg::Asked(reply) => {
                let _ = reply.reply(());
            }
        }
    }
}

/// One node on the system clock, shared by the cases that need no clock.
fn system_node() -> &'static (Node, foundation::ActorRef<Echo>) {
    static NODE: OnceLock<(Node, foundation::ActorRef<Echo>)> = OnceLock::new();
    NODE.get_or_init(|| {
        let node = Node::builder().schedulers(2).start().unwrap();
        let (timers, _) = mpsc::channel();
        let echo = node.spawn(Echo { timers }).unwrap();
        (node, echo)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A call's timeout, blocking or async: the answer, or `Timeout` for a
    /// timeout too short to wait for it; never a panic.
    #[test]
    fn a_call_takes_any_timeout(timeout in duration(), n in any::<u32>()) {
        let (_, echo) = system_node();
        let answer = echo.call(|r| Msg::Echo(n, r), timeout);
        prop_assert!(answer == Ok(n) || (answer == Err(CallError::Timeout) && timeout < T), "{answer:?}");
        let answer = block_on(echo.call_async(|r| Msg::Echo(n, r), timeout));
        prop_assert!(answer == Ok(n) || (answer == Err(CallError::Timeout) && timeout < T), "{answer:?}");
    }

    /// On a manual clock: `send_after` fires exactly when its delay has
    /// passed (never, for a delay beyond the clock), `send_interval` is
    /// refused only for zero, and a request with any timeout leaves its
    /// actor running and answered.
    #[test]
    fn timers_and_request_timeouts_take_any_duration(delay in duration(), timeout in duration()) {
        let clock = ManualClock::new();
        let node = Node::builder().clock(clock.clone()).schedulers(1).start().unwrap();
        let (timers, heard) = mpsc::channel();
        let echo = node.spawn(Echo { timers }).unwrap();
        // Not at zero: a deadline is now + delay, which overflows only then.
        clock.advance(Duration::from_millis(1));
        let (done, armed) = mpsc::channel();
        echo.send(Msg::Arm { delay, timeout, done }).ok().unwrap();
        let interval = armed.recv_timeout(T).unwrap();
        prop_assert_eq!(interval.is_err(), delay.is_zero());
        prop_assert_eq!(heard.recv_timeout(T).unwrap(), "answered");
        let from_outside = echo.send_after(delay, Msg::Fired);
        let step = Duration::from_secs(3600);
        clock.advance(step);
        // A probe queued behind anything that fired.
        prop_assert_eq!(echo.call(|r| Msg::Echo(1, r), T), Ok(1));
        let fired = heard.try_iter().filter(|&h| h == "fired").count();
        prop_assert_eq!(fired, if delay <= step { 2 } else { 0 });
        prop_assert_eq!(from_outside.is_pending(), delay > step);
        clock.advance(Duration::MAX); // saturates; fires what was left
        prop_assert!(echo.is_alive());
        node.shutdown().unwrap();
    }

    /// `wait_for_service(.., timeout).wait()`: a service that is there is
    /// found with any timeout; one that is not times out (at once for
    /// zero) — no panic for any value.
    #[test]
    fn a_service_wait_takes_any_timeout(timeout in duration()) {
        let (node, echo) = system_node();
        let services = node.services();
        let _ = services.register("inputs-echo", echo.pid());
        prop_assert_eq!(services.wait_for_service("inputs-echo", timeout).wait().ok(), Some(echo.pid()));
        if timeout < Duration::from_millis(50) {
            prop_assert!(services.wait_for_service("inputs-absent", timeout).wait().is_err());
        }
    }

    /// A restart intensity of any size: only a zero window is refused.
    #[test]
    fn a_supervisor_takes_any_intensity(max in any::<u32>(), within in duration()) {
        let (node, _) = system_node();
        let started = Supervisor::builder().intensity(max, within).spawn(node);
        if within.is_zero() {
            prop_assert!(matches!(started, Err(StartError::Spec(SpecError::ZeroWindow))));
        } else {
            let sup = started.unwrap();
            prop_assert_eq!(sup.count_children().unwrap().specs, 0);
            sup.stop();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// A shutdown timeout of any length: an idle node stops, every stop
    /// hook runs, and a second shutdown is a no-op.
    #[test]
    fn shutdown_takes_any_timeout(timeout in duration()) {
        struct Hooked(mpsc::Sender<()>);
        impl Actor for Hooked {
            type Msg = ();
            fn handle(&mut self, _: (), _: &mut Context<Self>) {}
            fn stopped(&mut self, _: &foundation::ExitReason) {
                self.0.send(()).unwrap();
            }
        }
        let node = Node::builder().schedulers(1).shutdown_timeout(timeout).start().unwrap();
        let (tx, stopped) = mpsc::channel();
        node.spawn(Hooked(tx)).unwrap();
        let result = node.shutdown();
        if timeout >= Duration::from_millis(100) {
            prop_assert!(result.is_ok(), "{result:?}");
            prop_assert!(stopped.try_recv().is_ok(), "the stop hook ran");
        }
        prop_assert!(node.shutdown().is_ok());
    }

    /// Scheduler counts: 1 to `MAX_SCHEDULERS` start (small ones tried
    /// here), zero and anything above are `InvalidConfig`; so are spares
    /// above the limit. No value panics.
    #[test]
    fn scheduler_counts_of_any_size(n in prop_oneof![Just(0usize), 1usize..4, Just(usize::MAX), (foundation::NodeBuilder::MAX_SCHEDULERS + 1)..usize::MAX], spares in prop_oneof![0usize..4, Just(usize::MAX)]) {
        let started = Node::builder().schedulers(n).spare_schedulers(spares).start();
        let valid = (1..=foundation::NodeBuilder::MAX_SCHEDULERS).contains(&n)
            && spares <= foundation::NodeBuilder::MAX_SCHEDULERS;
        match started {
            Ok(node) => {
                prop_assert!(valid);
                node.shutdown().unwrap();
            }
            Err(NodeError::InvalidConfig { field, .. }) => {
                prop_assert!(!valid);
                prop_assert!(field == "schedulers" || field == "spare_schedulers");
            }
            Err(other) => prop_assert!(false, "{other}"),
        }
    }

    /// A manual clock moved by any amount, any number of times, saturates
    /// instead of overflowing.
    #[test]
    fn a_manual_clock_advances_by_anything(steps in proptest::collection::vec(duration(), 1..5)) {
        let clock = ManualClock::new();
        let mut expected = Duration::ZERO;
        for step in steps {
            clock.advance(step);
            expected = expected.saturating_add(step);
        }
        prop_assert_eq!(clock.now(), expected);
    }
}

/// A child's restart intensity window and the rest of a spec are checked
/// when it starts; a `ChildSpec` of any id starts.
#[test]
fn any_child_id_starts() {
    struct Quiet;
    impl Actor for Quiet {
        type Msg = ();
        fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    }
    let (node, _) = system_node();
    for id in ["", " ", "a/b", "🙂", &"x".repeat(10_000)] {
        let sup = Supervisor::builder()
            .child(ChildSpec::new(id, || Quiet))
            .spawn(node)
            .unwrap();
        assert!(sup.child::<Quiet>(id).unwrap().is_some());
        sup.stop();
    }
}
