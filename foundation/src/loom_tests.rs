//! Loom models of the lock-free parts: the mailbox queue, the actor state
//! word's hand-over between senders and the runner, the handler words of a
//! kill's take-over, and the hand-shake between adding a name and an actor
//! retiring.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" cargo test -p foundation --release --lib loom_`
//! (under loom a block holds two slots, so these models cross blocks).

use loom::sync::Arc;
use loom::sync::atomic::AtomicBool;
use loom::sync::atomic::AtomicUsize;
use loom::thread;
use std::sync::atomic::Ordering::SeqCst;

use crate::cell::state::{Idle, State};
use crate::mailbox::Pop;

type Queue<T> = crate::mailbox::queue_for_loom::Queue<T>;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    // The consumer's wait loops make long (but finite) paths.
    builder.max_branches = 50_000;
    builder.check(f);
}

/// A bounded push (ADR 0007 §2): two producers race for the one place of
/// a queue with limit 1 while the consumer takes what it finds. The queue
/// never holds two values: every value pushed was either taken during the
/// race or is the one left, and a refusal is `Full` with the value back.
#[test]
fn loom_queue_limit_is_never_exceeded() {
    use crate::error::SendError;
    model(|| {
        let q = Arc::new(Queue::new());
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let q = q.clone();
                thread::spawn(move || match q.push_with(p, |v| v, 1, || {}) {
                    Ok(()) => true,
                    Err(SendError::Full(back)) => {
                        assert_eq!(back, p);
                        false
                    }
                    Err(other) => panic!("{other:?}"),
                })
            })
            .collect();
        let mut taken = 0;
        // SAFETY: this thread is the only consumer.
        if let Pop::Value(_) = unsafe { q.pop() } {
            taken += 1;
        }
        let pushed = producers
            .into_iter()
            .map(|p| p.join().unwrap())
            .filter(|&ok| ok)
            .count();
        let left = q.len();
        assert!(left <= 1, "{left} values in a queue limited to 1");
        assert_eq!(pushed, taken + left);
        assert!(pushed >= 1, "an empty queue takes the first push");
        // SAFETY: as above.
        while let Pop::Value(_) = unsafe { q.pop() } {}
    });
}

#[test]
fn loom_queue_two_producers_cross_blocks_in_order() {
    model(|| {
        let q = Arc::new(Queue::new());
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let q = q.clone();
                thread::spawn(move || {
                    // Three values in all: two blocks of two slots.
                    q.push((p, 0)).unwrap();
                    if p == 0 {
                        q.push((p, 1)).unwrap();
                    }
                })
            })
            .collect();
        // Pop while the producers run (a bounded number of tries: a spin
        // loop would blow up the model), then collect the rest.
        let mut got = Vec::new();
        for _ in 0..2 {
            // SAFETY: this thread is the only consumer.
            if let Pop::Value(v) = unsafe { q.pop() } {
                got.push(v);
            }
        }
        for p in producers {
            p.join().unwrap();
        }
        while let Pop::Value(v) = unsafe { q.pop() } {
            got.push(v);
        }
        assert_eq!(got.len(), 3, "nothing lost, nothing doubled: {got:?}");
        let zeros: Vec<_> = got
            .iter()
            .filter(|(p, _)| *p == 0)
            .map(|(_, i)| *i)
            .collect();
        assert_eq!(zeros, [0, 1], "FIFO per producer");
        assert_eq!(unsafe { q.pop() }, Pop::Empty);
        assert_eq!(q.len(), 0);
    });
}

