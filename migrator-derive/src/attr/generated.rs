//! `generated(sql = "…", stored | virtual)` on a field: a generated column (Django's
//! `GeneratedField`). Only what the key itself knows is checked here; the expression's shape
//! and the keys it excludes are `check.rs`'s rules.

use std::collections::BTreeSet;

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::LitStr;

use super::{flag, key_of, set, skip_value, string_value};
use crate::ctxt::Ctxt;

/// The keys `generated(...)` accepts.
pub(crate) const GENERATED_KEYS: &[&str] = &["sql", "stored", "virtual"];

/// `generated(sql = "…", stored)` or `generated(sql = "…", virtual)` on a field.
#[derive(Debug)]
pub(crate) struct GeneratedAttr {
    /// The span of the `generated` key.
    pub key: Span,
    /// `sql = "…"`: the expression.
    pub sql: Option<LitStr>,
    /// `stored`.
    pub stored: Option<Span>,
    /// `virtual`.
    pub virtual_: Option<Span>,
    /// Every known key written inside `generated(...)`, even when its value was rejected.
    pub given: BTreeSet<&'static str>,
}

/// Parses `generated(...)`; `None` (with the error recorded) when it is not a list.
pub(crate) fn parse_generated(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<GeneratedAttr>> {
    let key = meta.path.span();
    if !meta.input.peek(syn::token::Paren) {
        cx.error(
            key,
            "`generated` takes a list, as in \
             `generated(sql = \"price * quantity\", stored)` (or `virtual`)",
        );
        skip_value(meta)?;
        return Ok(None);
    }
    let mut out = GeneratedAttr {
        key,
        sql: None,
        stored: None,
        virtual_: None,
        given: BTreeSet::new(),
    };
    meta.parse_nested_meta(|inner| {
        let Some(k) = key_of(cx, &inner, GENERATED_KEYS, "`generated(...)`")? else {
            return Ok(());
        };
        out.given.insert(k);
        let span = inner.path.span();
        match k {
            "sql" => {
                let example = "sql = \"price * quantity\"";
                if let Some(v) = string_value(cx, &inner, "sql", example)? {
                    set(cx, &mut out.sql, "sql", span, v);
                }
            }
            "stored" => flag(cx, &inner, &mut out.stored, "stored")?,
            "virtual" => flag(cx, &inner, &mut out.virtual_, "virtual")?,
            _ => unreachable!("key_of only returns listed keys"),
        }
        Ok(())
    })?;
    Ok(Some(out))
}
