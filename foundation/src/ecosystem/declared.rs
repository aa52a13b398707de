//! [`DeclaredEcosystem`]: what `#[ecosystem]` implements for the struct it
//! turns into a typed handle, and what nests one declared ecosystem in
//! another.

use crate::actor::Actor;
use crate::node::Node;
use crate::supervisor::ChildSpec;

use super::{Ecosystem, EcosystemError, EcosystemHealth, EcosystemSpec, spawn_ecosystem};

/// An ecosystem declared with [`#[ecosystem]`](macro@crate::ecosystem):
/// its spec, and its typed handle (the declared struct itself, one field
/// per member) made from an [`Ecosystem`]. The macro implements it; the
/// provided methods are what the macro's inherent `spawn`, `child_spec`,
/// `lookup`, `refresh` and `health` call.
///
/// ```
/// use foundation::prelude::*;
/// use foundation::DeclaredEcosystem;
///
/// #[actor]
/// #[derive(Default)]
/// pub struct Shard {
///     jobs: u64,
/// }
///
/// #[handlers]
/// impl Shard {
///     pub fn job(&mut self) {
///         self.jobs += 1;
///     }
/// }
///
/// #[ecosystem(name = "shards")]
/// pub struct Shards {
///     #[coordinator]
///     lead: Shard,
///     #[workers(count = 2)]
///     pool: Shard,
/// }
///
/// assert_eq!(Shards::NAME, "shards");
/// let node = Node::builder().schedulers(1).start()?;
/// let shards = <Shards as DeclaredEcosystem>::spawn(&node)?;
/// assert_eq!(shards.pool.len(), 2);
/// assert!(Shards::lookup(&node).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an ecosystem",
    label = "not an ecosystem",
    note = "put `#[ecosystem]` on the struct that lists its members"
)]
pub trait DeclaredEcosystem: Sized + 'static {
    /// The coordinator's actor type.
    type Coordinator: Actor;
    /// The workers' actor type.
    type Worker: Actor;
    /// The ecosystem's name (its supervisor's registered name).
    const NAME: &'static str;

    /// The ecosystem's spec, as declared.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::DeclaredEcosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # pub struct Shard { jobs: u64 }
    /// # #[handlers]
    /// # impl Shard {
    /// #     pub fn job(&mut self) { self.jobs += 1; }
    /// # }
    /// #[ecosystem(name = "shards")]
    /// pub struct Shards {
    ///     #[coordinator]
    ///     lead: Shard,
    ///     #[workers(count = 2)]
    ///     pool: Shard,
    /// }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let spec = <Shards as DeclaredEcosystem>::spec();
    /// assert_eq!(spec.name(), "shards");
    /// spec.check()?; // what every start checks first
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn spec() -> EcosystemSpec<Self::Coordinator, Self::Worker>;

    /// The typed handle of a running ecosystem of this declaration: `None`
    /// if a member is missing (its start has not reached it yet).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::DeclaredEcosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # pub struct Shard { jobs: u64 }
    /// # #[handlers]
    /// # impl Shard {
    /// #     pub fn job(&mut self) { self.jobs += 1; }
    /// # }
    /// #[ecosystem(name = "shards")]
    /// pub struct Shards {
    ///     #[coordinator]
    ///     lead: Shard,
    ///     #[workers(count = 2)]
    ///     pool: Shard,
    /// }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let eco = foundation::spawn_ecosystem(&node, Shards::spec())?; // started untyped
    /// let shards = Shards::from_ecosystem(&eco).expect("every member started");
    /// shards.lead.job()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn from_ecosystem(ecosystem: &Ecosystem<Self::Coordinator, Self::Worker>) -> Option<Self>;

    /// The untyped handle inside.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::DeclaredEcosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # pub struct Shard { jobs: u64 }
    /// # #[handlers]
    /// # impl Shard {
    /// #     pub fn job(&mut self) { self.jobs += 1; }
    /// # }
    /// #[ecosystem(name = "shards")]
    /// pub struct Shards {
    ///     #[coordinator]
    ///     lead: Shard,
    ///     #[workers(count = 2)]
    ///     pool: Shard,
    /// }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let shards = Shards::spawn(&node)?;
    /// shards.ecosystem().add_worker()?; // the untyped handle's operations
    /// assert_eq!(shards.ecosystem().workers().len(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn ecosystem(&self) -> &Ecosystem<Self::Coordinator, Self::Worker>;

    /// Starts the ecosystem (see [`spawn_ecosystem`]) and returns its typed
    /// handle.
    ///
    /// # Errors
    ///
    /// As [`spawn_ecosystem`].
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::DeclaredEcosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # pub struct Shard { jobs: u64 }
    /// # #[handlers]
    /// # impl Shard {
    /// #     pub fn job(&mut self) { self.jobs += 1; }
    /// # }
    /// #[ecosystem(name = "shards")]
    /// pub struct Shards {
    ///     #[coordinator]
    ///     lead: Shard,
    ///     #[workers(count = 2)]
    ///     pool: Shard,
    /// }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let shards = Shards::spawn(&node)?; // every member started when this returns
    /// shards.lead.job()?; // ShardExt on the coordinator's ActorRef
    /// assert_eq!(shards.pool.len(), 2);
    /// assert!(Shards::spawn(&node).is_err()); // the name is taken while it runs
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn spawn(node: &Node) -> Result<Self, EcosystemError> {
        let ecosystem = spawn_ecosystem(node, Self::spec())?;
        Ok(Self::from_ecosystem(&ecosystem).expect("a started ecosystem has all its members"))
    }

    /// The ecosystem as a child of a larger tree (see
    /// [`ecosystem_supervisor`](crate::ecosystem_supervisor)).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::DeclaredEcosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # pub struct Shard { jobs: u64 }
    /// # #[handlers]
    /// # impl Shard {
    /// #     pub fn job(&mut self) { self.jobs += 1; }
    /// # }
    /// #[ecosystem(name = "shards")]
    /// pub struct Shards {
    ///     #[coordinator]
    ///     lead: Shard,
    ///     #[workers(count = 2)]
    ///     pool: Shard,
    /// }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// // The whole ecosystem as one child of a larger tree.
    /// let app = Supervisor::builder().child(Shards::child_spec()).spawn(&node)?;
    /// let shards = Shards::lookup(&node)?;
    /// assert_eq!(shards.pool.len(), 2);
    /// # let _ = app;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn child_spec() -> ChildSpec {
        super::ecosystem_supervisor(Self::spec())
    }

    /// The typed handle of the running ecosystem of this declaration on
    /// `node` (see [`Node::ecosystem`]).
    ///
    /// # Errors
    ///
    /// As [`Node::ecosystem`].
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::DeclaredEcosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # pub struct Shard { jobs: u64 }
    /// # #[handlers]
    /// # impl Shard {
    /// #     pub fn job(&mut self) { self.jobs += 1; }
    /// # }
    /// #[ecosystem(name = "shards")]
    /// pub struct Shards {
    ///     #[coordinator]
    ///     lead: Shard,
    ///     #[workers(count = 2)]
    ///     pool: Shard,
    /// }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// assert!(Shards::lookup(&node).is_err()); // not started yet
    /// let _running = Shards::spawn(&node)?;
    /// let found = Shards::lookup(&node)?;
    /// found.lead.job()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn lookup(node: &Node) -> Result<Self, crate::LookupError> {
        let ecosystem = node.ecosystem(Self::NAME)?;
        Self::from_ecosystem(&ecosystem).ok_or_else(|| crate::LookupError::NotRegistered {
            name: Self::NAME.to_string(),
        })
    }

    /// The typed handle again, its members resolved afresh: after the
    /// ecosystem restarted as a unit, the fields of a handle taken before
    /// point at retired cells (their sends fail); this one's point at the
    /// running members. `None` while a member is missing (mid-restart).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::DeclaredEcosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # pub struct Shard { jobs: u64 }
    /// # #[handlers]
    /// # impl Shard {
    /// #     pub fn job(&mut self) { self.jobs += 1; }
    /// # }
    /// #[ecosystem(name = "shards")]
    /// pub struct Shards {
    ///     #[coordinator]
    ///     lead: Shard,
    ///     #[workers(count = 2)]
    ///     pool: Shard,
    /// }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let shards = Shards::spawn(&node)?;
    /// shards.ecosystem().add_worker()?;
    /// let shards = shards.refresh().expect("running"); // picks up the added worker
    /// assert_eq!(shards.pool.len(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn refresh(&self) -> Option<Self> {
        Self::from_ecosystem(self.ecosystem())
    }

    /// The ecosystem's health (see [`EcosystemHealth`]).
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # use foundation::DeclaredEcosystem;
    /// # #[actor]
    /// # #[derive(Default)]
    /// # pub struct Shard { jobs: u64 }
    /// # #[handlers]
    /// # impl Shard {
    /// #     pub fn job(&mut self) { self.jobs += 1; }
    /// # }
    /// #[ecosystem(name = "shards")]
    /// pub struct Shards {
    ///     #[coordinator]
    ///     lead: Shard,
    ///     #[workers(count = 2)]
    ///     pool: Shard,
    /// }
    /// # let node = Node::builder().schedulers(1).start()?;
    /// let shards = Shards::spawn(&node)?;
    /// assert!(shards.health().status.is_healthy());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn health(&self) -> EcosystemHealth {
        self.ecosystem().health()
    }
}
