//! From the `impl` block to the model: which methods are handlers, what
//! their arguments and replies are, which are hooks. Each refusal is
//! recorded in the error collector, and parsing goes on.
use quote::{ToTokens, format_ident};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{
    FnArg, GenericArgument, Ident, ImplItem, ImplItemFn, ItemImpl, Pat, PathArguments, ReturnType,
    Type, Visibility,
};

use crate::internals::ctxt::Ctxt;

use super::check::{check_names, check_static};
use super::model::*;

pub(super) fn parse_block(cx: &Ctxt, item: &ItemImpl) -> Option<Block> {
    if let Some((_, path, _)) = &item.trait_ {
        cx.error_spanned_by(
            path,
            format!(
                "`#[handlers]` goes on an inherent `impl` block (`impl {}`), not on an impl of trait `{}`",
                item.self_ty.to_token_stream(),
                path.to_token_stream(),
            ),
        );
        return None;
    }
    let type_ident = match &*item.self_ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last()?.ident.clone(),
        other => {
            cx.error_spanned_by(
                other,
                "`#[handlers]` goes on the `impl` block of an actor type declared with `#[actor]`",
            );
            return None;
        }
    };
    if type_has_lifetimes(&item.self_ty) {
        // The type's own declaration is wrong, and `#[actor]` says so
        // there: one error for one mistake.
        return None;
    }
    for lifetime in item.generics.lifetimes() {
        cx.error_spanned_by(
            lifetime,
            "an actor owns its state: its `impl` block takes no lifetime parameters",
        );
    }
    let mut block = Block {
        self_ty: (*item.self_ty).clone(),
        type_ident,
        generics: item.generics.clone(),
        handlers: Vec::new(),
        hooks: Vec::new(),
        refused: Vec::new(),
    };
    for impl_item in &item.items {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let name = method.sig.ident.to_string();
        if let Some(kind) = HookKind::from_name(&name) {
            if check_hook(cx, kind, method) {
                block.hooks.push(Hook {
                    kind,
                    span: method.sig.span(),
                });
            }
        } else if let Some(kind) = near_hook(&name, method) {
            cx.error_spanned_by(
                &method.sig.ident,
                format!(
                    "`{name}` is not a hook: did you mean `{}`? As written it would {}. A hook's name is exact: `{}`{}",
                    kind.name(),
                    if matches!(method.vis, Visibility::Inherited) {
                        "never run"
                    } else {
                        "be a handler (a message), not a hook"
                    },
                    kind.signature(),
                    if matches!(method.vis, Visibility::Inherited) {
                        ""
                    } else {
                        " (for a handler, pick a name that is not close to a hook's)"
                    }
                ),
            );
        } else if !matches!(method.vis, Visibility::Inherited) && method.sig.receiver().is_some() {
            match parse_handler(cx, &block, method) {
                Some(handler) => block.handlers.push(handler),
                None => {
                    let refused = refused_handler(&block, method);
                    block.refused.push(refused);
                }
            }
        }
        // Anything else (private helpers, `pub fn new() -> Self`) stays as
        // it is.
    }
    let refused = check_names(cx, &block);
    // Generate nothing for a refused handler: its error is enough.
    let mut index = 0;
    block.handlers.retain(|_| {
        index += 1;
        !refused.contains(&(index - 1))
    });
    Some(block)
}

/// Whether the block's type takes lifetime arguments (`Borrowing<'a>`).
fn type_has_lifetimes(ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    path.path
        .segments
        .iter()
        .any(|segment| match &segment.arguments {
            PathArguments::AngleBracketed(args) => args
                .args
                .iter()
                .any(|a| matches!(a, GenericArgument::Lifetime(l) if l.ident != "static")),
            _ => false,
        })
}

/// The method's attributes named `name` (`doc`, `cfg`), to carry over.
fn attrs_named(method: &ImplItemFn, name: &str) -> Vec<syn::Attribute> {
    method
        .attrs
        .iter()
        .filter(|a| a.path().is_ident(name))
        .cloned()
        .collect()
}

/// What the handle needs of a refused handler (see [`Refused`]).
fn refused_handler(block: &Block, method: &ImplItemFn) -> Refused {
    let sig = &method.sig;
    let mut args = Vec::new();
    let mut reply = None;
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else {
            continue;
        };
        let mut ty = (*typed.ty).clone();
        ReplaceSelf(&block.self_ty).visit_type_mut(&mut ty);
        match classify(&ty) {
            Kind::Context { .. } => {}
            Kind::ReplyTo(inner) => reply = Some(*inner),
            Kind::Data => args.push(ty),
        }
    }
    if let ReturnType::Type(_, ty) = &sig.output
        && !is_unit(ty)
    {
        let mut ty = (**ty).clone();
        ReplaceSelf(&block.self_ty).visit_type_mut(&mut ty);
        reply = Some(ty);
    }
    Refused {
        ident: sig.ident.clone(),
        generics: sig.generics.clone(),
        cfgs: attrs_named(method, "cfg"),
        args,
        reply,
    }
}

