//! `#[actor(...)]`: the entry point. The options are parsed and checked
//! into a model (`model.rs`, `parse.rs`), then generated (`generate.rs`).

mod generate;
mod model;
mod parse;

use proc_macro2::TokenStream;
use quote::quote;
use syn::Item;

use crate::internals::ctxt::Ctxt;
use generate::generate;
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
    let generated = parse_target(&cx, &item).map(|target| generate(&target, &options));
    let errors = cx.check();
    quote! {
        #item
        #generated
        #errors
    }
}
