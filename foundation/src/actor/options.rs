//! [`ActorOptions`], [`Flow`] and [`Restart`]: how an actor runs, what its
//! mailbox does under load, and when its supervisor restarts it — what
//! `#[actor(...)]` declares.

use std::time::Duration;

use crate::mailbox::Bound;
use crate::memory::MemoryStrategy;

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
    /// The size of the mailbox, `1 ..= 2^27` messages: for
    /// [`Flow::Manual`], its bound (at most this many queued); for
    /// [`Flow::Automatic`], its high watermark (senders are held back above
    /// it, until it drains to half of it). `None`: the default of the
    /// mode, [`ActorOptions::DEFAULT_MAILBOX`] or
    /// [`ActorOptions::DEFAULT_HIGH_WATERMARK`]. Out of range, the spawn is
    /// refused ([`SpawnError::InvalidOptions`](crate::SpawnError::InvalidOptions)).
    pub mailbox: Option<u32>,
    /// How its memory is treated (see [`crate::memory`]):
    /// [`MemoryStrategy::Isolated`] by default.
    pub memory: MemoryStrategy,
    /// At most this many bytes (its memory figure, see
    /// [`ActorRef::memory`](crate::ActorRef::memory)), checked when each
    /// handler returns: over it, the actor stops with
    /// [`ExitReason::MemoryLimit`](crate::ExitReason::MemoryLimit). Needs
    /// the [`AccountingAllocator`](crate::memory::AccountingAllocator);
    /// without it the limit cannot be checked, and the spawn says so once
    /// per node (a `tracing` warning, target `foundation::memory`). Zero is
    /// refused ([`SpawnError::InvalidOptions`](crate::SpawnError::InvalidOptions)).
    pub max_heap: Option<u64>,
    /// A [`MemoryStrategy::GcOptimized`] actor hibernates after this long
    /// without a message (on the node's clock; looked at by the node's
    /// memory monitor, at a quarter of the shortest `hibernate_after`, 5 ms
    /// to 1 s). Refused for other strategies.
    pub hibernate_after: Option<Duration>,
    /// A [`MemoryStrategy::GcOptimized`] actor hibernates once its mailbox
    /// is empty after every this many messages. Refused for other
    /// strategies, and when zero.
    pub hibernate_every: Option<u32>,
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

    /// The high watermark of a [`Flow::Automatic`] mailbox when
    /// [`ActorOptions::mailbox`] is not given: past 65,536 queued messages
    /// its senders are held back, until it drains to 32,768 (see
    /// [`Flow::Automatic`] for what that bounds and why this number).
    ///
    /// ```
    /// use foundation::ActorOptions;
    ///
    /// assert_eq!(ActorOptions::DEFAULT_HIGH_WATERMARK, 65_536);
    /// // A mark of a million, for an actor meant to absorb bursts:
    /// let options = ActorOptions::new().mailbox(1 << 20);
    /// assert_eq!(options.mailbox, Some(1 << 20));
    /// ```
    pub const DEFAULT_HIGH_WATERMARK: u32 = 1 << 16;

    /// The defaults: a scheduled (non-blocking) actor.
    ///
    /// ```
    /// use foundation::ActorOptions;
    ///
    /// let options = ActorOptions::new();
    /// assert!(!options.blocking && !options.trap_exit && options.name.is_none());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`ActorOptions::flow`]. See [`Flow`] for an example.
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, Flow, Node, SendError};
    ///
    /// struct Sink;
    /// impl Actor for Sink {
    ///     type Msg = u32;
    ///     fn handle(&mut self, _: u32, _: &mut Context<Self>) {
    ///         std::thread::sleep(std::time::Duration::from_millis(5));
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let bounded = node.spawn_with(Sink, ActorOptions::new().flow(Flow::Manual).mailbox(1))?;
    /// let refused = (0..100).map(|n| bounded.send(n)).find(|sent| sent.is_err());
    /// assert!(matches!(refused, Some(Err(SendError::Full(_)))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn flow(mut self, flow: Flow) -> Self {
        self.flow = flow;
        self
    }

    /// Sets [`ActorOptions::mailbox`]: the bound of a manual mailbox, the
    /// high watermark of an automatic one. See [`Flow`] for an example.
    ///
    /// ```
    /// use foundation::{ActorOptions, Flow};
    ///
    /// // An automatic mailbox whose senders are held back above 1,024 messages.
    /// let options = ActorOptions::new().mailbox(1024);
    /// assert_eq!(options.flow, Flow::Automatic);
    /// assert_eq!(options.mailbox, Some(1024));
    /// ```
    pub fn mailbox(mut self, size: u32) -> Self {
        self.mailbox = Some(size);
        self
    }

    /// The mailbox bound these options give, or why they cannot.
    #[inline]
    pub(crate) fn bound(&self) -> Result<Bound, crate::SpawnError> {
        if self.flow == Flow::Automatic && self.mailbox.is_none() {
            return Ok(Bound::high_mark(Self::DEFAULT_HIGH_WATERMARK));
        }
        self.checked_bound()
    }

    /// The size of the credit pool these options give a `credit_based`
    /// mailbox (checked by [`ActorOptions::bound`]).
    #[inline]
    pub(crate) fn credit_pool(&self) -> Option<u32> {
        (self.flow == Flow::CreditBased).then(|| self.mailbox.unwrap_or(Self::DEFAULT_MAILBOX))
    }

    #[cold]
    fn checked_bound(&self) -> Result<Bound, crate::SpawnError> {
        let (n, what, make): (_, _, fn(u32) -> Bound) = match self.flow {
            Flow::Automatic => (
                self.mailbox.unwrap_or(Self::DEFAULT_HIGH_WATERMARK),
                "an `automatic` mailbox's high watermark is",
                Bound::high_mark,
            ),
            Flow::Manual => (
                self.mailbox.unwrap_or(Self::DEFAULT_MAILBOX),
                "a `manual` mailbox holds",
                Bound::at_most,
            ),
            Flow::CreditBased => (
                self.mailbox.unwrap_or(Self::DEFAULT_MAILBOX),
                "a `credit_based` mailbox's pool holds",
                Bound::credit,
            ),
        };
        if (1..=Bound::MAX).contains(&n) {
            Ok(make(n))
        } else {
            Err(crate::SpawnError::InvalidOptions {
                field: "mailbox",
                reason: format!("{what} 1 to {} messages, not {n}", Bound::MAX),
            })
        }
    }

    /// Sets [`ActorOptions::memory`].
    ///
    /// ```
    /// use foundation::memory::MemoryStrategy;
    /// use foundation::ActorOptions;
    ///
    /// let options = ActorOptions::new().memory(MemoryStrategy::Shared);
    /// assert_eq!(options.memory, MemoryStrategy::Shared);
    /// ```
    pub fn memory(mut self, strategy: MemoryStrategy) -> Self {
        self.memory = strategy;
        self
    }

    /// Sets [`ActorOptions::max_heap`], in bytes.
    ///
    /// ```
    /// use foundation::ActorOptions;
    ///
    /// let options = ActorOptions::new().max_heap(16 << 20);
    /// assert_eq!(options.max_heap, Some(16 << 20));
    /// ```
    pub fn max_heap(mut self, bytes: u64) -> Self {
        self.max_heap = Some(bytes);
        self
    }

    /// Sets [`ActorOptions::hibernate_after`].
    ///
    /// ```
    /// use foundation::memory::MemoryStrategy;
    /// use foundation::ActorOptions;
    /// use std::time::Duration;
    ///
    /// let options = ActorOptions::new()
    ///     .memory(MemoryStrategy::GcOptimized)
    ///     .hibernate_after(Duration::from_secs(30));
    /// assert_eq!(options.hibernate_after, Some(Duration::from_secs(30)));
    /// ```
    pub fn hibernate_after(mut self, idle: Duration) -> Self {
        self.hibernate_after = Some(idle);
        self
    }

    /// Sets [`ActorOptions::hibernate_every`]. See
    /// [`Actor::compact`](crate::Actor::compact) for an example.
    ///
    /// ```
    /// use foundation::ActorOptions;
    /// use foundation::memory::MemoryStrategy;
    ///
    /// let options = ActorOptions::new().memory(MemoryStrategy::GcOptimized).hibernate_every(1_000);
    /// assert_eq!(options.hibernate_every, Some(1_000));
    /// ```
    pub fn hibernate_every(mut self, messages: u32) -> Self {
        self.hibernate_every = Some(messages);
        self
    }

    /// Refuses memory options that do not go together.
    pub(crate) fn check_memory(&self) -> Result<(), crate::SpawnError> {
        let refuse = |field, reason: &str| {
            Err(crate::SpawnError::InvalidOptions {
                field,
                reason: reason.to_owned(),
            })
        };
        if self.max_heap == Some(0) {
            return refuse(
                "max_heap",
                "a limit of 0 bytes would stop the actor at once",
            );
        }
        let gc = self.memory == MemoryStrategy::GcOptimized;
        if self.hibernate_after.is_some() && !gc {
            return refuse(
                "hibernate_after",
                "only a `gc_optimized` actor hibernates (set `memory` to `MemoryStrategy::GcOptimized`)",
            );
        }
        if self.hibernate_every.is_some() && !gc {
            return refuse(
                "hibernate_every",
                "only a `gc_optimized` actor hibernates (set `memory` to `MemoryStrategy::GcOptimized`)",
            );
        }
        if self.hibernate_every == Some(0) {
            return refuse(
                "hibernate_every",
                "hibernating every 0 messages means nothing; use at least 1",
            );
        }
        Ok(())
    }

    /// Sets [`ActorOptions::blocking`].
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, Node};
    ///
    /// /// Reads files: blocks, so it gets a thread of its own.
    /// struct Reader;
    /// impl Actor for Reader {
    ///     type Msg = std::path::PathBuf;
    ///     fn handle(&mut self, path: std::path::PathBuf, _: &mut Context<Self>) {
    ///         let _ = std::fs::read(path);
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let reader = node.spawn_with(Reader, ActorOptions::new().blocking(true))?;
    /// reader.send("/nonexistent".into())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
