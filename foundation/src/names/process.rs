//! The process registry: unique names for actors.

use core::fmt;
use std::sync::Arc;

use super::downcast;
use super::error::{LookupError, NamedSendError, RegisterError};
use super::tables::process::register_task;
use crate::actor::{Actor, ActorRef};
use crate::node::shared::Shared;
use crate::pid::Pid;
use crate::task::DynSend;

/// A node's unique names for actors, as Erlang's `register/2` and
/// `whereis/1`.
///
/// A name belongs to the actor's address, not to one incarnation: a
/// supervised child that crashes and restarts keeps its name (and the
/// messages queued for it), and the name is released when the actor stops
/// for good. An actor has at most one name; registering the name it already
/// has again is a no-op, so an actor may register itself in its `started`
/// hook and still restart cleanly.
///
/// Get it from [`Node::registry`](crate::Node::registry) or, in a handler,
/// [`Context::registry`](crate::Context::registry). Handles are cheap to
/// clone.
///
/// ```
/// use foundation::{Actor, Context, Node, ReplyTo};
/// use std::time::Duration;
///
/// struct Clock(u64);
/// impl Actor for Clock {
///     type Msg = ReplyTo<u64>;
///     fn handle(&mut self, reply: ReplyTo<u64>, _: &mut Context<Self>) {
///         self.0 += 1;
///         let _ = reply.reply(self.0);
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let clock = node.spawn(Clock(0))?;
/// let registry = node.registry();
/// registry.register("clock", clock.pid())?;
/// assert_eq!(registry.lookup("clock"), Some(clock.pid()));
///
/// // Anyone can find it by name, typed:
/// let found = registry.lookup_ref::<Clock>("clock")?;
/// assert_eq!(found.call(|r| r, Duration::from_secs(5)), Ok(1));
///
/// // The name goes when the actor stops.
/// clock.stop();
/// while registry.lookup("clock").is_some() {
///     std::thread::yield_now();
/// }
/// assert!(registry.registered().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ProcessRegistry {
    shared: Arc<Shared>,
}

