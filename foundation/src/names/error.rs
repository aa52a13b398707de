//! The registries' errors.

use core::fmt;

use super::tables::services::Namespace;
use crate::error::SendError;
use crate::pid::Pid;

/// Why [`ProcessRegistry::register`](crate::ProcessRegistry::register) refused a name.
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
/// let idle = node.spawn(Idle)?;
/// let pid = idle.pid();
/// assert_eq!(node.registry().register("", pid), Err(RegisterError::EmptyName));
/// idle.stop();
/// while idle.is_alive() {
///     std::thread::yield_now();
/// }
/// assert_eq!(node.registry().register("idle", pid), Err(RegisterError::NotAlive(pid)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum RegisterError {
    /// Another actor has the name; here is its pid.
    #[error("the name is already registered to {0}")]
    AlreadyRegistered(Pid),
    /// The actor already has another name (an actor has at most one).
    #[error("{pid} is already registered as `{name}`")]
    AlreadyNamed {
        /// The actor.
        pid: Pid,
        /// Its name.
        name: String,
    },
    /// The pid is not a live actor of this node: it stopped, it is an
    /// earlier incarnation, or it belongs to another node.
    #[error("{0} is not a live actor of this node")]
    NotAlive(Pid),
    /// The empty string is not a name.
    #[error("the empty string is not a name")]
    EmptyName,
}

/// Why a typed look-up found no actor of that type.
///
/// See [`ProcessRegistry::lookup_ref`](crate::ProcessRegistry::lookup_ref) for an example.
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// Nobody has the name.
    #[error("no actor is registered as `{name}`")]
    NotRegistered {
        /// The name looked up.
        name: String,
    },
    /// The name's actor has another type.
    #[error("`{name}` is a `{actual}`, not a `{expected}`")]
    WrongType {
        /// The name looked up.
        name: String,
        /// The type asked for.
        expected: &'static str,
        /// The registered actor's type.
        actual: &'static str,
    },
}

/// Why [`ProcessRegistry::send_named`](crate::ProcessRegistry::send_named) did not deliver a message. The
/// message is always inside: [`NamedSendError::into_inner`].
///
/// ```
/// use foundation::NamedSendError;
///
/// let refused: NamedSendError<u8> = NamedSendError::NotRegistered {
///     name: "nobody".into(),
///     msg: 7,
/// };
/// assert_eq!(refused.to_string(), "no actor is registered as `nobody`");
/// assert_eq!(refused.into_inner(), 7);
/// ```
#[non_exhaustive]
#[derive(thiserror::Error)]
pub enum NamedSendError<M> {
    /// Nobody has the name.
    #[error("no actor is registered as `{name}`")]
    NotRegistered {
        /// The name.
        name: String,
        /// The message, handed back.
        msg: M,
    },
    /// The name's actor takes another message type.
    #[error("`{name}` takes `{expected}` messages")]
    WrongType {
        /// The name.
        name: String,
        /// The actor's message type.
        expected: &'static str,
        /// The message, handed back.
        msg: M,
    },
    /// The actor's mailbox refused the message.
    #[error(transparent)]
    Send(SendError<M>),
}

impl<M> NamedSendError<M> {
    /// Hands the message back.
    ///
    /// ```
    /// let node = foundation::Node::builder().schedulers(1).start()?;
    /// let refused = node.registry().send_named("nobody", 42_u32).unwrap_err();
    /// assert_eq!(refused.into_inner(), 42); // nothing is lost
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_inner(self) -> M {
        match self {
            NamedSendError::NotRegistered { msg, .. } | NamedSendError::WrongType { msg, .. } => {
                msg
            }
            NamedSendError::Send(refused) => refused.into_inner(),
        }
    }
}

