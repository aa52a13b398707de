//! Supervisors: actors that start children, watch them, and restart them
//! when they fail, following OTP's `supervisor`.
//!
//! A [`Supervisor`] is an ordinary actor. It traps exits and links to each
//! child; a child's exit reaches it in order, as a trapped exit, and it
//! decides from the child's [`Restart`] type, its [`Strategy`] and its
//! restart intensity what to do:
//!
//! | strategy | a child fails → restart |
//! |---|---|
//! | [`Strategy::OneForOne`] | that child |
//! | [`Strategy::OneForAll`] | every child (the others are stopped first, in reverse order) |
//! | [`Strategy::RestForOne`] | that child and every child started after it |
//!
//! Children start one at a time, in order (each after the previous one's
//! `started` hook returned), and stop in reverse order, each given its
//! [`Shutdown`] time before it is killed. A restarted child keeps its
//! address: the same [`ActorRef`], the same mailbox with the messages that
//! were queued for it; only its pid's incarnation changes.
//!
//! More than `max_restarts` restarts within `within` (default 3 in 5 s) and
//! the supervisor stops all its children and exits with
//! [`ExitReason::MaxRestarts`], so that its own supervisor decides.

mod actor;
mod handle;
mod info;
mod observer;
mod protocol;
mod spec;

use std::time::Duration;

pub use actor::Supervisor;
pub use handle::SupervisorRef;
pub use info::{ChildCounts, ChildInfo};
pub(crate) use observer::{ChildStatus, ChildView, Observer};
pub use protocol::SupervisorMsg;
pub(crate) use spec::spawn_and_wait;
pub use spec::{ChildSpec, StartSupervisor, SupervisorSpec};

use crate::call::reply::CallError;
use crate::error::SpawnError;
use crate::exit::ExitReason;
use crate::pid::Pid;

/// Which children restart when one fails.
///
/// ```
/// use foundation::{Actor, ChildSpec, Context, Restart, Shutdown, Strategy, Supervisor};
/// use std::time::Duration;
///
/// #[derive(Default)]
/// struct Db;
/// impl Actor for Db {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// // The cache depends on the database: if the database restarts, so does
/// // the cache (started after it); a cache crash leaves the database be.
/// let spec = Supervisor::builder()
///     .strategy(Strategy::RestForOne)
///     .intensity(10, Duration::from_secs(60))
///     .child(ChildSpec::new("db", Db::default).shutdown(Shutdown::Timeout(Duration::from_secs(1))))
///     .child(ChildSpec::new("cache", Db::default).restart(Restart::Transient))
///     .child(ChildSpec::new("probe", Db::default).restart(Restart::Temporary).shutdown(Shutdown::BrutalKill));
/// let node = foundation::Node::builder().schedulers(1).start()?;
/// let sup = spec.spawn(&node)?;
/// assert_eq!(sup.count_children()?.specs, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Only the failed child.
    #[default]
    OneForOne,
    /// Every child: the others are stopped (in reverse start order), then
    /// all are started again in order.
    OneForAll,
    /// The failed child and every child started after it.
    RestForOne,
}

/// How a child is stopped by its supervisor. See [`Strategy`] for an
/// example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// Ask it to stop ([`Actor::shutdown_requested`](crate::Actor::shutdown_requested)), and kill it if it has
    /// not stopped within this time.
    Timeout(Duration),
    /// Kill it at once.
    BrutalKill,
}

impl Default for Shutdown {
    /// Five seconds, OTP's default for workers.
    fn default() -> Self {
        Shutdown::Timeout(Duration::from_secs(5))
    }
}

/// Why a supervisor refused a request. See [`SupervisorRef`] for the
/// requests that give each.
///
/// ```
/// use foundation::SupervisorError;
///
/// let e = SupervisorError::NoSuchChild("cache".into());
/// assert_eq!(e.to_string(), "no child with id \"cache\"");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupervisorError {
    /// No child has this id.
    #[error("no child with id {0:?}")]
    NoSuchChild(String),
    /// A child with this id already exists.
    #[error("a child with id {0:?} already exists")]
    DuplicateId(String),
    /// The child is running; terminate it first.
    #[error("child {0:?} is running")]
    Running(String),
    /// The child could not be started.
    #[error("child {id:?} could not start: {reason}")]
    StartFailed {
        /// The child's id.
        id: String,
        /// What went wrong.
        reason: String,
    },
    /// The supervisor is stopping, or has stopped.
    #[error("the supervisor is stopping")]
    Stopping,
    /// The request got no answer.
    #[error("the supervisor did not answer: {0}")]
    Call(#[from] CallError),
}

