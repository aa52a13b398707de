//! [`Context`]: what a handler knows about the actor it runs in, and what
//! it can ask of the runtime (stop, spawn, timers). Links and monitors are
//! in `links.rs`, requests in `call/request.rs`, the registries in
//! `names/mod.rs`.

use core::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::actor::{Actor, ActorOptions, ActorRef};
use crate::cell::ActorCell;
use crate::cell::spawn::spawn_on;
use crate::error::{LinkError, SendError, SpawnError};
use crate::exit::ExitReason;
use crate::pid::Pid;
use crate::task::Task;
use crate::timer::{TimerRef, TimerService};

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
    pub(crate) pid: Pid,
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
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # let node = Node::builder().schedulers(1).start()?;
    /// #[actor]
    /// struct Me;
    /// #[handlers]
    /// impl Me {
    ///     pub fn who(&self, ctx: &mut Context<Self>) -> Pid {
    ///         ctx.pid()
    ///     }
    /// }
    /// let me = node.spawn(Me)?;
    /// assert_eq!(me.who()?, me.pid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    pub(crate) fn current(&self) -> Result<Pid, LinkError> {
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

    /// A handle to this actor, to give to others.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # let node = Node::builder().schedulers(1).start()?;
    /// #[actor]
    /// #[derive(Default)]
    /// struct Countdown(u32);
    /// #[handlers]
    /// impl Countdown {
    ///     /// Counts down by sending itself a message per step: other messages
    ///     /// get their turn in between.
    ///     pub fn tick(&mut self, left: u32, ctx: &mut Context<Self>) {
    ///         self.0 = left;
    ///         if left > 0 {
    ///             let _ = ctx.myself().tick(left - 1);
    ///         }
    ///     }
    ///     pub fn left(&self) -> u32 {
    ///         self.0
    ///     }
    /// }
    /// let countdown = node.spawn(Countdown::default())?;
    /// countdown.tick(3)?;
    /// # let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    /// while countdown.left()? != 0 {
    /// #     assert!(std::time::Instant::now() < deadline);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn myself(&self) -> ActorRef<A> {
        ActorRef {
            cell: Arc::clone(&self.cell),
        }
    }

    /// Stops this actor with [`ExitReason::Normal`] once the current handler
    /// returns. Messages still queued are discarded.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # let node = Node::builder().schedulers(1).start()?;
    /// #[actor]
    /// struct Job;
    /// #[handlers]
    /// impl Job {
    ///     pub fn finish(&mut self, ctx: &mut Context<Self>) {
    ///         ctx.stop(); // a normal exit, after this handler
    ///     }
    /// }
    /// let job = node.spawn(Job)?;
    /// job.finish()?;
    /// # let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    /// while job.is_alive() {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now();
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stop(&mut self) {
        self.stop.get_or_insert(ExitReason::Normal);
    }

    /// Spawns another actor on this node. It starts on this scheduler
    /// thread's queue, where any idle thread may steal it.
    ///
    /// Like every spawn, this returns before the actor's `started` hook has
    /// run; for a [`Supervisor`](crate::Supervisor) that means before its
    /// children have started (and registered their names). To go on once
    /// they have, use [`Context::start_supervisor`].
    ///
    /// # Errors
    ///
    /// [`SpawnError::NodeShutdown`] once the node is shutting down.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # let node = Node::builder().schedulers(1).start()?;
    /// #[actor]
    /// struct Helper;
    /// #[handlers]
    /// impl Helper {
    ///     pub fn help(&self) -> u32 { 42 }
    /// }
    /// #[actor]
    /// struct Boss;
    /// #[handlers]
    /// impl Boss {
    ///     pub fn hire(&self, ctx: &mut Context<Self>) -> Option<ActorRef<Helper>> {
    ///         ctx.spawn(Helper).ok() // not linked: its fate is its own
    ///     }
    /// }
    /// let helper = node.spawn(Boss)?.hire()?.expect("spawned");
    /// assert_eq!(helper.help()?, 42);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn<B: Actor>(&self, actor: B) -> Result<ActorRef<B>, SpawnError> {
        spawn_on(&self.cell.shared, actor, B::options())
    }

    /// Spawns another actor on this node with `options`.
    ///
    /// # Errors
    ///
    /// As [`Node::spawn_with`](crate::Node::spawn_with).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # let node = Node::builder().schedulers(1).start()?;
    /// #[actor]
    /// struct Helper;
    /// #[handlers]
    /// impl Helper {}
    /// #[actor]
    /// struct Boss;
    /// #[handlers]
    /// impl Boss {
    ///     pub fn hire(&self, n: u32, ctx: &mut Context<Self>) -> Option<ActorRef<Helper>> {
    ///         ctx.spawn_with(Helper, ActorOptions::new().name(format!("helper-{n}"))).ok()
    ///     }
    /// }
    /// let helper = node.spawn(Boss)?.hire(1)?.expect("spawned");
    /// assert_eq!(node.registry().lookup("helper-1"), Some(helper.pid()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn spawn_with<B: Actor>(
        &self,
        actor: B,
        options: ActorOptions,
    ) -> Result<ActorRef<B>, SpawnError> {
        spawn_on(&self.cell.shared, actor, options)
    }

    /// Sends `msg` to this actor after `delay` (on the node's clock). To a
    /// bounded ([`Flow::Manual`](crate::Flow::Manual)) mailbox it is
    /// delivered even when full: it was accepted when the timer was set.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// use foundation::ManualClock;
    /// use std::time::Duration;
    ///
    /// #[actor]
    /// #[derive(Default)]
    /// struct Reminder { rung: bool }
    /// #[handlers]
    /// impl Reminder {
    ///     /// A call, so the timer is set when it returns.
    ///     pub fn arm(&mut self, ctx: &mut Context<Self>) -> bool {
    ///         ctx.send_after(Duration::from_secs(60), ReminderMsg::Ring).is_pending()
    ///     }
    ///     pub fn ring(&mut self) { self.rung = true; }
    ///     pub fn rung(&self) -> bool { self.rung }
    /// }
    /// let clock = ManualClock::new();
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// let reminder = node.spawn(Reminder::default())?;
    /// assert!(reminder.arm()?);
    /// clock.advance(Duration::from_secs(60));
    /// # let deadline = std::time::Instant::now() + Duration::from_secs(10);
    /// while !reminder.rung()? {
    /// #     assert!(std::time::Instant::now() < deadline);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send_after(&self, delay: Duration, msg: A::Msg) -> TimerRef {
        send_after_on(&self.cell.shared.timers, self.myself(), delay, msg)
    }

    /// Sends `make()` to this actor every `period` (the first after one
    /// period), until cancelled or until the actor stops. When ticks are
    /// missed (the node was busy, or a manual clock jumped), one fires and
    /// the next comes a period later: missed ticks are not made up in a
    /// burst. A period too long for the clock (`Duration::MAX`) never fires.
    /// A tick that finds a bounded ([`Flow::Manual`](crate::Flow::Manual))
    /// mailbox full is skipped, the interval going on.
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
    ///         ctx.send_interval(Duration::from_secs(1), || ()).expect("not zero");
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
    /// for _ in 0..3 {
    ///     clock.advance(Duration::from_secs(1));
    /// }
    /// assert_eq!((rx.recv()?, rx.recv()?, rx.recv()?), (1, 2, 3));
    /// // Ten periods at once: one tick, not ten.
    /// clock.advance(Duration::from_secs(10));
    /// assert_eq!(rx.recv()?, 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`TimerError::ZeroPeriod`](crate::TimerError::ZeroPeriod) for a
    /// period of zero, which would fire as fast as the timer thread can
    /// loop and starve every other timer of the node.
    pub fn send_interval(
        &self,
        period: Duration,
        mut make: impl FnMut() -> A::Msg + Send + 'static,
    ) -> Result<TimerRef, crate::TimerError> {
        if period.is_zero() {
            return Err(crate::TimerError::ZeroPeriod);
        }
        let target = self.myself();
        Ok(self.cell.shared.timers.add(
            period,
            Some(period),
            // A tick refused for capacity — a full bounded mailbox, an
            // overloaded automatic one, an empty credit pool — is skipped
            // (the next one comes a period later): ticks are a pace, not a
            // backlog. The interval stops only with the actor.
            Box::new(move || match target.send(make()) {
                Ok(()) => true,
                Err(SendError::Closed(_)) => false,
                Err(_) => {
                    tracing::debug!(pid = %target.pid(), "an interval tick was refused for capacity and skipped");
                    true
                }
            }),
        ))
    }

    /// The clock of the node this actor runs on ([`Node::now`](crate::Node::now)).
    ///
    /// ```
    /// use foundation::{Actor, Context, ManualClock, Node};
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    ///
    /// struct Stamp(mpsc::Sender<Duration>);
    /// impl Actor for Stamp {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         self.0.send(ctx.now()).unwrap();
    ///     }
    /// }
    ///
    /// let clock = ManualClock::new();
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// clock.advance(Duration::from_millis(5));
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Stamp(tx))?.send(())?;
    /// assert_eq!(rx.recv()?, Duration::from_millis(5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn now(&self) -> Duration {
        self.cell.shared.timers.now()
    }

    /// The configuration of the node this actor runs on
    /// ([`Node::config`](crate::Node::config)).
    ///
    /// ```
    /// use foundation::config::{Config, Setting};
    /// use foundation::{Actor, Context, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Greeter(mpsc::Sender<String>);
    /// impl Actor for Greeter {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), ctx: &mut Context<Self>) {
    ///         self.0.send(ctx.config().get("greeting").unwrap()).unwrap();
    ///     }
    /// }
    ///
    /// let config = Config::builder().setting(Setting::new("greeting", "hello")).build()?;
    /// let node = Node::builder().schedulers(1).config(config).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.spawn(Greeter(tx))?.send(())?;
    /// assert_eq!(rx.recv()?, "hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn config(&self) -> crate::config::Config {
        self.cell.shared.config.clone()
    }

    /// The name of the node this actor runs on.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// let node = Node::builder().name("edge-3").schedulers(1).start()?;
    /// #[actor]
    /// struct Where;
    /// #[handlers]
    /// impl Where {
    ///     pub fn node(&self, ctx: &mut Context<Self>) -> String {
    ///         ctx.node_name().to_string()
    ///     }
    /// }
    /// assert_eq!(node.spawn(Where)?.node()?, "edge-3");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn node_name(&self) -> &str {
        &self.cell.shared.name
    }

    /// Messages waiting in this actor's mailbox.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # let node = Node::builder().schedulers(1).start()?;
    /// #[actor]
    /// struct Batcher;
    /// #[handlers]
    /// impl Batcher {
    ///     /// How much is still waiting behind this message.
    ///     pub fn backlog(&self, ctx: &mut Context<Self>) -> usize {
    ///         ctx.mailbox_len()
    ///     }
    /// }
    /// assert_eq!(node.spawn(Batcher)?.backlog()?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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

// A timer that sends `msg` to `target` once, after `delay`.
pub(crate) fn send_after_on<A: Actor>(
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
            // Past a bounded mailbox's bound: the message was accepted
            // when the timer was set, and there is nobody to hand it back
            // to now (ADR 0007).
            if let Some(msg) = msg.take()
                && target.cell.deliver_notice(msg, |m| m).is_err()
            {
                tracing::trace!(pid = %target.pid(), "a timer fired for a stopped actor");
            }
            false
        }),
    )
}
