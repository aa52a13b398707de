//! Bytes per idle actor under each memory strategy with the accounting
//! allocator installed (ADR 0009): every actor has an account, and every
//! allocation its 8-byte tag. Counted here as the system sees it (the
//! caller's bytes plus each tag), by a counting wrapper around
//! `AccountingAllocator`. Compare with `cargo bench --bench idle_memory`.
//!
//! `cargo bench --bench idle_memory_accounted`

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::AtomicIsize;
use std::sync::atomic::Ordering::Relaxed;

use foundation::memory::AccountingAllocator;

#[path = "idle_memory/strategies.rs"]
mod strategies;

/// `AccountingAllocator`, counting the system bytes it asks for.
struct Counted {
    inner: AccountingAllocator,
    live: AtomicIsize,
}

/// What the accounting allocator asks of the system for `layout`.
fn outer(layout: Layout) -> isize {
    (layout.size() + layout.align().max(8)) as isize
}

// SAFETY: forwarded unchanged to the accounting allocator.
unsafe impl GlobalAlloc for Counted {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded.
        let p = unsafe { self.inner.alloc(layout) };
        if !p.is_null() {
            self.live.fetch_add(outer(layout), Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded.
        let p = unsafe { self.inner.alloc_zeroed(layout) };
        if !p.is_null() {
            self.live.fetch_add(outer(layout), Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        self.live.fetch_sub(outer(layout), Relaxed);
        // SAFETY: forwarded.
        unsafe { self.inner.dealloc(p, layout) }
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded.
        let q = unsafe { self.inner.realloc(p, layout, new_size) };
        if !q.is_null() {
            self.live
                .fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counted = Counted {
    inner: AccountingAllocator::new(),
    live: AtomicIsize::new(0),
};

fn main() {
    assert!(foundation::memory::is_accounting());
    strategies::measure("idle_memory_accounted/foundation", 20_000, || {
        ALLOC.live.load(Relaxed)
    });
}
