//! Requests between actors: [`Context::request`] sends a request with a
//! reply slot and goes on; the answer (or the timeout) comes back as a
//! continuation, one of the asking actor's messages.

use core::fmt;
use core::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::actor::{Actor, ActorRef, Context};
use crate::call::reply::{CallError, DEFAULT_CALL_TIMEOUT, ReplyTo, Slot};
use crate::cell::Envelope;
use crate::timer::{Expiry, TimerService};

impl<A: Actor> Context<A> {
    /// Sends a request to `target` without waiting for the answer: this
    /// actor keeps serving its mailbox, and the continuation given to
    /// [`Request::then`] runs, as one of its messages, when the reply (or a
    /// [`CallError`]) comes. The default timeout is
    /// [`DEFAULT_CALL_TIMEOUT`]; set another with [`Request::timeout`].
    ///
    /// ```
    /// use foundation::{Actor, CallError, Context, Node, ReplyTo};
    /// use std::sync::mpsc;
    ///
    /// struct Oracle;
    /// impl Actor for Oracle {
    ///     type Msg = ReplyTo<u32>;
    ///     fn handle(&mut self, reply: ReplyTo<u32>, _: &mut Context<Self>) {
    ///         let _ = reply.reply(42);
    ///     }
    /// }
    ///
    /// struct Asker {
    ///     oracle: foundation::ActorRef<Oracle>,
    ///     answers: mpsc::Sender<Result<u32, CallError>>,
    /// }
    /// impl Actor for Asker {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.request(&self.oracle, |reply| reply)
    ///             .then(|asker, _ctx, answer| asker.answers.send(answer).unwrap());
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let oracle = node.spawn(Oracle)?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Asker { oracle, answers: tx })?.send(())?;
    /// assert_eq!(rx.recv()?, Ok(42));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn request<'a, B, T, F>(
        &'a self,
        target: &'a ActorRef<B>,
        make: F,
    ) -> Request<'a, A, B, T, F>
    where
        B: Actor,
        T: Send + 'static,
        F: FnOnce(ReplyTo<T>) -> B::Msg,
    {
        Request {
            ctx: self,
            target,
            make,
            timeout: DEFAULT_CALL_TIMEOUT,
            _reply: PhantomData,
        }
    }
}

/// A request from inside a handler, waiting for its continuation. Made by
/// [`Context::request`]; sent by [`Request::then`].
///
/// ```
/// use foundation::{Actor, ActorRef, CallError, Context, Node, ReplyTo};
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// /// Keeps every request and never answers.
/// struct Sleepy(Vec<ReplyTo<()>>);
/// impl Actor for Sleepy {
///     type Msg = ReplyTo<()>;
///     fn handle(&mut self, reply: ReplyTo<()>, _: &mut Context<Self>) {
///         self.0.push(reply);
///     }
/// }
///
/// struct Impatient(ActorRef<Sleepy>, mpsc::Sender<Result<(), CallError>>);
/// impl Actor for Impatient {
///     type Msg = ();
///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
///         let report = self.1.clone();
///         ctx.request(&self.0, |r| r)
///             .timeout(Duration::from_millis(10))
///             .then(move |_, _, outcome| report.send(outcome).unwrap());
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let (tx, rx) = mpsc::channel();
/// let sleepy = node.spawn(Sleepy(Vec::new()))?;
/// node.spawn(Impatient(sleepy, tx))?.send(())?;
/// assert_eq!(rx.recv()?, Err(CallError::Timeout));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a request is sent only by `.then(..)`"]
pub struct Request<'a, A: Actor, B: Actor, T, F> {
    ctx: &'a Context<A>,
    target: &'a ActorRef<B>,
    make: F,
    timeout: Duration,
    _reply: PhantomData<fn() -> T>,
}

