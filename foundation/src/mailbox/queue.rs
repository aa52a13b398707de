//! The mailbox queue: an unbounded, lock-free, multi-producer single-consumer
//! queue of blocks.
//!
//! Why not crossbeam-channel? An idle crossbeam unbounded channel allocates
//! 512 bytes, and 752 more at its first message (a 31-slot block), and a
//! mailbox exists for every actor, most of them idle or lightly used (see
//! DESIGN.md, "Performance stance"). This queue allocates nothing until its
//! first message, and its blocks grow with the traffic: 2 slots, then 4, 8,
//! 16, then 31 for good. An actor that gets a handful of messages in its
//! life never pays for a large block; a busy one amortises one allocation
//! over 31 messages.
//!
//! The layout follows crossbeam-channel's list flavor (one block per lap of
//! `LAP` positions; the position just past a block's last slot is reserved
//! for "the next block is being installed"), simplified for a single
//! consumer:
//!
//! * producers claim a position with one CAS on the tail index, fill the slot,
//!   then mark it `WRITTEN` with a release store; whoever claims a block's
//!   last slot installs the next block, then moves the tail to the next lap;
//! * the one consumer (whoever holds the actor's RUNNING state) reads slots in
//!   order and frees a block as soon as it has read its last slot: every
//!   producer that claimed a slot of that block has finished with it by then;
//! * closing sets `MARK_BIT` in the tail index, after which every push fails
//!   and hands its value back, so a message is either queued before the close
//!   (and drained by the consumer) or returned to its sender — never lost.
//!
//! One file on purpose (about 580 lines of code, then its Miri-sized unit
//! tests): the push, pop, block installation and close are one protocol on
//! one index word, and each `unsafe` block's argument refers to the others;
//! split, a reader would check the protocol across files.

use core::alloc::Layout;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr::{self, NonNull};
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

use crate::error::SendError;
use crate::sync::{AtomicPtr, AtomicU8, AtomicUsize, Backoff, UnsafeCell};

/// Positions per lap: a block's slots plus at least one reserved position.
#[cfg(not(loom))]
const LAP: usize = 32;
/// The first block's slots; the next `GROWTH_LAPS - 1` blocks double it.
#[cfg(not(loom))]
const FIRST_CAP: usize = 2;
#[cfg(not(loom))]
const GROWTH_LAPS: usize = 4;
/// The largest block, used from lap `GROWTH_LAPS` on.
#[cfg(not(loom))]
const MAX_CAP: usize = 31;
// Under loom blocks hold 1, then 2 slots, so the models cross blocks.
#[cfg(loom)]
const LAP: usize = 3;
#[cfg(loom)]
const FIRST_CAP: usize = 1;
#[cfg(loom)]
const GROWTH_LAPS: usize = 1;
#[cfg(loom)]
const MAX_CAP: usize = 2;

const _: () = assert!(MAX_CAP < LAP && (FIRST_CAP << (GROWTH_LAPS - 1)) < MAX_CAP);

/// Slots in the block of lap `lap`.
#[inline]
const fn cap(lap: usize) -> usize {
    if lap < GROWTH_LAPS {
        FIRST_CAP << lap
    } else {
        MAX_CAP
    }
}

/// Slots in all laps before `lap`.
#[inline]
const fn slots_before(lap: usize) -> usize {
    if lap <= GROWTH_LAPS {
        FIRST_CAP * ((1 << lap) - 1)
    } else {
        FIRST_CAP * ((1 << GROWTH_LAPS) - 1) + (lap - GROWTH_LAPS) * MAX_CAP
    }
}

/// Indices count in units of `1 << SHIFT`; the low bit is the closed mark.
const SHIFT: usize = 1;
const MARK_BIT: usize = 1;

/// The index of the first position of lap `lap`.
#[inline]
const fn lap_start(lap: usize) -> usize {
    (lap * LAP) << SHIFT
}

/// Slot states.
/// (Zero: a zeroed block is an empty block.)
const EMPTY: u8 = 0;
/// The slot holds a value.
const WRITTEN: u8 = 1;
/// The slot was claimed but its producer unwound before filling it (a
/// panicking conversion); the consumer steps over it.
const SKIPPED: u8 = 2;

