//! `primary_key(fields = ["a", "b"])` on the struct, as parsed: a composite primary key
//! (Django 5.2's `CompositePrimaryKey`). `attr.rs` dispatches the key here; which fields the
//! list may name is `check.rs`'s rule (`check_primary_key`).

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::LitStr;

use super::items::string_list_of;
use super::values::{key_of, set, skip_value};
use crate::ctxt::Ctxt;

/// The keys `primary_key(...)` accepts on the struct.
pub(crate) const PRIMARY_KEY_KEYS: &[&str] = &["fields"];

/// How the struct-level `primary_key(...)` is spelled, for messages.
pub(crate) const EXAMPLE: &str = "primary_key(fields = [\"order_id\", \"line_no\"])";

/// `primary_key(fields = [...])` on the struct.
#[derive(Debug)]
pub(crate) struct PrimaryKeyAttr {
    /// The span of the `primary_key` key.
    pub key: Span,
    /// `fields = ["a", "b"]`: the key's fields, in the key's column order.
    pub fields: Option<Vec<LitStr>>,
    /// `fields` was written, even when its value was rejected (or the whole setting was, with
    /// its own error).
    pub fields_given: bool,
}

/// Parses `primary_key(fields = [...])` on the struct. A bare `primary_key` there is an
/// error naming both spellings.
pub(super) fn parse_primary_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<PrimaryKeyAttr>> {
    let key = meta.path.span();
    if !meta.input.peek(syn::token::Paren) {
        cx.error(
            key,
            format!(
                "on the struct, `primary_key` lists the fields of a composite key, as in \
                 `{EXAMPLE}`; a one-column key is `#[model(primary_key)]` on its field"
            ),
        );
        skip_value(meta)?;
        // Still a (malformed) composite key: no "no primary key" error on top.
        return Ok(Some(PrimaryKeyAttr {
            key,
            fields: None,
            fields_given: true,
        }));
    }
    let mut out = PrimaryKeyAttr {
        key,
        fields: None,
        fields_given: false,
    };
    meta.parse_nested_meta(|inner| {
        let Some(k) = key_of(cx, &inner, PRIMARY_KEY_KEYS, "`primary_key(...)`")? else {
            return Ok(());
        };
        debug_assert_eq!(k, "fields");
        out.fields_given = true;
        let example = "fields = [\"order_id\", \"line_no\"]";
        if let Some(v) = string_list_of(cx, &inner, example)? {
            set(cx, &mut out.fields, "fields", inner.path.span(), v);
        }
        Ok(())
    })?;
    Ok(Some(out))
}
