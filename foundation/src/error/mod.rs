//! Errors. Narrow, typed errors — one per operation, each saying what
//! went wrong and, where a message was refused, handing it back — here;
//! the umbrella [`Error`] every one of them converts into
//! (`umbrella.rs`, the conversions in `convert.rs`) and [`ErrorContext`]
//! (`context.rs`), the 1.x services' error layer (ADR 0011).

use core::fmt;

// Above the panic hook (layer 1); re-exported from the crate root.
pub(crate) mod context;
mod convert;
mod umbrella;

pub use umbrella::{Error, ErrorCategory, ErrorCode, Result, RetryStrategy, Severity};

use crate::pid::Pid;

/// Why a message was not delivered. The message is always handed back:
/// nothing is silently dropped.
///
/// [`SendError::Closed`]: the actor has stopped. [`SendError::Full`]: its
/// mailbox is bounded ([`Flow::Manual`](crate::Flow::Manual)) and full.
/// [`SendError::Overloaded`]: its mailbox is automatic
/// ([`Flow::Automatic`](crate::Flow::Automatic)) and above its high
/// watermark, and the sender is not an actor (actors are muted instead).
/// [`SendError::Timeout`] and [`SendError::WouldBlock`] come from a send
/// that waits for room ([`ActorRef::send_timeout`](crate::ActorRef::send_timeout)).
/// [`SendError::NoCredit`]: its mailbox is credit-based
/// ([`Flow::CreditBased`](crate::Flow::CreditBased)) and neither the
/// sending [`Producer`](crate::Producer) nor the pool has credit left.
///
/// # Examples
///
/// ```
/// use foundation::{Actor, Context, Node, SendError};
///
/// struct Quitter;
/// impl Actor for Quitter {
///     type Msg = &'static str;
///     fn handle(&mut self, _msg: &'static str, ctx: &mut Context<Self>) {
///         ctx.stop();
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let quitter = node.spawn(Quitter)?;
/// quitter.send("bye")?;
/// while quitter.is_alive() {
///     std::thread::yield_now();
/// }
/// match quitter.send("anyone there?") {
///     Err(SendError::Closed(msg)) => assert_eq!(msg, "anyone there?"),
///     other => panic!("expected Closed, got {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(thiserror::Error, PartialEq, Eq, Clone)]
pub enum SendError<M> {
    /// The actor has stopped; its mailbox accepts nothing more.
    #[error("the actor has stopped and its mailbox is closed")]
    Closed(M),
    /// A bounded mailbox is full ([`Flow::Manual`](crate::Flow::Manual)).
    #[error("the mailbox is full")]
    Full(M),
    /// The producer holds no credit (flow control `credit_based`).
    #[error("no credit left to send; wait for the receiver to return some")]
    NoCredit(M),
    /// The receiver is above its high watermark (flow control `automatic`).
    #[error("the receiver is overloaded; retry later or use send_timeout")]
    Overloaded(M),
    /// A timed send gave up.
    #[error("timed out waiting for mailbox capacity")]
    Timeout(M),
    /// A send that waits for room
    /// ([`ActorRef::send_timeout`](crate::ActorRef::send_timeout)) was made
    /// on a scheduler thread, where waiting could deadlock the node; it is
    /// refused at once, whether or not there was room.
    #[error(
        "a send that waits for room, on a scheduler thread, could deadlock the node; \
         use send and handle Full, or a blocking actor"
    )]
    WouldBlock(M),
}

impl<M> SendError<M> {
    /// Hands the refused message back.
    ///
    /// ```
    /// use foundation::SendError;
    /// assert_eq!(SendError::Closed(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> M {
        match self {
            SendError::Closed(m)
            | SendError::Full(m)
            | SendError::NoCredit(m)
            | SendError::Overloaded(m)
            | SendError::Timeout(m)
            | SendError::WouldBlock(m) => m,
        }
    }

    /// Whether the receiver has stopped (retrying cannot succeed).
    ///
    /// ```
    /// use foundation::SendError;
    /// assert!(SendError::Closed(()).is_closed());
    /// assert!(!SendError::Full(()).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, SendError::Closed(_))
    }

    /// Applies `f` to the carried message, keeping the reason.
    ///
    /// ```
    /// use foundation::SendError;
    /// assert_eq!(SendError::Closed(2).map(|n| n * 10), SendError::Closed(20));
    /// ```
    pub fn map<N>(self, f: impl FnOnce(M) -> N) -> SendError<N> {
        match self {
            SendError::Closed(m) => SendError::Closed(f(m)),
            SendError::Full(m) => SendError::Full(f(m)),
            SendError::NoCredit(m) => SendError::NoCredit(f(m)),
            SendError::Overloaded(m) => SendError::Overloaded(f(m)),
            SendError::Timeout(m) => SendError::Timeout(f(m)),
            SendError::WouldBlock(m) => SendError::WouldBlock(f(m)),
        }
    }
}

// By hand, so that `SendError<M>: Debug` (and so `Error`) for every `M`, as
// std's channel errors do: the message may not be `Debug`.
impl<M> fmt::Debug for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            SendError::Closed(_) => "Closed",
            SendError::Full(_) => "Full",
            SendError::NoCredit(_) => "NoCredit",
            SendError::Overloaded(_) => "Overloaded",
            SendError::Timeout(_) => "Timeout",
            SendError::WouldBlock(_) => "WouldBlock",
        };
        write!(f, "{name}(..)")
    }
}

