//! An allocation-heavy handler on the system allocator: the baseline of
//! `alloc_heavy_accounted` (ADR 0009: the accounting allocator's overhead,
//! target under 15%). Run the two back to back and compare
//! `alloc_heavy/system` with `alloc_heavy/accounting`:
//!
//! `cargo bench --bench alloc_heavy && cargo bench --bench alloc_heavy_accounted`

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "alloc_heavy/workload.rs"]
mod workload;

fn system(c: &mut Criterion) {
    workload::bench(c, "system");
}

criterion_group!(benches, system);
criterion_main!(benches);
