//! Process groups (Erlang's `pg`): named sets of [`Recipient`]s.

use core::fmt;
use std::sync::Arc;

use super::error::GroupError;
use super::tables::groups::{AnyGroup, GroupChange, GroupEvent, TypedGroup};
use crate::error::SendError;
use crate::node::shared::Shared;
use crate::pid::Pid;
use crate::recipient::Recipient;
use crate::sync::lock;

/// A node's process groups, as Erlang's `pg`: named sets of actors, each
/// reached through a [`Recipient<M>`] — so the members may be actors of
/// different types that all take an `M`.
///
/// A group's message type is fixed when it is first used; a member is in a
/// group at most once (joining again is a no-op). Membership, like a name,
/// belongs to the actor's address: a supervised member keeps it across
/// restarts, and leaves when it stops for good. Subscribers hear of every
/// change as a [`GroupEvent`].
///
/// Get it from [`Node::groups`](crate::Node::groups) or, in a handler,
/// [`Context::groups`](crate::Context::groups).
///
/// ```
/// use foundation::{Actor, Context, Node};
/// use std::sync::mpsc;
///
/// #[derive(Clone)]
/// struct Alert(&'static str);
///
/// struct Pager(mpsc::Sender<String>, &'static str);
/// impl Actor for Pager {
///     type Msg = Alert;
///     fn handle(&mut self, Alert(text): Alert, _: &mut Context<Self>) {
///         self.0.send(format!("{} got {text}", self.1)).unwrap();
///     }
/// }
///
/// let node = Node::builder().schedulers(2).start()?;
/// let (tx, rx) = mpsc::channel();
/// let groups = node.groups();
/// for who in ["ada", "bob"] {
///     let pager = node.spawn(Pager(tx.clone(), who))?;
///     groups.join("on-call", pager.recipient::<Alert>())?;
/// }
/// let sent = groups.broadcast("on-call", Alert("disk full"))?;
/// assert_eq!(sent.delivered, 2);
/// let mut got = vec![rx.recv()?, rx.recv()?];
/// got.sort();
/// assert_eq!(got, ["ada got disk full", "bob got disk full"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ProcessGroups {
    shared: Arc<Shared>,
}

