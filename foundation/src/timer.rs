//! Time: one timer service per node, and a clock that tests can drive.
//!
//! A node keeps its timers in one binary heap ordered by deadline. With the
//! system clock, one thread per node sleeps until the earliest deadline (not
//! a thread per timer); with a [`ManualClock`], nothing fires until a test
//! calls [`ManualClock::advance`], which fires every timer that came due, in
//! deadline order, before it returns — no sleeping in tests.
//!
//! Cancelled timers stay in the heap until they come due or until the heap
//! doubles, when it is compacted; so the heap holds at most about twice the
//! live timers.

use core::cmp::Ordering as CmpOrdering;
use core::fmt;
use core::sync::atomic::AtomicU8;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Release};
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::sync::lock;

/// Where a node's time comes from.
///
/// The default is the system's monotonic clock. A [`ManualClock`] makes
/// timers and timeouts deterministic: time moves only when a test says so.
///
/// ```
/// use foundation::{Clock, ManualClock, Node};
///
/// let manual = ManualClock::new();
/// let node = Node::builder().clock(manual.clone()).schedulers(1).start()?;
/// assert!(matches!(node.clock(), Clock::Manual(_)));
/// # Ok::<(), foundation::NodeError>(())
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Clock {
    /// The system's monotonic clock.
    #[default]
    System,
    /// A clock advanced by hand.
    Manual(ManualClock),
}

impl From<ManualClock> for Clock {
    fn from(clock: ManualClock) -> Self {
        Clock::Manual(clock)
    }
}

/// A clock that moves only when told to, for tests.
///
/// Every node built with (a clone of) it shares its time. [`advance`]
/// fires, before returning, every timer of those nodes that came due —
/// a timer's message is in its actor's mailbox when `advance` returns.
///
/// [`advance`]: ManualClock::advance
///
/// ```
/// use foundation::{Actor, Context, ManualClock, Node};
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// struct Alarm(mpsc::Sender<&'static str>);
/// impl Actor for Alarm {
///     type Msg = &'static str;
///     fn started(&mut self, ctx: &mut Context<Self>) {
///         ctx.send_after(Duration::from_secs(60), "ring");
///     }
///     fn handle(&mut self, msg: &'static str, _: &mut Context<Self>) {
///         self.0.send(msg).unwrap();
///     }
/// }
///
/// let clock = ManualClock::new();
/// let node = foundation::Node::builder().clock(clock.clone()).schedulers(1).start()?;
/// let (tx, rx) = mpsc::channel();
/// let alarm = node.spawn(Alarm(tx))?;
/// alarm.send("probe")?; // after `started`, so the timer exists
/// assert_eq!(rx.recv()?, "probe");
/// clock.advance(Duration::from_secs(59));
/// alarm.send("still quiet")?;
/// assert_eq!(rx.recv()?, "still quiet");
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(rx.recv()?, "ring");
/// assert_eq!(clock.now(), Duration::from_secs(60));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[derive(Default)]
struct ManualInner {
    now: Mutex<Duration>,
    services: Mutex<Vec<Weak<TimerService>>>,
}

impl ManualClock {
    /// A clock at zero.
    ///
    /// ```
    /// use foundation::{ManualClock, Node};
    ///
    /// let clock = ManualClock::new(); // starts at zero
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// assert_eq!(clock.now(), std::time::Duration::ZERO);
    /// # let _ = node;
    /// # Ok::<(), foundation::NodeError>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The time since the clock was made, as far as it has been advanced.
    ///
    /// ```
    /// use foundation::ManualClock;
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// clock.advance(Duration::from_millis(1500));
    /// assert_eq!(clock.now(), Duration::from_millis(1500));
    /// ```
    pub fn now(&self) -> Duration {
        *lock(&self.inner.now)
    }