/// Why a supervisor did not start: returned by [`SupervisorSpec::spawn`]
/// and handed to the continuation of [`Context::start_supervisor`](crate::Context::start_supervisor).
///
/// A supervisor starts its children in order, each after the previous one's
/// `started` hook returned; if one cannot start (its factory panics, its
/// `started` hook panics, its name is taken …), the supervisor stops the
/// children it had started, last first, and exits with
/// [`ExitReason::StartFailed`] — it does not restart anything.
///
/// ```
/// use foundation::{Actor, ChildSpec, Context, Node, StartError, Supervisor};
///
/// struct Fine;
/// impl Actor for Fine {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
/// struct Broken;
/// impl Actor for Broken {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
///     fn started(&mut self, _: &mut Context<Self>) {
///         panic!("no database");
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let started = Supervisor::builder()
///     .child(ChildSpec::new("fine", || Fine))
///     .child(ChildSpec::new("db", || Broken))
///     .spawn(&node);
/// match started {
///     Err(StartError::Child { id, reason }) => {
///         assert_eq!(id, "db");
///         assert_eq!(reason, "panic: no database");
///     }
///     other => panic!("{other:?}"),
/// }
/// // "fine" was stopped again; nothing is left running.
/// assert_eq!(node.actor_count(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, thiserror::Error)]
pub enum StartError {
    /// The supervisor itself could not be spawned (its node is shutting
    /// down …).
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    /// Child `id` could not start; the children started before it were
    /// stopped, last first, and the supervisor exited.
    #[error("child {id:?} could not start: {reason}")]
    Child {
        /// The child's id.
        id: String,
        /// Why it could not start.
        reason: String,
    },
    /// The supervisor stopped before its children had all started: it was
    /// stopped or killed, or its node began shutting down.
    #[error("the supervisor stopped before its children had started: {0}")]
    Stopped(ExitReason),
    /// The spec was refused before anything started.
    #[error("invalid supervisor spec: {0}")]
    Spec(#[from] SpecError),
    /// [`SupervisorSpec::spawn`] was called on a scheduler thread (in a
    /// handler), where waiting for the children could hold up the very
    /// thread they need: use [`Context::start_supervisor`](crate::Context::start_supervisor) there.
    #[error(
        "SupervisorSpec::spawn waits for the children to start and cannot on a scheduler thread; use Context::start_supervisor in a handler"
    )]
    OnScheduler,
}

/// What is wrong with a [`SupervisorSpec`], found by
/// [`SupervisorSpec::check`] (and so by every way of starting it).
///
/// ```
/// use foundation::{Actor, ChildSpec, Context, SpecError, Supervisor};
/// use std::time::Duration;
///
/// struct W;
/// impl Actor for W {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let twice = Supervisor::builder()
///     .child(ChildSpec::new("w", || W))
///     .child(ChildSpec::new("w", || W));
/// assert_eq!(twice.check(), Err(SpecError::DuplicateId("w".into())));
/// let never = Supervisor::builder().intensity(1, Duration::ZERO);
/// assert_eq!(never.check(), Err(SpecError::ZeroWindow));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Two children have this id (ids name children in every request).
    #[error("two children have the id {0:?}")]
    DuplicateId(String),
    /// The restart intensity's window is zero: no two restarts would ever
    /// fall in it, so the supervisor would never give up.
    #[error("the restart intensity's window (`intensity(_, within)`) is zero")]
    ZeroWindow,
    /// An [`EcosystemSpec`](crate::EcosystemSpec) is incomplete or
    /// inconsistent (no worker, an empty name …).
    #[error("ecosystem {name:?}: {problem}")]
    Ecosystem {
        /// The ecosystem's name.
        name: String,
        /// What is wrong.
        problem: String,
    },
}

