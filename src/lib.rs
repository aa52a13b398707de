//! Support code for Foundation's examples, integration tests and benchmarks.
//!
//! The root package of the workspace owns `examples/`, `tests/` and
//! `benches/`; this library holds what they share. It is not published.

#![warn(missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};

/// A global allocator that counts live bytes and allocations, for exact
/// memory figures (bytes per idle actor) in benches and tests.
///
/// Install it in a test or bench binary of its own, since it counts every
/// thread's allocations:
///
/// ```
/// use foundation_project::CountingAllocator;
///
/// #[global_allocator]
/// static ALLOC: CountingAllocator = CountingAllocator::new();
///
/// let before = ALLOC.live_bytes();
/// let v: Vec<u64> = Vec::with_capacity(16);
/// assert_eq!(ALLOC.live_bytes() - before, 128);
/// drop(v);
/// assert_eq!(ALLOC.live_bytes(), before);
/// ```
#[derive(Debug)]
pub struct CountingAllocator {
    live: AtomicIsize,
    allocations: AtomicUsize,
}

impl CountingAllocator {
    /// A counter at zero.
    pub const fn new() -> Self {
        CountingAllocator {
            live: AtomicIsize::new(0),
            allocations: AtomicUsize::new(0),
        }
    }

    /// Bytes allocated and not yet freed (as requested, without the system
    /// allocator's own overhead).
    pub fn live_bytes(&self) -> isize {
        self.live.load(Relaxed)
    }

    /// Allocations made so far (frees not subtracted).
    pub fn allocations(&self) -> usize {
        self.allocations.load(Relaxed)
    }
}

impl Default for CountingAllocator {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counters are side effects only.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            self.live.fetch_add(layout.size() as isize, Relaxed);
            self.allocations.fetch_add(1, Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            self.live.fetch_add(layout.size() as isize, Relaxed);
            self.allocations.fetch_add(1, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) };
        self.live.fetch_sub(layout.size() as isize, Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            self.live
                .fetch_add(new_size as isize - layout.size() as isize, Relaxed);
            self.allocations.fetch_add(1, Relaxed);
        }
        p
    }
}
