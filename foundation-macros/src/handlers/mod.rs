//! `#[handlers]`: model (the block, its handlers and hooks), checks,
//! expansion.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{
    Attribute, FnArg, GenericArgument, Generics, Ident, ImplItem, ImplItemFn, ItemImpl, Pat,
    PathArguments, ReturnType, Type, Visibility,
};

use crate::internals::ctxt::Ctxt;

/// Methods of `ActorRef` that a generated method of the same name could
/// never be called through (the inherent method wins).
const ACTOR_REF_METHODS: &[&str] = &[
    "send",
    "try_send",
    "pid",
    "kill",
    "stop",
    "is_alive",
    "mailbox_len",
    "call",
    "call_async",
    "send_after",
    "recipient",
    "clone",
];

// ---- model ---------------------------------------------------------------

/// The `impl` block.
struct Block {
    /// The actor type, as the block names it (`Counter<T>`).
    self_ty: Type,
    /// Its last path segment (`Counter`).
    type_ident: Ident,
    /// The block's own generics (`impl<T: Clone> ..`).
    generics: Generics,
    handlers: Vec<Handler>,
    hooks: Vec<Hook>,
}

/// One public method: a message variant and a method on the handle.
struct Handler {
    ident: Ident,
    variant: Ident,
    /// Doc comments, carried to the variant and the handle's method.
    docs: Vec<Attribute>,
    /// `#[cfg]`s, carried to everything generated for the handler.
    cfgs: Vec<Attribute>,
    /// The parameters after `self`, in the method's order.
    params: Vec<Param>,
    /// The arguments that travel in the message (name and type).
    args: Vec<(Ident, Type)>,
    reply: Reply,
    /// The method's signature: generated code that calls it points here.
    span: Span,
}

enum Param {
    /// The i-th argument of the message.
    Arg(usize),
    /// `&mut Context<Self>`.
    Context,
    /// `ReplyTo<T>`.
    ReplyTo,
}

enum Reply {
    /// Returns `()`: a send.
    None,
    /// Returns `T`: a call answered with the return value.
    Returned(Type),
    /// Takes `ReplyTo<T>`: a call it answers itself, now or later.
    Through(Type),
}

impl Reply {
    fn ty(&self) -> Option<&Type> {
        match self {
            Reply::None => None,
            Reply::Returned(ty) | Reply::Through(ty) => Some(ty),
        }
    }
}

