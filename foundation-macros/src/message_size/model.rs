//! The derive's model: the container's shape and each field, read and
//! checked in one pass.

use syn::{Data, DeriveInput, Fields, Generics, Ident, Member};

use crate::internals::ctxt::Ctxt;

/// The one attribute the derive takes, on fields.
pub(super) const ATTRIBUTE: &str = "message_size";

pub(super) struct Container<'a> {
    pub(super) ident: &'a Ident,
    pub(super) generics: &'a Generics,
    pub(super) shape: Shape<'a>,
}

pub(super) enum Shape<'a> {
    Struct(Vec<Field<'a>>),
    Enum(Vec<Variant<'a>>),
}

pub(super) struct Variant<'a> {
    pub(super) ident: &'a Ident,
    pub(super) fields: Vec<Field<'a>>,
    /// `{ .. }`, `( .. )` or nothing.
    pub(super) style: Style,
}

#[derive(Clone, Copy)]
pub(super) enum Style {
    Named,
    Unnamed,
    Unit,
}

pub(super) struct Field<'a> {
    pub(super) member: Member,
    pub(super) ty: &'a syn::Type,
    /// `#[message_size(skip)]`: counted as nothing.
    pub(super) skip: bool,
}

impl<'a> Container<'a> {
    /// The model of `input`, or `None` (with the errors in `cx`).
    pub(super) fn read(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        for attr in &input.attrs {
            if attr.path().is_ident(ATTRIBUTE) {
                cx.error_spanned_by(
                    attr,
                    "`#[message_size(..)]` goes on fields (`#[message_size(skip)]`), not on the type",
                );
            }
        }
        let shape = match &input.data {
            Data::Struct(data) => Shape::Struct(fields(cx, &data.fields)),
            Data::Enum(data) => Shape::Enum(
                data.variants
                    .iter()
                    .map(|v| Variant {
                        ident: &v.ident,
                        fields: fields(cx, &v.fields),
                        style: match v.fields {
                            Fields::Named(_) => Style::Named,
                            Fields::Unnamed(_) => Style::Unnamed,
                            Fields::Unit => Style::Unit,
                        },
                    })
                    .collect(),
            ),
            Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "`MessageSize` cannot be derived for a union: which field holds the value is not known; implement it by hand",
                );
                return None;
            }
        };
        Some(Container {
            ident: &input.ident,
            generics: &input.generics,
            shape,
        })
    }
}

fn fields<'a>(cx: &Ctxt, fields: &'a Fields) -> Vec<Field<'a>> {
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| Field {
            member: match &f.ident {
                Some(ident) => Member::Named(ident.clone()),
                None => Member::Unnamed(i.into()),
            },
            ty: &f.ty,
            skip: skip(cx, &f.attrs),
        })
        .collect()
}

/// Whether the attributes say `#[message_size(skip)]`; anything else in
/// `#[message_size(..)]` is an error naming what is allowed.
fn skip(cx: &Ctxt, attrs: &[syn::Attribute]) -> bool {
    let mut skip = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident(ATTRIBUTE)) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("skip") {
                if skip {
                    cx.error_spanned_by(&meta.path, "`skip` is given twice");
                }
                skip = true;
                Ok(())
            } else {
                cx.error_spanned_by(
                    &meta.path,
                    format!(
                        "unknown `message_size` option `{}`; expected: `skip`",
                        meta.path
                            .get_ident()
                            .map(ToString::to_string)
                            .unwrap_or_else(|| "..".into())
                    ),
                );
                Ok(())
            }
        });
        if let Err(error) = parsed {
            cx.syn_error(error);
        }
    }
    skip
}
