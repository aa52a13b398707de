//! How big a message is, and what sending it to many actors costs
//! ([`message_size_analysis`], ADR 0007 §9): its inline bytes (what every
//! mailbox slot carries), the heap bytes it owns (what a clone copies) and
//! the bytes it shares (an `Arc`'s or a [`Bytes`]'s buffer: a clone counts
//! them instead of copying).
//!
//! [`MessageSize`] is implemented for the standard types, [`Bytes`] and
//! [`Payload`], derived with `#[derive(MessageSize)]`, and implemented by
//! `#[handlers]` for the `<Type>Msg` enums it generates (a handler argument
//! whose type does not implement it is counted as unmeasured).

use core::mem::size_of;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use crate::messages::{Bytes, Payload};

/// A value that can say what it holds beyond its own inline bytes: heap it
/// owns, and buffers it shares. Derive it with `#[derive(MessageSize)]`
/// (every field must implement it, or be marked
/// `#[message_size(skip)]`), or implement it by hand:
///
/// ```
/// use foundation::{message_size_analysis, MessageSize, Sizes};
///
/// /// A ring buffer of its own making.
/// struct Ring { slots: Box<[u64; 512]> }
///
/// impl MessageSize for Ring {
///     fn add_heap(&self, sizes: &mut Sizes) {
///         sizes.owned(core::mem::size_of::<[u64; 512]>());
///     }
/// }
///
/// let report = message_size_analysis(&Ring { slots: Box::new([0; 512]) });
/// assert_eq!(report.heap, 4096);
/// assert_eq!(report.inline, core::mem::size_of::<Ring>());
/// ```
pub trait MessageSize {
    /// Adds to `sizes` what this value holds beyond its inline bytes (the
    /// heap it owns, the buffers it shares), and what its parts hold.
    ///
    /// ```
    /// use foundation::{message_size_analysis, MessageSize, Sizes};
    /// use std::sync::Arc;
    ///
    /// /// A frame: its pixels owned, its palette shared between frames.
    /// struct Frame {
    ///     pixels: Vec<u8>,
    ///     palette: Arc<Vec<u32>>,
    /// }
    /// impl MessageSize for Frame {
    ///     fn add_heap(&self, sizes: &mut Sizes) {
    ///         sizes.owned(self.pixels.capacity());
    ///         sizes.within_shared(|s| s.owned(self.palette.capacity() * 4));
    ///     }
    /// }
    /// let frame = Frame { pixels: vec![0; 1024], palette: Arc::new(vec![0; 16]) };
    /// let report = message_size_analysis(&frame);
    /// assert_eq!((report.heap, report.shared), (1024, 64));
    /// ```
    fn add_heap(&self, sizes: &mut Sizes);
}

/// What [`MessageSize::add_heap`] adds up. Bytes added as owned inside a
/// shared container (an `Arc`) count as shared: a clone does not copy them.
///
/// ```
/// use foundation::Sizes;
///
/// let mut sizes = Sizes::default();
/// sizes.owned(100);
/// sizes.within_shared(|s| s.owned(40)); // inside an `Arc`: shared
/// sizes.shared(2);
/// sizes.unmeasured();
/// assert_eq!((sizes.heap, sizes.shared, sizes.unmeasured), (100, 42, 1));
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    /// Heap bytes the value owns: a clone copies them.
    pub heap: usize,
    /// Bytes of buffers the value shares: a clone counts them.
    pub shared: usize,
    /// Parts whose type does not implement [`MessageSize`] (a handler
    /// argument of such a type in a `#[handlers]` message).
    pub unmeasured: usize,
    inside_shared: bool,
}

impl Sizes {
    /// Adds heap bytes the value owns (shared ones, inside an `Arc`).
    ///
    /// ```
    /// use foundation::Sizes;
    ///
    /// let mut sizes = Sizes::default();
    /// sizes.owned(256); // a Vec's buffer: a clone of the message copies it
    /// assert_eq!(sizes.heap, 256);
    /// ```
    #[inline]
    pub fn owned(&mut self, bytes: usize) {
        if self.inside_shared {
            self.shared += bytes;
        } else {
            self.heap += bytes;
        }
    }

    /// Adds bytes of a buffer the value shares.
    ///
    /// ```
    /// use foundation::Sizes;
    ///
    /// let mut sizes = Sizes::default();
    /// sizes.shared(4096); // a Bytes buffer: a clone counts it, copies nothing
    /// assert_eq!(sizes.shared, 4096);
    /// ```
    #[inline]
    pub fn shared(&mut self, bytes: usize) {
        self.shared += bytes;
    }

