//! `ctx.pipe`: futures run for a handler on an executor it names, their
//! output delivered as one of the actor's messages (issue 19, ADR 0010).

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use common::{T, global_log, node, wait_until};
use foundation::{
    Actor, BoxFuture, ChildSpec, Context, ManualClock, Node, PipeError, Restart, Spawner,
    Supervisor,
};

/// An executor the test drives by hand: `spawn` queues, `poll_all` polls
/// each queued future once on the test's thread.
#[derive(Clone, Default)]
struct Manual(Arc<Mutex<Vec<BoxFuture>>>);

impl Manual {
    fn spawner(&self) -> Spawner {
        let queue = Arc::clone(&self.0);
        Spawner::new(move |future| queue.lock().unwrap().push(future))
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Polls every queued future once; keeps the pending ones. Returns how
    /// many finished.
    fn poll_all(&self) -> usize {
        let futures: Vec<BoxFuture> = std::mem::take(&mut *self.0.lock().unwrap());
        let mut cx = TaskContext::from_waker(Waker::noop());
        let mut finished = 0;
        for mut future in futures {
            match future.as_mut().poll(&mut cx) {
                Poll::Ready(()) => finished += 1,
                Poll::Pending => self.0.lock().unwrap().push(future),
            }
        }
        finished
    }
}

/// A future that is pending until `open` is set, and records its polls
/// and its drop.
struct Gate {
    open: Arc<AtomicBool>,
    polls: Arc<AtomicUsize>,
    dropped: Arc<AtomicBool>,
    value: u32,
}

#[derive(Clone, Default)]
struct GateControl {
    open: Arc<AtomicBool>,
    polls: Arc<AtomicUsize>,
    dropped: Arc<AtomicBool>,
}

impl GateControl {
    fn future(&self, value: u32) -> Gate {
        Gate {
            open: Arc::clone(&self.open),
            polls: Arc::clone(&self.polls),
            dropped: Arc::clone(&self.dropped),
            value,
        }
    }
}

impl Future for Gate {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<u32> {
        self.polls.fetch_add(1, SeqCst);
        if self.open.load(SeqCst) {
            Poll::Ready(self.value)
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.dropped.store(true, SeqCst);
    }
}

enum Msg {
    /// Pipe a gated future whose output is this value.
    Pipe(u32),
    /// Pipe a future that panics.
    PipePanic,
    /// Pipe a future that never finishes, with a timeout.
    PipeForever(Duration),
    Note(&'static str),
    Crash,
    Stop,
}

struct Piper {
    spawner: Spawner,
    gate: GateControl,
    log: mpsc::Sender<String>,
}

impl Actor for Piper {
    type Msg = Msg;
    fn started(&mut self, ctx: &mut Context<Self>) {
        let _ = self
            .log
            .send(format!("started {}", ctx.pid().incarnation()));
    }
    fn handle(&mut self, msg: Msg, ctx: &mut Context<Self>) {
        match msg {
            Msg::Pipe(value) => {
                let _ = self.log.send(format!("pipe {value}"));
                ctx.pipe(&self.spawner, self.gate.future(value))
                    .then(|me, _, out| {
                        let _ = me.log.send(format!("piped {out:?}"));
                    });
            }
            Msg::PipePanic => {
                ctx.pipe(&self.spawner, async { panic!("the fetch broke") })
                    .then(|me, _, out: Result<(), PipeError>| {
                        let _ = me.log.send(format!("piped {out:?}"));
                    });
            }
            Msg::PipeForever(timeout) => {
                ctx.pipe(&self.spawner, self.gate.future(0))
                    .timeout(timeout)
                    .then(|me, _, out| {
                        let _ = me.log.send(format!("piped {out:?}"));
                    });
            }
            Msg::Note(note) => {
                let _ = self.log.send(note.to_string());
            }
            Msg::Crash => panic!("crash on purpose"),
            Msg::Stop => ctx.stop(),
        }
    }
}

fn piper(
    node: &Node,
    executor: &Manual,
) -> (
    foundation::ActorRef<Piper>,
    GateControl,
    mpsc::Receiver<String>,
) {
    let (tx, rx) = mpsc::channel();
    let gate = GateControl::default();
    let actor = node
        .spawn(Piper {
            spawner: executor.spawner(),
            gate: gate.clone(),
            log: tx,
        })
        .unwrap();
    assert_eq!(rx.recv_timeout(T).unwrap(), "started 0");
    (actor, gate, rx)
}

fn next(rx: &mpsc::Receiver<String>) -> String {
    rx.recv_timeout(T).expect("a log line")
}

/// Nothing more comes within a short while.
fn quiet(rx: &mpsc::Receiver<String>) {
    if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
        panic!("unexpected: {line}");
    }
}

#[test]
fn the_output_arrives_in_mailbox_order() {
    let node = node(2);
    let executor = Manual::default();
    let (actor, gate, rx) = piper(&node, &executor);
    actor.send(Msg::Pipe(7)).unwrap();
    assert_eq!(next(&rx), "pipe 7");
    wait_until("the future is spawned", || executor.len() == 1);
    // Sent before the output: handled before it.
    actor.send(Msg::Note("before")).unwrap();
    assert_eq!(executor.poll_all(), 0, "the gate is shut");
    gate.open.store(true, SeqCst);
    assert_eq!(executor.poll_all(), 1);
    // The output is in the mailbox now; this comes after it.
    actor.send(Msg::Note("after")).unwrap();
    assert_eq!(next(&rx), "before");
    assert_eq!(next(&rx), "piped Ok(7)");
    assert_eq!(next(&rx), "after");
    assert!(gate.dropped.load(SeqCst));
    node.shutdown().unwrap();
}

#[test]
fn a_stopped_actor_gets_no_output_and_its_future_is_dropped_at_the_next_poll() {
    let node = node(1);
    let executor = Manual::default();
    let (actor, gate, rx) = piper(&node, &executor);
    actor.send(Msg::Pipe(1)).unwrap();
    assert_eq!(next(&rx), "pipe 1");
    wait_until("the future is spawned", || executor.len() == 1);
    assert_eq!(executor.poll_all(), 0);
    assert_eq!(gate.polls.load(SeqCst), 1);
    actor.send(Msg::Stop).unwrap();
    wait_until("the actor stops", || !actor.is_alive());
    gate.open.store(true, SeqCst);
    // The next poll finds nobody waiting: the user's future is dropped
    // without being polled again.
    assert_eq!(executor.poll_all(), 1);
    assert_eq!(gate.polls.load(SeqCst), 1);
    assert!(gate.dropped.load(SeqCst));
    quiet(&rx);
    node.shutdown().unwrap();
}

#[test]
fn an_output_for_an_earlier_incarnation_is_dropped_after_a_restart() {
    let node = node(1);
    let executor = Manual::default();
    let (tx, rx) = mpsc::channel();
    let gate = GateControl::default();
    let (spawner, g) = (executor.spawner(), gate.clone());
    let supervisor = Supervisor::builder()
        .intensity(100, Duration::from_secs(60))
        .child(
            ChildSpec::new("piper", move || Piper {
                spawner: spawner.clone(),
                gate: g.clone(),
                log: tx.clone(),
            })
            .restart(Restart::Permanent),
        )
        .spawn(&node)
        .unwrap();
    assert_eq!(next(&rx), "started 0");
    let actor = supervisor.child::<Piper>("piper").unwrap().unwrap();

    // The output completes before the restart, so its continuation waits
    // in the mailbox behind the crash — and finds a new incarnation.
    actor.send(Msg::Pipe(1)).unwrap();
    assert_eq!(next(&rx), "pipe 1");
    wait_until("the future is spawned", || executor.len() == 1);
    gate.open.store(true, SeqCst);
    actor.send(Msg::Crash).unwrap();
    assert_eq!(executor.poll_all(), 1);
    assert_eq!(next(&rx), "started 1");

    // A future still running at the restart is dropped at its next poll.
    gate.open.store(false, SeqCst);
    actor.send(Msg::Pipe(2)).unwrap();
    assert_eq!(next(&rx), "pipe 2");
    wait_until("the future is spawned", || executor.len() == 1);
    assert_eq!(executor.poll_all(), 0);
    let polls = gate.polls.load(SeqCst);
    actor.send(Msg::Crash).unwrap();
    assert_eq!(next(&rx), "started 2");
    gate.open.store(true, SeqCst);
    assert_eq!(executor.poll_all(), 1);
    assert_eq!(
        gate.polls.load(SeqCst),
        polls,
        "not polled after the restart"
    );

    actor.send(Msg::Note("still here")).unwrap();
    assert_eq!(next(&rx), "still here");
    quiet(&rx);
    node.shutdown().unwrap();
}

#[test]
fn a_panicking_future_is_reported_and_the_actor_gets_the_panic() {
    let log = global_log();
    let node = node(1);
    let executor = Manual::default();
    let (actor, _gate, rx) = piper(&node, &executor);
    actor.send(Msg::PipePanic).unwrap();
    wait_until("the future is spawned", || executor.len() == 1);
    assert_eq!(
        executor.poll_all(),
        1,
        "the panic is caught, not the executor's"
    );
    assert_eq!(next(&rx), "piped Err(Panicked(\"the fetch broke\"))");
    let pid = actor.pid();
    wait_until("the panic is reported", || {
        log.text().lines().any(|l| {
            l.contains("foundation::pipe")
                && l.contains(&format!(
                    "a future piped to actor {pid} panicked: the fetch broke"
                ))
        })
    });
    assert!(actor.is_alive(), "a future's panic is not the actor's");
    node.shutdown().unwrap();
}

#[test]
fn a_timeout_ends_the_wait_and_drops_the_future() {
    let clock = ManualClock::new();
    let node = Node::builder()
        .schedulers(1)
        .clock(clock.clone())
        .start()
        .unwrap();
    let executor = Manual::default();
    let (actor, gate, rx) = piper(&node, &executor);
    actor
        .send(Msg::PipeForever(Duration::from_secs(10)))
        .unwrap();
    wait_until("the future is spawned", || executor.len() == 1);
    assert_eq!(executor.poll_all(), 0);
    assert_eq!(node.stats().timers, 1);
    clock.advance(Duration::from_secs(9));
    quiet(&rx);
    clock.advance(Duration::from_secs(1));
    assert_eq!(next(&rx), "piped Err(Timeout)");
    assert_eq!(node.stats().timers, 0);
    assert_eq!(executor.poll_all(), 1);
    assert!(gate.dropped.load(SeqCst));
    assert_eq!(gate.polls.load(SeqCst), 1);
    node.shutdown().unwrap();
}

#[test]
fn a_future_its_executor_drops_gives_cancelled() {
    let node = node(1);
    let (tx, rx) = mpsc::channel();
    let gate = GateControl::default();
    let actor = node
        .spawn(Piper {
            // An executor that refuses everything.
            spawner: Spawner::new(drop),
            gate: gate.clone(),
            log: tx,
        })
        .unwrap();
    assert_eq!(next(&rx), "started 0");
    actor.send(Msg::Pipe(3)).unwrap();
    assert_eq!(next(&rx), "pipe 3");
    assert_eq!(next(&rx), "piped Err(Cancelled)");
    assert!(gate.dropped.load(SeqCst));
    node.shutdown().unwrap();
}

/// A tokio runtime as the executor, with real timers: many pipes, each
/// output delivered exactly once.
#[test]
fn outputs_from_a_tokio_runtime_each_arrive_once() {
    struct Sum {
        io: Spawner,
        total: u64,
        outputs: u64,
        done: mpsc::Sender<(u64, u64)>,
    }
    impl Actor for Sum {
        type Msg = u64;
        fn handle(&mut self, n: u64, ctx: &mut Context<Self>) {
            let delay = Duration::from_micros(n % 7 * 100);
            ctx.pipe(&self.io, async move {
                tokio::time::sleep(delay).await;
                n
            })
            .then(|me, _, out| {
                me.total += out.unwrap();
                me.outputs += 1;
                if me.outputs == 1_000 {
                    me.done.send((me.outputs, me.total)).unwrap();
                }
            });
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let handle = runtime.handle().clone();
    let io = Spawner::new(move |future| {
        handle.spawn(future);
    });
    let node = node(2);
    let (tx, rx) = mpsc::channel();
    let sum = node
        .spawn(Sum {
            io,
            total: 0,
            outputs: 0,
            done: tx,
        })
        .unwrap();
    for n in 1..=1_000 {
        sum.send(n).unwrap();
    }
    assert_eq!(rx.recv_timeout(T).unwrap(), (1_000, 500_500));
    node.shutdown().unwrap();
}
