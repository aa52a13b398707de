//! The watchdog: a handler that does not return is reported once, and when
//! it holds the node's only scheduler thread a stand-in keeps the node
//! serving; the held thread retires when the handler returns.

use std::sync::mpsc;
use std::time::Duration;

use foundation::{Actor, Context, Node};

mod common;
use common::{DEADLINE, T, wait_until};

const THRESHOLD: Duration = Duration::from_millis(50);

/// Blocks in its handler until the latch opens (or its sender goes).
struct Stuck {
    entered: mpsc::Sender<()>,
}

impl Actor for Stuck {
    type Msg = mpsc::Receiver<()>;
    fn handle(&mut self, latch: mpsc::Receiver<()>, _: &mut Context<Self>) {
        self.entered.send(()).unwrap();
        let _ = latch.recv();
    }
}

/// Answers 7 on the channel it is sent. A send, not a call: a call from
/// this thread to an idle actor would run it here (ADR 0010 §1), and these
/// tests need a scheduler thread to serve it.
struct Ping;

impl Actor for Ping {
    type Msg = mpsc::Sender<u32>;
    fn handle(&mut self, reply: mpsc::Sender<u32>, _: &mut Context<Self>) {
        let _ = reply.send(7);
    }
}

/// Pings through a scheduler thread.
fn ping_of(ping: &foundation::ActorRef<Ping>) -> Result<u32, mpsc::RecvTimeoutError> {
    let (tx, rx) = mpsc::channel();
    ping.send(tx).unwrap();
    rx.recv_timeout(T)
}

/// Spawns a `Stuck` actor on `node` and returns once its handler holds a
/// thread, with the sender that releases it.
fn hold(node: &Node) -> (foundation::ActorRef<Stuck>, mpsc::Sender<()>) {
    let (entered_tx, entered) = mpsc::channel();
    let stuck = node
        .spawn(Stuck {
            entered: entered_tx,
        })
        .unwrap();
    let (release, latch) = mpsc::channel();
    stuck.send(latch).unwrap();
    entered.recv_timeout(DEADLINE).unwrap();
    (stuck, release)
}

fn one_thread(watchdog: Option<Duration>) -> Node {
    Node::builder()
        .schedulers(1)
        .watchdog(watchdog)
        .start()
        .unwrap()
}

#[test]
fn one_stuck_handler_on_one_thread_is_reported_once_and_the_node_keeps_serving() {
    let node = one_thread(Some(THRESHOLD));
    let ping = node.spawn(Ping).unwrap();
    assert_eq!(ping_of(&ping), Ok(7));
    let (stuck, release) = hold(&node); // the only thread is held now
    // Pings are answered — by a stand-in, once the threshold has passed.
    for _ in 0..20 {
        assert_eq!(ping_of(&ping), Ok(7));
    }
    assert_eq!(node.stats().replaced_schedulers, 1);
    wait_until("the report", || node.stats().long_handlers >= 1);
    // Still held, several thresholds on: reported once.
    let before = node.stats().long_handlers;
    for _ in 0..5 {
        assert_eq!(ping_of(&ping), Ok(7));
        std::thread::sleep(THRESHOLD);
    }
    assert_eq!((before, node.stats().long_handlers), (1, 1));
    // The handler returns: its thread retires, the node goes on with one.
    release.send(()).unwrap();
    let (tx, rx) = mpsc::channel();
    stuck.send(rx).unwrap();
    drop(tx); // this one returns at once
    for _ in 0..20 {
        assert_eq!(ping_of(&ping), Ok(7));
    }
    assert_eq!(node.stats().replaced_schedulers, 1, "no second stand-in");
    node.shutdown().unwrap();
}

#[test]
fn a_held_thread_among_free_ones_is_reported_but_not_replaced() {
    let node = Node::builder()
        .schedulers(2)
        .watchdog(Some(THRESHOLD))
        .start()
        .unwrap();
    let (_stuck, release) = hold(&node);
    wait_until("the report", || node.stats().long_handlers == 1);
    let ping = node.spawn(Ping).unwrap();
    assert_eq!(ping_of(&ping), Ok(7));
    assert_eq!(
        node.stats().replaced_schedulers,
        0,
        "the other thread serves"
    );
    release.send(()).unwrap();
    node.shutdown().unwrap();
}