impl ProcessGroups {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        ProcessGroups { shared }
    }

    /// A typed handle to the group `name` (created if it does not exist),
    /// for repeated use without looking the name up each time.
    ///
    /// # Errors
    ///
    /// [`GroupError::WrongType`] if the group holds another message type,
    /// [`GroupError::EmptyName`] for `""`.
    ///
    /// ```
    /// use foundation::{GroupError, Node};
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let prices = node.groups().group::<u64>("prices")?;
    /// assert_eq!(prices.name(), "prices");
    /// assert!(prices.is_empty());
    /// assert!(matches!(
    ///     node.groups().group::<String>("prices"),
    ///     Err(GroupError::WrongType { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn group<M: Send + 'static>(&self, name: &str) -> Result<Group<M>, GroupError> {
        let group = self.shared.names.groups.typed_or_create::<M>(name)?;
        Ok(Group {
            shared: Arc::clone(&self.shared),
            group,
        })
    }

    /// Adds `member` to the group `name` (created if needed). Returns
    /// `false` if it was a member already.
    ///
    /// # Errors
    ///
    /// [`GroupError::NotAlive`] if the member has stopped for good,
    /// [`GroupError::OtherNode`] if it runs on another node (groups are
    /// node-local),
    /// [`GroupError::WrongType`] if the group holds another message type,
    /// [`GroupError::EmptyName`] for `""`.
    ///
    /// See [`ProcessGroups`] for an example.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// assert!(node.groups().join("desks", paris.recipient::<Rate>())?); // newly joined
    /// assert!(!node.groups().join("desks", paris.recipient::<Rate>())?); // already a member
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn join<M: Send + 'static>(
        &self,
        name: &str,
        member: Recipient<M>,
    ) -> Result<bool, GroupError> {
        loop {
            match self.group::<M>(name)?.join(member.clone()) {
                // Deleted between our look-up and our join: make it anew.
                Err(GroupError::Deleted(_)) => continue,
                joined => return joined,
            }
        }
    }

    /// Deletes the group `name`, which must be empty: no members and no
    /// subscribers. Its message type goes with it, so the name can be used
    /// anew for another type. Handles to the deleted group
    /// ([`Group`]) refuse joins and subscriptions with
    /// [`GroupError::Deleted`].
    ///
    /// ```
    /// use foundation::{Actor, Context, GroupError, Node};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = u8;
    ///     fn handle(&mut self, _: u8, _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let groups = node.groups();
    /// let idle = node.spawn(Idle)?;
    /// let old = groups.group::<u8>("g")?;
    /// old.join(idle.recipient())?;
    /// assert!(matches!(groups.delete("g"), Err(GroupError::NotEmpty { members: 1, .. })));
    /// old.leave(idle.pid());
    /// groups.delete("g")?;
    /// assert_eq!(groups.delete("g"), Err(GroupError::NotFound("g".into())));
    /// assert_eq!(old.join(idle.recipient()), Err(GroupError::Deleted("g".into())));
    /// groups.group::<String>("g")?; // the name is free, for any type
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`GroupError::NotEmpty`] if it has members or subscribers,
    /// [`GroupError::NotFound`] if there is no such group.
    pub fn delete(&self, name: &str) -> Result<(), GroupError> {
        self.shared.names.groups.delete(name)
    }

    /// Takes the actor `pid` (any incarnation of it) out of the group
    /// `name`. Returns `false` if it was not a member.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = u8;
    ///     fn handle(&mut self, _: u8, _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let idle = node.spawn(Idle)?;
    /// let groups = node.groups();
    /// assert!(groups.join("g", idle.recipient::<u8>())?);
    /// assert!(!groups.join("g", idle.recipient::<u8>())?); // once only
    /// assert!(groups.leave("g", idle.pid()));
    /// assert!(!groups.leave("g", idle.pid()));
    /// assert!(groups.member_pids("g").is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// node.groups().join("desks", paris.recipient::<Rate>())?;
    /// assert!(node.groups().leave("desks", paris.pid()));
    /// assert!(!node.groups().leave("desks", paris.pid())); // not a member any more
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn leave(&self, name: &str, pid: Pid) -> bool {
        if pid.node() != self.shared.id {
            return false; // never a member here (groups are node-local)
        }
        let names = &self.shared.names;
        let Some(group) = names.groups.get(name) else {
            return false;
        };
        let left = group.remove_member(pid, GroupChange::Left);
        if left {
            names.update(pid.number(), |h| h.groups.retain(|g| **g != *name));
        }
        left
    }

    /// The members of the group `name` (none if it does not exist), in no
    /// particular order.
    ///
    /// # Errors
    ///
    /// [`GroupError::WrongType`] if the group holds another message type.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = u8;
    ///     fn handle(&mut self, _: u8, _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let idle = node.spawn(Idle)?;
    /// node.groups().join("g", idle.recipient::<u8>())?;
    /// let members = node.groups().members::<u8>("g")?;
    /// assert_eq!(members.len(), 1);
    /// assert_eq!(members[0].pid(), idle.pid());
    /// assert!(node.groups().members::<u8>("nobody")?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// node.groups().join("desks", paris.recipient::<Rate>())?;
    /// for desk in node.groups().members::<Rate>("desks")? {
    ///     desk.send(Rate(7))?;
    /// }
    /// assert_eq!(paris.rate()?, 7);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn members<M: Send + 'static>(&self, name: &str) -> Result<Vec<Recipient<M>>, GroupError> {
        Ok(match self.shared.names.groups.typed::<M>(name)? {
            Some(group) => group.snapshot().iter().map(|(_, r)| r.clone()).collect(),
            None => Vec::new(),
        })
    }

    /// The pids of the group's members, whatever its message type.
    ///
    /// See [`ProcessGroups::leave`] for an example.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// node.groups().join("desks", tokyo.recipient::<Rate>())?;
    /// assert_eq!(node.groups().member_pids("desks"), [tokyo.pid()]);
    /// assert!(node.groups().member_pids("nobody").is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn member_pids(&self, name: &str) -> Vec<Pid> {
        self.shared
            .names
            .groups
            .get(name)
            .map(|g| g.pids())
            .unwrap_or_default()
    }

    /// Sends a clone of `msg` to every member of the group `name`, once
    /// each. Never blocks.
    ///
    /// # Errors
    ///
    /// [`GroupError::WrongType`] if the group holds another message type.
    /// Members that refuse the message (they are stopping) are listed in
    /// [`Broadcast::refused`] with their copy.
    ///
    /// See [`ProcessGroups`] for an example.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// node.groups().join("desks", paris.recipient::<Rate>())?;
    /// node.groups().join("desks", tokyo.recipient::<Rate>())?;
    /// let sent = node.groups().broadcast("desks", Rate(42))?;
    /// assert_eq!((sent.delivered, sent.refused.len()), (2, 0));
    /// assert_eq!((paris.rate()?, tokyo.rate()?), (42, 42));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn broadcast<M: Clone + Send + 'static>(
        &self,
        name: &str,
        msg: M,
    ) -> Result<Broadcast<M>, GroupError> {
        Ok(match self.shared.names.groups.typed::<M>(name)? {
            Some(group) => broadcast(&group, msg),
            None => Broadcast {
                delivered: 0,
                refused: Vec::new(),
            },
        })
    }

    /// Subscribes `subscriber` to the changes of the group `name` (created
    /// if needed): a [`GroupEvent`] for every join and leave from now on.
    /// Returns the members at the moment of subscribing, so that no change
    /// is missed or seen twice. The subscription ends when the subscriber
    /// stops.
    ///
    /// # Errors
    ///
    /// As [`ProcessGroups::join`].
    ///
    /// ```
    /// use foundation::{Actor, Context, GroupChange, GroupEvent, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Watcher(mpsc::Sender<GroupEvent>);
    /// impl Actor for Watcher {
    ///     type Msg = GroupEvent;
    ///     fn handle(&mut self, event: GroupEvent, _: &mut Context<Self>) {
    ///         self.0.send(event).unwrap();
    ///     }
    /// }
    /// struct Worker;
    /// impl Actor for Worker {
    ///     type Msg = u32;
    ///     fn handle(&mut self, _: u32, ctx: &mut Context<Self>) {
    ///         ctx.stop();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let watcher = node.spawn(Watcher(tx))?;
    /// let before = node.groups().subscribe::<u32>("workers", watcher.recipient())?;
    /// assert!(before.is_empty());
    ///
    /// let worker = node.spawn(Worker)?;
    /// node.groups().join("workers", worker.recipient::<u32>())?;
    /// worker.send(1)?; // it stops, and so leaves
    /// let joined = rx.recv()?;
    /// assert_eq!((joined.pid, joined.change), (worker.pid(), GroupChange::Joined));
    /// let left = rx.recv()?;
    /// assert!(matches!(left.change, GroupChange::Exited(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribe<M: Send + 'static>(
        &self,
        name: &str,
        subscriber: Recipient<GroupEvent>,
    ) -> Result<Vec<Pid>, GroupError> {
        loop {
            match self.group::<M>(name)?.subscribe(subscriber.clone()) {
                // Deleted between our look-up and our subscription.
                Err(GroupError::Deleted(_)) => continue,
                subscribed => return subscribed,
            }
        }
    }

    /// The names of the groups that have members, sorted.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = u8;
    ///     fn handle(&mut self, _: u8, _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let idle = node.spawn(Idle)?;
    /// node.groups().join("b", idle.recipient::<u8>())?;
    /// node.groups().join("a", idle.recipient::<u8>())?;
    /// node.groups().group::<u8>("empty")?;
    /// assert_eq!(node.groups().which_groups(), ["a", "b"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// node.groups().join("desks", paris.recipient::<Rate>())?;
    /// node.groups().join("europe", paris.recipient::<Rate>())?;
    /// assert_eq!(node.groups().which_groups(), ["desks", "europe"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn which_groups(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .shared
            .names
            .groups
            .map
            .iter()
            .filter(|entry| entry.value().len() > 0)
            .map(|entry| entry.key().to_string())
            .collect();
        names.sort();
        names
    }
}

