//! The actor cell: one allocation per actor holding its state word, its
//! mailbox, its links and monitors, and a pointer to the current instance;
//! and the code that runs it, stops it, kills it and restarts it.
//!
//! A cell is the actor's *address*: it outlives incarnations. A supervised
//! child that stops is restarted in the same cell, so its `ActorRef`s and
//! its queued messages carry over; only the incarnation in the state word
//! changes.

pub(crate) mod spawn;
pub(crate) mod state;
pub(crate) mod takeover;

use core::ptr;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, SeqCst};
use std::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use crossbeam_utils::sync::{Parker, Unparker};

use crate::actor::{Actor, Context};
use crate::call::reply::StoppingScope;
use crate::cell::state::{Idle, State};
use crate::cell::takeover::{Found, HandlerWord};
use crate::dead_letter::DeadLetter;
use crate::error::SendError;
use crate::exit::{Down, ExitReason, MonitorRef};
use crate::mailbox::{Mailbox, Pop};
use crate::node::shared::Shared;
use crate::panic::{ActorScope, payload_text};
use crate::pid::Pid;
use crate::scheduler::{self, WakeKind};
use crate::sync::{AtomicU8, fence, lock};
use crate::task::{DynSend, RunResult, Runnable, Sink, Task};

/// Signal bits: the node (or a supervisor) asks the actor to stop.
const SIG_SHUTDOWN: u8 = 1;
/// An untrapped exit signal arrived; its reason waits in `Control`.
const SIG_EXIT: u8 = 2;
/// Killed: stop before the next message, untrappable.
const SIG_KILL: u8 = 4;
/// Not a signal: the actor traps exits.
const TRAP_EXIT: u8 = 8;
/// Not a signal, fixed at spawn: started by a supervisor, so a stop leaves
/// the cell for it to restart.
const SUPERVISED: u8 = 16;
/// Not a signal, fixed at spawn: a blocking actor, run on a thread of its
/// own (its unparker is in the control block).
const BLOCKING: u8 = 32;
/// Not a signal, set once: the actor holds names (registered names, group
/// memberships, services) that the node releases when it stops for good.
const NAMED: u8 = 64;
/// Not a signal, fixed at spawn: every incarnation starts trapping exits
/// ([`ActorOptions::trap_exit`](crate::ActorOptions::trap_exit)).
const TRAP_AT_START: u8 = 128;
/// Flags that belong to the cell, not to one incarnation.
const CELL_FLAGS: u8 = SUPERVISED | BLOCKING | NAMED | TRAP_AT_START;
const SIGNALS: u8 = SIG_SHUTDOWN | SIG_EXIT | SIG_KILL;

/// How long a killer lets a handler finish before taking the actor from it
/// (and replacing the thread it holds): a brief handler is let be.
const KILL_GRACE: std::time::Duration = std::time::Duration::from_micros(200);
/// How long a killer watches a runner that stays between handlers before
/// leaving the kill to the runner's own check.
const KILL_WAIT: std::time::Duration = std::time::Duration::from_millis(5);

/// What travels through an actor's mailbox: its own messages, and the
/// runtime's, in one FIFO, so that a reply, a trapped exit or a `Down`
/// keeps its place after the messages its sender sent before it.
pub(crate) enum Envelope<A: Actor> {
    User(A::Msg),
    Continuation(Continuation<A>),
    Signal(Box<Signal>),
}

/// A signal that waits its turn in the mailbox (boxed: rare, and it keeps
/// the envelope small).
pub(crate) enum Signal {
    /// A trapped exit of a linked actor, for `on_exit`.
    Exit {
        incarnation: u32,
        from: Pid,
        reason: ExitReason,
    },
    /// A monitored actor is gone, for `on_down`.
    Down { incarnation: u32, down: Down },
}

/// Code to run on an actor, as one of its messages.
pub(crate) type Continuation<A> = Box<dyn FnOnce(&mut A, &mut Context<A>) + Send>;

