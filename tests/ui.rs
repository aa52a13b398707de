//! The compile-time face of the macros: every misuse is one case under
//! `tests/ui/<topic>/`, with the compiler's exact output beside it
//! (`.stderr`); `tests/ui/pass/` holds programs that must build and run.
//!
//! The `.stderr` files belong to the pinned toolchain (rust-toolchain.toml).
//! After changing a message, regenerate them with
//! `TRYBUILD=overwrite cargo test --test ui` and review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/actor/*.rs");
    cases.compile_fail("tests/ui/handlers/*.rs");
    cases.compile_fail("tests/ui/hooks/*.rs");
    cases.compile_fail("tests/ui/cross-item/*.rs");
    cases.compile_fail("tests/ui/message_size/*.rs");
    cases.compile_fail("tests/ui/ecosystem/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
