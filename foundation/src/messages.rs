//! The message layer's one-call entries (the original plan's
//! `Foundation.BEAM.Messages`, ADR 0007 §8): a send that says how to meet
//! the receiver's flow control ([`send_with_flow_control`]), byte payloads
//! that travel shared above a size threshold ([`send_optimized`],
//! [`Payload`]), and one shared buffer broadcast to a whole process group
//! ([`broadcast_optimized`]).
//!
//! A Rust message moves, it is not copied: a `Vec<u8>` sent to an actor
//! hands over its pointer, whatever its length. What costs is a *copy* —
//! the same data to many actors, or kept and forwarded — and a large value
//! held inline, which each queue slot carries. A shared buffer
//! ([`bytes::Bytes`], re-exported as [`crate::Bytes`]) is counted, not
//! copied: a broadcast of 1 MiB to 1,000 actors allocates 1 MiB, not 1 GiB
//! (`tests/broadcast_memory.rs`).

use std::time::Duration;

pub use bytes::Bytes;

use crate::actor::{Actor, ActorRef};
use crate::error::SendError;
use crate::names::{Broadcast, Group};

/// How a send meets the receiver's flow control
/// ([`Flow`](crate::Flow)): for [`send_with_flow_control`] and
/// [`OptimizeOptions::mode`].
///
/// ```
/// use foundation::SendMode;
/// use std::time::Duration;
///
/// assert_eq!(SendMode::default(), SendMode::Immediate);
/// let patient = SendMode::Wait(Duration::from_millis(50));
/// assert_ne!(patient, SendMode::Immediate);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SendMode {
    /// Never wait: a full, overloaded or credit-less mailbox refuses the
    /// message and hands it back ([`ActorRef::try_send`]). An actor that
    /// sends to an overloaded automatic mailbox is muted instead.
    #[default]
    Immediate,
    /// Wait up to this long for room, the low watermark or credit
    /// ([`ActorRef::send_timeout`]); refused with
    /// [`SendError::WouldBlock`] on a scheduler thread where the mailbox
    /// would have to be waited for.
    Wait(Duration),
}

/// Sends `msg` to `target` as `mode` says: the one-call entry over the
/// flow-control modes (ADR 0007). Whatever the receiver's mode — automatic
/// watermarks, a manual bound, a credit pool — the caller says only
/// whether it may wait.
///
/// ```
/// use foundation::{send_with_flow_control, Actor, ActorOptions, Context, Flow, Node, SendError, SendMode};
/// use std::time::Duration;
///
/// struct Sink;
/// impl Actor for Sink {
///     type Msg = u32;
///     fn handle(&mut self, _: u32, _: &mut Context<Self>) {}
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let options = ActorOptions::new().flow(Flow::Manual).mailbox(16);
/// let sink = node.spawn_with(Sink, options)?;
/// for n in 0..1_000 {
///     // Waits for room whenever the 16 slots are taken.
///     send_with_flow_control(&sink, n, SendMode::Wait(Duration::from_secs(5)))?;
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`ActorRef::try_send`] (`Immediate`) or [`ActorRef::send_timeout`]
/// (`Wait`); the message comes back inside.
pub fn send_with_flow_control<A: Actor>(
    target: &ActorRef<A>,
    msg: A::Msg,
    mode: SendMode,
) -> Result<(), SendError<A::Msg>> {
    match mode {
        SendMode::Immediate => target.try_send(msg),
        SendMode::Wait(timeout) => target.send_timeout(msg, timeout),
    }
}

/// A byte payload: inline (a `Vec<u8>` of its own) when small, shared (a
/// reference-counted [`Bytes`]) when large, so that cloning or forwarding
/// a large one copies nothing. Made by [`Payload::new`] (or
/// [`send_optimized`]) with a threshold; it reads as a `&[u8]` either way.
///
/// ```
/// use foundation::Payload;
///
/// let small = Payload::new(vec![1, 2, 3], Payload::DEFAULT_THRESHOLD);
/// assert!(!small.is_shared());
/// let large = Payload::new(vec![7; 4096], Payload::DEFAULT_THRESHOLD);
/// assert!(large.is_shared());
/// let copy = large.clone(); // a count, not 4 KiB
/// assert_eq!(&copy[..2], &[7, 7]);
/// assert_eq!(copy.len(), 4096);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum Payload {
    /// Small: owned, copied by a clone.
    Inline(Vec<u8>),
    /// Large: shared, counted by a clone.
    Shared(Bytes),
}