/// The current instance, touched only by whoever holds the actor's RUNNING
/// state (or has taken it over: a killer, a restarting supervisor).
struct Slot<A> {
    /// From `Box::into_raw`; null between incarnations. A killed runner
    /// still inside a handler owns the instance it runs: the killer nulls
    /// this, and the runner frees the instance when the handler returns.
    actor: *mut A,
}

/// Links and monitors of the current incarnation, and what waits for it.
#[derive(Default)]
struct Control {
    /// Linked actors, each bound to one incarnation.
    links: Vec<(Pid, Task)>,
    /// Who monitors this incarnation.
    monitors: Vec<(MonitorRef, Pid, Task)>,
    /// The reason of an untrapped exit signal (`SIG_EXIT`).
    pending_exit: Option<ExitReason>,
    /// The supervisor, for a supervised cell (also in `links`).
    supervisor: Option<(Pid, Task)>,
    /// Told once the incarnation's `started` hook has returned.
    started_ack: Option<StartedAck>,
    /// This incarnation was killed: what `SIG_KILL` means, so that a kill
    /// racing a restart cannot hit the next incarnation.
    killed: bool,
    /// A blocking actor's thread, to wake.
    dedicated: Option<Unparker>,
}

/// Told that a supervised incarnation has started (ordered starts).
pub(crate) type StartedAck = Box<dyn FnOnce(Pid) + Send>;

/// The parts of a stopping incarnation that its death sets off.
struct Remains {
    links: Vec<(Pid, Task)>,
    monitors: Vec<(MonitorRef, Pid, Task)>,
    supervisor: Option<(Pid, Task)>,
}

pub(crate) struct ActorCell<A: Actor> {
    /// Written by senders (NOTIFIED) and by the runner.
    pub(crate) state: State,
    pub(crate) mailbox: Mailbox<Envelope<A>>,
    /// `SIG_*` bits, and the `TRAP_EXIT`, `SUPERVISED` and `BLOCKING` flags.
    signals: AtomicU8,
    /// Whether the runner is inside user code; see `guarded`.
    handler: HandlerWord,
    /// The pid's node and number (the incarnation lives in `state`).
    node: u32,
    number: u64,
    pub(crate) shared: Arc<Shared>,
    /// Links, monitors and the rest of the current incarnation's rarely
    /// used parts, allocated when first needed (kept small: the cell and
    /// its `Arc` counts fit in 128 bytes, the allocator's fast size class).
    control: Mutex<Option<Box<Control>>>,
    slot: UnsafeCell<Slot<A>>,
    /// Whether the incarnation's `started` hook has run (runner only).
    started: UnsafeCell<bool>,
}

// SAFETY: the only non-`Sync` part is `slot`, and it is touched only by the
// thread that holds the actor's RUNNING state (see `State`), or that took it
// over by a successful compare-exchange (a kill, a claim of a vacant cell):
// one thread at a time, with acquire/release hand-over through those words.
// `A: Send` is what moving the instance between those threads needs.
unsafe impl<A: Actor> Sync for ActorCell<A> {}
// SAFETY: the raw instance pointer in `slot` is an owned `Box<A>`, `A: Send`.
unsafe impl<A: Actor> Send for ActorCell<A> {}

/// How a piece of user code ended.
enum Guarded<R> {
    Returned(R),
    Panicked(String),
    /// A kill took the actor over meanwhile: touch nothing of the cell.
    Stolen,
}

impl<A: Actor> ActorCell<A> {
    pub(crate) fn new(
        actor: A,
        number: u64,
        shared: Arc<Shared>,
        supervised: bool,
        dedicated: Option<Unparker>,
        trap_exit: bool,
    ) -> Self {
        let flags = if supervised { SUPERVISED } else { 0 }
            | if dedicated.is_some() { BLOCKING } else { 0 }
            | if trap_exit {
                TRAP_AT_START | TRAP_EXIT
            } else {
                0
            };
        let control = dedicated.map(|unparker| {
            Box::new(Control {
                dedicated: Some(unparker),
                ..Control::default()
            })
        });
        ActorCell {
            state: State::new_scheduled(0),
            mailbox: Mailbox::unbounded(),
            signals: AtomicU8::new(flags),
            handler: HandlerWord::new(),
            node: shared.id,
            number,
            shared,
            control: Mutex::new(control),
            slot: UnsafeCell::new(Slot {
                actor: Box::into_raw(Box::new(actor)),
            }),
            started: UnsafeCell::new(false),
        }
    }