// By hand: the message need not be `Debug`.
impl<M> fmt::Debug for NamedSendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NamedSendError::NotRegistered { name, .. } => f
                .debug_struct("NotRegistered")
                .field("name", name)
                .finish_non_exhaustive(),
            NamedSendError::WrongType { name, expected, .. } => f
                .debug_struct("WrongType")
                .field("name", name)
                .field("expected", expected)
                .finish_non_exhaustive(),
            NamedSendError::Send(refused) => f.debug_tuple("Send").field(refused).finish(),
        }
    }
}

/// Why a group operation failed.
///
/// ```
/// use foundation::{GroupError, Node};
///
/// let node = Node::builder().schedulers(1).start()?;
/// node.groups().group::<u32>("numbers")?;
/// let error = node.groups().broadcast("numbers", "text").unwrap_err();
/// assert_eq!(
///     error,
///     GroupError::WrongType { group: "numbers".into(), expected: "u32", actual: "&str" }
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum GroupError {
    /// The group holds recipients of another message type.
    #[error("group `{group}` holds `{expected}` recipients, not `{actual}`")]
    WrongType {
        /// The group.
        group: String,
        /// Its message type.
        expected: &'static str,
        /// The type asked for.
        actual: &'static str,
    },
    /// The actor has stopped for good.
    #[error("{0} is not alive")]
    NotAlive(Pid),
    /// The empty string is not a group name.
    #[error("the empty string is not a group name")]
    EmptyName,
    /// No group by that name.
    #[error("no group `{0}`")]
    NotFound(String),
    /// A group is deleted only when empty.
    #[error("group `{group}` is not empty: {members} member(s), {subscribers} subscriber(s)")]
    NotEmpty {
        /// The group.
        group: String,
        /// Its members.
        members: usize,
        /// Its subscribers.
        subscribers: usize,
    },
    /// The group was deleted; [`ProcessGroups::group`](crate::ProcessGroups::group)
    /// makes a new one by that name.
    #[error("group `{0}` was deleted")]
    Deleted(String),
    /// The actor runs on another node: groups are node-local (their
    /// members leave when they stop, which only their own node sees).
    #[error("{pid} runs on node {actor_node}; the groups of node {node} take its own actors only")]
    OtherNode {
        /// The actor.
        pid: Pid,
        /// Its node's id.
        actor_node: u32,
        /// The id of the node whose groups refused it.
        node: u32,
    },
}

/// Why a service operation failed.
///
/// ```
/// use foundation::{Namespace, ServiceError};
///
/// let error = ServiceError::NotFound { namespace: Namespace::Production, name: "db".into() };
/// assert_eq!(error.to_string(), "no service `db` in namespace production");
/// ```
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum ServiceError {
    /// No such service in the namespace.
    #[error("no service `{name}` in namespace {namespace}")]
    NotFound {
        /// The namespace.
        namespace: Namespace,
        /// The service.
        name: String,
    },
    /// Another actor provides the service.
    #[error("service `{name}` in namespace {namespace} is already provided by {pid}")]
    AlreadyRegistered {
        /// The namespace.
        namespace: Namespace,
        /// The service.
        name: String,
        /// Its provider.
        pid: Pid,
    },
    /// The pid is not a live actor of this node.
    #[error("{0} is not a live actor of this node")]
    NotAlive(Pid),
    /// The service's actor has another type.
    #[error("service `{name}` is a `{actual}`, not a `{expected}`")]
    WrongType {
        /// The service.
        name: String,
        /// The type asked for.
        expected: &'static str,
        /// The provider's type.
        actual: &'static str,
    },
    /// No such service came within the timeout.
    #[error("service `{name}` in namespace {namespace} did not appear in time")]
    Timeout {
        /// The namespace.
        namespace: Namespace,
        /// The service.
        name: String,
    },
    /// A blocking wait on a scheduler thread: use [`WaitForService::then`](crate::WaitForService::then).
    #[error("a blocking wait on a scheduler thread could deadlock the node; use .then(ctx, ..)")]
    WouldBlock,
    /// The node shut down while waiting.
    #[error("the node shut down")]
    NodeShutdown,
    /// The empty string is not a service name.
    #[error("the empty string is not a service name")]
    EmptyName,
}
