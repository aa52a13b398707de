//! [`ActorRef`]: a handle to an actor of a known type, and its conversion
//! into a [`Recipient`]. Calls through it are in `call/blocking.rs`.

use core::fmt;
use core::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use crate::actor::{Actor, send_after_on};
use crate::cell::ActorCell;
use crate::error::SendError;
use crate::pid::Pid;
use crate::recipient::Recipient;
use crate::scheduler;
use crate::task::{Runnable, Sink, Task};
use crate::timer::TimerRef;

/// A handle to an actor of type `A`: cheap to clone, sendable anywhere.
///
/// Sending never blocks and never waits: the message is queued, or handed
/// back inside a [`SendError`] if the actor has stopped.
///
/// ```
/// use foundation::{Actor, Context, Node};
/// use std::sync::mpsc;
///
/// struct Echo(mpsc::Sender<String>);
/// impl Actor for Echo {
///     type Msg = String;
///     fn handle(&mut self, msg: String, _: &mut Context<Self>) {
///         self.0.send(msg).unwrap();
///     }
/// }
///
/// let node = Node::builder().schedulers(2).start()?;
/// let (tx, rx) = mpsc::channel();
/// let echo = node.spawn(Echo(tx))?;
/// let again = echo.clone();
/// echo.send("hello".to_string())?;
/// again.try_send("world".to_string())?;
/// assert_eq!(rx.recv()?, "hello");
/// assert_eq!(rx.recv()?, "world");
/// assert_eq!(echo, again);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ActorRef<A: Actor> {
    pub(crate) cell: Arc<ActorCell<A>>,
}

