//! `#[handlers]` refuses a handler named like a method of `ActorRef` (the
//! inherent method would win, and the generated one could never be
//! called). Its list of those names is written by hand in
//! `src/handlers/check.rs`; this test reads the runtime's source and checks
//! the list against `ActorRef`'s real methods, so a method added to
//! `ActorRef` cannot silently become a handler name nobody can call.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The public inherent methods of `ActorRef`, and the methods of the traits
/// it implements that are in every prelude (`Clone`), across the runtime's
/// source files.
#[derive(Default)]
struct Methods(BTreeSet<String>);

impl<'ast> Visit<'ast> for Methods {
    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let syn::Type::Path(ty) = &*item.self_ty else {
            return;
        };
        if ty
            .path
            .segments
            .last()
            .is_none_or(|s| s.ident != "ActorRef")
        {
            return;
        }
        let prelude_trait = item
            .trait_
            .as_ref()
            .map(|(_, path, _)| path.segments.last().is_some_and(|s| s.ident == "Clone"));
        for member in &item.items {
            if let syn::ImplItem::Fn(f) = member {
                let public = matches!(f.vis, syn::Visibility::Public(_));
                match prelude_trait {
                    None if public => {
                        self.0.insert(f.sig.ident.to_string());
                    }
                    Some(true) => {
                        self.0.insert(f.sig.ident.to_string());
                    }
                    _ => {}
                }
            }
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals of `const ACTOR_REF_METHODS` in the macro crate.
fn listed() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/handlers/check.rs");
    let file = syn::parse_file(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for item in file.items {
        if let syn::Item::Const(c) = item
            && c.ident == "ACTOR_REF_METHODS"
        {
            let syn::Expr::Reference(r) = *c.expr else {
                panic!("ACTOR_REF_METHODS is `&[...]`")
            };
            let syn::Expr::Array(array) = *r.expr else {
                panic!("ACTOR_REF_METHODS is `&[...]`")
            };
            return array
                .elems
                .iter()
                .map(|e| match e {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => s.value(),
                    other => panic!("not a string literal: {}", quote::quote!(#other)),
                })
                .collect();
        }
    }
    panic!("no ACTOR_REF_METHODS in {}", path.display());
}

#[test]
fn the_reserved_handler_names_are_exactly_actor_refs_methods() {
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../foundation/src");
    let mut files = Vec::new();
    rust_files(&runtime, &mut files);
    let mut methods = Methods::default();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let file = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        methods.visit_file(&file);
    }
    assert!(
        methods.0.contains("send") && methods.0.contains("call"),
        "found ActorRef's methods: {:?}",
        methods.0
    );
    let listed = listed();
    let missing: Vec<_> = methods.0.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&methods.0).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "ACTOR_REF_METHODS (src/handlers/check.rs) is out of date: add {missing:?}, remove {stale:?}"
    );
}
