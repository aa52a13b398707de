//! [`AccountingAllocator`]: the system allocator, with an owner tag in
//! front of every allocation.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use core::ptr;
use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{AtomicI64, AtomicU8, AtomicUsize};
use std::alloc::System;

use crossbeam_utils::CachePadded;

use super::account::{self, Account};

/// Whether an [`AccountingAllocator`] is the global allocator: unknown
/// until first asked ([`installed`]), then yes or no for good.
static INSTALLED: AtomicU8 = AtomicU8::new(UNKNOWN);
const UNKNOWN: u8 = 0;
const YES: u8 = 1;
const NO: u8 = 2;

/// Live bytes of the whole process, kept per thread: the first
/// `OWN_SLOTS` threads each own a slot, which only they write (a load and
/// a store, no atomic add); later threads share `STRIPES` striped slots
/// with atomic adds. A slot is signed: a thread that frees what another
/// allocated goes below zero. The total is the sum.
const OWN_SLOTS: usize = 192;
const STRIPES: usize = 16;
static SLOTS: [CachePadded<AtomicI64>; OWN_SLOTS + STRIPES] =
    [const { CachePadded::new(AtomicI64::new(0)) }; OWN_SLOTS + STRIPES];
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

/// Adds `delta` to the total, in the slot `index` names (chosen on the
/// thread's first allocation).
#[inline]
fn add_to_total(index: &Cell<usize>, delta: i64) {
    let mut i = index.get();
    if i == usize::MAX {
        let n = NEXT_SLOT.fetch_add(1, Relaxed);
        i = if n < OWN_SLOTS {
            n
        } else {
            OWN_SLOTS + n % STRIPES
        };
        index.set(i);
    }
    let slot = &SLOTS[i];
    if i < OWN_SLOTS {
        // Only this thread writes its slot.
        slot.store(slot.load(Relaxed) + delta, Relaxed);
    } else {
        slot.fetch_add(delta, Relaxed);
    }
}

/// Whether the accounting allocator is the global allocator: the first
/// call allocates a byte with this thread's tag marked `probing`, which
/// only the accounting allocator looks at. (An `AccountingAllocator` used
/// directly, not as the global one, does not count.)
#[inline]
pub(crate) fn installed() -> bool {
    match INSTALLED.load(Relaxed) {
        YES => true,
        NO => false,
        _ => probe(),
    }
}

#[cold]
fn probe() -> bool {
    let tag = account::Tag {
        probing: true,
        ..account::current()
    };
    // SAFETY: the tag's accounts are the current one's, held by whoever
    // set it.
    let guard = unsafe { account::enter(tag) };
    let layout = Layout::new::<u8>();
    // SAFETY: a non-zero-sized layout, freed right after; `black_box`
    // keeps the pair from being optimised away.
    unsafe {
        let p = core::hint::black_box(std::alloc::alloc(layout));
        if !p.is_null() {
            std::alloc::dealloc(p, layout);
        }
    }
    drop(guard);
    let _ = INSTALLED.compare_exchange(UNKNOWN, NO, Relaxed, Relaxed);
    INSTALLED.load(Relaxed) == YES
}

/// Live bytes of the whole process, as the allocator counts them.
pub(crate) fn total() -> u64 {
    SLOTS.iter().map(|s| s.load(Relaxed)).sum::<i64>().max(0) as u64
}

/// A global allocator that counts live bytes per actor: install it in
/// your program, and the runtime's memory figures
/// ([`ActorRef::memory`](crate::ActorRef::memory),
/// [`NodeStats::memory`](crate::NodeStats::memory), ecosystem health),
/// `max_heap` limits and memory-pressure alerts work. Without it they say
/// "not measured".
///
/// It wraps the system allocator and puts an 8-byte owner tag in front of
/// every allocation (more for alignments above 8): the account of the
/// actor whose code made it — its current incarnation's. A free, on
/// whichever thread, credits the bytes back to that owner, so the figures
/// stay exact when memory moves between threads and actors. What it costs
/// is measured in `docs/benchmarks.md` (`cargo bench --bench memory`).
///
/// ```rust,standalone_crate
/// use foundation::memory::AccountingAllocator;
///
/// #[global_allocator]
/// static ALLOCATOR: AccountingAllocator = AccountingAllocator::new();
///
/// let data = vec![0u8; 1 << 20];
/// assert!(foundation::memory::process_usage().bytes().unwrap() >= 1 << 20);
/// drop(data);
/// ```
///
/// What is charged to whom (see also the [module](crate::memory)):
///
/// - an actor is charged what its handlers and hooks allocate, while they
///   run, until it is freed — by anyone. A message it sends stays charged
///   to it (not to the receiver) until freed; a receiver that keeps one
///   keeps the sender's bytes alive, and a copy it makes is its own.
/// - a supervised child's factory runs under the new incarnation's
///   account: what it builds is the child's. An instance handed to
///   [`Node::spawn`](crate::Node::spawn) or
///   [`Context::spawn`](crate::Context::spawn) was built by the caller
///   and stays charged to the caller.
/// - [`share`](crate::memory::share) hands a buffer to the node's shared
///   pool, counted once however many actors hold it.
/// - code outside actors is charged to no actor; it counts in the
///   process's total only.
#[derive(Debug, Default)]
pub struct AccountingAllocator {
    _private: (),
}

