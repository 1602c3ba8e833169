//! Rules that involve more than one key or more than one field (serde's `internals/check.rs`
//! habit): one small named function per rule, each saying what it rejects.
//!
//! Every rule records its errors in the [`Ctxt`] and returns, so all of them run on every
//! build. Rules that need the Rust type system (`max_length` on an integer, a foreign key to a
//! non-model, a type without `Column`) are not here: `codegen.rs` emits trait assertions for
//! those and rustc reports them at the offending token.

use std::collections::BTreeMap;

use migrator_descriptor::sql::{self, Fragment, ProblemKind};
use proc_macro2::Span;
use syn::LitStr;

use crate::ast::{Container, Field};
use crate::attr::{IndexAttr, OnDelete};
use crate::ctxt::Ctxt;
use crate::ident::{identifier_problem, MAX_IDENTIFIER_BYTES};

pub(crate) mod foreign_key;
mod primary_key;
use primary_key::{check_auto_on_primary_key, check_primary_key};

/// Runs every rule on the container.
pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    check_table_name(cx, cont);
    check_column_names(cx, cont);
    check_duplicate_columns(cx, cont);
    check_primary_key(cx, cont);
    check_model_renamed_from(cx, cont);
    for field in &cont.fields {
        check_skip_stands_alone(cx, field);
        check_foreign_key_on_delete(cx, field);
        check_decimal_pair(cx, field);
        check_db_type_exclusive(cx, field);
        check_single_default(cx, field);
        check_field_renamed_from(cx, field);
        check_generated(cx, field);
    }
    check_auto_on_primary_key(cx, cont);
    check_indexes(cx, cont);
    check_checks(cx, cont);
    check_verbatim_sql(cx, cont);
    crate::relations::check(cx, cont);
    foreign_key::check(cx, cont);
    crate::names::check(cx, cont);
}

/// Records an error when `name` (a `what`, e.g. "table name") is not a valid identifier,
/// with a corrected name to copy when one can be derived.
fn check_identifier(cx: &Ctxt, what: &str, name: &str, span: Span, fix: &str) {
    let Some(problem) = identifier_problem(name) else {
        return;
    };
    let message = if name.len() > MAX_IDENTIFIER_BYTES && problem.contains("bytes") {
        format!(
            "{what} `{name}` is too long: {problem} (PostgreSQL cuts longer names); choose a \
             shorter name{fix}"
        )
    } else {
        let suggestion = suggest_identifier(name)
            .map(|s| format!(", e.g. `{s}`"))
            .unwrap_or_default();
        format!(
            "{what} `{name}` is not a valid SQL identifier: {problem}; use only ASCII letters, \
             digits and `_`, not starting with a digit{suggestion}{fix}"
        )
    };
    cx.error(span, message);
}

/// `name` with every invalid character replaced by `_` (and a leading `_` before a digit),
/// when that gives a valid identifier.
fn suggest_identifier(name: &str) -> Option<String> {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    (identifier_problem(&out).is_none() && out.chars().any(|c| c.is_ascii_alphanumeric()))
        .then_some(out)
}

/// Rejects a table name (explicit or derived from the struct name) that is not an identifier.
fn check_table_name(cx: &Ctxt, cont: &Container<'_>) {
    let (table, span) = cont.table();
    let fix = if cont.attrs.table.is_none() {
        " (set one with `#[model(table = \"…\")]`)"
    } else {
        ""
    };
    check_identifier(cx, "table name", &table, span, fix);
}

/// Rejects a column name (explicit or the field name) that is not an identifier.
fn check_column_names(cx: &Ctxt, cont: &Container<'_>) {
    for (_, field) in cont.columns() {
        let (column, span) = field.column();
        let fix = if field.attrs.column.is_none() {
            " (set one with `#[model(column = \"…\")]`)"
        } else {
            ""
        };
        check_identifier(cx, "column name", &column, span, fix);
    }
}

/// Rejects two fields that map to the same column.
fn check_duplicate_columns(cx: &Ctxt, cont: &Container<'_>) {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for (_, field) in cont.columns() {
        let (column, span) = field.column();
        if let Some(first) = seen.get(&column) {
            cx.error(
                span,
                format!(
                    "column `{column}` is already used by field `{first}`; give this field \
                     another `#[model(column = \"…\")]`"
                ),
            );
        } else {
            seen.insert(column, &field.name);
        }
    }
}

