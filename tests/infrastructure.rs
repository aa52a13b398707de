//! Infrastructure (ADR 0012 §4): the rate limiter, the circuit breaker,
//! the worker pool and `execute_protected`, each with its error paths, on
//! a manual clock where time matters (no test sleeps for it).

use std::future::{Future, IntoFuture};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::time::Duration;

use foundation::infrastructure::{
    BreakerError, CircuitBreaker, CircuitState, InfrastructureError, Lease, Pool, PoolError,
    PoolOptions, ProtectedError, Protection, RateLimiter, execute_protected,
};
use foundation::{Actor, Context, ManualClock, Node, ReplyTo};

mod common;
use common::{T, block_on, wait_until};

fn manual() -> (ManualClock, Node) {
    let clock = ManualClock::new();
    let node = Node::builder()
        .schedulers(2)
        .clock(clock.clone())
        .start()
        .unwrap();
    (clock, node)
}

// ---------------------------------------------------------------- limiter

#[test]
fn the_rate_limit_refuses_past_its_budget_and_refills_with_the_clock() {
    let (clock, node) = manual();
    let limiter = RateLimiter::new(&node, 3, Duration::from_secs(3)).unwrap();
    for _ in 0..3 {
        limiter.check("a").unwrap();
    }
    let refused = limiter.check("a").unwrap_err();
    assert_eq!(refused.key, "a");
    assert_eq!((refused.limit, refused.per), (3, Duration::from_secs(3)));
    assert_eq!(refused.retry_after, Duration::from_secs(1));
    limiter.check("b").unwrap(); // its own budget
    clock.advance(Duration::from_millis(999));
    assert!(limiter.check("a").is_err());
    clock.advance(Duration::from_millis(1));
    limiter.check("a").unwrap();
    assert!(limiter.check("a").is_err());
    // A clone shares the budget.
    assert!(limiter.clone().check("a").is_err());
    assert_eq!(limiter.keys(), 2);
}

#[test]
fn a_rate_limit_needs_a_limit_and_a_period() {
    let (_, node) = manual();
    for (limit, per) in [(0, Duration::from_secs(1)), (5, Duration::ZERO)] {
        assert!(matches!(
            RateLimiter::new(&node, limit, per),
            Err(InfrastructureError::InvalidOption {
                option: "rate limit",
                ..
            })
        ));
    }
}

// ---------------------------------------------------------------- breaker

#[test]
fn the_breaker_opens_after_its_threshold_and_recovers_through_half_open() {
    let (clock, node) = manual();
    let breaker = CircuitBreaker::new(&node, "svc", 3, Duration::from_secs(10)).unwrap();
    let calls = AtomicUsize::new(0);
    let fail = || {
        breaker.call(|| {
            calls.fetch_add(1, SeqCst);
            Err::<(), _>("boom")
        })
    };
    fail().unwrap_err();
    fail().unwrap_err();
    // A success in between resets the count.
    breaker.call(|| Ok::<_, ()>(())).unwrap();
    assert_eq!(breaker.failures(), 0);
    for _ in 0..3 {
        assert_eq!(fail(), Err(BreakerError::Failed("boom")));
    }
    assert_eq!(breaker.state(), CircuitState::Open);
    let Err(BreakerError::Open(open)) = fail() else {
        panic!("open")
    };
    assert_eq!(
        (open.breaker.as_str(), open.retry_after),
        ("svc", Duration::from_secs(10))
    );
    assert_eq!(calls.load(SeqCst), 5, "an open breaker calls nothing");

    clock.advance(Duration::from_secs(4));
    let Err(BreakerError::Open(open)) = fail() else {
        panic!("still open")
    };
    assert_eq!(open.retry_after, Duration::from_secs(6));
    clock.advance(Duration::from_secs(6));
    assert_eq!(breaker.state(), CircuitState::HalfOpen);
    // One trial at a time.
    let trial = breaker.permit().unwrap();
    assert!(breaker.permit().is_err());
    trial.failure();
    assert_eq!(
        breaker.state(),
        CircuitState::Open,
        "a failed trial opens it again"
    );
    clock.advance(Duration::from_secs(10));
    // A trial that did not happen lets the next one go.
    breaker.permit().unwrap().release();
    breaker.call(|| Ok::<_, ()>(1)).unwrap();
    assert_eq!(breaker.state(), CircuitState::Closed);
    assert!(CircuitBreaker::new(&node, "x", 0, Duration::from_secs(1)).is_err());
}