impl AccountingAllocator {
    /// The allocator, for a `#[global_allocator]` static.
    ///
    /// ```
    /// use foundation::memory::AccountingAllocator;
    ///
    /// static ALLOCATOR: AccountingAllocator = AccountingAllocator::new();
    /// # let _ = &ALLOCATOR;
    /// ```
    pub const fn new() -> Self {
        AccountingAllocator { _private: () }
    }
}

/// The bytes in front of an allocation of alignment `align`: the tag's 8,
/// or the alignment if larger, so the caller's bytes stay aligned.
#[inline]
fn header(align: usize) -> usize {
    align.max(HEADER)
}
const HEADER: usize = core::mem::size_of::<*const Account>();

/// The system allocation behind a live allocation of `layout` (which
/// `outer` accepted when it was made).
///
/// # Safety
///
/// An allocation of `layout` was made by this allocator.
#[inline]
unsafe fn outer_of_live(layout: Layout) -> (Layout, usize) {
    let header = header(layout.align());
    // SAFETY: `outer` checked exactly this when the allocation was made.
    let outer = unsafe {
        Layout::from_size_align_unchecked(layout.size() + header, layout.align().max(HEADER))
    };
    (outer, header)
}

/// The system allocation behind a caller's `layout`, or `None` if it
/// would overflow.
#[inline]
fn outer(layout: Layout) -> Option<(Layout, usize)> {
    let header = header(layout.align());
    let size = layout.size().checked_add(header)?;
    let outer = Layout::from_size_align(size, layout.align().max(HEADER)).ok()?;
    Some((outer, header))
}

impl AccountingAllocator {
    /// Tags a fresh system allocation `base` of `outer` and returns the
    /// caller's pointer.
    ///
    /// # Safety
    ///
    /// `base` is null or a live allocation of `outer`, with `header` bytes
    /// in front of the caller's.
    #[inline]
    unsafe fn tag(base: *mut u8, header: usize, size: usize) -> *mut u8 {
        if base.is_null() {
            return base;
        }
        let (owner, probing) = account::on_alloc(size, add_to_total);
        if probing {
            INSTALLED.store(YES, Relaxed);
        }
        // SAFETY: the header lies inside the allocation; `base + header`
        // is aligned to at least 8, so the tag slot just before it is.
        unsafe {
            let user = base.add(header);
            ptr::write(user.sub(HEADER).cast::<*const Account>(), owner);
            user
        }
    }
}

/// Where the tag of an allocation at `user` is.
///
/// # Safety
///
/// `user` came from this allocator.
#[inline]
unsafe fn tag_slot(user: *mut u8) -> *mut *const Account {
    // SAFETY: every allocation has its tag just before the caller's bytes.
    unsafe { user.sub(HEADER).cast::<*const Account>() }
}

/// Moves the allocation at `user` (`size` bytes, from the accounting
/// allocator) to `to`'s account: [`share`](crate::memory::share)'s core.
///
/// # Safety
///
/// `user` is a live allocation of `size` bytes from the installed
/// [`AccountingAllocator`]; `to` is held by the caller.
pub(crate) unsafe fn retag(user: *mut u8, size: usize, to: *const Account) {
    // SAFETY: by the contract.
    unsafe {
        let slot = tag_slot(user);
        let from = ptr::read(slot);
        if from == to {
            return;
        }
        ptr::write(slot, to);
        account::transfer(from, to, size);
    }
}

