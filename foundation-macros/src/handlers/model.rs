//! The model of a `#[handlers]` block: the block, its handlers (each a
//! variant of the message enum and a method of the handle) and its hooks.
//! No tokens are generated here.

use proc_macro2::Span;
use syn::{Attribute, Generics, Ident, Type};

/// The `impl` block.
pub(super) struct Block {
    /// The actor type, as the block names it (`Counter<T>`).
    pub(super) self_ty: Type,
    /// Its last path segment (`Counter`).
    pub(super) type_ident: Ident,
    /// The block's own generics (`impl<T: Clone> ..`).
    pub(super) generics: Generics,
    pub(super) handlers: Vec<Handler>,
    pub(super) hooks: Vec<Hook>,
}

/// One public method: a message variant and a method on the handle.
pub(super) struct Handler {
    pub(super) ident: Ident,
    pub(super) variant: Ident,
    /// Doc comments, carried to the variant and the handle's method.
    pub(super) docs: Vec<Attribute>,
    /// `#[cfg]`s, carried to everything generated for the handler.
    pub(super) cfgs: Vec<Attribute>,
    /// The parameters after `self`, in the method's order.
    pub(super) params: Vec<Param>,
    /// The arguments that travel in the message (name and type).
    pub(super) args: Vec<(Ident, Type)>,
    pub(super) reply: Reply,
    /// The method's signature: generated code that calls it points here.
    pub(super) span: Span,
}

pub(super) enum Param {
    /// The i-th argument of the message.
    Arg(usize),
    /// `&mut Context<Self>`.
    Context,
    /// `ReplyTo<T>`.
    ReplyTo,
}

pub(super) enum Reply {
    /// Returns `()`: a send.
    None,
    /// Returns `T`: a call answered with the return value.
    Returned(Type),
    /// Takes `ReplyTo<T>`: a call it answers itself, now or later.
    Through(Type),
}

impl Reply {
    pub(super) fn ty(&self) -> Option<&Type> {
        match self {
            Reply::None => None,
            Reply::Returned(ty) | Reply::Through(ty) => Some(ty),
        }
    }
}

/// A lifecycle hook written in the block.
pub(super) struct Hook {
    pub(super) kind: HookKind,
    pub(super) span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum HookKind {
    Started,
    Stopped,
    OnExit,
    OnDown,
    ShutdownRequested,
}

impl HookKind {
    pub(super) fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "started" => HookKind::Started,
            "stopped" => HookKind::Stopped,
            "on_exit" => HookKind::OnExit,
            "on_down" => HookKind::OnDown,
            "shutdown_requested" => HookKind::ShutdownRequested,
            _ => return None,
        })
    }
}
