//! What `#[actor]` and `#[handlers]` generate, exercised at run time: sends
//! and calls through the generated methods, replies given later, the
//! context, handler errors kept apart from call failures, hooks, every
//! `#[actor]` option, `From` conversions for recipients, generic actors and
//! the introspection list. (What they refuse is in tests/ui.)

mod common;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{T, node, wait_until};
use foundation::introspect::{self, HandlerKind};
use foundation::prelude::*;
use foundation::{CallError, DEFAULT_CALL_TIMEOUT, Supervisor};

// ---- a plain actor ---------------------------------------------------------

#[actor]
#[derive(Default)]
struct Counter {
    total: u64,
    pending: Vec<ReplyTo<u64>>,
}

/// A price, for the `From` conversion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Price(pub u64);

#[handlers]
impl Counter {
    /// Adds `n`.
    pub fn add(&mut self, n: u64) {
        self.total += n;
    }

    pub fn add_two(&mut self, a: u64, b: u64) {
        self.total += a + b;
    }

    pub fn on_price(&mut self, price: Price) {
        self.total = price.0;
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Fails instead of going below zero.
    pub fn take(&mut self, n: u32) -> Result<u64, String> {
        let n = u64::from(n);
        if n > self.total {
            return Err(format!("only {} left", self.total));
        }
        self.total -= n;
        Ok(self.total)
    }

    /// Answers once the total reaches `at_least` (a deferred reply).
    pub fn when_at_least(&mut self, at_least: u64, reply: ReplyTo<u64>) {
        if self.total >= at_least {
            let _ = reply.reply(self.total);
        } else {
            self.pending.push(reply);
        }
    }

    pub fn waiting(&self) -> usize {
        self.pending.len()
    }

    /// Answers all deferred replies.
    pub fn flush(&mut self) {
        for reply in self.pending.drain(..) {
            let _ = reply.reply(self.total);
        }
    }

    /// Uses the context (a parameter that is not part of the message).
    pub fn whoami(&mut self, ctx: &mut Context<Self>) -> Pid {
        ctx.pid()
    }

    /// The context may come before the arguments.
    pub fn add_later(&mut self, ctx: &mut Context<Self>, n: u64) {
        ctx.send_after(Duration::from_millis(1), CounterMsg::Add(n));
    }

    pub fn crash(&mut self) {
        panic!("asked to crash");
    }

    /// Not a handler: private.
    fn helper(&self) -> u64 {
        self.total * 2
    }

    pub fn doubled(&self) -> u64 {
        self.helper()
    }

    /// Not a handler: no `self`.
    pub fn with_total(total: u64) -> Self {
        Counter {
            total,
            pending: Vec::new(),
        }
    }
}

#[test]
fn generated_sends_and_calls_reach_the_handlers() {
    let node = node(2);
    let counter = node.spawn(Counter::with_total(1)).unwrap();
    counter.add(2).unwrap();
    counter.add_two(3, 4).unwrap();
    assert_eq!(counter.total(), Ok(10));
    assert_eq!(counter.total_timeout(T), Ok(10));
    assert_eq!(counter.doubled(), Ok(20));
    assert_eq!(counter.whoami(), Ok(counter.pid()));
    counter.add_later(5).unwrap();
    wait_until("the delayed add", || counter.total() == Ok(15));
}

#[test]
fn the_async_form_is_a_future() {
    let node = node(1);
    let counter = node.spawn(Counter::with_total(7)).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let total = runtime.block_on(async { counter.total_async().await });
    assert_eq!(total, Ok(7));
}

#[test]
fn a_handler_error_stays_apart_from_call_failures() {
    let node = node(1);
    let counter = node.spawn(Counter::with_total(5)).unwrap();
    assert_eq!(counter.take(2), Ok(Ok(3)));
    assert_eq!(counter.take(9), Ok(Err("only 3 left".to_string())));
    counter.stop();
    wait_until("the counter stops", || !counter.is_alive());
    assert_eq!(counter.take(1), Err(CallError::Stopped));
}

#[test]
fn a_reply_to_handler_answers_later() {
    let node = node(2);
    let counter = node.spawn(Counter::default()).unwrap();
    let waiter = {
        let counter = counter.clone();
        thread::spawn(move || counter.when_at_least(10))
    };
    wait_until("the request is parked", || counter.waiting() == Ok(1));
    counter.add(12).unwrap();
    assert_eq!(counter.total(), Ok(12));
    assert!(!waiter.is_finished(), "answered only when flushed");
    counter.flush().unwrap();
    assert_eq!(waiter.join().unwrap(), Ok(12));
    // Already there: answered at once.
    assert_eq!(counter.when_at_least_timeout(3, T), Ok(12));
}

#[test]
fn a_send_to_a_stopped_actor_hands_the_message_back() {
    let node = node(1);
    let counter = node.spawn(Counter::default()).unwrap();
    counter.stop();
    wait_until("the counter stops", || !counter.is_alive());
    match counter.add(4) {
        Err(SendError::Closed(CounterMsg::Add(4))) => {}
        other => panic!("expected the message back, got {other:?}"),
    }
}

#[test]
fn a_panicking_handler_fails_its_call_and_names_its_dead_letter() {
    let node = node(1);
    let counter = node.spawn(Counter::default()).unwrap();
    counter.crash().unwrap();
    wait_until("the dead letter", || node.dead_letters().count() == 1);
    assert_eq!(node.dead_letters().recent()[0].kind, "crash");
    assert_eq!(counter.total(), Err(CallError::Stopped));
}

#[test]
fn the_message_enum_is_usable_by_hand() {
    let node = node(1);
    let counter = node.spawn(Counter::default()).unwrap();
    counter.send(CounterMsg::Add(3)).unwrap();
    assert_eq!(counter.call(CounterMsg::Total, T), Ok(3));
    assert_eq!(format!("{:?}", CounterMsg::Add(1)), "CounterMsg::Add(..)");
    assert_eq!(<Counter as Actor>::message_kind(&CounterMsg::Add(1)), "add");
    assert_eq!(DEFAULT_CALL_TIMEOUT, Duration::from_secs(5));
}

#[test]
fn a_unique_single_argument_type_makes_a_recipient() {
    let node = node(2);
    let (a, b) = (
        node.spawn(Counter::default()).unwrap(),
        node.spawn(Counter::default()).unwrap(),
    );
    for counter in [&a, &b] {
        node.groups()
            .join("prices", counter.recipient::<Price>())
            .unwrap();
    }
    let sent = node.groups().broadcast("prices", Price(42)).unwrap();
    assert_eq!(sent.refused.len(), 0);
    assert_eq!(a.total(), Ok(42));
    assert_eq!(b.total(), Ok(42));
    let msg: CounterMsg = Price(1).into();
    assert!(matches!(msg, CounterMsg::OnPrice(Price(1))));
}

// ---- hooks and options -----------------------------------------------------

#[actor(trap_exit)]
struct Watcher {
    events: mpsc::Sender<String>,
}

#[actor]
struct Doomed;

#[handlers]
impl Doomed {
    pub fn die(&mut self) {
        panic!("doomed");
    }
}

#[handlers]
impl Watcher {
    pub fn watch(&mut self, target: ActorRef<Doomed>, ctx: &mut Context<Self>) {
        ctx.link(&target).unwrap();
        ctx.monitor(&target).unwrap();
        target.die().unwrap();
    }