impl<A, B, T, F> Request<'_, A, B, T, F>
where
    A: Actor,
    B: Actor,
    T: Send + 'static,
    F: FnOnce(ReplyTo<T>) -> B::Msg,
{
    /// How long to wait for the reply (default [`DEFAULT_CALL_TIMEOUT`]).
    ///
    /// ```
    /// use foundation::{Actor, ActorRef, CallError, Context, Node, ReplyTo};
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    ///
    /// struct Silent(Vec<ReplyTo<u32>>);
    /// impl Actor for Silent {
    ///     type Msg = ReplyTo<u32>;
    ///     fn handle(&mut self, reply: ReplyTo<u32>, _: &mut Context<Self>) {
    ///         self.0.push(reply); // keeps it, never answers
    ///     }
    /// }
    /// struct Asker(ActorRef<Silent>, mpsc::Sender<Result<u32, CallError>>);
    /// impl Actor for Asker {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.request(&self.0, |r| r)
    ///             .timeout(Duration::from_millis(20))
    ///             .then(|me, _ctx, answer| me.1.send(answer).unwrap());
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let silent = node.spawn(Silent(Vec::new()))?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Asker(silent, tx))?.send(())?;
    /// assert_eq!(rx.recv()?, Err(CallError::Timeout));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends the request. `continuation` runs on this actor, as one of its
    /// messages, with the reply or the [`CallError`] that replaced it —
    /// exactly once, unless this actor stops first.
    ///
    /// ```
    /// use foundation::{Actor, ActorRef, Context, Node, ReplyTo};
    /// use std::sync::mpsc;
    ///
    /// struct Prices;
    /// impl Actor for Prices {
    ///     type Msg = (String, ReplyTo<u64>);
    ///     fn handle(&mut self, (item, reply): (String, ReplyTo<u64>), _: &mut Context<Self>) {
    ///         let _ = reply.reply(item.len() as u64);
    ///     }
    /// }
    /// struct Cart(ActorRef<Prices>, u64, mpsc::Sender<u64>);
    /// impl Actor for Cart {
    ///     type Msg = String;
    ///     fn handle(&mut self, item: String, ctx: &mut Context<Self>) {
    ///         // Runs later, on this actor, with `&mut` access to its state.
    ///         ctx.request(&self.0, |r| (item, r)).then(|cart, _ctx, price| {
    ///             cart.1 += price.unwrap_or(0);
    ///             cart.2.send(cart.1).unwrap();
    ///         });
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let prices = node.spawn(Prices)?;
    /// let (tx, rx) = mpsc::channel();
    /// let cart = node.spawn(Cart(prices, 0, tx))?;
    /// cart.send("tea".into())?;
    /// assert_eq!(rx.recv()?, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn then(
        self,
        continuation: impl FnOnce(&mut A, &mut Context<A>, Result<T, CallError>) + Send + 'static,
    ) {
        let slot = Slot::with_callback(continue_on(self.ctx, continuation));
        arm_timeout(&self.target.cell.shared.timers, &slot, self.timeout);
        self.target.send_request(&slot, self.make);
    }
}

impl<A: Actor, B: Actor, T, F> fmt::Debug for Request<'_, A, B, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("from", &self.ctx.pid())
            .field("to", &self.target.pid())
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A callback that runs `continuation` with its outcome on the actor of
/// `ctx`, as one of its messages — unless that incarnation has ended by
/// then (an earlier incarnation's outcome is not the next one's).
pub(crate) fn continue_on<A: Actor, R: Send + 'static>(
    ctx: &Context<A>,
    continuation: impl FnOnce(&mut A, &mut Context<A>, R) + Send + 'static,
) -> impl FnOnce(R) + Send + 'static {
    let me = ctx.myself();
    let incarnation = ctx.pid().incarnation();
    move |outcome| {
        let envelope =
            Envelope::Continuation(Box::new(move |actor: &mut A, ctx: &mut Context<A>| {
                if ctx.pid().incarnation() == incarnation {
                    continuation(actor, ctx, outcome)
                }
            }));
        if me.cell.deliver_envelope(envelope).is_err() {
            tracing::trace!(pid = %me.pid(), "an outcome came for a stopped actor");
        }
    }
}

/// Arms `slot`'s timeout on the node's timer service.
pub(crate) fn arm_timeout<T: Send + 'static>(
    timers: &TimerService,
    slot: &Arc<Slot<T>>,
    timeout: Duration,
) {
    timers.add_expiry(timeout, Arc::clone(slot) as Arc<dyn Expiry>);
}