/// Rejects any other setting next to `skip`: a skipped field is not a column.
fn check_skip_stands_alone(cx: &Ctxt, field: &Field<'_>) {
    if field.attrs.skip.is_none() {
        return;
    }
    for (key, span) in field.attrs.set_keys() {
        cx.error(
            span,
            format!(
                "`{key}` has no effect on a `skip` field (`{}` is not a column); remove `{key}` \
                 or `skip`",
                field.name
            ),
        );
    }
}

/// Rejects `foreign_key` without `on_delete` (required, as in Django ≥ 2) and `on_delete`
/// without `foreign_key`.
fn check_foreign_key_on_delete(cx: &Ctxt, field: &Field<'_>) {
    let given = &field.attrs.given;
    match (&field.attrs.foreign_key, &field.attrs.on_delete) {
        (Some(fk), None) if !given.contains("on_delete") => cx.error(
            fk.key,
            "`foreign_key` needs `on_delete`: add `on_delete = \"cascade\"` (or \"restrict\", \
             \"set_null\", \"set_default\", \"no_action\")",
        ),
        (None, Some(od)) if !given.contains("foreign_key") => cx.error(
            od.key,
            "`on_delete` only applies to a foreign key: add `foreign_key = OtherModel`, or \
             remove `on_delete`",
        ),
        _ => {}
    }
    if let Some(od) = &field.attrs.on_delete {
        if od.value.0 == OnDelete::SetDefault
            && !given.contains("default")
            && !given.contains("default_sql")
        {
            cx.error(
                od.value.1.span(),
                "`on_delete = \"set_default\"` needs a column default: add `default = …` or \
                 `default_sql = \"…\"`",
            );
        }
    }
}

/// Rejects `precision` without `scale` and the reverse (both are needed, as in Django's
/// `max_digits` / `decimal_places`), and a scale larger than the precision.
fn check_decimal_pair(cx: &Ctxt, field: &Field<'_>) {
    let given = &field.attrs.given;
    match (&field.attrs.precision, &field.attrs.scale) {
        (Some(p), None) if !given.contains("scale") => cx.error(
            p.key,
            format!(
                "`precision` needs `scale` too: add `scale = N` (digits after the point, at \
                 most {})",
                p.value
            ),
        ),
        (None, Some(s)) if !given.contains("precision") => cx.error(
            s.key,
            "`scale` needs `precision` too: add `precision = N` (total digits)",
        ),
        (Some(p), Some(s)) if s.value > p.value => cx.error(
            s.key,
            format!(
                "`scale = {}` is larger than `precision = {}`; the scale counts digits after \
                 the point and cannot exceed the total",
                s.value, p.value
            ),
        ),
        _ => {}
    }
}

/// Rejects type-shaping settings and `auto` next to `db_type`, which spells the whole type.
fn check_db_type_exclusive(cx: &Ctxt, field: &Field<'_>) {
    if field.attrs.db_type.is_none() {
        return;
    }
    let conflicts = [
        ("max_length", field.attrs.max_length.as_ref().map(|s| s.key)),
        ("precision", field.attrs.precision.as_ref().map(|s| s.key)),
        ("scale", field.attrs.scale.as_ref().map(|s| s.key)),
        ("auto", field.attrs.auto),
    ];
    for (key, span) in conflicts {
        if let Some(span) = span {
            cx.error(
                span,
                format!(
                    "`{key}` cannot be combined with `db_type`, which spells the whole column \
                     type; put it into the `db_type` text or remove `db_type`"
                ),
            );
        }
    }
}

/// Rejects `default` together with `default_sql`, and a default on an `auto` column.
fn check_single_default(cx: &Ctxt, field: &Field<'_>) {
    if let (Some(_), Some(sql)) = (&field.attrs.default, &field.attrs.default_sql) {
        cx.error(
            sql.key,
            "`default` and `default_sql` cannot both be set; keep one",
        );
    }
    if let Some(auto) = field.attrs.auto {
        if field.attrs.default.is_some() || field.attrs.default_sql.is_some() {
            cx.error(
                auto,
                "an `auto` column gets its value from the database and cannot have a default; \
                 remove the default or `auto`",
            );
        }
    }
}