impl Payload {
    /// Above this many bytes a payload is shared: 64, as the BEAM shares
    /// binaries above 64 bytes between processes instead of copying them.
    pub const DEFAULT_THRESHOLD: usize = 64;

    /// `data`, shared if it is longer than `threshold` bytes. Neither way
    /// copies it (a `Vec` becomes a `Bytes` in place).
    ///
    /// ```
    /// use foundation::Payload;
    ///
    /// let small = Payload::new(b"ok".to_vec(), Payload::DEFAULT_THRESHOLD);
    /// assert!(!small.is_shared()); // copied by a clone: cheaper than a count for 2 bytes
    /// let image = Payload::new(vec![0_u8; 1 << 20], Payload::DEFAULT_THRESHOLD);
    /// assert!(image.is_shared()); // a clone is a reference count
    /// ```
    pub fn new(data: impl Into<Vec<u8>>, threshold: usize) -> Self {
        let data = data.into();
        if data.len() > threshold {
            Payload::Shared(Bytes::from(data))
        } else {
            Payload::Inline(data)
        }
    }

    /// Whether the bytes are shared (a clone counts instead of copying).
    ///
    /// ```
    /// use foundation::Payload;
    ///
    /// assert!(Payload::new(vec![1; 100], 64).is_shared());
    /// assert!(!Payload::new(vec![1; 10], 64).is_shared());
    /// ```
    pub fn is_shared(&self) -> bool {
        matches!(self, Payload::Shared(_))
    }

    /// The bytes as a shared buffer (a small payload's vector becomes
    /// one).
    ///
    /// ```
    /// use foundation::Payload;
    ///
    /// let bytes = Payload::new(vec![1, 2, 3], 64).into_bytes();
    /// assert_eq!(&bytes[..], &[1, 2, 3]);
    /// ```
    pub fn into_bytes(self) -> Bytes {
        match self {
            Payload::Inline(v) => Bytes::from(v),
            Payload::Shared(b) => b,
        }
    }
}

impl core::ops::Deref for Payload {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Payload::Inline(v) => v,
            Payload::Shared(b) => b,
        }
    }
}

impl core::fmt::Debug for Payload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let kind = if self.is_shared() { "Shared" } else { "Inline" };
        write!(f, "Payload::{kind}({} bytes)", self.len())
    }
}

/// How [`send_optimized`] sends: above which size a payload is shared,
/// and whether the send may wait.
///
/// ```
/// use foundation::{OptimizeOptions, Payload, SendMode};
/// use std::time::Duration;
///
/// let defaults = OptimizeOptions::default();
/// assert_eq!(defaults.threshold, Payload::DEFAULT_THRESHOLD);
/// assert_eq!(defaults.mode, SendMode::Immediate);
/// let options = OptimizeOptions::default()
///     .threshold(4096)
///     .mode(SendMode::Wait(Duration::from_secs(1)));
/// assert_eq!(options.threshold, 4096);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptimizeOptions {
    /// Payloads longer than this travel shared ([`Payload::Shared`]).
    pub threshold: usize,
    /// How the send meets the receiver's flow control.
    pub mode: SendMode,
}

impl Default for OptimizeOptions {
    fn default() -> Self {
        OptimizeOptions {
            threshold: Payload::DEFAULT_THRESHOLD,
            mode: SendMode::Immediate,
        }
    }
}

impl OptimizeOptions {
    /// Sets [`OptimizeOptions::threshold`].
    ///
    /// ```
    /// use foundation::OptimizeOptions;
    ///
    /// let options = OptimizeOptions::default().threshold(16 << 10); // share from 16 KiB
    /// assert_eq!(options.threshold, 16 << 10);
    /// ```
    pub fn threshold(mut self, bytes: usize) -> Self {
        self.threshold = bytes;
        self
    }

