//! From the model to code: the struct as a typed handle (one field per
//! member), its `DeclaredEcosystem` impl (the spec, the handle made from
//! an `Ecosystem`), inherent methods, and the registration for
//! introspection.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::*;

pub(super) fn generate(target: &Target, options: &Options) -> TokenStream {
    let Target {
        attrs, vis, ident, ..
    } = target;
    let coordinator_ty = &target.coordinator().ty;
    let workers = target.workers();
    let worker_ty = &workers.ty;
    let eco_ty = quote!(::foundation::Ecosystem<#coordinator_ty, #worker_ty>);
    let name = options
        .name
        .as_ref()
        .map_or_else(|| ident.to_string(), syn::LitStr::value);

    // The handle's fields, each typed by its role.
    let fields = target.members.iter().map(|m| {
        let Member {
            attrs,
            vis,
            ident,
            ty,
            ..
        } = m;
        let handle = match m.role {
            Role::Coordinator | Role::Child => {
                quote_spanned!(ty.span()=> ::foundation::ActorRef<#ty>)
            }
            Role::Workers { .. } => quote_spanned!(ty.span()=> ::foundation::WorkerPool<#ty>),
            Role::Nested => quote!(#ty),
        };
        // A member the program never reads through the handle is no
        // mistake: it is declared to be started.
        quote!(#(#attrs)* #[allow(dead_code)] #vis #ident: #handle)
    });

    // A nested member's type is checked where it is written (an actor
    // member's is, by the `ActorRef` or `WorkerPool` of its field).
    let assertions = target.members.iter().filter_map(|m| {
        let ty = &m.ty;
        matches!(m.role, Role::Nested).then(
            || quote_spanned!(ty.span()=> ::foundation::__private::assert_ecosystem::<#ty>();),
        )
    });

    let make = |m: &Member| match &m.factory {
        Some(factory) => quote!(#factory),
        None => {
            let ty = &m.ty;
            quote_spanned!(ty.span()=> <#ty as ::foundation::__private::DefaultMember>::make)
        }
    };
    let coordinator_make = match &target.coordinator().factory {
        Some(factory) => quote!(#factory),
        None => {
            let ty = coordinator_ty;
            quote_spanned!(ty.span()=> |_| <#ty as ::foundation::__private::DefaultMember>::make())
        }
    };
    let Role::Workers {
        count,
        route,
        route_name: _,
        ref key,
    } = workers.role
    else {
        unreachable!("checked: the pool")
    };
    let worker_make = make(workers);
    let routing = match route {
        Route::RoundRobin => quote!(::foundation::Routing::round_robin()),
        Route::LeastLoaded => quote!(::foundation::Routing::least_loaded()),
        Route::Broadcast => quote!(::foundation::Routing::broadcast()),
        Route::KeyHash => quote!(::foundation::Routing::key_hash(#key)),
    };
    let (strategy, strategy_name) = match options.strategy {
        Some((s, name, span)) => (
            match s {
                Strategy::OneForOne => quote_spanned!(span=> ::foundation::Strategy::OneForOne),
                Strategy::OneForAll => quote_spanned!(span=> ::foundation::Strategy::OneForAll),
                Strategy::RestForOne => quote_spanned!(span=> ::foundation::Strategy::RestForOne),
            },
            name,
        ),
        None => (quote!(::foundation::Strategy::OneForOne), "one_for_one"),
    };
    let max_restarts = options.max_restarts.unwrap_or(3);
    let within = options.within.unwrap_or(5_000_000_000);

    let extras = target.members.iter().filter_map(|m| {
        let ty = &m.ty;
        let id = m.ident.to_string();
        match m.role {
            Role::Child => {
                let factory = make(m);
                Some(quote_spanned!(ty.span()=> let spec = spec.child(::foundation::ChildSpec::new(#id, #factory));))
            }
            Role::Nested => Some(quote_spanned!(ty.span()=>
                let spec = spec.nested(<#ty as ::foundation::DeclaredEcosystem>::spec());
            )),
            _ => None,
        }
    });

    let resolve = target.members.iter().map(|m| {
        let (field, ty) = (&m.ident, &m.ty);
        let id = field.to_string();
        match m.role {
            Role::Coordinator => quote_spanned!(ty.span()=> #field: ecosystem.child::<#ty>("coordinator")?),
            Role::Workers { .. } => quote!(#field: ecosystem.pool()),
            Role::Child => quote_spanned!(ty.span()=> #field: ecosystem.child::<#ty>(#id)?),
            Role::Nested => quote_spanned!(ty.span()=> #field: <#ty as ::foundation::DeclaredEcosystem>::from_ecosystem(
                &ecosystem.nested::<
                    <#ty as ::foundation::DeclaredEcosystem>::Coordinator,
                    <#ty as ::foundation::DeclaredEcosystem>::Worker,
                >(<#ty as ::foundation::DeclaredEcosystem>::NAME)?,
            )?),
        }
    });

    let type_name = ident.to_string();
    let decls = target.members.iter().map(|m| {
        let field = m.ident.to_string();
        let ty = &m.ty;
        let written = quote!(#ty).to_string().replace(' ', "");
        let (role, count, route) = match m.role {
            Role::Coordinator => ("coordinator", 0, ""),
            Role::Workers {
                count, route_name, ..
            } => ("workers", count, route_name),
            Role::Child => ("child", 0, ""),
            Role::Nested => ("nested", 0, ""),
        };
        quote! {
            ::foundation::introspect::MemberDecl {
                field: #field,
                role: #role,
                type_name: #written,
                count: #count,
                route: #route,
            }
        }
    });

    quote! {
        #(#attrs)*
        #vis struct #ident {
            #(#fields,)*
            __ecosystem: #eco_ty,
        }

        const _: () = {
            #(#assertions)*
        };

        #[automatically_derived]
        impl ::foundation::DeclaredEcosystem for #ident {
            type Coordinator = #coordinator_ty;
            type Worker = #worker_ty;
            const NAME: &'static str = #name;

            fn spec() -> ::foundation::EcosystemSpec<#coordinator_ty, #worker_ty> {
                let spec = ::foundation::EcosystemSpec::new(#name, #coordinator_make)
                    .workers(#count, #worker_make)
                    .routing(#routing)
                    .strategy(#strategy)
                    .intensity(#max_restarts, ::foundation::__private::core::time::Duration::from_nanos(#within));
                #(#extras)*
                spec
            }

            fn from_ecosystem(ecosystem: &#eco_ty) -> ::foundation::__private::core::option::Option<Self> {
                ::foundation::__private::core::option::Option::Some(#ident {
                    #(#resolve,)*
                    __ecosystem: ::foundation::__private::core::clone::Clone::clone(ecosystem),
                })
            }

            fn ecosystem(&self) -> &#eco_ty {
                &self.__ecosystem
            }
        }

        #[automatically_derived]
        impl #ident {
            /// The ecosystem's registered name.
            #vis const NAME: &'static str = #name;

            /// Starts the ecosystem on `node` and returns its typed handle
            /// once every member has started (`foundation::spawn_ecosystem`).
            #vis fn spawn(node: &::foundation::Node) -> ::foundation::__private::core::result::Result<Self, ::foundation::EcosystemError> {
                <Self as ::foundation::DeclaredEcosystem>::spawn(node)
            }

            /// The ecosystem as a child of a larger supervision tree
            /// (`foundation::ecosystem_supervisor`).
            #vis fn child_spec() -> ::foundation::ChildSpec {
                <Self as ::foundation::DeclaredEcosystem>::child_spec()
            }

            /// The typed handle of the running ecosystem on `node`.
            #vis fn lookup(node: &::foundation::Node) -> ::foundation::__private::core::result::Result<Self, ::foundation::LookupError> {
                <Self as ::foundation::DeclaredEcosystem>::lookup(node)
            }

            /// The typed handle again, its members resolved afresh (after
            /// a restart of the whole ecosystem).
            #vis fn refresh(&self) -> ::foundation::__private::core::option::Option<Self> {
                <Self as ::foundation::DeclaredEcosystem>::refresh(self)
            }

            /// The ecosystem's health (`foundation::ecosystem_health`).
            #vis fn health(&self) -> ::foundation::EcosystemHealth {
                <Self as ::foundation::DeclaredEcosystem>::health(self)
            }

            /// The untyped handle: adding and removing workers, routing.
            #vis fn ecosystem(&self) -> &#eco_ty {
                &self.__ecosystem
            }

            /// Stops the ecosystem (members in reverse start order).
            #vis fn stop(&self) {
                self.__ecosystem.stop()
            }
        }

        const _: () = {
            ::foundation::__private::inventory::submit! {
                ::foundation::__private::EcosystemRegistration {
                    type_name: #type_name,
                    type_path: ::foundation::__private::core::concat!(::foundation::__private::core::module_path!(), "::", #type_name),
                    name: #name,
                    strategy: #strategy_name,
                    members: &[#(#decls),*],
                }
            }
        };
    }
}

/// The struct as written, its member attributes removed (emitted when
/// there are errors, so that they are the only ones).
pub(super) fn stripped(item: &syn::Item) -> TokenStream {
    let syn::Item::Struct(s) = item else {
        return quote!(#item);
    };
    let mut s = s.clone();
    s.attrs.retain(|a| !a.path().is_ident("ecosystem"));
    for field in s.fields.iter_mut() {
        field.attrs.retain(|a| {
            !["coordinator", "workers", "child", "nested"]
                .iter()
                .any(|n| a.path().is_ident(n))
        });
    }
    quote!(#s)
}
