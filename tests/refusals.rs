//! Every refusal hands the message back — whoever refused it and however
//! it was sent: through a handle, a recipient, a name, a timed send, a
//! handler's send, an ecosystem's broadcast — and prints without printing
//! the message (which may be large, or private).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::Duration;

use common::{T, node, wait_until};
use foundation::{
    Actor, ActorOptions, ActorRef, Context, EcosystemError, EcosystemSpec, Flow, NamedSendError,
    RouteError, Routing, SendError, WorkerPool, spawn_ecosystem,
};

/// A door every `Held` actor waits at until it opens.
#[derive(Clone, Default)]
struct Door(Arc<(Mutex<bool>, Condvar)>);

impl Door {
    fn wait(&self) {
        let (open, changed) = &*self.0;
        let mut open = open.lock().unwrap();
        while !*open {
            open = changed.wait(open).unwrap();
        }
    }

    fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
}

/// Counts the messages it takes, and waits at the door in the first.
struct Held {
    door: Door,
    entered: Arc<AtomicUsize>,
}

impl Actor for Held {
    type Msg = u32;
    fn handle(&mut self, _: u32, _: &mut Context<Self>) {
        if self.entered.fetch_add(1, Ordering::SeqCst) == 0 {
            self.door.wait();
        }
    }
}

/// A `Held` actor with a mailbox of one, held in its first message: the
/// next message waits in the mailbox, the one after is refused.
fn full_actor(node: &foundation::Node, door: &Door) -> ActorRef<Held> {
    let entered = Arc::new(AtomicUsize::new(0));
    let held = node
        .spawn_with(
            Held {
                door: door.clone(),
                entered: Arc::clone(&entered),
            },
            ActorOptions::new().flow(Flow::Manual).mailbox(1),
        )
        .unwrap();
    held.send(0).unwrap();
    wait_until("the actor holds its first message", || {
        entered.load(Ordering::SeqCst) == 1
    });
    held.send(1).unwrap(); // waits in the mailbox
    held
}

#[test]
fn a_full_mailbox_hands_back_the_message_through_every_kind_of_handle() {
    let node = node(2);
    let door = Door::default();
    let held = full_actor(&node, &door);

    let refused = held.send(2).unwrap_err();
    assert_eq!(format!("{refused:?}"), "Full(..)");
    assert!(!refused.is_closed());
    assert_eq!(refused.into_inner(), 2);

    // A recipient, typed by message: the same refusal, the same message.
    let recipient = held.recipient::<u32>();
    assert_eq!(recipient.send(3), Err(SendError::Full(3)));
    assert_eq!(recipient.try_send(4), Err(SendError::Full(4)));

    // A timed send waits, then gives up with the message.
    let timed = held.send_timeout(5, Duration::from_millis(20)).unwrap_err();
    assert_eq!(format!("{timed:?}"), "Timeout(..)");
    assert_eq!(timed.into_inner(), 5);

    // By name: the mailbox's refusal, inside the name's error.
    node.registry().register("held", held.pid()).unwrap();
    let named = node.registry().send_named("held", 6_u32).unwrap_err();
    assert!(matches!(named, NamedSendError::Send(SendError::Full(6))));
    assert_eq!(format!("{named:?}"), "Send(Full(..))");
    assert_eq!(named.into_inner(), 6);
    let nobody = node.registry().send_named("nobody", 7_u32).unwrap_err();
    assert!(format!("{nobody:?}").starts_with("NotRegistered { name: \"nobody\""));

    door.open();
    held.stop();
    wait_until("the actor stops", || !held.is_alive());
    let closed = held.send(8).unwrap_err();
    assert!(closed.is_closed());
    assert_eq!(format!("{closed:?}"), "Closed(..)");
    // `map` keeps the kind of refusal and converts the message.
    assert_eq!(
        closed.map(|n| n.to_string()),
        SendError::Closed("8".to_string())
    );
}