struct Slot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    state: AtomicU8,
}

/// A block: a header followed by `cap(lap)` slots in the same allocation.
#[repr(C)]
struct Block<T> {
    next: AtomicPtr<Block<T>>,
    slots: [Slot<T>; 0],
}

impl<T> Block<T> {
    fn layout(cap: usize) -> Layout {
        Layout::new::<Block<T>>()
            .extend(Layout::array::<Slot<T>>(cap).expect("small block"))
            .expect("small block")
            .0
            .pad_to_align()
    }

    /// A block of `cap` empty slots, owned by the caller.
    fn alloc(cap: usize) -> OwnedBlock<T> {
        let layout = Self::layout(cap);
        // SAFETY: the layout is never zero-sized (it has `next`). In a normal
        // build all-zero bytes are a valid block: a null `next`, `EMPTY` (0)
        // states, `MaybeUninit` values; the slots' values stay untouched
        // until a producer fills them. Loom's atomics are not valid when
        // zeroed, so under loom every field is written.
        unsafe {
            // Charged to no actor (ADR 0009): the mailbox is the runtime's,
            // not the code of whichever sender happened to fill a block.
            #[cfg(not(loom))]
            let p = crate::memory::account::uncharged(|| std::alloc::alloc_zeroed(layout))
                .cast::<Block<T>>();
            #[cfg(loom)]
            let p = std::alloc::alloc(layout).cast::<Block<T>>();
            let Some(p) = NonNull::new(p) else {
                std::alloc::handle_alloc_error(layout)
            };
            #[cfg(loom)]
            {
                ptr::write(
                    ptr::addr_of_mut!((*p.as_ptr()).next),
                    AtomicPtr::new(ptr::null_mut()),
                );
                for i in 0..cap {
                    ptr::write(
                        Self::slot_ptr(p.as_ptr(), i),
                        Slot {
                            value: UnsafeCell::new(MaybeUninit::uninit()),
                            state: AtomicU8::new(EMPTY),
                        },
                    );
                }
            }
            OwnedBlock {
                ptr: p,
                cap,
                _owns: PhantomData,
            }
        }
    }

    /// The `i`th slot of `block`.
    ///
    /// # Safety
    ///
    /// `block` is a live block and `i` is below its capacity.
    #[inline]
    unsafe fn slot_ptr(block: *mut Block<T>, i: usize) -> *mut Slot<T> {
        // SAFETY: the slots follow the header in the block's allocation (the
        // layout above, `repr(C)`), and the pointer keeps the provenance of
        // the whole allocation.
        unsafe { ptr::addr_of_mut!((*block).slots).cast::<Slot<T>>().add(i) }
    }

    /// Frees a block of `cap` slots (their values are already moved out).
    ///
    /// # Safety
    ///
    /// `block` came from `alloc(cap)`, and nobody uses it any more.
    unsafe fn free(block: *mut Block<T>, cap: usize) {
        // SAFETY: per the contract. The fields need no drop in a normal
        // build; under loom, dropping them releases loom's bookkeeping.
        unsafe {
            #[cfg(loom)]
            {
                ptr::drop_in_place(ptr::slice_from_raw_parts_mut(Self::slot_ptr(block, 0), cap));
                ptr::drop_in_place(ptr::addr_of_mut!((*block).next));
            }
            std::alloc::dealloc(block.cast(), Self::layout(cap));
        }
    }
}

/// A block not (yet) published: freed if dropped.
struct OwnedBlock<T> {
    ptr: NonNull<Block<T>>,
    cap: usize,
    _owns: PhantomData<Block<T>>,
}

impl<T> OwnedBlock<T> {
    /// Hands the block over; the queue frees it from now on.
    fn publish(self) -> *mut Block<T> {
        let p = self.ptr.as_ptr();
        core::mem::forget(self);
        p
    }
}

impl<T> Drop for OwnedBlock<T> {
    fn drop(&mut self) {
        // SAFETY: an unpublished block from `Block::alloc(self.cap)`.
        unsafe { Block::free(self.ptr.as_ptr(), self.cap) }
    }
}

