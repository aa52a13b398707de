//! Why an actor stopped, and what others hear of it.

use core::fmt;

use crate::pid::Pid;

/// Why an actor stopped, handed to [`Actor::stopped`](crate::Actor::stopped),
/// to linked actors and to monitors.
///
/// Later releases add reasons, hence `#[non_exhaustive]`:
/// match with a wildcard arm.
///
/// ```
/// use foundation::ExitReason;
///
/// assert!(ExitReason::Normal.is_normal());
/// assert!(ExitReason::Shutdown.is_normal());
/// assert!(!ExitReason::Killed.is_normal());
/// assert!(!ExitReason::Panic("boom".into()).is_normal());
/// assert_eq!(ExitReason::Panic("boom".into()).to_string(), "panic: boom");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitReason {
    /// The actor stopped itself ([`Context::stop`](crate::Context::stop)).
    Normal,
    /// Its node shut down, or its supervisor stopped it.
    Shutdown,
    /// A handler or hook panicked; the text is the panic's message.
    Panic(String),
    /// It was killed ([`ActorRef::kill`](crate::ActorRef::kill), or a
    /// supervisor whose shutdown timeout ran out). A kill cannot be trapped.
    Killed,
    /// A linked actor exited abnormally and this one did not trap exits.
    Linked(Pid, Box<ExitReason>),
    /// A supervisor restarted its children more often than its restart
    /// intensity allows, stopped them, and gave up (so its own supervisor
    /// decides what happens next).
    MaxRestarts,
    /// A supervisor could not start one of its first children; it stopped
    /// the children it had started, last first, and exited with this (as
    /// OTP's `{shutdown, {failed_to_start_child, ..}}`). Boxed, so that
    /// every other exit stays small.
    StartFailed(Box<StartFailure>),
    /// A supervisor's spec was refused before it started anything (two
    /// children with one id, a zero restart window …); the text says why.
    InvalidSpec(String),
    /// The actor's memory was above its `max_heap` when a handler
    /// returned ([`ActorOptions::max_heap`](crate::ActorOptions::max_heap),
    /// checked between messages): `used` bytes, over `limit`. Abnormal,
    /// so a supervisor restarts even a transient child — in place, its
    /// queued messages kept — as Erlang's `max_heap_size` kills a process.
    MemoryLimit {
        /// The actor's bytes when it was stopped.
        used: u64,
        /// Its `max_heap`.
        limit: u64,
    },
}

impl ExitReason {
    /// `Normal` and `Shutdown` are orderly; anything else is a failure (the
    /// distinction OTP's transient restarts use).
    ///
    /// ```
    /// use foundation::ExitReason;
    ///
    /// assert!(ExitReason::Normal.is_normal());
    /// assert!(!ExitReason::Panic("boom".into()).is_normal()); // restarted by a transient spec
    /// ```
    pub fn is_normal(&self) -> bool {
        matches!(self, ExitReason::Normal | ExitReason::Shutdown)
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::Panic(text) => write!(f, "panic: {text}"),
            ExitReason::Killed => f.write_str("killed"),
            ExitReason::Linked(pid, reason) => write!(f, "linked {pid} exited: {reason}"),
            ExitReason::MaxRestarts => f.write_str("restart intensity exceeded"),
            ExitReason::StartFailed(failure) => failure.fmt(f),
            ExitReason::InvalidSpec(why) => write!(f, "invalid supervisor spec: {why}"),
            ExitReason::MemoryLimit { used, limit } => write!(
                f,
                "memory limit: {} is above max_heap {}",
                crate::memory::Usage::Bytes(*used),
                crate::memory::Usage::Bytes(*limit)
            ),
        }
    }
}

/// Which child a supervisor could not start, and why: the payload of
/// [`ExitReason::StartFailed`].
///
/// ```
/// use foundation::{ExitReason, StartFailure};
///
/// let reason = ExitReason::StartFailed(Box::new(StartFailure {
///     child: "db".into(),
///     reason: "panic: no database".into(),
/// }));
/// assert_eq!(reason.to_string(), "child \"db\" could not start: panic: no database");
/// assert!(!reason.is_normal());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartFailure {
    /// The child's id.
    pub child: String,
    /// Why it could not start.
    pub reason: String,
}

impl fmt::Display for StartFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "child {:?} could not start: {}", self.child, self.reason)
    }
}

/// Identifies one monitor, to remove it with
/// [`Context::demonitor`](crate::Context::demonitor) (which has an example).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonitorRef(pub(crate) u64);

/// A monitored actor is gone: delivered once to the monitoring actor's
/// [`Actor::on_down`](crate::Actor::on_down), after every message the dead
/// actor sent it. See [`Context::monitor`](crate::Context::monitor) for an
/// example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Down {
    /// The monitor that fired.
    pub monitor: MonitorRef,
    /// The actor (the one incarnation) that exited.
    pub pid: Pid,
    /// Why.
    pub reason: ExitReason,
}
