//! The message layer's one-call entries (ADR 0007 §8):
//! `send_with_flow_control` over every flow mode, `send_optimized`'s
//! threshold, and `broadcast_optimized` handing refused copies back.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use foundation::{
    Actor, ActorOptions, ActorRef, Bytes, Context, Flow, OptimizeOptions, Payload, SendError,
    SendMode, broadcast_optimized, send_optimized, send_with_flow_control,
};

mod common;
use common::{DEADLINE, T};

enum Msg {
    Data(Payload),
    Raw(Bytes),
    Hold(mpsc::Sender<()>, mpsc::Receiver<()>),
}

impl From<Payload> for Msg {
    fn from(p: Payload) -> Msg {
        Msg::Data(p)
    }
}

impl From<Bytes> for Msg {
    fn from(b: Bytes) -> Msg {
        Msg::Raw(b)
    }
}

/// Reports whether each payload came shared, and its length.
struct Sink(mpsc::Sender<(bool, usize)>);

impl Actor for Sink {
    type Msg = Msg;
    fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
        match msg {
            Msg::Data(p) => self.0.send((p.is_shared(), p.len())).unwrap(),
            Msg::Raw(b) => self.0.send((true, b.len())).unwrap(),
            Msg::Hold(entered, gate) => {
                entered.send(()).unwrap();
                let _ = gate.recv();
            }
        }
    }
}

fn hold(sink: &ActorRef<Sink>) -> mpsc::Sender<()> {
    let (entered, entered_rx) = mpsc::channel();
    let (release, gate) = mpsc::channel();
    sink.send(Msg::Hold(entered, gate)).ok().unwrap();
    entered_rx.recv_timeout(DEADLINE).unwrap();
    release
}

#[test]
fn send_with_flow_control_refuses_or_waits_in_every_mode() {
    let node = common::node(2);
    let modes = [
        ActorOptions::new().flow(Flow::Manual).mailbox(2),
        ActorOptions::new().mailbox(2), // automatic, a mark of 2
        ActorOptions::new().flow(Flow::CreditBased).mailbox(2),
    ];
    for options in modes {
        let (tx, rx) = mpsc::channel();
        let sink = node.spawn_with(Sink(tx), options.clone()).unwrap();
        let release = hold(&sink);
        // Immediate: sends until refused; the refused message comes back.
        let mut sent = 0;
        let refused = loop {
            let payload = Payload::new(vec![sent as u8], 64);
            match send_with_flow_control(&sink, Msg::Data(payload), SendMode::Immediate) {
                Ok(()) => sent += 1,
                Err(error) => break error,
            }
            assert!(sent < 1_000, "{options:?} never refused");
        };
        assert!(
            matches!(
                &refused,
                SendError::Full(Msg::Data(p))
                    | SendError::Overloaded(Msg::Data(p))
                    | SendError::NoCredit(Msg::Data(p)) if p[0] == sent as u8
            ),
            "{options:?}: {refused:?}"
        );
        // Wait: gets through once the sink drains.
        let waiter = {
            let sink = sink.clone();
            thread::spawn(move || {
                let payload = Payload::new(vec![0], 64);
                send_with_flow_control(&sink, Msg::Data(payload), SendMode::Wait(T)).is_ok()
            })
        };
        thread::sleep(Duration::from_millis(10));
        drop(release);
        assert!(waiter.join().unwrap(), "{options:?}");
        for _ in 0..=sent {
            rx.recv_timeout(DEADLINE).unwrap();
        }
        sink.stop();
    }
    node.shutdown().unwrap();
}

#[test]
fn send_optimized_shares_above_its_threshold_only() {
    let node = common::node(1);
    let (tx, rx) = mpsc::channel();
    let sink = node.spawn(Sink(tx)).unwrap();
    let opts = OptimizeOptions::default().threshold(100);
    send_optimized(&sink, vec![0u8; 100], opts).unwrap();
    send_optimized(&sink, vec![0u8; 101], opts).unwrap();
    assert_eq!(rx.recv_timeout(DEADLINE).unwrap(), (false, 100));
    assert_eq!(rx.recv_timeout(DEADLINE).unwrap(), (true, 101));
    node.shutdown().unwrap();
}

#[test]
fn broadcast_optimized_hands_a_refused_copy_back() {
    let node = common::node(2);
    let group = node.groups().group::<Msg>("sinks").unwrap();
    let (tx, rx) = mpsc::channel();
    let open = node.spawn(Sink(tx.clone())).unwrap();
    let full = node
        .spawn_with(Sink(tx), ActorOptions::new().flow(Flow::Manual).mailbox(1))
        .unwrap();
    group.join(open.recipient()).unwrap();
    group.join(full.recipient()).unwrap();
    let release = hold(&full);
    full.send(Msg::Raw(Bytes::new())).ok().unwrap(); // its one slot
    let sent = broadcast_optimized(&group, vec![9u8; 4096]);
    assert_eq!(sent.delivered, 1);
    assert_eq!(sent.refused.len(), 1);
    let (pid, error) = &sent.refused[0];
    assert_eq!(*pid, full.pid());
    assert!(matches!(error, SendError::Full(Msg::Raw(b)) if b.len() == 4096));
    assert_eq!(rx.recv_timeout(DEADLINE).unwrap(), (true, 4096));
    drop(release);
    node.shutdown().unwrap();
}