/// What [`Queue::pop`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Pop<T> {
    /// The next value, in order.
    Value(T),
    /// Nothing is ready: the queue is empty, or the next producer has claimed
    /// its slot and not yet filled it (it will notify once it has).
    Empty,
}

/// An unbounded MPSC queue. See the module documentation.
pub(crate) struct Queue<T> {
    /// Producers' side: the next position to claim, and its block.
    tail_index: AtomicUsize,
    tail_block: AtomicPtr<Block<T>>,
    /// Consumer's side. `head_index` is written by the consumer only and read
    /// by anyone for [`Queue::len`]; `head_block` is also written once by the
    /// producer that installs the first block.
    head_index: AtomicUsize,
    head_block: AtomicPtr<Block<T>>,
}

// SAFETY: values of `T` move from producers to the consumer, so `T: Send` is
// what both sharing and sending a queue require; all shared state is atomic,
// and slot contents are handed over through the slot's release/acquire state.
unsafe impl<T: Send> Send for Queue<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Queue<T> {}

impl<T> Queue<T> {
    /// An empty queue. Allocates nothing.
    pub(crate) fn new() -> Self {
        Queue {
            tail_index: AtomicUsize::new(0),
            tail_block: AtomicPtr::new(ptr::null_mut()),
            head_index: AtomicUsize::new(0),
            head_block: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Appends `value`, or hands it back if the queue is closed.
    #[cfg(test)]
    #[inline]
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        self.push_with(value, |v| v, usize::MAX, || {})
            .map_err(SendError::into_inner)
    }

    /// Claims a slot, then fills it with `convert(input)`; if the queue is
    /// closed (`Closed`), or already holds `limit` values (`Full`), hands
    /// `input` back unconverted. This lets a `Recipient<M>` return the
    /// caller's own `M` when the send fails.
    ///
    /// The limit is exact: a claim succeeds only on the tail it was checked
    /// against, and the head it was checked against can only have moved on
    /// since, so the queue never holds more than `limit` (claimed slots
    /// count). `usize::MAX`: no limit, and no check.
    ///
    /// If `convert` panics, the claimed slot is marked skipped (the consumer
    /// steps over it) and the panic continues.
    ///
    /// `filled` runs when the value took its block's last slot — once per
    /// block, a cheap moment to look at the length (flow control's high
    /// mark).
    #[inline]
    pub(crate) fn push_with<I>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> T,
        limit: usize,
        filled: impl FnOnce(),
    ) -> Result<(), SendError<I>> {
        if limit == usize::MAX {
            self.push_inner::<I, false>(input, convert, limit, filled)
                .map_err(|(input, _)| SendError::Closed(input))
        } else {
            self.push_inner::<I, true>(input, convert, limit, filled)
                .map_err(|(input, full)| {
                    if full {
                        SendError::Full(input)
                    } else {
                        SendError::Closed(input)
                    }
                })
        }
    }