/// The parameters after the receiver, as [`param_shape`] spells them.
fn param_shapes(method: &ImplItemFn) -> Vec<String> {
    method
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(param_shape(&typed.ty)),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

/// A parameter's type reduced to what tells hooks apart: its reference and
/// its last path segment (`&mut Context`, `&ExitReason`, `Pid`).
pub(super) fn param_shape(ty: &Type) -> String {
    let (prefix, ty) = match ty {
        Type::Reference(r) if r.mutability.is_some() => ("&mut ", &*r.elem),
        Type::Reference(r) => ("&", &*r.elem),
        other => ("", other),
    };
    let last = match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        other => other.to_token_stream().to_string(),
    };
    format!("{prefix}{last}")
}

/// A method named like hook `kind`: its signature must be the hook's.
/// Records an error at the signature otherwise (the hook is then not
/// wired, so nothing else complains).
fn check_hook(cx: &Ctxt, kind: HookKind, method: &ImplItemFn) -> bool {
    let sig = &method.sig;
    let receiver_ok = sig
        .receiver()
        .is_some_and(|r| matches!(&*r.ty, Type::Reference(t) if t.mutability.is_some()));
    let returns_unit = match &sig.output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => is_unit(ty),
    };
    let plain = sig.asyncness.is_none()
        && sig.unsafety.is_none()
        && sig.generics.params.is_empty()
        && sig.variadic.is_none();
    if receiver_ok && returns_unit && plain && param_shapes(method) == kind.params() {
        return true;
    }
    cx.error_spanned_by(
        sig,
        format!(
            "hook `{}` has the wrong signature; it is `{}` (see `foundation::Actor::{}`)",
            kind.name(),
            kind.signature(),
            kind.name()
        ),
    );
    false
}

/// The hook a method's name is a near miss of, when its parameters are
/// that hook's.
fn near_hook(name: &str, method: &ImplItemFn) -> Option<HookKind> {
    let shapes = param_shapes(method);
    HookKind::ALL
        .into_iter()
        .find(|hook| hook.is_near(name) && shapes == hook.params())
}

