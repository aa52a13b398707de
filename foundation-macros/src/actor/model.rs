//! The model of `#[actor(...)]`: the options as written (each with its
//! span, for errors) and the annotated type.

use proc_macro2::Span;
use syn::{Generics, Ident, LitStr};

/// Every option `#[actor]` knows, for error messages.
pub(super) const OPTIONS: &str = "`name`, `restart`, `blocking`, `trap_exit`, `flow`, `mailbox`, `memory`, `max_heap`, `hibernate_after`, `hibernate_every`";
/// The restart types, as written.
pub(super) const RESTARTS: &[(&str, Restart)] = &[
    ("permanent", Restart::Permanent),
    ("transient", Restart::Transient),
    ("temporary", Restart::Temporary),
];
/// The flow-control modes (`foundation::Flow`), as written.
pub(super) const FLOWS: &[(&str, Flow)] = &[
    ("automatic", Flow::Automatic),
    ("manual", Flow::Manual),
    ("credit_based", Flow::CreditBased),
];
/// The memory strategies (`foundation::memory::MemoryStrategy`), as written.
pub(super) const MEMORIES: &[(&str, Memory)] = &[
    ("isolated", Memory::Isolated),
    ("shared", Memory::Shared),
    ("gc_optimized", Memory::GcOptimized),
];
/// The largest `mailbox` (`foundation`'s `Bound::MAX`).
pub(super) const MAX_MAILBOX: u64 = 1 << 27;

/// The options, as written (each with the span of its value, for errors).
#[derive(Default)]
pub(super) struct Options {
    pub(super) name: Option<LitStr>,
    pub(super) restart: Option<(Restart, Span)>,
    pub(super) blocking: Option<bool>,
    pub(super) trap_exit: Option<bool>,
    pub(super) flow: Option<(Flow, Span)>,
    pub(super) mailbox: Option<(u32, Span)>,
    pub(super) memory: Option<(Memory, Span)>,
    /// `max_heap`, in bytes.
    pub(super) max_heap: Option<(u64, Span)>,
    /// `hibernate_after`, in milliseconds.
    pub(super) hibernate_after: Option<(u64, Span)>,
    pub(super) hibernate_every: Option<(u32, Span)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Memory {
    Isolated,
    Shared,
    GcOptimized,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    Automatic,
    Manual,
    CreditBased,
}

#[derive(Clone, Copy)]
pub(super) enum Restart {
    Permanent,
    Transient,
    Temporary,
}

/// The annotated type.
pub(super) struct Target {
    pub(super) ident: Ident,
    pub(super) generics: Generics,
    /// It takes lifetime parameters (refused): only its `Declared` impl is
    /// generated, so that its `#[handlers]` block adds no errors.
    pub(super) borrows: bool,
}
