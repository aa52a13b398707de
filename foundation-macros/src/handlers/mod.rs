//! `#[handlers]`: the entry point. The block is parsed into a model
//! (`model.rs`, `parse.rs`), checked (`check.rs`), then generated
//! (`generate.rs`); a refused block still yields the item, its errors, and
//! a stub that keeps one mistake from cascading.

mod check;
mod generate;
mod model;
mod parse;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{ItemImpl, Type};

use crate::internals::ctxt::Ctxt;
use crate::internals::item_head;
use generate::generate;
use parse::parse_block;

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
        impl #impl_generics ::foundation::introspect::HasHandlers for #self_ty #where_clause {
            const HANDLERS: &'static [::foundation::__private::HandlerInfo] = &[];
        }
    }
}
