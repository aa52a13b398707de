//! Checks that span several handlers or need the whole type: names that
//! collide (with each other, with the hooks, with `ActorRef`'s own
//! methods), and types that must be `'static`.
use syn::visit::Visit;
use syn::{Ident, Type};

use crate::internals::ctxt::Ctxt;

use super::model::*;

/// Methods of `ActorRef` that a generated method of the same name could
/// never be called through (the inherent method wins).
pub(super) const ACTOR_REF_METHODS: &[&str] = &[
    "send",
    "try_send",
    "send_timeout",
    "producer",
    "credit_available",
    "pid",
    "kill",
    "stop",
    "is_alive",
    "mailbox_len",
    "messages_handled",
    "memory",
    "call",
    "call_async",
    "send_after",
    "recipient",
    "clone",
];

/// Two handlers may not make one variant or one handle method. Returns the
/// handlers refused (by index).
pub(super) fn check_names(cx: &Ctxt, block: &Block) -> Vec<usize> {
    let mut refused = Vec::new();
    let mut variants: Vec<(String, &Ident)> = Vec::new();
    let mut methods: Vec<(String, &Ident)> = Vec::new();
    for (index, handler) in block.handlers.iter().enumerate() {
        let name = handler.ident.to_string();
        let variant = handler.variant.to_string();
        if let Some((_, first)) = variants.iter().find(|(v, _)| *v == variant) {
            cx.error_spanned_by(
                &handler.ident,
                format!(
                    "two handlers named `{first}` and `{name}`: both would be the message variant `{variant}`; rename one"
                ),
            );
            refused.push(index);
            continue;
        }
        variants.push((variant, &handler.ident));
        if ACTOR_REF_METHODS.contains(&name.as_str()) {
            cx.error_spanned_by(
                &handler.ident,
                format!(
                    "a handler named `{name}` could not be called on an `ActorRef` (its own `{name}` method comes first); rename the handler"
                ),
            );
        }
        let mut generated = vec![name.clone()];
        if handler.reply.ty().is_some() {
            generated.push(format!("{name}_timeout"));
            generated.push(format!("{name}_async"));
        }
        for method in generated {
            if let Some((_, first)) = methods.iter().find(|(m, _)| *m == method) {
                if *first != &handler.ident {
                    cx.error_spanned_by(
                        &handler.ident,
                        format!(
                            "handler `{name}` and handler `{first}` would both give the handle a method `{method}`; rename one"
                        ),
                    );
                    refused.push(index);
                    break;
                }
            } else {
                methods.push((method, &handler.ident));
            }
        }
    }
    refused
}
/// A message outlives the handler call that sent it: what it carries must
/// be `'static`. Records an error at each borrow.
pub(super) fn check_static(cx: &Ctxt, ty: &Type, what: &str) -> bool {
    struct Borrows<'a> {
        cx: &'a Ctxt,
        what: &'a str,
        ok: bool,
    }
    impl<'ast> Visit<'ast> for Borrows<'_> {
        fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
            if r.lifetime.as_ref().is_none_or(|l| l.ident != "static") {
                self.cx.error_spanned_by(
                    r,
                    format!(
                        "{} travels in a message and must be `'static`: own the data (`String` rather than `&str`, `Vec<T>` rather than `&[T]`) or share it (`Arc<T>`)",
                        self.what
                    ),
                );
                self.ok = false;
            } else {
                syn::visit::visit_type_reference(self, r);
            }
        }
        fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
            if l.ident != "static" {
                self.cx.error_spanned_by(
                    l,
                    format!(
                        "{} travels in a message and must be `'static`, not borrow for `{l}`",
                        self.what
                    ),
                );
                self.ok = false;
            }
        }
        fn visit_type_impl_trait(&mut self, t: &'ast syn::TypeImplTrait) {
            self.cx.error_spanned_by(
                t,
                format!(
                    "{} travels in a message: it needs a nameable type, not `impl Trait` (use `Box<dyn Trait + Send>` or a generic actor)",
                    self.what
                ),
            );
            self.ok = false;
        }
        fn visit_type_bare_fn(&mut self, _: &'ast syn::TypeBareFn) {
            // `fn(&T)` borrows only for the call: fine.
        }
    }
    let mut borrows = Borrows { cx, what, ok: true };
    borrows.visit_type(ty);
    borrows.ok
}
