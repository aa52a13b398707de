//! Telemetry's bridge to `tracing` (ADR 0012): actors' lifecycle as debug
//! events (target `foundation::lifecycle`) with the node's name, events
//! executed by the program, and a panicking handler's report. Its own
//! binary: it installs a global subscriber.

use std::sync::OnceLock;
use std::time::Duration;

use foundation::{Actor, ChildSpec, Context, Node, Supervisor};

mod common;
use common::{Captured, wait_until};

/// Every event of this binary at debug level and above.
fn log() -> &'static Captured {
    static LOG: OnceLock<Captured> = OnceLock::new();
    LOG.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        captured
    })
}

/// The captured lines that contain every one of `parts`.
fn lines_with(parts: &[&str]) -> Vec<String> {
    log()
        .text()
        .lines()
        .filter(|l| parts.iter().all(|p| l.contains(p)))
        .map(str::to_string)
        .collect()
}

struct Idle;
impl Actor for Idle {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {}
}

struct Crashy;
impl Actor for Crashy {
    type Msg = ();
    fn handle(&mut self, _: (), _: &mut Context<Self>) {
        panic!("crashy crashes");
    }
}

#[test]
fn a_subscriber_sees_spawns_exits_and_restarts_with_the_node() {
    log();
    let node = Node::builder()
        .name("tt-life")
        .schedulers(1)
        .start()
        .unwrap();
    let idle = node.spawn(Idle).unwrap();
    let pid = idle.pid();
    idle.stop();
    wait_until("the exit", || !idle.is_alive());
    let spawned = lines_with(&[
        "foundation::lifecycle",
        "node=tt-life",
        &format!("spawned {pid}"),
    ]);
    assert_eq!(spawned.len(), 1, "{}", log().text());
    assert!(spawned[0].contains("DEBUG"), "{}", spawned[0]);
    wait_until("the exit's event", || {
        lines_with(&["node=tt-life", &format!("{pid} ("), "exited: shutdown"]).len() == 1
    });

    let sup = Supervisor::builder()
        .intensity(10, Duration::from_secs(60))
        .child(ChildSpec::new("crashy", || Crashy))
        .spawn(&node)
        .unwrap();
    let child = sup.child::<Crashy>("crashy").unwrap().unwrap();
    child.send(()).unwrap();
    wait_until("the restart's event", || {
        lines_with(&["node=tt-life", "restarts child \"crashy\" (restart 1)"]).len() == 1
    });
    // Lifecycle, never a line per message.
    let quiet = node.spawn(Idle).unwrap();
    for _ in 0..1000 {
        quiet.send(()).unwrap();
    }
    wait_until("the quiet actor drained", || quiet.mailbox_len() == 0);
    let quiet_lines = lines_with(&[&quiet.pid().to_string()]);
    assert_eq!(quiet_lines.len(), 1, "only its spawn: {quiet_lines:?}");
}

#[test]
fn executed_events_and_a_panicking_handler_reach_tracing() {
    log();
    let node = Node::builder()
        .name("tt-exec")
        .schedulers(1)
        .start()
        .unwrap();
    let telemetry = node.telemetry();
    telemetry
        .execute(
            "billing.invoice",
            &[("amount", 12.5)],
            &[("customer", "c-7")],
        )
        .unwrap();
    let executed = lines_with(&[
        "foundation::telemetry",
        "node=tt-exec",
        "billing.invoice",
        "12.5",
        "c-7",
    ]);
    assert_eq!(executed.len(), 1, "{}", log().text());

    telemetry
        .attach("broken", "billing", |_| panic!("handler bug"))
        .unwrap();
    telemetry.execute("billing.refund", &[], &[]).unwrap();
    let warned = lines_with(&["WARN", "node=tt-exec", "\"broken\" panicked", "handler bug"]);
    assert_eq!(warned.len(), 1, "{}", log().text());
    assert!(telemetry.handlers().is_empty());

    // Emitted from an actor's handler: reported as the handler's panic,
    // not as a crash of the actor.
    telemetry
        .attach("broken-again", "billing", |_| panic!("handler bug 2"))
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let emitter = node.spawn(Emitter(tx)).unwrap();
    emitter.send(()).unwrap();
    rx.recv_timeout(common::T).unwrap();
    assert!(emitter.is_alive());
    let pid = emitter.pid().to_string();
    wait_until("the handler's report", || {
        lines_with(&["WARN", "\"broken-again\" panicked", "handler bug 2"]).len() == 1
    });
    assert!(
        lines_with(&[&format!("actor {pid} panicked")]).is_empty(),
        "{}",
        log().text()
    );
    assert_eq!(node.stats().panics, 0);
}

/// Executes an event from its handler, then says so.
struct Emitter(std::sync::mpsc::Sender<()>);
impl Actor for Emitter {
    type Msg = ();
    fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
        ctx.telemetry().execute("billing.charge", &[], &[]).unwrap();
        self.0.send(()).unwrap();
    }
}
