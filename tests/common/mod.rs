//! Helpers shared by the integration tests: every wait has a generous
//! deadline, so that a bug fails a test instead of hanging it.

#![allow(dead_code)] // each test crate uses its own subset

use std::io::Write;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use foundation::Node;

/// How long any wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// A call timeout no healthy test comes near.
pub const T: Duration = Duration::from_secs(30);

/// Polls `done` until it holds, failing the test after `DEADLINE`.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// A node with `schedulers` scheduler threads.
pub fn node(schedulers: usize) -> Node {
    Node::builder()
        .schedulers(schedulers)
        .start()
        .expect("node starts")
}

/// Runs every task on a thread of its own, all released at once behind a
/// barrier (to make them race), and returns their results in order.
pub fn race<R, F>(tasks: impl IntoIterator<Item = F>) -> Vec<R>
where
    R: Send + 'static,
    F: FnOnce() -> R + Send + 'static,
{
    let tasks: Vec<F> = tasks.into_iter().collect();
    let start = Arc::new(Barrier::new(tasks.len()));
    let threads: Vec<_> = tasks
        .into_iter()
        .map(|task| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                task()
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// A `tracing` subscriber's output, kept to be read back
/// (`.with_writer(move || captured.clone())`).
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Every `tracing` event of this test binary, written by a global
/// subscriber installed on first use (the events the tests look for come
/// from the runtime's own threads, which a thread-local subscriber would
/// not see).
pub fn global_log() -> &'static Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        captured
    })
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Waits for `future` on this thread (a minimal executor), failing the
/// test after `DEADLINE`.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark()
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let start = Instant::now();
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for a future");
        thread::park_timeout(Duration::from_millis(10));
    }
}
