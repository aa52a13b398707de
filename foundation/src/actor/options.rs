//! [`ActorOptions`], [`Flow`] and [`Restart`]: how an actor runs, what its
//! mailbox does under load, and when its supervisor restarts it — what
//! `#[actor(...)]` declares.

use crate::mailbox::Bound;

/// How an actor runs. See [`Node::spawn_with`](crate::Node::spawn_with).
///
/// ```
/// use foundation::ActorOptions;
///
/// let options = ActorOptions::new().blocking(true).name("archiver");
/// assert!(options.blocking);
/// assert_eq!(options.name.as_deref(), Some("archiver"));
/// assert!(!ActorOptions::default().blocking);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorOptions {
    /// Run on a thread of its own instead of the scheduler threads, so its
    /// handlers may block (file or network I/O, a blocking `call`) without
    /// holding up other actors — the BEAM's dirty schedulers. Same API
    /// otherwise.
    pub blocking: bool,
    /// A name to register the actor under in the node's
    /// [`ProcessRegistry`](crate::ProcessRegistry) before it first runs (so its `started` hook and
    /// everyone else can find it at once). The spawn fails if the name is
    /// taken. Like any registered name it follows the actor through
    /// supervised restarts and is released when the actor stops for good.
    pub name: Option<String>,
    /// Trap exits from the start of every incarnation, as if its `started`
    /// hook began with [`Context::trap_exit`](crate::Context::trap_exit)`(true)` — but already while
    /// it waits to run, so an exit signal from a link made at spawn
    /// ([`Context::spawn_link`](crate::Context::spawn_link)) reaches [`Actor::on_exit`](crate::Actor::on_exit) rather than
    /// stopping it.
    pub trap_exit: bool,
    /// What the mailbox does with more messages than the actor keeps up
    /// with: see [`Flow`].
    pub flow: Flow,
    /// The bound of a [`Flow::Manual`] mailbox: at most this many messages
    /// queued, `1 ..= 2^30`. `None`: [`ActorOptions::DEFAULT_MAILBOX`].
    /// Only for `Manual`; on an `Automatic` mailbox the spawn is refused
    /// ([`SpawnError::InvalidOptions`](crate::SpawnError::InvalidOptions)).
    pub mailbox: Option<u32>,
}

impl ActorOptions {
    /// The bound of a [`Flow::Manual`] mailbox when
    /// [`ActorOptions::mailbox`] is not given.
    ///
    /// ```
    /// use foundation::{ActorOptions, Flow};
    ///
    /// let options = ActorOptions::new().flow(Flow::Manual);
    /// assert_eq!(options.mailbox, None); // holds DEFAULT_MAILBOX at spawn
    /// assert_eq!(ActorOptions::DEFAULT_MAILBOX, 1024);
    /// ```
    pub const DEFAULT_MAILBOX: u32 = 1024;

    /// The defaults: a scheduled (non-blocking) actor.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`ActorOptions::flow`]. See [`Flow`] for an example.
    pub fn flow(mut self, flow: Flow) -> Self {
        self.flow = flow;
        self
    }

    /// Sets [`ActorOptions::mailbox`]. See [`Flow`] for an example.
    pub fn mailbox(mut self, bound: u32) -> Self {
        self.mailbox = Some(bound);
        self
    }

    /// The mailbox bound these options give, or why they cannot.
    #[inline]
    pub(crate) fn bound(&self) -> Result<Bound, crate::SpawnError> {
        if self.flow == Flow::Automatic && self.mailbox.is_none() {
            return Ok(Bound::UNBOUNDED);
        }
        self.checked_bound()
    }

    #[cold]
    fn checked_bound(&self) -> Result<Bound, crate::SpawnError> {
        let invalid = |reason: String| crate::SpawnError::InvalidOptions {
            field: "mailbox",
            reason,
        };
        match (self.flow, self.mailbox) {
            (Flow::Automatic, None) => Ok(Bound::UNBOUNDED),
            (Flow::Automatic, Some(n)) => Err(invalid(format!(
                "a mailbox size ({n}) is the bound of a `manual` mailbox; an `automatic` one takes none"
            ))),
            (Flow::Manual, n) => {
                let n = n.unwrap_or(Self::DEFAULT_MAILBOX);
                if (1..=Bound::MAX).contains(&n) {
                    Ok(Bound::at_most(n))
                } else {
                    Err(invalid(format!(
                        "a `manual` mailbox holds 1 to {} messages, not {n}",
                        Bound::MAX
                    )))
                }
            }
        }
    }

    /// Sets [`ActorOptions::blocking`].
    pub fn blocking(mut self, blocking: bool) -> Self {
        self.blocking = blocking;
        self
    }

