//! Futures inside handlers: [`Context::pipe`] runs a future on an executor
//! the program names and delivers its output to the actor as one of its
//! messages (ADR 0010).
//!
//! The future never sees the actor: it runs on the executor's threads, and
//! only its output crosses over, into the actor's mailbox, where the
//! continuation runs with `&mut` access to the state like any handler. The
//! output travels the way a request's reply does (ADR 0001 §3): a one-shot
//! slot whose callback enqueues a continuation, whose timeout is an entry
//! of the node's timer service, and whose continuation is dropped if the
//! actor's incarnation ended in between.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::Poll;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use crate::actor::{Actor, Context};
use crate::call::reply::{CallError, Outcome, Slot};
use crate::call::request::{arm_timeout, continue_on};
use crate::cell::ActorCell;
use crate::pid::Pid;

/// A boxed future with no output, as a [`Spawner`] receives it.
pub type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// An executor, as [`Context::pipe`] names it: anything that can start a
/// boxed future — `tokio::runtime::Handle::spawn`, a thread pool, a test's
/// own queue. Cheap to clone.
///
/// With the `tokio` feature, a `tokio::runtime::Handle` converts into one
/// (`Spawner::from(handle)`); without it, the same is one line:
///
/// ```
/// use foundation::Spawner;
///
/// let runtime = tokio::runtime::Builder::new_multi_thread()
///     .worker_threads(1)
///     .build()?;
/// let handle = runtime.handle().clone();
/// let spawner = Spawner::new(move |future| {
///     handle.spawn(future);
/// });
/// # drop(spawner);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Spawner(Arc<dyn Fn(BoxFuture) + Send + Sync>);

impl Spawner {
    /// A spawner that hands each future to `spawn`, which must see it
    /// polled to completion (or drop it: the continuation then gets
    /// [`PipeError::Cancelled`]).
    ///
    /// ```
    /// use foundation::Spawner;
    /// use std::sync::{Arc, Mutex};
    ///
    /// // A queue the program polls itself.
    /// let queue = Arc::new(Mutex::new(Vec::new()));
    /// let q = Arc::clone(&queue);
    /// let spawner = Spawner::new(move |future| q.lock().unwrap().push(future));
    /// spawner.spawn(async {});
    /// assert_eq!(queue.lock().unwrap().len(), 1);
    /// ```
    pub fn new(spawn: impl Fn(BoxFuture) + Send + Sync + 'static) -> Self {
        Spawner(Arc::new(spawn))
    }

    /// Starts `future` on this executor.
    ///
    /// ```
    /// use foundation::Spawner;
    /// use std::sync::mpsc;
    ///
    /// // An executor that runs each future on a thread of its own.
    /// let spawner = Spawner::new(|future| {
    ///     std::thread::spawn(move || block_on(future));
    /// });
    /// let (tx, rx) = mpsc::channel();
    /// spawner.spawn(async move { tx.send(7).unwrap() });
    /// assert_eq!(rx.recv()?, 7);
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     use std::task::{Context, Poll, Wake, Waker};
    /// #     struct Unpark(std::thread::Thread);
    /// #     impl Wake for Unpark { fn wake(self: std::sync::Arc<Self>) { self.0.unpark() } }
    /// #     let waker = Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    /// #     let mut cx = Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } std::thread::park(); }
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        (self.0)(Box::pin(future));
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Spawner")
    }
}

/// Why a piped future's output did not come. See [`Context::pipe`].
///
/// ```
/// use foundation::PipeError;
///
/// assert_eq!(PipeError::Timeout.to_string(), "the future did not finish within the timeout");
/// assert!(PipeError::Panicked("boom".into()).to_string().contains("boom"));
/// ```
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq, Hash)]
pub enum PipeError {
    /// The timeout given with [`Pipe::timeout`] ran out first; the future
    /// is dropped when its executor next polls it.
    #[error("the future did not finish within the timeout")]
    Timeout,
    /// The future panicked; the panic's message. The panic is also
    /// reported (a `tracing` error, target `foundation::pipe`).
    #[error("the future panicked: {0}")]
    Panicked(String),
    /// The executor dropped the future before it finished (a runtime that
    /// shut down, a spawner that refused it).
    #[error("the executor dropped the future before it finished")]
    Cancelled,
}

