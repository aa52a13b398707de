//! Instruction counts of the hot paths, under callgrind (gungraun): a guard
//! that does not depend on a quiet machine.
//!
//! Each benchmark starts a node of **one** scheduler thread, does its work N
//! times, waits for the last handler's signal and shuts the node down. Every
//! thread's instructions count: the benchmark function's (the main thread)
//! and those of every thread the node starts (`--toggle-collect` on the
//! entry of a spawned thread). The node's start and shutdown are a fixed
//! part of every count: `node_start_shutdown` measures that part alone.
//!
//! Run: `cargo bench --bench instructions` (needs valgrind and the
//! `gungraun-runner` binary of the same version as the `gungraun` crate;
//! `.ci/run` installs both). `.ci/instructions` compares a run with the
//! committed baseline `benches/instructions.baseline` and fails past the
//! threshold written there; see that script for how the threshold was set.
//!
//! Waits use a mutex and condvar latch rather than a channel: a channel's
//! receiver spins before it sleeps, and spinning makes counts move.

use std::hint::black_box;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use foundation::{Actor, ActorRef, Context, Node, ReplyTo, actor, handlers};
use gungraun::{
    Callgrind, LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main,
};

/// How many times each benchmark repeats its operation.
const N: u64 = 2_000;
const WAIT: Duration = Duration::from_secs(60);

fn node() -> Node {
    Node::builder()
        .schedulers(1)
        // The watchdog thread wakes every 25 ms of real time, and under
        // callgrind a benchmark takes fifty times longer: its looks would
        // count in proportion to the emulation's speed, not to the code.
        // The heartbeat stores it reads stay on the measured paths.
        .watchdog(None)
        .start()
        .expect("a node of 1 scheduler starts")
}

/// A one-shot latch: waits on a futex, never spins.
#[derive(Clone, Default)]
struct Latch(Arc<(Mutex<bool>, Condvar)>);

impl Latch {
    fn open(&self) {
        let (done, cv) = &*self.0;
        *done.lock().unwrap() = true;
        cv.notify_all();
    }

    fn wait(&self) {
        let (done, cv) = &*self.0;
        let mut open = done.lock().unwrap();
        while !*open {
            let (guard, timeout) = cv.wait_timeout(open, WAIT).unwrap();
            assert!(!timeout.timed_out(), "the benchmark did not finish");
            open = guard;
        }
    }
}

// ------------------------------------------------------------ fixed cost

#[library_benchmark]
fn node_start_shutdown() {
    let node = node();
    node.shutdown().unwrap();
}

// ----------------------------------------------------------- spawn + stop

/// Stops at its first message; the last one to stop opens the latch.
struct Once {
    left: Arc<std::sync::atomic::AtomicU64>,
    done: Latch,
}

impl Actor for Once {
    type Msg = ();
    fn handle(&mut self, (): (), ctx: &mut Context<Self>) {
        ctx.stop();
    }
    fn stopped(&mut self, _: &foundation::ExitReason) {
        use std::sync::atomic::Ordering::AcqRel;
        if self.left.fetch_sub(1, AcqRel) == 1 {
            self.done.open();
        }
    }
}

// N actors spawned, each sent one message that stops it.
#[library_benchmark]
fn spawn_stop() {
    let node = node();
    let done = Latch::default();
    let left = Arc::new(std::sync::atomic::AtomicU64::new(N));
    for _ in 0..N {
        let actor = node
            .spawn(Once {
                left: Arc::clone(&left),
                done: done.clone(),
            })
            .unwrap();
        actor.send(()).unwrap();
    }
    done.wait();
    node.shutdown().unwrap();
}

// ------------------------------------------------------ send to a busy actor

enum BusyMsg {
    /// Holds the actor in its handler until the gate opens.
    Hold(Latch),
    Count,
    Report(Latch),
}

struct Busy(u64);

impl Actor for Busy {
    type Msg = BusyMsg;
    fn handle(&mut self, msg: BusyMsg, _: &mut Context<Self>) {
        match msg {
            BusyMsg::Hold(gate) => gate.wait(),
            BusyMsg::Count => self.0 += 1,
            BusyMsg::Report(done) => {
                assert_eq!(self.0, N);
                done.open();
            }
        }
    }
}

// N sends from the main thread to an actor held in a handler (no wake-ups:
// the queue's push alone), then the actor handles them.
#[library_benchmark]
fn send_to_busy_actor() {
    let node = node();
    let busy = node.spawn(Busy(0)).unwrap();
    let gate = Latch::default();
    busy.send(BusyMsg::Hold(gate.clone())).unwrap();
    for _ in 0..N {
        black_box(busy.send(BusyMsg::Count)).unwrap();
    }
    let done = Latch::default();
    busy.send(BusyMsg::Report(done.clone())).unwrap();
    gate.open();
    done.wait();
    node.shutdown().unwrap();
}

// ------------------------------------------------------------- ping-pong

enum PingMsg {
    Start(ActorRef<Pong>, Latch),
    Pong,
}

struct Ping {
    left: u64,
    pong: Option<ActorRef<Pong>>,
    done: Option<Latch>,
}