#[test]
fn a_panicking_call_counts_as_a_failure() {
    let (_, node) = manual();
    let breaker = CircuitBreaker::new(&node, "svc", 1, Duration::from_secs(10)).unwrap();
    let crashed = catch_unwind(AssertUnwindSafe(|| {
        breaker.call(|| -> Result<(), ()> { panic!("in the call") })
    }));
    assert!(crashed.is_err());
    assert_eq!(breaker.state(), CircuitState::Open);
}

// ---------------------------------------------------------------- pool

enum ConnMsg {
    Echo(u32, ReplyTo<u32>),
    Crash,
    Tell(mpsc::Sender<&'static str>),
    Ping,
}

struct Conn;
impl Actor for Conn {
    type Msg = ConnMsg;
    fn handle(&mut self, msg: ConnMsg, _: &mut Context<Self>) {
        match msg {
            ConnMsg::Echo(n, reply) => {
                let _ = reply.reply(n);
            }
            ConnMsg::Crash => panic!("the connection drops"),
            ConnMsg::Tell(to) => to.send("served").unwrap(),
            ConnMsg::Ping => {}
        }
    }
}

fn pool(node: &Node, size: usize, max_overflow: usize) -> Pool<Conn> {
    let options = PoolOptions {
        size,
        max_overflow,
        checkout_timeout: Duration::from_secs(5),
    };
    Pool::start(node, "conns", options, || Conn).unwrap()
}

#[test]
fn checkouts_lend_workers_and_checkins_return_them() {
    let (_, node) = manual();
    let pool = pool(&node, 2, 0);
    let a = pool.checkout().wait().unwrap();
    let b = pool.checkout().wait().unwrap();
    assert_ne!(a.pid(), b.pid());
    assert_eq!(a.call(|r| ConnMsg::Echo(7, r), T).unwrap(), 7);
    assert_eq!(pool.stats().checked_out, 2);
    assert_eq!(pool.stats().idle, 0);
    pool.checkin(a);
    b.checkin();
    assert_eq!(pool.stats().idle, 2);
    assert_eq!(pool.stats().checked_out, 0);
    assert!(matches!(
        Pool::start(
            &node,
            "none",
            PoolOptions {
                size: 0,
                ..PoolOptions::default()
            },
            || Conn
        ),
        Err(InfrastructureError::InvalidOption { option: "size", .. })
    ));
}

#[test]
fn an_exhausted_pool_times_out_on_the_nodes_clock() {
    let (clock, node) = manual();
    let pool = pool(&node, 1, 0);
    let held = pool.checkout().wait().unwrap();
    let waiting = {
        let pool = pool.clone();
        std::thread::spawn(move || pool.checkout().timeout(Duration::from_secs(2)).wait())
    };
    wait_until("the checkout waits", || pool.stats().waiting == 1);
    clock.advance(Duration::from_secs(2));
    let outcome = waiting.join().unwrap();
    assert_eq!(
        outcome.unwrap_err(),
        PoolError::Timeout {
            pool: "conns".into(),
            timeout: Duration::from_secs(2)
        }
    );
    // The worker checked in later goes back to the pool, not to the
    // checkout that gave up.
    drop(held);
    assert_eq!(pool.stats().idle, 1);
    assert_eq!(pool.stats().waiting, 0);
}

#[test]
fn a_waiting_checkout_gets_the_next_worker_checked_in() {
    let (_, node) = manual();
    let pool = pool(&node, 1, 0);
    let held = pool.checkout().wait().unwrap();
    let id = held.id().to_string();
    let waiting = {
        let pool = pool.clone();
        std::thread::spawn(move || pool.checkout().wait().map(|l| l.id().to_string()))
    };
    wait_until("the checkout waits", || pool.stats().waiting == 1);
    drop(held);
    assert_eq!(waiting.join().unwrap().unwrap(), id);
}

#[test]
fn overflow_workers_come_when_all_are_out_and_go_when_checked_in() {
    let (_, node) = manual();
    let pool = pool(&node, 1, 1);
    let first = pool.checkout().wait().unwrap();
    let extra = pool.checkout().wait().unwrap();
    assert_eq!(extra.id(), "overflow-0");
    assert_eq!(extra.call(|r| ConnMsg::Echo(3, r), T).unwrap(), 3);
    assert_eq!(pool.stats().overflow, 1);
    // Full: size 1 + overflow 1.
    let none = pool.checkout().timeout(Duration::ZERO).wait();
    assert!(matches!(none, Err(PoolError::Timeout { .. })), "{none:?}");
    let extra_ref = extra.worker().clone();
    drop(extra);
    assert_eq!(pool.stats().overflow, 0);
    wait_until("the overflow worker stopped and forgotten", || {
        pool.supervisor().which_children().unwrap().len() == 1 && !extra_ref.is_alive()
    });
    drop(first);
    assert_eq!(pool.stats().idle, 1);
}

/// Starts while it is the pool's first worker; every later one (the
/// overflow) fails in its `started` hook.
struct Flaky {
    fail: bool,
}

impl Actor for Flaky {
    type Msg = ReplyTo<u32>;
    fn handle(&mut self, reply: ReplyTo<u32>, _: &mut Context<Self>) {
        let _ = reply.reply(1);
    }
    fn started(&mut self, _: &mut Context<Self>) {
        assert!(!self.fail, "no connection left");
    }
}

#[test]
fn an_overflow_worker_that_cannot_start_gives_its_place_back() {
    let (_, node) = manual();
    let made = std::sync::Arc::new(AtomicUsize::new(0));
    let count = std::sync::Arc::clone(&made);
    let options = PoolOptions {
        size: 1,
        max_overflow: 1,
        ..PoolOptions::default()
    };
    let pool = Pool::start(&node, "flaky", options, move || Flaky {
        fail: count.fetch_add(1, SeqCst) >= 1,
    })
    .unwrap();
    let first = pool.checkout().wait().unwrap();
    // Every worker is out: this checkout asks for an overflow worker, whose
    // start fails; it waits on for a checkin.
    let waiter = {
        let pool = pool.clone();
        std::thread::spawn(move || pool.checkout().timeout(Duration::from_secs(60)).wait())
    };
    wait_until("the overflow worker failed and gave its place back", || {
        let stats = pool.stats();
        made.load(SeqCst) == 2 && stats.overflow == 0 && stats.waiting == 1
    });
    drop(first); // the regular worker goes to the waiter
    let lease = waiter.join().unwrap().unwrap();
    assert_eq!(lease.id(), "worker-0");
    assert_eq!(lease.call(|r| r, T), Ok(1));
    drop(lease);
    assert_eq!(pool.stats().idle, 1); // and the pool serves on
}

#[test]
fn a_crashed_worker_comes_back_at_the_same_address_under_its_lease() {
    let (_, node) = manual();
    let pool = pool(&node, 1, 0);
    let lease = pool.checkout().wait().unwrap();
    let before = lease.pid();
    lease.send(ConnMsg::Crash).unwrap();
    wait_until("the restart", || {
        pool.supervisor().which_children().unwrap()[0].restarts == 1 && lease.is_alive()
    });
    // The same handle reaches the restarted worker.
    assert_eq!(lease.call(|r| ConnMsg::Echo(9, r), T).unwrap(), 9);
    assert_ne!(lease.pid(), before, "a new incarnation");
    assert_eq!(lease.pid().number(), before.number(), "at the same address");
}

/// Checks a worker out from its handler and has it serve.
struct Client {
    pool: Pool<Conn>,
    to: mpsc::Sender<&'static str>,
}
impl Actor for Client {
    type Msg = ();
    fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
        // Blocking is refused here...
        assert_eq!(
            self.pool.checkout().wait().unwrap_err(),
            PoolError::WouldBlock
        );
        // ...continuing is not.
        self.pool
            .checkout()
            .then(ctx, |client, _, lease: Result<Lease<Conn>, PoolError>| {
                lease
                    .unwrap()
                    .send(ConnMsg::Tell(client.to.clone()))
                    .unwrap();
            });
    }
}

