//! [`EcosystemHealth`]: an ecosystem's members, their state and load, and
//! an overall verdict, read from its directory (no call to any actor).

use core::fmt;

use crate::pid::Pid;

/// What a member is to its ecosystem (see [`EcosystemHealth`] for an
/// example).
///
/// ```
/// use foundation::{MemberHealth, MemberStatus, Role};
///
/// let worker = MemberHealth {
///     id: "worker-0".into(),
///     role: Role::Worker,
///     status: MemberStatus::Running,
///     pid: None,
///     mailbox_len: 0,
///     restarts: 0,
///     messages_handled: 12,
///     rate: 0.0,
///     memory: foundation::memory::Usage::NotMeasured,
/// };
/// assert_eq!(worker.role, Role::Worker);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The coordinator (`coordinator`).
    Coordinator,
    /// A worker of the pool (`worker-N`).
    Worker,
    /// An extra child ([`EcosystemSpec::child`](crate::EcosystemSpec::child)).
    Child,
    /// A nested ecosystem's supervisor ([`EcosystemSpec::nested`](crate::EcosystemSpec::nested)).
    Ecosystem,
}

/// Where a member is. A member between an exit and its restart is
/// [`MemberStatus::Restarting`] (its supervisor's
/// [`ChildInfo::pid`](crate::ChildInfo::pid) is `None` meanwhile).
///
/// ```
/// use foundation::MemberStatus;
/// assert_eq!(MemberStatus::Restarting.to_string(), "restarting");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStatus {
    /// Running (its `started` hook has returned).
    Running,
    /// Spawned or restarted; its `started` hook has not returned yet.
    Starting,
    /// Exited; its restart is on the way.
    Restarting,
    /// Being stopped (a removed worker drains, then stops).
    Stopping,
    /// Not running and not coming back by itself (terminated, a transient
    /// child that ended normally, or its ecosystem stopped).
    Stopped,
}

impl fmt::Display for MemberStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MemberStatus::Running => "running",
            MemberStatus::Starting => "starting",
            MemberStatus::Restarting => "restarting",
            MemberStatus::Stopping => "stopping",
            MemberStatus::Stopped => "stopped",
        })
    }
}

/// One member's health.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberHealth {
    /// Its id in the ecosystem (`coordinator`, `worker-0` …, a child's id,
    /// a nested ecosystem's name).
    pub id: String,
    /// What it is.
    pub role: Role,
    /// Where it is.
    pub status: MemberStatus,
    /// The running incarnation, if any.
    pub pid: Option<Pid>,
    /// Messages waiting in its mailbox ([`ActorRef::mailbox_len`](crate::ActorRef::mailbox_len)).
    pub mailbox_len: usize,
    /// Restarts after a failure since the ecosystem (this incarnation of
    /// its supervisor) started it.
    pub restarts: u32,
    /// Messages it has taken from its mailbox
    /// ([`ActorRef::messages_handled`](crate::ActorRef::messages_handled)).
    pub messages_handled: u64,
    /// Messages handled per second, over the last one to two seconds of
    /// health reports of this ecosystem (the rate compares with a report at
    /// least a second old; before there is one, since the ecosystem
    /// started).
    pub rate: f64,
    /// Its memory ([`ActorRef::memory`](crate::ActorRef::memory)): "not
    /// measured" without the [`AccountingAllocator`](crate::memory::AccountingAllocator),
    /// or while it is not running.
    pub memory: crate::memory::Usage,
}

/// An ecosystem's overall state.
///
/// ```
/// use foundation::EcosystemStatus;
///
/// let status = EcosystemStatus::Degraded(vec!["worker-1 is restarting".into()]);
/// assert!(!status.is_healthy());
/// assert_eq!(status.to_string(), "degraded (worker-1 is restarting)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EcosystemStatus {
    /// Every member runs, none is overloaded, nested ecosystems are
    /// healthy.
    Healthy,
    /// It works, with these problems: a member starting, restarting or
    /// stopped, an overloaded mailbox, a nested ecosystem not healthy.
    Degraded(Vec<String>),
    /// It does not work: its supervisor has stopped (it gave up, or was
    /// stopped), its coordinator has stopped, or no worker is left (every
    /// one stopped for good). The reasons list that first, then what
    /// [`EcosystemStatus::Degraded`] would list.
    Failed(Vec<String>),
}

