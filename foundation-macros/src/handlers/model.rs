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
    /// Public methods refused as handlers (their errors are recorded): each
    /// still gets its handle methods, with bodies that cannot run, so that
    /// its call sites add no error of their own.
    pub(super) refused: Vec<Refused>,
}

/// A refused handler's handle methods: their signatures as the user wrote
/// the handler (`Self` spelled out, the context and the `ReplyTo` left out).
pub(super) struct Refused {
    pub(super) ident: Ident,
    pub(super) generics: Generics,
    pub(super) cfgs: Vec<Attribute>,
    pub(super) args: Vec<Type>,
    /// The answer's type, for a call.
    pub(super) reply: Option<Type>,
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
    Compact,
}

impl HookKind {
    pub(super) const ALL: [HookKind; 6] = [
        HookKind::Started,
        HookKind::Stopped,
        HookKind::OnExit,
        HookKind::OnDown,
        HookKind::ShutdownRequested,
        HookKind::Compact,
    ];

    pub(super) fn from_name(name: &str) -> Option<Self> {
        HookKind::ALL.into_iter().find(|hook| hook.name() == name)
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            HookKind::Started => "started",
            HookKind::Stopped => "stopped",
            HookKind::OnExit => "on_exit",
            HookKind::OnDown => "on_down",
            HookKind::ShutdownRequested => "shutdown_requested",
            HookKind::Compact => "compact",
        }
    }

    /// The parameters after `&mut self`, as [`param_shape`] spells them.
    ///
    /// [`param_shape`]: super::parse::param_shape
    pub(super) fn params(self) -> &'static [&'static str] {
        match self {
            HookKind::Started | HookKind::ShutdownRequested | HookKind::Compact => {
                &["&mut Context"]
            }
            HookKind::Stopped => &["&ExitReason"],
            HookKind::OnExit => &["Pid", "ExitReason", "&mut Context"],
            HookKind::OnDown => &["Down", "&mut Context"],
        }
    }

    /// The signature to write, for error messages.
    pub(super) fn signature(self) -> &'static str {
        match self {
            HookKind::Started => "fn started(&mut self, ctx: &mut Context<Self>)",
            HookKind::Stopped => "fn stopped(&mut self, reason: &ExitReason)",
            HookKind::OnExit => {
                "fn on_exit(&mut self, from: Pid, reason: ExitReason, ctx: &mut Context<Self>)"
            }
            HookKind::OnDown => "fn on_down(&mut self, down: Down, ctx: &mut Context<Self>)",
            HookKind::ShutdownRequested => {
                "fn shutdown_requested(&mut self, ctx: &mut Context<Self>)"
            }
            HookKind::Compact => "fn compact(&mut self, ctx: &mut Context<Self>)",
        }
    }

    /// Names people write for this hook: other frameworks' words, and
    /// ours shortened.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            HookKind::Started => &[
                "start",
                "init",
                "initialize",
                "on_start",
                "on_started",
                "startup",
                "setup",
                "pre_start",
                "post_start",
            ],
            HookKind::Stopped => &[
                "stop",
                "on_stop",
                "on_stopped",
                "stop_hook",
                "terminate",
                "terminated",
                "on_terminate",
                "cleanup",
                "post_stop",
            ],
            HookKind::OnExit => &["exit", "on_exited", "handle_exit", "exited"],
            HookKind::OnDown => &["down", "handle_down", "on_monitor_down", "on_downed"],
            HookKind::ShutdownRequested => &[
                "shutdown",
                "on_shutdown",
                "shutdown_request",
                "on_shutdown_requested",
                "shutting_down",
            ],
            HookKind::Compact => &[
                "on_compact",
                "hibernate",
                "on_hibernate",
                "gc",
                "compaction",
            ],
        }
    }

    /// Whether `name` looks like a misspelling of this hook's name.
    pub(super) fn is_near(self, name: &str) -> bool {
        name != self.name()
            && (self.aliases().contains(&name) || edit_distance(name, self.name()) <= 2)
    }
}

/// Levenshtein distance, on bytes (names are ASCII in practice).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &x) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &y) in b.iter().enumerate() {
            let next = (diagonal + usize::from(x != y))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}
