//! The closed set of `#[model(...)]` attributes, parsed into typed values that keep their spans.
//!
//! Every key a position accepts is listed in `attr/keys.rs` ([`STRUCT_KEYS`], [`FIELD_KEYS`],
//! [`INDEX_KEYS`], [`CHECK_KEYS`], and `MANY_TO_MANY_KEYS` in `attr/many_to_many.rs`), a leaf
//! its children share with it; anything else is an error naming the valid keys. Parsing
//! never stops at the first mistake: unknown keys, duplicates and values of the wrong kind are
//! recorded in the [`Ctxt`] and the rest of the attribute is still read. This module checks
//! only what one key can know about itself (its value's kind and range); rules that involve
//! several keys or fields live in `check.rs`.

use std::collections::BTreeSet;

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, LitStr};

use crate::ctxt::Ctxt;

mod foreign_key;
mod generated;
mod items;
mod keys;
mod many_to_many;
mod primary_key;
mod values;
use foreign_key::parse_foreign_key;
pub(crate) use foreign_key::{ForeignKeyAttr, EXAMPLE as foreign_key_example};
pub(crate) use generated::GeneratedAttr;
use items::{parse_check, parse_generated, parse_index};
pub(crate) use keys::*;
use many_to_many::parse_many_to_many;
pub(crate) use many_to_many::ManyToManyAttr;
use primary_key::parse_primary_key;
pub(crate) use primary_key::{PrimaryKeyAttr, EXAMPLE as primary_key_example};
use values::*;

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
    /// Every `many_to_many(...)`, in order.
    pub many_to_many: Vec<ManyToManyAttr>,
    /// `primary_key(fields = [...])`: a composite primary key.
    pub primary_key: Option<PrimaryKeyAttr>,
    /// Every `foreign_key(fields = [...], to = …, on_delete = "…")`, in order.
    pub foreign_keys: Vec<ForeignKeyAttr>,
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
                "primary_key" => {
                    if let Some(pk) = parse_primary_key(cx, &meta)? {
                        set(cx, &mut out.primary_key, "primary_key", span, pk);
                    }
                }
                "many_to_many" => {
                    if let Some(rel) = parse_many_to_many(cx, &meta)? {
                        out.many_to_many.push(rel);
                    }
                }
                "foreign_key" => {
                    if let Some(fk) = parse_foreign_key(cx, &meta)? {
                        out.foreign_keys.push(fk);
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
                    let v = model_path(cx, &meta, "foreign_key", "Author")?;
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