impl fmt::Debug for ProcessGroups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessGroups")
            .field("node", &self.shared.name)
            .field("groups", &self.shared.names.groups.map.len())
            .finish()
    }
}

fn broadcast<M: Clone + Send + 'static>(group: &TypedGroup<M>, msg: M) -> Broadcast<M> {
    let members = group.snapshot();
    let mut delivered = 0;
    let mut refused = Vec::new();
    if let Some(((_, last), rest)) = members.split_last() {
        let mut send = |member: &Recipient<M>, msg: M| match member.send(msg) {
            Ok(()) => delivered += 1,
            Err(error) => refused.push((member.pid(), error)),
        };
        for (_, member) in rest {
            send(member, msg.clone());
        }
        send(last, msg);
    }
    Broadcast { delivered, refused }
}

/// Adds `name` to a holdings list unless it is there.
fn push_once(list: &mut Vec<Arc<str>>, name: &Arc<str>) {
    if !list.contains(name) {
        list.push(Arc::clone(name));
    }
}

/// A typed handle to one process group; see [`ProcessGroups::group`].
///
/// ```
/// use foundation::{Actor, Context, Node};
/// use std::sync::mpsc;
///
/// struct Tally(mpsc::Sender<u64>);
/// impl Actor for Tally {
///     type Msg = u64;
///     fn handle(&mut self, n: u64, _: &mut Context<Self>) {
///         self.0.send(n).unwrap();
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let ticks = node.groups().group::<u64>("ticks")?;
/// let (tx, rx) = mpsc::channel();
/// let tally = node.spawn(Tally(tx))?;
/// ticks.join(tally.recipient())?;
/// assert_eq!(ticks.len(), 1);
/// assert_eq!(ticks.broadcast(9).delivered, 1);
/// assert_eq!(rx.recv()?, 9);
/// assert!(ticks.leave(tally.pid()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Group<M> {
    shared: Arc<Shared>,
    group: Arc<TypedGroup<M>>,
}

