//! The registries' part of a node's state: the tables behind the process
//! registry, the process groups and the service registry, and per actor a
//! record of what it holds, released when it stops for good.
//!
//! These files know pids, type-erased actors and recipients, never actors'
//! types or the node: the node's shared state holds [`Names`], and the
//! typed faces (`names/process.rs`, `names/groups.rs`, `names/services/`)
//! sit above the actor layer. See `names/mod.rs` for the release protocol.

pub(crate) mod groups;
pub(crate) mod process;
pub(crate) mod services;

use std::sync::Arc;

use dashmap::DashMap;

use crate::exit::ExitReason;
use crate::pid::Pid;
use crate::task::Task;
use groups::GroupChange;
use services::Namespace;

/// The concurrent maps of the registries: sharded, read-mostly.
pub(crate) type Map<K, V> = DashMap<K, V, foldhash::fast::RandomState>;

pub(crate) fn new_map<K: Eq + core::hash::Hash, V>() -> Map<K, V> {
    DashMap::with_hasher(foldhash::fast::RandomState::default())
}

/// What one actor holds, to release when it stops for good.
#[derive(Default)]
pub(crate) struct Holdings {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) groups: Vec<Arc<str>>,
    pub(crate) subscriptions: Vec<Arc<str>>,
    pub(crate) services: Vec<(Namespace, Arc<str>)>,
}

impl Holdings {
    pub(crate) fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.groups.is_empty()
            && self.subscriptions.is_empty()
            && self.services.is_empty()
    }
}

/// A node's names.
pub(crate) struct Names {
    pub(crate) processes: process::NameTable,
    pub(crate) groups: groups::GroupTable,
    pub(crate) services: services::ServiceTable,
    /// Per pid number: what that actor holds.
    pub(crate) holdings: Map<u64, Holdings>,
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
    pub(crate) fn hold(&self, task: &Task, pid: Pid, add: impl FnOnce(&mut Holdings)) -> bool {
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
    pub(crate) fn update(&self, number: u64, change: impl FnOnce(&mut Holdings)) {
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
