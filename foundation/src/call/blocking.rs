//! Calls from outside the runtime: a thread blocks on the reply slot (or a
//! future awaits it) until the answer or the deadline.
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::actor::{Actor, ActorRef};
use crate::call::reply::{CallError, CallFuture, ReplyTo, Slot};
use crate::call::request::arm_timeout;
use crate::error::SendError;
use crate::scheduler;
use crate::timer::{Clock, TimerService};

impl<A: Actor> ActorRef<A> {
    /// Sends a request and waits for its reply, at most `timeout` (on the
    /// node's clock). `make` puts the [`ReplyTo`] into the request's message.
    ///
    /// When the actor is idle, the calling thread runs the request's handler
    /// itself (ADR 0010 §1): no scheduler thread is woken and the reply is
    /// there when the handler returns — a call costs about a third of an
    /// actix `send().await` (`ask` in docs/benchmarks.md). The handler runs
    /// exactly as on a scheduler thread (its panics, kills, memory account
    /// and the rules for what it may block on are the same); the caller
    /// handles at most one other queued message with it. A handler the
    /// caller runs holds the caller until it returns, even past `timeout`:
    /// the timeout bounds the wait for an actor that is busy elsewhere.
    ///
    /// For plain threads and blocking actors: on a scheduler thread it fails
    /// at once with [`CallError::Deadlock`] (use [`Context::request`](crate::Context::request)).
    /// On a tokio runtime's thread it holds that thread until the reply or
    /// the timeout; with the `tokio` feature it waits in `block_in_place`
    /// on a multi-thread runtime and is refused with `Deadlock` on a
    /// current-thread one (see `foundation::tokio`). From async code, use
    /// [`call_async`](Self::call_async).
    /// To a full bounded ([`Flow::Manual`](crate::Flow::Manual)) mailbox it
    /// waits for room within the same timeout, as
    /// [`ActorRef::send_timeout`] does.
    ///
    /// # Errors
    ///
    /// A [`CallError`], as soon as it is known: `Stopped` for a stopped
    /// actor, `Panicked` if the handler panics, `Dropped` if it drops the
    /// `ReplyTo`, `Timeout` when the time is up (waiting for room or for
    /// the reply).
    ///
    /// ```
    /// use foundation::{Actor, Context, Node, ReplyTo};
    /// use std::time::Duration;
    ///
    /// enum Msg { Add(u64), Total(ReplyTo<u64>) }
    /// struct Counter(u64);
    /// impl Actor for Counter {
    ///     type Msg = Msg;
    ///     fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
    ///         match msg {
    ///             Msg::Add(n) => self.0 += n,
    ///             Msg::Total(reply) => { let _ = reply.reply(self.0); }
    ///         }
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let counter = node.spawn(Counter(0))?;
    /// counter.send(Msg::Add(5)).ok();
    /// assert_eq!(counter.call(Msg::Total, Duration::from_secs(5)), Ok(5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn call<T: Send + 'static>(
        &self,
        make: impl FnOnce(ReplyTo<T>) -> A::Msg,
        timeout: Duration,
    ) -> Result<T, CallError> {
        if scheduler::on_any_scheduler() {
            return Err(CallError::Deadlock);
        }
        #[cfg(feature = "tokio")]
        match blocking_here() {
            Blocking::Wait => {}
            Blocking::Refuse => return Err(CallError::Deadlock),
            Blocking::InPlace => {
                // Wait inside `block_in_place` (it hands this worker's
                // tasks to another thread first) — unless no wait is
                // needed: a request this thread answered by running the
                // actor itself (ADR 0010 §1).
                if self.cell.may_refuse() {
                    return ::tokio::task::block_in_place(|| self.call_waiting(make, timeout));
                }
                let slot = Slot::new();
                let deadline = blocking_deadline(&self.cell.shared.timers, &slot, timeout);
                self.send_request_outside(&slot, make);
                if let Some(outcome) = slot.take_ready() {
                    return outcome;
                }
                return ::tokio::task::block_in_place(|| slot.wait_blocking(deadline));
            }
        }
        self.call_waiting(make, timeout)
    }

    /// [`call`](Self::call) on a thread that may wait.
    fn call_waiting<T: Send + 'static>(
        &self,
        make: impl FnOnce(ReplyTo<T>) -> A::Msg,
        timeout: Duration,
    ) -> Result<T, CallError> {
        let slot = Slot::new();
        if self.cell.may_refuse() {
            let deadline = blocking_deadline(&self.cell.shared.timers, &slot, timeout);
            // A full bounded mailbox, or an overloaded one: wait for room
            // within the timeout (in real time), as `send_timeout` does.
            let room_by = Instant::now().checked_add(timeout);
            let request = make(ReplyTo::new(Arc::clone(&slot)));
            if let Err(refused) = self.cell.deliver_waiting(request, |m| m, room_by) {
                let error = match refused {
                    SendError::Closed(_) => CallError::Stopped,
                    SendError::Timeout(_) => CallError::Timeout,
                    _ => CallError::Overloaded,
                };
                let _ = slot.complete(Err(error));
                drop(refused);
            }
            return slot.wait_blocking(deadline);
        }
        let timers = &self.cell.shared.timers;
        // On a manual clock the timeout is a timer entry, armed before the
        // request goes: the handler (run here, or elsewhere) may advance
        // the clock. On the system clock the deadline is computed only if
        // a wait is needed.
        let manual = matches!(timers.clock(), Clock::Manual(_));
        let armed = manual.then(|| blocking_deadline(timers, &slot, timeout));
        self.send_request_outside(&slot, make);
        // Answered already (this thread ran the actor): no clock to read,
        // no deadline to keep.
        if let Some(outcome) = slot.take_ready() {
            return outcome;
        }
        let deadline = armed.unwrap_or_else(|| blocking_deadline(timers, &slot, timeout));
        slot.wait_blocking(deadline)
    }

    /// Sends a request and returns a future of its reply, usable from any
    /// async runtime. The timeout runs on the node's clock.
    ///
    /// As for [`call`](Self::call), an idle actor is run by the calling
    /// thread, here before this returns (from a plain thread or an async
    /// task; not from a scheduler thread or an actor's handler).
    ///
    /// The future's first poll looks for the reply for up to 20 µs before
    /// it returns `Pending`: most replies come sooner, and the task goes on
    /// without being parked and woken from another runtime's thread (which
    /// costs tens of microseconds; `ask-async` in docs/benchmarks.md). It
    /// holds the executor's thread that long at most, once per call.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node, ReplyTo};
    /// use std::time::Duration;
    ///
    /// struct Echo;
    /// impl Actor for Echo {
    ///     type Msg = (String, ReplyTo<String>);
    ///     fn handle(&mut self, (text, reply): Self::Msg, _: &mut Context<Self>) {
    ///         let _ = reply.reply(text);
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let echo = node.spawn(Echo)?;
    /// let future = echo.call_async(|r| ("hi".to_string(), r), Duration::from_secs(5));
    /// // Any executor will do; a minimal one:
    /// let answer = futures_lite_block_on(future);
    /// assert_eq!(answer.as_deref(), Ok("hi"));
    /// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
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
    pub fn call_async<T: Send + 'static>(
        &self,
        make: impl FnOnce(ReplyTo<T>) -> A::Msg,
        timeout: Duration,
    ) -> CallFuture<T> {
        let slot = Slot::new();
        let timers = &self.cell.shared.timers;
        // On a manual clock the timeout is armed before the request goes:
        // the handler may advance the clock.
        let manual = matches!(timers.clock(), Clock::Manual(_));
        if manual {
            arm_timeout(timers, &slot, timeout);
        }
        self.send_request_outside(&slot, make);
        // On the system clock, an answer already here (this thread ran the
        // actor) needs no timeout: no entry in the node's timer service.
        if !manual && !slot.is_finished() {
            arm_timeout(timers, &slot, timeout);
        }
        CallFuture::new(slot)
    }

    /// Sends the request built by `make`; a refused send fails the slot:
    /// `Stopped` if the actor has, `Overloaded` if its mailbox had no room
    /// (only a blocking call waits for room: ADR 0007).
    pub(crate) fn send_request<T: Send + 'static>(
        &self,
        slot: &Arc<Slot<T>>,
        make: impl FnOnce(ReplyTo<T>) -> A::Msg,
    ) {
        if let Err(refused) = self.send(make(ReplyTo::new(Arc::clone(slot)))) {
            fail_request(slot, refused);
        }
    }

    /// As [`send_request`](Self::send_request), from outside the actors:
    /// if the request makes the actor runnable, this thread runs it itself
    /// (ADR 0010 §1).
    pub(crate) fn send_request_outside<T: Send + 'static>(
        &self,
        slot: &Arc<Slot<T>>,
        make: impl FnOnce(ReplyTo<T>) -> A::Msg,
    ) {
        if let Err(refused) = self
            .cell
            .deliver_request(make(ReplyTo::new(Arc::clone(slot))))
        {
            fail_request(slot, refused);
        }
    }
}