    /// `push_with`, with the limit's check compiled in or out. `Err`
    /// carries the input back and whether the queue was full (else
    /// closed).
    #[inline(always)]
    fn push_inner<I, const LIMITED: bool>(
        &self,
        input: I,
        convert: impl FnOnce(I) -> T,
        limit: usize,
        filled: impl FnOnce(),
    ) -> Result<(), (I, bool)> {
        let backoff = Backoff::new();
        let mut tail = self.tail_index.load(Acquire);
        let mut block = self.tail_block.load(Acquire);
        let mut next_block: Option<OwnedBlock<T>> = None;

        loop {
            if tail & MARK_BIT != 0 {
                return Err((input, false));
            }
            let position = tail >> SHIFT;
            let lap = position / LAP;
            let offset = position % LAP;
            let cap = cap(lap);

            // (Not at a reserved position, which the check would count as
            // filled while the consumer releases its idle block.)
            if LIMITED && offset != cap {
                let head = self.head_index.load(Acquire) >> SHIFT;
                if slots_up_to(position).saturating_sub(slots_up_to(head)) >= limit {
                    return Err((input, true));
                }
            }

            // Another producer is installing the next block, or the
            // consumer is releasing its idle one: wait for it.
            if offset == cap {
                backoff.snooze();
                tail = self.tail_index.load(Acquire);
                block = self.tail_block.load(Acquire);
                continue;
            }

            // About to claim the last slot: have the next block ready, so
            // that the install below cannot fail halfway.
            if offset + 1 == cap
                && next_block
                    .as_ref()
                    .is_none_or(|b| b.cap != cap_of_next(lap))
            {
                next_block = Some(Block::alloc(cap_of_next(lap)));
            }

            // The very first push installs the first block.
            if block.is_null() {
                let new = Block::alloc(cap).publish();
                match self
                    .tail_block
                    .compare_exchange(block, new, Release, Relaxed)
                {
                    Ok(_) => {
                        self.head_block.store(new, Release);
                        block = new;
                    }
                    Err(_) => {
                        // SAFETY: `new` was never published; we still own it.
                        unsafe { Block::free(new, cap) };
                        tail = self.tail_index.load(Acquire);
                        block = self.tail_block.load(Acquire);
                        continue;
                    }
                }
            }

            let new_tail = tail + (1 << SHIFT);
            match self
                .tail_index
                .compare_exchange_weak(tail, new_tail, AcqRel, Acquire)
            {
                Ok(_) => {
                    // SAFETY: our CAS claimed position `tail`, which lies in
                    // `block`: the index and block pointer change together (the
                    // installer stores the block before the index, and we read
                    // them in the other order), so a claim through a stale
                    // pointer would have failed. The consumer frees `block`
                    // only after reading all of its slots, ours included, and
                    // ours is not written yet, so `block` is alive.
                    unsafe {
                        if offset + 1 == cap {
                            // We took the last slot: install the next block.
                            // The reserved position (`new_tail`) keeps
                            // everyone else waiting until the new lap starts.
                            let next = next_block.take().expect("prepared above").publish();
                            self.tail_block.store(next, Release);
                            self.tail_index.store(lap_start(lap + 1), Release);
                            (*block).next.store(next, Release);
                        }
                        let slot = &*Block::slot_ptr(block, offset);
                        let guard = SkipOnUnwind(&slot.state);
                        let value = convert(input);
                        core::mem::forget(guard);
                        slot.value.with_mut(|p| p.write(MaybeUninit::new(value)));
                        slot.state.store(WRITTEN, Release);
                    }
                    if offset + 1 == cap {
                        filled();
                    }
                    return Ok(());
                }
                Err(current) => {
                    tail = current;
                    block = self.tail_block.load(Acquire);
                    backoff.spin();
                }
            }
        }
    }

    /// Takes the next value.
    ///
    /// # Safety
    ///
    /// Only one thread at a time may call `pop`, [`drain_closed`] or
    /// [`is_ready`]: the consumer. (The actor's RUNNING state guarantees it.)
    ///
    /// [`drain_closed`]: Queue::drain_closed
    /// [`is_ready`]: Queue::is_ready
    #[inline]
    pub(crate) unsafe fn pop(&self) -> Pop<T> {
        loop {
            let head = self.head_index.load(Relaxed);
            let block = self.head_block.load(Acquire);
            if block.is_null() {
                return Pop::Empty;
            }
            let position = head >> SHIFT;
            let (lap, offset) = (position / LAP, position % LAP);
            // SAFETY: `block` is the consumer's current block, of lap `lap`:
            // only the consumer frees blocks, and only after moving past them;
            // `offset` is below its capacity (the head skips reserved
            // positions).
            let slot = unsafe { &*Block::slot_ptr(block, offset) };
            let state = slot.state.load(Acquire);
            if state == EMPTY {
                return Pop::Empty;
            }
            // SAFETY: WRITTEN was stored with release after the value was
            // written, and we loaded it with acquire; the value is read once,
            // since the head moves past the slot right after.
            let value =
                (state == WRITTEN).then(|| unsafe { slot.value.with(|p| p.read().assume_init()) });
            // SAFETY: see `advance`.
            unsafe { self.advance(head, block, lap, offset) };
            if let Some(value) = value {
                return Pop::Value(value);
            }
        }
    }