    /// Counts what `f` adds as shared: the insides of a shared container.
    ///
    /// ```
    /// use foundation::Sizes;
    ///
    /// let mut sizes = Sizes::default();
    /// sizes.within_shared(|inner| inner.owned(100)); // what an Arc holds
    /// assert_eq!((sizes.heap, sizes.shared), (0, 100));
    /// ```
    pub fn within_shared(&mut self, f: impl FnOnce(&mut Sizes)) {
        let outer = core::mem::replace(&mut self.inside_shared, true);
        f(self);
        self.inside_shared = outer;
    }

    /// Notes a part that could not be measured.
    ///
    /// ```
    /// use foundation::Sizes;
    ///
    /// let mut sizes = Sizes::default();
    /// sizes.unmeasured(); // a part of a type that does not implement MessageSize
    /// assert_eq!(sizes.unmeasured, 1);
    /// ```
    pub fn unmeasured(&mut self) {
        self.unmeasured += 1;
    }
}

/// What [`message_size_analysis`] found.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeReport {
    /// Bytes of the value itself (`size_of_val`): every mailbox slot of
    /// its receiver carries this many.
    pub inline: usize,
    /// Heap bytes it owns: a clone copies them.
    pub heap: usize,
    /// Bytes of buffers it shares: a clone counts them.
    pub shared: usize,
    /// Parts that could not be measured (their types do not implement
    /// [`MessageSize`]); the figures leave them out.
    pub unmeasured: usize,
}

/// What broadcasting a message to some actors costs, in bytes (see
/// [`SizeReport::broadcast_cost`], which has an example).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BroadcastCost {
    /// Cloned to each ([`Group::broadcast`](crate::Group::broadcast)):
    /// each copy's inline and owned bytes, the shared ones once.
    pub cloned: usize,
    /// One shared buffer ([`broadcast_optimized`](crate::broadcast_optimized)):
    /// each member's inline bytes, the rest once.
    pub shared: usize,
}

impl SizeReport {
    /// All the bytes the message takes: inline, owned and shared.
    ///
    /// ```
    /// use foundation::message_size_analysis;
    ///
    /// let report = message_size_analysis(&String::from("hello"));
    /// assert_eq!(report.total(), core::mem::size_of::<String>() + 5);
    /// ```
    pub fn total(&self) -> usize {
        self.inline + self.heap + self.shared
    }

    /// What sending it to `actors` actors costs, cloned versus shared.
    ///
    /// ```
    /// use foundation::message_size_analysis;
    ///
    /// let report = message_size_analysis(&vec![0u8; 1 << 20]);
    /// let cost = report.broadcast_cost(1_000);
    /// assert!(cost.cloned > 1_000 * (1 << 20));
    /// assert!(cost.shared < 2 * (1 << 20));
    /// ```
    pub fn broadcast_cost(&self, actors: usize) -> BroadcastCost {
        BroadcastCost {
            cloned: actors * (self.inline + self.heap) + self.shared,
            shared: actors * self.inline + self.heap + self.shared,
        }
    }

    /// What to do about it, in plain words.
    ///
    /// ```
    /// use foundation::message_size_analysis;
    ///
    /// let small = message_size_analysis(&42u64);
    /// assert!(small.recommendation().starts_with("Small"));
    /// let big = message_size_analysis(&vec![0u8; 1 << 20]);
    /// assert!(big.recommendation().contains("broadcast_optimized"));
    /// ```
    pub fn recommendation(&self) -> String {
        let mut advice = Vec::new();
        if self.heap >= Self::LARGE_HEAP {
            advice.push(format!(
                "It owns {} on the heap, which every clone copies: to send it to many \
                 actors, or to keep and forward it, share it — a `Bytes` or an `Arc` \
                 (`send_optimized`, `broadcast_optimized`) — and a broadcast costs it once.",
                human(self.heap)
            ));
        }
        if self.inline >= Self::LARGE_INLINE {
            advice.push(format!(
                "It is {} inline, and every slot of its receiver's mailbox carries that: \
                 box its large parts (a `Box` is 8 bytes in the slot).",
                human(self.inline)
            ));
        }
        if self.unmeasured > 0 {
            advice.push(format!(
                "{} of its parts could not be measured (their types do not implement \
                 `MessageSize`); the figures leave them out.",
                self.unmeasured
            ));
        }
        if advice.is_empty() {
            let shared = if self.shared > 0 {
                format!(" and shares {}", human(self.shared))
            } else {
                String::new()
            };
            return format!(
                "Small: {} inline, {} owned{shared}. Send and clone it freely.",
                human(self.inline),
                human(self.heap)
            );
        }
        advice.join(" ")
    }

