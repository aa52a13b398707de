//! Links and monitors, as the cell keeps them: per incarnation, in the
//! control block; exit and down signals arriving; trapping exits.

use core::sync::atomic::Ordering::{AcqRel, Acquire};

use super::*;
use crate::actor::Actor;
use crate::exit::{Down, ExitReason, MonitorRef};
use crate::pid::Pid;
use crate::scheduler::WakeKind;
use crate::sync::lock;
use crate::task::Task;

impl<A: Actor> ActorCell<A> {
    /// Runs `f` on the current incarnation's control block, creating it.
    /// `None` if `incarnation` is not current (it stopped, or was replaced).
    pub(super) fn with_control<R>(
        &self,
        incarnation: u32,
        f: impl FnOnce(&mut Control) -> R,
    ) -> Option<R> {
        let mut control = lock(&self.control);
        // Checked under the lock: `die` sets STOPPED before it takes the
        // block under the same lock, so nothing is added after the take.
        if !self.state.is_current(incarnation) {
            return None;
        }
        Some(f(control.get_or_insert_with(Default::default)))
    }

    /// Whether this cell traps exits now.
    pub(super) fn traps_exits(&self) -> bool {
        self.signals.load(Acquire) & TRAP_EXIT != 0
    }

    pub(crate) fn set_trap_exit(&self, trap: bool) {
        if trap {
            self.signals.fetch_or(TRAP_EXIT, AcqRel);
        } else {
            self.signals.fetch_and(!TRAP_EXIT, AcqRel);
        }
    }

    pub(super) fn exit_signal(&self, to: Pid, from: Pid, reason: &ExitReason) -> bool {
        let trapped = {
            let mut control = lock(&self.control);
            if !self.state.is_current(to.incarnation()) {
                return false;
            }
            let Some(control) = control.as_mut() else {
                return false;
            };
            let Some(at) = control.links.iter().position(|(p, _)| *p == from) else {
                // Unlinked meanwhile: the link's signal is void.
                return false;
            };
            control.links.swap_remove(at);
            if self.traps_exits() {
                true
            } else if reason == &ExitReason::Normal {
                return true; // ignored, as in Erlang
            } else {
                control
                    .pending_exit
                    .get_or_insert_with(|| ExitReason::Linked(from, Box::new(reason.clone())));
                self.signals.fetch_or(SIG_EXIT, AcqRel);
                false
            }
        };
        if trapped {
            let signal = Signal::Exit {
                incarnation: to.incarnation(),
                from,
                reason: reason.clone(),
            };
            return self
                .deliver_envelope(Envelope::Signal(Box::new(signal)))
                .is_ok();
        }
        if self.state.notify_signal() {
            self.wake(WakeKind::Spawn);
        }
        true
    }

    pub(super) fn down_signal(&self, to: Pid, down: Down) -> bool {
        if !self.state.is_current(to.incarnation()) {
            return false;
        }
        let signal = Signal::Down {
            incarnation: to.incarnation(),
            down,
        };
        self.deliver_envelope(Envelope::Signal(Box::new(signal)))
            .is_ok()
    }

    pub(super) fn add_link(&self, me: Pid, other: Pid, task: Task) -> bool {
        self.with_control(me.incarnation(), |c| {
            if !c.links.iter().any(|(p, _)| *p == other) {
                c.links.push((other, task));
            }
        })
        .is_some()
    }

    pub(super) fn remove_link(&self, me: Pid, other: Pid) {
        self.with_control(me.incarnation(), |c| {
            c.links.retain(|(p, _)| *p != other);
        });
    }

    pub(super) fn add_monitor(
        &self,
        me: Pid,
        monitor: MonitorRef,
        watcher: Pid,
        task: Task,
    ) -> bool {
        self.with_control(me.incarnation(), |c| {
            c.monitors.push((monitor, watcher, task));
        })
        .is_some()
    }

    pub(super) fn remove_monitor(&self, me: Pid, monitor: MonitorRef) {
        self.with_control(me.incarnation(), |c| {
            c.monitors.retain(|(m, _, _)| *m != monitor);
        });
    }
}
