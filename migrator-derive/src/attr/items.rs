//! The struct-level list attributes `index(...)` and `check(...)`, and a field's
//! `generated(...)`: each parsed into its typed item (`attr_items.rs`, `generated.rs`).

use std::collections::BTreeSet;

use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr};

use super::generated::{GeneratedAttr, GENERATED_KEYS};
use super::keys::{CHECK_KEYS, INDEX_KEYS};
use super::values::*;
use crate::attr_items::{CheckAttr, IndexAttr};
use crate::ctxt::Ctxt;

/// `index(fields = [...], name = "…", unique)` (or `expressions = [...]`) on the struct.
pub(super) fn parse_index(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<IndexAttr>> {
    let key = meta.path.span();
    if !meta.input.peek(syn::token::Paren) {
        cx.error(
            key,
            "`index` on a struct takes a list, as in `index(fields = [\"author\", \"title\"])` \
             (to index one column, put `#[model(index)]` on its field)",
        );
        skip_value(meta)?;
        return Ok(None);
    }
    let mut index = IndexAttr {
        key,
        fields: None,
        expressions: None,
        name: None,
        unique: None,
        condition: None,
        nulls_distinct: None,
        method: None,
        include: None,
        given: BTreeSet::new(),
    };
    meta.parse_nested_meta(|inner| {
        let Some(k) = key_of(cx, &inner, INDEX_KEYS, "`index(...)`")? else {
            return Ok(());
        };
        index.given.insert(k);
        let span = inner.path.span();
        match k {
            "unique" => flag(cx, &inner, &mut index.unique, "unique")?,
            "name" => {
                if let Some(v) = string_value(cx, &inner, "name", "name = \"books_author_idx\"")? {
                    set(cx, &mut index.name, "name", span, v);
                }
            }
            "fields" => {
                if let Some(v) = string_list(cx, &inner)? {
                    set(cx, &mut index.fields, "fields", span, v);
                }
            }
            "expressions" => {
                let key = ("expressions", "expressions = [\"lower(email)\"]");
                let what = "holding one SQL expression each";
                let empty = "write at least one expression";
                if let Some(v) = literal_list(cx, &inner, key, what, empty)? {
                    set(cx, &mut index.expressions, "expressions", span, v);
                }
            }
            "include" => {
                if let Some(v) = string_list(cx, &inner)? {
                    set(cx, &mut index.include, "include", span, v);
                }
            }
            "method" => {
                if let Some(v) = string_value(cx, &inner, "method", "method = \"hash\"")? {
                    set(cx, &mut index.method, "method", span, v);
                }
            }
            "nulls_distinct" => {
                if let Some(v) = flag_or_bool(cx, &inner, "nulls_distinct")? {
                    set(
                        cx,
                        &mut index.nulls_distinct,
                        "nulls_distinct",
                        span,
                        (span, v),
                    );
                }
            }
            "condition" => {
                if let Some(v) = string_value(
                    cx,
                    &inner,
                    "condition",
                    "condition = \"deleted_at IS NULL\"",
                )? {
                    set(cx, &mut index.condition, "condition", span, v);
                }
            }
            _ => unreachable!("key_of only returns listed keys"),
        }
        Ok(())
    })?;
    Ok(Some(index))
}

/// `fields = ["a", "b"]` (also `include = [...]`).
pub(super) fn string_list(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<Vec<LitStr>>> {
    let example = "fields = [\"author\", \"title\"]";
    literal_list(
        cx,
        meta,
        ("fields", example),
        "naming fields",
        "name at least one field",
    )
}

/// `fields = ["a", "b"]` of a composite `primary_key(...)`, `example` showing it.
pub(super) fn string_list_of(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    example: &str,
) -> syn::Result<Option<Vec<LitStr>>> {
    literal_list(
        cx,
        meta,
        ("fields", example),
        "naming fields",
        "name the key's fields",
    )
}

/// A list of string literals for `key` (`example` shows it; `what` says what the entries do,
/// `empty` what an empty list lacks).
fn literal_list(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    (key, example): (&str, &str),
    what: &str,
    empty: &str,
) -> syn::Result<Option<Vec<LitStr>>> {
    let Some(expr) = expr_value(cx, meta, key, example)? else {
        return Ok(None);
    };
    let Expr::Array(array) = &expr else {
        cx.error(
            expr.span(),
            format!("`{key}` expects a list of string literals {what}, as in `{example}`"),
        );
        return Ok(None);
    };
    let mut out = Vec::new();
    for elem in &array.elems {
        match elem {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => out.push(s.clone()),
            other => {
                cx.error(
                    other.span(),
                    format!("`{key}` entries must be string literals {what}, as in `{example}`"),
                );
            }
        }
    }
    if array.elems.is_empty() {
        cx.error(
            expr.span(),
            format!("`{key}` is empty; {empty}, as in `{example}`"),
        );
    }
    Ok(Some(out))
}

/// `check(name = "…", sql = "…")` on the struct.
pub(super) fn parse_check(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<CheckAttr>> {
    let key = meta.path.span();
    if !meta.input.peek(syn::token::Paren) {
        cx.error(
            key,
            "`check` takes a list, as in \
             `check(name = \"books_pages_positive\", sql = \"pages > 0\")`",
        );
        skip_value(meta)?;
        return Ok(None);
    }
    let mut check = CheckAttr {
        key,
        name: None,
        sql: None,
        given: BTreeSet::new(),
    };
    meta.parse_nested_meta(|inner| {
        let Some(k) = key_of(cx, &inner, CHECK_KEYS, "`check(...)`")? else {
            return Ok(());
        };
        check.given.insert(k);
        let span = inner.path.span();
        match k {
            "name" => {
                if let Some(v) =
                    string_value(cx, &inner, "name", "name = \"books_pages_positive\"")?
                {
                    set(cx, &mut check.name, "name", span, v);
                }
            }
            "sql" => {
                if let Some(v) = string_value(cx, &inner, "sql", "sql = \"pages > 0\"")? {
                    set(cx, &mut check.sql, "sql", span, v);
                }
            }
            _ => unreachable!("key_of only returns listed keys"),
        }
        Ok(())
    })?;
    Ok(Some(check))
}

/// Parses `generated(...)`; `None` (with the error recorded) when it is not a list.
pub(super) fn parse_generated(
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
