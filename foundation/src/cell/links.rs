//! Links and monitors, as the cell keeps them: per incarnation, in the
//! control block; exit and down signals arriving; trapping exits.

use core::sync::atomic::Ordering::{AcqRel, Acquire};
use std::collections::HashMap;

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
            if !control.links.remove(from) {
                // Unlinked meanwhile: the link's signal is void.
                return false;
            }
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
        self.with_control(me.incarnation(), |c| c.links.insert(other, task))
            .is_some()
    }

    pub(super) fn remove_link(&self, me: Pid, other: Pid) {
        self.with_control(me.incarnation(), |c| {
            c.links.remove(other);
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

/// An incarnation's links: a list, and once it is long (a supervisor of
/// many children) an index by pid, so that linking, unlinking and an exit
/// signal cost the same for the thousandth child as for the first.
#[derive(Default)]
pub(super) struct Links {
    list: Vec<(Pid, Task)>,
    /// Boxed: the control block of every supervised child holds a
    /// `Links`, and few are long; a `HashMap` inline would add 40 bytes to
    /// each.
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<Pid, usize>>>,
}

impl Links {
    /// Past this many links, the list is indexed.
    const INDEXED: usize = 16;

    pub(super) fn one(pid: Pid, task: Task) -> Self {
        Links {
            list: vec![(pid, task)],
            index: None,
        }
    }

    fn position(&self, pid: Pid) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(&pid).copied(),
            None => self.list.iter().position(|(p, _)| *p == pid),
        }
    }

    /// Links `pid` (once: linking twice is linking).
    fn insert(&mut self, pid: Pid, task: Task) {
        if self.position(pid).is_some() {
            return;
        }
        if let Some(index) = &mut self.index {
            index.insert(pid, self.list.len());
        }
        self.list.push((pid, task));
        if self.index.is_none() && self.list.len() > Self::INDEXED {
            self.index = Some(Box::new(
                self.list
                    .iter()
                    .enumerate()
                    .map(|(i, (p, _))| (*p, i))
                    .collect(),
            ));
        }
    }

    /// Unlinks `pid`; whether it was linked.
    fn remove(&mut self, pid: Pid) -> bool {
        let Some(at) = self.position(pid) else {
            return false;
        };
        self.list.swap_remove(at);
        if let Some(index) = &mut self.index {
            index.remove(&pid);
            if let Some((moved, _)) = self.list.get(at) {
                index.insert(*moved, at);
            }
        }
        true
    }

    /// Every link, in no particular order.
    pub(super) fn into_list(self) -> Vec<(Pid, Task)> {
        self.list
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::{Context, Node};

    struct Nop;
    impl Actor for Nop {
        type Msg = ();
        fn handle(&mut self, (): (), _: &mut Context<Self>) {}
    }

    /// Past the threshold the index must follow every `swap_remove`: each
    /// pid still linked is found, each unlinked one is not, and linking
    /// twice adds nothing.
    #[test]
    fn an_indexed_list_finds_every_link_after_removals() {
        let node = Node::builder().schedulers(1).start().unwrap();
        let actor = node.spawn(Nop).unwrap();
        let task = || Arc::clone(&actor.cell) as Task;
        let pid = |n: u64| Pid::new(1, n, 0);
        let mut links = Links::default();
        for n in 0..40 {
            links.insert(pid(n), task());
            links.insert(pid(n), task());
        }
        assert!(links.index.is_some());
        assert_eq!(links.list.len(), 40);
        // Remove in an order that moves entries from the end into holes.
        let removed: Vec<u64> = (0..40)
            .filter(|n| n % 3 == 0)
            .rev()
            .chain([1, 38])
            .collect();
        for &n in &removed {
            assert!(links.remove(pid(n)), "{n} was linked");
            assert!(!links.remove(pid(n)), "{n} is not any more");
        }
        for n in 0..40 {
            let found = links.position(pid(n));
            if removed.contains(&n) {
                assert_eq!(found, None, "{n}");
            } else {
                let at = found.unwrap_or_else(|| panic!("{n} lost"));
                assert_eq!(links.list[at].0, pid(n));
            }
        }
        assert_eq!(links.into_list().len(), 40 - removed.len());
    }
}
