//! An incarnation's end and the next one's start: finishing (the `stopped`
//! hook, links and monitors fired, the supervisor told), a kill (taking
//! the actor from a handler that does not return), retiring a vacant cell
//! for good, restarting a claimed one; and the name hand-shake with the
//! registries.

use core::ptr;
use core::sync::atomic::Ordering::{AcqRel, Relaxed, SeqCst};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crossbeam_utils::sync::Parker;

use super::run::Guarded;
use super::takeover::{Found, What};
use super::*;
use crate::actor::Actor;
use crate::call::reply::StoppingScope;
use crate::dead_letter::DeadLetter;
use crate::exit::{Down, ExitReason};
use crate::panic::payload_text;
use crate::pid::Pid;
use crate::scheduler::{self, WakeKind};
use crate::sync::{AtomicU16, fence, lock};
use crate::task::{RunResult, Task};

/// How long a killer lets a handler finish before taking the actor from it
/// (and replacing the thread it holds): a brief handler is let be.
const KILL_GRACE: std::time::Duration = std::time::Duration::from_micros(200);
/// How long a killer watches a runner that stays between handlers before
/// leaving the kill to the runner's own check.
const KILL_WAIT: std::time::Duration = std::time::Duration::from_millis(5);

impl<A: Actor> ActorCell<A> {
    /// Whether `incarnation` was killed. A kill bit meant for an earlier
    /// incarnation is cleared (a kill of this one that comes meanwhile
    /// stores its incarnation first, so the second look sees it).
    #[cold]
    #[inline(never)]
    pub(super) fn is_killed(&self) -> bool {
        let killed = || lock(&self.control).as_ref().is_some_and(|c| c.killed);
        if killed() {
            return true;
        }
        self.signals.fetch_and(!SIG_KILL, AcqRel);
        killed()
    }

    /// Stops the incarnation whose runner this thread is: runs `stopped`,
    /// drops the instance, and lets the death take its course.
    #[cold]
    #[inline(never)]
    pub(super) fn finish(
        &self,
        incarnation: u32,
        slot: &mut Slot<A>,
        reason: ExitReason,
    ) -> RunResult {
        // `ReplyTo`s dropped from here on fail their callers with `Stopped`.
        let _stopping = StoppingScope::enter();
        if !self.supervised() {
            // Close first: once `is_alive` says false, every send fails.
            self.mailbox.close();
            if self.flow.load(Relaxed) & FLOW_FLAGS != 0 {
                self.release_waiters();
            }
        }
        self.state.stop();
        let actor = slot.actor;
        let stopped = || {
            // SAFETY: we hold RUNNING and have not been stolen from, so the
            // instance is ours and alive.
            unsafe { &mut *actor }.stopped(&reason)
        };
        if let Guarded::Stolen = self.guarded(incarnation, What::STOPPED, stopped) {
            // Killed in the stop hook: the killer did the rest.
            // SAFETY: the killer nulled the slot; the instance is ours.
            drop_instance(self.pid_of(incarnation), actor);
            return RunResult::ended(1, true);
        }
        // No user code of this incarnation runs any more: a kill from here on
        // has nothing to take.
        self.handler.done(incarnation);
        slot.actor = ptr::null_mut();
        drop_instance(self.pid_of(incarnation), actor);
        self.die(incarnation, reason);
        RunResult::ended(1, false)
    }

