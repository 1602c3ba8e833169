//! The closed key sets of every `#[model(...)]` position and the small value types their
//! readers produce: what `attr.rs` and its children (`values.rs`, `items.rs`, …) all need,
//! in a leaf that imports none of them, so the module graph stays a tree.

use proc_macro2::Span;

/// The keys `#[model(...)]` accepts on the struct.
pub(crate) const STRUCT_KEYS: &[&str] = &[
    "table",
    "index",
    "check",
    "renamed_from",
    "many_to_many",
    "primary_key",
    "foreign_key",
];
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
    "expressions",
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