    /// Moves time forward by `by` and fires every timer that came due, in
    /// deadline order, before returning.
    ///
    /// ```
    /// use foundation::{Actor, Context, ManualClock, Node};
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    ///
    /// struct Alarm(mpsc::Sender<()>);
    /// impl Actor for Alarm {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         let _ = self.0.send(());
    ///     }
    /// }
    /// let clock = ManualClock::new();
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// let (tx, rang) = mpsc::channel();
    /// let alarm = node.spawn(Alarm(tx))?;
    /// alarm.send_after(Duration::from_secs(30), ());
    /// clock.advance(Duration::from_secs(29));
    /// assert!(rang.try_recv().is_err()); // not yet
    /// clock.advance(Duration::from_secs(1)); // due now: sent at once, no sleeping
    /// rang.recv()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn advance(&self, by: Duration) {
        let now = {
            let mut now = lock(&self.inner.now);
            *now = now.saturating_add(by);
            *now
        };
        let services: Vec<_> = {
            let mut services = lock(&self.inner.services);
            services.retain(|s| s.strong_count() > 0);
            services.iter().filter_map(Weak::upgrade).collect()
        };
        for service in services {
            service.fire_due(now);
        }
    }

    fn attach(&self, service: &Arc<TimerService>) {
        lock(&self.inner.services).push(Arc::downgrade(service));
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &self.now())
            .finish()
    }
}

const PENDING: u8 = 0;
const FIRED: u8 = 1;
const CANCELLED: u8 = 2;

/// Why a timer was refused.
///
/// ```
/// use foundation::{Actor, Context, Node, TimerError};
/// use std::sync::mpsc;
/// use std::time::Duration;
///
/// struct Eager(mpsc::Sender<TimerError>);
/// impl Actor for Eager {
///     type Msg = ();
///     fn started(&mut self, ctx: &mut Context<Self>) {
///         let refused = ctx.send_interval(Duration::ZERO, || ()).unwrap_err();
///         self.0.send(refused).unwrap();
///     }
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let (tx, rx) = mpsc::channel();
/// node.spawn(Eager(tx))?;
/// assert_eq!(rx.recv()?, TimerError::ZeroPeriod);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimerError {
    /// An interval's period was zero.
    #[error("an interval's period must be longer than zero")]
    ZeroPeriod,
}

/// A handle to a timer, to cancel it.
///
/// Dropping it does not cancel the timer.
///
/// ```
/// use foundation::{Actor, Context, ManualClock, Node};
/// use std::time::Duration;
///
/// struct Quiet;
/// impl Actor for Quiet {
///     type Msg = ();
///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
///         unreachable!("the timer was cancelled");
///     }
/// }
///
/// let clock = ManualClock::new();
/// let node = Node::builder().clock(clock.clone()).schedulers(1).start()?;
/// let quiet = node.spawn(Quiet)?;
/// let timer = quiet.send_after(Duration::from_millis(10), ());
/// assert!(timer.cancel(), "it was still pending");
/// assert!(!timer.cancel(), "cancelling twice does nothing");
/// clock.advance(Duration::from_secs(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct TimerRef {
    state: Arc<AtomicU8>,
}

impl TimerRef {
    /// Cancels the timer. Returns `true` if it had not fired yet (for an
    /// interval: if it was still running).
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    /// use std::time::Duration;
    ///
    /// struct Quiet;
    /// impl Actor for Quiet {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let timer = node.spawn(Quiet)?.send_after(Duration::from_secs(60), ());
    /// assert!(timer.cancel()); // cancelled before it fired
    /// assert!(!timer.cancel()); // nothing left to cancel
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cancel(&self) -> bool {
        self.state
            .compare_exchange(PENDING, CANCELLED, AcqRel, Acquire)
            .is_ok()
    }

    /// Whether the timer is still waiting to fire (or, for an interval,
    /// still running).
    ///
    /// ```
    /// use foundation::{Actor, Context, ManualClock, Node};
    /// use std::time::Duration;
    ///
    /// struct Quiet;
    /// impl Actor for Quiet {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    /// let clock = ManualClock::new();
    /// let node = Node::builder().schedulers(1).clock(clock.clone()).start()?;
    /// let timer = node.spawn(Quiet)?.send_after(Duration::from_secs(1), ());
    /// assert!(timer.is_pending());
    /// clock.advance(Duration::from_secs(1));
    /// # let deadline = std::time::Instant::now() + Duration::from_secs(10);
    /// while timer.is_pending() {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now();
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_pending(&self) -> bool {
        self.state.load(Acquire) == PENDING
    }
}