#[test]
fn a_checkout_from_a_handler_on_one_scheduler_completes_without_blocking_it() {
    let clock = ManualClock::new();
    let node = Node::builder().schedulers(1).clock(clock).start().unwrap();
    let pool = pool(&node, 1, 0);
    // Out, so that the handler's checkout has to wait for it.
    let held = pool.checkout().wait().unwrap();
    let (tx, rx) = mpsc::channel();
    let client = node
        .spawn(Client {
            pool: pool.clone(),
            to: tx,
        })
        .unwrap();
    client.send(()).unwrap();
    wait_until("the handler's checkout waits", || pool.stats().waiting == 1);
    // The one scheduler thread is free meanwhile: the worker answers.
    assert_eq!(held.call(|r| ConnMsg::Echo(1, r), T).unwrap(), 1);
    drop(held);
    assert_eq!(rx.recv_timeout(T).unwrap(), "served");
    wait_until("checked in again", || pool.stats().idle == 1);
}

#[test]
fn an_awaited_checkout_and_a_dropped_one() {
    let (_, node) = manual();
    let pool = pool(&node, 1, 0);
    let lease = block_on(async { pool.checkout().await }).unwrap();
    // A future dropped while it waits gives nothing up: the worker checked
    // in meanwhile stays in the pool.
    let mut pending = Box::pin(pool.checkout().into_future());
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(pending.as_mut().poll(&mut cx).is_pending());
    drop(lease);
    drop(pending); // its lease, handed over meanwhile, is checked in
    assert_eq!(pool.stats().idle, 1);
    assert_eq!(pool.stats().checked_out, 0);
}

