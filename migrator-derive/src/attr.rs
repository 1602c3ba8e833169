//! The closed set of `#[model(...)]` attributes, parsed into typed values that keep their spans.
//!
//! Every key a position accepts is listed here ([`STRUCT_KEYS`], [`FIELD_KEYS`],
//! [`INDEX_KEYS`], [`CHECK_KEYS`]); anything else is an error naming the valid keys. Parsing
//! never stops at the first mistake: unknown keys, duplicates and values of the wrong kind are
//! recorded in the [`Ctxt`] and the rest of the attribute is still read. This module checks
//! only what one key can know about itself (its value's kind and range); rules that involve
//! several keys or fields live in `check.rs`.

use std::collections::BTreeSet;

use proc_macro2::{Group, Span};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, ExprUnary, Lit, LitInt, LitStr, Token, UnOp};

use crate::ctxt::Ctxt;

mod generated;
pub(crate) use generated::GeneratedAttr;
use generated::GENERATED_KEYS;

/// The keys `#[model(...)]` accepts on the struct.
pub(crate) const STRUCT_KEYS: &[&str] = &["table", "index", "check", "renamed_from"];
/// The keys `#[model(...)]` accepts on a field.
pub(crate) const FIELD_KEYS: &[&str] = &[
    "primary_key",
    "auto",
    "column",
    "max_length",
    "unique",
    "index",
    "default",
    "default_sql",
    "foreign_key",
    "on_delete",
    "precision",
    "scale",
    "renamed_from",
    "skip",
    "db_type",
    "generated",
];
/// The keys `index(...)` accepts.
pub(crate) const INDEX_KEYS: &[&str] = &[
    "fields",
    "name",
    "unique",
    "condition",
    "nulls_distinct",
    "method",
    "include",
];
/// The keys `check(...)` accepts.
pub(crate) const CHECK_KEYS: &[&str] = &["name", "sql"];
/// The values `on_delete` accepts.
pub(crate) const ON_DELETE_VALUES: &[&str] = &[
    "cascade",
    "restrict",
    "set_null",
    "set_default",
    "no_action",
];

/// A value together with the span of the key that set it (where misuse errors point).
#[derive(Clone, Debug)]
pub(crate) struct Sp<T> {
    /// The span of the key (`max_length` in `max_length = 200`).
    pub key: Span,
    /// The parsed value.
    pub value: T,
}

/// A parsed `default = …` literal.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum DefaultLit {
    /// A string literal.
    Text(String),
    /// An integer literal, possibly negative.
    Int(i64),
    /// A float literal's text, possibly with a leading `-`.
    Float(String),
    /// `true` / `false`.
    Bool(bool),
}

/// A parsed `on_delete = "…"` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnDelete {
    /// `"cascade"`.
    Cascade,
    /// `"restrict"`.
    Restrict,
    /// `"set_null"`.
    SetNull,
    /// `"set_default"`.
    SetDefault,
    /// `"no_action"`.
    NoAction,
}

pub(crate) use crate::attr_items::{CheckAttr, IndexAttr};

/// Everything `#[model(...)]` said on the struct.
#[derive(Default, Debug)]
pub(crate) struct StructAttrs {
    /// `table = "…"`.
    pub table: Option<LitStr>,
    /// Every `index(...)`, in order.
    pub indexes: Vec<IndexAttr>,
    /// Every `check(...)`, in order.
    pub checks: Vec<CheckAttr>,
    /// `renamed_from = "OldModel"`.
    pub renamed_from: Option<LitStr>,
}

/// Everything `#[model(...)]` said on one field.
#[derive(Default, Debug)]
pub(crate) struct FieldAttrs {
    /// `primary_key`.
    pub primary_key: Option<Span>,
    /// `auto`.
    pub auto: Option<Span>,
    /// `column = "…"`.
    pub column: Option<LitStr>,
    /// `max_length = N`.
    pub max_length: Option<Sp<u32>>,
    /// `unique`.
    pub unique: Option<Span>,
    /// `index`, `index = true` or `index = false` (the value says whether to index; a foreign
    /// key without any `index` setting is indexed by default).
    pub index: Option<Sp<bool>>,
    /// `default = <literal>`, with the span of the literal (where a type mismatch points).
    pub default: Option<Sp<(DefaultLit, Span)>>,
    /// `default_sql = "…"`.
    pub default_sql: Option<Sp<LitStr>>,
    /// `foreign_key = path::To::Model`.
    pub foreign_key: Option<Sp<syn::Path>>,
    /// `on_delete = "…"`, with the literal (where `set_null` errors point).
    pub on_delete: Option<Sp<(OnDelete, LitStr)>>,
    /// `precision = N`.
    pub precision: Option<Sp<u32>>,
    /// `scale = N`.
    pub scale: Option<Sp<u32>>,
    /// `renamed_from = "old_field"`.
    pub renamed_from: Option<LitStr>,
    /// `skip`.
    pub skip: Option<Span>,
    /// `db_type = "…"`.
    pub db_type: Option<Sp<LitStr>>,
    /// `generated(sql = "…", stored | virtual)`.
    pub generated: Option<GeneratedAttr>,
    /// Every known key written on the field, even when its value was rejected; cross-field
    /// rules consult this so a bad value does not also cause a "missing key" error.
    pub given: BTreeSet<&'static str>,
}

