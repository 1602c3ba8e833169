//! `many_to_many(name = "tags", to = Tag, through = ProductTag, renamed_from = "labels",
//! db_table = "product_tags")` on
//! the struct, parsed into [`ManyToManyAttr`]; the rules across its keys and the struct's
//! fields live in `relations.rs`, beside its encoding.

use std::collections::BTreeSet;

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::LitStr;

use super::values::*;
use crate::ctxt::Ctxt;

/// The keys `many_to_many(...)` accepts.
pub(crate) const MANY_TO_MANY_KEYS: &[&str] =
    &["name", "to", "through", "renamed_from", "db_table"];

/// One `many_to_many(...)` on the struct.
#[derive(Clone, Debug)]
pub(crate) struct ManyToManyAttr {
    /// The span of the `many_to_many` key.
    pub key: Span,
    /// `name = "tags"`.
    pub name: Option<LitStr>,
    /// `to = path::To::Model`.
    pub to: Option<syn::Path>,
    /// `through = path::To::JoinModel`.
    pub through: Option<syn::Path>,
    /// `renamed_from = "labels"`.
    pub renamed_from: Option<LitStr>,
    /// `db_table = "product_tags"`: the join table's name.
    pub db_table: Option<LitStr>,
    /// Every known key written inside `many_to_many(...)`, even when its value was rejected.
    pub given: BTreeSet<&'static str>,
}

/// `many_to_many(...)` on the struct.
pub(super) fn parse_many_to_many(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<ManyToManyAttr>> {
    let key = meta.path.span();
    if !meta.input.peek(syn::token::Paren) {
        cx.error(
            key,
            "`many_to_many` takes a list, as in `many_to_many(name = \"tags\", to = Tag)`",
        );
        skip_value(meta)?;
        return Ok(None);
    }
    let mut rel = ManyToManyAttr {
        key,
        name: None,
        to: None,
        through: None,
        renamed_from: None,
        db_table: None,
        given: BTreeSet::new(),
    };
    meta.parse_nested_meta(|inner| {
        let Some(k) = key_of(cx, &inner, MANY_TO_MANY_KEYS, "`many_to_many(...)`")? else {
            return Ok(());
        };
        rel.given.insert(k);
        let span = inner.path.span();
        match k {
            "name" => {
                if let Some(v) = string_value(cx, &inner, "name", "name = \"tags\"")? {
                    set(cx, &mut rel.name, "name", span, v);
                }
            }
            "renamed_from" => {
                let example = "renamed_from = \"labels\"";
                if let Some(v) = string_value(cx, &inner, "renamed_from", example)? {
                    set(cx, &mut rel.renamed_from, "renamed_from", span, v);
                }
            }
            "db_table" => {
                let example = "db_table = \"product_tags\"";
                if let Some(v) = string_value(cx, &inner, "db_table", example)? {
                    set(cx, &mut rel.db_table, "db_table", span, v);
                }
            }
            "to" => {
                if let Some(v) = model_path(cx, &inner, "to", "Tag")? {
                    set(cx, &mut rel.to, "to", span, v);
                }
            }
            "through" => {
                if let Some(v) = model_path(cx, &inner, "through", "ProductTag")? {
                    set(cx, &mut rel.through, "through", span, v);
                }
            }
            _ => unreachable!("key_of only returns listed keys"),
        }
        Ok(())
    })?;
    Ok(Some(rel))
}
