//! `generated(sql = "…", stored | virtual)` on a field, as parsed: a generated column
//! (Django's `GeneratedField`). A leaf: `attr.rs` parses it (`parse_generated`), and the
//! expression's shape and the keys it excludes are `check.rs`'s rules.

use std::collections::BTreeSet;

use proc_macro2::Span;
use syn::LitStr;

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
