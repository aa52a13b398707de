//! Parsing the options and the members. Each is checked as it is parsed
//! (unknown or duplicate keys, values outside the allowed ones, each error
//! naming what is allowed); every error is recorded and parsing goes on, so
//! one build shows them all. What spans members (one coordinator, one
//! pool) is in `check.rs`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Expr, Fields, Item, LitStr};

use crate::internals::ctxt::Ctxt;
use crate::internals::options::{key_of, skip_value, string_value};

use super::model::*;

pub(super) fn parse_options(cx: &Ctxt, args: TokenStream) -> Options {
    let mut options = Options::default();
    let mut seen: Vec<String> = Vec::new();
    let parser = syn::meta::parser(|meta| {
        let key = key_of(&meta);
        if seen.contains(&key) {
            cx.error_spanned_by(&meta.path, format!("duplicate option `{key}`"));
            return skip_value(&meta);
        }
        seen.push(key.clone());
        match key.as_str() {
            "name" => {
                if let Some(lit) = string_value(cx, &meta, "name", "`name = \"billing\"`")? {
                    if lit.value().trim().is_empty() {
                        cx.error_spanned_by(&lit, "`name` must not be empty");
                    } else {
                        options.name = Some(lit);
                    }
                }
            }
            "strategy" => {
                let hint = "`strategy = \"one_for_all\"`";
                if let Some(lit) = string_value(cx, &meta, "strategy", hint)? {
                    options.strategy = one_of(cx, &lit, "strategy", STRATEGIES)
                        .map(|(s, name)| (s, name, lit.span()));
                }
            }
            "max_restarts" => {
                if let Some(n) = int_value(cx, &meta, "max_restarts", "`max_restarts = 3`")? {
                    match n.base10_parse::<u32>() {
                        Ok(n) => options.max_restarts = Some(n),
                        Err(_) => cx.error_spanned_by(&n, "`max_restarts` takes 0 to 4294967295"),
                    }
                }
            }
            "within" => {
                let hint = "`within = \"5s\"`";
                if let Some(lit) = string_value(cx, &meta, "within", hint)? {
                    options.within = duration(cx, &lit);
                }
            }
            _ => {
                cx.error_spanned_by(
                    &meta.path,
                    format!("unknown option `{key}`; expected one of: {OPTIONS}"),
                );
                return skip_value(&meta);
            }
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        cx.syn_error(error);
    }
    options
}

/// `"500ms"`, `"5s"`, `"2m"`, `"1h"`: in nanoseconds, more than zero.
fn duration(cx: &Ctxt, lit: &LitStr) -> Option<u64> {
    let text = lit.value();
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    let scale: u64 = match unit {
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => 0,
    };
    match digits.parse::<u64>() {
        Ok(n) if scale != 0 && n > 0 => n.checked_mul(scale).or_else(|| {
            cx.error_spanned_by(lit, "`within` is too long");
            None
        }),
        Ok(0) if scale != 0 => {
            cx.error_spanned_by(
                lit,
                "`within` must be more than zero: no two restarts would fall in an empty window",
            );
            None
        }
        _ => {
            cx.error_spanned_by(
                lit,
                format!(
                    "`within` takes a duration: a whole number and a unit among `ms`, `s`, `m`, `h` (`\"5s\"`, `\"500ms\"`), not `{text:?}`"
                ),
            );
            None
        }
    }
}

/// The value among `choices` that `lit` names; an unknown one is an error
/// listing them.
fn one_of<T: Copy>(
    cx: &Ctxt,
    lit: &LitStr,
    what: &str,
    choices: &[(&'static str, T)],
) -> Option<(T, &'static str)> {
    let value = lit.value();
    if let Some((name, choice)) = choices.iter().find(|(name, _)| *name == value) {
        return Some((*choice, name));
    }
    let allowed: Vec<String> = choices
        .iter()
        .map(|(name, _)| format!("`{name}`"))
        .collect();
    cx.error_spanned_by(
        lit,
        format!(
            "unknown {what} `{value}`; expected one of: {}",
            allowed.join(", ")
        ),
    );
    None
}

/// `key = 123`; anything else is recorded as an error (and skipped).
fn int_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<syn::LitInt>> {
    if !meta.input.peek(syn::Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` needs a value, an integer literal: {example}"),
        );
        return skip_value(meta).map(|()| None);
    }
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => Ok(Some(int)),
        other => {
            cx.error_spanned_by(
                &other,
                format!("`{key}` takes an integer literal: {example}"),
            );
            Ok(None)
        }
    }
}

/// `key = expression` (a path, a closure).
fn expr_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
) -> syn::Result<Option<Expr>> {
    if !meta.input.peek(syn::Token![=]) {
        cx.error_spanned_by(&meta.path, format!("`{key}` needs a value: {example}"));
        return skip_value(meta).map(|()| None);
    }
    Ok(Some(meta.value()?.parse()?))
}

/// The struct and its members. `None` if it is not a struct with named
/// fields (recorded), or if a member could not be read (recorded).
pub(super) fn parse_target(cx: &Ctxt, item: &Item) -> Option<Target> {
    let Item::Struct(s) = item else {
        cx.error_spanned_by(
            crate::internals::item_head(item),
            format!(
                "`#[ecosystem]` goes on a struct whose fields are its members, each marked {ROLES}"
            ),
        );
        return None;
    };
    if let Some(param) = s.generics.params.first() {
        cx.error_spanned_by(
            param,
            "an ecosystem takes no generic parameters: its members are concrete actors",
        );
    }
    let Fields::Named(fields) = &s.fields else {
        cx.error_spanned_by(
            crate::internals::item_head(item),
            format!("`#[ecosystem]` goes on a struct with named fields, its members, each marked {ROLES}"),
        );
        return None;
    };
    let mut members = Vec::new();
    let mut complete = true;
    for field in &fields.named {
        let ident = field.ident.clone().expect("named");
        let mut role: Option<(Role, Option<Expr>)> = None;
        let mut attrs = Vec::new();
        for attr in &field.attrs {
            let Some(name) = attr.path().get_ident().map(ToString::to_string) else {
                attrs.push(attr.clone());
                continue;
            };
            if !matches!(
                name.as_str(),
                "coordinator" | "workers" | "child" | "nested"
            ) {
                attrs.push(attr.clone());
                continue;
            }
            let parsed = member_attr(cx, attr, &name);
            if role.is_some() {
                cx.error_spanned_by(
                    attr,
                    format!("`{ident}` has two member attributes; a member is one of {ROLES}"),
                );
            } else {
                match parsed {
                    Some(parsed) => role = Some(parsed),
                    None => complete = false,
                }
            }
        }
        match role {
            Some((role, factory)) => members.push(Member {
                attrs,
                vis: field.vis.clone(),
                ident,
                ty: field.ty.clone(),
                role,
                factory,
            }),
            None if complete => {
                cx.error_spanned_by(
                    &ident,
                    format!("every field of an ecosystem is a member: mark `{ident}` with one of {ROLES}"),
                );
                complete = false;
            }
            None => {}
        }
    }
    let target = Target {
        attrs: s
            .attrs
            .iter()
            .filter(|a| !a.path().is_ident("ecosystem"))
            .cloned()
            .collect(),
        vis: s.vis.clone(),
        ident: s.ident.clone(),
        members,
    };
    (complete && s.generics.params.is_empty()).then_some(target)
}

/// One member attribute (`name` is its name): its role and factory, or
/// `None` with the errors recorded.
fn member_attr(cx: &Ctxt, attr: &syn::Attribute, name: &str) -> Option<(Role, Option<Expr>)> {
    let mut factory = None;
    let mut count: Option<(usize, Span)> = None;
    let mut route: Option<(Route, &'static str)> = None;
    let mut route_span = None;
    let mut key: Option<Expr> = None;
    let mut ok = true;
    if matches!(attr.meta, syn::Meta::List(_)) {
        let mut seen: Vec<String> = Vec::new();
        let allowed = match name {
            "workers" => "`count`, `route`, `key`, `factory`",
            "nested" => "none: a nested ecosystem is made by its own `#[ecosystem]`",
            _ => "`factory`",
        };
        let result = attr.parse_nested_meta(|meta| {
            let key_name = key_of(&meta);
            if seen.contains(&key_name) {
                cx.error_spanned_by(&meta.path, format!("duplicate option `{key_name}`"));
                ok = false;
                return skip_value(&meta);
            }
            seen.push(key_name.clone());
            match (name, key_name.as_str()) {
                ("coordinator" | "workers" | "child", "factory") => {
                    factory = expr_value(cx, &meta, "factory", "`factory = make_member`")?;
                    ok &= factory.is_some();
                }
                ("workers", "count") => match int_value(cx, &meta, "count", "`count = 4`")? {
                    Some(int) => match int.base10_parse::<usize>() {
                        Ok(n) if n > 0 => count = Some((n, int.span())),
                        _ => {
                            cx.error_spanned_by(
                                &int,
                                "`count` must be at least 1: an ecosystem's pool has a worker",
                            );
                            ok = false;
                        }
                    },
                    None => ok = false,
                },
                ("workers", "route") => {
                    match string_value(cx, &meta, "route", "`route = \"least_loaded\"`")? {
                        Some(lit) => {
                            route = one_of(cx, &lit, "routing", ROUTES);
                            route_span = Some(lit.span());
                            ok &= route.is_some();
                        }
                        None => ok = false,
                    }
                }
                ("workers", "key") => {
                    key = expr_value(cx, &meta, "key", "`key = |job: &Job| job.account`")?;
                    ok &= key.is_some();
                }
                _ => {
                    cx.error_spanned_by(
                        &meta.path,
                        format!("unknown option `{key_name}` of `#[{name}]`; expected: {allowed}"),
                    );
                    ok = false;
                    return skip_value(&meta);
                }
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.syn_error(error);
            ok = false;
        }
    } else if let syn::Meta::NameValue(nv) = &attr.meta {
        cx.error_spanned_by(nv, format!("write `#[{name}]` or `#[{name}(..)]`"));
        ok = false;
    }
    let role = match name {
        "coordinator" => Role::Coordinator,
        "child" => Role::Child,
        "nested" => Role::Nested,
        _ => {
            let Some((count, _)) = count else {
                if ok {
                    cx.error_spanned_by(
                        attr,
                        "`#[workers]` needs a `count`: `#[workers(count = 4)]`",
                    );
                }
                return None;
            };
            let (route, route_name) = route.unwrap_or((Route::RoundRobin, "round_robin"));
            match (&key, route) {
                (None, Route::KeyHash) => {
                    cx.error_spanned_by(
                        quote!(#attr),
                        "`route = \"key_hash\"` needs a `key`: `key = |job: &Job| job.account` (a function from `&Msg` to a hashable key)",
                    );
                    ok = false;
                }
                (Some(key), route) if route != Route::KeyHash => {
                    let _ = route_span;
                    cx.error_spanned_by(
                        key,
                        format!("`key` is for `route = \"key_hash\"`, not `{route_name}`"),
                    );
                    ok = false;
                }
                _ => {}
            }
            Role::Workers {
                count,
                route,
                route_name,
                key: key.map(Box::new),
            }
        }
    };
    ok.then_some((role, factory))
}
