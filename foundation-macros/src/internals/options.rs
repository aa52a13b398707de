//! Reading attribute options: what every macro's parser shares (the
//! key as written, a string value, skipping a rejected value).

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::{Expr, LitStr};

use super::ctxt::Ctxt;

/// The option's key, as written (a path is joined without spaces).
pub fn key_of(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| {
            let path = &meta.path;
            quote!(#path).to_string().replace(' ', "")
        })
}

/// `key = "string"`; anything else is recorded as an error (and skipped).
pub fn string_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    if !meta.input.peek(syn::Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` needs a value, a string literal: {example}"),
        );
        return skip_value(meta).map(|()| None);
    }
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Ok(Some(lit)),
        other => {
            cx.error_spanned_by(&other, format!("`{key}` takes a string literal: {example}"));
            Ok(None)
        }
    }
}

/// Consumes whatever value follows an option we reject, so parsing goes on
/// to the next option.
pub fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
        let _: TokenStream = _content.parse()?;
    }
    Ok(())
}
