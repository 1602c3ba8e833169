//! The names of a model's database objects, decided and checked at compile time (issue 20:
//! an unnamed `index(fields = ["author"])` on a foreign key got the name of the key's own
//! index, and `migrate` failed).
//!
//! One pass ([`plan`]) lists every object of the model a database will know by name — the
//! index behind each field's `unique` / `index` flag or foreign key, the index MySQL/MariaDB
//! add for a foreign key no index starts with, each `index(...)` and `check(...)`, the table,
//! PostgreSQL's primary key and identity sequence — using the spellings of
//! `migrator_descriptor::names`, which migrator-core uses too. Then:
//!
//! - an `index(...)` that repeats another index (the same fields in the same order, the same
//!   uniqueness; a field's own index counts) is an error naming both: it would only slow
//!   writes, and with the usual names the two would collide;
//! - an unnamed `index(...)` whose usual name is taken gets the disambiguated spelling
//!   (`names::index_disambiguated`); every other keeps its usual name, which existing
//!   migration files have frozen;
//! - a name the user wrote that another object of the model has is an error naming both.
//!
//! Names are compared ignoring ASCII case: MySQL/MariaDB compare index and constraint names
//! that way. Names across models (two models' indexes, foreign-key names, which need the
//! target's table) are checked when the models are collected (`migrator_core::registry`).
//! `codegen.rs` writes the names [`plan`] chose.

use std::collections::BTreeMap;

use migrator_descriptor::names::{self, ObjectKind};
use proc_macro2::Span;
use syn::LitStr;

use crate::ast::{Container, Field, PrimaryKey};
use crate::attr::IndexAttr;
use crate::ctxt::Ctxt;
use crate::ident::identifier_problem;

/// The index a field has because of its own settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OwnIndex {
    /// `unique` (also with `index`): a unique index.
    Unique,
    /// `index` / `index = true`.
    Explicit,
    /// A foreign key without `index`, `unique` or `primary_key`: indexed by default, as
    /// Django's `ForeignKey(db_index=True)`.
    ForeignKey,
}

impl OwnIndex {
    /// The index a field has by its own settings, if any. The primary key has none (the key
    /// is its index); this is the rule every backend applies to the field's flags.
    pub(crate) fn of(field: &Field<'_>, is_pk: bool) -> Option<Self> {
        let a = &field.attrs;
        if is_pk {
            None
        } else if a.unique.is_some() {
            Some(Self::Unique)
        } else {
            match &a.index {
                Some(index) if index.value => Some(Self::Explicit),
                Some(_) => None,
                None => a.foreign_key.is_some().then_some(Self::ForeignKey),
            }
        }
    }

    fn unique(self) -> bool {
        self == Self::Unique
    }

    /// What the index is, for messages: `the index \`#[model(index)]\` gives field \`a\``.
    fn describe(self, field: &str) -> String {
        match self {
            Self::Unique => format!("the unique index `#[model(unique)]` gives field `{field}`"),
            Self::Explicit => format!("the index `#[model(index)]` gives field `{field}`"),
            Self::ForeignKey => format!("the index foreign key `{field}` gets by default"),
        }
    }
}

/// What kind of object a name belongs to (which pairs clash, and which errors another rule
/// already reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// The index behind a field's flags.
    FieldIndex,
    /// The index MySQL/MariaDB need for a foreign key that no index starts with.
    ForeignKeyIndex,
    /// An `index(...)` with `name = "…"`.
    NamedIndex,
    /// An unnamed `index(...)`.
    DefaultIndex,
    /// A `check(...)`.
    Check,
    /// The table.
    Table,
    /// PostgreSQL's primary-key constraint (and its index).
    PrimaryKey,
    /// PostgreSQL's identity sequence.
    Sequence,
}

impl Kind {
    /// The kind `migrator_descriptor::names` knows it as.
    fn object(self) -> ObjectKind {
        match self {
            Self::FieldIndex => ObjectKind::FieldIndex,
            Self::ForeignKeyIndex => ObjectKind::ForeignKeyIndex,
            Self::NamedIndex | Self::DefaultIndex => ObjectKind::Index,
            Self::Check => ObjectKind::Check,
            Self::Table => ObjectKind::Table,
            Self::PrimaryKey => ObjectKind::PrimaryKey,
            Self::Sequence => ObjectKind::Sequence,
        }
    }

    /// Why two objects of the model with these kinds cannot share a name, if they cannot (on
    /// any backend, or in the migration state: `names::clash`).
    fn clashes_with(self, other: Self) -> Option<&'static str> {
        names::clash(self.object(), other.object(), true, false)
    }
}