/// Sends with a timeout from a handler: refused at once on a scheduler
/// thread (it could block the thread), the message handed back.
struct Impatient {
    target: ActorRef<Held>,
    report: mpsc::Sender<SendError<u32>>,
}

impl Actor for Impatient {
    type Msg = ();
    fn handle(&mut self, (): (), _: &mut Context<Self>) {
        let refused = self.target.send_timeout(9, T).unwrap_err();
        self.report.send(refused).unwrap();
    }
}

#[test]
fn a_timed_send_from_a_handler_is_refused_with_the_message() {
    let node = node(2);
    let door = Door::default();
    let held = full_actor(&node, &door);
    let (tx, rx) = mpsc::channel();
    node.spawn(Impatient {
        target: held.clone(),
        report: tx,
    })
    .unwrap()
    .send(())
    .unwrap();
    let refused = rx.recv_timeout(T).unwrap();
    assert_eq!(format!("{refused:?}"), "WouldBlock(..)");
    assert_eq!(refused.into_inner(), 9);
    door.open();
}

#[test]
fn a_broadcast_refused_by_every_worker_hands_back_every_copy() {
    let node = node(2);
    let door = Door::default();
    let d = door.clone();
    let spec = EcosystemSpec::new("held", |_: WorkerPool<Held>| Held {
        door: Door::default(),
        entered: Arc::new(AtomicUsize::new(1)), // never waits
    })
    .workers(2, move || Held {
        door: d.clone(),
        entered: Arc::new(AtomicUsize::new(0)),
    })
    .worker_options(ActorOptions::new().flow(Flow::Manual).mailbox(1))
    .routing(Routing::broadcast());
    let eco = spawn_ecosystem(&node, spec).unwrap();
    let watch: Vec<_> = eco.workers();
    eco.route(0).unwrap(); // each worker takes it and waits at the door
    wait_until("both workers hold their first message", || {
        watch
            .iter()
            .all(|w| w.mailbox_len() == 0 && w.messages_handled() == 1)
    });
    eco.route(1).unwrap(); // waits in each mailbox
    let refused = eco.route(2).unwrap_err();
    assert!(
        matches!(&refused, RouteError::Broadcast { delivered: 0, refused } if refused.len() == 2),
        "{refused:?}"
    );
    assert!(format!("{refused:?}").starts_with("Broadcast { delivered: 0, refused: ["));
    assert_eq!(refused.into_inner(), [2, 2]); // a copy for each worker, handed back
    door.open();
}

/// Asks its ecosystem, from a handler, to remove a worker.
struct Shrinker {
    eco: foundation::Ecosystem<Held, Held>,
    report: mpsc::Sender<Result<(), EcosystemError>>,
}

impl Actor for Shrinker {
    type Msg = ();
    fn handle(&mut self, (): (), ctx: &mut Context<Self>) {
        self.eco
            .remove_worker_in(ctx)
            .then(|me, _ctx, outcome| me.report.send(outcome).unwrap());
    }
}

#[test]
fn an_ecosystem_keeps_its_last_worker_and_says_so() {
    let node = node(2);
    let spec = EcosystemSpec::new("solo", |_: WorkerPool<Held>| Held {
        door: Door::default(),
        entered: Arc::new(AtomicUsize::new(1)),
    })
    .workers(1, || Held {
        door: Door::default(),
        entered: Arc::new(AtomicUsize::new(1)),
    });
    let eco = spawn_ecosystem(&node, spec).unwrap();
    assert!(matches!(
        eco.remove_worker(),
        Err(EcosystemError::LastWorker)
    ));
    let (tx, rx) = mpsc::channel();
    node.spawn(Shrinker {
        eco: eco.clone(),
        report: tx,
    })
    .unwrap()
    .send(())
    .unwrap();
    assert!(matches!(
        rx.recv_timeout(T).unwrap(),
        Err(EcosystemError::LastWorker)
    ));
    assert_eq!(eco.workers().len(), 1);
}
