//! The process registry's table: name → actor.

use std::sync::Arc;

use dashmap::mapref::entry::Entry;

use super::{Map, Names, new_map};
use crate::names::error::RegisterError;
use crate::pid::Pid;
use crate::task::Task;

/// A registered name's actor.
pub(crate) struct Named {
    pub(crate) number: u64,
    pub(crate) task: Task,
}

/// Name → actor.
pub(crate) struct NameTable {
    pub(crate) map: Map<Arc<str>, Named>,
}

impl NameTable {
    pub(crate) fn new() -> Self {
        NameTable { map: new_map() }
    }

    /// Removes `name` if the actor `number` still holds it.
    pub(crate) fn remove_if_held(&self, name: &str, number: u64) {
        self.map.remove_if(name, |_, named| named.number == number);
    }

    pub(crate) fn clear(&self) {
        self.map.clear();
    }

    pub(crate) fn get(&self, name: &str) -> Option<Task> {
        self.map.get(name).map(|named| Arc::clone(&named.task))
    }
}

/// Registers `name` for `task`, the live actor `pid` (a spawn's, or a
/// resolved pid's).
pub(crate) fn register_task(
    names: &Names,
    name: &str,
    pid: Pid,
    task: Task,
) -> Result<(), RegisterError> {
    if name.is_empty() {
        return Err(RegisterError::EmptyName);
    }
    let number = pid.number();
    {
        // The actor's record is locked while its name is chosen, so
        // two registrations of one actor cannot both give it a name.
        let mut holdings = names.holdings.entry(number).or_default();
        if let Some(held) = &holdings.name
            && **held != *name
            && names.processes.map.get(&**held).map(|n| n.number) == Some(number)
        {
            let held = held.to_string();
            drop(holdings);
            names.holdings.remove_if(&number, |_, h| h.is_empty());
            return Err(RegisterError::AlreadyNamed { pid, name: held });
        }
        let name: Arc<str> = Arc::from(name);
        match names.processes.map.entry(Arc::clone(&name)) {
            Entry::Occupied(taken) => {
                let holder = taken.get();
                if holder.number != number {
                    let holder = holder.task.latest_pid();
                    drop(taken);
                    drop(holdings);
                    names.holdings.remove_if(&number, |_, h| h.is_empty());
                    return Err(RegisterError::AlreadyRegistered(holder));
                }
            }
            Entry::Vacant(free) => {
                free.insert(Named {
                    number,
                    task: Arc::clone(&task),
                });
            }
        }
        holdings.name = Some(name);
    }
    if names.hold(&task, pid, |_| {}) {
        Ok(())
    } else {
        Err(RegisterError::NotAlive(pid))
    }
}
