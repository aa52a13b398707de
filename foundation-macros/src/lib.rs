//! Procedural macros of the Foundation actor runtime.
//!
//! This crate will hold `#[actor]`, `#[handlers]` and `#[ecosystem]`, which
//! generate typed message enums, typed handles and supervision trees as
//! plain calls to the `foundation` runtime API. It has no macros yet: they
//! arrive with the macros milestone, once the runtime API they target (calls,
//! supervision, registries) exists. Until then, use the runtime API directly.
