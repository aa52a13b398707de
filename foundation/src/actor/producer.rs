//! [`Producer`]: a sending handle that holds credit of a `credit_based`
//! mailbox (ADR 0007 §7).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::Duration;

use crate::actor::{Actor, ActorRef};
use crate::error::SendError;
use crate::mailbox::{CreditPool, CreditWaiter};
use crate::recipient::Recipient;
use crate::scheduler;

/// A handle for sending to a [`Flow::CreditBased`](crate::Flow::CreditBased)
/// actor within its credit, made by [`ActorRef::producer`].
///
/// The producer draws credit from the receiver's pool in chunks (an eighth
/// of the pool, at most 64) and spends one per message: most sends touch
/// no shared counter at all. When the pool is empty a send is refused with
/// [`SendError::NoCredit`] and the message; the receiver gives credit back
/// as it handles messages, in batches. A producer can ask to be told when
/// credit comes back ([`Producer::notify_on_credit`]) — an actor's way to
/// wait, since a handler must not block — and a thread can wait for it
/// ([`Producer::send_timeout`]). Dropping the producer gives back the
/// credit it still holds. Nothing is ever dropped: the queue holds at most
/// the pool's size.
///
/// A producer of an actor whose mailbox is not credit-based sends as its
/// [`ActorRef`] does ([`Producer::send`] as [`ActorRef::send`],
/// [`Producer::send_timeout`] as [`ActorRef::send_timeout`]).
///
/// ```
/// use foundation::{Actor, ActorOptions, Context, Flow, Node, SendError};
/// use std::sync::mpsc;
///
/// /// Holds its first message until told to go on.
/// struct Slow(mpsc::Receiver<()>);
/// impl Actor for Slow {
///     type Msg = u32;
///     fn handle(&mut self, _: u32, _: &mut Context<Self>) {
///         let _ = self.0.recv();
///     }
/// }
///
/// let node = Node::builder().schedulers(2).start()?;
/// let (go, gate) = mpsc::channel();
/// let options = ActorOptions::new().flow(Flow::CreditBased).mailbox(8);
/// let slow = node.spawn_with(Slow(gate), options)?;
/// let mut producer = slow.producer();
/// for n in 0..8 {
///     producer.send(n)?; // eight credits: eight messages
/// }
/// assert_eq!(producer.send(8), Err(SendError::NoCredit(8)));
/// drop(go); // the slow one goes on; its credit comes back as it handles
/// producer.send_timeout(8, std::time::Duration::from_secs(5))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Producer<A: Actor> {
    target: ActorRef<A>,
    /// The receiver's pool; `None` if its mailbox is not credit-based.
    pool: Option<Arc<CreditPool>>,
    /// Credit drawn and not spent yet.
    held: u32,
    /// How much to draw at once.
    chunk: u32,
    /// Told once when credit comes back after a refusal.
    notify: Option<Notify>,
}

/// A notice to send when credit comes back, armed at most once at a time.
struct Notify {
    send: Arc<dyn Fn() + Send + Sync>,
    armed: Arc<AtomicBool>,
}

impl<A: Actor> Producer<A> {
    pub(crate) fn new(target: ActorRef<A>) -> Self {
        let pool = target.cell.credit_pool();
        let chunk = pool.as_ref().map_or(1, |p| (p.size() / 8).clamp(1, 64));
        Producer {
            target,
            pool,
            held: 0,
            chunk,
            notify: None,
        }
    }

