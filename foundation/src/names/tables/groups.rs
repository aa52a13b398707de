//! The process groups' table: group name → a group of typed recipients,
//! with its subscribers; and the events subscribers hear.

use core::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{Map, new_map};
use crate::error::SendError;
use crate::exit::ExitReason;
use crate::names::error::GroupError;
use crate::pid::Pid;
use crate::recipient::Recipient;
use crate::sync::lock;

pub(crate) type Members<M> = Arc<Vec<(u64, Recipient<M>)>>;

/// One group's state. The member list is copied on write only while a
/// broadcast holds it, so a broadcast takes it with one reference count
/// and sends without a lock, and joins cost O(1) otherwise.
pub(crate) struct GroupState<M> {
    pub(crate) members: Members<M>,
    /// Pid number → position in `members`.
    pub(crate) index: HashMap<u64, usize, foldhash::fast::RandomState>,
    pub(crate) subscribers: Vec<(u64, Recipient<GroupEvent>)>,
    /// Deleted (it was empty): it takes no members or subscribers any more,
    /// and handles to it say so.
    pub(crate) deleted: bool,
}

pub(crate) struct TypedGroup<M> {
    pub(crate) name: Arc<str>,
    pub(crate) state: Mutex<GroupState<M>>,
}

/// A group, whatever its message type.
pub(crate) trait AnyGroup: Any + Send + Sync {
    fn message_type(&self) -> &'static str;
    /// Removes the member `pid` (by number); tells subscribers.
    fn remove_member(&self, pid: Pid, change: GroupChange) -> bool;
    fn remove_subscriber(&self, number: u64);
    fn pids(&self) -> Vec<Pid>;
    fn len(&self) -> usize;
    /// Marks the group deleted if it has no members and no subscribers;
    /// else how many of each it has.
    fn try_delete(&self) -> Result<(), (usize, usize)>;
}

impl<M: Send + 'static> TypedGroup<M> {
    pub(crate) fn new(name: Arc<str>) -> Self {
        TypedGroup {
            name,
            state: Mutex::new(GroupState {
                members: Arc::new(Vec::new()),
                index: HashMap::default(),
                subscribers: Vec::new(),
                deleted: false,
            }),
        }
    }

    /// Tells every subscriber; drops those that have stopped.
    pub(crate) fn notify(&self, state: &mut GroupState<M>, pid: Pid, change: GroupChange) {
        state.subscribers.retain(|(_, subscriber)| {
            let event = GroupEvent {
                group: Arc::clone(&self.name),
                pid,
                change: change.clone(),
            };
            !matches!(subscriber.send_notice(event), Err(SendError::Closed(_)))
        });
    }

    /// Adds a member: `Some(false)` if it was one already, `None` if the
    /// group has been deleted.
    pub(crate) fn insert(&self, number: u64, member: Recipient<M>) -> Option<bool> {
        let mut state = lock(&self.state);
        if state.deleted {
            return None;
        }
        if state.index.contains_key(&number) {
            return Some(false);
        }
        let pid = member.pid();
        let members = Arc::make_mut(&mut state.members);
        members.push((number, member));
        let at = members.len() - 1;
        state.index.insert(number, at);
        self.notify(&mut state, pid, GroupChange::Joined);
        Some(true)
    }

    pub(crate) fn snapshot(&self) -> Members<M> {
        Arc::clone(&lock(&self.state).members)
    }
}

impl<M: Send + 'static> AnyGroup for TypedGroup<M> {
    fn message_type(&self) -> &'static str {
        core::any::type_name::<M>()
    }

    fn remove_member(&self, pid: Pid, change: GroupChange) -> bool {
        let mut state = lock(&self.state);
        let Some(at) = state.index.remove(&pid.number()) else {
            return false;
        };
        let members = Arc::make_mut(&mut state.members);
        members.swap_remove(at);
        if let Some(&(moved, _)) = members.get(at) {
            state.index.insert(moved, at);
        }
        self.notify(&mut state, pid, change);
        true
    }

    fn remove_subscriber(&self, number: u64) {
        lock(&self.state).subscribers.retain(|(n, _)| *n != number);
    }

    fn pids(&self) -> Vec<Pid> {
        self.snapshot().iter().map(|(_, r)| r.pid()).collect()
    }

    fn len(&self) -> usize {
        lock(&self.state).index.len()
    }

    fn try_delete(&self) -> Result<(), (usize, usize)> {
        let mut state = lock(&self.state);
        let (members, subscribers) = (state.index.len(), state.subscribers.len());
        if members > 0 || subscribers > 0 {
            return Err((members, subscribers));
        }
        state.deleted = true;
        Ok(())
    }
}