/// Hibernation (ADR 0009): the consumer gives back the block of an empty
/// queue while a producer pushes. Every value arrives once, in order, and
/// the read position counts the values plus the positions skipped.
#[test]
fn loom_queue_release_races_with_push() {
    model(|| {
        let q = Arc::new(Queue::new());
        q.push(0).unwrap();
        // SAFETY: this thread is the only consumer.
        assert_eq!(unsafe { q.pop() }, Pop::Value(0));
        let producer = {
            let q = q.clone();
            thread::spawn(move || {
                q.push(1).unwrap();
                q.push(2).unwrap();
            })
        };
        // SAFETY: as above, for every consumer call below.
        let mut skipped = unsafe { q.release_idle() };
        let mut got = Vec::new();
        if let Pop::Value(v) = unsafe { q.pop() } {
            got.push(v);
        }
        skipped += unsafe { q.release_idle() };
        producer.join().unwrap();
        while let Pop::Value(v) = unsafe { q.pop() } {
            got.push(v);
        }
        assert_eq!(got, [1, 2], "nothing lost, nothing doubled, in order");
        assert_eq!(q.len(), 0);
        assert_eq!(q.taken(), 3 + skipped);
    });
}

#[test]
fn loom_queue_close_races_with_push() {
    model(|| {
        let q = Arc::new(Queue::new());
        let producer = {
            let q = q.clone();
            thread::spawn(move || {
                let mut accepted = 0;
                for i in 0..3 {
                    if q.push(i).is_ok() {
                        accepted += 1;
                    }
                }
                accepted
            })
        };
        let mut taken = 0;
        // SAFETY: the only consumer.
        if let Pop::Value(_) = unsafe { q.pop() } {
            taken += 1;
        }
        q.close();
        taken += unsafe { q.drain_closed(drop) };
        let accepted = producer.join().unwrap();
        assert_eq!(taken, accepted, "every accepted value is drained, no other");
    });
}

/// A miniature actor: a mailbox, a state word, and a guard that checks no
/// two threads ever run it at once.
struct MiniActor {
    queue: Queue<u32>,
    state: State,
    running: AtomicBool,
    handled: AtomicUsize,
}

impl MiniActor {
    /// What a sender does; returns whether it must schedule the actor.
    fn send(&self, v: u32) -> bool {
        self.queue.push(v).unwrap();
        self.state.notify()
    }

    /// What a scheduler thread does with a scheduled actor, with a budget of
    /// `budget` messages per run; loops over yields (re-queueing to itself).
    fn run(&self, budget: usize) {
        loop {
            self.state.begin_run();
            assert!(!self.running.swap(true, SeqCst), "run twice at once");
            let mut handled = 0;
            // The guard is released just before each transition that lets
            // another thread in, and retaken if the transition did not.
            let yielded = loop {
                if handled == budget {
                    self.running.store(false, SeqCst);
                    self.state.yield_run();
                    break true;
                }
                // SAFETY: RUNNING makes us the only consumer (checked above).
                match unsafe { self.queue.pop() } {
                    Pop::Value(_) => {
                        handled += 1;
                        self.handled.fetch_add(1, SeqCst);
                    }
                    Pop::Empty => {
                        self.running.store(false, SeqCst);
                        match self.state.try_idle() {
                            Idle::Parked => break false,
                            Idle::MoreWork => {
                                assert!(!self.running.swap(true, SeqCst), "run twice at once");
                            }
                        }
                    }
                }
            };
            if !yielded {
                return;
            }
        }
    }
}

fn idle_actor() -> MiniActor {
    let state = State::new_scheduled(0);
    state.begin_run();
    assert_eq!(state.try_idle(), Idle::Parked);
    MiniActor {
        queue: Queue::new(),
        state,
        running: AtomicBool::new(false),
        handled: AtomicUsize::new(0),
    }
}

fn senders_and_runner(budget: usize) {
    model(move || {
        let actor = Arc::new(idle_actor());
        let senders: Vec<_> = (0..2)
            .map(|i| {
                let actor = actor.clone();
                thread::spawn(move || {
                    if actor.send(i) {
                        // This sender moved the actor from idle to scheduled:
                        // it plays the scheduler thread.
                        actor.run(budget);
                    }
                })
            })
            .collect();
        for s in senders {
            s.join().unwrap();
        }
        assert_eq!(actor.handled.load(SeqCst), 2, "a wake-up was lost");
    });
}

