//! The typed results of the struct-level list attributes `index(...)` and `check(...)`
//! (`attr.rs` parses them; `check.rs` and `codegen.rs` read them). A leaf: plain data.

use std::collections::BTreeSet;

use proc_macro2::Span;
use syn::LitStr;

/// One `index(...)` on the struct.
#[derive(Clone, Debug)]
pub(crate) struct IndexAttr {
    /// The span of the `index` key.
    pub key: Span,
    /// `fields = ["a", "b"]`.
    pub fields: Option<Vec<LitStr>>,
    /// `expressions = ["lower(email)"]`: an expression index (instead of `fields`).
    pub expressions: Option<Vec<LitStr>>,
    /// `name = "…"`.
    pub name: Option<LitStr>,
    /// `unique`.
    pub unique: Option<Span>,
    /// `condition = "…"`: a partial index (one SQL expression).
    pub condition: Option<LitStr>,
    /// `include = ["a"]`: non-key fields (`INCLUDE`).
    pub include: Option<Vec<LitStr>>,
    /// `method = "hash"`: the index method.
    pub method: Option<LitStr>,
    /// `nulls_distinct = true|false`, with the key's span.
    pub nulls_distinct: Option<(Span, bool)>,
    /// Every known key written inside `index(...)`, even when its value was rejected.
    pub given: BTreeSet<&'static str>,
}

/// One `check(...)` on the struct.
#[derive(Clone, Debug)]
pub(crate) struct CheckAttr {
    /// The span of the `check` key.
    pub key: Span,
    /// `name = "…"`.
    pub name: Option<LitStr>,
    /// `sql = "…"`.
    pub sql: Option<LitStr>,
    /// Every known key written inside `check(...)`, even when its value was rejected.
    pub given: BTreeSet<&'static str>,
}