impl fmt::Debug for TimerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerRef")
            .field("pending", &self.is_pending())
            .finish()
    }
}

/// What a timer does when it fires; returns `false` to stop an interval.
pub(crate) type Action = Box<dyn FnMut() -> bool + Send>;

/// Something with a deadline that cancels itself by completing: a call's
/// reply slot. Timing one out needs no allocation beyond the object itself.
pub(crate) trait Expiry: Send + Sync {
    /// Whether the deadline still matters (no outcome yet).
    fn is_live(&self) -> bool;
    /// The deadline passed.
    fn expire(&self);
}

enum Kind {
    Task {
        state: Arc<AtomicU8>,
        period: Option<Duration>,
        action: Action,
    },
    Expiry(Arc<dyn Expiry>),
}

struct Entry {
    deadline: Duration,
    seq: u64,
    kind: Kind,
}

impl Entry {
    fn is_live(&self) -> bool {
        match &self.kind {
            Kind::Task { state, .. } => state.load(Acquire) == PENDING,
            Kind::Expiry(expiry) => expiry.is_live(),
        }
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed: `BinaryHeap` is a max-heap, we want the earliest first.
    fn cmp(&self, other: &Self) -> CmpOrdering {
        (other.deadline, other.seq).cmp(&(self.deadline, self.seq))
    }
}

struct Timers {
    heap: BinaryHeap<Entry>,
    next_seq: u64,
    compact_at: usize,
    stopping: bool,
}

/// A node's timers.
pub(crate) struct TimerService {
    clock: Clock,
    epoch: Instant,
    timers: Mutex<Timers>,
    changed: Condvar,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl TimerService {
    /// Starts the service: a thread for the system clock, none for a manual
    /// clock.
    pub(crate) fn start(clock: Clock, node_name: &str) -> std::io::Result<Arc<Self>> {
        let service = Arc::new(TimerService {
            clock: clock.clone(),
            epoch: Instant::now(),
            timers: Mutex::new(Timers {
                heap: BinaryHeap::new(),
                next_seq: 0,
                compact_at: 1024,
                stopping: false,
            }),
            changed: Condvar::new(),
            thread: Mutex::new(None),
        });
        match &clock {
            Clock::System => {
                let weak = Arc::downgrade(&service);
                let handle = std::thread::Builder::new()
                    .name(format!("{node_name}-timer"))
                    .spawn(move || run_system_timer(weak))?;
                *lock(&service.thread) = Some(handle);
            }
            Clock::Manual(manual) => manual.attach(&service),
        }
        Ok(service)
    }

    /// The clock's time, since the service started (system) or since the
    /// manual clock was made.
    pub(crate) fn now(&self) -> Duration {
        match &self.clock {
            Clock::System => self.epoch.elapsed(),
            Clock::Manual(manual) => manual.now(),
        }
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Runs `action` after `delay`, then every `period` while it returns
    /// `true`.
    pub(crate) fn add(
        &self,
        delay: Duration,
        period: Option<Duration>,
        action: Action,
    ) -> TimerRef {
        let state = Arc::new(AtomicU8::new(PENDING));
        let kind = Kind::Task {
            state: Arc::clone(&state),
            period,
            action,
        };
        if !self.insert(delay, kind) {
            state.store(CANCELLED, Release);
        }
        TimerRef { state }
    }

    /// Calls `expiry.expire()` after `delay`, unless it is no longer live.
    pub(crate) fn add_expiry(&self, delay: Duration, expiry: Arc<dyn Expiry>) {
        self.insert(delay, Kind::Expiry(expiry));
    }

    /// Returns `false` if the service has stopped.
    fn insert(&self, delay: Duration, kind: Kind) -> bool {
        // Too far to count (`Duration::MAX`): never, in effect.
        let deadline = self.now().saturating_add(delay);
        let mut timers = lock(&self.timers);
        if timers.stopping {
            return false;
        }
        if timers.heap.len() >= timers.compact_at {
            timers.heap.retain(Entry::is_live);
            timers.compact_at = (timers.heap.len() * 2).max(1024);
        }
        let seq = timers.next_seq;
        timers.next_seq += 1;
        let earliest = timers.heap.peek().is_none_or(|e| deadline < e.deadline);
        timers.heap.push(Entry {
            deadline,
            seq,
            kind,
        });
        drop(timers);
        if earliest {
            self.changed.notify_one();
        }
        true
    }

    /// Fires every timer due at `now`, in deadline order. An interval fires
    /// once per call however many periods it missed, and its next deadline
    /// is a period after the last one — or after `now`, if that is past.
    pub(crate) fn fire_due(&self, now: Duration) {
        loop {
            let entry = {
                let mut timers = lock(&self.timers);
                match timers.heap.peek() {
                    Some(e) if e.deadline <= now => timers.heap.pop().expect("peeked"),
                    _ => return,
                }
            };
            let Entry {
                deadline,
                seq,
                kind,
            } = entry;
            match kind {
                Kind::Expiry(expiry) => {
                    if expiry.is_live() {
                        expiry.expire();
                    }
                }
                Kind::Task {
                    state,
                    period: None,
                    mut action,
                } => {
                    if state
                        .compare_exchange(PENDING, FIRED, AcqRel, Acquire)
                        .is_ok()
                    {
                        action();
                    }
                }
                Kind::Task {
                    state,
                    period: Some(period),
                    mut action,
                } => {
                    if state.load(Acquire) != PENDING {
                        continue;
                    }
                    if action() {
                        let mut timers = lock(&self.timers);
                        if !timers.stopping {
                            // Next period from the last deadline, unless
                            // that is already past (the thread or the
                            // actor fell behind): then from now. Missed
                            // ticks are not made up in a burst.
                            let period = period.max(Duration::from_nanos(1));
                            let next = deadline.saturating_add(period);
                            let next = if next <= now {
                                now.saturating_add(period)
                            } else {
                                next
                            };
                            if next <= now {
                                // The clock reached the end of time
                                // (`Duration::MAX`): no later deadline.
                                let _ = state.compare_exchange(PENDING, FIRED, AcqRel, Acquire);
                                continue;
                            }
                            timers.heap.push(Entry {
                                deadline: next,
                                seq,
                                kind: Kind::Task {
                                    state,
                                    period: Some(period),
                                    action,
                                },
                            });
                        }
                    } else {
                        let _ = state.compare_exchange(PENDING, FIRED, AcqRel, Acquire);
                    }
                }
            }
        }
    }

    /// Cancels every timer and stops the thread.
    pub(crate) fn stop(&self) {
        let entries = {
            let mut timers = lock(&self.timers);
            timers.stopping = true;
            std::mem::take(&mut timers.heap)
        };
        self.changed.notify_all();
        // Dropped outside the lock: an action may own anything.
        drop(entries);
        let handle = lock(&self.thread).take();
        if let Some(handle) = handle
            && handle.thread().id() != std::thread::current().id()
        {
            let _ = handle.join();
        }
    }

    /// Timers waiting (cancelled ones not yet compacted away included).
    pub(crate) fn len(&self) -> usize {
        lock(&self.timers).heap.len()
    }
}

fn run_system_timer(service: Weak<TimerService>) {
    loop {
        let Some(service) = service.upgrade() else {
            return;
        };
        let now = service.now();
        service.fire_due(now);
        let timers = lock(&service.timers);
        if timers.stopping {
            return;
        }
        let wait = timers
            .heap
            .peek()
            .map(|e| e.deadline.saturating_sub(service.now()));
        match wait {
            Some(d) if d.is_zero() => continue,
            Some(d) => drop(service.changed.wait_timeout(timers, d)),
            // Bounded so the thread notices its node is gone.
            None => drop(
                service
                    .changed
                    .wait_timeout(timers, Duration::from_millis(500)),
            ),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    fn counter_action(count: &Arc<AtomicUsize>, keep: bool) -> Action {
        let count = Arc::clone(count);
        Box::new(move || {
            count.fetch_add(1, SeqCst);
            keep
        })
    }

    #[test]
    fn manual_timers_fire_in_order_once() {
        let clock = ManualClock::new();
        let service = TimerService::start(clock.clone().into(), "t").unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        for (i, ms) in [30u64, 10, 20].into_iter().enumerate() {
            let order = Arc::clone(&order);
            service.add(
                Duration::from_millis(ms),
                None,
                Box::new(move || {
                    order.lock().unwrap().push(i);
                    false
                }),
            );
        }
        clock.advance(Duration::from_millis(15));
        assert_eq!(*order.lock().unwrap(), [1]);
        clock.advance(Duration::from_millis(100));
        assert_eq!(*order.lock().unwrap(), [1, 2, 0]);
        assert_eq!(service.len(), 0);
    }

    #[test]
    fn intervals_fire_once_per_period_until_cancelled() {
        let clock = ManualClock::new();
        let service = TimerService::start(clock.clone().into(), "t").unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let timer = service.add(
            Duration::from_millis(10),
            Some(Duration::from_millis(10)),
            counter_action(&count, true),
        );
        for _ in 0..7 {
            clock.advance(Duration::from_millis(5));
        }
        assert_eq!(count.load(SeqCst), 3, "at 10, 20 and 30 ms");
        assert!(timer.cancel());
        clock.advance(Duration::from_millis(100));
        assert_eq!(count.load(SeqCst), 3);
    }

    #[test]
    fn an_interval_that_fell_behind_goes_on_from_now_without_a_burst() {
        let clock = ManualClock::new();
        let service = TimerService::start(clock.clone().into(), "t").unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        service.add(
            Duration::from_millis(10),
            Some(Duration::from_millis(10)),
            counter_action(&count, true),
        );
        // 35 ms at once: three periods were due; it fires once.
        clock.advance(Duration::from_millis(35));
        assert_eq!(count.load(SeqCst), 1);
        // The next is a period after now (45 ms), not at 20 or 40 ms.
        clock.advance(Duration::from_millis(9));
        assert_eq!(count.load(SeqCst), 1);
        clock.advance(Duration::from_millis(1));
        assert_eq!(count.load(SeqCst), 2);
    }

    #[test]
    fn a_timer_too_far_to_count_never_fires_and_starves_nothing() {
        let clock = ManualClock::new();
        let service = TimerService::start(clock.clone().into(), "t").unwrap();
        let never = Arc::new(AtomicUsize::new(0));
        let soon = Arc::new(AtomicUsize::new(0));
        let far = service.add(Duration::MAX, None, counter_action(&never, false));
        service.add(
            Duration::MAX,
            Some(Duration::MAX),
            counter_action(&never, true),
        );
        service.add(Duration::from_millis(1), None, counter_action(&soon, false));
        clock.advance(Duration::from_secs(3600));
        assert_eq!(soon.load(SeqCst), 1);
        assert_eq!(never.load(SeqCst), 0);
        assert!(far.is_pending());
        // A clock pushed to the end of time saturates there: the two come
        // due once, and the interval, with no later deadline, ends.
        clock.advance(Duration::MAX);
        clock.advance(Duration::MAX);
        assert_eq!(never.load(SeqCst), 2);
        assert_eq!(service.len(), 0);
    }

    #[test]
    fn an_interval_whose_action_declines_stops() {
        let clock = ManualClock::new();
        let service = TimerService::start(clock.clone().into(), "t").unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let timer = service.add(
            Duration::ZERO,
            Some(Duration::from_millis(1)),
            counter_action(&count, false),
        );
        clock.advance(Duration::from_millis(10));
        assert_eq!(count.load(SeqCst), 1);
        assert!(!timer.is_pending());
        assert!(!timer.cancel());
    }

    #[test]
    fn cancelled_timers_are_compacted_away() {
        let clock = ManualClock::new();
        let service = TimerService::start(clock.clone().into(), "t").unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        for _ in 0..if cfg!(miri) { 2_500 } else { 10_000 } {
            let t = service.add(Duration::from_secs(5), None, counter_action(&count, false));
            t.cancel();
        }
        assert!(service.len() <= 2048, "{} entries kept", service.len());
        clock.advance(Duration::from_secs(10));
        assert_eq!(count.load(SeqCst), 0);
    }

    #[test]
    fn the_system_clock_fires_without_help() {
        let service = TimerService::start(Clock::System, "t").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        service.add(
            Duration::from_millis(1),
            None,
            Box::new(move || {
                tx.send(()).unwrap();
                false
            }),
        );
        rx.recv_timeout(Duration::from_secs(60)).unwrap();
        service.stop();
    }
}
