//! Spawning: a new cell in the node's actor table, its name registered,
//! its supervisor set, then scheduled (or started on a thread of its own).

use core::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;

use crossbeam_utils::sync::Parker;

use super::memory::MemoryControl;
use super::{ActorCell, Setup, StartedAck, run_dedicated};
use crate::actor::{Actor, ActorOptions, ActorRef};
use crate::error::SpawnError;
use crate::memory::{AccountRef, MemoryStrategy};
use crate::node::shared::Shared;
use crate::pid::Pid;
use crate::scheduler::{self, WakeKind};
use crate::sync::lock;
use crate::task::Task;

/// Spawns `actor` on the node behind `shared`.
pub(crate) fn spawn_on<A: Actor>(
    shared: &Arc<Shared>,
    actor: A,
    options: ActorOptions,
) -> Result<ActorRef<A>, SpawnError> {
    spawn_cell(shared, actor, options, None, None, |_| {})
}

/// Spawns `actor`; `supervisor` makes it a restartable, supervised cell, and
/// `before_start` runs on the cell before it can first run (to link it).
/// `account` is the first incarnation's, when its factory ran under it
/// (else a new one, with the accounting allocator).
pub(crate) fn spawn_cell<A: Actor>(
    shared: &Arc<Shared>,
    actor: A,
    options: ActorOptions,
    account: Option<AccountRef>,
    supervisor: Option<(Pid, Task, StartedAck)>,
    before_start: impl FnOnce(&Arc<ActorCell<A>>),
) -> Result<ActorRef<A>, SpawnError> {
    let bound = options.bound()?;
    // Memory (ADR 0009): nothing to do for a plain actor without the
    // accounting allocator, the common case, kept to a few tests.
    let plain = options.memory == MemoryStrategy::Isolated
        && options.max_heap.is_none()
        && account.is_none()
        && options.hibernate_after.is_none()
        && options.hibernate_every.is_none()
        && !crate::memory::is_accounting();
    let (memory, factory_account) = if plain {
        (None, None)
    } else {
        options.check_memory()?;
        if options.max_heap.is_some() && !crate::memory::is_accounting() {
            shared.warn_unmeasured_limit();
        }
        let factory_account = account.clone();
        (MemoryControl::for_spawn(&options, account), factory_account)
    };
    let credit = options.credit_pool();
    let parker = options.blocking.then(Parker::new);
    let unparker = parker.as_ref().map(|p| p.unparker().clone());
    // The acceptance check runs under the shard's lock: shutdown clears
    // `accepting` and then takes every shard's lock to collect the actors, so
    // it either sees this actor or we see the flag.
    // A factory's instance is boxed under the child's account, as the
    // factory ran; an instance built by the caller stays the caller's.
    let actor = match &factory_account {
        None => Box::new(actor),
        Some(account) => crate::memory::charged_to(Some(account), || Box::new(actor)),
    };
    let cell = shared
        .actors
        .insert(
            || shared.accepting.load(SeqCst),
            |number| {
                let cell = Arc::new_cyclic(|me| {
                    ActorCell::new(
                        actor,
                        number,
                        Arc::clone(shared),
                        Setup {
                            supervised: supervisor.is_some(),
                            dedicated: unparker,
                            trap_exit: options.trap_exit,
                            bound,
                            credit,
                            memory,
                        },
                        me.as_ptr(),
                    )
                });
                let task = Arc::clone(&cell) as Task;
                (cell, task)
            },
        )
        .ok_or_else(|| SpawnError::NodeShutdown {
            node: shared.name.clone(),
        })?;
    if let Some(name) = &options.name {
        // Before anything else refers to the cell: a refused name leaves
        // nothing behind.
        let pid = cell.pid();
        let task = Arc::clone(&cell) as Task;
        if let Err(source) =
            crate::names::tables::process::register_task(&shared.names, name, pid, task)
        {
            drop(shared.actors.remove(pid.number()));
            return Err(SpawnError::Name {
                name: name.clone(),
                source,
            });
        }
    }
    // A supervisor starting a child waits for its `started` hook before it
    // does anything else (ADR 0005): the child runs next on this thread,
    // as a woken receiver does, rather than waking another thread to steal
    // it and hand the supervisor back.
    let wake = if supervisor.is_some() {
        WakeKind::Message
    } else {
        WakeKind::Spawn
    };
    if let Some((pid, task, ack)) = supervisor {
        cell.set_supervisor((pid, task), ack, None);
    }
    before_start(&cell);
    if options.memory == MemoryStrategy::GcOptimized {
        super::memory::watch(&cell, &options);
    }
    shared
        .telemetry
        .spawned(cell.pid(), core::any::type_name::<A>());
    match parker {
        None => scheduler::schedule(&shared.scheduler, Arc::clone(&cell) as Task, wake),
        Some(parker) => {
            if let Err(error) = start_dedicated(shared, &cell, parker) {
                cell.mailbox.close();
                shared.names.release(cell.pid(), None);
                drop(shared.actors.remove(cell.pid().number()));
                return Err(error);
            }
        }
    }
    Ok(ActorRef { cell })
}

/// Starts the thread of a blocking actor.
pub(crate) fn start_dedicated<A: Actor>(
    shared: &Arc<Shared>,
    cell: &Arc<ActorCell<A>>,
    parker: Parker,
) -> Result<(), SpawnError> {
    let runner = Arc::clone(cell);
    let started = std::thread::Builder::new()
        .name(format!("{}-blocking-{}", shared.name, cell.pid().number()))
        .spawn(move || run_dedicated(runner, parker));
    match started {
        Ok(handle) => {
            let mut blocking = lock(&shared.blocking);
            blocking.retain(|h| !h.is_finished());
            blocking.push(handle);
            Ok(())
        }
        Err(error) => Err(SpawnError::ThreadSpawn(Arc::new(error))),
    }
}