#[test]
fn a_stopped_pool_fails_its_waiting_checkouts() {
    let (_, node) = manual();
    let pool = pool(&node, 1, 0);
    let held = pool.checkout().wait().unwrap();
    let waiting = {
        let pool = pool.clone();
        std::thread::spawn(move || pool.checkout().wait())
    };
    wait_until("the checkout waits", || pool.stats().waiting == 1);
    pool.stop();
    assert_eq!(
        waiting.join().unwrap().unwrap_err(),
        PoolError::Stopped {
            pool: "conns".into()
        }
    );
    assert!(matches!(
        pool.checkout().wait(),
        Err(PoolError::Stopped { .. })
    ));
    drop(held);
}

#[test]
fn a_checkout_waiting_on_a_manual_clock_fails_when_the_node_shuts_down() {
    let (_, node) = manual();
    let pool = pool(&node, 1, 0);
    let held = pool.checkout().wait().unwrap();
    let (tx, waiting) = mpsc::channel();
    {
        let pool = pool.clone();
        std::thread::spawn(move || tx.send(pool.checkout().wait().map(|_| ())));
    }
    wait_until("the checkout waits", || pool.stats().waiting == 1);
    node.shutdown().unwrap();
    // Not a wait for a timer that stopped with the node.
    assert!(matches!(
        waiting
            .recv_timeout(common::DEADLINE)
            .expect("the checkout ends"),
        Err(PoolError::Stopped { .. })
    ));
    drop(held);
}

// ---------------------------------------------------------------- protected

#[test]
fn execute_protected_applies_the_rate_limit_then_the_breaker_then_the_pool() {
    let (clock, node) = manual();
    let pool = pool(&node, 1, 0);
    let limiter = RateLimiter::new(&node, 2, Duration::from_secs(10)).unwrap();
    let breaker = CircuitBreaker::new(&node, "conns", 1, Duration::from_secs(30)).unwrap();
    let protection = Protection::pooled(&pool)
        .rate_limiter(&limiter)
        .breaker(&breaker);
    let echo = |n: u32| {
        execute_protected("k", &protection, move |conn| {
            conn.unwrap().call(|r| ConnMsg::Echo(n, r), T)
        })
        .wait()
    };
    assert_eq!(echo(5), Ok(5));
    assert_eq!(pool.stats().idle, 1, "checked in after the call");
    // The call fails: the breaker counts it and opens.
    let failed = execute_protected("k", &protection, |_| Err::<(), _>("bad")).wait();
    assert_eq!(failed, Err(ProtectedError::Failed("bad")));
    assert_eq!(breaker.state(), CircuitState::Open);
    // Over the rate limit: refused before the breaker is asked.
    let limited = echo(1);
    assert!(
        matches!(limited, Err(ProtectedError::RateLimited(ref r)) if r.key == "k"),
        "{limited:?}"
    );
    // Another key passes the limiter and meets the open breaker; the pool
    // is not touched.
    let refused = execute_protected("other", &protection, |_| Ok::<_, ()>(())).wait();
    assert!(matches!(refused, Err(ProtectedError::CircuitOpen(_))));
    assert_eq!(pool.stats().idle, 1);
    clock.advance(Duration::from_secs(30));
    // Half-open: the trial goes through and closes it.
    let trial = execute_protected("third", &protection, |conn| {
        conn.unwrap().call(|r| ConnMsg::Echo(2, r), T)
    })
    .wait();
    assert_eq!(trial, Ok(2));
    assert_eq!(breaker.state(), CircuitState::Closed);
}