/// - [`Flow::Automatic`] (the default): the mailbox takes messages up to
///   its high watermark ([`ActorOptions::mailbox`], 65,536 by default);
///   above it, actors that send to it are muted until it drains to half
///   the mark, and threads outside actors are refused with
///   [`SendError::Overloaded`](crate::SendError::Overloaded).
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
    /// High and low watermarks. Below the high mark (`mailbox`, by default
    /// [`ActorOptions::DEFAULT_HIGH_WATERMARK`]) every message is queued.
    /// Above it the actor is *overloaded* (a `tracing` event, target
    /// `foundation::flow`, and [`NodeStats::overloads`](crate::NodeStats::overloads)):
    ///
    /// - an actor that sends to it from a handler has its message queued,
    ///   and is *muted*: when that handler returns, it runs nothing more
    ///   (its own mailbox fills, and its senders are held back in turn)
    ///   until the overloaded actor drains to its low mark, half the high
    ///   one. An actor that is itself overloaded is never muted, so two
    ///   actors flooding each other cannot deadlock. Signals still reach a
    ///   muted actor: a kill, an exit or a shutdown unmutes it.
    /// - a thread outside actors gets
    ///   [`SendError::Overloaded`](crate::SendError::Overloaded) with its
    ///   message, at once; [`ActorRef::send_timeout`](crate::ActorRef::send_timeout)
    ///   and a blocking `call` wait for the low mark instead.
    ///
    /// **The memory bound.** The mark is looked at once per queue block
    /// (31 messages), and a muted actor finishes the handler that sent, so
    /// the mailbox holds at most
    ///
    /// ```text
    /// queued <= high + 31 + sum over sending actors of (messages it sends to
    ///           this actor in one handler) + threads sending at the instant
    ///           the mark is crossed + notices (timers, replies, signals)
    /// ```
    ///
    /// messages, each taking `size_of::<Msg>()` (rounded up, plus 8) in
    /// the queue and whatever heap it owns. A producer that sends a
    /// million messages from *one* handler call is not held back until
    /// that call returns: to be paced, produce in batches, one batch per
    /// message (see `examples/backpressure.rs`).
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
    /// Credit-based: producers send through a
    /// [`Producer`](crate::Producer) handle ([`ActorRef::producer`](crate::ActorRef::producer)),
    /// which draws credit from a fixed pool at the receiver
    /// ([`ActorOptions::mailbox`] credits, [`ActorOptions::DEFAULT_MAILBOX`]
    /// by default) and spends one per message; handled messages give their
    /// credit back, in batches. A producer without credit is refused with
    /// [`SendError::NoCredit`](crate::SendError::NoCredit) and the message,
    /// and may ask to be told when credit returns
    /// ([`Producer::notify_on_credit`](crate::Producer::notify_on_credit)) —
    /// GenStage's demand. A plain [`ActorRef::send`](crate::ActorRef::send)
    /// spends one credit straight from the pool, so there is no way
    /// around it: the queue holds at most the pool's size (plus the
    /// notices the runtime sends on the actor's own behalf, which spend
    /// credit whether or not there is any).
    CreditBased,
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