#[test]
fn loom_state_handoff_loses_no_wakeup() {
    senders_and_runner(usize::MAX);
}

#[test]
fn loom_state_handoff_with_yields() {
    senders_and_runner(1);
}

/// Flow control's flags (ADR 0007 §6): a sender raises a flag (an
/// overloaded mark, a thread waiting for room) and then notifies the
/// actor; the runner, finishing a run, goes idle or finds more work and
/// then reads the flags, and a run that begins reads them first. Whatever
/// the interleaving, some run after the raise sees the flag — so a mark
/// raised as the actor drains is lowered, and a waiter is woken. Fails
/// when the notify comes before the raise (tried: the runner goes idle
/// having read no flag, and nothing runs it again).
#[test]
fn loom_a_raised_flow_flag_is_seen_by_a_later_run() {
    use loom::sync::atomic::AtomicU32;
    use loom::sync::atomic::Ordering::{AcqRel, Relaxed};

    model(|| {
        let state = Arc::new(State::new_scheduled(0));
        let flags = Arc::new(AtomicU32::new(0));
        state.begin_run(); // the runner is in a run, its mailbox empty
        let raiser = {
            let (state, flags) = (state.clone(), flags.clone());
            thread::spawn(move || {
                flags.fetch_or(1, AcqRel);
                // Scheduled it: this thread plays the scheduler, and the
                // run it starts reads the flags when it begins.
                state.notify() && {
                    state.begin_run();
                    flags.load(Relaxed) != 0
                }
            })
        };
        let seen_by_runner = match state.try_idle() {
            Idle::Parked => false,
            Idle::MoreWork => flags.load(Relaxed) != 0,
        };
        let seen_by_new_run = raiser.join().unwrap();
        assert!(
            seen_by_runner || seen_by_new_run,
            "a raised flag went unseen"
        );
    });
}

/// A credit-based mailbox's pool (ADR 0007 §7): a producer out of credit
/// lists itself and draws again; the runner gives credit back and looks for
/// listings. Whatever the interleaving, the producer gets the credit or is
/// told — never neither (Dekker's hand-shake on the counter and the
/// `wanted` flag, with a `SeqCst` fence on each side). Fails without
/// `give_back`'s fence (tried: the producer draws nothing, and nobody
/// tells it; `SeqCst` accesses alone did not do, as loom models them).
#[test]
fn loom_credit_given_back_reaches_a_waiting_producer() {
    use crate::mailbox::{CreditPool, CreditWaiter};

    model(|| {
        let pool = Arc::new(CreditPool::new(1));
        assert_eq!(pool.draw(1), 1); // spent: the pool is empty
        let told = Arc::new(AtomicBool::new(false));
        let producer = {
            let (pool, told) = (pool.clone(), told.clone());
            thread::spawn(move || {
                let told = told.clone();
                pool.wait(CreditWaiter::Notice(Box::new(move || {
                    told.store(true, SeqCst);
                })));
                pool.draw(1) == 1
            })
        };
        pool.give_back(1); // the runner handled the message
        let drew = producer.join().unwrap();
        assert!(
            drew || told.load(SeqCst),
            "credit came back and nobody heard"
        );
    });
}

/// A kill racing a runner that leaves a handler and goes on consuming: at
/// most one of them consumes (the loom cell below stands for the mailbox
/// and the instance, and loom reports any two unsynchronised accesses), and
/// if the killer did not take the actor, the runner sees the kill signal at
/// its next check.
#[test]
fn loom_kill_steals_only_inside_a_handler() {
    use crate::cell::takeover::{Found, HandlerWord, What};
    const W: What = What::CONTINUATION;
    use loom::cell::UnsafeCell;

    model(|| {
        let word = Arc::new(HandlerWord::new());
        let killed = Arc::new(AtomicBool::new(false));
        let consumer = Arc::new(UnsafeCell::new(0u32));
        let runner = {
            let (word, killed, consumer) = (word.clone(), killed.clone(), consumer.clone());
            thread::spawn(move || {
                // Two handlers in a row, consuming the mailbox between them.
                for _ in 0..2 {
                    if killed.load(SeqCst) {
                        return;
                    }
                    consumer.with_mut(|c| unsafe { *c += 1 });
                    word.enter(0, W);
                    if !word.leave(0, W) {
                        return; // taken: touch nothing more
                    }
                }
                word.done(0);
            })
        };
        killed.store(true, SeqCst);
        if word.steal(0) == Found::Taken {
            // The killer now holds the actor: it drains the mailbox.
            consumer.with_mut(|c| unsafe { *c += 100 });
        }
        runner.join().unwrap();
    });
}