impl FieldAttrs {
    /// The spans and names of every key set on this field except `skip` (for "`skip` stands
    /// alone" errors).
    pub(crate) fn set_keys(&self) -> Vec<(&'static str, Span)> {
        let mut keys = Vec::new();
        let mut push = |name: &'static str, span: Option<Span>| {
            if let Some(span) = span {
                keys.push((name, span));
            }
        };
        push("primary_key", self.primary_key);
        push("auto", self.auto);
        push("column", self.column.as_ref().map(LitStr::span));
        push("max_length", self.max_length.as_ref().map(|s| s.key));
        push("unique", self.unique);
        push("index", self.index.as_ref().map(|s| s.key));
        push("default", self.default.as_ref().map(|s| s.key));
        push("default_sql", self.default_sql.as_ref().map(|s| s.key));
        push("foreign_key", self.foreign_key.as_ref().map(|s| s.key));
        push("on_delete", self.on_delete.as_ref().map(|s| s.key));
        push("precision", self.precision.as_ref().map(|s| s.key));
        push("scale", self.scale.as_ref().map(|s| s.key));
        push("renamed_from", self.renamed_from.as_ref().map(LitStr::span));
        push("db_type", self.db_type.as_ref().map(|s| s.key));
        push("generated", self.generated.as_ref().map(|g| g.key));
        keys
    }
}