    /// What follows the end of an incarnation, whoever ended it (its runner,
    /// or a killer): links and monitors fire, and the cell is either left
    /// for its supervisor (vacant, mailbox open) or retired for good.
    /// The caller holds the actor (RUNNING, or a successful steal) and the
    /// state says STOPPED.
    #[cold]
    #[inline(never)]
    pub(super) fn die(&self, incarnation: u32, reason: ExitReason) {
        let pid = self.pid_of(incarnation);
        let remains = {
            let mut control = lock(&self.control);
            let taken = control.take();
            // The credit pool is the cell's: it stays for the next
            // incarnation (which keeps the queue the credit was spent on).
            // So do the memory settings, without this incarnation's
            // account (ADR 0009).
            let credit = taken.as_ref().and_then(|c| c.credit.clone());
            let memory = taken
                .as_ref()
                .and_then(|c| c.memory.as_ref())
                .map(|m| m.carried_over());
            if credit.is_some() || memory.is_some() {
                *control = Some(Box::new(Control {
                    credit,
                    memory,
                    ..Control::default()
                }));
            }
            taken
        };
        let remains = remains.map(|c| {
            // Senders waiting for room look again: at a closed mailbox, or
            // at the next incarnation's (which keeps the queue).
            for waiter in c.room_waiters {
                waiter.unpark();
            }
            // Muted senders go on: at a closed mailbox, or at the next
            // incarnation's, muted again if it is still overloaded.
            for sender in c.muted {
                sender.unmute();
            }
            Remains {
                links: c.links.into_list(),
                monitors: c.monitors,
                supervisor: c.supervisor,
            }
        });
        let Remains {
            links,
            monitors,
            supervisor,
        } = remains.unwrap_or(Remains {
            links: Vec::new(),
            monitors: Vec::new(),
            supervisor: None,
        });
        self.shared
            .telemetry
            .exited(pid, core::any::type_name::<A>(), &reason);
        let restartable = supervisor.is_some();
        if !restartable {
            self.retire_claimed(incarnation, &reason);
        } else {
            self.state.vacate();
        }
        let mut told_supervisor = false;
        for (linked, task) in links {
            let delivered = task.exit_signal(linked, pid, &reason);
            if supervisor.as_ref().is_some_and(|(s, _)| *s == linked) {
                told_supervisor = delivered;
            }
        }
        for (monitor, watcher, task) in monitors {
            task.down_signal(
                watcher,
                Down {
                    monitor,
                    pid,
                    reason: reason.clone(),
                },
            );
        }
        if restartable && !told_supervisor && self.state.claim_vacant() {
            // Nobody will restart it.
            self.retire_claimed(incarnation, &reason);
        }
    }

