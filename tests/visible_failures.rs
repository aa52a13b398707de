//! Failures are visible by default: with no `tracing` subscriber, an actor's
//! panic, a supervisor giving up and a handler holding its thread past the
//! watchdog's threshold reach stderr, once each, plainly; with a subscriber
//! they go only to it; a shutdown while a supervisor starts logs no failure
//! at all.
//!
//! Stderr is the process's, so each scenario runs in a child process of
//! this binary (`harness = false`): run without arguments, it runs every
//! scenario that way and checks what each printed.

use std::process::Command;
use std::time::Duration;

use foundation::{Actor, ChildSpec, Context, ExitReason, Node, StartError, Supervisor};

mod common;
use common::{Captured, wait_until};

const SCENARIO: &str = "FOUNDATION_VISIBLE_FAILURES_SCENARIO";

struct Bomb;

impl Actor for Bomb {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {
        panic!("kaboom {}", 42);
    }
}

struct Slow;

impl Actor for Slow {
    type Msg = ();
    fn started(&mut self, _: &mut Context<Self>) {
        std::thread::sleep(Duration::from_millis(2));
    }
    fn handle(&mut self, _: (), _: &mut Context<Self>) {}
}

struct Quick;

impl Actor for Quick {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {}
}

fn node() -> Node {
    common::node(2)
}

/// An actor panics once; then a supervisor gives up on a child that
/// crashes at every message (intensity 2 in a minute: the third crash).
fn panic_and_give_up() {
    let node = node();
    let bomb = node.spawn(Bomb).unwrap();
    bomb.send(()).unwrap();
    wait_until("the bomb to stop", || !bomb.is_alive());
    let sup = Supervisor::builder()
        .intensity(2, Duration::from_secs(60))
        .child(ChildSpec::new("worker", || Bomb))
        .spawn(&node)
        .unwrap();
    let worker = sup.child::<Bomb>("worker").unwrap().unwrap();
    wait_until("the supervisor to give up", || {
        let _ = worker.send(());
        !sup.actor().is_alive()
    });
    node.shutdown().unwrap();
}

/// Shuts the node down while supervisors start their children: slow ones
/// (the supervisor waits for a `started` hook), and many quick ones (it is
/// spawning when the node stops accepting actors, and a spawn is refused).
fn shutdown_during_start() {
    for round in 0..10 {
        let node = node();
        let mut spec = Supervisor::builder().intensity(1, Duration::from_secs(60));
        for i in 0..2_000 {
            spec = if round % 2 == 0 {
                spec.child(ChildSpec::new(format!("c{i}"), || Slow))
            } else {
                spec.child(ChildSpec::new(format!("c{i}"), || Quick))
            };
        }
        let starting = {
            let node = node.clone();
            std::thread::spawn(move || spec.spawn(&node))
        };
        std::thread::sleep(Duration::from_millis(5));
        node.shutdown().unwrap();
        match starting.join().unwrap() {
            Err(StartError::Stopped(ExitReason::Shutdown) | StartError::Spawn(_)) => {}
            other => panic!("expected a quiet end, got {other:?}"),
        }
    }
}

#[foundation::actor]
struct Hanger;

#[foundation::handlers]
impl Hanger {
    pub fn hang(&mut self, latch: std::sync::mpsc::Receiver<()>) {
        let _ = latch.recv();
    }
}

/// A handler holds the only scheduler thread past the watchdog's threshold.
fn stuck_handler() {
    let node = Node::builder()
        .schedulers(1)
        .watchdog(Some(Duration::from_millis(20)))
        .start()
        .unwrap();
    let hanger = node.spawn(Hanger).unwrap();
    let (release, latch) = std::sync::mpsc::channel();
    hanger.hang(latch).unwrap();
    wait_until("the report", || node.stats().long_handlers > 0);
    std::thread::sleep(Duration::from_millis(100)); // no second report
    release.send(()).unwrap();
    node.shutdown().unwrap();
}

fn run(scenario: &str) {
    match scenario {
        "stuck-handler" => stuck_handler(),
        "panic-and-give-up" => panic_and_give_up(),
        "with-subscriber" => {
            let captured = Captured::default();
            let writer = captured.clone();
            tracing_subscriber::fmt()
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .init();
            panic_and_give_up();
            let log = captured.text();
            assert_eq!(lines_with(&log, "panicked at").len(), 4, "{log}");
            assert_eq!(lines_with(&log, "gives up").len(), 1, "{log}");
        }
        "shutdown-during-start" => shutdown_during_start(),
        other => panic!("unknown scenario {other:?}"),
    }
}

/// Runs `scenario` in a child process; its stderr.
fn stderr_of(scenario: &str) -> String {
    let output = Command::new(std::env::current_exe().unwrap())
        .env(SCENARIO, scenario)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{scenario} failed:\n{stderr}");
    stderr
}

fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

fn main() {
    if let Ok(scenario) = std::env::var(SCENARIO) {
        run(&scenario);
        return;
    }
    let stderr = stderr_of("panic-and-give-up");
    let panics = lines_with(&stderr, "panicked at");
    // The lone bomb, then the worker's three crashes.
    assert_eq!(panics.len(), 4, "one line per panic:\n{stderr}");
    assert!(
        panics
            .iter()
            .all(|l| l.starts_with("[foundation ERROR] actor <") && l.ends_with(": kaboom 42")),
        "{stderr}"
    );
    assert!(
        panics[0].contains("visible_failures.rs"),
        "location:\n{stderr}"
    );
    let give_ups = lines_with(&stderr, "gives up");
    assert_eq!(give_ups.len(), 1, "{stderr}");
    assert!(
        give_ups[0].starts_with("[foundation ERROR] supervisor <")
            && give_ups[0].contains("3 restarts within 60s (its intensity allows 2)")
            && give_ups[0].contains("child \"worker\""),
        "{stderr}"
    );

    let stderr = stderr_of("with-subscriber");
    assert!(
        !stderr.contains("[foundation"),
        "with a subscriber, nothing on stderr:\n{stderr}"
    );

    let stderr = stderr_of("shutdown-during-start");
    assert!(
        !stderr.contains("[foundation"),
        "a shutdown is no failure:\n{stderr}"
    );

    let stderr = stderr_of("stuck-handler");
    let reports = lines_with(&stderr, "has held its scheduler thread");
    assert_eq!(reports.len(), 1, "reported once:\n{stderr}");
    assert!(
        reports[0].starts_with("[foundation WARN] actor <")
            && reports[0].contains(
                "(visible_failures::Hanger) has held its scheduler thread for over 20ms, in its handler `hang` (a `visible_failures::HangerMsg`), which has not returned"
            ),
        "{stderr}"
    );

    println!("visible_failures: 4 scenarios passed");
}