    /// Moves the head past the slot at `offset`, freeing the block after its
    /// last slot.
    ///
    /// # Safety
    ///
    /// Consumer only; the slot at `head` in `block` (of lap `lap`) has been
    /// read or skipped.
    #[inline]
    unsafe fn advance(&self, head: usize, block: *mut Block<T>, lap: usize, offset: usize) {
        if offset + 1 == cap(lap) {
            // SAFETY: the producer of the last slot stored `next` before
            // marking its slot, and we observed that mark with acquire, so
            // `next` is set. Every slot of `block` has been consumed, so every
            // producer that claimed one has finished with the block; no one
            // else holds a pointer they will dereference: we own it.
            unsafe {
                let next = (*block).next.load(Acquire);
                debug_assert!(!next.is_null());
                self.head_block.store(next, Release);
                self.head_index.store(lap_start(lap + 1), Release);
                Block::free(block, cap(lap));
            }
        } else {
            self.head_index.store(head + (1 << SHIFT), Release);
        }
    }

    /// Gives back the block of an empty queue (hibernation, ADR 0009):
    /// the next push installs a new one, in the next lap. Returns how
    /// many positions of the released block were never used — the read
    /// position jumps past them, so [`Queue::taken`] counts them — or 0
    /// if nothing was released (no block, a value queued or being
    /// written, the queue closed).
    ///
    /// Safe against producers because it takes the rest of the block as
    /// a block's last producer does: it moves the tail to the reserved
    /// position (where producers wait) with one CAS that only succeeds
    /// if no slot is claimed past the head, so nobody is writing to the
    /// block, and a producer that read the tail before fails its claim;
    /// then it moves both indices to the next lap, the block pointers
    /// nulled first, as the very first push finds them.
    ///
    /// # Safety
    ///
    /// Consumer only, as [`Queue::pop`].
    pub(crate) unsafe fn release_idle(&self) -> usize {
        let head = self.head_index.load(Relaxed);
        let block = self.head_block.load(Acquire);
        if block.is_null() {
            return 0;
        }
        let position = head >> SHIFT;
        let (lap, offset) = (position / LAP, position % LAP);
        let cap = cap(lap);
        let reserved = (lap * LAP + cap) << SHIFT;
        if self
            .tail_index
            .compare_exchange(head, reserved, AcqRel, Relaxed)
            .is_err()
        {
            return 0;
        }
        let next = lap_start(lap + 1);
        // Head first: `len` reads the head before the tail, and sees
        // `tail <= head` (0) rather than the reserved positions.
        self.head_index.store(next, Release);
        self.head_block.store(ptr::null_mut(), Release);
        self.tail_block.store(ptr::null_mut(), Release);
        // Producers waiting at the reserved position go on from here, and
        // find no block: the first of them installs one.
        self.tail_index.store(next, Release);
        // SAFETY: every slot up to the head was consumed, and no position
        // past it was claimed (our CAS saw the tail there), so no producer
        // writes to the block; producers holding its pointer from before
        // fail their claim (the tail moved on, and never comes back).
        unsafe { Block::free(block, cap) };
        cap - offset
    }

    /// Whether the next slot holds a value or a skip. A cheap peek.
    ///
    /// # Safety
    ///
    /// Consumer only, as [`Queue::pop`].
    #[cfg(all(test, not(loom)))]
    pub(crate) unsafe fn is_ready(&self) -> bool {
        let head = self.head_index.load(Relaxed);
        let block = self.head_block.load(Acquire);
        if block.is_null() {
            return false;
        }
        let offset = (head >> SHIFT) % LAP;
        // SAFETY: as in `pop`.
        unsafe { (*Block::slot_ptr(block, offset)).state.load(Acquire) != EMPTY }
    }

    /// Closes the queue: every later push fails and hands its value back.
    /// Returns `false` if it was already closed.
    pub(crate) fn close(&self) -> bool {
        let backoff = Backoff::new();
        let mut tail = self.tail_index.load(Acquire);
        loop {
            if tail & MARK_BIT != 0 {
                return false;
            }
            // Never mark while a block is being installed: the installer
            // overwrites the index with a plain store.
            let position = tail >> SHIFT;
            if position % LAP == cap(position / LAP) {
                backoff.snooze();
                tail = self.tail_index.load(Acquire);
                continue;
            }
            match self
                .tail_index
                .compare_exchange_weak(tail, tail | MARK_BIT, AcqRel, Acquire)
            {
                Ok(_) => return true,
                Err(current) => tail = current,
            }
        }
    }

