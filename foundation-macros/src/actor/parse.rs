//! Parsing the options. Each option is checked as it is parsed (unknown
//! or duplicate keys, values outside the allowed ones, each error naming
//! the allowed values); every error is recorded and parsing goes on, so
//! one build shows them all. One check spans two options, after the
//! loop: `hibernate_after` and `hibernate_every` need `memory =
//! "gc_optimized"` (`mailbox` goes with every flow: the bound of a
//! `manual` mailbox, the high watermark of an `automatic` one).

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::{Item, LitBool, LitStr};

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
                if let Some(lit) = string_value(cx, &meta, "name", "`name = \"ledger\"`")? {
                    if lit.value().trim().is_empty() {
                        cx.error_spanned_by(&lit, "`name` must not be empty");
                    } else {
                        options.name = Some(lit);
                    }
                }
            }
            "restart" => {
                let hint = "`restart = \"transient\"`";
                if let Some(lit) = string_value(cx, &meta, "restart", hint)? {
                    options.restart = one_of(cx, &lit, "restart type", RESTARTS);
                }
            }
            "flow" => {
                let hint = "`flow = \"manual\"`";
                if let Some(lit) = string_value(cx, &meta, "flow", hint)? {
                    options.flow = one_of(cx, &lit, "flow-control mode", FLOWS);
                }
            }
            "mailbox" => options.mailbox = mailbox_value(cx, &meta)?,
            "memory" => {
                let hint = "`memory = \"gc_optimized\"`";
                if let Some(lit) = string_value(cx, &meta, "memory", hint)? {
                    options.memory = one_of(cx, &lit, "memory strategy", MEMORIES);
                }
            }
            "max_heap" => {
                let hint = "`max_heap = \"16MiB\"`";
                if let Some(lit) = string_value(cx, &meta, "max_heap", hint)? {
                    options.max_heap = size_value(cx, &lit);
                }
            }
            "hibernate_after" => {
                let hint = "`hibernate_after = \"30s\"`";
                if let Some(lit) = string_value(cx, &meta, "hibernate_after", hint)? {
                    options.hibernate_after = duration_value(cx, &lit);
                }
            }
            "hibernate_every" => options.hibernate_every = every_value(cx, &meta)?,
            "blocking" => options.blocking = flag_value(cx, &meta, "blocking")?,
            "trap_exit" => options.trap_exit = flag_value(cx, &meta, "trap_exit")?,
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
    if !matches!(options.memory, Some((Memory::GcOptimized, _))) {
        for (key, span) in [
            ("hibernate_after", options.hibernate_after.map(|(_, s)| s)),
            ("hibernate_every", options.hibernate_every.map(|(_, s)| s)),
        ] {
            if let Some(span) = span {
                let mut at = proc_macro2::Literal::string(key);
                at.set_span(span);
                cx.error_spanned_by(
                    at,
                    format!("`{key}` needs `memory = \"gc_optimized\"`: only a `gc_optimized` actor hibernates"),
                );
            }
        }
    }
    options
}

/// `max_heap = "16MiB"`: a positive whole number of bytes, with a unit
/// (`B`, `KiB`, `MiB`, `GiB`; or `KB`, `MB`, `GB`, powers of 1000).
fn size_value(cx: &Ctxt, lit: &LitStr) -> Option<(u64, Span)> {
    const UNITS: &[(&str, u64)] = &[
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
        ("GB", 1_000_000_000),
        ("MB", 1_000_000),
        ("KB", 1_000),
        ("B", 1),
    ];
    let error = "`max_heap` is a size: a whole number with a unit, `B`, `KiB`, `MiB`, `GiB` (or `KB`, `MB`, `GB`), such as `\"16MiB\"`";
    match number_with_unit(&lit.value(), UNITS) {
        Some(0) => {
            cx.error_spanned_by(lit, "`max_heap` must be more than 0 bytes");
            None
        }
        Some(n) => Some((n, lit.span())),
        None => {
            cx.error_spanned_by(lit, error);
            None
        }
    }
}