impl EcosystemStatus {
    /// Whether it is [`EcosystemStatus::Healthy`].
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
    /// shards.ecosystem().stop();
    /// # let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    /// while shards.health().status.is_healthy() {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now();
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_healthy(&self) -> bool {
        matches!(self, EcosystemStatus::Healthy)
    }
}

impl fmt::Display for EcosystemStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EcosystemStatus::Healthy => f.write_str("healthy"),
            EcosystemStatus::Degraded(reasons) => write!(f, "degraded ({})", reasons.join("; ")),
            EcosystemStatus::Failed(reasons) => write!(f, "failed ({})", reasons.join("; ")),
        }
    }
}

/// An ecosystem's health: per member its status, mailbox depth, restarts,
/// messages handled and rate, nested ecosystems' own reports, and an
/// overall [`EcosystemStatus`]. Made by [`ecosystem_health`](crate::ecosystem_health)
/// (or [`Ecosystem::health`](crate::Ecosystem::health)) from the
/// ecosystem's directory, without a call to any actor: it may be made from
/// a handler. `Display` renders it as a tree.
///
/// ```
/// use foundation::{Actor, Context, EcosystemSpec, EcosystemStatus, Node, ecosystem_health, spawn_ecosystem};
///
/// #[derive(Default)]
/// struct Worker;
/// impl Actor for Worker {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let eco = spawn_ecosystem(&node, EcosystemSpec::new("jobs", |_| Worker).workers(2, Worker::default))?;
/// let health = ecosystem_health(&eco);
/// assert_eq!(health.status, EcosystemStatus::Healthy);
/// assert_eq!(health.members.len(), 3);
/// let text = health.to_string();
/// assert!(text.starts_with("ecosystem \"jobs\": healthy"));
/// assert!(text.contains("worker-1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EcosystemHealth {
    /// The ecosystem's name.
    pub name: String,
    /// The verdict.
    pub status: EcosystemStatus,
    /// Its members, in start order (a nested ecosystem is one, as its
    /// supervisor; its own report is in `nested`).
    pub members: Vec<MemberHealth>,
    /// The nested ecosystems' reports.
    pub nested: Vec<EcosystemHealth>,
}

impl EcosystemHealth {
    /// Member `id`'s health.
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
    /// let health = shards.health();
    /// // Members go by their child ids: "coordinator", "worker-0", "worker-1", …
    /// let lead = health.member("coordinator").expect("a member");
    /// assert_eq!(lead.restarts, 0);
    /// assert!(health.member("worker-1").is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn member(&self, id: &str) -> Option<&MemberHealth> {
        self.members.iter().find(|m| m.id == id)
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, indent: &str) -> fmt::Result {
        writeln!(f, "ecosystem {:?}: {}", self.name, self.status)?;
        for (i, member) in self.members.iter().enumerate() {
            let last = i + 1 == self.members.len();
            let (branch, under) = if last {
                ("└─ ", "   ")
            } else {
                ("├─ ", "│  ")
            };
            write!(f, "{indent}{branch}")?;
            if let Some(nested) = (member.role == Role::Ecosystem)
                .then(|| self.nested.iter().find(|n| n.name == member.id))
                .flatten()
            {
                nested.write(f, &format!("{indent}{under}"))?;
                continue;
            }
            let pid = member
                .pid
                .map_or_else(|| "-".to_string(), |p| p.to_string());
            writeln!(
                f,
                "{:<14} {:<10} {:<12} mailbox {:<6} restarts {:<3} memory {:<12} handled {} ({:.1}/s)",
                member.id,
                member.status.to_string(),
                pid,
                member.mailbox_len,
                member.restarts,
                member.memory.to_string(),
                member.messages_handled,
                member.rate
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for EcosystemHealth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, "")
    }
}