/// Rejects a `generated(...)` without its expression or without exactly one of `stored` and
/// `virtual`, an expression that is not one row-level SQL expression (at the literal), and
/// the keys a generated column cannot have: a default (the expression is its value), a
/// primary key, `auto`, a foreign key, `db_type` (the Rust type decides the column type).
fn check_generated(cx: &Ctxt, field: &Field<'_>) {
    let Some(g) = &field.attrs.generated else {
        return;
    };
    match &g.sql {
        Some(lit) => {
            if let Err(problem) = sql::check_generated(&lit.value()) {
                cx.error(
                    lit.span(),
                    format!(
                        "`generated(sql = …)` must be one SQL expression over the row's \
                         columns, but {problem}; write only the expression, as in \
                         `sql = \"price * quantity\"`"
                    ),
                );
            }
        }
        None if !g.given.contains("sql") => cx.error(
            g.key,
            "`generated(...)` needs its expression, as in \
             `generated(sql = \"price * quantity\", stored)`",
        ),
        None => {}
    }
    match (g.stored, g.virtual_) {
        (Some(_), Some(v)) => cx.error(
            v,
            "`stored` and `virtual` cannot both be set; a generated column is one or the other",
        ),
        (None, None) if !g.given.contains("stored") && !g.given.contains("virtual") => cx.error(
            g.key,
            "`generated(...)` needs `stored` (computed on write and kept) or `virtual` \
             (computed on read), as in `generated(sql = \"price * quantity\", stored)`; \
             PostgreSQL keeps only `stored` ones",
        ),
        _ => {}
    }
    let a = &field.attrs;
    let excluded = [
        ("default", a.default.as_ref().map(|s| s.key)),
        ("default_sql", a.default_sql.as_ref().map(|s| s.key)),
        ("primary_key", a.primary_key),
        ("auto", a.auto),
        ("foreign_key", a.foreign_key.as_ref().map(|s| s.key)),
        ("db_type", a.db_type.as_ref().map(|s| s.key)),
    ];
    for (key, span) in excluded {
        if let Some(span) = span {
            cx.error(
                span,
                format!(
                    "`{key}` cannot be combined with `generated(...)`: the database computes \
                     a generated column from its expression; remove `{key}` or `generated`"
                ),
            );
        }
    }
}

/// Rejects a model `renamed_from` that is not a Rust identifier or is the model's own name.
fn check_model_renamed_from(cx: &Ctxt, cont: &Container<'_>) {
    if let Some(lit) = &cont.attrs.renamed_from {
        check_rename(cx, "model", &cont.name, &lit.value(), lit.span());
    }
}

/// Rejects a field `renamed_from` that is not an identifier or is the field's own name.
fn check_field_renamed_from(cx: &Ctxt, field: &Field<'_>) {
    if let Some(lit) = &field.attrs.renamed_from {
        check_rename(cx, "field", &field.name, &lit.value(), lit.span());
    }
}

/// Shared by the two `renamed_from` rules.
fn check_rename(cx: &Ctxt, what: &str, current: &str, old: &str, span: Span) {
    if let Some(problem) = identifier_problem(old) {
        cx.error(
            span,
            format!("`renamed_from = \"{old}\"` does not name a {what}: {problem}"),
        );
    } else if old == current {
        cx.error(
            span,
            format!(
                "`renamed_from = \"{old}\"` is this {what}'s own name; give the previous name, \
                 or remove `renamed_from` once the rename is migrated"
            ),
        );
    }
}

