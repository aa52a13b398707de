//! Actors, their context, and the handles that reach them.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cell::spawn::{spawn_cell, spawn_on};
use crate::cell::{ActorCell, Envelope};
use crate::error::{LinkError, SendError, SpawnError};
use crate::exit::{Down, ExitReason, MonitorRef};
use crate::pid::Pid;
use crate::recipient::Recipient;
use crate::reply::{CallError, CallFuture, DEFAULT_CALL_TIMEOUT, ReplyTo, Slot};
use crate::scheduler;
use crate::task::{Runnable, Sink, Task};
use crate::timer::{Clock, Expiry, TimerRef, TimerService};

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
    /// [`ProcessRegistry`] before it first runs (so its `started` hook and
    /// everyone else can find it at once). The spawn fails if the name is
    /// taken. Like any registered name it follows the actor through
    /// supervised restarts and is released when the actor stops for good.
    pub name: Option<String>,
    /// Trap exits from the start of every incarnation, as if its `started`
    /// hook began with [`Context::trap_exit`]`(true)` — but already while
    /// it waits to run, so an exit signal from a link made at spawn
    /// ([`Context::spawn_link`]) reaches [`Actor::on_exit`] rather than
    /// stopping it.
    pub trap_exit: bool,
}

impl ActorOptions {
    /// The defaults: a scheduled (non-blocking) actor.
    pub fn new() -> Self {
        Self::default()
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

/// A timer that sends `msg` to `target` once, after `delay`.
fn send_after_on<A: Actor>(
    timers: &TimerService,
    target: ActorRef<A>,
    delay: Duration,
    msg: A::Msg,
) -> TimerRef {
    let mut msg = Some(msg);
    timers.add(
        delay,
        None,
        Box::new(move || {
            if let Some(msg) = msg.take()
                && target.send(msg).is_err()
            {
                tracing::trace!(pid = %target.pid(), "a timer fired for a stopped actor");
            }
            false
        }),
    )
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
        Clock::System => Some(Instant::now() + timeout),
        Clock::Manual(_) => {
            arm_timeout(timers, slot, timeout);
            None
        }
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
    fn handle(&mut self, msg: Self::Msg, ctx: &mut Context<Self>);

    /// Runs once, on a scheduler thread, before the first message.
    fn started(&mut self, ctx: &mut Context<Self>) {
        let _ = ctx;
    }

    /// Runs once when the actor stops, for whatever reason, before its state
    /// is dropped. (Not when a kill takes the actor while one of its
    /// handlers is stuck: the instance is then dropped when that handler
    /// returns.) What is still queued then becomes dead letters — unless a
    /// supervisor restarts the actor, whose next incarnation handles it.
    fn stopped(&mut self, reason: &ExitReason) {
        let _ = reason;
    }

    /// A linked actor exited while this one traps exits
    /// ([`Context::trap_exit`]). It arrives in order, after every message
    /// that actor sent. The default does nothing. See
    /// [`Context::trap_exit`] for an example.
    fn on_exit(&mut self, from: Pid, reason: ExitReason, ctx: &mut Context<Self>) {
        let _ = (from, reason, ctx);
    }

    /// An actor this one monitors ([`Context::monitor`]) is gone. It arrives
    /// once, in order, after every message that actor sent. The default does
    /// nothing. See [`Context::monitor`] for an example.
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

/// What a handler knows about the actor it runs in, and what it can ask of
/// the runtime.
///
/// ```
/// use foundation::{Actor, Context, Node};
///
/// struct Parent;
/// struct Child;
///
/// impl Actor for Child {
///     type Msg = ();
///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
///         ctx.stop();
///     }
/// }
///
/// impl Actor for Parent {
///     type Msg = ();
///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
///         let child = ctx.spawn(Child).expect("node is running");
///         assert_ne!(child.pid(), ctx.pid());
///         child.send(()).unwrap();
///         ctx.stop();
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// node.spawn(Parent)?.send(())?;
/// while node.actor_count() > 0 {
///     std::thread::yield_now();
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Context<A: Actor> {
    pub(crate) cell: Arc<ActorCell<A>>,
    pid: Pid,
    pub(crate) stop: Option<ExitReason>,
}

impl<A: Actor> Context<A> {
    pub(crate) fn new(cell: Arc<ActorCell<A>>, pid: Pid) -> Self {
        Context {
            cell,
            pid,
            stop: None,
        }
    }

    /// The runner's handle of the cell, when it yields.
    pub(crate) fn into_cell(self) -> Arc<ActorCell<A>> {
        self.cell
    }

    /// This incarnation's pid.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Whether this context's incarnation is still the actor's current one.
    /// It is not once a kill took the actor while this handler was stuck:
    /// the handler may go on, but it no longer speaks for the actor (links,
    /// monitors, trapping and request continuations refuse it).
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Check(mpsc::Sender<bool>);
    /// impl Actor for Check {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         self.0.send(ctx.is_current()).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Check(tx))?.send(())?;
    /// assert!(rx.recv()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_current(&self) -> bool {
        self.cell.state.is_current(self.pid.incarnation())
    }

    /// This context's incarnation, or `Stale` if it is no longer current.
    fn current(&self) -> Result<Pid, LinkError> {
        if self.is_current() {
            Ok(self.pid)
        } else {
            Err(LinkError::Stale(self.pid))
        }
    }

    pub(crate) fn task(&self) -> Task {
        Arc::clone(&self.cell) as Task
    }

    /// Stops this actor with `reason` once the current handler returns.
    /// Linked actors and monitors learn `reason`; an abnormal one stops
    /// linked actors that do not trap exits.
    ///
    /// ```
    /// use foundation::{Actor, Context, ExitReason, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Quitter(mpsc::Sender<ExitReason>);
    /// impl Actor for Quitter {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.stop_with(ExitReason::Shutdown);
    ///     }
    ///     fn stopped(&mut self, reason: &ExitReason) {
    ///         self.0.send(reason.clone()).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Quitter(tx))?.send(())?;
    /// assert_eq!(rx.recv()?, ExitReason::Shutdown);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stop_with(&mut self, reason: ExitReason) {
        self.stop.get_or_insert(reason);
    }

    /// Traps exits (or stops trapping): an exit of a linked actor then
    /// arrives at [`Actor::on_exit`] instead of stopping this one. A kill
    /// cannot be trapped.
    ///
    /// ```
    /// use foundation::{Actor, Context, ExitReason, Node, Pid};
    /// use std::sync::mpsc;
    ///
    /// struct Doomed;
    /// impl Actor for Doomed {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         panic!("doomed");
    ///     }
    /// }
    ///
    /// struct Keeper(mpsc::Sender<(Pid, ExitReason)>);
    /// impl Actor for Keeper {
    ///     type Msg = ();
    ///     fn started(&mut self, ctx: &mut Context<Self>) {
    ///         ctx.trap_exit(true);
    ///         let doomed = ctx.spawn_link(Doomed).expect("running");
    ///         doomed.send(()).unwrap();
    ///     }
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    ///     fn on_exit(&mut self, from: Pid, reason: ExitReason, _: &mut Context<Self>) {
    ///         self.0.send((from, reason)).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let keeper = node.spawn(Keeper(tx))?;
    /// let (_, reason) = rx.recv()?;
    /// assert_eq!(reason, ExitReason::Panic("doomed".into()));
    /// assert!(keeper.is_alive());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trap_exit(&self, trap: bool) {
        if self.is_current() {
            self.cell.set_trap_exit(trap);
        }
    }