/// One named object of the model.
#[derive(Clone, Debug)]
struct Object {
    name: String,
    kind: Kind,
    /// How a message says what the object is ("the index `#[model(index)]` gives field `a`").
    what: String,
    /// Where an error about a name the user wrote (or an index the user declared) points.
    span: Option<Span>,
}

/// What [`plan`] decided.
pub(crate) struct Plan {
    /// The name of each `index(...)`, in declaration order; `None` for one whose fields are
    /// not all columns (an error says so already).
    pub index_names: Vec<Option<String>>,
    /// Errors: where, and what.
    errors: Vec<(Span, String)>,
}

/// Records every error of the naming rules (see the module documentation).
pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    for (span, message) in plan(cont).errors {
        cx.error(span, message);
    }
}

/// The columns (in order) of `index`, when every field it names is a column, once.
fn index_columns(cont: &Container<'_>, index: &IndexAttr) -> Option<Vec<String>> {
    if let Some(exprs) = &index.expressions {
        // An expression index has no columns of its own; its name is required.
        return (index.fields.is_none() && !exprs.is_empty()).then(Vec::new);
    }
    let fields = index.fields.as_ref()?;
    let mut columns = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for lit in fields {
        let name = lit.value();
        let field = cont.column_field(&name)?;
        if seen.contains(&name) {
            return None;
        }
        seen.push(name);
        columns.push(field.column().0);
    }
    (!columns.is_empty()).then_some(columns)
}

/// How `index(...)` is written, for messages: `index(fields = ["a", "b"], unique)`.
fn spelled(index: &IndexAttr) -> String {
    let key = if index.expressions.is_some() {
        "expressions"
    } else {
        "fields"
    };
    let fields: Vec<String> = index
        .expressions
        .as_ref()
        .or(index.fields.as_ref())
        .into_iter()
        .flatten()
        .map(|l| format!("{:?}", l.value()))
        .collect();
    // The options too, so a message about two indexes over the same fields tells them apart.
    let mut options = String::new();
    if index.unique.is_some() {
        options.push_str(", unique");
    }
    if let Some(include) = &index.include {
        let include: Vec<String> = include.iter().map(|l| format!("{:?}", l.value())).collect();
        options.push_str(&format!(", include = [{}]", include.join(", ")));
    }
    if let Some(method) = &index.method {
        options.push_str(&format!(", method = {:?}", method.value()));
    }
    if let Some((_, distinct)) = index.nulls_distinct {
        options.push_str(&format!(", nulls_distinct = {distinct}"));
    }
    if let Some(condition) = &index.condition {
        options.push_str(&format!(", condition = {:?}", condition.value()));
    }
    format!("`index({key} = [{}]{options})`", fields.join(", "))
}

