//! The primary-key rules: one key per model, spelled one way. A one-column key is
//! `primary_key` on its field (or the implicit `id`); a composite key is
//! `primary_key(fields = [...])` on the struct, and nothing else says `primary_key` then.

use syn::spanned::Spanned;

use crate::ast::{Container, Field, PrimaryKey};
use crate::attr::primary_key_example as EXAMPLE;
use crate::ctxt::Ctxt;

/// Rejects a second field-level `primary_key` (the fix is the struct-level list), a
/// composite key that is malformed (see [`check_composite_key`]), `unique` or `index` on a
/// one-column key (see [`check_single_key_flags`]), a `db_type` key column
/// written `Option<…>`, and a model with no primary key at all (no field says `primary_key`,
/// no struct-level list, and no field is named `id`).
pub(super) fn check_primary_key(cx: &Ctxt, cont: &Container<'_>) {
    let marked: Vec<&Field<'_>> = cont
        .columns()
        .map(|(_, f)| f)
        .filter(|f| f.attrs.primary_key.is_some())
        .collect();
    if cont.attrs.primary_key.is_some() {
        check_composite_key(cx, cont, &marked);
    } else if let Some((first, rest)) = marked.split_first() {
        for extra in rest {
            let names: Vec<String> = marked.iter().map(|f| format!("\"{}\"", f.name)).collect();
            cx.error(
                extra.attrs.primary_key.expect("filtered on primary_key"),
                format!(
                    "`{}` already has a primary-key field (`{}`); for a primary key of several \
                     columns, list them on the struct, `#[model(primary_key(fields = [{}]))]`, \
                     and remove `primary_key` from the fields",
                    cont.name,
                    first.name,
                    names.join(", ")
                ),
            );
        }
    }
    let key_fields: Vec<usize> = match cont.primary_key() {
        PrimaryKey::Explicit(i) | PrimaryKey::ImplicitId(i) => {
            check_single_key_flags(cx, &cont.fields[i]);
            vec![i]
        }
        PrimaryKey::Composite => cont.composite_key(),
        PrimaryKey::Missing => Vec::new(),
    };
    for i in key_fields {
        let field = &cont.fields[i];
        if field.attrs.db_type.is_some() && field.is_syntactic_option() {
            cx.error(
                field.ty.span(),
                format!(
                    "the primary key `{}` cannot be NULL: remove the `Option<…>` around its type",
                    field.name
                ),
            );
        }
    }
    // A `primary_key` written with a bad value (`primary_key = true`) has its own error.
    let attempted = cont
        .fields
        .iter()
        .any(|f| f.attrs.given.contains("primary_key"));
    if cont.primary_key() == PrimaryKey::Missing && !attempted {
        cx.error(
            cont.ident.span(),
            format!(
                "model `{}` has no primary key: add a field `id: i64` (an auto-increment \
                 primary key), mark one field `#[model(primary_key)]`, or list the fields of \
                 a composite key on the struct, `#[model({EXAMPLE})]`",
                cont.name
            ),
        );
    }
}

/// Rejects `unique` and `index` (`index = false` says nothing and passes) on the field of a
/// one-column primary key: the key is unique and indexed already, so neither would make
/// anything on any backend, and migrations refuse the combination (a flag the database never
/// shows is not kept in the state).
fn check_single_key_flags(cx: &Ctxt, field: &Field<'_>) {
    let a = &field.attrs;
    let own = [
        ("unique", a.unique),
        ("index", a.index.as_ref().filter(|i| i.value).map(|i| i.key)),
    ];
    for (key, span) in own {
        if let Some(span) = span {
            cx.error(
                span,
                format!(
                    "`{}` is the primary key, which is unique and indexed already; remove \
                     `{key}` here",
                    field.name
                ),
            );
        }
    }
}

