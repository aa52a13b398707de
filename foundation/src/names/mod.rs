//! Naming and discovery, per node: the [`ProcessRegistry`] (unique names),
//! [`ProcessGroups`] (Erlang's `pg`) and the [`ServiceRegistry`]
//! (namespaced services with health checks).
//!
//! All three name *addresses*, not incarnations: an entry points at an
//! actor's cell, so it follows a supervised child through its restarts
//! (the restarted child keeps its mailbox and its names) and is released
//! when the actor stops for good. Each actor that holds a name has a record
//! here, keyed by its pid number, listing what it holds; the cell carries a
//! `NAMED` flag, so an actor that holds nothing pays nothing when it stops.
//!
//! Adding an entry and an actor stopping race without a lock between them:
//! the adder (1) inserts the entry, (2) adds it to the actor's record,
//! (3) sets the cell's flag and then reads whether its mailbox is closed;
//! the stopping actor closes its mailbox and then reads the flag (both with
//! a `SeqCst` fence between). So either the actor sees the flag and
//! releases the record — with the entry in it — or the adder sees the
//! closed mailbox and releases it itself. Numbers are never reused (see
//! `table.rs`), so a late release cannot touch another actor's entries.

mod groups;
mod process;
mod services;

use std::sync::Arc;

use dashmap::DashMap;

pub use groups::{Broadcast, Group, GroupChange, GroupError, GroupEvent, ProcessGroups};
pub(crate) use process::register_task;
pub use process::{LookupError, NamedSendError, ProcessRegistry, RegisterError};
pub use services::{
    Health, HealthCheck, Namespace, ServiceError, ServiceFuture, ServiceInfo, ServiceOptions,
    ServiceRegistry, WaitForService,
};

use crate::exit::ExitReason;
use crate::node::Shared;
use crate::pid::Pid;
use crate::task::Task;

/// The concurrent maps of the registries: sharded, read-mostly.
type Map<K, V> = DashMap<K, V, foldhash::fast::RandomState>;

fn new_map<K: Eq + core::hash::Hash, V>() -> Map<K, V> {
    DashMap::with_hasher(foldhash::fast::RandomState::default())
}

/// What one actor holds, to release when it stops for good.
#[derive(Default)]
struct Holdings {
    name: Option<Arc<str>>,
    groups: Vec<Arc<str>>,
    subscriptions: Vec<Arc<str>>,
    services: Vec<(Namespace, Arc<str>)>,
}

impl Holdings {
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.groups.is_empty()
            && self.subscriptions.is_empty()
            && self.services.is_empty()
    }
}

/// A node's names.
pub(crate) struct Names {
    processes: process::NameTable,
    groups: groups::GroupTable,
    services: services::ServiceTable,
    /// Per pid number: what that actor holds.
    holdings: Map<u64, Holdings>,
}

impl Names {
    pub(crate) fn new() -> Self {
        Names {
            processes: process::NameTable::new(),
            groups: groups::GroupTable::new(),
            services: services::ServiceTable::new(),
            holdings: new_map(),
        }
    }

    /// Adds to the record of the actor `pid` (step 2 above) and marks its
    /// cell (step 3). If it has stopped for good meanwhile, releases all it
    /// held and returns `false`.
    fn hold(&self, task: &Task, pid: Pid, add: impl FnOnce(&mut Holdings)) -> bool {
        add(&mut self.holdings.entry(pid.number()).or_default());
        if task.hold_names() {
            true
        } else {
            self.release(pid, None);
            false
        }
    }

    /// How many actors hold something.
    pub(crate) fn holders(&self) -> usize {
        self.holdings.len()
    }

    /// Changes the record of `number`, dropping it once empty.
    fn update(&self, number: u64, change: impl FnOnce(&mut Holdings)) {
        if let Some(mut holdings) = self.holdings.get_mut(&number) {
            change(&mut holdings);
        }
        self.holdings.remove_if(&number, |_, h| h.is_empty());
    }

    /// The actor `pid` stopped for good (`reason`; `None` when an adder
    /// found it stopped): every entry it holds goes.
    pub(crate) fn release(&self, pid: Pid, reason: Option<&ExitReason>) {
        let Some((number, holdings)) = self.holdings.remove(&pid.number()) else {
            return;
        };
        if let Some(name) = holdings.name {
            self.processes.remove_if_held(&name, number);
        }
        let change = match reason {
            Some(reason) => GroupChange::Exited(reason.clone()),
            None => GroupChange::Left,
        };
        for group in holdings.groups {
            self.groups.remove_member(&group, pid, change.clone());
        }
        for group in holdings.subscriptions {
            self.groups.remove_subscriber(&group, number);
        }
        for (namespace, name) in holdings.services {
            self.services.remove_if_held(&namespace, &name, number);
        }
    }

    /// The node has shut down: waiters fail, and every entry goes (they
    /// hold actors, which hold the node).
    pub(crate) fn shutdown(&self) {
        self.services.shutdown();
        self.processes.clear();
        self.groups.clear();
        self.holdings.clear();
    }
}

/// The live actor `pid` on the node behind `shared`: its current (or, while
/// it waits for a restart, its last) incarnation, not stopped for good.
fn resolve(shared: &Shared, pid: Pid) -> Option<Task> {
    if pid.node() != shared.id {
        return None;
    }
    let task = shared.actors.get(pid.number())?;
    (task.latest_pid() == pid && !task.is_retired()).then_some(task)
}

/// An actor handle from a type-erased one, if `A` is its type.
fn downcast<A: crate::Actor>(task: Task) -> Option<crate::ActorRef<A>> {
    crate::ActorRef::from_any(task)
}