impl<A: Actor> ActorRef<A> {
    /// Queues `msg`. Never blocks.
    ///
    /// Sent from a handler to an actor whose automatic mailbox is above its
    /// high watermark, the message is queued and the *sender* is muted: it
    /// runs no further message until the receiver has drained to its low
    /// watermark ([`Flow::Automatic`](crate::Flow::Automatic)).
    ///
    /// # Errors
    ///
    /// The message comes back inside the error:
    /// [`SendError::Closed`] if the actor has stopped;
    /// [`SendError::Full`] if its mailbox is bounded
    /// ([`Flow::Manual`](crate::Flow::Manual)) and full;
    /// [`SendError::Overloaded`] if it is automatic, above its high
    /// watermark, and the sender is not an actor;
    /// [`SendError::NoCredit`] if it is credit-based and its pool is empty
    /// (a plain send spends one credit from the pool; a
    /// [`Producer`](crate::Producer) is the way to send many). `send` does
    /// not wait for room ([`ActorRef::send_timeout`] does).
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, SendError};
    /// # struct Log(Vec<String>);
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, line: String, _: &mut Context<Self>) { self.0.push(line); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log(Vec::new()))?;
    /// log.send("started".to_string())?; // never blocks
    /// log.stop();
    /// # while log.is_alive() { std::thread::yield_now(); }
    /// // A stopped actor hands the message back.
    /// assert_eq!(log.send("late".to_string()), Err(SendError::Closed("late".to_string())));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn send(&self, msg: A::Msg) -> Result<(), SendError<A::Msg>> {
        self.cell.deliver(msg, |m| m)
    }

    /// A [`Producer`](crate::Producer): a handle that sends within the
    /// credit of a [`Flow::CreditBased`](crate::Flow::CreditBased)
    /// mailbox, drawing it from the actor's pool in chunks (for any other
    /// mailbox it sends as `send` does). See [`Producer`](crate::Producer)
    /// for an example.
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, SendError};
    /// # struct Log(Vec<String>);
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, line: String, _: &mut Context<Self>) { self.0.push(line); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log(Vec::new()))?;
    /// // A producer of a mailbox that is not credit-based sends as the handle does.
    /// let mut producer = log.producer();
    /// producer.send("via a producer".to_string())?;
    /// assert_eq!(producer.credit(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn producer(&self) -> crate::Producer<A> {
        crate::Producer::new(self.clone())
    }

    /// The credit left in the pool of a
    /// [`Flow::CreditBased`](crate::Flow::CreditBased) mailbox (its size,
    /// less the credit producers hold and the messages queued or being
    /// handled whose credit has not come back yet), or `None` for another
    /// mode. A snapshot, for monitoring and tests. Below zero while
    /// notices the runtime forced in are queued.
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, Flow, Node};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let options = ActorOptions::new().flow(Flow::CreditBased).mailbox(64);
    /// let idle = node.spawn_with(Idle, options)?;
    /// assert_eq!(idle.credit_available(), Some(64));
    /// assert_eq!(node.spawn(Idle)?.credit_available(), None); // automatic
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn credit_available(&self) -> Option<i64> {
        self.cell.credit_pool().map(|pool| pool.available())
    }

    /// Queues `msg` if the mailbox takes it now, never waiting: the same as
    /// [`ActorRef::send`], named for code that wants to say so. A full
    /// bounded mailbox returns [`SendError::Full`], an overloaded automatic
    /// one [`SendError::Overloaded`] (to a sender outside actors), instead
    /// of waiting.
    ///
    /// # Errors
    ///
    /// As [`ActorRef::send`].
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, SendError};
    /// # struct Log(Vec<String>);
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, line: String, _: &mut Context<Self>) { self.0.push(line); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log(Vec::new()))?;
    /// match log.try_send("maybe".to_string()) {
    ///     Ok(()) => {}
    ///     Err(refused) => println!("not now: {}", refused.into_inner()),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn try_send(&self, msg: A::Msg) -> Result<(), SendError<A::Msg>> {
        self.cell.deliver(msg, |m| m)
    }

    /// Queues `msg`, waiting up to `timeout` for room in a bounded
    /// ([`Flow::Manual`](crate::Flow::Manual)) mailbox, or for an
    /// overloaded automatic one to drain to its low watermark. A timeout
    /// too long for the clock (`Duration::MAX`) waits however long it
    /// takes. The wait is real time, whatever the node's clock.
    ///
    /// Inside a handler, an automatic mailbox never refuses the message
    /// (the sending actor is muted instead: see [`ActorRef::send`]), and
    /// this is `send`. A bounded one would have to be waited for, and
    /// waiting would hold a scheduler thread — and, if the receiver waits
    /// for that thread, never end — so on a scheduler thread it is
    /// refused at once, as a blocking `call` is: use
    /// `send` and handle [`SendError::Full`], or make the sender a
    /// blocking actor.
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, Flow, Node, SendError};
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    ///
    /// struct Slow {
    ///     entered: mpsc::Sender<u32>,
    ///     gate: mpsc::Receiver<()>,
    /// }
    /// impl Actor for Slow {
    ///     type Msg = u32;
    ///     fn handle(&mut self, n: u32, _: &mut Context<Self>) {
    ///         let _ = self.entered.send(n);
    ///         let _ = self.gate.recv();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(2).start()?;
    /// let (entered, handled) = mpsc::channel();
    /// let (go, gate) = mpsc::channel();
    /// let options = ActorOptions::new().flow(Flow::Manual).mailbox(1);
    /// let slow = node.spawn_with(Slow { entered, gate }, options)?;
    /// slow.send(1)?;
    /// assert_eq!(handled.recv()?, 1); // in the handler
    /// slow.send(2)?; // the mailbox is full
    /// let short = Duration::from_millis(10);
    /// assert_eq!(slow.send_timeout(3, short), Err(SendError::Timeout(3)));
    /// go.send(())?; // 1 is done, 2 goes into the handler: room for 3
    /// slow.send_timeout(3, Duration::from_secs(5))?;
    /// drop(go);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`SendError::Timeout`] if no room came in time,
    /// [`SendError::Closed`] if the actor has stopped,
    /// [`SendError::WouldBlock`] on a scheduler thread; the message comes
    /// back inside each.
    pub fn send_timeout(&self, msg: A::Msg, timeout: Duration) -> Result<(), SendError<A::Msg>> {
        if scheduler::on_any_scheduler() {
            // An actor is never refused by an automatic mailbox (it is
            // muted instead); a manual one would have it wait here.
            let bound = self.cell.bound();
            return if bound.is_manual() || bound.is_credit() {
                Err(SendError::WouldBlock(msg))
            } else {
                self.send(msg)
            };
        }
        let deadline = std::time::Instant::now().checked_add(timeout);
        self.cell.deliver_waiting(msg, |m| m, deadline)
    }

    /// The pid of the actor's current incarnation (or, between a stop and
    /// a supervisor's restart, its last one).
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, SendError};
    /// # struct Log(Vec<String>);
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, line: String, _: &mut Context<Self>) { self.0.push(line); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log(Vec::new()))?;
    /// let pid = log.pid();
    /// assert_eq!(pid.node(), node.id());
    /// assert_eq!(pid.incarnation(), 0); // its first life
    /// println!("{pid}"); // <node.number.incarnation>
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pid(&self) -> Pid {
        self.cell.pid()
    }

    /// Kills the actor: it stops with [`ExitReason::Killed`](crate::ExitReason::Killed) before its next
    /// message, however many are queued, and cannot trap it. If it is stuck
    /// inside a handler, the kill does not wait: the actor is unregistered,
    /// its links and monitors fire, its mailbox is closed (or, for a
    /// supervised child, kept for the next incarnation), a spare thread
    /// replaces the scheduler thread the handler holds, and the instance is
    /// dropped when the handler returns (its `stopped` hook does not run).
    /// Returns `false` if the actor had already stopped.
    ///
    /// ```
    /// use foundation::{Actor, Context, ExitReason, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Stuck(mpsc::Sender<()>, mpsc::Receiver<()>);
    /// impl Actor for Stuck {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         self.0.send(()).unwrap(); // inside the handler now
    ///         let _ = self.1.recv(); // blocks until released
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (release, latch) = mpsc::channel();
    /// let (entered_tx, entered) = mpsc::channel();
    /// let stuck = node.spawn(Stuck(entered_tx, latch))?;
    /// stuck.send(())?;
    /// entered.recv()?;
    /// assert!(stuck.kill());
    /// assert!(!stuck.is_alive());
    /// assert_eq!(node.actor_count(), 0);
    /// assert!(stuck.send(()).is_err());
    /// release.send(()).ok(); // the handler returns; its instance is dropped
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kill(&self) -> bool {
        let pid = self.cell.pid();
        self.cell.kill(pid.incarnation())
    }

    /// Asks the actor to stop, ahead of its queued messages: its
    /// [`Actor::shutdown_requested`] hook runs (by default it stops with
    /// [`ExitReason::Shutdown`](crate::ExitReason::Shutdown)). See [`Actor::shutdown_requested`] for an
    /// example.
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, SendError};
    /// # struct Log(Vec<String>);
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, line: String, _: &mut Context<Self>) { self.0.push(line); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log(Vec::new()))?;
    /// log.send("queued".to_string())?;
    /// log.stop(); // ahead of what is queued, which becomes dead letters
    /// # let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    /// while log.is_alive() {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now();
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stop(&self) {
        Runnable::request_shutdown(Arc::clone(&self.cell) as Task, false);
    }

    /// Whether the actor is still running. It may stop right after this
    /// returns `true`; a send then hands the message back.
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, SendError};
    /// # struct Log(Vec<String>);
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, line: String, _: &mut Context<Self>) { self.0.push(line); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log(Vec::new()))?;
    /// assert!(log.is_alive());
    /// log.stop();
    /// # let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    /// while log.is_alive() {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now(); // the stop is asynchronous
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_alive(&self) -> bool {
        !self.cell.state.is_stopped() && !self.cell.mailbox.is_closed()
    }

    /// Messages waiting in the actor's mailbox (a snapshot).
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, SendError};
    /// # struct Log(Vec<String>);
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, line: String, _: &mut Context<Self>) { self.0.push(line); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log(Vec::new()))?;
    /// assert_eq!(log.mailbox_len(), 0); // nothing waiting
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mailbox_len(&self) -> usize {
        self.cell.mailbox.len()
    }

    /// Messages the actor has taken from its mailbox since it was spawned,
    /// over all its incarnations (its address outlives restarts): its own
    /// messages and the runtime's (replies to its requests, trapped exits),
    /// the one in its handler now included. A snapshot, for health reports
    /// and rates ([`ecosystem_health`](crate::ecosystem_health)); it costs
    /// the actor nothing, being its mailbox's read position.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    /// use std::time::Duration;
    ///
    /// struct Sink;
    /// impl Actor for Sink {
    ///     type Msg = u32;
    ///     fn handle(&mut self, _: u32, _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let sink = node.spawn(Sink)?;
    /// for i in 0..10 {
    ///     sink.send(i)?;
    /// }
    /// while sink.messages_handled() < 10 {
    ///     std::thread::sleep(Duration::from_millis(1));
    /// }
    /// assert_eq!(sink.messages_handled(), 10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn messages_handled(&self) -> u64 {
        self.cell.messages_taken()
    }

    /// The bytes charged to the actor's current incarnation (see
    /// [`crate::memory`]): what its code allocated and has not freed,
    /// wherever the bytes went. [`Usage::NotMeasured`](crate::memory::Usage::NotMeasured)
    /// without the [`AccountingAllocator`](crate::memory::AccountingAllocator),
    /// or while the actor is stopped.
    ///
    /// ```
    /// use foundation::memory::Usage;
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let idle = node.spawn(Idle)?;
    /// // Doctests run on the system allocator.
    /// assert_eq!(idle.memory(), Usage::NotMeasured);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn memory(&self) -> crate::memory::Usage {
        use crate::task::Runnable;
        match self.cell.memory() {
            Some(bytes) if crate::memory::is_accounting() => crate::memory::Usage::Bytes(bytes),
            _ => crate::memory::Usage::NotMeasured,
        }
    }

    /// Sends `msg` to the actor after `delay` (on the node's clock). To a
    /// bounded ([`Flow::Manual`](crate::Flow::Manual)) mailbox it is
    /// delivered even when full: it was accepted when the timer was set.
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, SendError};
    /// # struct Log(Vec<String>);
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, line: String, _: &mut Context<Self>) { self.0.push(line); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log(Vec::new()))?;
    /// use std::time::Duration;
    ///
    /// let timer = log.send_after(Duration::from_secs(3600), "in an hour".to_string());
    /// assert!(timer.is_pending());
    /// assert!(timer.cancel()); // never sent
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send_after(&self, delay: Duration, msg: A::Msg) -> TimerRef {
        send_after_on(&self.cell.shared.timers, self.clone(), delay, msg)
    }

    /// A handle typed by message rather than by actor: any `M` that converts
    /// into `A::Msg`. No allocation: it shares this handle's cell.
    ///
    /// ```
    /// # use foundation::{Actor, Context, Node, SendError};
    /// # struct Log(Vec<String>);
    /// # impl Actor for Log {
    /// #     type Msg = String;
    /// #     fn handle(&mut self, line: String, _: &mut Context<Self>) { self.0.push(line); }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let log = node.spawn(Log(Vec::new()))?;
    /// use foundation::Recipient;
    ///
    /// // Any actor whose message a String converts into can stand behind it.
    /// let sink: Recipient<String> = log.recipient();
    /// sink.send("through a recipient".to_string())?;
    /// assert_eq!(sink.pid(), log.pid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recipient<M>(&self) -> Recipient<M>
    where
        M: Into<A::Msg> + Send + 'static,
    {
        Recipient {
            sink: Arc::clone(&self.cell) as Arc<dyn Sink<M>>,
        }
    }
}

impl<A: Actor> ActorRef<A> {
    /// The handle of a type-erased cell, if it is an `A`'s.
    pub(crate) fn from_any(cell: Arc<dyn core::any::Any + Send + Sync>) -> Option<Self> {
        cell.downcast::<ActorCell<A>>()
            .ok()
            .map(|cell| ActorRef { cell })
    }
}

impl<A: Actor> Clone for ActorRef<A> {
    fn clone(&self) -> Self {
        ActorRef {
            cell: Arc::clone(&self.cell),
        }
    }
}

impl<A: Actor> fmt::Debug for ActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ActorRef<{}>({})",
            core::any::type_name::<A>(),
            self.cell.pid()
        )
    }
}

impl<A: Actor> PartialEq for ActorRef<A> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.cell, &other.cell)
    }
}

impl<A: Actor> Eq for ActorRef<A> {}

impl<A: Actor> Hash for ActorRef<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.cell).hash(state);
    }
}

impl<A, M> From<ActorRef<A>> for Recipient<M>
where
    A: Actor,
    M: Into<A::Msg> + Send + 'static,
{
    fn from(actor: ActorRef<A>) -> Self {
        Recipient {
            sink: actor.cell as Arc<dyn Sink<M>>,
        }
    }
}