impl<A: Actor> Context<A> {
    /// Runs `future` on `spawner`'s executor; its output comes back as one
    /// of this actor's messages, to the continuation given to
    /// [`Pipe::then`] — in mailbox order with the others, on the actor's
    /// own thread, with `&mut` access to its state. The actor keeps
    /// serving its mailbox meanwhile; the future never holds `&mut self`.
    ///
    /// If this incarnation of the actor has ended (it stopped, or its
    /// supervisor restarted it) by the time the output comes, the
    /// continuation is dropped, not run — as for a request's continuation
    /// — and the future itself is dropped at its next poll. A future that
    /// panics is reported and gives [`PipeError::Panicked`].
    ///
    /// ```
    /// use foundation::{Actor, Context, Node, PipeError, Spawner};
    /// use std::sync::mpsc;
    ///
    /// struct Fetcher {
    ///     io: Spawner,
    ///     done: mpsc::Sender<Result<usize, PipeError>>,
    /// }
    /// impl Actor for Fetcher {
    ///     type Msg = &'static str;
    ///     fn handle(&mut self, url: &'static str, ctx: &mut Context<Self>) {
    ///         // An async client would go here.
    ///         let fetch = async move { url.len() };
    ///         ctx.pipe(&self.io, fetch).then(|me, _ctx, length| {
    ///             me.done.send(length).unwrap();
    ///         });
    ///     }
    /// }
    ///
    /// let runtime = tokio::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .build()?;
    /// let handle = runtime.handle().clone();
    /// let io = Spawner::new(move |future| {
    ///     handle.spawn(future);
    /// });
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Fetcher { io, done: tx })?.send("http://localhost/")?;
    /// assert_eq!(rx.recv()?, Ok(17));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pipe<'a, F>(&'a self, spawner: &'a Spawner, future: F) -> Pipe<'a, A, F>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Pipe {
            ctx: self,
            spawner,
            future,
            timeout: None,
        }
    }
}

/// A future on its way to an executor, waiting for its continuation. Made
/// by [`Context::pipe`]; started by [`Pipe::then`].
///
/// ```
/// use foundation::{Actor, Context, Node, PipeError, Spawner};
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// struct Patient(Spawner, mpsc::Sender<Result<(), PipeError>>);
/// impl Actor for Patient {
///     type Msg = ();
///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
///         let report = self.1.clone();
///         ctx.pipe(&self.0, std::future::pending::<()>())
///             .timeout(Duration::from_millis(10))
///             .then(move |_, _, outcome| report.send(outcome).unwrap());
///     }
/// }
///
/// // An executor that keeps the futures and never polls them.
/// let kept = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
/// let k = kept.clone();
/// let spawner = Spawner::new(move |f| k.lock().unwrap().push(f));
///
/// let node = Node::builder().schedulers(1).start()?;
/// let (tx, rx) = mpsc::channel();
/// node.spawn(Patient(spawner, tx))?.send(())?;
/// assert_eq!(rx.recv()?, Err(PipeError::Timeout));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a piped future is started only by `.then(..)`"]
pub struct Pipe<'a, A: Actor, F> {
    ctx: &'a Context<A>,
    spawner: &'a Spawner,
    future: F,
    timeout: Option<Duration>,
}

