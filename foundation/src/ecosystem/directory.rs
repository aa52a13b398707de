//! An ecosystem's directory of members ([`Members`]): kept by its
//! supervisor, incarnation after incarnation (it observes the children),
//! and read by every handle without asking the supervisor anything.

use core::marker::PhantomData;
use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::actor::{Actor, ActorOptions, ActorRef, Context};
use crate::supervisor::{ChildSpec, ChildStatus, ChildView, Observer, Supervisor};
use crate::sync::lock;
use crate::task::Task;

use super::health::{EcosystemHealth, EcosystemStatus, MemberHealth, MemberStatus, Role};
use super::pool::WorkerPool;

/// The coordinator's id among its ecosystem's members.
pub(super) const COORDINATOR: &str = "coordinator";

/// The id of worker `n` (`worker-0`, `worker-1` …).
pub(super) fn worker_id(n: usize) -> String {
    format!("worker-{n}")
}

/// One member, as last reported by the supervisor.
pub(super) struct Member {
    pub(super) id: String,
    pub(super) role: Role,
    pub(super) status: ChildStatus,
    pub(super) restarts: u32,
    pub(super) task: Option<Task>,
    /// The member's cell, kept after it is retired: a handle asked for a
    /// member during a unit restart gets its old address, whose sends fail
    /// (never a silent loss), until the new incarnation has spawned it.
    pub(super) cell: Option<Arc<dyn Any + Send + Sync>>,
    /// A worker in the pool's routing now.
    pub(super) routed: bool,
    /// A worker being removed: out of the routing, draining.
    pub(super) leaving: bool,
}

pub(super) struct State {
    /// The current incarnation of the ecosystem's supervisor.
    pub(super) supervisor: Option<ActorRef<Supervisor>>,
    /// In start order.
    pub(super) members: Vec<Member>,
    /// Each member's index in `members`, by id.
    pub(super) index: HashMap<String, usize>,
    /// Ids of the workers, in the order they were added.
    pub(super) workers: Vec<String>,
    /// The same, to look up (a member's role is decided when it first
    /// appears).
    pub(super) worker_ids: HashSet<String>,
}

impl State {
    fn member(&self, id: &str) -> Option<&Member> {
        self.members.get(*self.index.get(id)?)
    }

    fn member_mut(&mut self, id: &str) -> Option<&mut Member> {
        self.members.get_mut(*self.index.get(id)?)
    }

    /// Keeps the members that `keep` says, and the index right.
    fn retain(&mut self, keep: impl FnMut(&Member) -> bool) {
        self.members.retain(keep);
        self.index = self
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.clone(), i))
            .collect();
    }
}

/// The directory: what every handle of one ecosystem shares.
pub(crate) struct Members<C: Actor, W: Actor> {
    pub(super) name: String,
    pub(super) pool: WorkerPool<W>,
    worker: Arc<dyn Fn() -> W + Send + Sync>,
    worker_options: ActorOptions,
    /// The next added worker's number.
    next_worker: Mutex<usize>,
    /// The spec's workers and members (a new incarnation of the supervisor
    /// starts these, and only these).
    spec_workers: usize,
    spec_ids: Vec<String>,
    pub(super) nested: Vec<(String, Arc<dyn NestedDirectory>)>,
    pub(super) state: Mutex<State>,
    /// Each member's messages handled at the previous health report.
    samples: Mutex<HashMap<String, Samples>>,
    born: Instant,
    _coordinator: PhantomData<fn() -> C>,
}