    /// Started by a supervisor (fixed at spawn).
    #[inline]
    fn supervised(&self) -> bool {
        self.signals.load(Relaxed) & SUPERVISED != 0
    }

    /// A blocking actor (fixed at spawn).
    #[inline]
    pub(crate) fn is_blocking(&self) -> bool {
        self.signals.load(Relaxed) & BLOCKING != 0
    }

    /// The pid of incarnation `incarnation` of this cell.
    #[inline]
    pub(crate) fn pid_of(&self, incarnation: u32) -> Pid {
        Pid::new(self.node, self.number, incarnation)
    }

    /// The pid of the current (or, between a stop and a restart, the last)
    /// incarnation.
    #[inline]
    pub(crate) fn pid(&self) -> Pid {
        self.pid_of(self.state.incarnation())
    }

    /// Queues `convert(input)` and schedules the actor if it was idle.
    #[inline(always)]
    pub(crate) fn deliver<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> A::Msg,
    ) -> Result<(), SendError<I>> {
        self.mailbox
            .push_with(input, |i| Envelope::User(convert(i)), || self.backlog())?;
        if self.state.notify() {
            self.wake(WakeKind::Message);
        }
        Ok(())
    }

    /// Queues a runtime envelope (a continuation, a signal).
    pub(crate) fn deliver_envelope(&self, envelope: Envelope<A>) -> Result<(), Envelope<A>> {
        self.mailbox
            .push_with(envelope, |e| e, || self.backlog())
            .map_err(SendError::into_inner)?;
        if self.state.notify() {
            self.wake(WakeKind::Message);
        }
        Ok(())
    }

    /// A push left this actor's mailbox with a backlog. If the actor is
    /// waiting to run (scheduled, not running), the sender is likely a
    /// handler flooding it from a long run while it waits in that thread's
    /// run-next slot — where nobody can steal it — for the handler to end:
    /// move it to the thread's stealable queue and wake an idle thread, so
    /// that the two run side by side instead of the whole flood piling up
    /// first. (From a plain thread, or with nothing in the slot, nothing
    /// happens.)
    #[cold]
    #[inline(never)]
    fn backlog(&self) {
        if self.state.is_scheduled() {
            scheduler::release_run_next();
        }
    }

    /// Puts the actor (which the caller has just moved from idle to
    /// scheduled) where it will run: a run queue, or its own thread.
    #[inline]
    fn wake(&self, kind: WakeKind) {
        if self.is_blocking() {
            self.wake_dedicated();
        } else {
            scheduler::schedule(&self.shared.scheduler, self.new_arc() as Task, kind);
        }
    }

    /// Wakes a blocking actor's own thread.
    #[cold]
    #[inline(never)]
    fn wake_dedicated(&self) {
        if let Some(thread) = lock(&self.control)
            .as_ref()
            .and_then(|c| c.dedicated.as_ref())
        {
            thread.unpark();
        }
    }

    /// Another strong handle to this cell, from a plain reference.
    #[inline]
    fn new_arc(&self) -> Arc<Self> {
        // SAFETY: cells are created only by `node::spawn_on`, directly inside
        // `Arc::new`, and never moved out, so `self` points into a live `Arc`
        // allocation whose strong count is at least one (the caller's handle).
        // Incrementing first makes the `Arc` we build an owned count.
        unsafe {
            Arc::increment_strong_count(self as *const Self);
            Arc::from_raw(self as *const Self)
        }
    }

    /// Runs user code for incarnation `incarnation`, catching a panic, and
    /// tells whether a kill took the actor over meanwhile.
    ///
    /// While the code runs, a killer may take the actor (its mailbox, its
    /// slot) from this runner; see [`HandlerWord`]. If it did, the runner
    /// learns it here and touches nothing more.
    #[inline]
    fn guarded<R>(&self, incarnation: u32, f: impl FnOnce() -> R) -> Guarded<R> {
        self.handler.enter(incarnation);
        let result = catch_unwind(AssertUnwindSafe(f));
        if !self.handler.leave(incarnation) {
            return Guarded::Stolen;
        }
        match result {
            Ok(value) => Guarded::Returned(value),
            Err(payload) => Guarded::Panicked(payload_text(&*payload)),
        }
    }

    /// Whether `incarnation` was killed. A kill bit meant for an earlier
    /// incarnation is cleared (a kill of this one that comes meanwhile
    /// stores its incarnation first, so the second look sees it).
    #[cold]
    #[inline(never)]
    fn is_killed(&self) -> bool {
        let killed = || lock(&self.control).as_ref().is_some_and(|c| c.killed);
        if killed() {
            return true;
        }
        self.signals.fetch_and(!SIG_KILL, AcqRel);
        killed()
    }

    /// Whether this cell traps exits now.
    fn traps_exits(&self) -> bool {
        self.signals.load(Acquire) & TRAP_EXIT != 0
    }

    pub(crate) fn set_trap_exit(&self, trap: bool) {
        if trap {
            self.signals.fetch_or(TRAP_EXIT, AcqRel);
        } else {
            self.signals.fetch_and(!TRAP_EXIT, AcqRel);
        }
    }

    /// Runs `f` on the current incarnation's control block, creating it.
    /// `None` if `incarnation` is not current (it stopped, or was replaced).
    fn with_control<R>(&self, incarnation: u32, f: impl FnOnce(&mut Control) -> R) -> Option<R> {
        let mut control = lock(&self.control);
        // Checked under the lock: `die` sets STOPPED before it takes the
        // block under the same lock, so nothing is added after the take.
        if !self.state.is_current(incarnation) {
            return None;
        }
        Some(f(control.get_or_insert_with(Default::default)))
    }

    /// Stops the incarnation whose runner this thread is: runs `stopped`,
    /// drops the instance, and lets the death take its course.
    #[cold]
    #[inline(never)]
    fn finish(&self, incarnation: u32, slot: &mut Slot<A>, reason: ExitReason) -> RunResult {
        // `ReplyTo`s dropped from here on fail their callers with `Stopped`.
        let _stopping = StoppingScope::enter();
        if !self.supervised() {
            // Close first: once `is_alive` says false, every send fails.
            self.mailbox.close();
        }
        self.state.stop();
        let actor = slot.actor;
        // SAFETY: we hold RUNNING and have not been stolen from, so the
        // instance is ours and alive.
        if let Guarded::Stolen =
            self.guarded(incarnation, || unsafe { &mut *actor }.stopped(&reason))
        {
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
    fn die(&self, incarnation: u32, reason: ExitReason) {
        let pid = self.pid_of(incarnation);
        let remains = lock(&self.control).take().map(|c| Remains {
            links: c.links,
            monitors: c.monitors,
            supervisor: c.supervisor,
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
        tracing::trace!(%pid, %reason, "actor stopped");
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
    fn retire_claimed(&self, incarnation: u32, reason: &ExitReason) {
        let _stopping = StoppingScope::enter();
        let pid = self.pid_of(incarnation);
        self.mailbox.close();
        let shared = &self.shared;
        if holds_names(&self.signals) {
            shared.names.release(pid, Some(reason));
        }
        let mut discarded = 0;
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
                        shared.dead_letters.record(DeadLetter {
                            pid,
                            kind,
                            reason: reason.clone(),
                        });
                    }
                })
            };
        }));
        if let Err(payload) = drained {
            tracing::warn!(%pid, "dropping the messages of {pid} panicked: {}", payload_text(&*payload));
        }
        shared.actor_exited(pid, discarded);
    }

    /// A kill took the actor from a runner stuck in one of its handlers:
    /// do what the runner would have done, bar the `stopped` hook (the
    /// instance is in use; its runner drops it when the handler returns).
    #[cold]
    #[inline(never)]
    fn take_over(&self, incarnation: u32) {
        let _stopping = StoppingScope::enter();
        if !self.supervised() {
            self.mailbox.close();
        }
        self.state.stop();
        // SAFETY: the steal made us the actor's holder; the runner no longer
        // reads the slot, and owns the instance from now on.
        unsafe {
            let slot = &mut *self.slot.get();
            slot.actor = ptr::null_mut();
        }
        if !self.is_blocking() {
            self.shared.scheduler.replace_stuck_thread();
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
                        if self.state.notify() {
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
        supervisor: (Pid, Task),
        ack: StartedAck,
    ) -> Result<Pid, crate::error::SpawnError> {
        // SAFETY: the caller claimed the vacant cell: nobody else touches
        // the slot until the state word below schedules the actor.
        unsafe {
            let slot = &mut *self.slot.get();
            debug_assert!(slot.actor.is_null());
            slot.actor = Box::into_raw(Box::new(actor));
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
        let incarnation = self.state.restart();
        match parker {
            None => scheduler::schedule(
                &self.shared.scheduler,
                Arc::clone(self) as Task,
                WakeKind::Spawn,
            ),
            Some(parker) => spawn::start_dedicated(&self.shared, self, parker)?,
        }
        Ok(self.pid_of(incarnation))
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
        *control = Some(Box::new(Control {
            links: vec![supervisor.clone()],
            supervisor: Some(supervisor),
            started_ack: Some(ack),
            dedicated,
            ..Control::default()
        }));
    }
}

/// An adder of a name (see `names`): marks the cell as holding names, then
/// returns whether its mailbox is still open. If not, the adder releases
/// what it added. Dekker with [`holds_names`], which a retiring cell calls
/// after closing its mailbox: one of the two sees the other.
pub(crate) fn mark_named(signals: &AtomicU8, is_closed: impl FnOnce() -> bool) -> bool {
    signals.fetch_or(NAMED, SeqCst);
    fence(SeqCst);
    !is_closed()
}

/// A retiring cell, its mailbox closed: whether it holds names to release.
pub(crate) fn holds_names(signals: &AtomicU8) -> bool {
    fence(SeqCst);
    signals.load(Relaxed) & NAMED != 0
}

/// Drops an instance taken out of its slot, reporting a panicking `Drop`.
#[cold]
#[inline(never)]
fn drop_instance<A>(pid: Pid, actor: *mut A) {
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

impl<A: Actor> Runnable for ActorCell<A> {
    fn run(self: Arc<Self>, budget: usize) -> RunResult {
        let incarnation = self.state.begin_run();
        let pid = self.pid_of(incarnation);
        let _scope = ActorScope::enter(pid);
        let slot_ptr = self.slot.get();
        let mut ctx = Context::new(self, pid);
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
        let mut handled = 0;

        macro_rules! user {
            ($body:expr) => {
                match cell.guarded(incarnation, || $body) {
                    Guarded::Returned(value) => value,
                    Guarded::Panicked(text) => {
                        cell.shared.record_panic();
                        return cell.finish(incarnation, slot, ExitReason::Panic(text));
                    }
                    Guarded::Stolen => {
                        drop(ctx);
                        drop_instance(pid, actor);
                        return RunResult::ended(handled.max(1), true);
                    }
                }
            };
        }

        // SAFETY: as for the slot.
        let started = unsafe { &mut *cell.started.get() };
        // Whether user code already ran in this run (see `release_run_next`).
        let ran_started = !*started;
        if !*started {
            *started = true;
            // SAFETY (each use of `actor` below): the instance is ours while
            // we hold the actor, and no other reference to it is live.
            user!(unsafe { &mut *actor }.started(&mut ctx));
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
                return cell.finish(incarnation, slot, reason);
            }
            let signals = cell.signals.load(Acquire);
            if signals & SIGNALS != 0 {
                if signals & SIG_KILL != 0 {
                    if cell.is_killed() {
                        return cell.finish(incarnation, slot, ExitReason::Killed);
                    }
                    continue;
                }
                if signals & SIG_EXIT != 0 {
                    let reason = lock(&cell.control)
                        .as_mut()
                        .and_then(|c| c.pending_exit.take())
                        .unwrap_or(ExitReason::Killed);
                    return cell.finish(incarnation, slot, reason);
                }
                cell.signals.fetch_and(!SIG_SHUTDOWN, AcqRel);
                user!(unsafe { &mut *actor }.shutdown_requested(&mut ctx));
                continue;
            }
            if handled >= budget {
                cell.state.yield_run();
                return RunResult {
                    yielded: Some(ctx.into_cell() as Task),
                    ..RunResult::done(handled)
                };
            }
            // SAFETY: we hold RUNNING: we are the mailbox's only consumer.
            match unsafe { cell.mailbox.pop() } {
                Pop::Value(envelope) => {
                    if handled > 0 || ran_started {
                        scheduler::release_run_next();
                    }
                    handled += 1;
                    match envelope {
                        Envelope::User(msg) => {
                            let kind = A::message_kind(&msg);
                            match cell.guarded(incarnation, || {
                                unsafe { &mut *actor }.handle(msg, &mut ctx)
                            }) {
                                Guarded::Returned(()) => {}
                                Guarded::Panicked(text) => {
                                    cell.shared.record_panic();
                                    cell.shared.dead_letters.record(DeadLetter {
                                        pid,
                                        kind,
                                        reason: ExitReason::Panic(text.clone()),
                                    });
                                    return cell.finish(incarnation, slot, ExitReason::Panic(text));
                                }
                                Guarded::Stolen => {
                                    drop(ctx);
                                    drop_instance(pid, actor);
                                    return RunResult::ended(handled, true);
                                }
                            }
                        }
                        Envelope::Continuation(k) => user!(k(unsafe { &mut *actor }, &mut ctx)),
                        Envelope::Signal(signal) => match *signal {
                            Signal::Exit {
                                incarnation: to,
                                from,
                                reason,
                            } if to == incarnation => {
                                user!(unsafe { &mut *actor }.on_exit(from, reason, &mut ctx))
                            }
                            Signal::Down {
                                incarnation: to,
                                down,
                            } if to == incarnation => {
                                user!(unsafe { &mut *actor }.on_down(down, &mut ctx))
                            }
                            // For an earlier incarnation: not ours.
                            _ => {}
                        },
                    }
                }
                Pop::Empty => match cell.state.try_idle() {
                    // From here on another thread may run the actor: touch
                    // nothing but our `Arc`s.
                    Idle::Parked => return RunResult::done(handled),
                    Idle::MoreWork => continue,
                },
            }
        }
    }

    fn request_shutdown(self: Arc<Self>, from_node: bool) {
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
        if self.state.notify() {
            self.wake(WakeKind::Spawn);
        }
    }

    fn is_current(&self, pid: Pid) -> bool {
        self.state.is_current(pid.incarnation())
    }

    fn current_pid(&self) -> Option<Pid> {
        let incarnation = self.state.incarnation();
        self.state
            .is_current(incarnation)
            .then(|| self.pid_of(incarnation))
    }

    fn exit_signal(&self, to: Pid, from: Pid, reason: &ExitReason) -> bool {
        let trapped = {
            let mut control = lock(&self.control);
            if !self.state.is_current(to.incarnation()) {
                return false;
            }
            let Some(control) = control.as_mut() else {
                return false;
            };
            let Some(at) = control.links.iter().position(|(p, _)| *p == from) else {
                // Unlinked meanwhile: the link's signal is void.
                return false;
            };
            control.links.swap_remove(at);
            if self.traps_exits() {
                true
            } else if reason == &ExitReason::Normal {
                return true; // ignored, as in Erlang
            } else {
                control
                    .pending_exit
                    .get_or_insert_with(|| ExitReason::Linked(from, Box::new(reason.clone())));
                self.signals.fetch_or(SIG_EXIT, AcqRel);
                false
            }
        };
        if trapped {
            let signal = Signal::Exit {
                incarnation: to.incarnation(),
                from,
                reason: reason.clone(),
            };
            return self
                .deliver_envelope(Envelope::Signal(Box::new(signal)))
                .is_ok();
        }
        if self.state.notify() {
            self.wake(WakeKind::Spawn);
        }
        true
    }

    fn down_signal(&self, to: Pid, down: Down) -> bool {
        if !self.state.is_current(to.incarnation()) {
            return false;
        }
        let signal = Signal::Down {
            incarnation: to.incarnation(),
            down,
        };
        self.deliver_envelope(Envelope::Signal(Box::new(signal)))
            .is_ok()
    }

    fn add_link(&self, me: Pid, other: Pid, task: Task) -> bool {
        self.with_control(me.incarnation(), |c| {
            if !c.links.iter().any(|(p, _)| *p == other) {
                c.links.push((other, task));
            }
        })
        .is_some()
    }

    fn remove_link(&self, me: Pid, other: Pid) {
        self.with_control(me.incarnation(), |c| {
            c.links.retain(|(p, _)| *p != other);
        });
    }

    fn add_monitor(&self, me: Pid, monitor: MonitorRef, watcher: Pid, task: Task) -> bool {
        self.with_control(me.incarnation(), |c| {
            c.monitors.push((monitor, watcher, task));
        })
        .is_some()
    }

    fn remove_monitor(&self, me: Pid, monitor: MonitorRef) {
        self.with_control(me.incarnation(), |c| {
            c.monitors.retain(|(m, _, _)| *m != monitor);
        });
    }

    fn kill(&self, pid: Pid) -> bool {
        ActorCell::kill(self, pid.incarnation())
    }

    fn claim(&self) -> bool {
        self.state.claim_vacant()
    }

    fn retire(&self, reason: &ExitReason) -> bool {
        if self.state.claim_vacant() {
            self.retire_claimed(self.state.incarnation(), reason);
            true
        } else {
            false
        }
    }

    fn latest_pid(&self) -> Pid {
        self.pid()
    }

    fn is_retired(&self) -> bool {
        self.mailbox.is_closed()
    }

    fn hold_names(&self) -> bool {
        mark_named(&self.signals, || self.mailbox.is_closed())
    }

    fn type_names(&self) -> (&'static str, &'static str) {
        (
            core::any::type_name::<A>(),
            core::any::type_name::<A::Msg>(),
        )
    }

    fn send_dyn(&self, msg: &mut dyn core::any::Any) -> DynSend {
        let Some(slot) = msg.downcast_mut::<Option<A::Msg>>() else {
            return DynSend::WrongType;
        };
        let Some(message) = slot.take() else {
            return DynSend::WrongType;
        };
        match self.deliver(message, |m| m) {
            Ok(()) => DynSend::Sent,
            Err(refused) => {
                let mut back = None;
                let reason = refused.map(|m| back = Some(m));
                *slot = back;
                DynSend::Refused(reason)
            }
        }
    }
}

impl<A, M> Sink<M> for ActorCell<A>
where
    A: Actor,
    M: Into<A::Msg> + Send + 'static,
{
    #[inline]
    fn send(&self, msg: M) -> Result<(), SendError<M>> {
        self.deliver(msg, Into::into)
    }

    fn pid(&self) -> Pid {
        ActorCell::pid(self)
    }

    fn is_alive(&self) -> bool {
        !self.state.is_stopped() && !self.mailbox.is_closed()
    }

    fn task(self: Arc<Self>) -> Task {
        self
    }
}

impl<A: Actor> Drop for ActorCell<A> {
    fn drop(&mut self) {
        // An actor never started (a refused spawn) or a node gone with it.
        let actor = self.slot.get_mut().actor;
        drop_instance(self.pid(), actor);
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

#[cfg(all(test, not(loom)))]
mod tests {
    /// glibc's fast bins (and most allocators' small classes) end at 128
    /// bytes; past that, the spawn bench took about twice as long (cells
    /// are freed on another thread than the one that allocated them).
    #[test]
    fn a_cell_and_its_arc_counts_fit_in_128_bytes() {
        struct Small;
        impl crate::Actor for Small {
            type Msg = u64;
            fn handle(&mut self, _: u64, _: &mut crate::Context<Self>) {}
        }
        let arc_counts = 2 * core::mem::size_of::<usize>();
        let size = core::mem::size_of::<super::ActorCell<Small>>() + arc_counts;
        assert!(size <= 128, "an actor cell takes {size} bytes");
    }
}
