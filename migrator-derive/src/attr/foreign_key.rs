//! `foreign_key(fields = ["order_id", "line_no"], to = OrderLine, on_delete = "cascade",
//! name = "…")` on the struct, parsed into [`ForeignKeyAttr`]: a foreign key over several
//! columns to a model with a composite primary key (Django's `ForeignObject`). The rules
//! across its keys and the struct's fields are `check/foreign_key.rs`'s; whether `to` is a
//! model whose key has as many fields is the type system's (constants spanned at `to`).

use std::collections::BTreeSet;

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::LitStr;

use super::items::string_list_of;
use super::keys::OnDelete;
use super::values::*;
use crate::ctxt::Ctxt;

/// The keys `foreign_key(...)` accepts on the struct.
pub(crate) const FOREIGN_KEY_KEYS: &[&str] = &["fields", "to", "on_delete", "name"];

/// How the struct-level `foreign_key(...)` is spelled, for messages.
pub(crate) const EXAMPLE: &str =
    "foreign_key(fields = [\"order_id\", \"line_no\"], to = OrderLine, on_delete = \"cascade\")";

/// One `foreign_key(...)` on the struct.
#[derive(Clone, Debug)]
pub(crate) struct ForeignKeyAttr {
    /// The span of the `foreign_key` key.
    pub key: Span,
    /// `fields = ["a", "b"]`: the referencing fields, in the target key's order.
    pub fields: Option<Vec<LitStr>>,
    /// `to = path::To::Model`.
    pub to: Option<syn::Path>,
    /// `on_delete = "…"`, with its literal.
    pub on_delete: Option<(OnDelete, LitStr)>,
    /// `name = "…"`: the constraint's name (else derived from the table, the columns and the
    /// target's table).
    pub name: Option<LitStr>,
    /// Every known key written inside `foreign_key(...)`, even when its value was rejected.
    pub given: BTreeSet<&'static str>,
}

/// Parses `foreign_key(...)` on the struct. `foreign_key = Model` there is an error naming
/// both spellings.
pub(super) fn parse_foreign_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<ForeignKeyAttr>> {
    let key = meta.path.span();
    if !meta.input.peek(syn::token::Paren) {
        cx.error(
            key,
            format!(
                "on the struct, `foreign_key` is a foreign key over several fields, as in \
                 `{EXAMPLE}`; a one-column foreign key is `#[model(foreign_key = Model, \
                 on_delete = \"…\")]` on its field"
            ),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    let mut fk = ForeignKeyAttr {
        key,
        fields: None,
        to: None,
        on_delete: None,
        name: None,
        given: BTreeSet::new(),
    };
    meta.parse_nested_meta(|inner| {
        let Some(k) = key_of(cx, &inner, FOREIGN_KEY_KEYS, "`foreign_key(...)`")? else {
            return Ok(());
        };
        fk.given.insert(k);
        let span = inner.path.span();
        match k {
            "fields" => {
                let example = "fields = [\"order_id\", \"line_no\"]";
                if let Some(v) = string_list_of(cx, &inner, example)? {
                    set(cx, &mut fk.fields, "fields", span, v);
                }
            }
            "to" => {
                if let Some(v) = model_path(cx, &inner, "to", "OrderLine")? {
                    set(cx, &mut fk.to, "to", span, v);
                }
            }
            "on_delete" => {
                if let Some(v) = on_delete_value(cx, &inner)? {
                    set(cx, &mut fk.on_delete, "on_delete", span, v);
                }
            }
            "name" => {
                let example = "name = \"notes_line_fk\"";
                if let Some(v) = string_value(cx, &inner, "name", example)? {
                    set(cx, &mut fk.name, "name", span, v);
                }
            }
            _ => unreachable!("key_of only returns listed keys"),
        }
        Ok(())
    })?;
    Ok(Some(fk))
}