impl<C: Actor, W: Actor> Members<C, W> {
    pub(super) fn new(
        name: String,
        pool: WorkerPool<W>,
        worker: Arc<dyn Fn() -> W + Send + Sync>,
        worker_options: ActorOptions,
        spec_workers: usize,
        spec_ids: Vec<String>,
        nested: Vec<(String, Arc<dyn NestedDirectory>)>,
    ) -> Self {
        Members {
            name,
            pool,
            worker,
            worker_options,
            next_worker: Mutex::new(spec_workers),
            spec_workers,
            spec_ids,
            nested,
            state: Mutex::new({
                let workers: Vec<String> = (0..spec_workers).map(worker_id).collect();
                State {
                    supervisor: None,
                    members: Vec::new(),
                    index: HashMap::new(),
                    worker_ids: workers.iter().cloned().collect(),
                    workers,
                }
            }),
            samples: Mutex::new(HashMap::new()),
            born: Instant::now(),
            _coordinator: PhantomData,
        }
    }

    /// Member `id`'s handle, if it has a cell and is an `A`.
    pub(super) fn member<A: Actor>(&self, id: &str) -> Option<ActorRef<A>> {
        let state = lock(&self.state);
        ActorRef::from_any(Arc::clone(state.member(id)?.cell.as_ref()?))
    }

    pub(super) fn supervisor(&self) -> Option<ActorRef<Supervisor>> {
        lock(&self.state).supervisor.clone()
    }

    /// The spec of a new worker, and its id.
    pub(super) fn next_worker(&self) -> (String, ChildSpec) {
        let id = {
            let mut next = lock(&self.next_worker);
            *next += 1;
            worker_id(*next - 1)
        };
        let mut state = lock(&self.state);
        state.workers.push(id.clone());
        state.worker_ids.insert(id.clone());
        drop(state);
        let factory = Arc::clone(&self.worker);
        let spec =
            ChildSpec::new(id.clone(), move || factory()).options(self.worker_options.clone());
        (id, spec)
    }

    /// Takes the newest routed worker out of the routing (once this
    /// returns, nothing is routed to it) and marks it leaving: what to
    /// drain and then stop. `None` if it is the last routed worker.
    pub(super) fn begin_removal(&self) -> Option<(String, ActorRef<W>)> {
        let mut state = lock(&self.state);
        let routed: Vec<&String> = state
            .workers
            .iter()
            .filter(|id| state.member(id).is_some_and(|m| m.routed))
            .collect();
        if routed.len() < 2 {
            return None;
        }
        let id = routed[routed.len() - 1].clone();
        let member = state.member_mut(&id)?;
        let worker = ActorRef::<W>::from_any(Arc::clone(member.cell.as_ref()?))?;
        member.leaving = true;
        // Under the directory's lock, so that no report of the supervisor
        // routes it again meanwhile.
        self.route(member);
        Some((id, worker))
    }

    /// A removal that could not finish: the worker is routed again.
    pub(super) fn abort_removal(&self, id: &str) {
        let mut state = lock(&self.state);
        if let Some(member) = state.member_mut(id) {
            member.leaving = false;
            self.route(member);
        }
    }

    fn role(&self, state: &State, id: &str) -> Role {
        if id == COORDINATOR {
            Role::Coordinator
        } else if state.worker_ids.contains(id) {
            Role::Worker
        } else if self.nested.iter().any(|(n, _)| n == id) {
            Role::Ecosystem
        } else {
            Role::Child
        }
    }

    /// Puts worker `member` in the routing, or takes it out, as its state
    /// says; the routing holds its cell (a new one after a unit restart).
    fn route(&self, member: &mut Member) {
        let worker =
            (!member.leaving && member.status != ChildStatus::Off && member.task.is_some())
                .then(|| member.cell.clone().and_then(ActorRef::<W>::from_any))
                .flatten();
        // A routed member whose cell changes is taken out first (see
        // `child`): routed here means routed with this cell.
        match worker {
            Some(worker) if !member.routed => {
                self.pool.push(worker);
                member.routed = true;
            }
            Some(_) => {}
            None if member.routed => {
                if let Some(cell) = &member.cell {
                    self.pool.leave(cell);
                }
                member.routed = false;
            }
            None => {}
        }
    }

