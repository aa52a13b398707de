//! `#[derive(MessageSize)]`: the input is read into a model (`model.rs`,
//! checked as it is read: no unions, only `#[message_size(skip)]` on
//! fields), then generated (`generate.rs`): an `add_heap` that adds up each
//! field's, with a `MessageSize` bound on every type parameter.

mod generate;
mod model;

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::internals::ctxt::Ctxt;

pub fn expand(input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let generated = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => model::Container::read(&cx, &input).map(|c| generate::generate(&c)),
        Err(error) => {
            cx.syn_error(error);
            None
        }
    };
    let errors = cx.check();
    quote! {
        #generated
        #errors
    }
}
