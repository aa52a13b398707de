//! The `alloc_heavy` workload with `foundation::memory::AccountingAllocator`
//! as the global allocator: every allocation tagged with its actor's
//! account (ADR 0009). Compare with `alloc_heavy/system`:
//!
//! `cargo bench --bench alloc_heavy && cargo bench --bench alloc_heavy_accounted`

use criterion::{Criterion, criterion_group, criterion_main};
use foundation::memory::AccountingAllocator;

#[global_allocator]
static ALLOCATOR: AccountingAllocator = AccountingAllocator::new();

#[path = "alloc_heavy/workload.rs"]
mod workload;

fn accounting(c: &mut Criterion) {
    assert!(foundation::memory::is_accounting());
    workload::bench(c, "accounting");
}

criterion_group!(benches, accounting);
criterion_main!(benches);