    fn started(&mut self, _ctx: &mut Context<Self>) {
        self.events.send("started".into()).unwrap();
    }

    fn on_exit(&mut self, _from: Pid, reason: ExitReason, _ctx: &mut Context<Self>) {
        self.events.send(format!("exit: {reason}")).unwrap();
    }

    fn on_down(&mut self, down: Down, _ctx: &mut Context<Self>) {
        self.events.send(format!("down: {}", down.reason)).unwrap();
    }

    fn stopped(&mut self, reason: &ExitReason) {
        let _ = self.events.send(format!("stopped: {reason}"));
    }
}

#[test]
fn hooks_in_the_block_and_trap_exit_from_the_start() {
    let node = node(2);
    let (tx, rx) = mpsc::channel();
    let watcher = node.spawn(Watcher { events: tx }).unwrap();
    assert!(Watcher::options().trap_exit);
    let doomed = node.spawn(Doomed).unwrap();
    watcher.watch(doomed).unwrap();
    let next = || rx.recv_timeout(common::DEADLINE).unwrap();
    assert_eq!(next(), "started");
    let (first, second) = (next(), next());
    let mut got = [first, second];
    got.sort();
    assert!(
        got[0].starts_with("down: ") && got[1].starts_with("exit: "),
        "{got:?}"
    );
    assert!(
        watcher.is_alive(),
        "a trapping watcher survives the linked crash"
    );
    watcher.stop();
    assert!(next().starts_with("stopped: "));
}

#[actor(name = "the-registrar")]
struct Registrar;

#[handlers]
impl Registrar {
    pub fn ping(&self) -> &'static str {
        "pong"
    }
}

#[test]
fn a_declared_name_registers_at_spawn_and_is_unique() {
    let node = node(1);
    let first = node.spawn(Registrar).unwrap();
    assert_eq!(node.registry().lookup("the-registrar"), Some(first.pid()));
    assert!(matches!(
        node.spawn(Registrar),
        Err(SpawnError::Name { .. })
    ));
    let found = node
        .registry()
        .lookup_ref::<Registrar>("the-registrar")
        .unwrap();
    assert_eq!(found.ping(), Ok("pong"));
    // Another node has its own names.
    let other = common::node(1);
    assert!(other.spawn(Registrar).is_ok());
}