    /// The ecosystem's health now (see [`EcosystemHealth`]).
    pub(super) fn health(&self) -> EcosystemHealth {
        let now = Instant::now();
        let state = lock(&self.state);
        let mut samples = lock(&self.samples);
        let mut reasons_failed = Vec::new();
        let mut reasons_degraded = Vec::new();
        let supervisor_alive = state.supervisor.as_ref().is_some_and(ActorRef::is_alive);
        if !supervisor_alive {
            reasons_failed.push("its supervisor has stopped".to_string());
        }
        let mut members = Vec::new();
        let mut live_workers = 0;
        for member in &state.members {
            let role = member.role;
            let (status, pid) = match member.status {
                ChildStatus::Off => (MemberStatus::Stopped, None),
                ChildStatus::Starting(pid) => (MemberStatus::Starting, Some(pid)),
                ChildStatus::Running(pid) => (MemberStatus::Running, Some(pid)),
                ChildStatus::Stopping(pid) => (MemberStatus::Stopping, Some(pid)),
                ChildStatus::Restarting => (MemberStatus::Restarting, None),
            };
            let (mailbox_len, handled) = member
                .task
                .as_ref()
                .map_or((0, 0), |task| task.mailbox_counts());
            let rate = rate(
                samples.entry(member.id.clone()).or_default(),
                handled,
                now,
                self.born,
            );
            let leaving = member.leaving;
            if role == Role::Worker && status != MemberStatus::Stopped && !leaving {
                live_workers += 1;
            }
            match (role, status) {
                (Role::Coordinator, MemberStatus::Stopped) if supervisor_alive => {
                    reasons_failed.push("its coordinator has stopped".to_string());
                }
                (_, MemberStatus::Stopped) if role != Role::Worker => {}
                (_, MemberStatus::Running) => {}
                (_, MemberStatus::Stopping) if leaving => {}
                (_, status) if supervisor_alive => {
                    reasons_degraded.push(format!("{} is {status}", member.id));
                }
                _ => {}
            }
            if member.task.as_ref().is_some_and(|t| t.is_overloaded()) {
                reasons_degraded.push(format!(
                    "{} is overloaded ({mailbox_len} messages queued)",
                    member.id
                ));
            }
            members.push(MemberHealth {
                id: member.id.clone(),
                role,
                status,
                pid,
                mailbox_len,
                restarts: member.restarts,
                messages_handled: handled,
                rate,
                memory: member
                    .task
                    .as_ref()
                    .and_then(|t| t.memory())
                    .filter(|_| crate::memory::is_accounting())
                    .map_or(
                        crate::memory::Usage::NotMeasured,
                        crate::memory::Usage::Bytes,
                    ),
            });
        }
        drop(samples);
        drop(state);
        if supervisor_alive && live_workers == 0 {
            reasons_failed.push("no worker is left".to_string());
        }
        let nested: Vec<EcosystemHealth> = self.nested.iter().map(|(_, n)| n.health()).collect();
        for inner in &nested {
            match &inner.status {
                EcosystemStatus::Healthy => {}
                EcosystemStatus::Degraded(_) => {
                    reasons_degraded.push(format!("ecosystem {:?} is degraded", inner.name));
                }
                EcosystemStatus::Failed(_) => {
                    reasons_degraded.push(format!("ecosystem {:?} has failed", inner.name));
                }
            }
        }
        let status = if !reasons_failed.is_empty() {
            reasons_failed.append(&mut reasons_degraded);
            EcosystemStatus::Failed(reasons_failed)
        } else if !reasons_degraded.is_empty() {
            EcosystemStatus::Degraded(reasons_degraded)
        } else {
            EcosystemStatus::Healthy
        };
        EcosystemHealth {
            name: self.name.clone(),
            status,
            members,
            nested,
        }
    }
}