/// Rejects an expression index (`expressions = [...]`) that also has `fields` (Django:
/// "mutually exclusive"), has no `name` (migrator derives names only from fields), or has an
/// empty expression or one that is only a column's name (that is `fields`).
fn check_expression_index(cx: &Ctxt, cont: &Container<'_>, index: &IndexAttr, exprs: &[LitStr]) {
    if index.given.contains("fields") {
        let span = index
            .fields
            .iter()
            .flatten()
            .next()
            .map_or(index.key, LitStr::span);
        cx.error(
            span,
            "`index(...)` takes `fields` or `expressions`, not both; index the expressions \
             alone (a column is an expression too, as in `expressions = [\"lower(email)\", \
             \"tenant_id\"]`) or the fields alone",
        );
    }
    if !index.given.contains("name") {
        cx.error(
            index.key,
            "an expression index needs `name` (migrator derives index names only from \
             fields), as in `index(expressions = [\"lower(email)\"], name = \
             \"users_email_lower_idx\")`",
        );
    }
    let column = |text: &str| {
        let bare = text.trim().trim_matches('"');
        cont.columns()
            .find(|(_, f)| f.column().0.eq_ignore_ascii_case(bare))
            .map(|(_, f)| f.name.clone())
    };
    for lit in exprs {
        if lit.value().trim().is_empty() {
            cx.error(
                lit.span(),
                "this expression is empty; write one SQL expression over the columns, as in \
                 `\"lower(email)\"`",
            );
        }
    }
    // Only columns: the database keeps a plain index, which is `fields`.
    let columns: Vec<String> = exprs.iter().filter_map(|l| column(&l.value())).collect();
    if let (Some(first), true) = (exprs.first(), columns.len() == exprs.len()) {
        cx.error(
            first.span(),
            format!(
                "these expressions are only columns; index them with `fields = [{}]` (or \
                 write an expression over them)",
                columns
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
}

/// Rejects indexes without `fields` (or `expressions`), naming a missing or skipped field,
/// naming a field twice, with an invalid name, or with the same name as another index or
/// check.
fn check_indexes(cx: &Ctxt, cont: &Container<'_>) {
    let mut names: BTreeMap<String, ()> = BTreeMap::new();
    for index in &cont.attrs.indexes {
        let no_fields: Vec<LitStr> = Vec::new();
        let fields = match (&index.fields, &index.expressions) {
            (_, Some(exprs)) => {
                check_expression_index(cx, cont, index, exprs);
                &no_fields
            }
            (_, None) if index.given.contains("expressions") => &no_fields,
            (Some(fields), None) => fields,
            (None, None) if index.given.contains("fields") => continue,
            (None, None) => {
                cx.error(
                    index.key,
                    "`index(...)` needs `fields`, as in `index(fields = [\"author\", \
                     \"title\"])`, or `expressions` with a `name`, as in \
                     `index(expressions = [\"lower(email)\"], name = \"users_email_lower_idx\")`",
                );
                continue;
            }
        };
        let mut seen: Vec<String> = Vec::new();
        for lit in fields {
            let name = lit.value();
            if cont.column_field(&name).is_none() {
                cx.error(
                    lit.span(),
                    cont.not_a_column("index field", &name, "index a column instead"),
                );
            } else if seen.contains(&name) {
                cx.error(
                    lit.span(),
                    format!("index names field `{name}` twice; list each field once"),
                );
            } else {
                seen.push(name);
            }
        }
        for lit in index.include.iter().flatten() {
            let name = lit.value();
            if cont.column_field(&name).is_none() {
                cx.error(
                    lit.span(),
                    format!("included field `{name}` is not a column of `{}`", cont.name),
                );
            } else if seen.contains(&name) {
                cx.error(
                    lit.span(),
                    format!(
                        "field `{name}` is in the index's key already; list it in `fields` or \
                         `include`, not both"
                    ),
                );
            }
        }
        if let Some(lit) = &index.method {
            let method = lit.value();
            if !["btree", "hash", "gin", "gist"].contains(&method.as_str()) {
                cx.error(
                    lit.span(),
                    format!(
                        "index method `{method}` is not one migrator knows; use \
                         `btree`, `hash`, `gin` or `gist`"
                    ),
                );
            } else if method != "btree" && index.unique.is_some() {
                cx.error(
                    lit.span(),
                    format!(
                        "a `{method}` index cannot be unique (PostgreSQL builds unique indexes \
                         only as B-tree); drop `unique` or `method`"
                    ),
                );
            }
        }
        if let (Some((span, _)), None) = (index.nulls_distinct, index.unique) {
            cx.error(
                span,
                "`nulls_distinct` is about unique indexes; add `unique`, as in \
                 `index(fields = [\"email\"], unique, nulls_distinct = false)`, or leave it out",
            );
        }
        if let Some(lit) = index
            .condition
            .as_ref()
            .filter(|c| c.value().trim().is_empty())
        {
            cx.error(
                lit.span(),
                "`condition` is empty; write the rows the index covers, as in \
                 `condition = \"deleted_at IS NULL\"` (or leave `condition` out)",
            );
        }
        if let Some(lit) = &index.name {
            check_identifier(cx, "index name", &lit.value(), lit.span(), "");
            if names.insert(lit.value(), ()).is_some() {
                cx.error(
                    lit.span(),
                    format!(
                        "index name `{}` is used twice in `{}`; give each index its own name",
                        lit.value(),
                        cont.name
                    ),
                );
            }
        }
    }
}

/// Rejects checks without `name` or `sql`, with an empty `sql`, an invalid name, or a name
/// used twice.
fn check_checks(cx: &Ctxt, cont: &Container<'_>) {
    let mut names: BTreeMap<String, ()> = BTreeMap::new();
    for check in &cont.attrs.checks {
        if !check.given.contains("name") {
            cx.error(
                check.key,
                "`check(...)` needs `name`, as in \
                 `check(name = \"books_pages_positive\", sql = \"pages > 0\")`",
            );
        }
        match &check.sql {
            None if check.given.contains("sql") => {}
            None => cx.error(
                check.key,
                "`check(...)` needs `sql`: the SQL condition to enforce, as in \
                 `check(name = \"books_pages_positive\", sql = \"pages > 0\")`",
            ),
            Some(sql) if sql.value().trim().is_empty() => cx.error(
                sql.span(),
                "`sql` is empty; write the SQL condition to enforce, as in `sql = \"pages > 0\"`",
            ),
            Some(_) => {}
        }
        if let Some(lit) = &check.name {
            check_identifier(cx, "check name", &lit.value(), lit.span(), "");
            if names.insert(lit.value(), ()).is_some() {
                cx.error(
                    lit.span(),
                    format!(
                        "check name `{}` is used twice in `{}`; give each check its own name",
                        lit.value(),
                        cont.name
                    ),
                );
            }
        }
    }
}

/// Rejects verbatim SQL that is not one expression (`check(sql = …)`, `default_sql`) or one
/// column type (`db_type`): a statement separator, a comment opener, a dollar quote, an
/// unbalanced parenthesis or quote (issue 12.6: such text was spliced into DDL and ran as
/// statements of its own). The rule is `migrator_descriptor::sql`, which migrator-core also
/// applies to migration files. Empty text has its own error (in `attr.rs` and
/// [`check_checks`]).
fn check_verbatim_sql(cx: &Ctxt, cont: &Container<'_>) {
    for index in &cont.attrs.indexes {
        for lit in index.expressions.iter().flatten() {
            verbatim(
                cx,
                "an entry of `index(expressions = …)`",
                lit,
                Fragment::Expression,
                "write one expression per entry, as in `expressions = [\"lower(email)\"]`",
            );
        }
        if let Some(lit) = &index.condition {
            verbatim(
                cx,
                "`index(condition = …)`",
                lit,
                Fragment::Expression,
                "write only the rows' condition, as in `condition = \"deleted_at IS NULL\"`",
            );
        }
    }
    for check in &cont.attrs.checks {
        if let Some(lit) = &check.sql {
            verbatim(
                cx,
                "`check(sql = …)`",
                lit,
                Fragment::Expression,
                "write only the condition, as in `sql = \"pages > 0\"`",
            );
        }
    }
    for (_, field) in cont.columns() {
        if let Some(sql) = &field.attrs.default_sql {
            verbatim(
                cx,
                "`default_sql`",
                &sql.value,
                Fragment::Expression,
                "write only the expression, as in `default_sql = \"CURRENT_TIMESTAMP\"`",
            );
        }
        if let Some(db_type) = &field.attrs.db_type {
            verbatim(
                cx,
                "`db_type`",
                &db_type.value,
                Fragment::Type,
                "write only the type, as in `db_type = \"NUMERIC(10, 2)\"`",
            );
        }
    }
}

/// Records the error for one verbatim SQL literal that breaks the rule, at the literal.
fn verbatim(cx: &Ctxt, attribute: &str, lit: &LitStr, fragment: Fragment, fix: &str) {
    match sql::check(&lit.value(), fragment) {
        Ok(()) => {}
        Err(problem) if problem.kind == ProblemKind::Empty && attribute != "`default_sql`" => {}
        Err(problem) => cx.error(
            lit.span(),
            format!(
                "{attribute} must be {}, but {problem}; {fix} (statements of their own go in \
                 a migration's `run_sql([...])`)",
                fragment.noun()
            ),
        ),
    }
}
