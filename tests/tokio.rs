//! Foundation from tokio, with the `tokio` feature (issue 19; ADR 0010):
//! `cargo test --features tokio --test tokio`.

mod common;

use std::time::Duration;

use common::T;
use foundation::{Actor, CallError, Context, Node, ReplyTo, Spawner};

/// Answers with twice the number.
struct Double;

impl Actor for Double {
    type Msg = (u64, ReplyTo<u64>);
    fn handle(&mut self, (n, reply): Self::Msg, _: &mut Context<Self>) {
        let _ = reply.reply(2 * n);
    }
}

/// Answers a request with the output of a future it pipes to `io` — on
/// the caller's own runtime in these tests.
struct Relay(Spawner);

impl Actor for Relay {
    type Msg = (u64, ReplyTo<u64>);
    fn handle(&mut self, (n, reply): Self::Msg, ctx: &mut Context<Self>) {
        ctx.pipe(&self.0, async move {
            tokio::task::yield_now().await;
            n + 1
        })
        .then(move |_, _, out| {
            let _ = reply.reply(out.unwrap());
        });
    }
}

fn node() -> Node {
    Node::builder().schedulers(1).start().unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn a_blocking_call_on_a_current_thread_runtime_is_refused_at_once() {
    let node = node();
    let double = node.spawn(Double).unwrap();
    assert_eq!(double.call(|r| (1, r), T), Err(CallError::Deadlock));
    assert_eq!(double.messages_handled(), 0, "nothing was sent");
    // The async call is the way here.
    assert_eq!(double.call_async(|r| (1, r), T).await, Ok(2));
    foundation::tokio::shutdown(&node).await.unwrap();
}

/// On a multi-thread runtime a blocking call waits in `block_in_place`:
/// with a single worker, the future the callee pipes to that same runtime
/// still runs (another thread takes the worker's place), so the answer
/// comes.
#[test]
fn a_blocking_call_on_a_multi_thread_worker_lets_the_runtime_run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let node = node();
    let relay = node
        .spawn(Relay(Spawner::from(runtime.handle().clone())))
        .unwrap();
    let from_a_task = runtime.block_on({
        let relay = relay.clone();
        async move {
            tokio::spawn(async move { relay.call(|r| (1, r), T) })
                .await
                .unwrap()
        }
    });
    assert_eq!(from_a_task, Ok(2));
    // And from the blocking pool.
    let from_the_pool = runtime.block_on(async move {
        tokio::task::spawn_blocking(move || relay.call(|r| (2, r), T))
            .await
            .unwrap()
    });
    assert_eq!(from_the_pool, Ok(3));
    node.shutdown().unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn a_tokio_timed_call_follows_tokios_clock_and_leaves_no_timer_entry() {
    /// Never answers.
    struct Sleepy(Vec<ReplyTo<u64>>);
    impl Actor for Sleepy {
        type Msg = ReplyTo<u64>;
        fn handle(&mut self, reply: ReplyTo<u64>, _: &mut Context<Self>) {
            self.0.push(reply);
        }
    }
    let node = node();
    let double = node.spawn(Double).unwrap();
    assert_eq!(
        foundation::tokio::call(&double, |r| (21, r), T).await,
        Ok(42)
    );
    let sleepy = node.spawn(Sleepy(Vec::new())).unwrap();
    // A paused clock skips ahead whenever every task waits (see
    // `foundation::tokio::call`): it tests timeouts, not answers.
    tokio::time::pause();
    let day = Duration::from_secs(86_400);
    let started = tokio::time::Instant::now();
    assert_eq!(
        foundation::tokio::call(&sleepy, |r| r, day).await,
        Err(CallError::Timeout)
    );
    assert!(
        started.elapsed() >= day,
        "tokio's (paused) clock ran the timeout"
    );
    assert_eq!(
        node.stats().timers,
        0,
        "nothing in the node's timer service"
    );
    foundation::tokio::shutdown(&node).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_handle_is_a_spawner_and_a_node_lives_in_tokio_main() {
    let node = node();
    let relay = node
        .spawn(Relay(Spawner::from(tokio::runtime::Handle::current())))
        .unwrap();
    let mut calls = Vec::new();
    for n in 0..100 {
        calls.push(relay.call_async(move |r| (n, r), T));
    }
    for (n, call) in calls.into_iter().enumerate() {
        assert_eq!(call.await, Ok(n as u64 + 1));
    }
    foundation::tokio::shutdown(&node).await.unwrap();
    assert!(!relay.is_alive());
}