/// Parses every `#[model(...)]` among the struct's attributes.
pub(crate) fn parse_struct_attrs(cx: &Ctxt, attrs: &[Attribute]) -> StructAttrs {
    let mut out = StructAttrs::default();
    for attr in model_attrs(cx, attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let Some(key) = key_of(cx, &meta, STRUCT_KEYS, "the struct")? else {
                return Ok(());
            };
            let span = meta.path.span();
            match key {
                "table" => {
                    if let Some(v) = string_value(cx, &meta, "table", "table = \"books\"")? {
                        set(cx, &mut out.table, "table", span, v);
                    }
                }
                "renamed_from" => {
                    if let Some(v) =
                        string_value(cx, &meta, "renamed_from", "renamed_from = \"OldName\"")?
                    {
                        set(cx, &mut out.renamed_from, "renamed_from", span, v);
                    }
                }
                "index" => {
                    if let Some(index) = parse_index(cx, &meta)? {
                        out.indexes.push(index);
                    }
                }
                "check" => {
                    if let Some(check) = parse_check(cx, &meta)? {
                        out.checks.push(check);
                    }
                }
                _ => unreachable!("key_of only returns listed keys"),
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// Parses every `#[model(...)]` among one field's attributes.
pub(crate) fn parse_field_attrs(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in model_attrs(cx, attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let Some(key) = key_of(cx, &meta, FIELD_KEYS, "a field")? else {
                return Ok(());
            };
            out.given.insert(key);
            let span = meta.path.span();
            match key {
                "primary_key" => flag(cx, &meta, &mut out.primary_key, "primary_key")?,
                "auto" => flag(cx, &meta, &mut out.auto, "auto")?,
                "unique" => flag(cx, &meta, &mut out.unique, "unique")?,
                "index" => {
                    let v = flag_or_bool(cx, &meta, "index")?;
                    set_sp(cx, &mut out.index, "index", span, v);
                }
                "skip" => flag(cx, &meta, &mut out.skip, "skip")?,
                "column" => {
                    let v = string_value(cx, &meta, "column", "column = \"title\"")?;
                    set_opt(cx, &mut out.column, "column", span, v);
                }
                "renamed_from" => {
                    let example = "renamed_from = \"old_name\"";
                    let v = string_value(cx, &meta, "renamed_from", example)?;
                    set_opt(cx, &mut out.renamed_from, "renamed_from", span, v);
                }
                "default_sql" => {
                    let example = "default_sql = \"CURRENT_TIMESTAMP\"";
                    let v = string_value(cx, &meta, "default_sql", example)?;
                    set_sp(cx, &mut out.default_sql, "default_sql", span, v);
                }
                "db_type" => {
                    let v = string_value(cx, &meta, "db_type", "db_type = \"CITEXT\"")?;
                    let v = v.filter(|v| {
                        let empty = v.value().trim().is_empty();
                        if empty {
                            cx.error(
                                v.span(),
                                "`db_type` is empty; spell the column type, as in \
                                 `db_type = \"CITEXT\"`",
                            );
                        }
                        !empty
                    });
                    set_sp(cx, &mut out.db_type, "db_type", span, v);
                }
                "max_length" => {
                    let v = int_value(cx, &meta, "max_length", 1)?;
                    set_sp(cx, &mut out.max_length, "max_length", span, v);
                }
                "precision" => {
                    let v = int_value(cx, &meta, "precision", 1)?;
                    set_sp(cx, &mut out.precision, "precision", span, v);
                }
                "scale" => {
                    let v = int_value(cx, &meta, "scale", 0)?;
                    set_sp(cx, &mut out.scale, "scale", span, v);
                }
                "default" => {
                    let v = default_value(cx, &meta)?;
                    set_sp(cx, &mut out.default, "default", span, v);
                }
                "foreign_key" => {
                    let v = path_value(cx, &meta)?;
                    set_sp(cx, &mut out.foreign_key, "foreign_key", span, v);
                }
                "on_delete" => {
                    let v = on_delete_value(cx, &meta)?;
                    set_sp(cx, &mut out.on_delete, "on_delete", span, v);
                }
                "generated" => {
                    let v = parse_generated(cx, &meta)?;
                    set_opt(cx, &mut out.generated, "generated", span, v);
                }
                _ => unreachable!("key_of only returns listed keys"),
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    out
}

/// The `#[model(...)]` attributes among `attrs`; `#[model]` and `#[model = …]` are errors.
fn model_attrs<'a>(cx: &Ctxt, attrs: &'a [Attribute]) -> Vec<&'a Attribute> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("model")) {
        match &attr.meta {
            syn::Meta::List(_) => out.push(attr),
            other => cx.error(
                other.span(),
                "expected a list of settings: `#[model(...)]`, as in `#[model(max_length = 200)]`",
            ),
        }
    }
    out
}

/// The key of one nested setting if it is one of `valid`; otherwise records an "unknown key"
/// error naming the valid keys, skips the setting's value and returns `None`.
fn key_of(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    valid: &[&'static str],
    position: &str,
) -> syn::Result<Option<&'static str>> {
    let key = meta
        .path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| {
            let segments: Vec<String> = meta
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            segments.join("::")
        });
    if meta.path.get_ident().is_some() {
        if let Some(k) = valid.iter().find(|k| **k == key) {
            return Ok(Some(k));
        }
    }
    let list = valid
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let belongs_elsewhere = if position == "a field" && STRUCT_KEYS.contains(&key.as_str()) {
        Some("on the struct")
    } else if position == "the struct" && FIELD_KEYS.contains(&key.as_str()) {
        Some("on a field")
    } else {
        None
    };
    let hint = match (belongs_elsewhere, closest(&key, valid)) {
        (Some(place), _) => format!(" (`{key}` goes {place})"),
        (None, Some(k)) => format!(" (did you mean `{k}`?)"),
        (None, None) => String::new(),
    };
    cx.error(
        meta.path.span(),
        format!("unknown `model` attribute `{key}` on {position}{hint}; expected one of: {list}"),
    );
    skip_value(meta)?;
    Ok(None)
}

/// The valid key closest to a typo, when it is close enough to be a likely intent.
fn closest<'a>(key: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .filter(|(d, k)| {
            *d <= 2.max(k.len() / 4)
                || (key.len() >= 3 && (k.starts_with(key) || key.starts_with(k)))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Skips `= value`, `(…)`, or any stray tokens up to the next `,` after a key whose error has
/// already been recorded, so parsing resumes at the next setting.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<Group>()?;
    }
    while !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