impl Actor for Ping {
    type Msg = PingMsg;
    fn handle(&mut self, msg: PingMsg, ctx: &mut Context<Self>) {
        if let PingMsg::Start(pong, done) = msg {
            self.pong = Some(pong);
            self.done = Some(done);
        }
        if self.left == 0 {
            self.done.take().unwrap().open();
            return;
        }
        self.left -= 1;
        let me = ctx.myself();
        self.pong.as_ref().unwrap().send(me).ok().unwrap();
    }
}

struct Pong;

impl Actor for Pong {
    type Msg = ActorRef<Ping>;
    fn handle(&mut self, ping: ActorRef<Ping>, _: &mut Context<Self>) {
        ping.send(PingMsg::Pong).ok().unwrap();
    }
}

// N round trips between two actors on the one scheduler thread.
#[library_benchmark]
fn pingpong() {
    let node = node();
    let pong = node.spawn(Pong).unwrap();
    let ping = node
        .spawn(Ping {
            left: N,
            pong: None,
            done: None,
        })
        .unwrap();
    let done = Latch::default();
    ping.send(PingMsg::Start(pong, done.clone())).ok().unwrap();
    done.wait();
    node.shutdown().unwrap();
}

// The same round trips between actors written with `#[actor]` and
// `#[handlers]`, as users write them: generated dispatch, and the
// message's kind named in the handler word for the watchdog.
#[actor]
struct Server {
    peer: Option<ActorRef<Client>>,
}

#[handlers]
impl Server {
    pub fn hello(&mut self, client: ActorRef<Client>) {
        self.peer = Some(client);
    }

    pub fn ping(&mut self) {
        self.peer.as_ref().unwrap().pong().ok().unwrap();
    }
}

#[actor]
struct Client {
    left: u64,
    server: ActorRef<Server>,
    done: Latch,
}

#[handlers]
impl Client {
    pub fn pong(&mut self) {
        if self.left == 0 {
            self.done.open();
            return;
        }
        self.left -= 1;
        self.server.ping().ok().unwrap();
    }
}

// N round trips between two `#[handlers]` actors on the one scheduler
// thread.
#[library_benchmark]
fn pingpong_handlers() {
    let node = node();
    let server = node.spawn(Server { peer: None }).unwrap();
    let done = Latch::default();
    let client = node
        .spawn(Client {
            left: N,
            server: server.clone(),
            done: done.clone(),
        })
        .unwrap();
    server.hello(client.clone()).ok().unwrap();
    client.pong().ok().unwrap();
    done.wait();
    node.shutdown().unwrap();
}

// ------------------------------------------------------------------ calls

struct Doubler;

impl Actor for Doubler {
    type Msg = (u64, ReplyTo<u64>);
    fn handle(&mut self, (n, reply): (u64, ReplyTo<u64>), _: &mut Context<Self>) {
        let _ = reply.reply(n * 2);
    }
}

// N blocking calls from the main thread (a plain thread).
#[library_benchmark]
fn call_from_thread() {
    let node = node();
    let doubler = node.spawn(Doubler).unwrap();
    for i in 0..N {
        assert_eq!(doubler.call(|r| (i, r), WAIT).unwrap(), i * 2);
    }
    node.shutdown().unwrap();
}

/// Asks the doubler `left` times in a row, each request after the last reply.
struct Asker {
    doubler: ActorRef<Doubler>,
    left: u64,
    done: Option<Latch>,
}

impl Asker {
    fn ask(&mut self, ctx: &mut Context<Self>) {
        if self.left == 0 {
            self.done.take().unwrap().open();
            return;
        }
        self.left -= 1;
        let n = self.left;
        ctx.request(&self.doubler, move |r| (n, r))
            .then(|asker, ctx, answer| {
                assert_eq!(answer, Ok(asker.left * 2));
                asker.ask(ctx);
            });
    }
}

impl Actor for Asker {
    type Msg = Latch;
    fn handle(&mut self, done: Latch, ctx: &mut Context<Self>) {
        self.done = Some(done);
        self.ask(ctx);
    }
}

// N requests (with the default timeout, so a timer each) from one actor to
// another, each answered into a continuation.
#[library_benchmark]
fn request_between_actors() {
    let node = node();
    let doubler = node.spawn(Doubler).unwrap();
    let asker = node
        .spawn(Asker {
            doubler,
            left: N,
            done: None,
        })
        .unwrap();
    let done = Latch::default();
    asker.send(done.clone()).ok().unwrap();
    done.wait();
    node.shutdown().unwrap();
}

library_benchmark_group!(
    name = hot_paths;
    benchmarks =
        node_start_shutdown,
        spawn_stop,
        send_to_busy_actor,
        pingpong,
        pingpong_handlers,
        call_from_thread,
        request_between_actors
);

main!(
    config = LibraryBenchmarkConfig::default().tool(Callgrind::with_args([
        // The node's threads: scheduler, timer, shutdown helpers. Each
        // spawned thread's work is counted from its entry.
        "--toggle-collect=*Thread>::new::thread_start",
    ]));
    library_benchmark_groups = hot_paths
);