#[test]
fn no_worker_in_time_is_the_pools_error_and_not_a_breaker_failure() {
    let (clock, node) = manual();
    let pool = Pool::start(
        &node,
        "tight",
        PoolOptions {
            size: 1,
            max_overflow: 0,
            checkout_timeout: Duration::from_secs(1),
        },
        || Conn,
    )
    .unwrap();
    let breaker = CircuitBreaker::new(&node, "tight", 1, Duration::from_secs(30)).unwrap();
    let protection = Protection::pooled(&pool).breaker(&breaker);
    let held = pool.checkout().wait().unwrap();
    let waiting = {
        let protection = protection.clone();
        std::thread::spawn(move || execute_protected("k", &protection, |_| Ok::<_, ()>(())).wait())
    };
    wait_until("waiting for a worker", || pool.stats().waiting == 1);
    clock.advance(Duration::from_secs(1));
    assert!(matches!(
        waiting.join().unwrap(),
        Err(ProtectedError::Pool(PoolError::Timeout { .. }))
    ));
    assert_eq!(breaker.state(), CircuitState::Closed);
    drop(held);
}

#[test]
fn a_panicking_protected_call_trips_the_breaker_and_returns_its_worker() {
    let (_, node) = manual();
    let pool = pool(&node, 1, 0);
    let breaker = CircuitBreaker::new(&node, "p", 1, Duration::from_secs(30)).unwrap();
    let protection = Protection::pooled(&pool).breaker(&breaker);
    let crashed = catch_unwind(AssertUnwindSafe(|| {
        execute_protected("k", &protection, |_| -> Result<(), ()> { panic!("bug") }).wait()
    }));
    assert!(crashed.is_err());
    assert_eq!(breaker.state(), CircuitState::Open);
    assert_eq!(pool.stats().idle, 1);
}

/// Makes a protected call from its handler, continued as a message.
struct Caller {
    protection: Protection<Conn>,
    out: mpsc::Sender<Result<u32, String>>,
}
impl Actor for Caller {
    type Msg = u32;
    fn handle(&mut self, n: u32, ctx: &mut Context<Self>) {
        execute_protected("k", &self.protection, move |conn| {
            // In the continuation, on this actor's thread: send, not call.
            conn.unwrap()
                .send(ConnMsg::Ping)
                .map_err(|e| e.to_string())?;
            Ok(n)
        })
        .then(
            ctx,
            |caller, _, out: Result<u32, ProtectedError<String>>| {
                caller.out.send(out.map_err(|e| e.to_string())).unwrap();
            },
        );
    }
}

#[test]
fn execute_protected_from_a_handler_and_from_async_code() {
    let (_, node) = manual();
    let pool = pool(&node, 1, 0);
    let breaker = CircuitBreaker::new(&node, "h", 3, Duration::from_secs(30)).unwrap();
    let protection = Protection::pooled(&pool).breaker(&breaker);
    let (tx, rx) = mpsc::channel();
    let caller = node
        .spawn(Caller {
            protection: protection.clone(),
            out: tx,
        })
        .unwrap();
    caller.send(4).unwrap();
    assert_eq!(rx.recv_timeout(T).unwrap(), Ok(4));
    let out = block_on(async {
        execute_protected("k", &protection, |conn| {
            conn.unwrap().call(|r| ConnMsg::Echo(6, r), T)
        })
        .await
    });
    assert_eq!(out, Ok(6));
    wait_until("checked in", || pool.stats().idle == 1);
    let unpooled = Protection::unpooled().breaker(&breaker);
    let none = execute_protected("k", &unpooled, |worker| Ok::<_, ()>(worker.is_none())).wait();
    assert_eq!(none, Ok(true));
}