/// Why an actor could not be spawned.
///
/// ```
/// use foundation::{Actor, Context, Node, SpawnError};
///
/// struct Idle;
/// impl Actor for Idle {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let late = node.clone();
/// node.shutdown()?;
/// assert!(matches!(late.spawn(Idle), Err(SpawnError::NodeShutdown { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone)]
pub enum SpawnError {
    /// The node is shutting down or has shut down.
    #[error("node `{node}` is shutting down; it accepts no new actors")]
    NodeShutdown {
        /// The node's name.
        node: String,
    },
    /// The operating system refused the thread of a blocking actor.
    #[error("could not start the thread of a blocking actor")]
    ThreadSpawn(#[source] std::sync::Arc<std::io::Error>),
    /// The name in [`ActorOptions::name`](crate::ActorOptions::name) could
    /// not be registered (it is taken, or empty); the actor never ran.
    #[error("could not register the name `{name}`")]
    Name {
        /// The name asked for.
        name: String,
        /// Why it was refused.
        #[source]
        source: crate::RegisterError,
    },
    /// The options do not make sense together, or a value is out of range
    /// (a `mailbox` of 0, or on an `automatic` mailbox); the actor never
    /// ran.
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, Flow, Node, SpawnError};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let options = ActorOptions::new().flow(Flow::Manual).mailbox(0);
    /// let refused = node.spawn_with(Idle, options);
    /// assert!(matches!(refused, Err(SpawnError::InvalidOptions { field: "mailbox", .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[error("invalid actor option `{field}`: {reason}")]
    InvalidOptions {
        /// The option (`ActorOptions`' field).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// Why a node could not start.
///
/// ```
/// use foundation::{Node, NodeError};
///
/// let err = Node::builder().schedulers(0).start().unwrap_err();
/// assert!(matches!(err, NodeError::InvalidConfig { field: "schedulers", .. }));
/// ```
#[non_exhaustive]
#[derive(thiserror::Error, Debug)]
pub enum NodeError {
    /// A builder setting is out of range.
    #[error("invalid node setting `{field}`: {reason}")]
    InvalidConfig {
        /// The builder method's name.
        field: &'static str,
        /// What is allowed.
        reason: String,
    },
    /// The operating system refused a scheduler thread.
    #[error("could not start a scheduler thread")]
    ThreadSpawn(#[source] std::io::Error),
}

/// Why a shutdown did not finish cleanly.
///
/// A handler that never returns cannot be interrupted; the shutdown then gives
/// up after the node's shutdown timeout and says how much is left behind.
///
/// ```
/// use foundation::{Actor, Context, Node, ShutdownError};
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// struct Stuck(mpsc::Receiver<()>);
/// impl Actor for Stuck {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
///         let _ = self.0.recv(); // blocks until released
///     }
/// }
///
/// let node = Node::builder()
///     .schedulers(1)
///     .shutdown_timeout(Duration::from_millis(50))
///     .start()?;
/// let (release, wait) = mpsc::channel();
/// let stuck = node.spawn(Stuck(wait))?;
/// stuck.send(())?;
/// while stuck.mailbox_len() > 0 { std::thread::yield_now(); }
/// std::thread::sleep(Duration::from_millis(10));
/// assert!(matches!(node.shutdown(), Err(ShutdownError::Timeout { remaining_actors: 1, .. })));
/// release.send(()).unwrap();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum ShutdownError {
    /// Some actors were still inside a handler when the timeout ran out.
    #[error(
        "shutdown timed out: {remaining_actors} actor(s) still running, \
         {stuck_schedulers} scheduler thread(s) left behind"
    )]
    Timeout {
        /// Actors that had not stopped.
        remaining_actors: usize,
        /// Scheduler threads that had not exited (detached, not joined).
        stuck_schedulers: usize,
    },
}

/// Why a link or a monitor could not be made.
///
/// ```
/// use foundation::{Actor, Context, LinkError, Node};
/// use std::sync::mpsc;
///
/// struct Gone;
/// impl Actor for Gone {
///     type Msg = ();
///     fn started(&mut self, ctx: &mut Context<Self>) {
///         ctx.stop();
///     }
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// struct Linker(foundation::ActorRef<Gone>, mpsc::Sender<Result<(), LinkError>>);
/// impl Actor for Linker {
///     type Msg = ();
///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
///         self.1.send(ctx.link(&self.0)).unwrap();
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let gone = node.spawn(Gone)?;
/// while gone.is_alive() {
///     std::thread::yield_now();
/// }
/// let (tx, rx) = mpsc::channel();
/// node.spawn(Linker(gone.clone(), tx))?.send(())?;
/// assert_eq!(rx.recv()?, Err(LinkError::NotAlive(gone.pid())));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The other actor had already stopped.
    #[error("{0} is not alive")]
    NotAlive(Pid),
    /// The calling context belongs to an incarnation that was killed while
    /// its handler ran; it no longer speaks for the actor.
    #[error("{0} is a stale incarnation: it was killed while this handler ran")]
    Stale(Pid),
}