// SAFETY: every method hands the caller a block of the requested size and
// alignment inside a system allocation of `outer(layout)`, and gives the
// same system allocation back on `dealloc` / `realloc`; the tag in front
// is ours alone. Nothing here allocates through the global allocator or
// unwinds.
unsafe impl GlobalAlloc for AccountingAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some((outer, header)) = outer(layout) else {
            return ptr::null_mut();
        };
        // SAFETY: `outer` is non-zero-sized; the result is tagged as
        // `tag` requires.
        unsafe { Self::tag(System.alloc(outer), header, layout.size()) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let Some((outer, header)) = outer(layout) else {
            return ptr::null_mut();
        };
        // SAFETY: as in `alloc`.
        unsafe { Self::tag(System.alloc_zeroed(outer), header, layout.size()) }
    }

    #[inline]
    unsafe fn dealloc(&self, user: *mut u8, layout: Layout) {
        // SAFETY: `user` was allocated here with `layout`.
        let (outer, header) = unsafe { outer_of_live(layout) };
        // SAFETY: `user` came from `alloc` with `layout`: its tag is in
        // front, its system allocation starts `header` bytes before.
        unsafe {
            let owner = ptr::read(tag_slot(user));
            account::on_free(owner, layout.size(), add_to_total);
            System.dealloc(user.sub(header), outer);
        }
    }

    #[inline]
    unsafe fn realloc(&self, user: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `user` was allocated here with `layout`.
        let (outer, header) = unsafe { outer_of_live(layout) };
        let Some(new_outer) = new_size.checked_add(header) else {
            return ptr::null_mut();
        };
        // SAFETY: `user` came from `alloc` with `layout`; the system
        // reallocation keeps the header's bytes (a prefix) and the
        // alignment of `outer`.
        unsafe {
            let old_owner = ptr::read(tag_slot(user));
            let base = System.realloc(user.sub(header), outer, new_outer);
            if base.is_null() {
                return base;
            }
            // A reallocation is a new allocation by whoever makes it:
            // charged to the current owner, the old bytes credited back.
            let new_user = Self::tag(base, header, new_size);
            account::on_free(old_owner, layout.size(), add_to_total);
            new_user
        }
    }
}

#[cfg(all(test, not(loom), not(miri)))]
mod tests {
    use super::*;
    use crate::memory::AccountRef;

    #[test]
    fn a_header_keeps_every_alignment() {
        for align in [1, 2, 4, 8, 16, 64, 4096] {
            let layout = Layout::from_size_align(24, align).unwrap();
            let (outer, header) = outer(layout).unwrap();
            assert_eq!(header % align, 0);
            assert!(header >= HEADER);
            assert_eq!(outer.size(), 24 + header);
            assert!(outer.align() >= align);
        }
        assert!(outer(Layout::from_size_align(isize::MAX as usize - 4, 1).unwrap()).is_none());
    }

    #[test]
    fn the_allocator_tags_charges_and_credits() {
        // Used directly (not as the global allocator of this test binary).
        // SAFETY (every block below): each pointer came from this
        // allocator with the layout it is given back with.
        let allocator = AccountingAllocator::new();
        let account = AccountRef::new();
        let layout = Layout::from_size_align(1000, 64).unwrap();
        // SAFETY: a non-zero-sized layout.
        let p = account::charged_to(Some(&account), || unsafe { allocator.alloc(layout) });
        assert!(!p.is_null());
        assert_eq!(p as usize % 64, 0);
        assert_eq!(account.get().bytes(), 1000);
        // Grown by another owner (none): charged to it, credited here.
        // SAFETY: `p` is live, of `layout`.
        let p = unsafe { allocator.realloc(p, layout, 3000) };
        assert_eq!(account.get().bytes(), 0);
        let grown = Layout::from_size_align(3000, 64).unwrap();
        // SAFETY: `p` is live, of `grown`.
        unsafe { allocator.dealloc(p, grown) };
        // SAFETY: a non-zero-sized layout.
        let q = account::charged_to(Some(&account), || unsafe {
            allocator.alloc_zeroed(Layout::new::<[u64; 4]>())
        });
        assert_eq!(account.get().bytes(), 32);
        // Freed on another thread: credited to its owner all the same.
        let q = q as usize;
        // SAFETY: `q` is live, of this layout, and freed once.
        std::thread::spawn(move || unsafe {
            allocator.dealloc(q as *mut u8, Layout::new::<[u64; 4]>())
        })
        .join()
        .unwrap();
        assert_eq!(account.get().bytes(), 0);
    }
}