    /// Links this actor to `other`: when either exits abnormally, the other
    /// stops too with [`ExitReason::Linked`], unless it traps exits (then it
    /// hears of it in [`Actor::on_exit`]). A link binds these two
    /// incarnations and fires once. Linking twice is one link.
    ///
    /// # Errors
    ///
    /// [`LinkError::NotAlive`] if `other` has stopped;
    /// [`LinkError::Stale`] if this context's incarnation was killed.
    pub fn link<B: Actor>(&self, other: &ActorRef<B>) -> Result<(), LinkError> {
        let me = self.current()?;
        let Some(them) = other.cell.current_pid() else {
            return Err(LinkError::NotAlive(other.pid()));
        };
        if them == me {
            return Ok(());
        }
        let them_task = Arc::clone(&other.cell) as Task;
        if !Runnable::add_link(&*self.cell, me, them, Arc::clone(&them_task)) {
            return Err(LinkError::Stale(me));
        }
        if !Runnable::add_link(&*other.cell, them, me, self.task()) {
            Runnable::remove_link(&*self.cell, me, them);
            return Err(LinkError::NotAlive(them));
        }
        Ok(())
    }

    /// Removes the link to `other`, both ways; a signal of that link already
    /// on its way is void. Nothing happens if there was none.
    ///
    /// ```
    /// use foundation::{Actor, ActorRef, Context, Node};
    ///
    /// struct Doomed;
    /// impl Actor for Doomed {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         panic!("doomed");
    ///     }
    /// }
    ///
    /// struct Loner(ActorRef<Doomed>);
    /// impl Actor for Loner {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.link(&self.0).unwrap();
    ///         ctx.unlink(&self.0); // changed its mind
    ///         self.0.send(()).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let doomed = node.spawn(Doomed)?;
    /// let loner = node.spawn(Loner(doomed.clone()))?;
    /// loner.send(())?;
    /// while doomed.is_alive() {
    ///     std::thread::yield_now();
    /// }
    /// std::thread::sleep(std::time::Duration::from_millis(10));
    /// assert!(loner.is_alive());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unlink<B: Actor>(&self, other: &ActorRef<B>) {
        let Ok(me) = self.current() else { return };
        let them = other.pid();
        self.cell.remove_link(me, them);
        other.cell.remove_link(them, me);
    }

    /// Spawns `actor` linked to this one (before it first runs, so no exit
    /// can slip between). See [`Context::trap_exit`] for an example.
    ///
    /// # Errors
    ///
    /// As [`Context::spawn`].
    pub fn spawn_link<B: Actor>(&self, actor: B) -> Result<ActorRef<B>, SpawnError> {
        let me = self.pid;
        let my_task = self.task();
        let my_cell = Arc::clone(&self.cell);
        spawn_cell(&self.cell.shared, actor, B::options(), None, move |child| {
            let child_pid = child.pid();
            if my_cell.add_link(me, child_pid, Arc::clone(child) as Task) {
                child.add_link(child_pid, me, my_task);
            }
        })
    }

    /// Monitors `target`: when that incarnation exits, for any reason, this
    /// actor's [`Actor::on_down`] hears of it, once.
    ///
    /// ```
    /// use foundation::{Actor, ActorRef, Context, Down, ExitReason, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Brief;
    /// impl Actor for Brief {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.stop();
    ///     }
    /// }
    ///
    /// struct Watcher(ActorRef<Brief>, mpsc::Sender<Down>);
    /// impl Actor for Watcher {
    ///     type Msg = ();
    ///     fn started(&mut self, ctx: &mut Context<Self>) {
    ///         ctx.monitor(&self.0).expect("alive");
    ///         self.0.send(()).unwrap();
    ///     }
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    ///     fn on_down(&mut self, down: Down, _: &mut Context<Self>) {
    ///         self.1.send(down).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let brief = node.spawn(Brief)?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Watcher(brief.clone(), tx))?;
    /// let down = rx.recv()?;
    /// assert_eq!((down.pid, down.reason), (brief.pid(), ExitReason::Normal));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`LinkError::NotAlive`] if `target` has stopped;
    /// [`LinkError::Stale`] if this context's incarnation was killed.
    pub fn monitor<B: Actor>(&self, target: &ActorRef<B>) -> Result<MonitorRef, LinkError> {
        let me = self.current()?;
        let Some(them) = target.cell.current_pid() else {
            return Err(LinkError::NotAlive(target.pid()));
        };
        let monitor = MonitorRef(
            self.cell
                .shared
                .next_monitor
                .fetch_add(1, core::sync::atomic::Ordering::Relaxed),
        );
        if !target.cell.add_monitor(them, monitor, me, self.task()) {
            return Err(LinkError::NotAlive(them));
        }
        Ok(monitor)
    }

    /// Removes a monitor of `target`; a `Down` already queued still arrives.
    ///
    /// ```
    /// use foundation::{Actor, ActorRef, Context, Down, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Target;
    /// impl Actor for Target {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         ctx.stop();
    ///     }
    /// }
    ///
    /// struct Fickle(ActorRef<Target>, mpsc::Sender<Down>);
    /// impl Actor for Fickle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         let m = ctx.monitor(&self.0).unwrap();
    ///         ctx.demonitor(&self.0, m);
    ///         self.0.send(()).unwrap();
    ///     }
    ///     fn on_down(&mut self, down: Down, _: &mut Context<Self>) {
    ///         self.1.send(down).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let target = node.spawn(Target)?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Fickle(target.clone(), tx))?.send(())?;
    /// while target.is_alive() {
    ///     std::thread::yield_now();
    /// }
    /// assert!(rx.recv_timeout(std::time::Duration::from_millis(50)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn demonitor<B: Actor>(&self, target: &ActorRef<B>, monitor: MonitorRef) {
        target.cell.remove_monitor(target.pid(), monitor);
    }

    /// A handle to this actor, to give to others.
    pub fn myself(&self) -> ActorRef<A> {
        ActorRef {
            cell: Arc::clone(&self.cell),
        }
    }

    /// Stops this actor with [`ExitReason::Normal`] once the current handler
    /// returns. Messages still queued are discarded.
    pub fn stop(&mut self) {
        self.stop.get_or_insert(ExitReason::Normal);
    }

    /// Spawns another actor on this node. It starts on this scheduler
    /// thread's queue, where any idle thread may steal it.
    ///
    /// # Errors
    ///
    /// [`SpawnError::NodeShutdown`] once the node is shutting down.
    pub fn spawn<B: Actor>(&self, actor: B) -> Result<ActorRef<B>, SpawnError> {
        spawn_on(&self.cell.shared, actor, B::options())
    }

    /// Spawns another actor on this node with `options`.
    ///
    /// # Errors
    ///
    /// As [`Node::spawn_with`](crate::Node::spawn_with).
    pub fn spawn_with<B: Actor>(
        &self,
        actor: B,
        options: ActorOptions,
    ) -> Result<ActorRef<B>, SpawnError> {
        spawn_on(&self.cell.shared, actor, options)
    }

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

    /// Sends `msg` to this actor after `delay` (on the node's clock).
    pub fn send_after(&self, delay: Duration, msg: A::Msg) -> TimerRef {
        send_after_on(&self.cell.shared.timers, self.myself(), delay, msg)
    }

    /// Sends `make()` to this actor every `period` (the first after one
    /// period), until cancelled or until the actor stops.
    ///
    /// ```
    /// use foundation::{Actor, Context, ManualClock, Node};
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    ///
    /// struct Ticker(mpsc::Sender<u32>, u32);
    /// impl Actor for Ticker {
    ///     type Msg = ();
    ///     fn started(&mut self, ctx: &mut Context<Self>) {
    ///         ctx.send_interval(Duration::from_secs(1), || ());
    ///         self.0.send(0).unwrap(); // armed
    ///     }
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         self.1 += 1;
    ///         self.0.send(self.1).unwrap();
    ///     }
    /// }
    ///
    /// let clock = ManualClock::new();
    /// let node = Node::builder().clock(clock.clone()).schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Ticker(tx, 0))?;
    /// assert_eq!(rx.recv()?, 0);
    /// clock.advance(Duration::from_secs(3));
    /// assert_eq!((rx.recv()?, rx.recv()?, rx.recv()?), (1, 2, 3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send_interval(
        &self,
        period: Duration,
        mut make: impl FnMut() -> A::Msg + Send + 'static,
    ) -> TimerRef {
        let target = self.myself();
        self.cell.shared.timers.add(
            period,
            Some(period),
            Box::new(move || target.send(make()).is_ok()),
        )
    }

    /// The name of the node this actor runs on.
    pub fn node_name(&self) -> &str {
        &self.cell.shared.name
    }

    /// Messages waiting in this actor's mailbox.
    pub fn mailbox_len(&self) -> usize {
        self.cell.mailbox.len()
    }
}