fn parse_handler(cx: &Ctxt, block: &Block, method: &ImplItemFn) -> Option<Handler> {
    let sig = &method.sig;
    let ident = &sig.ident;
    let mut ok = true;
    // `&self`, `&mut self`, `self: &Self`, `self: &mut Self` are fine;
    // `self`, `mut self`, `self: Box<Self>` … take the actor away.
    if let Some(receiver) = sig.receiver()
        && !matches!(*receiver.ty, Type::Reference(_))
    {
        cx.error_spanned_by(
            receiver,
            format!(
                "handler `{ident}` takes `self` by value; a handler takes `&mut self` or `&self` (the actor lives on after each message)"
            ),
        );
        ok = false;
    }
    if let Some(asyncness) = &sig.asyncness {
        cx.error_spanned_by(
            asyncness,
            format!("handler `{ident}` is `async`; handlers are synchronous (an actor does one thing at a time: use `ctx.request(..).then(..)` or a `ReplyTo` to wait without blocking)"),
        );
        ok = false;
    }
    if let Some(unsafety) = &sig.unsafety {
        cx.error_spanned_by(
            unsafety,
            format!("handler `{ident}` is `unsafe`; a message cannot promise its preconditions"),
        );
        ok = false;
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            format!("handler `{ident}` is generic; a handler's arguments travel in one message enum, so their types must be fixed (make the actor generic instead)"),
        );
        ok = false;
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "a handler cannot be variadic");
        ok = false;
    }

    let mut params = Vec::new();
    let mut args = Vec::new();
    let mut reply_to: Option<Type> = None;
    let mut has_context = false;
    for (position, input) in sig.inputs.iter().enumerate() {
        let FnArg::Typed(typed) = input else {
            continue;
        };
        let mut ty = (*typed.ty).clone();
        ReplaceSelf(&block.self_ty).visit_type_mut(&mut ty);
        match classify(&ty) {
            Kind::Context { mutable } => {
                if !mutable {
                    cx.error_spanned_by(&typed.ty, "take the context as `&mut Context<Self>`");
                    ok = false;
                }
                if has_context {
                    cx.error_spanned_by(
                        &typed.ty,
                        format!("handler `{ident}` takes the context twice"),
                    );
                    ok = false;
                }
                has_context = true;
                params.push(Param::Context);
            }
            Kind::ReplyTo(inner) => {
                if reply_to.is_some() {
                    cx.error_spanned_by(
                        &typed.ty,
                        format!("handler `{ident}` takes two `ReplyTo`s; a call has one answer"),
                    );
                    ok = false;
                }
                ok &= check_static(cx, &inner, "the reply type of a handler");
                reply_to = Some(*inner);
                params.push(Param::ReplyTo);
            }
            Kind::Data => {
                ok &= check_static(cx, &typed.ty, "an argument of a handler");
                // The handle's parameter: the argument's name without its
                // leading underscores, unless that is empty, taken, or the
                // `timeout` of the `_timeout` form.
                let written = match &*typed.pat {
                    Pat::Ident(pat) if pat.subpat.is_none() => {
                        let name = pat.ident.to_string();
                        let name = name.trim_start_matches("r#").trim_start_matches('_');
                        Some((name.to_string(), pat.ident.span()))
                    }
                    _ => None,
                };
                let name = match written {
                    Some((name, span))
                        if !name.is_empty()
                            && name != "timeout"
                            && syn::parse_str::<Ident>(&name).is_ok()
                            && !args.iter().any(|(taken, _): &(Ident, Type)| *taken == name) =>
                    {
                        Ident::new(&name, span)
                    }
                    _ => format_ident!("arg{}", position),
                };
                params.push(Param::Arg(args.len()));
                args.push((name, ty));
            }
        }
    }

    let returned = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) if is_unit(ty) => None,
        ReturnType::Type(_, ty) => {
            let mut ty = (**ty).clone();
            ok &= check_static(cx, &ty, "the return type of a handler");
            ReplaceSelf(&block.self_ty).visit_type_mut(&mut ty);
            Some(ty)
        }
    };
    let reply = match (returned, reply_to) {
        (None, None) => Reply::None,
        (Some(ty), None) => Reply::Returned(ty),
        (None, Some(ty)) => Reply::Through(ty),
        (Some(_), Some(_)) => {
            cx.error_spanned_by(
                &sig.output,
                format!("handler `{ident}` takes a `ReplyTo` and also returns a value; one answer only: return `()` and answer through the `ReplyTo`, or drop the `ReplyTo` and return the answer"),
            );
            return None;
        }
    };
    if !ok {
        return None;
    }
    Some(Handler {
        ident: ident.clone(),
        variant: format_ident!("{}", upper_camel(&ident.to_string()), span = ident.span()),
        docs: attrs_named(method, "doc"),
        cfgs: attrs_named(method, "cfg"),
        params,
        args,
        reply,
        span: sig.span(),
    })
}

pub(super) enum Kind {
    Context { mutable: bool },
    ReplyTo(Box<Type>),
    Data,
}

fn classify(ty: &Type) -> Kind {
    let (ty, reference) = match ty {
        Type::Reference(r) => (&*r.elem, Some(r.mutability.is_some())),
        other => (other, None),
    };
    let Type::Path(path) = ty else {
        return Kind::Data;
    };
    let Some(last) = path.path.segments.last() else {
        return Kind::Data;
    };
    if last.ident == "Context" {
        return Kind::Context {
            mutable: reference == Some(true),
        };
    }
    if last.ident == "ReplyTo" && reference.is_none() {
        let inner = match &last.arguments {
            PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
                GenericArgument::Type(t) => Some(Box::new(t.clone())),
                _ => None,
            }),
            _ => None,
        };
        // Without a type argument it is not ours (a type of the user's own
        // named `ReplyTo`, or ours missing its type, which the compiler
        // reports at the original item): an ordinary argument.
        return match inner {
            Some(inner) => Kind::ReplyTo(inner),
            None => Kind::Data,
        };
    }
    Kind::Data
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

/// `Self` means the actor in the block, but the enum or the handle in the
/// generated items: spell it out.
pub(super) struct ReplaceSelf<'a>(&'a Type);

impl VisitMut for ReplaceSelf<'_> {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(path) = ty
            && path.qself.is_none()
            && path.path.is_ident("Self")
        {
            *ty = self.0.clone();
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

fn upper_camel(name: &str) -> String {
    name.trim_start_matches('_')
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}
