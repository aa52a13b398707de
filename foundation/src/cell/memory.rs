//! A cell's memory (ADR 0009): its incarnation's account, its limit and
//! its hibernation; what a run sets up for them, and compaction.

use core::sync::atomic::Ordering::{AcqRel, Relaxed};
use std::sync::Arc;

use super::*;
use crate::actor::ActorOptions;
use crate::memory::{self, AccountRef, MemoryStrategy, RunState, Tag};
use crate::sync::lock;

/// The memory settings of a cell, and its incarnation's account; in the
/// control block (a cell without any has no `MEMORY` flag and costs
/// nothing).
pub(crate) struct MemoryControl {
    /// The current incarnation's account: `None` without the accounting
    /// allocator, or between incarnations. A restart brings a new one.
    pub(super) account: Option<AccountRef>,
    pub(super) strategy: MemoryStrategy,
    /// `max_heap`; `u64::MAX`: none.
    pub(super) limit: u64,
    /// `hibernate_every`; 0: never.
    pub(super) every: u32,
    /// The read position at the last compaction.
    pub(super) compacted_at: u64,
    /// Queue positions skipped by released blocks (not messages).
    pub(super) skipped: u64,
}

impl MemoryControl {
    /// What a cell spawned with `options` needs, if anything; `account`
    /// is its first incarnation's (a factory's, or a fresh one).
    pub(crate) fn for_spawn(
        options: &ActorOptions,
        account: Option<AccountRef>,
    ) -> Option<Box<MemoryControl>> {
        let account = account.or_else(|| memory::is_accounting().then(AccountRef::new));
        // Without an account, only hibernation needs anything here (a
        // `shared` actor's pool and a limit need the allocator).
        if account.is_none() && options.memory != MemoryStrategy::GcOptimized {
            return None;
        }
        Some(Box::new(MemoryControl {
            account,
            strategy: options.memory,
            limit: options.max_heap.unwrap_or(u64::MAX),
            every: options.hibernate_every.unwrap_or(0),
            compacted_at: 0,
            skipped: 0,
        }))
    }

    /// The same settings for the next incarnation, which has no account
    /// yet.
    pub(super) fn carried_over(&self) -> Box<MemoryControl> {
        Box::new(MemoryControl {
            account: None,
            strategy: self.strategy,
            limit: self.limit,
            every: self.every,
            compacted_at: self.compacted_at,
            skipped: self.skipped,
        })
    }
}

/// What the run loop does between two messages of an actor with memory
/// settings ([`ActorCell::memory_step`]).
pub(super) enum Step {
    /// Go on.
    Go,
    /// Over `max_heap`: `(used, limit)`.
    Limit(u64, u64),
    /// Run the `compact` hook, then [`ActorCell::compacted`].
    Compact,
}

impl<A: Actor> ActorCell<A> {
    /// Sets up this run's memory (its account's tag, in a thread-local
    /// that `scope` ends), unless it already is.
    #[cold]
    #[inline(never)]
    pub(super) fn begin_memory(&self, scope: &mut crate::panic::ActorScope) {
        if scope.memory {
            return;
        }
        let control = lock(&self.control);
        let Some(m) = control.as_ref().and_then(|c| c.memory.as_deref()) else {
            return;
        };
        let account = m.account.clone();
        let pool = self.shared.memory_pool.as_ref();
        let tag = account.as_ref().map(|account| Tag {
            account: account.as_ptr(),
            pool: pool.map_or(core::ptr::null(), AccountRef::as_ptr),
            threshold: if m.strategy == MemoryStrategy::Shared && pool.is_some() {
                memory::SHARED_THRESHOLD
            } else {
                usize::MAX
            },
            probing: false,
        });
        let (limit, every, compacted_at) = (m.limit, m.every, m.compacted_at);
        drop(control);
        memory::begin_run(RunState {
            // SAFETY: `account` is held by the run state and dropped after
            // the guard; the pool is the node's, which the runner's
            // `Context` keeps alive for longer (the scope ends first).
            _tag: tag.map(|tag| unsafe { memory::account::enter(tag) }),
            account,
            limit,
            every,
            compacted_at,
        });
        scope.memory = true;
    }

