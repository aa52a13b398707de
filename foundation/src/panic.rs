//! Quiet, reported panics.
//!
//! A panicking handler is caught (`catch_unwind`) and stops its actor. What
//! would otherwise print a raw message on stderr, once per crash, goes to the
//! node's reporting instead: one chained panic hook, installed once per
//! process, reports panics raised while an actor runs as a `tracing` error
//! event (target `foundation::panic`, with the pid and the location) — or,
//! with no subscriber installed, as one line on stderr — and passes every
//! other panic to the hook that was there before.
//!
//! A hook set by the program *after* a node started replaces this one, and
//! actor panics are then printed by that hook; they are still caught.

use core::cell::Cell;
use std::any::Any;
use std::panic;
use std::sync::Once;

use crate::pid::Pid;
use crate::task::Runnable;

/// The actor whose code a thread is running.
#[derive(Clone, Copy)]
struct Running {
    pid: Pid,
    /// Its cell, alive while the scope is entered (see [`ActorScope::enter`]).
    actor: *const dyn Runnable,
}

thread_local! {
    /// The actor whose code this thread is running, if any.
    static RUNNING_ACTOR: Cell<Option<Running>> = const { Cell::new(None) };
}

/// Installs the chained hook, once per process.
pub(crate) fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let running = RUNNING_ACTOR.try_with(Cell::get).ok().flatten();
            if CATCHING.try_with(Cell::get).ok().flatten() == Some(running.map(|r| r.pid)) {
                // Caught by `ErrorContext::with_context`, which turns it
                // into an `Error`: the code's answer, not a crash.
                tracing::debug!(
                    target: "foundation::panic",
                    "a panic caught by with_context: {}",
                    payload_text(info.payload())
                );
                return;
            }
            match RUNNING_ACTOR.try_with(Cell::get).ok().flatten() {
                Some(Running { pid, .. }) => {
                    let location = info
                        .location()
                        .map(|l| l.to_string())
                        .unwrap_or_else(|| "<unknown>".to_string());
                    let text = payload_text(info.payload());
                    crate::report::visible!(
                        error,
                        target: "foundation::panic",
                        { %pid, %location, },
                        "actor {pid} panicked at {location}: {text}"
                    );
                }
                None => previous(info),
            }
        }));
    });
}

thread_local! {
    /// Inside a `with_context`: the actor this thread was running when it
    /// began (`Some(None)`: none).
    static CATCHING: Cell<Option<Option<Pid>>> = const { Cell::new(None) };
}

/// Marks this thread as inside a `with_context` until dropped: a panic
/// raised meanwhile by the same code is caught there and is not reported
/// as a crash (the hook is installed, so it can tell). An actor run inside
/// it (a call from a plain thread runs an idle actor there, ADR 0010) is
/// another actor's code: its panics are reported as usual.
pub(crate) struct CatchScope(Option<Option<Pid>>);

impl CatchScope {
    pub(crate) fn enter() -> Self {
        install_hook();
        let running = RUNNING_ACTOR.with(Cell::get).map(|r| r.pid);
        CatchScope(CATCHING.with(|c| c.replace(Some(running))))
    }
}

impl Drop for CatchScope {
    fn drop(&mut self) {
        CATCHING.with(|c| c.set(self.0));
    }
}

/// Marks this thread as running `pid`'s code until dropped.
pub(crate) struct ActorScope {
    outer: Option<Running>,
    /// The run set up its memory (ADR 0009: the account's tag, in a
    /// thread-local), which ends with the scope.
    pub(crate) memory: bool,
}

impl ActorScope {
    /// # Safety
    ///
    /// `actor` stays alive until the scope is dropped (the run loop holds
    /// an `Arc` of it for longer).
    #[inline]
    pub(crate) unsafe fn enter(pid: Pid, actor: *const dyn Runnable) -> Self {
        ActorScope {
            outer: RUNNING_ACTOR.with(|c| c.replace(Some(Running { pid, actor }))),
            memory: false,
        }
    }
}

/// Whether this thread is running an actor's code now.
#[inline]
pub(crate) fn in_actor() -> bool {
    RUNNING_ACTOR.with(Cell::get).is_some()
}

/// Calls `f` with the actor whose code this thread is running (a send
/// from one of its handlers: flow control mutes it), or with `None`
/// outside actors.
pub(crate) fn with_running_actor<R>(f: impl FnOnce(Option<&dyn Runnable>) -> R) -> R {
    match RUNNING_ACTOR.with(Cell::get) {
        // SAFETY: `ActorScope::enter`'s contract keeps the cell alive while
        // the scope is entered, and it is (we read it from this thread's
        // current scope) for as long as `f` runs, on this thread.
        Some(running) => f(Some(unsafe { &*running.actor })),
        None => f(None),
    }
}

impl Drop for ActorScope {
    #[inline]
    fn drop(&mut self) {
        if self.memory {
            crate::memory::end_run();
        }
        RUNNING_ACTOR.with(|c| c.set(self.outer));
    }
}

/// The text of a panic payload: its message when it has one.
pub(crate) fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}
