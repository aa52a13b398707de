//! From the options to code: the `Declared` impl that `Actor::options()`
//! reads, and the registration for introspection.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::model::*;

pub(super) fn generate(target: &Target, options: &Options) -> TokenStream {
    let ident = &target.ident;
    let (impl_generics, ty_generics, where_clause) = target.generics.split_for_impl();
    let declared = declared_options(options);
    let name = ident.to_string();
    let generic = target.generics.type_params().next().is_some()
        || target.generics.const_params().next().is_some();
    // A generic actor's handlers register themselves: no `static` can name
    // an instance of the type. A plain one's are read here — which also
    // makes a missing `#[handlers]` block an error at this item.
    let handlers = if generic {
        quote!(::foundation::__private::core::option::Option::None)
    } else {
        quote_spanned! {ident.span()=>
            ::foundation::__private::core::option::Option::Some(
                <#ident as ::foundation::introspect::HasHandlers>::HANDLERS
            )
        }
    };
    let declared_impl = quote! {
        #[automatically_derived]
        impl #impl_generics ::foundation::introspect::Declared for #ident #ty_generics #where_clause {
            const OPTIONS: ::foundation::__private::DeclaredOptions = #declared;
        }
    };
    if target.borrows {
        return declared_impl;
    }
    quote! {
        #declared_impl

        const _: () = {
            ::foundation::__private::inventory::submit! {
                ::foundation::__private::ActorRegistration {
                    name: #name,
                    type_path: ::foundation::__private::core::concat!(::foundation::__private::core::module_path!(), "::", #name),
                    options: #declared,
                    handlers: #handlers,
                    generic: #generic,
                }
            }
        };
    }
}

/// The `Declared` impl alone, for the type of an `impl` block that
/// `#[actor]` was put on by mistake (see `expand`).
pub(super) fn declared_impl(block: &syn::ItemImpl, options: &Options) -> TokenStream {
    let self_ty = &block.self_ty;
    let (impl_generics, _, where_clause) = block.generics.split_for_impl();
    let declared = declared_options(options);
    quote! {
        #[automatically_derived]
        impl #impl_generics ::foundation::introspect::Declared for #self_ty #where_clause {
            const OPTIONS: ::foundation::__private::DeclaredOptions = #declared;
        }
    }
}

fn declared_options(options: &Options) -> TokenStream {
    let name = match &options.name {
        Some(lit) => quote!(::foundation::__private::core::option::Option::Some(#lit)),
        None => quote!(::foundation::__private::core::option::Option::None),
    };
    let restart = match options.restart {
        Some((Restart::Transient, span)) => quote_spanned!(span=> ::foundation::Restart::Transient),
        Some((Restart::Temporary, span)) => quote_spanned!(span=> ::foundation::Restart::Temporary),
        Some((Restart::Permanent, span)) => quote_spanned!(span=> ::foundation::Restart::Permanent),
        None => quote!(::foundation::Restart::Permanent),
    };
    let blocking = options.blocking.unwrap_or(false);
    let trap_exit = options.trap_exit.unwrap_or(false);
    let flow = match options.flow {
        Some((Flow::Manual, span)) => quote_spanned!(span=> ::foundation::Flow::Manual),
        Some((Flow::Automatic, span)) => quote_spanned!(span=> ::foundation::Flow::Automatic),
        Some((Flow::CreditBased, span)) => {
            quote_spanned!(span=> ::foundation::Flow::CreditBased)
        }
        None => quote!(::foundation::Flow::Automatic),
    };
    let mailbox = match options.mailbox {
        Some((n, _)) => quote!(::foundation::__private::core::option::Option::Some(#n)),
        None => quote!(::foundation::__private::core::option::Option::None),
    };
    let some = quote!(::foundation::__private::core::option::Option::Some);
    let none = quote!(::foundation::__private::core::option::Option::None);
    let memory = match options.memory {
        Some((Memory::Shared, span)) => {
            quote_spanned!(span=> ::foundation::memory::MemoryStrategy::Shared)
        }
        Some((Memory::GcOptimized, span)) => {
            quote_spanned!(span=> ::foundation::memory::MemoryStrategy::GcOptimized)
        }
        Some((Memory::Isolated, span)) => {
            quote_spanned!(span=> ::foundation::memory::MemoryStrategy::Isolated)
        }
        None => quote!(::foundation::memory::MemoryStrategy::Isolated),
    };
    let max_heap = match options.max_heap {
        Some((n, _)) => quote!(#some(#n)),
        None => none.clone(),
    };
    let hibernate_after = match options.hibernate_after {
        Some((ms, _)) => quote!(#some(::foundation::__private::Duration::from_millis(#ms))),
        None => none.clone(),
    };
    let hibernate_every = match options.hibernate_every {
        Some((n, _)) => quote!(#some(#n)),
        None => none,
    };
    quote! {
        ::foundation::__private::DeclaredOptions {
            name: #name,
            restart: #restart,
            blocking: #blocking,
            trap_exit: #trap_exit,
            flow: #flow,
            mailbox: #mailbox,
            memory: #memory,
            max_heap: #max_heap,
            hibernate_after: #hibernate_after,
            hibernate_every: #hibernate_every,
        }
    }
}
