//! The model of `#[ecosystem(...)]`: the options and the members as
//! written (each with what errors point at).

use proc_macro2::Span;
use syn::{Attribute, Expr, Ident, LitStr, Type, Visibility};

/// Every option `#[ecosystem]` knows, for error messages.
pub(super) const OPTIONS: &str = "`name`, `strategy`, `max_restarts`, `within`";
/// The supervision strategies, as written.
pub(super) const STRATEGIES: &[(&str, Strategy)] = &[
    ("one_for_one", Strategy::OneForOne),
    ("one_for_all", Strategy::OneForAll),
    ("rest_for_one", Strategy::RestForOne),
];
/// The routings (`foundation::Routing`), as written.
pub(super) const ROUTES: &[(&str, Route)] = &[
    ("round_robin", Route::RoundRobin),
    ("least_loaded", Route::LeastLoaded),
    ("key_hash", Route::KeyHash),
    ("broadcast", Route::Broadcast),
];
/// The member attributes, for error messages.
pub(super) const ROLES: &str = "`#[coordinator]`, `#[workers(count = N)]`, `#[child]`, `#[nested]`";

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Strategy {
    OneForOne,
    OneForAll,
    RestForOne,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    RoundRobin,
    LeastLoaded,
    KeyHash,
    Broadcast,
}

/// The ecosystem's options, as written.
#[derive(Default)]
pub(super) struct Options {
    pub(super) name: Option<LitStr>,
    pub(super) strategy: Option<(Strategy, &'static str, Span)>,
    pub(super) max_restarts: Option<u32>,
    /// In nanoseconds.
    pub(super) within: Option<u64>,
}

/// What a member is.
pub(super) enum Role {
    Coordinator,
    Workers {
        count: usize,
        route: Route,
        route_name: &'static str,
        /// `key = ..`: the key of `key_hash` routing.
        key: Option<Box<Expr>>,
    },
    Child,
    Nested,
}

/// One field: a member.
pub(super) struct Member {
    /// The field's other attributes (docs, cfgs), kept.
    pub(super) attrs: Vec<Attribute>,
    pub(super) vis: Visibility,
    pub(super) ident: Ident,
    pub(super) ty: Type,
    pub(super) role: Role,
    /// `factory = ..`: how to make it, instead of `Default`.
    pub(super) factory: Option<Expr>,
}

/// The annotated struct, its members checked (one coordinator, one pool).
pub(super) struct Target {
    pub(super) attrs: Vec<Attribute>,
    pub(super) vis: Visibility,
    pub(super) ident: Ident,
    pub(super) members: Vec<Member>,
}

impl Target {
    pub(super) fn coordinator(&self) -> &Member {
        self.members
            .iter()
            .find(|m| matches!(m.role, Role::Coordinator))
            .expect("checked: one coordinator")
    }

    pub(super) fn workers(&self) -> &Member {
        self.members
            .iter()
            .find(|m| matches!(m.role, Role::Workers { .. }))
            .expect("checked: one pool")
    }
}