impl<C: Actor, W: Actor> Observer for Members<C, W> {
    fn attached(self: Arc<Self>, sup: &Context<Supervisor>) {
        {
            let mut state = lock(&self.state);
            let first = state.supervisor.replace(sup.myself()).is_none();
            if !first {
                // A new incarnation starts the spec's members again, in new
                // cells; workers added to an earlier one are gone with it.
                let spec_ids: HashSet<&String> = self.spec_ids.iter().collect();
                state.retain(|m| spec_ids.contains(&m.id));
                for member in &mut state.members {
                    member.status = ChildStatus::Off;
                    member.task = None;
                    member.routed = false;
                    member.leaving = false;
                }
                state.workers = (0..self.spec_workers).map(worker_id).collect();
                state.worker_ids = state.workers.iter().cloned().collect();
                *lock(&self.next_worker) = self.spec_workers;
                self.pool.clear();
            }
        }
        let any: Arc<dyn Any + Send + Sync> = self.clone();
        lock(&sup.cell.shared.ecosystems).insert(self.name.clone(), Arc::downgrade(&any));
    }

    fn child(&self, view: ChildView<'_>) {
        let mut state = lock(&self.state);
        let index = match state.index.get(view.id) {
            Some(&index) => index,
            None => {
                let index = state.members.len();
                let role = self.role(&state, view.id);
                state.index.insert(view.id.to_string(), index);
                state.members.push(Member {
                    id: view.id.to_string(),
                    role,
                    status: ChildStatus::Off,
                    restarts: 0,
                    task: None,
                    cell: None,
                    routed: false,
                    leaving: false,
                });
                index
            }
        };
        let member = &mut state.members[index];
        // A worker's routing changes only with its cell or its being off.
        let routing_changed = view.status == ChildStatus::Off
            || member.status == ChildStatus::Off
            || match (view.cell, &member.cell) {
                (Some(new), Some(old)) => !Arc::ptr_eq(new, old),
                (new, _) => new.is_some(),
            };
        member.status = view.status;
        member.restarts = view.restarts;
        member.task = view.task.cloned();
        if let Some(cell) = view.cell
            && !member
                .cell
                .as_ref()
                .is_some_and(|old| Arc::ptr_eq(old, cell))
        {
            if member.routed {
                // Out with the old cell before the new one comes in.
                if let Some(old) = &member.cell {
                    self.pool.leave(old);
                }
                member.routed = false;
            }
            member.cell = Some(Arc::clone(cell));
        }
        if routing_changed && member.role == Role::Worker {
            self.route(member);
        }
    }

    fn removed(&self, id: &str) {
        let mut state = lock(&self.state);
        if let Some(member) = state.member_mut(id)
            && member.routed
        {
            member.leaving = true;
            self.route(member);
        }
        state.retain(|m| m.id != id);
        state.workers.retain(|w| w != id);
        state.worker_ids.remove(id);
    }
}

/// A member's messages handled at two earlier health reports, at least
/// [`RATE_WINDOW`] apart: the rate looks back one to two windows.
#[derive(Default)]
struct Samples {
    older: Option<(u64, Instant)>,
    newer: Option<(u64, Instant)>,
}

/// How far back a health report's rate looks, at least.
const RATE_WINDOW: Duration = Duration::from_secs(1);

/// Messages handled per second: since the older sample, or since `born`.
fn rate(samples: &mut Samples, handled: u64, now: Instant, born: Instant) -> f64 {
    if samples
        .newer
        .is_none_or(|(_, at)| now.duration_since(at) >= RATE_WINDOW)
    {
        samples.older = samples.newer.replace((handled, now));
    }
    let (before, at) = samples.older.unwrap_or((0, born));
    let elapsed = now.duration_since(at).as_secs_f64();
    if elapsed > 0.0 {
        handled.saturating_sub(before) as f64 / elapsed
    } else {
        0.0
    }
}

/// A nested ecosystem's directory, whatever its members' types.
pub(super) trait NestedDirectory: Send + Sync {
    fn health(&self) -> EcosystemHealth;
    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl<C: Actor, W: Actor> NestedDirectory for Members<C, W> {
    fn health(&self) -> EcosystemHealth {
        Members::health(self)
    }

    fn as_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}
