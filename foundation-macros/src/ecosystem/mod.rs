//! `#[ecosystem(...)]`: the entry point. The options and members are
//! parsed into a model (`model.rs`, `parse.rs`), checked across members
//! (`check.rs`), then generated (`generate.rs`).

mod check;
mod generate;
mod model;
mod parse;

use proc_macro2::TokenStream;
use quote::quote;
use syn::Item;

use crate::internals::ctxt::Ctxt;
use generate::{generate, stripped};
use parse::{parse_options, parse_target};

pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let options = parse_options(&cx, args);
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(item) => item,
        Err(error) => {
            cx.syn_error(error);
            let errors = cx.check();
            return quote!(#input #errors);
        }
    };
    let target = parse_target(&cx, &item).filter(|target| check::check(&cx, target));
    let errors = cx.check();
    match target {
        Some(target) if errors.is_empty() => generate(&target, &options),
        _ => {
            let item = stripped(&item);
            quote! {
                #item
                #errors
            }
        }
    }
}