    /// Sets [`OptimizeOptions::mode`].
    ///
    /// ```
    /// use foundation::{OptimizeOptions, SendMode};
    /// use std::time::Duration;
    ///
    /// // Wait up to a second for room in a bounded mailbox instead of failing at once.
    /// let options = OptimizeOptions::default().mode(SendMode::Wait(Duration::from_secs(1)));
    /// assert_eq!(options.mode, SendMode::Wait(Duration::from_secs(1)));
    /// ```
    pub fn mode(mut self, mode: SendMode) -> Self {
        self.mode = mode;
        self
    }
}

/// Sends `data` to `target` as a [`Payload`]: shared ([`Bytes`]) above
/// `opts.threshold` bytes, so the receiver can keep, slice, forward or
/// broadcast it without copying; inline below. The actor's message type
/// takes a `Payload` (`A::Msg: From<Payload>`).
///
/// ```
/// use foundation::{send_optimized, Actor, Context, Node, OptimizeOptions, Payload};
/// use std::sync::mpsc;
///
/// struct Store(mpsc::Sender<bool>);
/// impl Actor for Store {
///     type Msg = Payload;
///     fn handle(&mut self, data: Payload, _: &mut Context<Self>) {
///         let _ = self.0.send(data.is_shared());
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let (tx, rx) = mpsc::channel();
/// let store = node.spawn(Store(tx))?;
/// send_optimized(&store, vec![0u8; 1 << 20], OptimizeOptions::default())?;
/// assert!(rx.recv()?, "a mebibyte travels shared");
/// send_optimized(&store, b"ok".to_vec(), OptimizeOptions::default())?;
/// assert!(!rx.recv()?, "two bytes travel inline");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`send_with_flow_control`] with `opts.mode`; the message comes back
/// inside.
pub fn send_optimized<A>(
    target: &ActorRef<A>,
    data: impl Into<Vec<u8>>,
    opts: OptimizeOptions,
) -> Result<(), SendError<A::Msg>>
where
    A: Actor,
    A::Msg: From<Payload>,
{
    let payload = Payload::new(data, opts.threshold);
    send_with_flow_control(target, A::Msg::from(payload), opts.mode)
}

/// Sends one shared buffer to every member of `group`: the buffer is made
/// once (`payload.into()`; a `Vec<u8>` becomes a `Bytes` without a copy)
/// and each member gets `M::from(buffer)`, a count of the same bytes. The
/// group reaches its members as `Group<M>` for any `M: From<Bytes>` —
/// `Group<Bytes>` itself, or a message enum with a `Bytes` variant. The
/// sends run off the group's lock (on a snapshot of its members, as
/// [`Group::broadcast`]); members whose mailbox refuses come back in
/// [`Broadcast::refused`] with their message.
///
/// ```
/// use foundation::{broadcast_optimized, Actor, Bytes, Context, Node};
/// use std::sync::mpsc;
///
/// struct Reader(mpsc::Sender<usize>);
/// impl Actor for Reader {
///     type Msg = Bytes;
///     fn handle(&mut self, data: Bytes, _: &mut Context<Self>) {
///         let _ = self.0.send(data.len());
///     }
/// }
///
/// let node = Node::builder().schedulers(1).start()?;
/// let readers = node.groups().group::<Bytes>("readers")?;
/// let (tx, rx) = mpsc::channel();
/// for _ in 0..3 {
///     readers.join(node.spawn(Reader(tx.clone()))?.recipient())?;
/// }
/// let sent = broadcast_optimized(&readers, vec![0u8; 1 << 20]);
/// assert_eq!(sent.delivered, 3);
/// assert_eq!([rx.recv()?, rx.recv()?, rx.recv()?], [1 << 20; 3]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn broadcast_optimized<M>(group: &Group<M>, payload: impl Into<Bytes>) -> Broadcast<M>
where
    M: From<Bytes> + Send + 'static,
{
    let buffer: Bytes = payload.into();
    group.broadcast_with(|| M::from(buffer.clone()))
}