    /// Ends the cell for good: the mailbox closes, what is queued becomes
    /// dead letters (failing the calls waiting on it), and the node forgets
    /// the actor. The caller holds the actor (running, stolen or claimed).
    #[cold]
    #[inline(never)]
    pub(super) fn retire_claimed(&self, incarnation: u32, reason: &ExitReason) {
        let _stopping = StoppingScope::enter();
        let pid = self.pid_of(incarnation);
        self.mailbox.close();
        if self.flow.load(Relaxed) & FLOW_FLAGS != 0 {
            self.release_waiters();
        }
        let shared = &self.shared;
        if holds_names(&self.signals) {
            shared.names.release(pid, Some(reason));
        }
        // Discarded in bulk: counted by kind, one dead-letter record per
        // kind (a backlog of millions is a few records, not millions).
        // Shutdown knows this is progress, not a stuck handler.
        shared.discarding.fetch_add(1, SeqCst);
        let mut discarded = 0;
        let mut kinds: Vec<(&'static str, u64)> = Vec::new();
        let drained = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: the caller holds the actor: we are the only consumer.
            discarded = unsafe {
                self.mailbox.drain_closed(|envelope| {
                    let kind = match &envelope {
                        Envelope::User(msg) => Some(A::message_kind(msg)),
                        Envelope::Continuation(_) => Some("reply"),
                        Envelope::Signal(_) => None,
                    };
                    drop(envelope);
                    if let Some(kind) = kind {
                        match kinds.iter_mut().find(|(k, _)| *k == kind) {
                            Some((_, count)) => *count += 1,
                            None => kinds.push((kind, 1)),
                        }
                    }
                })
            };
        }));
        if let Err(payload) = drained {
            tracing::warn!(%pid, "dropping the messages of {pid} panicked: {}", payload_text(&*payload));
        }
        for (kind, count) in kinds {
            shared.record_dead_letter(DeadLetter {
                pid,
                kind,
                reason: reason.clone(),
                count,
            });
        }
        shared.actor_exited(pid, discarded);
        shared.discarding.fetch_sub(1, SeqCst);
    }

    /// A kill took the actor from a runner stuck in one of its handlers:
    /// do what the runner would have done, bar the `stopped` hook (the
    /// instance is in use; its runner drops it when the handler returns).
    #[cold]
    #[inline(never)]
    pub(super) fn take_over(&self, incarnation: u32) {
        let _stopping = StoppingScope::enter();
        if !self.supervised() {
            self.mailbox.close();
            if self.flow.load(Relaxed) & FLOW_FLAGS != 0 {
                self.release_waiters();
            }
        }
        self.state.stop();
        // SAFETY: the steal made us the actor's holder; the runner no longer
        // reads the slot, and owns the instance from now on.
        unsafe {
            let slot = &mut *self.slot.get();
            slot.actor = ptr::null_mut();
        }
        // A scheduler thread is stuck in the handler: a stand-in takes its
        // place. (A blocking actor's thread, or a plain thread running the
        // actor for its own request, holds no scheduler thread.)
        if self.signals.load(Relaxed) & (BLOCKING | INLINE) == 0 {
            self.shared.scheduler.replace_thread_holding();
        }
        self.die(incarnation, ExitReason::Killed);
    }

    /// Kills incarnation `incarnation`: see [`ActorRef::kill`](crate::ActorRef::kill).
    /// Returns `false` if it had already ended.
    ///
    /// Between messages the runner sees the kill signal itself. A runner
    /// inside a handler gets `KILL_GRACE` to return from it; after that the
    /// killer takes the actor over and a stand-in thread replaces the one
    /// the handler holds.
    pub(crate) fn kill(&self, incarnation: u32) -> bool {
        if self.state.incarnation() != incarnation {
            return false;
        }
        // Marked on this incarnation's control block (which a restart
        // replaces), then signalled.
        if self
            .with_control(incarnation, |c| c.killed = true)
            .is_some()
        {
            self.signals.fetch_or(SIG_KILL, AcqRel);
        }
        let start = std::time::Instant::now();
        let mut round = 0u32;
        loop {
            if self.state.incarnation() != incarnation {
                return true; // ended, and restarted since
            }
            match self.handler.peek(incarnation) {
                Found::Taken if start.elapsed() >= KILL_GRACE => {
                    // Still inside user code (a handler, or its stop hook).
                    if self.handler.steal(incarnation) == Found::Taken {
                        self.take_over(incarnation);
                        return true;
                    }
                    continue;
                }
                Found::Taken => {}
                // Past its last user code: it is ending.
                Found::Ending => return true,
                Found::Between => {
                    if self.state.is_stopped() {
                        if !self.state.is_running() {
                            return false;
                        }
                        // Stopping, about to enter its stop hook: look again.
                    } else if !self.state.is_running() {
                        // Idle or queued: its next run sees the kill first.
                        if self.state.notify_signal() {
                            self.wake(WakeKind::Spawn);
                        }
                        return true;
                    } else if start.elapsed() >= KILL_WAIT {
                        // Running between handlers all along: it checks the
                        // kill before its next message.
                        return true;
                    }
                }
            }
            round = round.wrapping_add(1);
            if round.is_multiple_of(16) {
                std::thread::yield_now();
            } else {
                core::hint::spin_loop();
            }
        }
    }

    /// Retires a cell the caller has claimed.
    pub(crate) fn retire_claimed_now(&self, reason: &ExitReason) {
        self.retire_claimed(self.state.incarnation(), reason);
    }

    /// The pid the next incarnation will have.
    pub(crate) fn next_pid(&self) -> Pid {
        self.pid_of(self.state.incarnation().wrapping_add(1))
    }

    /// Installs `actor` as the next incarnation of a cell claimed by the
    /// caller, linked to `supervisor`, and schedules it (a blocking actor
    /// gets a new thread). Returns its pid.
    pub(crate) fn restart_claimed(
        self: &Arc<Self>,
        actor: A,
        account: Option<crate::memory::AccountRef>,
        supervisor: (Pid, Task),
        ack: StartedAck,
    ) -> Result<Pid, crate::error::SpawnError> {
        // SAFETY: the caller claimed the vacant cell: nobody else touches
        // the slot until the state word below schedules the actor.
        unsafe {
            let slot = &mut *self.slot.get();
            debug_assert!(slot.actor.is_null());
            slot.actor =
                crate::memory::charged_to(account.as_ref(), || Box::into_raw(Box::new(actor)));
            *self.started.get() = false;
        }
        // Signals and trapping belong to the last incarnation (unless every
        // incarnation starts trapping). Two steps are fine: nothing links to
        // the new incarnation, so no exit signal can test the flag between.
        if self.signals.fetch_and(CELL_FLAGS, AcqRel) & TRAP_AT_START != 0 {
            self.signals.fetch_or(TRAP_EXIT, AcqRel);
        }
        let parker = self.is_blocking().then(Parker::new);
        self.set_supervisor(
            supervisor,
            ack,
            parker.as_ref().map(|p| p.unparker().clone()),
        );
        if let Some(control) = lock(&self.control).as_deref_mut() {
            Self::install_account(control, account);
        }
        let incarnation = self.state.restart();
        match parker {
            // Run next on the supervisor's thread, which waits for it (see
            // `spawn_cell`).
            None => scheduler::schedule(
                &self.shared.scheduler,
                Arc::clone(self) as Task,
                WakeKind::Message,
            ),
            Some(parker) => spawn::start_dedicated(&self.shared, self, parker)?,
        }
        Ok(self.pid_of(incarnation))
    }

    /// Takes the current incarnation's started acknowledgement, so that
    /// the actor sends it later itself (a supervisor acknowledges once its
    /// own children have started, as OTP's `start_link` returns after every
    /// child's `init`). The runner sends nothing once it is taken.
    pub(crate) fn take_started_ack(&self) -> Option<StartedAck> {
        lock(&self.control)
            .as_mut()
            .and_then(|c| c.started_ack.take())
    }

    /// Gives the incarnation about to run its control block, linked to its
    /// supervisor; a blocking actor keeps its thread's unparker, or gets the
    /// new thread's.
    pub(crate) fn set_supervisor(
        &self,
        supervisor: (Pid, Task),
        ack: StartedAck,
        new_thread: Option<Unparker>,
    ) {
        let mut control = lock(&self.control);
        let dedicated = new_thread.or_else(|| control.as_mut().and_then(|c| c.dedicated.take()));
        let (room_waiters, muted, credit, memory) = control
            .as_mut()
            .map(|c| {
                (
                    core::mem::take(&mut c.room_waiters),
                    core::mem::take(&mut c.muted),
                    c.credit.take(),
                    c.memory.take(),
                )
            })
            .unwrap_or_default();
        *control = Some(Box::new(Control {
            links: super::links::Links::one(supervisor.0, Arc::clone(&supervisor.1)),
            supervisor: Some(supervisor),
            started_ack: Some(ack),
            dedicated,
            room_waiters,
            muted,
            credit,
            memory,
            ..Control::default()
        }));
    }
    /// Asks the actor to stop (see [`Runnable::request_shutdown`]).
    pub(super) fn request_shutdown(self: Arc<Self>, from_node: bool) {
        if from_node && self.supervised() {
            let supervisor = lock(&self.control)
                .as_ref()
                .and_then(|c| c.supervisor.clone());
            if let Some((pid, task)) = supervisor
                && task.is_current(pid)
            {
                // Its supervisor stops it, in order.
                return;
            }
        }
        if self.state.claim_vacant() {
            // Stopped and waiting for a restart that will not come now.
            self.retire_claimed(self.state.incarnation(), &ExitReason::Shutdown);
            return;
        }
        self.signals.fetch_or(SIG_SHUTDOWN, AcqRel);
        if self.state.notify_signal() {
            self.wake(WakeKind::Spawn);
        }
    }
}

/// An adder of a name (see `names`): marks the cell as holding names, then
/// returns whether its mailbox is still open. If not, the adder releases
/// what it added. Dekker with [`holds_names`], which a retiring cell calls
/// after closing its mailbox: one of the two sees the other.
pub(crate) fn mark_named(signals: &AtomicU16, is_closed: impl FnOnce() -> bool) -> bool {
    signals.fetch_or(NAMED, SeqCst);
    fence(SeqCst);
    !is_closed()
}

/// A retiring cell, its mailbox closed: whether it holds names to release.
pub(crate) fn holds_names(signals: &AtomicU16) -> bool {
    fence(SeqCst);
    signals.load(Relaxed) & NAMED != 0
}

/// Drops an instance taken out of its slot, reporting a panicking `Drop`.
#[cold]
#[inline(never)]
pub(super) fn drop_instance<A>(pid: Pid, actor: *mut A) {
    if actor.is_null() {
        return;
    }
    // SAFETY: `actor` came from `Box::into_raw` and the caller owns it (it
    // is no longer in any slot).
    let boxed = unsafe { Box::from_raw(actor) };
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(boxed))) {
        tracing::warn!(%pid, "dropping the state of {pid} panicked: {}", payload_text(&*payload));
    }
}
