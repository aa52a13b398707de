//! `#[actor(...)]`: the entry point. The options are parsed and checked
//! into a model (`model.rs`, `parse.rs`), then generated (`generate.rs`).

mod generate;
mod model;
mod parse;

use proc_macro2::TokenStream;
use quote::quote;
use syn::Item;

use crate::internals::ctxt::Ctxt;
use crate::internals::item_head;
use generate::{declared_impl, generate};
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
    if let Item::Impl(block) = &item
        && block.trait_.is_none()
        && matches!(&*block.self_ty, syn::Type::Path(_))
    {
        // Put on the handlers' block instead of the type: say so, and
        // expand what was meant (the block's handlers, the type declared
        // with these options) so that this is the only error.
        cx.error_spanned_by(
            item_head(&item),
            format!(
                "`#[actor]` goes on the declaration of the type (`#[actor] struct {} {{ .. }}`); an `impl` block of handlers takes `#[handlers]`",
                type_name(&block.self_ty)
            ),
        );
        let handlers = crate::handlers::expand(TokenStream::new(), input);
        let declared = declared_impl(block, &options);
        let errors = cx.check();
        return quote! {
            #handlers
            #declared
            #errors
        };
    }
    let generated = parse_target(&cx, &item).map(|target| generate(&target, &options));
    let errors = cx.check();
    quote! {
        #item
        #generated
        #errors
    }
}

/// The type's last path segment, as written (`Counter`).
fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}