/// Stores `value` in `slot`, or records a duplicate-key error at `span`.
fn set<T>(cx: &Ctxt, slot: &mut Option<T>, name: &str, span: Span, value: T) {
    if slot.is_some() {
        cx.error(
            span,
            format!("duplicate `{name}` attribute; remove one of the two"),
        );
    } else {
        *slot = Some(value);
    }
}

/// Stores a parsed value, if there is one (a rejected value has its error already).
fn set_opt<T>(cx: &Ctxt, slot: &mut Option<T>, name: &str, span: Span, value: Option<T>) {
    if let Some(value) = value {
        set(cx, slot, name, span, value);
    }
}

/// Stores a parsed value with the span of its key, if there is one.
fn set_sp<T>(cx: &Ctxt, slot: &mut Option<Sp<T>>, name: &str, span: Span, value: Option<T>) {
    set_opt(
        cx,
        slot,
        name,
        span,
        value.map(|value| Sp { key: span, value }),
    );
}

/// A flag key (`unique`): takes no value.
fn flag(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<Span>,
    name: &str,
) -> syn::Result<()> {
    let span = meta.path.span();
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        cx.error(
            span,
            format!("`{name}` is a flag and takes no value; write just `{name}`"),
        );
        return skip_value(meta);
    }
    set(cx, slot, name, span, span);
    Ok(())
}

/// A key that is a flag or takes a bool: `index` means `index = true`; `index = false` is
/// written out to opt out of a default (a foreign key's index).
fn flag_or_bool(cx: &Ctxt, meta: &ParseNestedMeta<'_>, name: &str) -> syn::Result<Option<bool>> {
    if meta.input.peek(syn::token::Paren) {
        let extra = if name == "index" {
            " (a multi-column index goes on the struct: \
             `#[model(index(fields = [\"a\", \"b\"]))]`)"
        } else {
            ""
        };
        cx.error(
            meta.path.span(),
            format!("`{name}` takes no list; write `{name}` or `{name} = false`{extra}"),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    if !meta.input.peek(Token![=]) {
        return Ok(Some(true));
    }
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(Some(b.value)),
        other => {
            cx.error(
                other.span(),
                format!("`{name}` expects `true` or `false`, as in `{name} = false`"),
            );
            Ok(None)
        }
    }
}

/// The expression after `key =`, or an error at the key when there is none.
fn expr_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    name: &str,
    example: &str,
) -> syn::Result<Option<Expr>> {
    if !meta.input.peek(Token![=]) {
        cx.error(
            meta.path.span(),
            format!("`{name}` needs a value, as in `{example}`"),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    Ok(Some(meta.value()?.parse::<Expr>()?))
}

/// `key = "string"`.
fn string_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    name: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    let Some(expr) = expr_value(cx, meta, name, example)? else {
        return Ok(None);
    };
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Some(s)),
        other => {
            cx.error(
                other.span(),
                format!("`{name}` expects a string literal, as in `{example}`"),
            );
            Ok(None)
        }
    }
}

/// `key = N` with `N >= min` that fits a `u32`.
fn int_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    name: &str,
    min: u32,
) -> syn::Result<Option<u32>> {
    let example = format!("{name} = {}", if min == 0 { 2 } else { 100 });
    let Some(expr) = expr_value(cx, meta, name, &example)? else {
        return Ok(None);
    };
    let Expr::Lit(ExprLit {
        lit: Lit::Int(lit), ..
    }) = &expr
    else {
        cx.error(
            expr.span(),
            format!("`{name}` expects an integer literal, as in `{example}`"),
        );
        return Ok(None);
    };
    match lit.base10_parse::<u32>() {
        Ok(n) if n >= min => Ok(Some(n)),
        _ => {
            cx.error(
                lit.span(),
                format!("`{name}` must be an integer from {min} to {}", u32::MAX),
            );
            Ok(None)
        }
    }
}

/// `default = <literal>`: a string, an integer or float (optionally negative), or a bool;
/// returned with the span of the literal token (the `3` of `-3`).
fn default_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<(DefaultLit, Span)>> {
    let Some(expr) = expr_value(cx, meta, "default", "default = 0")? else {
        return Ok(None);
    };
    Ok(default_literal(cx, &expr))
}