    /// Between two messages (and before the first): sets the run's memory
    /// up, adds what the last handler allocated to the account (so figures
    /// read after its messages are exact), and says whether the actor is
    /// over its `max_heap` (an allocator cannot unwind, so it is checked
    /// here) or should compact (asked to, or `hibernate_every` messages
    /// since it last did).
    #[cold]
    #[inline(never)]
    pub(super) fn memory_step(&self, signals: u16, scope: &mut crate::panic::ActorScope) -> Step {
        self.begin_memory(scope);
        memory::account::flush();
        let wanted = signals & SIG_COMPACT != 0;
        if wanted {
            self.signals.fetch_and(!SIG_COMPACT, AcqRel);
        }
        let taken = self.mailbox.taken() as u64;
        memory::with_run(|run| {
            if run.limit != u64::MAX
                && let Some(account) = &run.account
            {
                let used = account.get().bytes();
                if used > run.limit {
                    return Step::Limit(used, run.limit);
                }
            }
            if wanted || (run.every != 0 && taken - run.compacted_at >= u64::from(run.every)) {
                Step::Compact
            } else {
                Step::Go
            }
        })
        .unwrap_or(Step::Go)
    }

    /// After the `compact` hook: gives the mailbox's last block back if it
    /// is empty, and notes the read position.
    #[cold]
    #[inline(never)]
    pub(super) fn compacted(&self) {
        // SAFETY: the runner holds RUNNING: it is the mailbox's consumer.
        let skipped = unsafe { self.mailbox.release_idle() } as u64;
        let taken = self.mailbox.taken() as u64;
        memory::with_run(|run| run.compacted_at = taken);
        if let Some(m) = lock(&self.control)
            .as_mut()
            .and_then(|c| c.memory.as_deref_mut())
        {
            m.compacted_at = taken;
            m.skipped += skipped;
        }
    }

    /// Messages taken from the mailbox since the cell was made: its read
    /// position, less the positions that released blocks skipped.
    pub(crate) fn messages_taken(&self) -> u64 {
        let taken = self.mailbox.taken() as u64;
        if self.signals.load(Relaxed) & MEMORY == 0 {
            return taken;
        }
        let skipped = lock(&self.control)
            .as_ref()
            .and_then(|c| c.memory.as_ref())
            .map_or(0, |m| m.skipped);
        taken.saturating_sub(skipped)
    }

    /// Bytes charged to the current incarnation (`None`: not measured).
    pub(super) fn memory_bytes(&self) -> Option<u64> {
        lock(&self.control)
            .as_ref()?
            .memory
            .as_ref()?
            .account
            .as_ref()
            .map(|a| a.get().bytes())
    }

    /// Asks a running actor to compact when its mailbox is next empty.
    pub(super) fn request_compact(&self) -> bool {
        if self.state.is_stopped() || self.signals.load(Relaxed) & MEMORY == 0 {
            return false;
        }
        self.signals.fetch_or(SIG_COMPACT, AcqRel);
        if self.state.notify_signal() {
            self.wake(crate::scheduler::WakeKind::Spawn);
        }
        true
    }

    /// Gives the next incarnation its account (a restart).
    pub(super) fn install_account(control: &mut Control, account: Option<AccountRef>) {
        if let Some(m) = control.memory.as_deref_mut() {
            m.account = account.or_else(|| memory::is_accounting().then(AccountRef::new));
        }
    }
}

/// Registers a `gc_optimized` cell with the node's memory monitor.
pub(crate) fn watch<A: Actor>(cell: &Arc<ActorCell<A>>, options: &ActorOptions) {
    let weak: std::sync::Weak<ActorCell<A>> = Arc::downgrade(cell);
    let weak: std::sync::Weak<dyn crate::task::Runnable> = weak;
    cell.shared
        .memory
        .add_sleeper(weak, options.hibernate_after, cell.mailbox.taken() as u64);
}