/// Rejects a composite `primary_key(fields = [...])` without `fields`, with one field (that
/// is `primary_key` on the field), naming a field that is not a column, naming one twice,
/// naming them in another order than the struct declares them (the key's columns follow the
/// struct's order), or naming a generated column; and a field-level `primary_key`,
/// `unique` or `index` on a field of the key (the key is the table's only key and index on
/// those columns; a unique or index of one of them is an `index(...)` on the struct).
fn check_composite_key(cx: &Ctxt, cont: &Container<'_>, marked: &[&Field<'_>]) {
    let pk = cont.attrs.primary_key.as_ref().expect("called with a list");
    for field in marked {
        cx.error(
            field
                .attrs
                .primary_key
                .expect("marked fields say primary_key"),
            format!(
                "`{}` declares its primary key on the struct (`primary_key(fields = [...])`); \
                 remove `primary_key` from field `{}` (list it there instead)",
                cont.name, field.name
            ),
        );
    }
    let Some(fields) = &pk.fields else {
        if !pk.fields_given {
            cx.error(
                pk.key,
                format!("`primary_key(...)` needs `fields`, as in `{EXAMPLE}`"),
            );
        }
        return;
    };
    if let [only] = fields.as_slice() {
        cx.error(
            only.span(),
            format!(
                "a primary key of one field is written on the field: put \
                 `#[model(primary_key)]` on `{}` and remove `primary_key(...)` from the struct",
                only.value()
            ),
        );
        return;
    }
    let mut seen: Vec<(usize, String)> = Vec::new();
    for lit in fields {
        let name = lit.value();
        let Some((i, field)) = cont.columns().find(|(_, f)| f.name == name) else {
            cx.error(
                lit.span(),
                cont.not_a_column(
                    "primary-key field",
                    &name,
                    "the key's fields must be columns",
                ),
            );
            continue;
        };
        if seen.iter().any(|(_, n)| *n == name) {
            cx.error(
                lit.span(),
                format!("the primary key names field `{name}` twice; list each field once"),
            );
            continue;
        }
        if let Some((_, after)) = seen.iter().find(|(j, _)| *j > i) {
            let mut ordered = seen.clone();
            ordered.push((i, name.clone()));
            ordered.sort();
            let ordered: Vec<String> = ordered.iter().map(|(_, n)| format!("\"{n}\"")).collect();
            cx.error(
                lit.span(),
                format!(
                    "the primary key lists `{name}` after `{after}`, but the struct declares \
                     `{name}` first; the key's columns follow the struct's field order: write \
                     `fields = [{}]`, or move the fields",
                    ordered.join(", ")
                ),
            );
        }
        seen.push((i, name.clone()));
        let a = &field.attrs;
        if let Some(g) = &a.generated {
            cx.error(
                g.key,
                format!(
                    "`{name}` is part of the primary key and cannot be generated; remove \
                     `generated` or take `{name}` out of the key"
                ),
            );
        }
        let own = [
            ("unique", a.unique),
            ("index", a.index.as_ref().map(|s| s.key)),
        ];
        for (key, span) in own {
            if let Some(span) = span {
                cx.error(
                    span,
                    format!(
                        "`{name}` is part of the composite primary key, which indexes it \
                         already; remove `{key}` here (a key or index on `{name}` alone is \
                         `#[model(index(fields = [\"{name}\"]{}))]` on the struct)",
                        if key == "unique" { ", unique" } else { "" }
                    ),
                );
            }
        }
    }
}

/// Rejects `auto` on a field that is not the primary key, or on a field of a composite key
/// (auto-increment columns are one-column primary keys on every backend).
pub(super) fn check_auto_on_primary_key(cx: &Ctxt, cont: &Container<'_>) {
    let pk = match cont.primary_key() {
        PrimaryKey::Explicit(i) | PrimaryKey::ImplicitId(i) => Some(i),
        PrimaryKey::Composite | PrimaryKey::Missing => None,
    };
    for (i, field) in cont.columns() {
        if let Some(span) = field.attrs.auto {
            if cont.is_key_field(i) && pk.is_none() {
                cx.error(
                    span,
                    format!(
                        "`auto` needs a one-column primary key, and `{}` is part of a \
                         composite one; remove `auto` (SQLite cannot auto-increment a column \
                         of a composite key)",
                        field.name
                    ),
                );
            } else if Some(i) != pk {
                cx.error(
                    span,
                    format!(
                        "`auto` needs the primary key, and `{}` is not it: add `primary_key` to \
                         this field, or remove `auto`",
                        field.name
                    ),
                );
            }
        }
    }
}
