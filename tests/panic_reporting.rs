//! Actor panics are reported through `tracing`, once, with the pid and the
//! location; panics outside actors still reach the hook that was there
//! before. Its own binary: it installs a global subscriber and a panic hook.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::time::Duration;

use foundation::{Actor, Context, ExitReason, Node};

mod common;
use common::Captured;

struct Bomb(mpsc::Sender<ExitReason>);

impl Actor for Bomb {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {
        panic!("kaboom {}", 42);
    }
    fn stopped(&mut self, reason: &ExitReason) {
        self.0.send(reason.clone()).unwrap();
    }
}

#[test]
fn actor_panics_go_to_tracing_and_others_to_the_previous_hook() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    // The program's own hook, set before any node starts.
    static OTHER_PANICS: AtomicUsize = AtomicUsize::new(0);
    std::panic::set_hook(Box::new(|_| {
        OTHER_PANICS.fetch_add(1, SeqCst);
    }));

    let node = Node::builder().schedulers(2).start().unwrap();
    let (tx, rx) = mpsc::channel();
    let bomb = node.spawn(Bomb(tx)).unwrap();
    let pid = bomb.pid();
    bomb.send(()).unwrap();
    let reason = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    assert_eq!(reason, ExitReason::Panic("kaboom 42".into()));

    let log = captured.text();
    let reports: Vec<_> = log.lines().filter(|l| l.contains("panicked")).collect();
    assert_eq!(reports.len(), 1, "one report per crash: {log}");
    assert!(reports[0].contains("ERROR"), "{log}");
    assert!(
        reports[0].contains(&format!("actor {pid} panicked at "))
            && reports[0].contains(": kaboom 42"),
        "{log}"
    );
    assert!(reports[0].contains("panic_reporting.rs"), "location: {log}");
    assert_eq!(
        OTHER_PANICS.load(SeqCst),
        0,
        "the actor panic skipped the old hook"
    );

    // A panic on a plain thread goes to the hook that was there before.
    let plain = std::thread::spawn(|| panic!("not an actor")).join();
    assert!(plain.is_err());
    assert_eq!(OTHER_PANICS.load(SeqCst), 1);
    let log = captured.text();
    assert!(!log.contains("not an actor"));
}
