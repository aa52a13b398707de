//! The run loop: one run of an actor on a thread — its `started` hook,
//! then signals and messages in mailbox order, each handler guarded
//! against panics and against a kill taking the actor meanwhile. And the
//! loop of a blocking actor's own thread.

use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crossbeam_utils::sync::Parker;

use super::memory::Step;
use super::state::Idle;
use super::takeover::What;
use super::*;
use crate::actor::{Actor, Context};
use crate::dead_letter::DeadLetter;
use crate::exit::ExitReason;
use crate::mailbox::{Bound, Pop};
use crate::panic::{ActorScope, payload_text};
use crate::scheduler::{self};
use crate::sync::lock;
use crate::task::{RunResult, Runnable, Task};

/// The credit of the messages a run of a credit-based actor handled, given
/// back to the pool in batches, and before the run ends, however it ends
/// (`settle!` in `run_for`): a park, a yield, a stop, a kill that took the
/// handler. A plain counter (no `Drop`): for other actors it stays zero and
/// costs a test at the run's end.
#[derive(Default)]
pub(super) struct Credit {
    /// Messages handled whose credit has not gone back yet.
    pub(super) handled: u32,
    /// Given back this many at a time; 0: not a credit-based mailbox.
    pub(super) batch: u32,
}

/// Credit given back to a credit-based mailbox's pool at most this many
/// messages apart (a quarter of the pool if that is less; and at the end
/// of every run): a producer waiting on a long run is not starved, and the
/// pool's counter is touched once per batch.
pub(super) const CREDIT_BATCH: u32 = 32;

/// How a piece of user code ended.
/// The running incarnation's instance, lent to one piece of user code at a
/// time (`&mut self`): the one place the run loop turns the slot's raw
/// pointer into a reference.
struct Instance<A>(*mut A);

impl<A> Instance<A> {
    /// # Safety
    ///
    /// `actor` is the live instance in the slot of an actor whose RUNNING
    /// state the caller holds (or has taken over) for as long as this value
    /// is used, and nothing else refers to the instance meanwhile. If a kill
    /// takes the actor over, the caller stops using this value at once.
    #[inline(always)]
    unsafe fn new(actor: *mut A) -> Self {
        Instance(actor)
    }

    #[inline(always)]
    fn get(&mut self) -> &mut A {
        // SAFETY: `new`'s contract makes the pointer live and ours; `&mut
        // self` lends it to one caller at a time.
        unsafe { &mut *self.0 }
    }
}

pub(super) enum Guarded<R> {
    Returned(R),
    Panicked(String),
    /// A kill took the actor over meanwhile: touch nothing of the cell.
    Stolen,
}

impl<A: Actor> ActorCell<A> {
    /// Runs user code `what` for incarnation `incarnation`, catching a
    /// panic, and tells whether a kill took the actor over meanwhile.
    ///
    /// While the code runs, a killer may take the actor (its mailbox, its
    /// slot) from this runner; see [`HandlerWord`]. If it did, the runner
    /// learns it here and touches nothing more.
    #[inline]
    pub(super) fn guarded<R>(
        &self,
        incarnation: u32,
        what: What,
        f: impl FnOnce() -> R,
    ) -> Guarded<R> {
        self.handler.enter(incarnation, what);
        let result = catch_unwind(AssertUnwindSafe(f));
        if !self.handler.leave(incarnation, what) {
            return Guarded::Stolen;
        }
        match result {
            Ok(value) => Guarded::Returned(value),
            Err(payload) => Guarded::Panicked(payload_text(&*payload)),
        }
    }

