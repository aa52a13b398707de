//! The derive's output: `impl MessageSize`, each field's `add_heap` in turn.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::{Container, Field, Shape, Style};

pub(super) fn generate(container: &Container<'_>) -> TokenStream {
    let ident = container.ident;
    let mut generics = container.generics.clone();
    // Every type parameter must say its size.
    let params: Vec<_> = generics.type_params().map(|p| p.ident.clone()).collect();
    {
        let where_clause = generics.make_where_clause();
        for param in params {
            where_clause
                .predicates
                .push(syn::parse_quote!(#param: ::foundation::MessageSize));
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let body = match &container.shape {
        Shape::Struct(fields) => {
            let bindings = fields.iter().enumerate().map(|(i, f)| binding(i, f));
            let members = fields.iter().map(|f| &f.member);
            let measures = fields.iter().enumerate().map(|(i, f)| measure(i, f));
            quote! {
                let Self { #(#members: #bindings,)* } = self;
                #(#measures)*
            }
        }
        Shape::Enum(variants) => {
            let arms = variants.iter().map(|v| {
                let variant = v.ident;
                let bindings: Vec<_> = v
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| binding(i, f))
                    .collect();
                let measures = v.fields.iter().enumerate().map(|(i, f)| measure(i, f));
                let pattern = match v.style {
                    Style::Named => {
                        let members = v.fields.iter().map(|f| &f.member);
                        quote!(Self::#variant { #(#members: #bindings,)* })
                    }
                    Style::Unnamed => quote!(Self::#variant(#(#bindings,)*)),
                    Style::Unit => quote!(Self::#variant),
                };
                quote!(#pattern => { #(#measures)* })
            });
            quote! {
                #[allow(unreachable_code)]
                match self {
                    #(#arms)*
                }
            }
        }
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics ::foundation::MessageSize for #ident #ty_generics #where_clause {
            #[allow(unused_variables)]
            fn add_heap(&self, sizes: &mut ::foundation::Sizes) {
                #body
            }
        }
    }
}

/// The name a field is bound to (`_` for a skipped one).
fn binding(i: usize, field: &Field<'_>) -> TokenStream {
    if field.skip {
        quote!(_)
    } else {
        let name = format_ident!("__field{}", i);
        quote!(#name)
    }
}

/// The field's measure, spanned at its type (so that a type without
/// `MessageSize` is reported where it is written).
fn measure(i: usize, field: &Field<'_>) -> TokenStream {
    if field.skip {
        return TokenStream::new();
    }
    let name = format_ident!("__field{}", i);
    let ty = field.ty;
    quote_spanned!(ty.span()=> <#ty as ::foundation::MessageSize>::add_heap(#name, sizes);)
}