    /// Owned heap bytes from which the analysis recommends sharing.
    pub const LARGE_HEAP: usize = 4096;
    /// Inline bytes from which the analysis recommends boxing.
    pub const LARGE_INLINE: usize = 256;
}

fn human(bytes: usize) -> String {
    crate::memory::Usage::Bytes(bytes as u64).to_string()
}

/// Measures `msg`: its inline, owned and shared bytes, what a broadcast
/// of it costs ([`SizeReport::broadcast_cost`]) and a recommendation
/// ([`SizeReport::recommendation`]).
///
/// ```
/// use foundation::{message_size_analysis, Bytes, MessageSize};
/// use std::collections::HashMap;
///
/// #[derive(MessageSize)]
/// struct Order {
///     id: u64,
///     lines: Vec<(String, u32)>,
///     attachment: Bytes,
/// }
///
/// let order = Order {
///     id: 7,
///     lines: vec![("tea".to_string(), 2)],
///     attachment: Bytes::from(vec![0u8; 10_000]),
/// };
/// let report = message_size_analysis(&order);
/// assert_eq!(report.inline, core::mem::size_of::<Order>());
/// assert_eq!(report.shared, 10_000);
/// // The vector's slot and the string's three bytes.
/// assert!(report.heap >= core::mem::size_of::<(String, u32)>() + 3);
/// println!("{}", report.recommendation());
/// ```
pub fn message_size_analysis<M: MessageSize>(msg: &M) -> SizeReport {
    let mut sizes = Sizes::default();
    msg.add_heap(&mut sizes);
    SizeReport {
        inline: core::mem::size_of_val(msg),
        heap: sizes.heap,
        shared: sizes.shared,
        unmeasured: sizes.unmeasured,
    }
}

// ---- implementations ------------------------------------------------------

macro_rules! inline_only {
    ($($t:ty),* $(,)?) => {
        $(impl MessageSize for $t {
            #[inline]
            fn add_heap(&self, _: &mut Sizes) {}
        })*
    };
}

inline_only!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    &'static str,
    core::time::Duration,
    std::time::Instant,
    std::time::SystemTime,
    crate::Pid,
    crate::MonitorRef,
);

impl<T: ?Sized> MessageSize for core::marker::PhantomData<T> {
    fn add_heap(&self, _: &mut Sizes) {}
}

impl MessageSize for String {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.owned(self.capacity());
    }
}

impl MessageSize for Box<str> {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.owned(self.len());
    }
}

impl<T: MessageSize> MessageSize for Box<T> {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.owned(size_of::<T>());
        (**self).add_heap(sizes);
    }
}

impl<T: MessageSize> MessageSize for Box<[T]> {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.owned(size_of::<T>() * self.len());
        self.iter().for_each(|item| item.add_heap(sizes));
    }
}

impl<T: MessageSize> MessageSize for Vec<T> {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.owned(size_of::<T>() * self.capacity());
        self.iter().for_each(|item| item.add_heap(sizes));
    }
}

impl<T: MessageSize> MessageSize for VecDeque<T> {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.owned(size_of::<T>() * self.capacity());
        self.iter().for_each(|item| item.add_heap(sizes));
    }
}

impl<T: MessageSize, const N: usize> MessageSize for [T; N] {
    fn add_heap(&self, sizes: &mut Sizes) {
        self.iter().for_each(|item| item.add_heap(sizes));
    }
}

impl<T: MessageSize> MessageSize for Option<T> {
    fn add_heap(&self, sizes: &mut Sizes) {
        if let Some(value) = self {
            value.add_heap(sizes);
        }
    }
}

impl<T: MessageSize, E: MessageSize> MessageSize for Result<T, E> {
    fn add_heap(&self, sizes: &mut Sizes) {
        match self {
            Ok(value) => value.add_heap(sizes),
            Err(error) => error.add_heap(sizes),
        }
    }
}