#[actor(restart = "transient")]
#[derive(Default)]
struct Job {
    done: u32,
}

#[handlers]
impl Job {
    pub fn work(&mut self) -> u32 {
        self.done += 1;
        self.done
    }
    pub fn fail(&mut self) {
        panic!("job failed");
    }
    pub fn finish(&mut self, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

#[test]
fn a_declared_restart_type_is_the_child_spec_default() {
    assert_eq!(Job::restart(), Restart::Transient);
    assert_eq!(Counter::restart(), Restart::Permanent);
    let node = node(2);
    let sup = Supervisor::builder()
        .child(ChildSpec::new("job", Job::default))
        .spawn(&node)
        .unwrap();
    let job = sup.child::<Job>("job").unwrap().unwrap();
    assert_eq!(job.work(), Ok(1));
    job.fail().unwrap(); // abnormal: a transient child is restarted
    assert_eq!(job.work(), Ok(1));
    assert_eq!(job.pid().incarnation(), 1);
    job.finish().unwrap(); // normal: not restarted
    wait_until("the job is gone", || {
        sup.count_children().map(|c| c.active) == Ok(0)
    });
}

#[actor(blocking)]
struct Sleeper;

#[handlers]
impl Sleeper {
    /// Blocks its thread: fine, it has its own.
    pub fn nap(&mut self) -> String {
        thread::sleep(Duration::from_millis(5));
        thread::current().name().unwrap_or_default().to_string()
    }
}

#[test]
fn a_blocking_actor_runs_on_a_thread_of_its_own() {
    let node = node(1);
    let sleeper = node.spawn(Sleeper).unwrap();
    let thread = sleeper.nap().unwrap();
    assert!(thread.contains("blocking"), "ran on {thread}");
}

// ---- generic actors --------------------------------------------------------

#[actor]
struct Stack<T> {
    items: Vec<T>,
}

#[handlers]
impl<T: Clone + Send + 'static> Stack<T> {
    pub fn push(&mut self, item: T) {
        self.items.push(item);
    }
    pub fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }
    pub fn peek_all(&self) -> Vec<T> {
        self.items.clone()
    }
}

#[test]
fn generic_actors_work_for_each_instance() {
    let node = node(1);
    let words = node.spawn(Stack::<String> { items: vec![] }).unwrap();
    let numbers = node.spawn(Stack::<u8> { items: vec![] }).unwrap();
    words.push("a".into()).unwrap();
    words.push("b".into()).unwrap();
    numbers.push(7).unwrap();
    assert_eq!(words.peek_all(), Ok(vec!["a".to_string(), "b".to_string()]));
    assert_eq!(words.pop(), Ok(Some("b".to_string())));
    assert_eq!(numbers.pop(), Ok(Some(7)));
    assert_eq!(numbers.pop(), Ok(None));
    let msg: StackMsg<u8> = StackMsg::Push(1);
    assert_eq!(format!("{msg:?}"), "StackMsg::Push(..)");
}

// ---- introspection ---------------------------------------------------------

#[test]
fn every_actor_is_listed_with_its_options_and_handlers() {
    let actors = introspect::actors();
    let find = |name: &str| {
        actors
            .iter()
            .find(|a| a.name() == name)
            .unwrap_or_else(|| panic!("{name} is not listed"))
    };
    let counter = find("Counter");
    assert_eq!(counter.type_path(), "macros::Counter");
    assert!(!counter.is_generic());
    let handlers: Vec<_> = counter
        .handlers()
        .iter()
        .map(|h| (h.name, h.kind))
        .collect();
    assert_eq!(handlers[0], ("add", HandlerKind::Send));
    assert!(handlers.contains(&("total", HandlerKind::Call)));
    assert!(handlers.contains(&("when_at_least", HandlerKind::Call)));
    assert!(
        !handlers
            .iter()
            .any(|(n, _)| *n == "helper" || *n == "with_total")
    );
    assert_eq!(find("Registrar").options().name, Some("the-registrar"));
    assert_eq!(find("Job").options().restart, Restart::Transient);
    assert!(find("Sleeper").options().blocking);
    assert!(find("Watcher").options().trap_exit);
    let stack = find("Stack");
    assert!(stack.is_generic());
    let names: Vec<_> = stack.handlers().iter().map(|h| h.name).collect();
    assert_eq!(names, ["push", "pop", "peek_all"]);
    assert_eq!(
        actors.iter().filter(|a| a.name() == "Stack").count(),
        1,
        "a generic actor is listed once"
    );
    let shown = find("Registrar").to_string();
    assert_eq!(
        shown,
        "macros::Registrar [name = \"the-registrar\"] ping(call)"
    );
    // Sorted by path.
    let paths: Vec<_> = actors.iter().map(|a| a.type_path()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
}
