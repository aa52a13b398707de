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

thread_local! {
    /// The actor whose code this thread is running, if any.
    static RUNNING_ACTOR: Cell<Option<Pid>> = const { Cell::new(None) };
}

/// Installs the chained hook, once per process.
pub(crate) fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            match RUNNING_ACTOR.try_with(Cell::get).ok().flatten() {
                Some(pid) => {
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

/// Marks this thread as running `pid`'s code until dropped.
pub(crate) struct ActorScope {
    outer: Option<Pid>,
}

impl ActorScope {
    #[inline]
    pub(crate) fn enter(pid: Pid) -> Self {
        ActorScope {
            outer: RUNNING_ACTOR.with(|c| c.replace(Some(pid))),
        }
    }
}

impl Drop for ActorScope {
    #[inline]
    fn drop(&mut self) {
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