/// A runner of a later incarnation is never mistaken for the stale one: a
/// kill of incarnation 0 cannot take incarnation 1's handler, and the stale
/// runner's leave fails.
#[test]
fn loom_stale_runner_cannot_leave_into_a_new_incarnation() {
    use crate::cell::takeover::{Found, HandlerWord, What};
    const W: What = What::CONTINUATION;

    model(|| {
        let word = Arc::new(HandlerWord::new());
        word.enter(0, W);
        assert_eq!(word.steal(0), Found::Taken);
        let fresh = {
            let word = word.clone();
            thread::spawn(move || {
                word.enter(1, W);
                let taken_by_stale_kill = word.steal(0) == Found::Taken;
                assert!(!taken_by_stale_kill);
                // The new incarnation is killed in turn: killer and runner
                // agree — taken exactly when the runner learns it was.
                let first = word.steal(1);
                let runner_goes_on = word.leave(1, W);
                assert_eq!(runner_goes_on, first != Found::Taken, "{first:?}");
                // Out of user code now: a second kill finds nothing to take.
                assert_ne!(word.steal(1), Found::Taken);
            })
        };
        assert!(
            !word.leave(0, W),
            "the stale runner learns it was taken, however the word moved on"
        );
        fresh.join().unwrap();
    });
}

/// A runner taken in incarnation 0 (stuck in a handler a kill took) leaves
/// that handler while incarnation 1's runner is inside one of its own: a
/// kill of incarnation 1 must still find it inside (issue 15: the stale
/// runner's store of "idle" used to overwrite the word the new runner had
/// set, and such a kill found "between handlers", leaving a stuck handler
/// it could not take). Fails with `leave`'s exchange made a plain store.
#[test]
fn loom_a_stale_runner_cannot_hide_a_later_handler_from_a_kill() {
    use crate::cell::takeover::{Found, HandlerWord, What};
    const W: What = What::CONTINUATION;

    model(|| {
        let word = Arc::new(HandlerWord::new());
        word.enter(0, W);
        assert_eq!(word.steal(0), Found::Taken);
        let stale = {
            let word = word.clone();
            thread::spawn(move || word.leave(0, W))
        };
        word.enter(1, W);
        assert_eq!(
            word.steal(1),
            Found::Taken,
            "incarnation 1 is inside its handler"
        );
        assert!(
            !stale.join().unwrap(),
            "the stale runner learns it was taken"
        );
    });
}

/// Names vs. retirement (`names` module, ADR 0003 §3): an adder marks the
/// cell and then checks the mailbox; the retiring cell closes the mailbox
/// and then checks the mark. Whatever the interleaving, at least one of
/// them releases the new entry — none is left behind for a dead actor.
#[test]
fn loom_a_name_added_as_its_actor_retires_is_released_by_one_side() {
    use crate::cell::lifecycle::{holds_names, mark_named};
    use crate::sync::AtomicU16;

    model(|| {
        let q = Arc::new(Queue::<u8>::new());
        let signals = Arc::new(AtomicU16::new(0));
        let adder = {
            let (q, signals) = (q.clone(), signals.clone());
            thread::spawn(move || !mark_named(&signals, || q.is_closed()))
        };
        q.close();
        let retirer_releases = holds_names(&signals);
        let adder_releases = adder.join().unwrap();
        assert!(
            adder_releases || retirer_releases,
            "the entry outlives its actor"
        );
    });
}