    /// Queues `msg`, spending one credit. Never blocks.
    ///
    /// # Errors
    ///
    /// The message comes back inside: [`SendError::NoCredit`] if neither
    /// this producer nor the pool holds credit (the producer's notice is
    /// armed, if it asked for one), [`SendError::Closed`] if the actor has
    /// stopped.
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, Flow, Node, SendError};
    ///
    /// struct Sink;
    /// impl Actor for Sink {
    ///     type Msg = u32;
    ///     fn handle(&mut self, _: u32, _: &mut Context<Self>) {}
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let sink = node.spawn_with(Sink, ActorOptions::new().flow(Flow::CreditBased).mailbox(64))?;
    /// let mut producer = sink.producer();
    /// for n in 0..1_000 {
    ///     let mut msg = n;
    ///     loop {
    ///         match producer.send(msg) {
    ///             Ok(()) => break,
    ///             Err(SendError::NoCredit(back)) => {
    ///                 msg = back; // handed back: wait for credit, then resend
    ///                 std::thread::yield_now();
    ///             }
    ///             Err(other) => return Err(other.into()),
    ///         }
    ///     }
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn send(&mut self, msg: A::Msg) -> Result<(), SendError<A::Msg>> {
        let Some(pool) = &self.pool else {
            return self.target.send(msg);
        };
        if self.held == 0 {
            self.held = pool.draw(self.chunk);
            if self.held == 0 {
                return Err(self.refused(msg));
            }
        }
        self.target.cell.deliver_credited(msg, |m| m)?;
        self.held -= 1;
        Ok(())
    }

    #[cold]
    fn refused(&self, msg: A::Msg) -> SendError<A::Msg> {
        if !self.target.is_alive() {
            return SendError::Closed(msg);
        }
        self.target.cell.shared.record_credit_wait();
        if let (Some(notify), Some(pool)) = (&self.notify, &self.pool)
            && !notify.armed.swap(true, SeqCst)
        {
            let (send, armed) = (Arc::clone(&notify.send), Arc::clone(&notify.armed));
            pool.wait(CreditWaiter::Notice(Box::new(move || {
                if armed_and_clear(&armed) {
                    send();
                }
            })));
            // Credit may have come back before the notice was listed (the
            // pool's Dekker hand-shake: we listed, then look; a give-back
            // adds, then looks for listings): then tell now. Whoever
            // disarms the notice sends it: once per refusal spell.
            if pool.available() > 0 && armed_and_clear(&notify.armed) {
                (notify.send)();
            }
        }
        SendError::NoCredit(msg)
    }

    /// Queues `msg`, waiting up to `timeout` for credit if there is none
    /// (real time; `Duration::MAX` waits however long it takes).
    ///
    /// # Errors
    ///
    /// [`SendError::Timeout`] if no credit came in time,
    /// [`SendError::Closed`] if the actor has stopped,
    /// [`SendError::WouldBlock`] on a scheduler thread, where waiting
    /// could hold the very thread the receiver needs (an actor uses
    /// [`Producer::notify_on_credit`] instead); the message comes back
    /// inside each.
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, Flow, Node};
    /// use std::time::Duration;
    ///
    /// struct Sink;
    /// impl Actor for Sink {
    ///     type Msg = u32;
    ///     fn handle(&mut self, _: u32, _: &mut Context<Self>) {}
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let sink = node.spawn_with(Sink, ActorOptions::new().flow(Flow::CreditBased).mailbox(16))?;
    /// let mut producer = sink.producer();
    /// for n in 0..1_000 {
    ///     producer.send_timeout(n, Duration::from_secs(5))?; // waits for credit when spent
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn send_timeout(
        &mut self,
        msg: A::Msg,
        timeout: Duration,
    ) -> Result<(), SendError<A::Msg>> {
        if self.pool.is_none() {
            return self.target.send_timeout(msg, timeout);
        }
        let msg = match self.send(msg) {
            Err(SendError::NoCredit(msg)) => msg,
            other => return other,
        };
        if scheduler::on_any_scheduler() {
            return Err(SendError::WouldBlock(msg));
        }
        let deadline = std::time::Instant::now().checked_add(timeout);
        let pool = Arc::clone(self.pool.as_ref().expect("NoCredit comes from a pool"));
        let mut msg = msg;
        loop {
            pool.wait(CreditWaiter::Thread(std::thread::current()));
            match self.send(msg) {
                Err(SendError::NoCredit(back)) => msg = back,
                other => {
                    pool.forget_thread();
                    return other;
                }
            }
            if !crate::sync::park_until(deadline) {
                pool.forget_thread();
                return Err(SendError::Timeout(msg));
            }
            pool.forget_thread();
        }
    }

    /// From now on, whenever a send is refused for want of credit, `msg`
    /// is sent to `to` once credit comes back — the way an actor that
    /// produces waits (GenStage's demand): it sends until refused, keeps
    /// the refused message, and goes on when told. The notice travels
    /// like the runtime's other notices, past `to`'s own flow control.
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, ActorRef, Context, Flow, Node, Producer, SendError};
    /// use std::sync::mpsc;
    ///
    /// struct Sink(mpsc::Sender<u32>);
    /// impl Actor for Sink {
    ///     type Msg = u32;
    ///     fn handle(&mut self, n: u32, _: &mut Context<Self>) {
    ///         let _ = self.0.send(n);
    ///     }
    /// }
    ///
    /// /// Sends 0..100 within the sink's credit, resuming when told.
    /// struct Source {
    ///     out: Option<Producer<Sink>>,
    ///     sink: ActorRef<Sink>,
    ///     next: u32,
    /// }
    /// #[derive(Clone)]
    /// enum SourceMsg { Go }
    /// impl Actor for Source {
    ///     type Msg = SourceMsg;
    ///     fn handle(&mut self, SourceMsg::Go: SourceMsg, ctx: &mut Context<Self>) {
    ///         let out = self.out.get_or_insert_with(|| {
    ///             let mut out = self.sink.producer();
    ///             out.notify_on_credit(ctx.myself().recipient(), SourceMsg::Go);
    ///             out
    ///         });
    ///         while self.next < 100 {
    ///             match out.send(self.next) {
    ///                 Ok(()) => self.next += 1,
    ///                 Err(SendError::NoCredit(_)) => return, // told when credit returns
    ///                 Err(other) => panic!("{other}"),
    ///             }
    ///         }
    ///     }
    /// }
    ///
    /// let node = Node::builder().schedulers(2).start()?;
    /// let (tx, rx) = mpsc::channel();
    /// let options = ActorOptions::new().flow(Flow::CreditBased).mailbox(4);
    /// let sink = node.spawn_with(Sink(tx), options)?;
    /// let source = node.spawn(Source { out: None, sink, next: 0 })?;
    /// source.send(SourceMsg::Go)?;
    /// let got: Vec<u32> = (0..100).map(|_| rx.recv().unwrap()).collect();
    /// assert_eq!(got, (0..100).collect::<Vec<_>>());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn notify_on_credit<M: Clone + Send + Sync + 'static>(&mut self, to: Recipient<M>, msg: M) {
        let send = move || {
            let _ = to.send_notice(msg.clone());
        };
        self.notify = Some(Notify {
            send: Arc::new(send),
            armed: Arc::new(AtomicBool::new(false)),
        });
    }

    /// The credit this producer holds now (drawn from the pool, not spent
    /// yet).
    ///
    /// ```
    /// use foundation::{Actor, ActorOptions, Context, Flow, Node};
    ///
    /// struct Idle;
    /// impl Actor for Idle {
    ///     type Msg = ();
    ///     fn handle(&mut self, _: (), _: &mut Context<Self>) {}
    /// }
    ///
    /// let node = Node::builder().schedulers(1).start()?;
    /// let options = ActorOptions::new().flow(Flow::CreditBased).mailbox(64);
    /// let idle = node.spawn_with(Idle, options)?;
    /// let mut producer = idle.producer();
    /// assert_eq!(producer.credit(), 0); // nothing drawn yet
    /// producer.send(())?;
    /// assert_eq!(producer.credit(), 7); // a chunk of 64 / 8, one spent
    /// assert_eq!(producer.target().pid(), idle.pid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn credit(&self) -> u32 {
        self.held
    }

    /// The actor it sends to (see [`Producer::credit`] for an example).
    ///
    /// ```
    /// use foundation::{Actor, Context, Node};
    ///
    /// struct Sink;
    /// impl Actor for Sink {
    ///     type Msg = u32;
    ///     fn handle(&mut self, _: u32, _: &mut Context<Self>) {}
    /// }
    /// let node = Node::builder().schedulers(1).start()?;
    /// let sink = node.spawn(Sink)?;
    /// assert_eq!(sink.producer().target().pid(), sink.pid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn target(&self) -> &ActorRef<A> {
        &self.target
    }
}

/// Clears `armed` if it was set; returns whether it was.
fn armed_and_clear(armed: &AtomicBool) -> bool {
    armed.swap(false, SeqCst)
}

impl<A: Actor> Drop for Producer<A> {
    fn drop(&mut self) {
        if let Some(pool) = &self.pool
            && self.held > 0
        {
            pool.give_back(core::mem::take(&mut self.held));
        }
    }
}

impl<A: Actor> core::fmt::Debug for Producer<A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Producer")
            .field("target", &self.target.pid())
            .field("credit", &self.held)
            .finish()
    }
}
