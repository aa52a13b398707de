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
//! `node/table.rs`), so a late release cannot touch another actor's entries.

//!
//! The tables live in `tables/` (the node's shared state holds them); the
//! typed faces users call are `process.rs`, `groups.rs` and `services/`.

pub(crate) mod error;
mod groups;
mod process;
mod services;
pub(crate) mod tables;

pub use error::{GroupError, LookupError, NamedSendError, RegisterError, ServiceError};
pub use groups::{Broadcast, Group, ProcessGroups};
pub use process::ProcessRegistry;
pub use services::{
    Health, ServiceFuture, ServiceInfo, ServiceOptions, ServiceRefFuture, ServiceRegistry,
    WaitForService, WaitForServiceRef,
};
pub use tables::groups::{GroupChange, GroupEvent};
pub use tables::services::{HealthCheck, Namespace};

use std::sync::Arc;

use crate::actor::{Actor, Context};
use crate::task::Task;

/// An actor handle from a type-erased one, if `A` is its type.
fn downcast<A: crate::Actor>(task: Task) -> Option<crate::ActorRef<A>> {
    crate::ActorRef::from_any(task)
}

/// The registries from inside a handler (the registries sit above the
/// actor layer, so these methods of [`Context`] live here).
impl<A: Actor> Context<A> {
    /// The node's process registry. See [`ProcessRegistry`] for an
    /// example.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # let node = Node::builder().schedulers(1).start()?;
    /// #[actor]
    /// struct Greeter;
    /// #[handlers]
    /// impl Greeter {
    ///     pub fn claim(&self, ctx: &mut Context<Self>) -> bool {
    ///         ctx.registry().register("greeter", ctx.pid()).is_ok()
    ///     }
    /// }
    /// let greeter = node.spawn(Greeter)?;
    /// assert!(greeter.claim()?);
    /// assert_eq!(node.registry().lookup("greeter"), Some(greeter.pid()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn registry(&self) -> ProcessRegistry {
        ProcessRegistry::new(Arc::clone(&self.cell.shared))
    }

    /// The node's process groups. See [`ProcessGroups`] for an example.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # let node = Node::builder().schedulers(1).start()?;
    /// #[actor]
    /// struct Member;
    /// #[handlers]
    /// impl Member {
    ///     pub fn enlist(&self, ctx: &mut Context<Self>) -> bool {
    ///         ctx.groups().join("crew", ctx.myself().recipient::<MemberMsg>()).is_ok()
    ///     }
    /// }
    /// let member = node.spawn(Member)?;
    /// assert!(member.enlist()?);
    /// assert_eq!(node.groups().member_pids("crew"), [member.pid()]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn groups(&self) -> ProcessGroups {
        ProcessGroups::new(Arc::clone(&self.cell.shared))
    }

    /// The node's services in the production namespace. See
    /// [`WaitForService`](crate::WaitForService) for an example from a
    /// handler.
    ///
    /// ```
    /// # use foundation::prelude::*;
    /// # let node = Node::builder().schedulers(1).start()?;
    /// #[actor]
    /// struct Cache;
    /// #[handlers]
    /// impl Cache {
    ///     pub fn announce(&self, ctx: &mut Context<Self>) -> bool {
    ///         ctx.services().register("cache", ctx.pid()).is_ok()
    ///     }
    /// }
    /// let cache = node.spawn(Cache)?;
    /// assert!(cache.announce()?);
    /// assert_eq!(node.services().lookup("cache")?, cache.pid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn services(&self) -> ServiceRegistry {
        ServiceRegistry::new(Arc::clone(&self.cell.shared), Namespace::Production)
    }
}