/// The scheduler's idle hand-shake: a thread that finds no work searches,
/// announces its sleep, looks once more and parks; a waker publishes work
/// and wakes a sleeper unless a thread is searching. No wake-up is lost:
/// the thread always ends up with the work (loom reports a thread parked
/// forever as a deadlock). Fails without the fence in `Idle::wake_one` or
/// the one in `Idle::announce_sleep` (each tried).
#[test]
fn loom_idle_no_lost_wake_up() {
    use crate::scheduler::Idle;
    use loom::sync::atomic::Ordering::{Acquire, Release};

    model(|| {
        let idle = Arc::new(Idle::new(1));
        // The run queues, reduced to a count of queued tasks.
        let work = Arc::new(AtomicUsize::new(0));
        let sleeper = {
            let (idle, work) = (idle.clone(), work.clone());
            thread::spawn(move || {
                // One look while searching (the spin rounds, reduced).
                idle.start_searching();
                if work.load(Acquire) > 0 {
                    // Found work; a sleeper to wake for the rest, if any
                    // (none: this is the only thread).
                    assert_eq!(idle.stop_searching(|| false), None);
                    return;
                }
                idle.stop_searching_to_sleep();
                idle.announce_sleep(0, true);
                if work.load(Acquire) > 0 {
                    idle.cancel_sleep(0);
                    return;
                }
                thread::park();
                idle.cancel_sleep(0);
                assert!(work.load(Acquire) > 0, "woken without work");
            })
        };
        work.store(1, Release);
        if let Some(index) = idle.wake_one() {
            assert_eq!(index, 0);
            sleeper.thread().unpark();
        }
        sleeper.join().unwrap();
    });
}

/// A task in the run-next slot is taken exactly once: by its owner (a
/// `take`, or a `put` that displaces it) or by a thief that watched it —
/// never by both, never lost. Fails without the owner's fence in
/// `take_full` or the thief's in `steal` (each tried: both take the task,
/// a concurrent access loom reports).
#[test]
fn loom_run_next_a_task_is_taken_once() {
    use crate::scheduler::run_next::RunNext;
    use crate::task::Task;

    /// A stand-in task that counts how often it is taken.
    fn task(counter: &Arc<AtomicUsize>) -> Task {
        std::sync::Arc::new(Counted(counter.clone())) as Task
    }

    model(|| {
        let slot = Arc::new(RunNext::new());
        let first = Arc::new(AtomicUsize::new(0));
        let second = Arc::new(AtomicUsize::new(0));
        // The owner puts the first task, then a second (displacing the
        // first if no thief took it), then takes what is left.
        slot.put(task(&first)).map(|t| t.run(0));
        let thief = {
            let slot = slot.clone();
            thread::spawn(move || {
                if let Some(seen) = slot.peek() {
                    slot.steal(seen).map(|t| t.run(0));
                }
            })
        };
        slot.put(task(&second)).map(|t| t.run(0));
        slot.take().map(|t| t.run(0));
        thief.join().unwrap();
        assert_eq!(first.load(SeqCst), 1, "the first task ran once");
        assert_eq!(second.load(SeqCst), 1, "the second task ran once");
    });
}

/// A task that counts its runs; nothing else of it is used.
struct Counted(Arc<AtomicUsize>);