impl<A: Actor> fmt::Debug for Context<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("pid", &self.pid)
            .field("stopping", &self.stop)
            .finish()
    }
}

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
    /// # Errors
    ///
    /// [`SendError::Closed`] with `msg` inside if the actor has stopped.
    #[inline]
    pub fn send(&self, msg: A::Msg) -> Result<(), SendError<A::Msg>> {
        self.cell.deliver(msg, |m| m)
    }

    /// Queues `msg` if the mailbox takes it now, never waiting. With the
    /// unbounded mailbox this is [`ActorRef::send`]; with a bounded one it
    /// returns [`SendError::Full`] instead of waiting.
    ///
    /// # Errors
    ///
    /// As [`ActorRef::send`], plus `Full` for bounded mailboxes.
    #[inline]
    pub fn try_send(&self, msg: A::Msg) -> Result<(), SendError<A::Msg>> {
        self.cell.deliver(msg, |m| m)
    }

    /// The pid of the actor's current incarnation (or, between a stop and
    /// a supervisor's restart, its last one).
    pub fn pid(&self) -> Pid {
        self.cell.pid()
    }

    /// Kills the actor: it stops with [`ExitReason::Killed`] before its next
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
    /// struct Stuck(mpsc::Receiver<()>);
    /// impl Actor for Stuck {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         let _ = self.0.recv(); // blocks until released
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (release, latch) = mpsc::channel();
    /// let stuck = node.spawn(Stuck(latch))?;
    /// stuck.send(())?;
    /// while stuck.mailbox_len() > 0 {
    ///     std::thread::yield_now();
    /// }
    /// std::thread::sleep(std::time::Duration::from_millis(10)); // inside the handler
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
    /// [`ExitReason::Shutdown`]). See [`Actor::shutdown_requested`] for an
    /// example.
    pub fn stop(&self) {
        Runnable::request_shutdown(Arc::clone(&self.cell) as Task, false);
    }

    /// Whether the actor is still running. It may stop right after this
    /// returns `true`; a send then hands the message back.
    pub fn is_alive(&self) -> bool {
        !self.cell.state.is_stopped() && !self.cell.mailbox.is_closed()
    }

    /// Messages waiting in the actor's mailbox (a snapshot).
    pub fn mailbox_len(&self) -> usize {
        self.cell.mailbox.len()
    }

    /// Sends a request and waits for its reply, at most `timeout` (on the
    /// node's clock). `make` puts the [`ReplyTo`] into the request's message.
    ///
    /// For plain threads and blocking actors: on a scheduler thread it fails
    /// at once with [`CallError::Deadlock`] (use [`Context::request`]).
    ///
    /// # Errors
    ///
    /// A [`CallError`], as soon as it is known: `Stopped` for a stopped
    /// actor, `Panicked` if the handler panics, `Dropped` if it drops the
    /// `ReplyTo`, `Timeout` when the time is up.
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
        let slot = Slot::new();
        let deadline = blocking_deadline(&self.cell.shared.timers, &slot, timeout);
        self.send_request(&slot, make);
        slot.wait_blocking(deadline)
    }

    /// Sends a request and returns a future of its reply, usable from any
    /// async runtime. The timeout runs on the node's clock.
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
        arm_timeout(&self.cell.shared.timers, &slot, timeout);
        self.send_request(&slot, make);
        CallFuture::new(slot)
    }

    /// Sends the request built by `make`; a refused send fails the slot.
    fn send_request<T: Send + 'static>(
        &self,
        slot: &Arc<Slot<T>>,
        make: impl FnOnce(ReplyTo<T>) -> A::Msg,
    ) {
        if let Err(refused) = self.send(make(ReplyTo::new(Arc::clone(slot)))) {
            // Complete first, so the `ReplyTo` inside, dropped next, says
            // nothing more.
            let _ = slot.complete(Err(CallError::Stopped));
            drop(refused);
        }
    }

    /// Sends `msg` to the actor after `delay` (on the node's clock).
    pub fn send_after(&self, delay: Duration, msg: A::Msg) -> TimerRef {
        send_after_on(&self.cell.shared.timers, self.clone(), delay, msg)
    }

    /// A handle typed by message rather than by actor: any `M` that converts
    /// into `A::Msg`. No allocation: it shares this handle's cell.
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
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sends the request. `continuation` runs on this actor, as one of its
    /// messages, with the reply or the [`CallError`] that replaced it —
    /// exactly once, unless this actor stops first.
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
