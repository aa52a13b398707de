//! The node's dead-letter sink: a record of every message that was never
//! handled.

use core::sync::atomic::AtomicU64;
use core::sync::atomic::Ordering::Relaxed;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::exit::ExitReason;
use crate::pid::Pid;
use crate::recipient::Recipient;
use crate::sync::lock;

/// How many records [`DeadLetters::recent`] keeps.
///
/// ```
/// assert_eq!(foundation::DEAD_LETTER_HISTORY, 1024);
/// ```
pub const DEAD_LETTER_HISTORY: usize = 1024;

/// Messages that were never handled: the one whose handler panicked, or
/// those still queued when their actor stopped for good — one record per
/// kind of message per actor, with their `count` (a backlog of a million
/// `Add`s is one record of 1,000,000, not a million records).
///
/// The messages themselves are gone (a `ReplyTo` one carried has failed
/// its caller); the record says whose they were, what kind, how many and
/// why. See [`DeadLetters`] for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The actor (incarnation) it was sent to.
    pub pid: Pid,
    /// What kind of message it was: [`Actor::message_kind`], which is the
    /// variant's name for actors whose handlers are generated.
    ///
    /// [`Actor::message_kind`]: crate::Actor::message_kind
    pub kind: &'static str,
    /// Why it was not handled: the panic of its own handler, or the reason
    /// its actor stopped.
    pub reason: ExitReason,
    /// How many messages of this kind this record stands for (1 for the
    /// message whose handler panicked).
    pub count: u64,
}

/// A node's dead letters: a count of the messages, the last
/// [`DEAD_LETTER_HISTORY`] records (each standing for [`DeadLetter::count`]
/// messages of one kind sent to one actor), and subscribers that receive
/// each new record as a message.
/// Reached with [`Node::dead_letters`](crate::Node::dead_letters).
///
/// ```
/// use foundation::{Actor, Context, Node};
///
/// struct Fragile;
/// impl Actor for Fragile {
///     type Msg = u32;
///     fn handle(&mut self, n: u32, _: &mut Context<Self>) {
///         assert!(n != 0, "zero");
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let fragile = node.spawn(Fragile)?;
/// fragile.send(0)?; // panics
/// while fragile.is_alive() {
///     std::thread::yield_now();
/// }
/// let letters = node.dead_letters().recent();
/// assert_eq!(letters[0].pid, fragile.pid());
/// assert_eq!(letters[0].kind, "u32");
/// assert_eq!(letters[0].count, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct DeadLetters {
    inner: Arc<Inner>,
}

struct Inner {
    count: AtomicU64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    recent: VecDeque<DeadLetter>,
    subscribers: Vec<Recipient<DeadLetter>>,
}

impl DeadLetters {
    pub(crate) fn new() -> Self {
        DeadLetters {
            inner: Arc::new(Inner {
                count: AtomicU64::new(0),
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Records one dead letter and tells the subscribers.
    pub(crate) fn record(&self, letter: DeadLetter) {
        tracing::debug!(pid = %letter.pid, kind = letter.kind, count = letter.count, reason = %letter.reason, "dead letter");
        let subscribers = {
            let mut state = lock(&self.inner.state);
            if state.recent.len() == DEAD_LETTER_HISTORY {
                state.recent.pop_front();
            }
            state.recent.push_back(letter.clone());
            // Counted once recorded, inside the lock: whoever sees the
            // count finds the record in `recent()`.
            self.inner.count.fetch_add(letter.count, Relaxed);
            state.subscribers.retain(Recipient::is_alive);
            state.subscribers.clone()
        };
        // Outside the lock: a subscriber's mailbox is someone else's.
        for subscriber in subscribers {
            let _ = subscriber.send_notice(letter.clone());
        }
    }

    /// Every future dead letter is also sent to `subscriber`, until it stops.
    ///
    /// ```
    /// use foundation::{Actor, Context, DeadLetter, Node};
    /// use std::sync::mpsc;
    ///
    /// struct Watch(mpsc::Sender<DeadLetter>);
    /// impl Actor for Watch {
    ///     type Msg = DeadLetter;
    ///     fn handle(&mut self, letter: DeadLetter, _: &mut Context<Self>) {
    ///         self.0.send(letter).unwrap();
    ///     }
    /// }
    ///
    /// struct Fragile;
    /// impl Actor for Fragile {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {
    ///         panic!("boom");
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// node.dead_letters().subscribe(node.spawn(Watch(tx))?.recipient());
    /// node.spawn(Fragile)?.send(())?;
    /// let letter = rx.recv()?;
    /// assert_eq!(letter.reason.to_string(), "panic: boom");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribe(&self, subscriber: Recipient<DeadLetter>) {
        lock(&self.inner.state).subscribers.push(subscriber);
    }

    /// Messages never handled since the node started (the sum of the
    /// records' counts).
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Fragile;
    /// impl Actor for Fragile {
    ///     type Msg = u32;
    ///     fn handle(&mut self, n: u32, _: &mut Context<Self>) {
    ///         assert!(n != 0, "zero");
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let fragile = node.spawn(Fragile)?;
    /// fragile.send(0)?; // crashes it; the message is never handled
    /// # let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    /// while node.dead_letters().count() == 0 {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now();
    /// }
    /// assert_eq!(node.dead_letters().count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn count(&self) -> u64 {
        self.inner.count.load(Relaxed)
    }

    /// The last [`DEAD_LETTER_HISTORY`] records, oldest first.
    ///
    /// ```
    /// use foundation::{Actor, Context, ExitReason, Node};
    ///
    /// struct Fragile;
    /// impl Actor for Fragile {
    ///     type Msg = u32;
    ///     fn handle(&mut self, n: u32, _: &mut Context<Self>) {
    ///         assert!(n != 0, "zero");
    ///     }
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let fragile = node.spawn(Fragile)?;
    /// fragile.send(0)?;
    /// # let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    /// while node.dead_letters().recent().is_empty() {
    /// #     assert!(std::time::Instant::now() < deadline);
    ///     std::thread::yield_now();
    /// }
    /// let letter = &node.dead_letters().recent()[0];
    /// assert_eq!(letter.pid, fragile.pid());
    /// assert!(matches!(letter.reason, ExitReason::Panic(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recent(&self) -> Vec<DeadLetter> {
        lock(&self.inner.state).recent.iter().cloned().collect()
    }
}

impl core::fmt::Debug for DeadLetters {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeadLetters")
            .field("count", &self.count())
            .finish()
    }
}