#[test]
fn a_kill_of_a_handler_the_watchdog_replaced_starts_no_second_stand_in() {
    let node = one_thread(Some(THRESHOLD));
    let (stuck, release) = hold(&node);
    wait_until("the stand-in", || node.stats().replaced_schedulers == 1);
    assert!(stuck.kill());
    assert_eq!(node.stats().replaced_schedulers, 1);
    release.send(()).unwrap();
    let ping = node.spawn(Ping).unwrap();
    assert_eq!(ping_of(&ping), Ok(7));
    node.shutdown().unwrap();
}

#[test]
fn with_the_watchdog_off_nothing_is_reported() {
    let node = Node::builder()
        .schedulers(2)
        .watchdog(None)
        .start()
        .unwrap();
    let (_stuck, release) = hold(&node);
    std::thread::sleep(THRESHOLD * 4);
    assert_eq!(node.stats().long_handlers, 0);
    release.send(()).unwrap();
    node.shutdown().unwrap();
    assert!(matches!(
        Node::builder().watchdog(Some(Duration::ZERO)).start(),
        Err(foundation::NodeError::InvalidConfig {
            field: "watchdog",
            ..
        })
    ));
}

/// Blocks in its `started` hook until the latch opens.
struct SlowStart {
    entered: mpsc::Sender<()>,
    latch: mpsc::Receiver<()>,
}

impl Actor for SlowStart {
    type Msg = ();
    fn started(&mut self, _: &mut Context<Self>) {
        self.entered.send(()).unwrap();
        let _ = self.latch.recv();
    }
    fn handle(&mut self, (): (), _: &mut Context<Self>) {}
}

#[foundation::actor]
struct Waiter;

#[foundation::handlers]
impl Waiter {
    pub fn quick(&mut self) {}

    pub fn wait_for(&mut self, entered: mpsc::Sender<()>, latch: mpsc::Receiver<()>) {
        entered.send(()).unwrap();
        let _ = latch.recv();
    }
}

/// Every report of the watchdog in this test binary, through a global
/// `tracing` subscriber (the watchdog reports from its own thread).
fn reports() -> &'static common::Captured {
    common::global_log()
}

/// Waits for the watchdog's report on `pid`, releases its thread, and
/// returns the report's line (the one line naming it).
fn report_of(pid: foundation::Pid, release: mpsc::Sender<()>) -> String {
    let named = |log: &str| {
        log.lines()
            .filter(|line| line.contains(&format!("actor {pid} ")))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    wait_until("the report", || !named(&reports().text()).is_empty());
    release.send(()).unwrap();
    let lines = named(&reports().text());
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0].clone()
}

#[test]
fn the_report_names_the_handler_or_the_hook() {
    reports();
    let node = one_thread(Some(THRESHOLD));

    // A `#[handlers]` actor: the handler's name, the message kind.
    let waiter = node.spawn(Waiter).unwrap();
    waiter.quick().unwrap();
    let (entered_tx, entered) = mpsc::channel();
    let (release, latch) = mpsc::channel();
    waiter.wait_for(entered_tx, latch).unwrap();
    entered.recv_timeout(DEADLINE).unwrap();
    let line = report_of(waiter.pid(), release);
    assert!(
        line.contains(
            "in its handler `wait_for` (a `watchdog::WaiterMsg`), which has not returned"
        ),
        "{line}"
    );

    // A hook.
    let (entered_tx, entered) = mpsc::channel();
    let (release, latch) = mpsc::channel();
    let slow = node
        .spawn(SlowStart {
            entered: entered_tx,
            latch,
        })
        .unwrap();
    entered.recv_timeout(DEADLINE).unwrap();
    let line = report_of(slow.pid(), release);
    assert!(line.contains("in its `started` hook, which"), "{line}");

    // A hand-written actor: its message type.
    let (stuck, release) = hold(&node);
    let line = report_of(stuck.pid(), release);
    assert!(
        line.contains("in a handler of `std::sync::mpsc::Receiver<()>`, which"),
        "{line}"
    );
    node.shutdown().unwrap();
}