impl<M: Send + 'static> Group<M> {
    /// The group's name.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// assert_eq!(desks.name(), "desks");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.group.name
    }

    /// As [`ProcessGroups::join`].
    ///
    /// # Errors
    ///
    /// [`GroupError::NotAlive`] if the member has stopped for good,
    /// [`GroupError::OtherNode`] if it runs on another node,
    /// [`GroupError::Deleted`] if the group was deleted.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// assert!(desks.join(paris.recipient())?);
    /// assert_eq!(desks.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn join(&self, member: Recipient<M>) -> Result<bool, GroupError> {
        let pid = member.pid();
        self.check_node(pid)?;
        let task = member.task();
        if task.is_retired() {
            return Err(GroupError::NotAlive(pid));
        }
        let number = pid.number();
        match self.group.insert(number, member) {
            None => return Err(GroupError::Deleted(self.group.name.to_string())),
            Some(false) => return Ok(false),
            Some(true) => {}
        }
        let names = &self.shared.names;
        let name = &self.group.name;
        let held = names.hold(&task, pid, |h| push_once(&mut h.groups, name));
        if held {
            Ok(true)
        } else {
            Err(GroupError::NotAlive(pid))
        }
    }

    /// Groups are node-local: an actor of another node could stop without
    /// this node noticing, and its number means another actor here.
    fn check_node(&self, pid: Pid) -> Result<(), GroupError> {
        if pid.node() == self.shared.id {
            Ok(())
        } else {
            Err(GroupError::OtherNode {
                pid,
                actor_node: pid.node(),
                node: self.shared.id,
            })
        }
    }

    /// As [`ProcessGroups::leave`].
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// desks.join(paris.recipient())?;
    /// assert!(desks.leave(paris.pid()));
    /// assert!(desks.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn leave(&self, pid: Pid) -> bool {
        if self.check_node(pid).is_err() {
            return false;
        }
        let left = self.group.remove_member(pid, GroupChange::Left);
        if left {
            let name = &self.group.name;
            self.shared
                .names
                .update(pid.number(), |h| h.groups.retain(|g| g != name));
        }
        left
    }

    /// As [`ProcessGroups::members`].
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// desks.join(paris.recipient())?;
    /// desks.members()[0].send(Rate(3))?;
    /// assert_eq!(paris.rate()?, 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn members(&self) -> Vec<Recipient<M>> {
        self.group
            .snapshot()
            .iter()
            .map(|(_, r)| r.clone())
            .collect()
    }

    /// The members' pids.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// desks.join(paris.recipient())?;
    /// desks.join(tokyo.recipient())?;
    /// assert_eq!(desks.pids(), [paris.pid(), tokyo.pid()]); // in join order
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pids(&self) -> Vec<Pid> {
        self.group.pids()
    }

    /// How many members the group has.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// desks.join(paris.recipient())?;
    /// desks.join(tokyo.recipient())?;
    /// assert_eq!(desks.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.group.len()
    }

    /// Whether the group has no members.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// assert!(desks.is_empty());
    /// desks.join(paris.recipient())?;
    /// assert!(!desks.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// As [`ProcessGroups::broadcast`].
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// desks.join(paris.recipient())?;
    /// desks.join(tokyo.recipient())?;
    /// assert_eq!(desks.broadcast(Rate(9)).delivered, 2); // a clone each, the original to the last
    /// assert_eq!(tokyo.rate()?, 9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn broadcast(&self, msg: M) -> Broadcast<M>
    where
        M: Clone,
    {
        broadcast(&self.group, msg)
    }

    /// Sends `make()` to every member, on a snapshot of the members (off
    /// the group's lock): `broadcast_optimized`'s way to hand each member
    /// a count of one shared buffer.
    pub(crate) fn broadcast_with(&self, make: impl Fn() -> M) -> Broadcast<M> {
        let members = self.group.snapshot();
        let mut delivered = 0;
        let mut refused = Vec::new();
        for (_, member) in members.iter() {
            match member.send(make()) {
                Ok(()) => delivered += 1,
                Err(error) => refused.push((member.pid(), error)),
            }
        }
        Broadcast { delivered, refused }
    }

    /// As [`ProcessGroups::subscribe`].
    ///
    /// # Errors
    ///
    /// [`GroupError::NotAlive`] if the subscriber has stopped for good,
    /// [`GroupError::Deleted`] if the group was deleted.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # #[derive(Clone)]
    /// # struct Rate(u64);
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Desk { rate: u64 }
    /// # #[handlers]
    /// # impl Desk {
    /// #     pub fn set_rate(&mut self, rate: Rate) { self.rate = rate.0; }
    /// #     pub fn rate(&self) -> u64 { self.rate }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let desks = node.groups().group::<Rate>("desks")?;
    /// let (paris, tokyo) = (node.spawn(Desk::default())?, node.spawn(Desk::default())?);
    /// use foundation::GroupEvent;
    /// use std::sync::mpsc;
    ///
    /// struct Watch(mpsc::Sender<GroupEvent>);
    /// impl Actor for Watch {
    ///     type Msg = GroupEvent;
    ///     fn handle(&mut self, event: GroupEvent, _: &mut Context<Self>) {
    ///         let _ = self.0.send(event);
    ///     }
    /// }
    /// desks.join(paris.recipient())?;
    /// let (tx, rx) = mpsc::channel();
    /// let present = desks.subscribe(node.spawn(Watch(tx))?.recipient())?;
    /// assert_eq!(present, [paris.pid()]); // the members when it subscribed
    /// desks.join(tokyo.recipient())?;
    /// assert_eq!(rx.recv()?.pid, tokyo.pid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribe(&self, subscriber: Recipient<GroupEvent>) -> Result<Vec<Pid>, GroupError> {
        let pid = subscriber.pid();
        self.check_node(pid)?;
        let task = subscriber.task();
        if task.is_retired() {
            return Err(GroupError::NotAlive(pid));
        }
        let number = pid.number();
        let members = {
            let mut state = lock(&self.group.state);
            if state.deleted {
                return Err(GroupError::Deleted(self.group.name.to_string()));
            }
            state.subscribers.retain(|(n, _)| *n != number);
            state.subscribers.push((number, subscriber));
            state.members.iter().map(|(_, r)| r.pid()).collect()
        };
        let name = &self.group.name;
        let held = self
            .shared
            .names
            .hold(&task, pid, |h| push_once(&mut h.subscriptions, name));
        if held {
            Ok(members)
        } else {
            Err(GroupError::NotAlive(pid))
        }
    }
}

impl<M> Clone for Group<M> {
    fn clone(&self) -> Self {
        Group {
            shared: Arc::clone(&self.shared),
            group: Arc::clone(&self.group),
        }
    }
}

impl<M> fmt::Debug for Group<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Group<{}>({:?})",
            core::any::type_name::<M>(),
            self.group.name
        )
    }
}

/// What a broadcast did: how many members took the message, and the
/// copies refused by members that are stopping.
///
/// See [`ProcessGroups`] for an example.
#[derive(Debug)]
#[non_exhaustive]
pub struct Broadcast<M> {
    /// Members that took the message.
    pub delivered: usize,
    /// Members that refused it, with their copy handed back.
    pub refused: Vec<(Pid, SendError<M>)>,
}
