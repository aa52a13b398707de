//! A cell's memory (ADR 0009): its incarnation's account, its limit and
//! its hibernation; what a run sets up for them, and compaction.

use core::sync::atomic::Ordering::{AcqRel, Relaxed};
use std::sync::Arc;

use super::*;
use crate::actor::ActorOptions;
use crate::memory::{self, Account, AccountRef, MemoryStrategy, Tag, TagGuard};
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
        let account = account.or_else(|| memory::is_accounting().then(Account::new));
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

/// What one run of a cell with memory settings holds: its account (so a
/// kill that ends the incarnation meanwhile cannot free it under a
/// handler that still allocates) and the thread's tag, restored when
/// dropped; the limit, and when to compact.
pub(super) struct RunMemory {
    // Dropped in this order: the tag first, then the account.
    _tag: Option<TagGuard>,
    account: Option<AccountRef>,
    /// The incarnation has an account (the accounting allocator is
    /// installed): flush it between messages.
    pub(super) accounted: bool,
    /// `max_heap`, `u64::MAX` for none.
    pub(super) limit: u64,
    /// `hibernate_every`, 0 for never.
    every: u32,
    compacted_at: u64,
}

impl RunMemory {
    /// Nothing to account, limit or compact.
    pub(super) const NONE: RunMemory = RunMemory {
        _tag: None,
        account: None,
        accounted: false,
        limit: u64::MAX,
        every: 0,
        compacted_at: 0,
    };

    /// Adds what this thread charged to the account since the last
    /// flush; returns its bytes if they are over the limit.
    #[inline]
    pub(super) fn flush_and_check(&self) -> Option<u64> {
        memory::account::flush();
        if self.limit == u64::MAX {
            return None;
        }
        let used = self.account.as_ref()?.get().bytes();
        (used > self.limit).then_some(used)
    }
}

impl<A: Actor> ActorCell<A> {
    /// Sets up a run's memory: the account and tag, the limit.
    #[cold]
    #[inline(never)]
    pub(super) fn run_memory(&self) -> RunMemory {
        let control = lock(&self.control);
        let Some(m) = control.as_ref().and_then(|c| c.memory.as_deref()) else {
            return RunMemory::NONE;
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
        RunMemory {
            // SAFETY: `account` is held by the `RunMemory` and dropped
            // after the guard; the pool is the node's, which the runner's
            // `Context` keeps alive for longer than this value (the run
            // loop drops it first).
            _tag: tag.map(|tag| unsafe { memory::account::enter(tag) }),
            accounted: account.is_some(),
            account,
            limit,
            every,
            compacted_at,
        }
    }

    /// Whether the actor should compact now: asked to (`wanted`), or
    /// `hibernate_every` messages since the last time.
    #[inline]
    pub(super) fn compact_due(&self, memory: &RunMemory, wanted: bool) -> bool {
        wanted
            || (memory.every != 0
                && self.mailbox.taken() as u64 - memory.compacted_at >= u64::from(memory.every))
    }

    /// After the `compact` hook: gives the empty mailbox's block back and
    /// notes the read position.
    pub(super) fn compacted(&self, memory: &mut RunMemory) {
        // SAFETY: the runner holds RUNNING: it is the mailbox's consumer.
        let skipped = unsafe { self.mailbox.release_idle() } as u64;
        let taken = self.mailbox.taken() as u64;
        memory.compacted_at = taken;
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
            m.account = account.or_else(|| memory::is_accounting().then(Account::new));
        }
    }
}

/// Whether a cell of `Arc<Self>` is registered with the node's monitor:
/// `gc_optimized` ones are.
pub(crate) fn watch<A: Actor>(cell: &Arc<ActorCell<A>>, options: &ActorOptions) {
    if options.memory == MemoryStrategy::GcOptimized {
        let weak: std::sync::Weak<ActorCell<A>> = Arc::downgrade(cell);
        let weak: std::sync::Weak<dyn crate::task::Runnable> = weak;
        cell.shared
            .memory
            .add_sleeper(weak, options.hibernate_after, cell.mailbox.taken() as u64);
    }
}