/// A request was refused: its slot fails with `Stopped` if the actor has
/// stopped, `Overloaded` if its mailbox had no room.
fn fail_request<T, M>(slot: &Slot<T>, refused: SendError<M>) {
    let error = if refused.is_closed() {
        CallError::Stopped
    } else {
        CallError::Overloaded
    };
    // Complete first, so the `ReplyTo` inside, dropped next, says nothing
    // more.
    let _ = slot.complete(Err(error));
    drop(refused);
}

/// The deadline a thread blocked on `slot` keeps itself: on the system
/// clock it times itself out (no timer entry); on a manual clock only the
/// node's timer service knows the time, so it arms the timeout there.
pub(crate) fn blocking_deadline<T: Send + 'static>(
    timers: &TimerService,
    slot: &Arc<Slot<T>>,
    timeout: Duration,
) -> Option<Instant> {
    match timers.clock() {
        // A timeout too long for the clock (`Duration::MAX`) means none:
        // the thread waits for the answer however long it takes.
        Clock::System => Instant::now().checked_add(timeout),
        Clock::Manual(_) => {
            arm_timeout(timers, slot, timeout);
            None
        }
    }
}

/// What a blocking call on this thread must do, with the `tokio` feature
/// (see `foundation::tokio`).
#[cfg(feature = "tokio")]
enum Blocking {
    /// Not a tokio runtime's thread: wait.
    Wait,
    /// A multi-thread runtime's: wait inside `block_in_place`.
    InPlace,
    /// A current-thread runtime's: refuse.
    Refuse,
}

#[cfg(feature = "tokio")]
fn blocking_here() -> Blocking {
    match ::tokio::runtime::Handle::try_current() {
        Err(_) => Blocking::Wait,
        Ok(handle) => match handle.runtime_flavor() {
            ::tokio::runtime::RuntimeFlavor::CurrentThread => Blocking::Refuse,
            _ => Blocking::InPlace,
        },
    }
}
