//! A counting global allocator: the bytes currently allocated, for the
//! bytes-per-idle-actor figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

static LIVE: AtomicIsize = AtomicIsize::new(0);

/// Wraps the system allocator and counts live bytes.
pub struct Counting;

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counter is a side effect that allocates nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        // SAFETY: the caller's contract is forwarded as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Relaxed);
        // SAFETY: the caller's contract is forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Relaxed);
        // SAFETY: the caller's contract is forwarded as is.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        // SAFETY: the caller's contract is forwarded as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Bytes allocated now.
pub fn live() -> isize {
    LIVE.load(Relaxed)
}

/// Bytes per actor that spawning leaves allocated: `spawn_one` runs `n`
/// times (into a vector allocated beforehand, so the handles' own slots are
/// not counted), then `settle` waits until the actors are idle.
pub fn per_actor<H>(
    n: usize,
    mut spawn_one: impl FnMut() -> H,
    settle: impl FnOnce(),
) -> (f64, Vec<H>) {
    let mut handles = Vec::with_capacity(n);
    let before = live();
    for _ in 0..n {
        handles.push(spawn_one());
    }
    settle();
    let after = live();
    ((after - before) as f64 / n as f64, handles)
}

/// As [`per_actor`], inside an async runtime: `spawn_one`'s futures are
/// awaited in turn, then the actors get 100 ms to start.
pub async fn per_actor_async<H, F: std::future::Future<Output = H>>(
    n: usize,
    mut spawn_one: impl FnMut() -> F,
) -> f64 {
    let mut handles = Vec::with_capacity(n);
    let before = live();
    for _ in 0..n {
        handles.push(spawn_one().await);
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let after = live();
    (after - before) as f64 / n as f64
}