    /// Whether [`Queue::close`] has been called.
    pub(crate) fn is_closed(&self) -> bool {
        self.tail_index.load(Acquire) & MARK_BIT != 0
    }

    /// After [`Queue::close`]: takes every value that was queued before the
    /// close, waiting for producers that claimed a slot to fill it, and hands
    /// each to `f`. Returns how many there were.
    ///
    /// # Safety
    ///
    /// Consumer only, as [`Queue::pop`].
    pub(crate) unsafe fn drain_closed(&self, mut f: impl FnMut(T)) -> usize {
        debug_assert!(self.is_closed());
        let end = self.tail_index.load(Acquire) & !MARK_BIT;
        let backoff = Backoff::new();
        let mut count = 0;
        while self.head_index.load(Relaxed) != end {
            // SAFETY: consumer only, by this function's contract.
            match unsafe { self.pop() } {
                Pop::Value(value) => {
                    count += 1;
                    f(value);
                }
                // A producer claimed a slot before the close and is filling it.
                Pop::Empty => backoff.snooze(),
            }
        }
        count
    }

    /// How many values are queued (claimed slots included). Exact when no
    /// push or pop runs concurrently, a snapshot otherwise.
    pub(crate) fn len(&self) -> usize {
        // Head first: the head never passes a position whose claim we could
        // then miss (its store is ordered after the claim through the slot's
        // release/acquire), so `tail >= head` below.
        let head = self.head_index.load(Acquire) >> SHIFT;
        let tail = self.tail_index.load(Acquire) >> SHIFT;
        slots_up_to(tail).saturating_sub(slots_up_to(head))
    }

    /// Values taken out since the queue was made: the consumer's position,
    /// which it keeps anyway (so counting costs the consumer nothing).
    pub(crate) fn taken(&self) -> usize {
        slots_up_to(self.head_index.load(Acquire) >> SHIFT)
    }
}

/// Slots before `position` (positions past a block's last slot count as
/// that block's end).
#[inline]
fn slots_up_to(position: usize) -> usize {
    let (lap, offset) = (position / LAP, position % LAP);
    slots_before(lap) + offset.min(cap(lap))
}

/// The capacity of the block after lap `lap`'s.
#[inline]
const fn cap_of_next(lap: usize) -> usize {
    cap(lap + 1)
}

impl<T> Drop for Queue<T> {
    fn drop(&mut self) {
        // `&mut self`: no producer or consumer is left. Every claimed slot was
        // filled (or skipped) by a push that has returned.
        // SAFETY: we are the only user.
        while let Pop::Value(value) = unsafe { self.pop() } {
            drop(value);
        }
        let block = self.head_block.load(Relaxed);
        if !block.is_null() {
            let lap = (self.head_index.load(Relaxed) >> SHIFT) / LAP;
            // SAFETY: the consumer's current block, of lap `lap`, never freed
            // by `pop` (it frees blocks only when moving past them). Nothing
            // follows it: a `next` is installed only when its last slot is
            // claimed, and that slot would have been popped above, moving
            // past it.
            unsafe {
                debug_assert!((*block).next.load(Relaxed).is_null());
                Block::free(block, cap(lap));
            }
        }
    }
}

/// Marks a claimed slot as skipped if the value's conversion unwinds.
struct SkipOnUnwind<'a>(&'a AtomicU8);