impl<A, F> Pipe<'_, A, F>
where
    A: Actor,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    /// How long the future may take (on the node's clock); by default it
    /// may take as long as it likes. When the time is up the continuation
    /// gets [`PipeError::Timeout`].
    ///
    /// ```
    /// use foundation::{Actor, Context, Node, PipeError, Spawner};
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    ///
    /// /// An executor that never runs what it is given: the future never ends.
    /// let stuck = Spawner::new(|future| std::mem::forget(future));
    ///
    /// struct Fetcher(Spawner, mpsc::Sender<Result<u32, PipeError>>);
    /// impl Actor for Fetcher {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.pipe(&self.0, async { 1_u32 })
    ///             .timeout(Duration::from_millis(20))
    ///             .then(|me, _ctx, out| me.1.send(out).unwrap());
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Fetcher(stuck, tx))?.send(())?;
    /// assert_eq!(rx.recv()?, Err(PipeError::Timeout));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Starts the future. `continuation` runs on this actor, as one of its
    /// messages, with the output or the [`PipeError`] that replaced it —
    /// exactly once, unless this incarnation of the actor ends first.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node, Spawner};
    /// use std::sync::mpsc;
    ///
    /// /// The simplest executor: a thread per future, polled to the end.
    /// let spawner = Spawner::new(|future| {
    ///     std::thread::spawn(move || futures_lite_block_on(future));
    /// });
    /// # fn futures_lite_block_on(future: foundation::BoxFuture) {
    /// #     use std::task::{Context as TaskContext, Poll, Waker};
    /// #     let mut future = future;
    /// #     let mut cx = TaskContext::from_waker(Waker::noop());
    /// #     loop {
    /// #         if let Poll::Ready(()) = future.as_mut().poll(&mut cx) { return; }
    /// #         std::thread::yield_now();
    /// #     }
    /// # }
    ///
    /// struct Doubler(Spawner, mpsc::Sender<u32>);
    /// impl Actor for Doubler {
    ///     type Msg = u32;
    ///     fn handle(&mut self, n: u32, ctx: &mut Context<Self>) {
    ///         // The output comes back as one of this actor's messages.
    ///         ctx.pipe(&self.0, async move { n * 2 }).then(|me, _ctx, out| {
    ///             me.1.send(out.expect("finished")).unwrap();
    ///         });
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Doubler(spawner, tx))?.send(21)?;
    /// assert_eq!(rx.recv()?, 42);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn then(
        self,
        continuation: impl FnOnce(&mut A, &mut Context<A>, Result<F::Output, PipeError>)
        + Send
        + 'static,
    ) {
        let deliver = continue_on(self.ctx, continuation);
        let slot = Slot::with_callback(move |outcome: Outcome<Result<F::Output, PipeError>>| {
            deliver(match outcome {
                Ok(output) => output,
                Err(CallError::Timeout) => Err(PipeError::Timeout),
                // Nothing else completes a pipe's slot with an error (it
                // has no `ReplyTo`); were it to, the output is gone.
                Err(_) => Err(PipeError::Cancelled),
            })
        });
        if let Some(timeout) = self.timeout {
            arm_timeout(&self.ctx.cell.shared.timers, &slot, timeout);
        }
        let piped = Piped {
            future: Some(Box::pin(self.future)),
            slot,
            cell: Arc::clone(&self.ctx.cell),
            pid: self.ctx.pid(),
        };
        (self.spawner.0)(Box::pin(piped));
    }
}

impl<A: Actor, F> fmt::Debug for Pipe<'_, A, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipe")
            .field("actor", &self.ctx.pid())
            .field("timeout", &self.timeout)
            .finish()
    }
}

type Inner<R> = Pin<Box<dyn Future<Output = R> + Send>>;

/// The future the executor runs: the user's, with its output (or panic)
/// put in the slot, and dropped early once nobody waits for it.
struct Piped<A: Actor, R> {
    /// `None` once finished (or given up).
    future: Option<Inner<R>>,
    slot: Arc<Slot<Result<R, PipeError>>>,
    cell: Arc<ActorCell<A>>,
    pid: Pid,
}

impl<A: Actor, R: Send + 'static> Future for Piped<A, R> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut core::task::Context<'_>) -> Poll<()> {
        // Every field is `Unpin` (the user's future is boxed).
        let this = self.get_mut();
        let Some(future) = this.future.as_mut() else {
            return Poll::Ready(());
        };
        // Timed out, or the incarnation that asked has ended: nobody will
        // use the output, so stop computing it.
        if this.slot.is_finished() || !this.cell.state.is_current(this.pid.incarnation()) {
            this.future = None;
            return Poll::Ready(());
        }
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                this.future = None;
                let _ = this.slot.complete(Ok(Ok(output)));
                Poll::Ready(())
            }
            Err(payload) => {
                this.future = None;
                let text = crate::panic::payload_text(&*payload);
                let pid = this.pid;
                crate::report::visible!(
                    error,
                    target: "foundation::pipe",
                    { %pid, },
                    "a future piped to actor {pid} panicked: {text}"
                );
                let _ = this.slot.complete(Ok(Err(PipeError::Panicked(text))));
                Poll::Ready(())
            }
        }
    }
}

impl<A: Actor, R> Drop for Piped<A, R> {
    fn drop(&mut self) {
        if self.future.take().is_some() {
            // The executor dropped the future before it finished.
            let _ = self.slot.complete(Ok(Err(PipeError::Cancelled)));
        }
    }
}