    /// Sets [`ActorOptions::name`].
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, Node, SpawnError};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let first = node.spawn_with(Idle, ActorOptions::new().name("unique"))?;
    /// assert_eq!(node.registry().lookup("unique"), Some(first.pid()));
    /// let second = node.spawn_with(Idle, ActorOptions::new().name("unique"));
    /// assert!(matches!(second, Err(SpawnError::Name { .. })));
    /// assert_eq!(node.actor_count(), 1); // the refused one never ran
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets [`ActorOptions::trap_exit`].
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, ActorRef, Context, ExitReason, Node, Pid};
    /// use std::sync::mpsc;
    ///
    /// struct Doomed;
    /// impl Actor for Doomed {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         panic!("doomed")
    ///     }
    /// }
    ///
    /// /// Links itself to `doomed` and hears of its end.
    /// struct Watcher(ActorRef<Doomed>, mpsc::Sender<ExitReason>);
    /// impl Actor for Watcher {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.link(&self.0).unwrap();
    ///         self.0.send(()).unwrap();
    ///     }
    ///     fn on_exit(&mut self, _: Pid, reason: ExitReason, _: &mut Context<Self>) {
    ///         self.1.send(reason).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let doomed = node.spawn(Doomed)?;
    /// let options = ActorOptions::new().trap_exit(true);
    /// let watcher = node.spawn_with(Watcher(doomed, tx), options)?;
    /// watcher.send(())?;
    /// assert_eq!(rx.recv()?, ExitReason::Panic("doomed".into()));
    /// assert!(watcher.is_alive());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trap_exit(mut self, trap: bool) -> Self {
        self.trap_exit = trap;
        self
    }
}

/// What an actor's mailbox does when messages arrive faster than the actor
/// handles them: flow control, a property of the receiver (ADR 0007).
///
/// - [`Flow::Automatic`] (the default): the mailbox takes every message.
/// - [`Flow::Manual`]: it holds at most [`ActorOptions::mailbox`] messages;
///   past that, a send is refused with [`SendError::Full`](crate::SendError::Full), which hands the
///   message back, and [`ActorRef::send_timeout`](crate::ActorRef::send_timeout) waits for room.
///
/// `#[actor(flow = "manual", mailbox = 64)]` declares it.
///
/// ```
/// use foundation::{Actor, ActorOptions, Context, Flow, Node, SendError};
/// use std::sync::mpsc;
///
/// /// Holds its first message until told to go on, so its mailbox fills.
/// struct Slow {
///     entered: mpsc::Sender<()>,
///     gate: mpsc::Receiver<()>,
/// }
/// impl Actor for Slow {
///     type Msg = u32;
///     fn handle(&mut self, _: u32, _: &mut Context<Self>) {
///         let _ = self.entered.send(());
///         let _ = self.gate.recv();
///     }
/// }
///
/// let node = Node::builder().schedulers(2).start()?;
/// let (entered, entered_rx) = mpsc::channel();
/// let (go, gate) = mpsc::channel();
/// let options = ActorOptions::new().flow(Flow::Manual).mailbox(2);
/// let slow = node.spawn_with(Slow { entered, gate }, options)?;
/// slow.send(0)?;
/// entered_rx.recv()?; // 0 is being handled
/// slow.send(1)?;
/// slow.send(2)?; // two queued: full
/// assert_eq!(slow.send(3), Err(SendError::Full(3)), "the message comes back");
/// drop(go);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flow {
    /// Unbounded: every message is queued. (The high and low watermarks
    /// of ADR 0007, muting the senders of an overloaded actor, are not
    /// built yet: an automatic mailbox grows as long as senders send.)
    #[default]
    Automatic,
    /// Bounded: at most [`ActorOptions::mailbox`] messages are queued
    /// ([`ActorOptions::DEFAULT_MAILBOX`] by default). A send to a full
    /// mailbox never waits: `send` and `try_send` return
    /// [`SendError::Full`](crate::SendError::Full) with the message;
    /// [`ActorRef::send_timeout`](crate::ActorRef::send_timeout) waits for
    /// room (off scheduler threads). Signals, request replies and the
    /// notices the runtime sends on the actor's behalf (timers it set,
    /// subscriptions it made) are not counted against the bound.
    Manual,
}

/// When a child is restarted. See [`Strategy`](crate::Strategy) for an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Restart {
    /// Always.
    #[default]
    Permanent,
    /// Only after an abnormal exit (not [`ExitReason::Normal`](crate::ExitReason::Normal) or
    /// [`ExitReason::Shutdown`](crate::ExitReason::Shutdown)).
    Transient,
    /// Never; the child is forgotten once it exits.
    Temporary,
}