/// `hibernate_after = "30s"`: a positive whole number of `ms`, `s`,
/// `min` or `h`; kept in milliseconds.
fn duration_value(cx: &Ctxt, lit: &LitStr) -> Option<(u64, Span)> {
    const UNITS: &[(&str, u64)] = &[("ms", 1), ("min", 60_000), ("s", 1_000), ("h", 3_600_000)];
    match number_with_unit(&lit.value(), UNITS) {
        Some(0) => {
            cx.error_spanned_by(lit, "`hibernate_after` must be longer than 0");
            None
        }
        Some(n) => Some((n, lit.span())),
        None => {
            cx.error_spanned_by(
                lit,
                "`hibernate_after` is a duration: a whole number with a unit, `ms`, `s`, `min` or `h`, such as `\"30s\"`",
            );
            None
        }
    }
}

/// `text` as digits (`_` allowed) then one of `units` (spaces between
/// allowed), times the unit; `None` if it is not that or overflows.
fn number_with_unit(text: &str, units: &[(&str, u64)]) -> Option<u64> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '_'))
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    let number: u64 = digits.parse().ok()?;
    let unit = unit.trim();
    let (_, factor) = units.iter().find(|(name, _)| *name == unit)?;
    number.checked_mul(*factor)
}

/// The value among `choices` that `lit` names, with its span; an unknown
/// one is an error listing them.
fn one_of<T: Copy>(
    cx: &Ctxt,
    lit: &LitStr,
    what: &str,
    choices: &[(&str, T)],
) -> Option<(T, Span)> {
    let value = lit.value();
    if let Some((_, choice)) = choices.iter().find(|(name, _)| *name == value) {
        return Some((*choice, lit.span()));
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

/// `mailbox = N`: a positive integer literal up to `MAX_MAILBOX`.
fn mailbox_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<(u32, Span)>> {
    let range = format!("`mailbox` holds 1 to {MAX_MAILBOX} messages");
    count_value(cx, meta, "mailbox", "`mailbox = 1024`", MAX_MAILBOX, &range)
}

/// `hibernate_every = N`: a positive integer literal, a number of
/// messages.
fn every_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<(u32, Span)>> {
    let range = format!("`hibernate_every` is 1 to {} messages", u32::MAX);
    let example = "`hibernate_every = 1000`";
    count_value(
        cx,
        meta,
        "hibernate_every",
        example,
        u64::from(u32::MAX),
        &range,
    )
}

/// `key = N`: an integer literal, a number of messages from 1 to `max`
/// (`range` says so when it is not).
fn count_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    example: &str,
    max: u64,
    range: &str,
) -> syn::Result<Option<(u32, Span)>> {
    if !meta.input.peek(syn::Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` needs a value, a number of messages: {example}"),
        );
        return skip_value(meta).map(|()| None);
    }
    let expr: syn::Expr = meta.value()?.parse()?;
    if let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(int),
        ..
    }) = &expr
    {
        return Ok(match int.base10_parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Some((n as u32, int.span())),
            _ => {
                cx.error_spanned_by(int, range);
                None
            }
        });
    }
    cx.error_spanned_by(
        &expr,
        format!("`{key}` takes an integer literal, a number of messages: {example}"),
    );
    Ok(None)
}

/// `key` alone, or `key = true | false`.
fn flag_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Option<bool>> {
    if meta.input.peek(syn::Token![=]) {
        let expr: syn::Expr = meta.value()?.parse()?;
        if let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Bool(LitBool { value, .. }),
            ..
        }) = expr
        {
            return Ok(Some(value));
        }
        cx.error_spanned_by(
            &expr,
            format!("`{key}` is a flag: write `{key}` or `{key} = true` / `{key} = false`"),
        );
        return Ok(None);
    }
    if meta.input.peek(syn::token::Paren) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` is a flag: write `{key}` or `{key} = true` / `{key} = false`"),
        );
        return skip_value(meta).map(|()| None);
    }
    Ok(Some(true))
}

pub(super) fn parse_target(cx: &Ctxt, item: &Item) -> Option<Target> {
    let (ident, generics) = match item {
        Item::Struct(s) => (&s.ident, &s.generics),
        Item::Enum(e) => (&e.ident, &e.generics),
        other => {
            cx.error_spanned_by(
                other,
                "`#[actor]` goes on a struct (or an enum) that holds the actor's state",
            );
            return None;
        }
    };
    let mut borrows = false;
    for lifetime in generics.lifetimes() {
        cx.error_spanned_by(
            lifetime,
            "an actor owns its state: it cannot borrow, so it takes no lifetime parameters",
        );
        borrows = true;
    }
    Some(Target {
        ident: ident.clone(),
        generics: generics.clone(),
        borrows,
    })
}
