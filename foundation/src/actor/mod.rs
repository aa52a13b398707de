//! Actors, their context, and the handles that reach them: the faces of
//! the actor cell (`cell/`), which runs them.
//!
//! - `mod.rs` (here): the [`Actor`] trait;
//! - `options.rs`: [`ActorOptions`] and [`Restart`];
//! - `context.rs`: [`Context`], a handler's view of its actor;
//! - `links.rs`: links, monitors and exit trapping from a handler;
//! - `handle.rs`: [`ActorRef`];
//! - `producer.rs`: [`Producer`], sending within a credit-based mailbox's
//!   credit.

mod context;
mod handle;
mod links;
mod options;
mod producer;

pub use context::Context;
pub(crate) use context::send_after_on;
pub use handle::ActorRef;
pub use options::{ActorOptions, Flow, Restart};
pub use producer::Producer;

use crate::exit::{Down, ExitReason};
use crate::pid::Pid;

/// A sequential state machine that handles one message at a time.
///
/// An actor owns its state; the runtime hands it messages of one type,
/// [`Actor::Msg`] (usually an enum with a variant per request), one after the
/// other, on whichever scheduler thread is free. Handlers are plain
/// synchronous functions: like a BEAM process, an actor does one thing at a
/// time, and a long computation in a handler holds one scheduler thread.
///
/// If a handler (or a hook) panics, the actor stops with
/// [`ExitReason::Panic`]; the node and every other actor go on.
///
/// # Examples
///
/// ```
/// use foundation::{Actor, Context, ExitReason, Node};
/// use std::sync::mpsc;
///
/// enum CounterMsg {
///     Add(u64),
///     Report(mpsc::Sender<u64>),
/// }
///
/// #[derive(Default)]
/// struct Counter {
///     total: u64,
/// }
///
/// impl Actor for Counter {
///     type Msg = CounterMsg;
///
///     fn handle(&mut self, msg: CounterMsg, _ctx: &mut Context<Self>) {
///         match msg {
///             CounterMsg::Add(n) => self.total += n,
///             CounterMsg::Report(to) => to.send(self.total).unwrap(),
///         }
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let counter = node.spawn(Counter::default())?;
/// counter.send(CounterMsg::Add(2))?;
/// counter.send(CounterMsg::Add(3))?;
/// let (tx, rx) = mpsc::channel();
/// counter.send(CounterMsg::Report(tx)).ok().unwrap();
/// assert_eq!(rx.recv()?, 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an actor",
    label = "not an actor",
    note = "put `#[actor]` on the struct and `#[handlers]` on an `impl` block of it, or implement `foundation::Actor` by hand"
)]
pub trait Actor: Send + Sized + 'static {
    /// The one message type this actor handles.
    type Msg: Send + 'static;

    /// Handles one message. Messages from one sender arrive in the order they
    /// were sent.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node, ReplyTo};
    ///
    /// enum Msg {
    ///     Add(u64),
    ///     Total(ReplyTo<u64>),
    /// }
    /// struct Counter(u64);
    /// impl Actor for Counter {
    ///     type Msg = Msg;
    ///     fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
    ///         match msg {
    ///             Msg::Add(n) => self.0 += n,
    ///             Msg::Total(reply) => {
    ///                 let _ = reply.reply(self.0);
    ///             }
    ///         }
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let counter = node.spawn(Counter(0))?;
    /// counter.send(Msg::Add(2))?;
    /// assert_eq!(counter.call(Msg::Total, std::time::Duration::from_secs(5))?, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn handle(&mut self, msg: Self::Msg, ctx: &mut Context<Self>);

    /// Runs once, on a scheduler thread, before the first message.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Ticker(mpsc::Sender<&'static str>);
    /// impl Actor for Ticker {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         let _ = self.0.send("message");
    ///     }
    ///     /// OTP's init: runs before any message, in every incarnation.
    ///     fn started(&mut self, ctx: &mut Context<Self>) {
    ///         let _ = self.0.send("started");
    ///         let _ = ctx.myself().send(());
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Ticker(tx))?;
    /// assert_eq!((rx.recv()?, rx.recv()?), ("started", "message"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn started(&mut self, ctx: &mut Context<Self>) {
        let _ = ctx;
    }

    /// Runs once when the actor stops, for whatever reason, before its state
    /// is dropped. (Not when a kill takes the actor while one of its
    /// handlers is stuck: the instance is then dropped when that handler
    /// returns.) What is still queued then becomes dead letters — unless a
    /// supervisor restarts the actor, whose next incarnation handles it.
    ///
    /// ```
    /// use foundation::{Actor, Context, ExitReason, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Conn(mpsc::Sender<ExitReason>);
    /// impl Actor for Conn {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    ///     /// OTP's terminate: close what the actor holds.
    ///     fn stopped(&mut self, reason: &ExitReason) {
    ///         let _ = self.0.send(reason.clone());
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Conn(tx))?.stop();
    /// assert_eq!(rx.recv()?, ExitReason::Shutdown);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn stopped(&mut self, reason: &ExitReason) {
        let _ = reason;
    }

    /// A linked actor exited while this one traps exits
    /// ([`Context::trap_exit`]). It arrives in order, after every message
    /// that actor sent. The default does nothing. See
    /// [`Context::trap_exit`] for an example.
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, ExitReason, Node, Pid};
    /// use std::sync::mpsc;
    ///
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         panic!("worker failed");
    ///     }
    /// }
    /// struct Boss(mpsc::Sender<bool>);
    /// impl Actor for Boss {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         let _ = ctx.spawn_link(Worker).and_then(|w| Ok(w.send(()).is_ok()));
    ///     }
    ///     fn on_exit(&mut self, _from: Pid, reason: ExitReason, _: &mut Context<Self>) {
    ///         let _ = self.0.send(matches!(reason, ExitReason::Panic(_)));
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let boss = node.spawn_with(Boss(tx), ActorOptions::new().trap_exit(true))?;
    /// boss.send(())?;
    /// assert!(rx.recv()?); // heard of the worker's crash, and lives on
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn on_exit(&mut self, from: Pid, reason: ExitReason, ctx: &mut Context<Self>) {
        let _ = (from, reason, ctx);
    }

    /// An actor this one monitors ([`Context::monitor`]) is gone. It arrives
    /// once, in order, after every message that actor sent. The default does
    /// nothing. See [`Context::monitor`] for an example.
    ///
    /// ```
    /// use foundation::{Actor, ActorRef, Context, Down, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Watched;
    /// impl Actor for Watched {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// struct Watcher(mpsc::Sender<ActorRef<Watched>>, mpsc::Sender<Down>);
    /// impl Actor for Watcher {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    ///     fn started(&mut self, ctx: &mut Context<Self>) {
    ///         let watched = ctx.spawn(Watched).expect("node running");
    ///         ctx.monitor(&watched).expect("just spawned");
    ///         let _ = self.0.send(watched);
    ///     }
    ///     fn on_down(&mut self, down: Down, _: &mut Context<Self>) {
    ///         let _ = self.1.send(down);
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (handles, watched) = mpsc::channel();
    /// let (downs, rx) = mpsc::channel();
    /// node.spawn(Watcher(handles, downs))?;
    /// let watched = watched.recv()?;
    /// watched.stop();
    /// assert_eq!(rx.recv()?.pid, watched.pid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn on_down(&mut self, down: Down, ctx: &mut Context<Self>) {
        let _ = (down, ctx);
    }

    /// The node is shutting down, or a supervisor stops this actor; it comes
    /// ahead of queued messages. The default stops at once with
    /// [`ExitReason::Shutdown`]; an actor that must stop in stages (a
    /// supervisor stopping its children first) does that and calls
    /// [`Context::stop_with`] when done. Whoever asked kills it if it takes
    /// too long.
    ///
    /// ```
    /// use foundation::{Actor, Context, ExitReason, Node};
    /// use std::sync::mpsc;
    ///
    /// /// Flushes what it buffered before it stops.
    /// struct Buffered(Vec<u32>, mpsc::Sender<Vec<u32>>);
    /// impl Actor for Buffered {
    ///     type Msg = u32;
    ///     fn handle(&mut self, n: u32, _: &mut Context<Self>) {
    ///         self.0.push(n);
    ///     }
    ///     fn shutdown_requested(&mut self, ctx: &mut Context<Self>) {
    ///         self.1.send(std::mem::take(&mut self.0)).unwrap();
    ///         ctx.stop_with(ExitReason::Shutdown);
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let b = node.spawn(Buffered(Vec::new(), tx))?;
    /// b.send(1)?;
    /// b.send(2)?;
    /// while b.mailbox_len() > 0 {
    ///     std::thread::yield_now();
    /// }
    /// b.stop();
    /// assert_eq!(rx.recv()?, [1, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn shutdown_requested(&mut self, ctx: &mut Context<Self>) {
        ctx.stop_with(ExitReason::Shutdown);
    }

    /// Gives back memory the actor holds but does not need now: called when
    /// a [`MemoryStrategy::GcOptimized`](crate::memory::MemoryStrategy::GcOptimized)
    /// actor hibernates — after `hibernate_after` without a message, every
    /// `hibernate_every` messages, or when its node's memory rises above a
    /// pressure threshold — with its mailbox empty. The runtime then gives
    /// back the mailbox's last queue block. The default does nothing.
    /// `#[handlers]` recognises a method of this name as this hook.
    ///
    /// ```
    /// use foundation::memory::MemoryStrategy;
    /// use foundation::{Actor, ActorOptions, Context, Node};
    /// use std::sync::mpsc;
    ///
    /// /// Caches lines, and drops the cache when it hibernates.
    /// struct Cache(Vec<String>, mpsc::Sender<usize>);
    /// impl Actor for Cache {
    ///     type Msg = String;
    ///     fn handle(&mut self, line: String, _: &mut Context<Self>) {
    ///         self.0.push(line);
    ///     }
    ///     fn compact(&mut self, _: &mut Context<Self>) {
    ///         self.1.send(self.0.len()).unwrap();
    ///         self.0 = Vec::new();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, compacted) = mpsc::channel();
    /// let options = ActorOptions::new()
    ///     .memory(MemoryStrategy::GcOptimized)
    ///     .hibernate_every(2);
    /// let cache = node.spawn_with(Cache(Vec::new(), tx), options)?;
    /// cache.send("a".into())?;
    /// cache.send("b".into())?;
    /// // Two messages taken: it compacts once its mailbox is empty.
    /// assert_eq!(compacted.recv()?, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn compact(&mut self, ctx: &mut Context<Self>) {
        let _ = ctx;
    }

    /// What kind of message `msg` is, for [dead letters](crate::DeadLetter).
    /// The default is the message type's name; `#[handlers]` generates the
    /// variant's name.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    ///
    /// enum Msg { Ok, Boom }
    /// struct Fragile;
    /// impl Actor for Fragile {
    ///     type Msg = Msg;
    ///     fn handle(&mut self, msg: Msg, _: &mut Context<Self>) {
    ///         if let Msg::Boom = msg { panic!("boom") }
    ///     }
    ///     fn message_kind(msg: &Msg) -> &'static str {
    ///         match msg { Msg::Ok => "ok", Msg::Boom => "boom" }
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let f = node.spawn(Fragile)?;
    /// f.send(Msg::Boom).ok().unwrap();
    /// while node.dead_letters().count() == 0 {
    ///     std::thread::yield_now();
    /// }
    /// assert_eq!(node.dead_letters().recent()[0].kind, "boom");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn message_kind(msg: &Self::Msg) -> &'static str {
        let _ = msg;
        core::any::type_name::<Self::Msg>()
    }

    /// The index of `msg`'s kind, from 1, for the watchdog's reports: it
    /// rides in the store the runtime makes when it enters the handler, so
    /// naming the handler costs no store of its own. 0 (the default): no
    /// named kind. `#[handlers]` generates it with
    /// [`__message_kind_at`](Actor::__message_kind_at); not part of the
    /// API (a hand-written actor's reports name its message type).
    #[doc(hidden)]
    #[inline(always)]
    fn __message_kind_index(msg: &Self::Msg) -> u32 {
        let _ = msg;
        0
    }

    /// The kind at `index` of [`__message_kind_index`](Actor::__message_kind_index).
    #[doc(hidden)]
    fn __message_kind_at(index: u32) -> Option<&'static str> {
        let _ = index;
        None
    }

    /// The options this actor is spawned with when none are given
    /// ([`Node::spawn`](crate::Node::spawn), [`Context::spawn`],
    /// [`Context::spawn_link`], [`ChildSpec::new`](crate::ChildSpec::new)).
    /// The default is [`ActorOptions::new`]; `#[actor(name = "..",
    /// blocking, trap_exit)]` generates this.
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, Node};
    ///
    /// /// There is one clock per node, registered as "clock".
    /// struct Clock;
    /// impl Actor for Clock {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    ///     fn options() -> ActorOptions {
    ///         ActorOptions::new().name("clock")
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let clock = node.spawn(Clock)?;
    /// assert_eq!(node.registry().lookup("clock"), Some(clock.pid()));
    /// assert!(node.spawn(Clock).is_err()); // the name is taken
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn options() -> ActorOptions {
        ActorOptions::new()
    }

    /// The restart type a supervisor gives this actor unless its
    /// [`ChildSpec::restart`](crate::ChildSpec::restart) says otherwise. The
    /// default is [`Restart::Permanent`](crate::Restart::Permanent);
    /// `#[actor(restart = "..")]` generates this.
    ///
    /// ```
    /// use foundation::{Actor, ChildSpec, Context, Restart};
    ///
    /// /// A job: restarted only if it fails.
    /// struct Job;
    /// impl Actor for Job {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    ///     fn restart() -> Restart {
    ///         Restart::Transient
    ///     }
    /// }
    ///
    /// let spec = ChildSpec::new("job", || Job);
    /// assert_eq!(spec.restart_type(), Restart::Transient);
    /// ```
    fn restart() -> crate::Restart {
        crate::Restart::Permanent
    }
}
