//! What both macros share: the error collector, and how an error about a
//! whole item points at its head.

pub mod ctxt;
pub mod options;

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// The part of an item an error about the whole item points at.
pub fn item_head(item: &syn::Item) -> TokenStream {
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
