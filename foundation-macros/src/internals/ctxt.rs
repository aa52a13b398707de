//! Collects every error of one macro invocation, so the user sees them all
//! in one build rather than one per build.

use std::cell::RefCell;

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

/// An error collector. It must be [`Ctxt::check`]ed: dropping it unchecked
/// would lose errors, so it panics (a bug in this crate, never in user code).
pub struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error at `tokens`' span.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, tokens: T, message: M) {
        self.syn_error(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    /// Records a parse error.
    pub fn syn_error(&self, error: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("Ctxt used after check")
            .push(error);
    }

    /// The recorded errors as `compile_error!` invocations (empty if none).
    pub fn check(self) -> TokenStream {
        let errors = self.errors.borrow_mut().take().expect("Ctxt checked twice");
        errors.into_iter().map(|e| e.to_compile_error()).collect()
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("foundation-macros: an error collector was dropped without being checked");
        }
    }
}