impl ProcessRegistry {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        ProcessRegistry { shared }
    }

    /// Gives the live actor `pid` the name `name`.
    ///
    /// Of several threads registering one name at once, exactly one wins.
    ///
    /// # Errors
    ///
    /// - [`RegisterError::AlreadyRegistered`] with the holder's pid, if
    ///   another actor has the name;
    /// - [`RegisterError::AlreadyNamed`] if this actor has another name;
    /// - [`RegisterError::NotAlive`] if `pid` is not a live actor of this
    ///   node (stopped, an earlier incarnation, another node's);
    /// - [`RegisterError::EmptyName`] for `""`.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node, RegisterError};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (a, b) = (node.spawn(Idle)?, node.spawn(Idle)?);
    /// let registry = node.registry();
    /// registry.register("primary", a.pid())?;
    /// registry.register("primary", a.pid())?; // the same: fine
    /// assert_eq!(
    ///     registry.register("primary", b.pid()),
    ///     Err(RegisterError::AlreadyRegistered(a.pid()))
    /// );
    /// assert!(matches!(
    ///     registry.register("backup", a.pid()),
    ///     Err(RegisterError::AlreadyNamed { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn register(&self, name: &str, pid: Pid) -> Result<(), RegisterError> {
        if name.is_empty() {
            return Err(RegisterError::EmptyName);
        }
        let task = self
            .shared
            .resolve(pid)
            .ok_or(RegisterError::NotAlive(pid))?;
        register_task(&self.shared.names, name, pid, task)
    }

    /// Takes the name `name` away; returns the pid it named, or `None` if
    /// nobody had it.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let idle = node.spawn(Idle)?;
    /// let registry = node.registry();
    /// registry.register("idle", idle.pid())?;
    /// assert_eq!(registry.unregister("idle"), Some(idle.pid()));
    /// assert_eq!(registry.unregister("idle"), None);
    /// registry.register("renamed", idle.pid())?; // free to take another
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unregister(&self, name: &str) -> Option<Pid> {
        let names = &self.shared.names;
        let (name, named) = names.processes.map.remove(name)?;
        names.update(named.number, |h| {
            // Unless the actor has just registered the name again.
            if h.name.as_deref() == Some(&*name)
                && names.processes.map.get(&*name).map(|n| n.number) != Some(named.number)
            {
                h.name = None;
            }
        });
        Some(named.task.latest_pid())
    }

    /// The pid registered as `name` (Erlang's `whereis/1`): the current
    /// incarnation, or between a crash and its restart the last one.
    ///
    /// See [`ProcessRegistry`] for an example.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::{Health, Namespace, ServiceError, ServiceOptions};
    /// # use std::time::Duration;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # struct Cache;
    /// # #[handlers]
    /// # impl Cache {
    /// #     pub fn ping(&self) -> bool { true }
    /// # }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let cache = node.spawn(Cache)?;
    /// assert_eq!(node.registry().lookup("cache"), None);
    /// node.registry().register("cache", cache.pid())?;
    /// assert_eq!(node.registry().lookup("cache"), Some(cache.pid()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lookup(&self, name: &str) -> Option<Pid> {
        self.shared
            .names
            .processes
            .map
            .get(name)
            .map(|named| named.task.latest_pid())
    }

    /// The actor registered as `name`, as a typed handle.
    ///
    /// # Errors
    ///
    /// [`LookupError::NotRegistered`] if nobody has the name,
    /// [`LookupError::WrongType`] if its actor is not an `A`.
    ///
    /// ```
    /// use foundation::{Actor, Context, LookupError, Node};
    ///
    /// struct Cat;
    /// impl Actor for Cat {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// struct Dog;
    /// impl Actor for Dog {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let cat = node.spawn(Cat)?;
    /// node.registry().register("tom", cat.pid())?;
    /// assert_eq!(node.registry().lookup_ref::<Cat>("tom")?, cat);
    /// assert!(matches!(
    ///     node.registry().lookup_ref::<Dog>("tom"),
    ///     Err(LookupError::WrongType { .. })
    /// ));
    /// assert!(matches!(
    ///     node.registry().lookup_ref::<Cat>("felix"),
    ///     Err(LookupError::NotRegistered { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lookup_ref<A: Actor>(&self, name: &str) -> Result<ActorRef<A>, LookupError> {
        let task =
            self.shared
                .names
                .processes
                .get(name)
                .ok_or_else(|| LookupError::NotRegistered {
                    name: name.to_string(),
                })?;
        let (actual, _) = task.type_names();
        downcast::<A>(task).ok_or_else(|| LookupError::WrongType {
            name: name.to_string(),
            expected: core::any::type_name::<A>(),
            actual,
        })
    }

    /// Sends `msg` to the actor registered as `name` (Erlang's
    /// `Name ! Msg`). `M` must be that actor's message type itself (for a
    /// message that only converts into it, look the actor up with
    /// [`ProcessRegistry::lookup_ref`]).
    ///
    /// # Errors
    ///
    /// The message always comes back: [`NamedSendError::NotRegistered`],
    /// [`NamedSendError::WrongType`] if the actor takes another message
    /// type, or [`NamedSendError::Send`] if its mailbox refused it.
    ///
    /// ```
    /// use foundation::{Actor, Context, NamedSendError, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Printer(mpsc::Sender<String>);
    /// impl Actor for Printer {
    ///     type Msg = String;
    ///     fn handle(&mut self, line: String, _: &mut Context<Self>) {
    ///         self.0.send(line).unwrap();
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let printer = node.spawn(Printer(tx))?;
    /// let registry = node.registry();
    /// registry.register("printer", printer.pid())?;
    /// registry.send_named("printer", "hello".to_string())?;
    /// assert_eq!(rx.recv()?, "hello");
    ///
    /// let refused = registry.send_named("printer", 42_u32).unwrap_err();
    /// assert!(matches!(refused, NamedSendError::WrongType { .. }));
    /// assert_eq!(refused.into_inner(), 42); // handed back
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send_named<M: Send + 'static>(
        &self,
        name: &str,
        msg: M,
    ) -> Result<(), NamedSendError<M>> {
        // Sent under the table's read guard, without cloning the handle:
        // a send runs no user code and takes none of the registry's locks.
        let Some(named) = self.shared.names.processes.map.get(name) else {
            return Err(NamedSendError::NotRegistered {
                name: name.to_string(),
                msg,
            });
        };
        let task = &named.task;
        let mut slot = Some(msg);
        match task.send_dyn(&mut slot) {
            DynSend::Sent => Ok(()),
            DynSend::WrongType => Err(NamedSendError::WrongType {
                name: name.to_string(),
                expected: task.type_names().1,
                msg: slot.expect("a message of the wrong type is left in place"),
            }),
            DynSend::Refused(reason) => {
                let msg = slot.expect("a refused message is handed back");
                Err(NamedSendError::Send(reason.map(|()| msg)))
            }
        }
    }

    /// Every registered name and its pid, sorted by name (Erlang's
    /// `registered/0`).
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (b, a) = (node.spawn(Idle)?, node.spawn(Idle)?);
    /// node.registry().register("b", b.pid())?;
    /// node.registry().register("a", a.pid())?;
    /// assert_eq!(
    ///     node.registry().registered(),
    ///     [("a".to_string(), a.pid()), ("b".to_string(), b.pid())]
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn registered(&self) -> Vec<(String, Pid)> {
        let mut all: Vec<(String, Pid)> = self
            .shared
            .names
            .processes
            .map
            .iter()
            .map(|entry| (entry.key().to_string(), entry.value().task.latest_pid()))
            .collect();
        all.sort();
        all
    }

    /// The name of the actor `pid` (any incarnation of it), if it has one.
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let idle = node.spawn(Idle)?;
    /// assert_eq!(node.registry().name_of(idle.pid()), None);
    /// node.registry().register("idle", idle.pid())?;
    /// assert_eq!(node.registry().name_of(idle.pid()).as_deref(), Some("idle"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn name_of(&self, pid: Pid) -> Option<String> {
        if pid.node() != self.shared.id {
            return None;
        }
        let names = &self.shared.names;
        let name = names.holdings.get(&pid.number())?.name.clone()?;
        let holds = names.processes.map.get(&*name)?.number == pid.number();
        holds.then(|| name.to_string())
    }
}

impl fmt::Debug for ProcessRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessRegistry")
            .field("node", &self.shared.name)
            .field("names", &self.shared.names.processes.map.len())
            .finish()
    }
}