impl Drop for SkipOnUnwind<'_> {
    fn drop(&mut self) {
        self.0.store(SKIPPED, Release);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn pop_all<T>(q: &Queue<T>) -> Vec<T> {
        let mut out = Vec::new();
        // SAFETY: single-threaded test, one consumer.
        while let Pop::Value(v) = unsafe { q.pop() } {
            out.push(v);
        }
        out
    }

    #[test]
    fn empty_queue_allocates_nothing_and_pops_nothing() {
        let q: Queue<u32> = Queue::new();
        assert!(q.head_block.load(Relaxed).is_null());
        assert!(q.tail_block.load(Relaxed).is_null());
        // SAFETY: this test thread is the queue's only consumer.
        assert_eq!(unsafe { q.pop() }, Pop::Empty);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn fifo_across_many_blocks() {
        let q = Queue::new();
        for i in 0..1000 {
            q.push(i).unwrap();
            assert_eq!(q.len(), i + 1);
        }
        // SAFETY: this test thread is the queue's only consumer.
        assert!(unsafe { q.is_ready() });
        assert_eq!(pop_all(&q), (0..1000).collect::<Vec<_>>());
        assert_eq!(q.len(), 0);
        // Interleaved pushes and pops keep order and count.
        for round in 0..100 {
            for i in 0..(round % 40) {
                q.push(i).unwrap();
            }
            assert_eq!(pop_all(&q), (0..(round % 40)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn blocks_grow_with_traffic_and_len_counts_across_them() {
        assert_eq!(
            (0..7).map(cap).collect::<Vec<_>>(),
            [2, 4, 8, 16, 31, 31, 31]
        );
        for lap in 0..10 {
            assert_eq!(slots_before(lap + 1), slots_before(lap) + cap(lap));
        }
        let q = Queue::new();
        // Interleave so that head and tail sit in different laps.
        let mut expected = 0;
        let mut next_out = 0;
        for i in 0..500 {
            q.push(i).unwrap();
            expected += 1;
            if i % 3 == 0 {
                // SAFETY: this test thread is the queue's only consumer.
                assert_eq!(unsafe { q.pop() }, Pop::Value(next_out));
                next_out += 1;
                expected -= 1;
            }
            assert_eq!(q.len(), expected);
        }
        assert_eq!(pop_all(&q), (next_out..500).collect::<Vec<_>>());
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn an_empty_queue_gives_its_block_back_and_takes_messages_after() {
        let q = Queue::new();
        // SAFETY: this thread is the only consumer.
        let release = |q: &Queue<u32>| unsafe { q.release_idle() };
        // SAFETY: as above.
        let pop = |q: &Queue<u32>| unsafe { q.pop() };
        assert_eq!(release(&q), 0, "no block yet");
        for round in 0..3u32 {
            for i in 0..40 {
                q.push(round * 100 + i).unwrap();
            }
            assert_eq!(release(&q), 0, "not empty");
            for i in 0..40 {
                assert_eq!(pop(&q), Pop::Value(round * 100 + i));
            }
            let before = q.taken();
            let skipped = release(&q);
            assert!(skipped > 0, "round {round}: released");
            assert!(q.head_block.load(Relaxed).is_null());
            assert!(q.tail_block.load(Relaxed).is_null());
            assert_eq!(q.taken(), before + skipped);
            assert_eq!(q.len(), 0);
            assert_eq!(pop(&q), Pop::Empty);
            assert_eq!(release(&q), 0, "nothing left to release");
        }
        q.push(7).unwrap();
        assert_eq!(q.len(), 1);
        assert!(q.close());
        assert_eq!(release(&q), 0, "a closed queue keeps its block");
        assert_eq!(pop(&q), Pop::Value(7));
    }

    #[test]
    fn closed_queue_hands_values_back_and_drains_the_rest() {
        let q = Queue::new();
        for i in 0..45 {
            q.push(i).unwrap();
        }
        assert!(q.close());
        assert!(!q.close());
        assert!(q.is_closed());
        assert_eq!(q.push(99), Err(99));
        let mut drained = Vec::new();
        // SAFETY: this test thread is the queue's only consumer.
        let n = unsafe { q.drain_closed(|v| drained.push(v)) };
        assert_eq!(n, 45);
        assert_eq!(drained, (0..45).collect::<Vec<_>>());
    }

    /// The limit is exact across block boundaries (positions past a
    /// block's last slot do not count) and frees up as values are taken.
    #[test]
    fn a_limited_push_refuses_at_the_limit_and_hands_the_value_back() {
        let q = Queue::new();
        for limit in [1usize, 2, 3, 5, 31, 40] {
            for i in 0..limit {
                q.push_with(i, |v| v, limit, || {}).unwrap();
            }
            assert_eq!(q.len(), limit);
            assert_eq!(
                q.push_with(99, |v| v, limit, || {}),
                Err(SendError::Full(99))
            );
            // SAFETY: this thread is the only consumer.
            assert_eq!(unsafe { q.pop() }, Pop::Value(0));
            q.push_with(limit, |v| v, limit, || {}).unwrap();
            assert_eq!(
                q.push_with(98, |v| v, limit, || {}),
                Err(SendError::Full(98))
            );
            for i in 1..=limit {
                // SAFETY: as above.
                assert_eq!(unsafe { q.pop() }, Pop::Value(i));
            }
            // SAFETY: as above.
            assert_eq!(unsafe { q.pop() }, Pop::Empty);
        }
        q.close();
        assert_eq!(q.push_with(1, |v| v, 1, || {}), Err(SendError::Closed(1)));
    }

    #[test]
    fn push_with_converts_or_hands_back_the_input() {
        let q: Queue<String> = Queue::new();
        q.push_with(7u32, |n| n.to_string(), usize::MAX, || {})
            .unwrap();
        q.close();
        assert_eq!(
            q.push_with(8u32, |n| n.to_string(), usize::MAX, || {}),
            Err(SendError::Closed(8))
        );
        assert_eq!(pop_all(&q), vec!["7".to_string()]);
    }

    #[test]
    fn a_panicking_conversion_is_skipped_not_stuck() {
        let q: Queue<u32> = Queue::new();
        q.push(1).unwrap();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = q.push_with(0u32, |_| panic!("conversion failed"), usize::MAX, || {});
        }));
        assert!(r.is_err());
        q.push(2).unwrap();
        assert_eq!(pop_all(&q), vec![1, 2]);
    }

    #[test]
    fn dropping_a_non_empty_queue_drops_every_value() {
        let token = Arc::new(());
        let q = Queue::new();
        for _ in 0..70 {
            q.push(Arc::clone(&token)).unwrap();
        }
        for _ in 0..5 {
            // SAFETY: single-threaded test.
            let _ = unsafe { q.pop() };
        }
        drop(q);
        assert_eq!(Arc::strong_count(&token), 1);
    }

    #[test]
    fn concurrent_producers_lose_and_double_nothing() {
        const PRODUCERS: usize = 4;
        const PER: usize = if cfg!(miri) { 200 } else { 50_000 };
        let q = Arc::new(Queue::new());
        let handles: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let q = Arc::clone(&q);
                std::thread::spawn(move || {
                    for i in 0..PER {
                        q.push((p, i)).unwrap();
                    }
                })
            })
            .collect();
        let mut next = [0usize; PRODUCERS];
        let mut received = 0;
        while received < PRODUCERS * PER {
            // SAFETY: this thread is the only consumer.
            match unsafe { q.pop() } {
                Pop::Value((p, i)) => {
                    assert_eq!(i, next[p], "FIFO per producer");
                    next[p] += 1;
                    received += 1;
                }
                Pop::Empty => std::thread::yield_now(),
            }
        }
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(next, [PER; PRODUCERS]);
        // SAFETY: this test thread is the queue's only consumer.
        assert_eq!(unsafe { q.pop() }, Pop::Empty);
    }

    #[test]
    fn close_racing_with_producers_loses_nothing() {
        for _ in 0..if cfg!(miri) { 2 } else { 50 } {
            let q = Arc::new(Queue::new());
            let handles: Vec<_> = (0..3)
                .map(|_| {
                    let q = Arc::clone(&q);
                    std::thread::spawn(move || {
                        let mut accepted = 0usize;
                        for i in 0..200 {
                            if q.push(i).is_ok() {
                                accepted += 1;
                            }
                        }
                        accepted
                    })
                })
                .collect();
            std::thread::yield_now();
            q.close();
            // SAFETY: this test thread is the queue's only consumer.
            let drained = unsafe { q.drain_closed(drop) };
            let accepted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
            assert_eq!(drained, accepted);
        }
    }
}