/// Group name → group.
pub(crate) struct GroupTable {
    pub(crate) map: Map<Arc<str>, Arc<dyn AnyGroup>>,
}

impl GroupTable {
    pub(crate) fn new() -> Self {
        GroupTable { map: new_map() }
    }

    /// Deletes the group `name` if it has no members and no subscribers. A
    /// join racing the deletion either lands first (and the group is not
    /// empty) or finds the group deleted (and creates it anew).
    pub(crate) fn delete(&self, name: &str) -> Result<(), GroupError> {
        let mut refused = None;
        // The check runs under the map's shard lock, then the group's own:
        // no join or subscribe can slip in between (they take the group's
        // lock, and see `deleted`).
        let removed = self
            .map
            .remove_if(name, |_, group| match group.try_delete() {
                Ok(()) => true,
                Err(counts) => {
                    refused = Some(counts);
                    false
                }
            });
        match (removed, refused) {
            (Some(_), _) => Ok(()),
            (None, Some((members, subscribers))) => Err(GroupError::NotEmpty {
                group: name.to_string(),
                members,
                subscribers,
            }),
            (None, None) => Err(GroupError::NotFound(name.to_string())),
        }
    }

    pub(crate) fn remove_member(&self, group: &str, pid: Pid, change: GroupChange) {
        if let Some(group) = self.get(group) {
            group.remove_member(pid, change);
        }
    }

    pub(crate) fn remove_subscriber(&self, group: &str, number: u64) {
        if let Some(group) = self.get(group) {
            group.remove_subscriber(number);
        }
    }

    pub(crate) fn clear(&self) {
        self.map.clear();
    }

    pub(crate) fn get(&self, group: &str) -> Option<Arc<dyn AnyGroup>> {
        self.map.get(group).map(|g| Arc::clone(&g))
    }

    /// The group `name` of `M`s, if it exists.
    pub(crate) fn typed<M: Send + 'static>(
        &self,
        name: &str,
    ) -> Result<Option<Arc<TypedGroup<M>>>, GroupError> {
        match self.get(name) {
            None => Ok(None),
            Some(group) => cast(name, group).map(Some),
        }
    }

    /// The group `name` of `M`s, created if needed.
    pub(crate) fn typed_or_create<M: Send + 'static>(
        &self,
        name: &str,
    ) -> Result<Arc<TypedGroup<M>>, GroupError> {
        if name.is_empty() {
            return Err(GroupError::EmptyName);
        }
        if let Some(group) = self.typed::<M>(name)? {
            return Ok(group);
        }
        let name: Arc<str> = Arc::from(name);
        let group = self
            .map
            .entry(Arc::clone(&name))
            .or_insert_with(|| Arc::new(TypedGroup::<M>::new(Arc::clone(&name))))
            .clone();
        cast(&name, group)
    }
}

pub(crate) fn cast<M: Send + 'static>(
    name: &str,
    group: Arc<dyn AnyGroup>,
) -> Result<Arc<TypedGroup<M>>, GroupError> {
    let expected = group.message_type();
    let any: Arc<dyn Any + Send + Sync> = group;
    any.downcast::<TypedGroup<M>>()
        .map_err(|_| GroupError::WrongType {
            group: name.to_string(),
            expected,
            actual: core::any::type_name::<M>(),
        })
}

/// A change in a process group, for its subscribers.
///
/// See [`ProcessGroups::subscribe`](crate::ProcessGroups::subscribe) for an example.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GroupEvent {
    /// The group.
    pub group: Arc<str>,
    /// The member that joined or left.
    pub pid: Pid,
    /// What happened.
    pub change: GroupChange,
}

/// How a group changed; see [`GroupEvent`].
///
/// ```
/// use foundation::{ExitReason, GroupChange};
///
/// let change = GroupChange::Exited(ExitReason::Normal);
/// assert!(change.is_leave());
/// assert!(!GroupChange::Joined.is_leave());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GroupChange {
    /// The member joined.
    Joined,
    /// The member left (`leave`).
    Left,
    /// The member stopped for good, and so left.
    Exited(ExitReason),
}

impl GroupChange {
    /// Whether the member left (by `leave` or by stopping).
    ///
    /// ```
    /// use foundation::{ExitReason, GroupChange};
    ///
    /// assert!(!GroupChange::Joined.is_leave());
    /// assert!(GroupChange::Left.is_leave());
    /// assert!(GroupChange::Exited(ExitReason::Normal).is_leave());
    /// ```
    pub fn is_leave(&self) -> bool {
        !matches!(self, GroupChange::Joined)
    }
}