/// A hash table's buckets: its capacity, each a key-value pair and a
/// control byte (hashbrown's layout; an estimate, it rounds buckets up).
impl<K: MessageSize, V: MessageSize, S> MessageSize for HashMap<K, V, S> {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.owned(self.capacity() * (size_of::<(K, V)>() + 1));
        for (key, value) in self {
            key.add_heap(sizes);
            value.add_heap(sizes);
        }
    }
}

impl<T: MessageSize, S> MessageSize for HashSet<T, S> {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.owned(self.capacity() * (size_of::<T>() + 1));
        self.iter().for_each(|item| item.add_heap(sizes));
    }
}

/// A B-tree's entries (its nodes' spare room and links are left out: an
/// estimate from below).
impl<K: MessageSize, V: MessageSize> MessageSize for BTreeMap<K, V> {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.owned(self.len() * size_of::<(K, V)>());
        for (key, value) in self {
            key.add_heap(sizes);
            value.add_heap(sizes);
        }
    }
}

impl<T: MessageSize> MessageSize for BTreeSet<T> {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.owned(self.len() * size_of::<T>());
        self.iter().for_each(|item| item.add_heap(sizes));
    }
}

/// Shared: a clone counts the value instead of copying it.
impl<T: MessageSize> MessageSize for Arc<T> {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.shared(size_of::<T>());
        sizes.within_shared(|sizes| (**self).add_heap(sizes));
    }
}

impl MessageSize for Arc<str> {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.shared(self.len());
    }
}

impl<T: MessageSize> MessageSize for Arc<[T]> {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.shared(size_of::<T>() * self.len());
        sizes.within_shared(|sizes| self.iter().for_each(|item| item.add_heap(sizes)));
    }
}

/// Shared: a clone counts the buffer.
impl MessageSize for Bytes {
    fn add_heap(&self, sizes: &mut Sizes) {
        sizes.shared(self.len());
    }
}

impl MessageSize for Payload {
    fn add_heap(&self, sizes: &mut Sizes) {
        match self {
            Payload::Inline(bytes) => bytes.add_heap(sizes),
            Payload::Shared(bytes) => bytes.add_heap(sizes),
        }
    }
}

/// Handles share their actor: nothing of theirs is copied.
impl<A: crate::Actor> MessageSize for crate::ActorRef<A> {
    fn add_heap(&self, _: &mut Sizes) {}
}

impl<M> MessageSize for crate::Recipient<M> {
    fn add_heap(&self, _: &mut Sizes) {}
}

/// A call's reply slot: shared with the caller.
impl<T> MessageSize for crate::ReplyTo<T> {
    fn add_heap(&self, _: &mut Sizes) {}
}

macro_rules! tuples {
    ($(($($name:ident),+)),* $(,)?) => {
        $(impl<$($name: MessageSize),+> MessageSize for ($($name,)+) {
            #[allow(non_snake_case)]
            fn add_heap(&self, sizes: &mut Sizes) {
                let ($($name,)+) = self;
                $($name.add_heap(sizes);)+
            }
        })*
    };
}

tuples!(
    (A),
    (A, B),
    (A, B, C),
    (A, B, C, D),
    (A, B, C, D, E),
    (A, B, C, D, E, F),
);

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn nested_containers_add_up_and_an_arc_makes_its_insides_shared() {
        let v: Vec<String> = vec!["ab".into(), "cde".into()];
        let report = message_size_analysis(&v);
        assert_eq!(report.heap, v.capacity() * size_of::<String>() + 2 + 3);
        let shared = Arc::new(v.clone());
        let report = message_size_analysis(&shared);
        assert_eq!(report.heap, 0);
        assert_eq!(
            report.shared,
            size_of::<Vec<String>>() + v.capacity() * size_of::<String>() + 5
        );
        let cost = report.broadcast_cost(10);
        assert_eq!(
            cost.cloned, cost.shared,
            "an Arc broadcast costs the same either way"
        );
    }

    #[test]
    fn the_recommendation_names_the_remedy() {
        let boxed = message_size_analysis(&[0u8; 1024]);
        assert!(
            boxed.recommendation().contains("box"),
            "{}",
            boxed.recommendation()
        );
        let mut sizes = Sizes::default();
        sizes.unmeasured();
        let report = SizeReport {
            inline: 8,
            heap: 0,
            shared: 0,
            unmeasured: sizes.unmeasured,
        };
        assert!(report.recommendation().contains("could not be measured"));
    }
}