    /// Runs the actor for at most `budget` messages: its `started` hook
    /// first if this incarnation has not run yet, then signals and messages
    /// in order, until the mailbox is empty (it goes idle), the budget is
    /// spent (it yields), or it stops.
    // Inlined into `Runnable::run`, its one caller: a call per run shows
    // in the instruction counts (+1% on ping-pong).
    #[inline(always)]
    pub(super) fn run_for(self: Arc<Self>, budget: usize) -> RunResult {
        let incarnation = self.state.begin_run();
        let pid = self.pid_of(incarnation);
        let slot_ptr = self.slot.get();
        let mut ctx = Context::new(self, pid);
        let cell_ptr: *const Self = Arc::as_ptr(&ctx.cell);
        let running: *const dyn Runnable = cell_ptr;
        // SAFETY: `ctx` holds an `Arc` of the cell; every path that drops
        // `ctx` before returning drops the scope first.
        let mut scope = unsafe { ActorScope::enter(pid, running) };
        // SAFETY: we hold RUNNING, which grants this thread the slot until
        // we go idle or yield, or a kill steals the actor (after which we
        // stop using it: every `Stolen` below returns at once); `ctx` owns
        // an `Arc` of the cell, so it outlives this borrow.
        let slot = unsafe { &mut *slot_ptr };
        let actor = slot.actor;
        debug_assert!(!actor.is_null(), "a running actor has an instance");
        // SAFETY: `ctx` owns an `Arc` of the cell and is dropped only on
        // paths that return without touching `cell` again.
        let cell: &Self = unsafe { &*Arc::as_ptr(&ctx.cell) };
        // The incarnation's account and tag (ADR 0009), after `ctx`, so
        // dropped before it; the `Stolen` paths drop it first by hand.

        let mut handled = 0;
        // SAFETY: we hold RUNNING (see the slot above), and `actor` is the
        // slot's live instance; `instance` stays in this function, which
        // stops using it on every path where we lose the actor.
        let mut instance = unsafe { Instance::new(actor) };

        let mut credit = Credit::default();

        macro_rules! user {
            ($what:expr, $body:expr) => {
                match cell.guarded(incarnation, $what, || $body) {
                    Guarded::Returned(value) => value,
                    Guarded::Panicked(text) => {
                        cell.shared.record_panic();
                        settle!();
                        return cell.finish(incarnation, slot, ExitReason::Panic(text));
                    }
                    Guarded::Stolen => {
                        settle!();
                        drop(scope);
                        drop(ctx);
                        drop_instance(pid, actor);
                        return RunResult::ended(handled.max(1), true);
                    }
                }
            };
        }
        // Gives the run's credit back (see `Credit`).
        macro_rules! settle {
            () => {
                if credit.handled != 0 {
                    cell.return_credit(core::mem::take(&mut credit.handled));
                }
            };
        }

        // SAFETY: as for the slot.
        let started = unsafe { &mut *cell.started.get() };
        // Whether user code already ran in this run (see `release_run_next`).
        let ran_started = !*started;
        // Flow control's flags (ADR 0007): a sender that raises one then
        // notifies the actor, so a run that begins (or finds more work)
        // after it sees it here; while one is up, the pops look at the
        // depth against the low mark (`slow_pop`, every `flag_stride() + 1`
        // pops) and again before going idle. No fence per message.
        // `slow` also stands for a credit-based mailbox, whose handled
        // messages are counted (`Credit`): one test per message covers both.
        let word = cell.flow.load(Relaxed);
        let mut slow =
            word & (FLOW_FLAGS | Bound::CREDIT) != 0 && cell.slow_begin(word, &mut credit);
        let mut flag_skip = 0u32;
        if !*started {
            *started = true;
            if cell.signals.load(Relaxed) & MEMORY != 0 {
                // The `started` hook's allocations are the actor's too.
                cell.begin_memory(&mut scope);
            }
            user!(What::STARTED, instance.get().started(&mut ctx));
            if cell.supervised() {
                let ack = lock(&cell.control)
                    .as_mut()
                    .and_then(|c| c.started_ack.take());
                if let Some(ack) = ack {
                    ack(pid);
                }
            }
        }

        loop {
            if ctx.stop.is_some()
                && let Some(reason) = ctx.stop.take()
            {
                settle!();
                return cell.finish(incarnation, slot, reason);
            }
            let signals = cell.signals.load(Acquire);
            if signals & (SIGNALS | MEMORY) != 0 {
                // Between messages, for an actor with memory settings
                // (`MEMORY`, a cell flag, brings it here every time; ADR
                // 0009): the account gets what the last handler
                // allocated, then `max_heap` is checked (an allocator
                // cannot unwind), then maybe it compacts.
                if signals & MEMORY != 0 {
                    match cell.memory_step(signals, &mut scope) {
                        Step::Go => {}
                        Step::Limit(used, limit) => {
                            settle!();
                            let reason = ExitReason::MemoryLimit { used, limit };
                            return cell.finish(incarnation, slot, reason);
                        }
                        Step::Compact => {
                            user!(What::COMPACT, instance.get().compact(&mut ctx));
                            cell.compacted();
                        }
                    }
                }
                if signals & SIG_KILL != 0 {
                    if cell.is_killed() {
                        settle!();
                        return cell.finish(incarnation, slot, ExitReason::Killed);
                    }
                    continue;
                }
                if signals & SIG_EXIT != 0 {
                    let reason = lock(&cell.control)
                        .as_mut()
                        .and_then(|c| c.pending_exit.take())
                        .unwrap_or(ExitReason::Killed);
                    settle!();
                    return cell.finish(incarnation, slot, reason);
                }
                if signals & SIG_SHUTDOWN != 0 {
                    cell.signals.fetch_and(!SIG_SHUTDOWN, AcqRel);
                    user!(
                        What::SHUTDOWN_REQUESTED,
                        instance.get().shutdown_requested(&mut ctx)
                    );
                    continue;
                }
                if signals & SIG_MUTED != 0 {
                    cell.signals.fetch_and(!SIG_MUTED, AcqRel);
                    settle!();
                    if cell.state.park_muted() {
                        // Muted (ADR 0007): the actor it sent to unmutes
                        // it. Touch nothing but our `Arc`s from here on.
                        return RunResult::done(handled);
                    }
                    continue;
                }
            }
            if handled >= budget {
                settle!();
                cell.state.yield_run();
                return RunResult {
                    yielded: Some(ctx.into_cell() as Task),
                    ..RunResult::done(handled)
                };
            }
            // SAFETY: we hold RUNNING: we are the mailbox's only consumer.
            match unsafe { cell.mailbox.pop() } {
                Pop::Value(envelope) => {
                    if slow {
                        let user = matches!(envelope, Envelope::User(_));
                        slow = cell.slow_pop(user, &mut credit, &mut flag_skip);
                    }
                    if handled > 0 || ran_started {
                        scheduler::release_run_next();
                    }
                    handled += 1;
                    match envelope {
                        Envelope::User(msg) => {
                            let kind = A::message_kind(&msg);
                            let what = What::message(A::__message_kind_index(&msg));
                            match cell
                                .guarded(incarnation, what, || instance.get().handle(msg, &mut ctx))
                            {
                                Guarded::Returned(()) => {}
                                Guarded::Panicked(text) => {
                                    cell.shared.record_panic();
                                    settle!();
                                    cell.shared.record_dead_letter(DeadLetter {
                                        pid,
                                        kind,
                                        reason: ExitReason::Panic(text.clone()),
                                        count: 1,
                                    });
                                    return cell.finish(incarnation, slot, ExitReason::Panic(text));
                                }
                                Guarded::Stolen => {
                                    settle!();
                                    drop(scope);
                                    drop(ctx);
                                    drop_instance(pid, actor);
                                    return RunResult::ended(handled, true);
                                }
                            }
                        }
                        Envelope::Continuation(k) => {
                            user!(What::CONTINUATION, k(instance.get(), &mut ctx))
                        }
                        Envelope::Signal(signal) => match *signal {
                            Signal::Exit {
                                incarnation: to,
                                from,
                                reason,
                            } if to == incarnation => {
                                user!(
                                    What::ON_EXIT,
                                    instance.get().on_exit(from, reason, &mut ctx)
                                )
                            }
                            Signal::Down {
                                incarnation: to,
                                down,
                            } if to == incarnation => {
                                user!(What::ON_DOWN, instance.get().on_down(down, &mut ctx))
                            }
                            // For an earlier incarnation: not ours.
                            _ => {}
                        },
                    }
                }
                Pop::Empty if slow && cell.flow.load(Relaxed) & FLOW_FLAGS != 0 => {
                    // Flags up: let them down (the mailbox is empty) before
                    // going idle.
                    cell.took_while_flagged();
                }
                Pop::Empty => {
                    settle!();
                    match cell.state.try_idle() {
                        // From here on another thread may run the actor:
                        // touch nothing but our `Arc`s.
                        Idle::Parked => return RunResult::done(handled),
                        Idle::MoreWork => {
                            // As at the run's start: work, and maybe a
                            // flag, came in meanwhile.
                            let word = cell.flow.load(Relaxed);
                            slow = word & (FLOW_FLAGS | Bound::CREDIT) != 0
                                && cell.slow_begin(word, &mut credit);
                            continue;
                        }
                    }
                }
            }
        }
    }
}

/// The loop of a blocking actor's own thread: run when scheduled, park
/// otherwise, return once the actor has stopped (or a kill took it).
pub(crate) fn run_dedicated<A: Actor>(cell: Arc<ActorCell<A>>, parker: Parker) {
    let budget = cell.shared.scheduler.budget;
    loop {
        if cell.state.is_scheduled() {
            // A yield hands back the same cell, still scheduled: run again.
            if Arc::clone(&cell).run(budget).ended {
                // A restart starts a thread of its own.
                return;
            }
            continue;
        }
        if cell.state.is_stopped() {
            return;
        }
        // Whoever schedules the actor unparks this thread; the token makes
        // an unpark that comes before the park count.
        parker.park();
    }
}