/// The [`DefaultLit`] of a `default` expression and the span of its literal token, or `None`
/// with its error recorded.
fn default_literal(cx: &Ctxt, expr: &Expr) -> Option<(DefaultLit, Span)> {
    let (negative, lit) = match expr {
        Expr::Lit(ExprLit { lit, .. }) => (false, lit),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr: inner,
            ..
        }) => match &**inner {
            Expr::Lit(ExprLit {
                lit: lit @ (Lit::Int(_) | Lit::Float(_)),
                ..
            }) => (true, lit),
            _ => return bad_default(cx, expr),
        },
        _ => return bad_default(cx, expr),
    };
    let value = match lit {
        Lit::Str(s) => Some(DefaultLit::Text(s.value())),
        Lit::Bool(b) => Some(DefaultLit::Bool(b.value)),
        Lit::Int(i) => int_default(cx, i, negative),
        Lit::Float(f) => {
            let text = f.base10_digits();
            Some(DefaultLit::Float(if negative {
                format!("-{text}")
            } else {
                text.to_string()
            }))
        }
        _ => bad_default(cx, expr),
    };
    value.map(|v| (v, lit.span()))
}

/// An integer default that must fit an `i64`.
fn int_default(cx: &Ctxt, lit: &LitInt, negative: bool) -> Option<DefaultLit> {
    let parsed = lit.base10_parse::<i128>().ok().and_then(|n| {
        let n = if negative { -n } else { n };
        i64::try_from(n).ok()
    });
    match parsed {
        Some(n) => Some(DefaultLit::Int(n)),
        None => {
            cx.error(lit.span(), "`default` integer does not fit in an i64");
            None
        }
    }
}

/// Records the "default must be a literal" error.
fn bad_default<T>(cx: &Ctxt, expr: &Expr) -> Option<T> {
    cx.error(
        expr.span(),
        "`default` expects a literal: a string, integer, float or bool (as in `default = 0` or \
         `default = \"draft\"`); for an SQL expression use `default_sql = \"…\"`",
    );
    None
}

/// `foreign_key = path::To::Model`.
fn path_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<syn::Path>> {
    let Some(expr) = expr_value(cx, meta, "foreign_key", "foreign_key = Author")? else {
        return Ok(None);
    };
    match expr {
        Expr::Path(p) if p.qself.is_none() => Ok(Some(p.path)),
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => {
            cx.error(
                s.span(),
                format!(
                    "`foreign_key` expects a path to the model type, not a string: write \
                     `foreign_key = {}`",
                    s.value()
                ),
            );
            Ok(None)
        }
        other => {
            cx.error(
                other.span(),
                "`foreign_key` expects a path to a model type, as in `foreign_key = Author` or \
                 `foreign_key = crate::models::Author`",
            );
            Ok(None)
        }
    }
}

/// `on_delete = "cascade" | "restrict" | "set_null" | "set_default" | "no_action"`.
fn on_delete_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<(OnDelete, LitStr)>> {
    let Some(lit) = string_value(cx, meta, "on_delete", "on_delete = \"cascade\"")? else {
        return Ok(None);
    };
    let value = match lit.value().as_str() {
        "cascade" => OnDelete::Cascade,
        "restrict" => OnDelete::Restrict,
        "set_null" => OnDelete::SetNull,
        "set_default" => OnDelete::SetDefault,
        "no_action" => OnDelete::NoAction,
        other => {
            let list = ON_DELETE_VALUES
                .iter()
                .map(|k| format!("\"{k}\""))
                .collect::<Vec<_>>()
                .join(", ");
            cx.error(
                lit.span(),
                format!("unknown `on_delete` value \"{other}\"; expected one of: {list}"),
            );
            return Ok(None);
        }
    };
    Ok(Some((value, lit)))
}

/// `index(fields = [...], name = "…", unique)` on the struct.
fn parse_index(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<IndexAttr>> {
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

/// `fields = ["a", "b"]`.
fn string_list(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Vec<LitStr>>> {
    let example = "fields = [\"author\", \"title\"]";
    let Some(expr) = expr_value(cx, meta, "fields", example)? else {
        return Ok(None);
    };
    let Expr::Array(array) = &expr else {
        cx.error(
            expr.span(),
            format!("`fields` expects a list of field names, as in `{example}`"),
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
                    format!(
                        "`fields` entries must be string literals naming fields, as in `{example}`"
                    ),
                );
            }
        }
    }
    if array.elems.is_empty() {
        cx.error(
            expr.span(),
            format!("`fields` is empty; name at least one field, as in `{example}`"),
        );
    }
    Ok(Some(out))
}

/// `check(name = "…", sql = "…")` on the struct.
fn parse_check(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<CheckAttr>> {
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
fn parse_generated(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<GeneratedAttr>> {
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