/// Decides the name of every `index(...)` and finds every redundant index and every name the
/// user wrote that clashes (see the module documentation).
pub(crate) fn plan(cont: &Container<'_>) -> Plan {
    let (table, _) = cont.table();
    let pk = match cont.primary_key() {
        PrimaryKey::Explicit(i) | PrimaryKey::ImplicitId(i) => Some(i),
        PrimaryKey::Composite | PrimaryKey::Missing => None,
    };
    let mut objects: Vec<Object> = Vec::new();
    let mut errors: Vec<(Span, String)> = Vec::new();

    // The indexes behind the fields' own settings, by field. (Fields, not columns, are
    // compared: two fields on one column have an error of their own.)
    let mut own: BTreeMap<&str, OwnIndex> = BTreeMap::new();
    for (i, field) in cont.columns() {
        if let Some(kind) = OwnIndex::of(field, cont.is_key_field(i)) {
            let (column, _) = field.column();
            objects.push(Object {
                name: names::field_index(&table, &column, kind.unique()),
                kind: Kind::FieldIndex,
                what: kind.describe(&field.name),
                span: None,
            });
            own.insert(&field.name, kind);
        }
    }

    // Each `index(...)`: its columns, unless malformed or repeating another index.
    let columns: Vec<Option<Vec<String>>> = cont
        .attrs
        .indexes
        .iter()
        .map(|index| index_columns(cont, index))
        .collect();
    let fields: Vec<Vec<String>> = cont
        .attrs
        .indexes
        .iter()
        .map(|index| match &index.expressions {
            // Compared by their text, apart from any field.
            Some(exprs) => exprs.iter().map(|e| format!("\0{}", e.value())).collect(),
            None => index.fields.iter().flatten().map(LitStr::value).collect(),
        })
        .collect();
    // A condition, `include`, a method or `nulls_distinct = false` makes another index over
    // the same fields (a partial unique index beside a covering one), not a repeat.
    let options: Vec<Option<String>> = cont
        .attrs
        .indexes
        .iter()
        .map(|index| {
            let method = index
                .method
                .as_ref()
                .map(LitStr::value)
                .filter(|m| !m.eq_ignore_ascii_case("btree"));
            let include: Vec<String> = index.include.iter().flatten().map(LitStr::value).collect();
            let nulls_distinct = index.nulls_distinct.is_none_or(|(_, d)| d);
            let plain = index.condition.is_none()
                && include.is_empty()
                && method.is_none()
                && nulls_distinct;
            (!plain).then(|| {
                format!(
                    "{:?}",
                    (
                        index.condition.as_ref().map(LitStr::value),
                        include,
                        method,
                        nulls_distinct
                    )
                )
            })
        })
        .collect();
    let mut usable = vec![false; columns.len()];
    for (k, index) in cont.attrs.indexes.iter().enumerate() {
        if columns[k].is_none() {
            continue;
        }
        let unique = index.unique.is_some();
        if let ([field], None) = (fields[k].as_slice(), &options[k]) {
            if let Some(kind) = own.get(field.as_str()) {
                if kind.unique() == unique {
                    errors.push((index.key, repeats_own_index(index, *kind, field)));
                    continue;
                }
            }
        }
        let earlier = (0..k).find(|&j| {
            usable[j]
                && fields[j] == fields[k]
                && options[j] == options[k]
                && cont.attrs.indexes[j].unique.is_some() == unique
        });
        if let Some(j) = earlier {
            let other = &cont.attrs.indexes[j];
            errors.push((
                index.key,
                format!(
                    "{} repeats the earlier {} (the same fields in the same order, with the \
                     same options); remove one of the two",
                    spelled(index),
                    spelled(other),
                ),
            ));
            continue;
        }
        usable[k] = true;
    }

    // The index MySQL/MariaDB need for a foreign key whose column no index starts with.
    let pk_column = pk.map(|i| cont.fields[i].column().0);
    for (i, field) in cont.columns() {
        if field.attrs.foreign_key.is_none() || pk == Some(i) {
            continue;
        }
        let (column, _) = field.column();
        let covered = own.contains_key(field.name.as_str())
            || pk_column.as_ref() == Some(&column)
            || columns
                .iter()
                .zip(&usable)
                .any(|(cols, ok)| *ok && cols.as_ref().and_then(|c| c.first()) == Some(&column));
        if !covered {
            objects.push(Object {
                name: names::field_index(&table, &column, false),
                kind: Kind::ForeignKeyIndex,
                what: format!(
                    "the index MySQL/MariaDB need for foreign key `{}` (no other index starts \
                     with its column)",
                    field.name
                ),
                span: None,
            });
        }
    }

    // The names the user wrote.
    for (k, index) in cont.attrs.indexes.iter().enumerate() {
        if let (Some(lit), true) = (&index.name, usable[k]) {
            if identifier_problem(&lit.value()).is_none() {
                objects.push(Object {
                    name: lit.value(),
                    kind: Kind::NamedIndex,
                    what: format!("index `{}`", lit.value()),
                    span: Some(lit.span()),
                });
            }
        }
    }
    for check in &cont.attrs.checks {
        if let Some(lit) = &check.name {
            if identifier_problem(&lit.value()).is_none() {
                objects.push(Object {
                    name: lit.value(),
                    kind: Kind::Check,
                    what: format!("check `{}`", lit.value()),
                    span: Some(lit.span()),
                });
            }
        }
    }

    // The unnamed indexes: the usual name when it is free, else the disambiguated one.
    let mut index_names: Vec<Option<String>> = vec![None; columns.len()];
    let usual: Vec<Option<String>> = cont
        .attrs
        .indexes
        .iter()
        .enumerate()
        .map(|(k, index)| {
            let cols = columns[k].as_ref().filter(|_| usable[k])?;
            match &index.name {
                Some(lit) => {
                    index_names[k] = Some(lit.value());
                    None
                }
                None => Some(names::index(&table, cols, index.unique.is_some())),
            }
        })
        .collect();
    for (k, index) in cont.attrs.indexes.iter().enumerate() {
        let Some(name) = &usual[k] else { continue };
        let key = name.to_ascii_lowercase();
        let taken = objects.iter().any(|o| o.name.to_ascii_lowercase() == key)
            || usual.iter().enumerate().any(|(j, other)| {
                j != k && other.as_ref().map(|o| o.to_ascii_lowercase()) == Some(key.clone())
            });
        let unique = index.unique.is_some();
        let cols = columns[k].as_ref().expect("usual names have columns");
        let name = if taken {
            names::index_disambiguated(&table, cols, unique)
        } else {
            name.clone()
        };
        objects.push(Object {
            name: name.clone(),
            kind: Kind::DefaultIndex,
            what: format!("the name migrator gives {}", spelled(index)),
            span: Some(index.key),
        });
        index_names[k] = Some(name);
    }

    // Names PostgreSQL gives the table's other objects.
    objects.push(Object {
        name: table.clone(),
        kind: Kind::Table,
        what: "the table's name".into(),
        span: None,
    });
    objects.push(Object {
        name: names::primary_key(&table),
        kind: Kind::PrimaryKey,
        what: "PostgreSQL's name for the table's primary key".into(),
        span: None,
    });
    if let Some(i) = pk {
        let field = &cont.fields[i];
        if field.attrs.auto.is_some() || cont.primary_key() == PrimaryKey::ImplicitId(i) {
            objects.push(Object {
                name: names::identity_sequence(&table, &field.column().0),
                kind: Kind::Sequence,
                what: format!(
                    "PostgreSQL's name for the sequence of auto-increment field `{}`",
                    field.name
                ),
                span: None,
            });
        }
    }

    errors.extend(clashes(&objects));
    Plan {
        index_names,
        errors,
    }
}