/// A lifecycle hook written in the block.
struct Hook {
    kind: HookKind,
    span: Span,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HookKind {
    Started,
    Stopped,
    OnExit,
    OnDown,
    ShutdownRequested,
}

impl HookKind {
    fn from_name(name: &str) -> Option<Self> {
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

// ---- parsing and checks --------------------------------------------------

fn parse_block(cx: &Ctxt, item: &ItemImpl) -> Option<Block> {
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
    };
    for impl_item in &item.items {
        let ImplItem::Fn(method) = impl_item else {
            continue;
        };
        let name = method.sig.ident.to_string();
        if let Some(kind) = HookKind::from_name(&name) {
            block.hooks.push(Hook {
                kind,
                span: method.sig.span(),
            });
        } else if !matches!(method.vis, Visibility::Inherited)
            && method.sig.receiver().is_some()
            && let Some(handler) = parse_handler(cx, &block, method)
        {
            block.handlers.push(handler);
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
        docs: method
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .cloned()
            .collect(),
        cfgs: method
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("cfg"))
            .cloned()
            .collect(),
        params,
        args,
        reply,
        span: sig.span(),
    })
}

/// Two handlers may not make one variant or one handle method. Returns the
/// handlers refused (by index).
fn check_names(cx: &Ctxt, block: &Block) -> Vec<usize> {
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

enum Kind {
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

/// A message outlives the handler call that sent it: what it carries must
/// be `'static`. Records an error at each borrow.
fn check_static(cx: &Ctxt, ty: &Type, what: &str) -> bool {
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

/// `Self` means the actor in the block, but the enum or the handle in the
/// generated items: spell it out.
struct ReplaceSelf<'a>(&'a Type);

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

// ---- expansion -----------------------------------------------------------

pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    if !args.is_empty() {
        cx.error_spanned_by(&args, "`#[handlers]` takes no options");
    }
    let item = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Impl(item)) => item,
        Ok(other) => {
            cx.error_spanned_by(
                item_head(&other),
                "`#[handlers]` goes on an inherent `impl` block of an actor: `#[handlers] impl Counter { .. }`",
            );
            let errors = cx.check();
            return quote!(#other #errors);
        }
        Err(error) => {
            cx.syn_error(error);
            let errors = cx.check();
            return quote!(#input #errors);
        }
    };
    let generated = match parse_block(&cx, &item) {
        Some(block) => generate(&block),
        None => stub(&item),
    };
    let errors = cx.check();
    quote! {
        #item
        #generated
        #errors
    }
}

/// For a block we refused: the type still counts as having handlers, so
/// its `#[actor]` does not add a second error about a missing block.
fn stub(item: &ItemImpl) -> TokenStream {
    let self_ty = &item.self_ty;
    if !matches!(&**self_ty, Type::Path(_)) {
        // Not a type an `#[actor]` could be on (and a foreign one would
        // make this impl an orphan).
        return TokenStream::new();
    }
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    quote! {
        impl #impl_generics ::foundation::__private::HasHandlers for #self_ty #where_clause {
            const HANDLERS: &'static [::foundation::__private::HandlerInfo] = &[];
        }
    }
}

/// The part of an item an error about the whole item points at.
fn item_head(item: &syn::Item) -> TokenStream {
    match item {
        syn::Item::Fn(f) => f.sig.to_token_stream(),
        syn::Item::Struct(s) => {
            let (token, ident) = (&s.struct_token, &s.ident);
            quote!(#token #ident)
        }
        syn::Item::Enum(e) => {
            let (token, ident) = (&e.enum_token, &e.ident);
            quote!(#token #ident)
        }
        syn::Item::Trait(t) => {
            let (token, ident) = (&t.trait_token, &t.ident);
            quote!(#token #ident)
        }
        other => other.to_token_stream(),
    }
}

fn generate(block: &Block) -> TokenStream {
    let self_ty = &block.self_ty;
    let msg = format_ident!("{}Msg", block.type_ident);
    let ext = format_ident!("{}Ext", block.type_ident);
    let (impl_generics, ty_generics, where_clause) = block.generics.split_for_impl();
    let generic_params: Vec<_> = block.generics.type_params().map(|p| &p.ident).collect();
    let generic = !generic_params.is_empty() || block.generics.const_params().next().is_some();
    let msg_ty = quote!(#msg #ty_generics);
    let actor_doc = format!(
        "The messages of [`{}`], one variant per handler (generated by `#[handlers]`).",
        block.type_ident
    );
    let ext_doc = format!(
        "The handlers of [`{0}`] as methods of its [`ActorRef`](::foundation::ActorRef) (generated by `#[handlers]`): a handler returning nothing is a send, one returning a value is a call.",
        block.type_ident
    );
    let enum_params = &block.generics.params;
    let enum_where = &block.generics.where_clause;

    // The enum.
    let variants = block.handlers.iter().map(|h| {
        let (variant, docs, cfgs) = (&h.variant, &h.docs, &h.cfgs);
        let mut types: Vec<TokenStream> =
            h.args.iter().map(|(_, ty)| ty.to_token_stream()).collect();
        if let Some(reply) = h.reply.ty() {
            types.push(quote!(::foundation::ReplyTo<#reply>));
        }
        // A handler without arguments is a unit variant.
        let fields = (!types.is_empty()).then(|| quote!((#(#types),*)));
        let handler_doc = format!("Handled by [`{}::{}`].", block.type_ident, h.ident);
        let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
        quote! {
            #(#cfgs)*
            #(#docs)*
            #separator
            #[doc = #handler_doc]
            #variant #fields
        }
    });
    let phantom = generic.then(|| {
        quote! {
            #[doc(hidden)]
            __Phantom(
                ::foundation::__private::core::marker::PhantomData<fn() -> (#(#generic_params,)*)>,
                ::foundation::__private::core::convert::Infallible,
            ),
        }
    });
    let phantom_arm = generic.then(|| quote!(#msg::__Phantom(_, never) => match never {},));

    // Debug: the variant's name (argument types need not be Debug).
    let debug_arms = block.handlers.iter().map(|h| {
        let (variant, cfgs) = (&h.variant, &h.cfgs);
        let text = format!("{msg}::{variant}(..)");
        quote!(#(#cfgs)* #msg::#variant { .. } => #text,)
    });
    let kind_arms = block.handlers.iter().map(|h| {
        let (variant, cfgs) = (&h.variant, &h.cfgs);
        let text = h.ident.to_string();
        quote!(#(#cfgs)* #msg::#variant { .. } => #text,)
    });

    // Dispatch.
    let dispatch_arms = block.handlers.iter().map(|h| {
        let (variant, ident, cfgs) = (&h.variant, &h.ident, &h.cfgs);
        let bindings: Vec<Ident> = (0..h.args.len())
            .map(|i| format_ident!("__arg{}", i))
            .collect();
        let reply = format_ident!("__reply");
        let mut pattern = bindings.clone();
        if h.reply.ty().is_some() {
            pattern.push(reply.clone());
        }
        let call_args = h.params.iter().map(|p| match p {
            Param::Arg(i) => bindings[*i].to_token_stream(),
            Param::Context => quote!(ctx),
            Param::ReplyTo => reply.to_token_stream(),
        });
        let call = quote_spanned!(h.span=> <#self_ty>::#ident(self, #(#call_args),*));
        let body = match &h.reply {
            Reply::None | Reply::Through(_) => quote!({ #call; }),
            Reply::Returned(_) => quote!({
                let __value = #call;
                ::foundation::__private::answer(#reply, __value);
            }),
        };
        let pattern = (!pattern.is_empty()).then(|| quote!((#(#pattern),*)));
        quote!(#(#cfgs)* #msg::#variant #pattern => #body)
    });

    let hooks = block.hooks.iter().map(|hook| {
        let span = hook.span;
        match hook.kind {
            HookKind::Started => quote_spanned! {span=>
                fn started(&mut self, ctx: &mut ::foundation::Context<Self>) {
                    <#self_ty>::started(self, ctx)
                }
            },
            HookKind::Stopped => quote_spanned! {span=>
                fn stopped(&mut self, reason: &::foundation::ExitReason) {
                    <#self_ty>::stopped(self, reason)
                }
            },
            HookKind::OnExit => quote_spanned! {span=>
                fn on_exit(
                    &mut self,
                    from: ::foundation::Pid,
                    reason: ::foundation::ExitReason,
                    ctx: &mut ::foundation::Context<Self>,
                ) {
                    <#self_ty>::on_exit(self, from, reason, ctx)
                }
            },
            HookKind::OnDown => quote_spanned! {span=>
                fn on_down(&mut self, down: ::foundation::Down, ctx: &mut ::foundation::Context<Self>) {
                    <#self_ty>::on_down(self, down, ctx)
                }
            },
            HookKind::ShutdownRequested => quote_spanned! {span=>
                fn shutdown_requested(&mut self, ctx: &mut ::foundation::Context<Self>) {
                    <#self_ty>::shutdown_requested(self, ctx)
                }
            },
        }
    });

    // The declared options come from `#[actor]`: a missing one is an error
    // at this bound, in plain words (see `Declared`).
    let mut actor_where = block
        .generics
        .where_clause
        .clone()
        .unwrap_or_else(|| syn::WhereClause {
            where_token: Default::default(),
            predicates: Default::default(),
        });
    let declared_span = block.type_ident.span();
    actor_where.predicates.push(
        syn::parse_quote_spanned!(declared_span=> #self_ty: ::foundation::__private::Declared),
    );

    let handler_infos: Vec<TokenStream> = block
        .handlers
        .iter()
        .map(|h| {
            let name = h.ident.to_string();
            let cfgs = &h.cfgs;
            let kind = if h.reply.ty().is_some() {
                quote!(::foundation::__private::HandlerKind::Call)
            } else {
                quote!(::foundation::__private::HandlerKind::Send)
            };
            quote!(#(#cfgs)* ::foundation::__private::HandlerInfo { name: #name, kind: #kind },)
        })
        .collect();
    let generic_registration = generic.then(|| {
        let type_path = registration_path(block);
        quote! {
            const _: () = {
                ::foundation::__private::inventory::submit! {
                    ::foundation::__private::GenericHandlers {
                        type_path: #type_path,
                        handlers: &[#(#handler_infos)*],
                    }
                }
            };
        }
    });

    // From<T> for the unique single argument types.
    let froms = block.handlers.iter().filter_map(|h| {
        if !matches!(h.reply, Reply::None) || h.args.len() != 1 {
            return None;
        }
        let ty = &h.args[0].1;
        let key = ty.to_token_stream().to_string();
        let same = block
            .handlers
            .iter()
            .filter(|o| o.args.len() == 1 && o.args[0].1.to_token_stream().to_string() == key)
            .count();
        let bare_param = matches!(ty, Type::Path(p) if p.qself.is_none()
            && generic_params.iter().any(|g| p.path.is_ident(*g)));
        if same != 1 || bare_param {
            return None;
        }
        let (variant, cfgs) = (&h.variant, &h.cfgs);
        Some(quote! {
            #(#cfgs)*
            #[automatically_derived]
            impl #impl_generics ::foundation::__private::core::convert::From<#ty> for #msg_ty #where_clause {
                #[inline]
                fn from(value: #ty) -> Self {
                    #msg::#variant(value)
                }
            }
        })
    });

    // The handle's methods.
    let mut ext_generics = block.generics.clone();
    ext_generics
        .params
        .push(syn::parse_quote!(__FoundationActor: ::foundation::Actor<Msg = #msg_ty>));
    let ext_impl_params = &ext_generics.params;
    let ext_where = &ext_generics.where_clause;
    let ext_sigs: Vec<(TokenStream, TokenStream)> = block
        .handlers
        .iter()
        .map(|h| ext_methods(h, &msg, &msg_ty))
        .collect();
    let ext_decls = ext_sigs.iter().map(|(decl, _)| decl);
    let ext_defs = ext_sigs.iter().map(|(_, def)| def);

    quote! {
        #[doc = #actor_doc]
        #[allow(private_interfaces, private_bounds, dead_code)]
        pub enum #msg <#enum_params> #enum_where {
            #(#variants,)*
            #phantom
        }

        #[automatically_derived]
        impl #impl_generics ::foundation::__private::core::fmt::Debug for #msg_ty #where_clause {
            #[allow(unreachable_code)]
            fn fmt(&self, f: &mut ::foundation::__private::core::fmt::Formatter<'_>) -> ::foundation::__private::core::fmt::Result {
                let variant: &str = match *self {
                    #(#debug_arms)*
                    #phantom_arm
                };
                f.write_str(variant)
            }
        }

        #(#froms)*

        #[automatically_derived]
        impl #impl_generics ::foundation::Actor for #self_ty #actor_where {
            type Msg = #msg_ty;

            fn handle(&mut self, msg: Self::Msg, ctx: &mut ::foundation::Context<Self>) {
                let _ = &ctx;
                match msg {
                    #(#dispatch_arms)*
                    #phantom_arm
                }
            }

            fn message_kind(msg: &Self::Msg) -> &'static str {
                match *msg {
                    #(#kind_arms)*
                    #phantom_arm
                }
            }

            fn options() -> ::foundation::ActorOptions {
                <Self as ::foundation::__private::Declared>::OPTIONS.to_actor_options()
            }

            fn restart() -> ::foundation::Restart {
                <Self as ::foundation::__private::Declared>::OPTIONS.restart
            }

            #(#hooks)*
        }

        #[automatically_derived]
        impl #impl_generics ::foundation::__private::HasHandlers for #self_ty #where_clause {
            const HANDLERS: &'static [::foundation::__private::HandlerInfo] = &[#(#handler_infos)*];
        }

        #generic_registration

        #[doc = #ext_doc]
        #[allow(private_interfaces, private_bounds, dead_code)]
        pub trait #ext <#enum_params> #enum_where {
            #(#ext_decls)*
        }

        // For any actor whose messages these are — that is, this one — so
        // that a missing `#[actor]` is one error (at the `Actor` impl) and
        // not one more here.
        #[automatically_derived]
        impl <#ext_impl_params> #ext #ty_generics for ::foundation::ActorRef<__FoundationActor> #ext_where {
            #(#ext_defs)*
        }
    }
}

/// `module_path!()::Name` for a type named by a bare identifier; the path
/// as written otherwise (`crate::` made the crate's name).
fn registration_path(block: &Block) -> TokenStream {
    let Type::Path(path) = &block.self_ty else {
        unreachable!("checked in parse_block")
    };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let name = block.type_ident.to_string();
    match segments.first().map(String::as_str) {
        Some("crate") if segments.len() > 1 => {
            let rest = segments[1..].join("::");
            quote!(
                ::foundation::__private::core::concat!(::foundation::__private::core::env!("CARGO_CRATE_NAME"), "::", #rest)
            )
        }
        Some("self") if segments.len() == 2 || segments.len() == 1 => {
            quote!(
                ::foundation::__private::core::concat!(::foundation::__private::core::module_path!(), "::", #name)
            )
        }
        _ if segments.len() == 1 => {
            quote!(
                ::foundation::__private::core::concat!(::foundation::__private::core::module_path!(), "::", #name)
            )
        }
        _ => {
            let written = segments.join("::");
            quote!(#written)
        }
    }
}

/// A handler's methods on the handle: declarations and definitions.
fn ext_methods(h: &Handler, msg: &Ident, msg_ty: &TokenStream) -> (TokenStream, TokenStream) {
    let (ident, variant, docs, cfgs) = (&h.ident, &h.variant, &h.docs, &h.cfgs);
    let names: Vec<&Ident> = h.args.iter().map(|(n, _)| n).collect();
    let types: Vec<&Type> = h.args.iter().map(|(_, t)| t).collect();
    let params = quote!(#(#names: #types),*);
    let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
    let result = quote!(::foundation::__private::core::result::Result);
    let Some(reply) = h.reply.ty() else {
        let fields = (!names.is_empty()).then(|| quote!((#(#names),*)));
        let doc = format!(
            "Sends [`{msg}::{variant}`] without waiting.\n\n# Errors\n\nThe message comes back in a [`SendError`](::foundation::SendError) if the actor has stopped."
        );
        let sig =
            quote!(fn #ident(&self, #params) -> #result<(), ::foundation::SendError<#msg_ty>>);
        let decl = quote!(#(#cfgs)* #(#docs)* #separator #[doc = #doc] #sig;);
        let def = quote! {
            #(#cfgs)*
            #[inline]
            #sig {
                ::foundation::ActorRef::send(self, #msg::#variant #fields)
            }
        };
        return (decl, def);
    };
    let timeout_ident = format_ident!("{}_timeout", ident);
    let async_ident = format_ident!("{}_async", ident);
    let make = quote!(|__reply| #msg::#variant(#(#names,)* __reply));
    let doc = format!(
        "Calls [`{msg}::{variant}`] and waits for the answer, at most [`DEFAULT_CALL_TIMEOUT`](::foundation::DEFAULT_CALL_TIMEOUT) (see `{ident}_timeout` and `{ident}_async`). From plain threads and blocking actors; a handler uses `ctx.request`.\n\n# Errors\n\nA [`CallError`](::foundation::CallError) if the actor has stopped, panics on it, drops it, or the time runs out — apart from whatever the handler itself answers."
    );
    let timeout_doc = format!("As [`{ident}`](Self::{ident}), waiting at most `timeout`.");
    let async_doc = format!(
        "As [`{ident}`](Self::{ident}), as a future (any async runtime); the timeout is [`DEFAULT_CALL_TIMEOUT`](::foundation::DEFAULT_CALL_TIMEOUT) on the node's clock."
    );
    let duration = quote!(::foundation::__private::core::time::Duration);
    let sig = quote!(fn #ident(&self, #params) -> #result<#reply, ::foundation::CallError>);
    let comma = (!names.is_empty()).then(|| quote!(,));
    let timeout_sig = quote!(fn #timeout_ident(&self, #params #comma timeout: #duration) -> #result<#reply, ::foundation::CallError>);
    let async_sig = quote!(fn #async_ident(&self, #params) -> ::foundation::CallFuture<#reply>);
    let decl = quote! {
        #(#cfgs)* #(#docs)* #separator #[doc = #doc] #sig;
        #(#cfgs)* #[doc = #timeout_doc] #timeout_sig;
        #(#cfgs)* #[doc = #async_doc] #async_sig;
    };
    let def = quote! {
        #(#cfgs)*
        #[inline]
        #sig {
            ::foundation::ActorRef::call(self, #make, ::foundation::DEFAULT_CALL_TIMEOUT)
        }
        #(#cfgs)*
        #[inline]
        #timeout_sig {
            ::foundation::ActorRef::call(self, #make, timeout)
        }
        #(#cfgs)*
        #[inline]
        #async_sig {
            ::foundation::ActorRef::call_async(self, #make, ::foundation::DEFAULT_CALL_TIMEOUT)
        }
    };
    (decl, def)
}