/// What happens to a supervisor's children, for those who subscribed with
/// [`SupervisorRef::subscribe`] (or [`SupervisorMsg::subscribe`] from a
/// handler). Events come in order: a child's `Exited` before the `Started`
/// of its next incarnation. This is how to follow a child across restarts
/// — a monitor follows one incarnation, and between a child's exit and its
/// restart there is no incarnation to monitor ([`Context::monitor`](crate::Context::monitor) says
/// `NotAlive` then); monitor each new pid from its `Started` event instead.
///
/// ```
/// use foundation::{Actor, ChildSpec, Context, Node, Supervisor, SupervisorEvent};
/// use std::sync::mpsc;
///
/// struct Fragile;
/// impl Actor for Fragile {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
///         panic!("crash");
///     }
/// }
///
/// struct Watcher(mpsc::Sender<SupervisorEvent>);
/// impl Actor for Watcher {
///     type Msg = SupervisorEvent;
///     fn handle(&mut self, event: SupervisorEvent, _: &mut Context<Self>) {
///         self.0.send(event).unwrap();
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let sup = Supervisor::builder()
///     .child(ChildSpec::new("fragile", || Fragile))
///     .spawn(&node)?;
/// let (tx, events) = mpsc::channel();
/// sup.subscribe(node.spawn(Watcher(tx))?.recipient())?;
/// let fragile = sup.child::<Fragile>("fragile")?.unwrap();
/// fragile.send(())?;
/// assert!(matches!(events.recv()?, SupervisorEvent::Exited { id, .. } if id == "fragile"));
/// match events.recv()? {
///     SupervisorEvent::Started { id, pid, .. } => {
///         assert_eq!(id, "fragile");
///         assert_eq!(pid.incarnation(), 1);
///     }
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupervisorEvent {
    /// Child `id`'s incarnation `pid` has started: its `started` hook has
    /// returned. Sent for every start, first or restart (`restart` says
    /// which).
    Started {
        /// The supervisor.
        supervisor: Pid,
        /// The child's id.
        id: String,
        /// The new incarnation.
        pid: Pid,
        /// Whether an earlier incarnation of this child ran before.
        restart: bool,
    },
    /// Child `id`'s incarnation `pid` exited, for any reason (a stop the
    /// supervisor asked for says [`ExitReason::Shutdown`]).
    Exited {
        /// The supervisor.
        supervisor: Pid,
        /// The child's id.
        id: String,
        /// The incarnation that exited.
        pid: Pid,
        /// Why.
        reason: ExitReason,
    },
    /// The supervisor gave up: child `id` failed once more than its restart
    /// intensity allows (`max_restarts` within `within`); it stops every
    /// child and exits with [`ExitReason::MaxRestarts`].
    GaveUp {
        /// The supervisor.
        supervisor: Pid,
        /// The child whose failure was one too many.
        id: String,
        /// The intensity: at most this many restarts …
        max_restarts: u32,
        /// … within this window.
        within: Duration,
    },
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::{Actor, Context, Node, ReplyTo};
    use std::sync::mpsc;

    enum Msg {
        Block(mpsc::Sender<()>, mpsc::Receiver<()>),
        Get(ReplyTo<u32>),
        Crash,
    }

    struct Child(u32);

    impl Actor for Child {
        type Msg = Msg;
        fn handle(&mut self, msg: Msg, ctx: &mut Context<Self>) {
            match msg {
                Msg::Block(entered, latch) => {
                    entered.send(()).unwrap();
                    let _ = latch.recv();
                }
                Msg::Get(reply) => {
                    self.0 += 1;
                    let _ = reply.reply(ctx.pid().incarnation() * 100 + self.0);
                }
                Msg::Crash => panic!("crash"),
            }
        }
    }

    /// Small enough for Miri: exercises the cell's `unsafe` for restarts
    /// (the slot's instance pointer handed between incarnations) and for a
    /// kill that takes a running handler over (the instance dropped by the
    /// stuck runner, the stand-in thread).
    #[test]
    fn restart_after_a_crash_and_after_a_kill_of_a_stuck_handler() {
        let node = Node::builder()
            .schedulers(2)
            .spin_rounds(2)
            .start()
            .unwrap();
        let sup = Supervisor::builder()
            .child(ChildSpec::new("c", || Child(0)))
            .spawn(&node)
            .unwrap();
        let child = sup.child::<Child>("c").unwrap().unwrap();
        let t = Duration::from_secs(60);
        assert_eq!(child.call(Msg::Get, t), Ok(1));
        child.send(Msg::Crash).unwrap();
        assert_eq!(child.call(Msg::Get, t), Ok(101));

        let (release, latch) = mpsc::channel();
        let (entered_tx, entered) = mpsc::channel();
        child.send(Msg::Block(entered_tx, latch)).unwrap();
        entered.recv_timeout(t).unwrap(); // inside the handler
        assert!(child.kill());
        assert_eq!(
            node.stats().replaced_schedulers,
            1,
            "taken inside the handler"
        );
        assert_eq!(child.call(Msg::Get, t), Ok(201));
        release.send(()).unwrap();
        node.shutdown().unwrap();
    }
}