/// The error for an `index(...)` on one field that repeats the field's own index.
fn repeats_own_index(index: &IndexAttr, kind: OwnIndex, field: &str) -> String {
    let fix = match kind {
        OwnIndex::ForeignKey => format!(
            "remove this `index(...)`, or add `index = false` to `{field}` to keep only this one"
        ),
        OwnIndex::Explicit => format!("remove this `index(...)` or `index` on `{field}`"),
        OwnIndex::Unique => format!("remove this `index(...)` or `unique` on `{field}`"),
    };
    format!("{} repeats {}; {fix}", spelled(index), kind.describe(field))
}

/// An error for every pair of objects that share a name, where one of them is a name the
/// user wrote or an index the user declared. Two `index(...)` names written twice, and two
/// check names, have their own errors in `check.rs`.
fn clashes(objects: &[Object]) -> Vec<(Span, String)> {
    let mut out = Vec::new();
    for (b, later) in objects.iter().enumerate() {
        let Some(span) = later.span else { continue };
        let key = later.name.to_ascii_lowercase();
        let earlier = objects.iter().enumerate().find_map(|(a, o)| {
            let why = later.kind.clashes_with(o.kind)?;
            (a != b
                && o.name.to_ascii_lowercase() == key
                && !(o.kind == later.kind && matches!(o.kind, Kind::NamedIndex | Kind::Check))
                // Report a pair of two user-written objects once, at the later one.
                && (o.span.is_none() || a < b))
                .then_some((o, why))
        });
        let Some((other, why)) = earlier else {
            continue;
        };
        let message = match later.kind {
            // Two unnamed indexes over the same fields that differ in their options only.
            Kind::DefaultIndex if other.kind == Kind::DefaultIndex => format!(
                "{}, `{}`, is also {}: a generated name covers only the fields and whether \
                 the index is unique, not its condition, `include`, method or \
                 `nulls_distinct`; give this index a `name = \"…\"` (as Django requires for \
                 an index with a condition)",
                later.what,
                later.name,
                name_of(other)
            ),
            Kind::DefaultIndex => format!(
                "{}, `{}`, is also {} ({why}); give this index a `name = \"…\"`",
                later.what,
                later.name,
                name_of(other)
            ),
            Kind::NamedIndex => format!(
                "index name `{}` is also {} ({why}); choose another name",
                later.name,
                name_of(other)
            ),
            _ => format!(
                "check name `{}` is also {} ({why}); choose another name",
                later.name,
                name_of(other)
            ),
        };
        out.push((span, message));
    }
    out
}

/// `the name of <what>` (or `<what>` when it already says it is a name).
fn name_of(o: &Object) -> String {
    if o.what.starts_with("the name") || o.what.contains("name for") || o.what.contains("'s name") {
        o.what.clone()
    } else {
        format!("the name of {}", o.what)
    }
}