impl crate::task::Runnable for Counted {
    fn run(self: std::sync::Arc<Self>, _: usize) -> crate::task::RunResult {
        self.0.fetch_add(1, SeqCst);
        crate::task::RunResult::done(1)
    }
    fn request_shutdown(self: std::sync::Arc<Self>, _: bool) {}
    fn is_current(&self, _: crate::Pid) -> bool {
        false
    }
    fn current_pid(&self) -> Option<crate::Pid> {
        None
    }
    fn exit_signal(&self, _: crate::Pid, _: crate::Pid, _: &crate::ExitReason) -> bool {
        false
    }
    fn down_signal(&self, _: crate::Pid, _: crate::Down) -> bool {
        false
    }
    fn add_link(&self, _: crate::Pid, _: crate::Pid, _: crate::task::Task) -> bool {
        false
    }
    fn remove_link(&self, _: crate::Pid, _: crate::Pid) {}
    fn add_monitor(
        &self,
        _: crate::Pid,
        _: crate::MonitorRef,
        _: crate::Pid,
        _: crate::task::Task,
    ) -> bool {
        false
    }
    fn remove_monitor(&self, _: crate::Pid, _: crate::MonitorRef) {}
    fn kill(&self, _: crate::Pid) -> bool {
        false
    }
    fn claim(&self) -> bool {
        false
    }
    fn retire(&self, _: &crate::ExitReason) -> bool {
        false
    }
    fn latest_pid(&self) -> crate::Pid {
        crate::Pid::new(0, 0, 0)
    }
    fn is_retired(&self) -> bool {
        false
    }
    fn hold_names(&self) -> bool {
        false
    }
    fn in_handler(&self) -> Option<String> {
        None
    }
    fn type_names(&self) -> (&'static str, &'static str) {
        ("Counted", "()")
    }
    fn send_dyn(&self, _: &mut dyn core::any::Any) -> crate::task::DynSend {
        crate::task::DynSend::WrongType
    }
    fn handle(&self) -> crate::task::Task {
        std::sync::Arc::new(Counted(self.0.clone()))
    }
    fn is_overloaded(&self) -> bool {
        false
    }
    fn mailbox_counts(&self) -> (usize, u64) {
        (0, 0)
    }
    fn is_muted(&self) -> bool {
        false
    }
    fn mute(&self) -> bool {
        false
    }
    fn unmute(&self) {}
    fn request_compact(&self) -> bool {
        false
    }
    fn memory(&self) -> Option<u64> {
        None
    }
}

/// A reply racing its timeout: exactly one completes the slot; the other
/// is refused (the reply's value is handed back to the replier), and the
/// caller takes exactly the winner's outcome. Fails when `Slot::complete`
/// no longer checks that the slot is still waiting (tried: both complete,
/// and the caller sees the timeout while the replier was told its value
/// was delivered).
#[test]
fn loom_reply_races_its_timeout() {
    use crate::CallError;
    use crate::call::reply::Slot;

    model(|| {
        let slot = Slot::<u32>::new();
        let replier = {
            let slot = slot.clone();
            thread::spawn(move || slot.complete(Ok(7)).is_ok())
        };
        let timer = {
            let slot = slot.clone();
            thread::spawn(move || slot.complete(Err(CallError::Timeout)).is_ok())
        };
        let replied = replier.join().unwrap();
        let timed_out = timer.join().unwrap();
        assert!(replied != timed_out, "exactly one outcome wins");
        assert!(slot.is_finished());
        let outcome = slot.abandon();
        if replied {
            assert_eq!(outcome, Some(Ok(7)));
        } else {
            assert_eq!(outcome, Some(Err(CallError::Timeout)));
        }
    });
}

/// A caller giving up (its deadline passed) racing the reply: the value is
/// never lost — either the caller takes it, or the replier gets it back.
/// Fails under the same mutation (tried: the reply lands after the caller
/// gave up, and the replier is told it was delivered).
#[test]
fn loom_reply_races_the_caller_giving_up() {
    use crate::call::reply::Slot;

    model(|| {
        let slot = Slot::<u32>::new();
        let replier = {
            let slot = slot.clone();
            thread::spawn(move || slot.complete(Ok(7)))
        };
        let taken = slot.abandon();
        let replied = replier.join().unwrap();
        match (taken, replied) {
            (Some(Ok(7)), Ok(())) => {}
            (None, Err(Ok(7))) => {}
            other => panic!("the value was lost or duplicated: {other:?}"),
        }
    });
}
