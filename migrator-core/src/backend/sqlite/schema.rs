//! The SQLite schema editor: each primitive schema change + the states around it → SQL text.
//!
//! What `ALTER TABLE` can do directly it does (rename table, add a column that is nullable or
//! has a constant default, rename a column, drop a plain column, create and drop indexes);
//! everything else rebuilds the table the way the SQLite documentation prescribes: create
//! `new__t` with the new shape, copy the rows (with a `CAST` when the type changed and a
//! `COALESCE` when NULLs must become a default), drop the old table, rename the new one and
//! recreate its indexes. Foreign-key enforcement during a rebuild is the executor's concern
//! (`PRAGMA foreign_keys = OFF` outside the transaction, `PRAGMA foreign_key_check` inside);
//! this file never runs SQL.
//!
//! Naming: a field's `unique`/`index` flag becomes a named index
//! ([`crate::db_schema::field_index_name`]); composite `unique` constraints and `CHECK` constraints are
//! written inline in `CREATE TABLE` as `CONSTRAINT "name" …`, so adding or removing them
//! rebuilds the table (as Django does on SQLite).

use std::collections::BTreeMap;

use super::features::FEATURES;
use crate::backend::editor::{default_literal, SchemaEditor, SchemaError, Step};
use crate::backend::features::Backend;
use crate::db_schema::{field_index_name, index_method, IndexDef, SqlCondition};
use crate::field_type::ColumnType;
use crate::state::{ConstraintKind, DefaultValue, FieldState, ModelKey, ModelState, ProjectState};

fn q(ident: &str) -> String {
    FEATURES.quote(ident)
}

/// The SQLite schema editor.
#[derive(Clone, Copy, Debug, Default)]
pub struct SqliteEditor;

/// The declared SQLite type of a field's column: `INTEGER` for an auto-increment primary key
/// (the rowid alias), otherwise `SMALLINT`, `INTEGER`, `BIGINT`, `REAL`, `DOUBLE`, `BOOLEAN`,
/// `TEXT`, `VARCHAR(n)`, `BLOB`, `DATE`, `TIME`, `TIMESTAMP`, `TIMESTAMPTZ`, `CHAR(36)` (UUID),
/// `TEXT` (JSON), `DECIMAL(p, s)`, or a custom type verbatim. Every spelling keeps a safe
/// SQLite type affinity (UUID and JSON text are never coerced to numbers).
pub fn column_type_sql(field: &FieldState) -> String {
    if field.auto_increment && field.primary_key {
        return "INTEGER".to_owned();
    }
    match &field.column_type {
        ColumnType::SmallInt => "SMALLINT".to_owned(),
        ColumnType::Integer => "INTEGER".to_owned(),
        ColumnType::BigInt => "BIGINT".to_owned(),
        ColumnType::Float => "REAL".to_owned(),
        ColumnType::Double => "DOUBLE".to_owned(),
        ColumnType::Boolean => "BOOLEAN".to_owned(),
        ColumnType::Text | ColumnType::Json => "TEXT".to_owned(),
        ColumnType::Varchar(n) => format!("VARCHAR({n})"),
        ColumnType::Blob => "BLOB".to_owned(),
        ColumnType::Date => "DATE".to_owned(),
        ColumnType::Time => "TIME".to_owned(),
        ColumnType::Timestamp => "TIMESTAMP".to_owned(),
        ColumnType::TimestampTz => "TIMESTAMPTZ".to_owned(),
        ColumnType::Uuid => "CHAR(36)".to_owned(),
        ColumnType::Decimal { precision, scale } => format!("DECIMAL({precision}, {scale})"),
        ColumnType::Custom(s) => s.clone(),
    }
}

/// The indexes a model has in the database: one per field flagged `unique` or `index` (not
/// for primary-key fields, which are indexed already) plus the model's declared indexes,
/// sorted by name.
pub fn model_indexes(model: &ModelState) -> Result<Vec<IndexDef>, SchemaError> {
    let mut out = Vec::new();
    for f in &model.fields {
        if f.primary_key {
            continue;
        }
        if f.unique || f.index {
            out.push(IndexDef {
                name: field_index_name(&model.table, &f.column, f.unique),
                columns: vec![f.column.clone()],
                expressions: Vec::new(),
                unique: f.unique,
                condition: None,
                nulls_distinct: true,
                method: None,
                include: Vec::new(),
            });
        }
    }
    for i in &model.indexes {
        if !i.include.is_empty() {
            return Err(SchemaError::Unsupported(format!(
                "index `{}` on model `{}.{}` includes non-key fields ({}), and SQLite has no \
                 `INCLUDE`; make them part of the key (`fields`), drop `include`, or keep the \
                 model's index to PostgreSQL",
                i.name,
                model.app,
                model.name,
                i.include.join(", ")
            )));
        }
        if let Some(method) = index_method(i.method.as_deref()) {
            return Err(SchemaError::Unsupported(format!(
                "index `{}` on model `{}.{}` uses the `{method}` method, and SQLite builds only \
                 B-tree indexes; drop `method` (or use `btree`), or keep the model's index to \
                 PostgreSQL",
                i.name, model.app, model.name
            )));
        }
        if !i.nulls_distinct {
            return Err(SchemaError::Unsupported(format!(
                "unique index `{}` on model `{}.{}` has `nulls_distinct = false`, and SQLite \
                 always lets several rows have NULL in a unique index; drop `nulls_distinct = \
                 false` (or make the fields NOT NULL), or keep the model's index to PostgreSQL",
                i.name, model.app, model.name
            )));
        }
        out.push(IndexDef {
            name: i.name.clone(),
            columns: columns_of(model, &i.fields, &format!("index {}", i.name))?,
            expressions: i.expressions.iter().cloned().map(SqlCondition).collect(),
            unique: i.unique,
            condition: i.condition.clone().map(SqlCondition),
            nulls_distinct: i.nulls_distinct,
            method: index_method(i.method.as_deref()),
            include: Vec::new(),
        });
    }
    out.sort();
    Ok(out)
}

fn columns_of(
    model: &ModelState,
    fields: &[String],
    what: &str,
) -> Result<Vec<String>, SchemaError> {
    fields
        .iter()
        .map(|name| {
            model
                .field(name)
                .map(|f| f.column.clone())
                .ok_or_else(|| SchemaError::MissingField {
                    app: model.app.clone(),
                    model: model.name.clone(),
                    field: name.clone(),
                    op: what.to_owned(),
                })
        })
        .collect()
}

/// The `(table, column)` a foreign key of `field` on `model` references, resolved in `state`.
pub fn fk_target(
    model: &ModelState,
    field: &FieldState,
    state: &ProjectState,
) -> Result<Option<(String, String)>, SchemaError> {
    let Some(fk) = &field.foreign_key else {
        return Ok(None);
    };
    let bad = |reason: &str| SchemaError::BadForeignKey {
        model: format!("{}.{}", model.app, model.name),
        field: field.name.clone(),
        target: format!("{}.{}", fk.app, fk.model),
        reason: reason.to_owned(),
    };
    // A self-reference resolves against the model being written, which may not be in `state`
    // under its final shape yet.
    let target = if fk.app == model.app && fk.model == model.name {
        model
    } else {
        state
            .model(&fk.app, &fk.model)
            .ok_or_else(|| bad("is not in the migration state"))?
    };
    let mut pks = target.primary_key();
    match (pks.next(), pks.next()) {
        (Some(pk), None) => Ok(Some((target.table.clone(), pk.column.clone()))),
        _ => Err(bad("has no single-column primary key")),
    }
}

/// One column definition for `CREATE TABLE` / `ADD COLUMN`.
fn column_def(
    model: &ModelState,
    field: &FieldState,
    state: &ProjectState,
    inline_pk: bool,
) -> Result<String, SchemaError> {
    let mut s = format!("{} {}", q(&field.column), column_type_sql(field));
    if !field.nullable || field.primary_key {
        s.push_str(" NOT NULL");
    }
    if field.auto_increment && !(field.primary_key && inline_pk) {
        return Err(SchemaError::Unsupported(format!(
            "SQLite can auto-increment only a single-column primary key, and `{}.{}` is not one; remove `auto` or make it the only primary key",
            model.name, field.name
        )));
    }
    if field.primary_key && inline_pk {
        s.push_str(" PRIMARY KEY");
        if field.auto_increment {
            s.push_str(" AUTOINCREMENT");
        }
    }
    if let Some(d) = &field.default {
        s.push_str(" DEFAULT ");
        s.push_str(&default_literal(&FEATURES, d)?);
    }
    if let Some(g) = &field.generated {
        let kind = if g.stored { "STORED" } else { "VIRTUAL" };
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) {kind}", g.sql));
    }
    if let Some((table, column)) = fk_target(model, field, state)? {
        let on_delete = field.foreign_key.as_ref().map(|fk| fk.on_delete.sql());
        s.push_str(&format!(" REFERENCES {} ({})", q(&table), q(&column)));
        if let Some(od) = on_delete {
            s.push_str(" ON DELETE ");
            s.push_str(od);
        }
    }
    Ok(s)
}

/// `CREATE TABLE` for `model` under the name `table` (the model's own table, or `new__…`
/// during a rebuild).
fn create_table(
    model: &ModelState,
    state: &ProjectState,
    table: &str,
) -> Result<String, SchemaError> {
    let pk_count = model.primary_key().count();
    let mut parts = Vec::new();
    for f in &model.fields {
        parts.push(column_def(model, f, state, pk_count == 1)?);
    }
    if pk_count > 1 {
        let cols: Vec<String> = model.primary_key().map(|f| q(&f.column)).collect();
        parts.push(format!("PRIMARY KEY ({})", cols.join(", ")));
    }
    for c in &model.constraints {
        match &c.kind {
            ConstraintKind::Check(sql) => {
                parts.push(format!("CONSTRAINT {} CHECK ({sql})", q(&c.name)));
            }
            ConstraintKind::Unique(fields) => {
                let cols = columns_of(model, fields, &format!("constraint {}", c.name))?;
                let cols: Vec<String> = cols.iter().map(|c| q(c)).collect();
                parts.push(format!(
                    "CONSTRAINT {} UNIQUE ({})",
                    q(&c.name),
                    cols.join(", ")
                ));
            }
        }
    }
    Ok(format!("CREATE TABLE {} ({})", q(table), parts.join(", ")))
}

fn create_index_sql(table: &str, idx: &IndexDef) -> String {
    // The key: the columns, or each expression in parentheses.
    let cols: Vec<String> = if idx.expressions.is_empty() {
        idx.columns.iter().map(|c| q(c)).collect()
    } else {
        idx.expressions.iter().map(|e| format!("({e})")).collect()
    };
    format!(
        "CREATE {}INDEX {} ON {} ({}){}",
        if idx.unique { "UNIQUE " } else { "" },
        q(&idx.name),
        q(table),
        cols.join(", "),
        idx.condition
            .as_ref()
            .map_or_else(String::new, |c| format!(" WHERE {c}"))
    )
}

fn drop_index_sql(name: &str) -> String {
    format!("DROP INDEX {}", q(name))
}

/// Drops for indexes of `from` that `to` lacks (or has with another shape), then creates for
/// indexes of `to` that `from` lacks. Returns `(drops, creates)`.
fn index_changes(
    from: &ModelState,
    to: &ModelState,
) -> Result<(Vec<String>, Vec<String>), SchemaError> {
    let old = model_indexes(from)?;
    let new = model_indexes(to)?;
    let same_table = from.table == to.table;
    let drops = old
        .iter()
        .filter(|i| !(same_table && new.contains(i)))
        .map(|i| drop_index_sql(&i.name))
        .collect();
    let creates = new
        .iter()
        .filter(|i| !(same_table && old.contains(i)))
        .map(|i| create_index_sql(&to.table, i))
        .collect();
    Ok((drops, creates))
}

/// Where a column of the rebuilt table takes its values from.
struct Fill<'a> {
    /// Field name in `to` → field name in `from` (defaults to the same name).
    renames: BTreeMap<&'a str, &'a str>,
    /// A one-off value for one field of `to`: fills a new column, or replaces NULLs when the
    /// column becomes NOT NULL.
    value: Option<(&'a str, &'a DefaultValue)>,
}

impl Fill<'_> {
    fn none() -> Self {
        Fill {
            renames: BTreeMap::new(),
            value: None,
        }
    }
}

/// The table rebuild: create `new__t` shaped like `to`, copy the rows from `from`'s table,
/// drop it, rename `new__t`, recreate `to`'s indexes.
fn rebuild(
    from: &ModelState,
    to: &ModelState,
    state: &ProjectState,
    fill: &Fill<'_>,
) -> Result<Vec<String>, SchemaError> {
    let temp = format!("new__{}", to.table);
    let mut out = vec![create_table(to, state, &temp)?];
    let mut cols = Vec::new();
    let mut exprs = Vec::new();
    // A generated column is computed by the new table itself, never copied.
    for f in to.fields.iter().filter(|f| f.generated.is_none()) {
        let source_name = fill
            .renames
            .get(f.name.as_str())
            .copied()
            .unwrap_or(&f.name);
        let one_off = fill
            .value
            .filter(|(name, _)| *name == f.name)
            .map(|(_, d)| d);
        match from.field(source_name) {
            Some(old) => {
                let mut expr = q(&old.column);
                if column_type_sql(old) != column_type_sql(f) {
                    expr = format!("CAST({expr} AS {})", column_type_sql(f));
                }
                if old.nullable && !f.nullable {
                    if let Some(d) = one_off.or(f.default.as_ref()) {
                        expr = format!("COALESCE({expr}, {})", default_literal(&FEATURES, d)?);
                    }
                }
                cols.push(q(&f.column));
                exprs.push(expr);
            }
            None => {
                if let Some(d) = one_off {
                    cols.push(q(&f.column));
                    exprs.push(default_literal(&FEATURES, d)?);
                }
                // Otherwise the column takes its own default (or NULL, or a new rowid).
            }
        }
    }
    if !cols.is_empty() {
        out.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            q(&temp),
            cols.join(", "),
            exprs.join(", "),
            q(&from.table)
        ));
    }
    if has_autoincrement(from) && has_autoincrement(to) {
        // AUTOINCREMENT never reuses an id, even of deleted rows: carry the old table's
        // counter over (the copy only raised the new one to the largest id still present).
        let (old, new) = (
            FEATURES.string_literal(&from.table),
            FEATURES.string_literal(&temp),
        );
        out.push(format!(
            "UPDATE \"sqlite_sequence\" SET \"seq\" = (SELECT MAX(\"seq\") FROM \"sqlite_sequence\" WHERE \"name\" IN ({old}, {new})) WHERE \"name\" = {new}"
        ));
        out.push(format!(
            "INSERT INTO \"sqlite_sequence\" (\"name\", \"seq\") SELECT {new}, \"seq\" FROM \"sqlite_sequence\" WHERE \"name\" = {old} AND NOT EXISTS (SELECT 1 FROM \"sqlite_sequence\" WHERE \"name\" = {new})"
        ));
    }
    out.push(format!("DROP TABLE {}", q(&from.table)));
    out.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        q(&temp),
        q(&to.table)
    ));
    for idx in model_indexes(to)? {
        out.push(create_index_sql(&to.table, &idx));
    }
    Ok(out)
}

/// True when the model's table is created with `AUTOINCREMENT` (a single auto primary key).
fn has_autoincrement(model: &ModelState) -> bool {
    let mut pks = model.primary_key();
    matches!((pks.next(), pks.next()), (Some(pk), None) if pk.auto_increment)
}

fn create_model(model: &ModelState, state: &ProjectState) -> Result<Vec<String>, SchemaError> {
    let mut out = vec![create_table(model, state, &model.table)?];
    for idx in model_indexes(model)? {
        out.push(create_index_sql(&model.table, &idx));
    }
    Ok(out)
}

fn drop_model(model: &ModelState) -> Vec<String> {
    vec![format!("DROP TABLE {}", q(&model.table))]
}

/// Table rename (`RenameModel`, `AlterModelTable`). Field-level indexes are named after the
/// table, so they are renamed (dropped and recreated) with it.
fn rename_table(from: &ModelState, to: &ModelState) -> Result<Vec<String>, SchemaError> {
    let mut out = Vec::new();
    if from.table != to.table {
        out.push(format!(
            "ALTER TABLE {} RENAME TO {}",
            q(&from.table),
            q(&to.table)
        ));
    }
    let old = model_indexes(from)?;
    let new = model_indexes(to)?;
    for i in old.iter().filter(|i| !new.iter().any(|n| n.name == i.name)) {
        out.push(drop_index_sql(&i.name));
    }
    for i in new.iter().filter(|i| !old.iter().any(|o| o.name == i.name)) {
        out.push(create_index_sql(&to.table, i));
    }
    Ok(out)
}

/// `ALTER TABLE … ADD COLUMN` is possible (SQLite's rules): not a primary key, not
/// auto-increment, a constant default, NOT NULL only with a default, a foreign-key column
/// only when nullable without default, and the default stays in the state afterwards. A
/// generated column only when virtual (SQLite computes a stored one for every row, which
/// `ADD COLUMN` cannot).
fn can_add_column(field: &FieldState, target: &FieldState) -> bool {
    if let Some(g) = &field.generated {
        return !g.stored && !field.primary_key && field.foreign_key.is_none();
    }
    !field.primary_key
        && !field.auto_increment
        && !matches!(field.default, Some(DefaultValue::Sql(_)))
        && (field.nullable || field.default.is_some())
        && !(field.foreign_key.is_some() && (field.default.is_some() || !field.nullable))
        && field.default == target.default
}

/// Adds `field` (which may carry a one-off default) to `from`, giving `to`.
fn add_field(
    from: &ModelState,
    to: &ModelState,
    field: &FieldState,
    state: &ProjectState,
    op: &str,
) -> Result<Vec<String>, SchemaError> {
    let target = to
        .field(&field.name)
        .ok_or_else(|| missing_field(to, &field.name, op))?;
    if can_add_column(field, target) {
        let mut out = vec![format!(
            "ALTER TABLE {} ADD COLUMN {}",
            q(&to.table),
            column_def(to, target, state, false)?
        )];
        let (drops, creates) = index_changes(from, to)?;
        out.splice(0..0, drops);
        out.extend(creates);
        Ok(out)
    } else {
        let fill = Fill {
            renames: BTreeMap::new(),
            value: field.default.as_ref().map(|d| (field.name.as_str(), d)),
        };
        rebuild(from, to, state, &fill)
    }
}

/// Removes `field` from `from`, giving `to`: `DROP COLUMN` when SQLite allows it (not a
/// primary key, no foreign key, not named by a table constraint), else a rebuild.
fn remove_field(
    from: &ModelState,
    to: &ModelState,
    field: &FieldState,
    state: &ProjectState,
) -> Result<Vec<String>, SchemaError> {
    let in_constraint = from.constraints.iter().any(|c| match &c.kind {
        ConstraintKind::Check(sql) => sql.contains(&field.column),
        ConstraintKind::Unique(fields) => fields.contains(&field.name),
    });
    if field.primary_key || field.foreign_key.is_some() || in_constraint {
        return rebuild(from, to, state, &Fill::none());
    }
    // Indexes naming the column must go before the column can.
    let mut out: Vec<String> = model_indexes(from)?
        .into_iter()
        .filter(|i| i.columns.contains(&field.column))
        .map(|i| drop_index_sql(&i.name))
        .collect();
    let (drops, creates) = index_changes(from, to)?;
    for d in drops {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out.push(format!(
        "ALTER TABLE {} DROP COLUMN {}",
        q(&from.table),
        q(&field.column)
    ));
    out.extend(creates);
    Ok(out)
}

/// Alters `old` (in `from`) into `new` (the operation's field, which may carry a one-off
/// default; the field as it is in `to` is the target).
fn alter_field(
    from: &ModelState,
    to: &ModelState,
    old: &FieldState,
    new: &FieldState,
    state: &ProjectState,
    op: &str,
) -> Result<Vec<String>, SchemaError> {
    let target = to
        .field(&new.name)
        .ok_or_else(|| missing_field(to, &new.name, op))?;
    let structural = |f: &FieldState| {
        (
            column_type_sql(f),
            f.nullable,
            f.primary_key,
            f.auto_increment,
            f.default.clone(),
            f.foreign_key.clone(),
            f.generated.clone(),
        )
    };
    if structural(old) == structural(target) {
        let mut out = Vec::new();
        let (drops, creates) = index_changes(from, to)?;
        out.extend(drops);
        if old.column != target.column {
            out.push(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                q(&to.table),
                q(&old.column),
                q(&target.column)
            ));
        }
        out.extend(creates);
        return Ok(out);
    }
    let mut renames = BTreeMap::new();
    renames.insert(target.name.as_str(), old.name.as_str());
    let fill = Fill {
        renames,
        value: new.default.as_ref().map(|d| (new.name.as_str(), d)),
    };
    rebuild(from, to, state, &fill)
}

/// Renames field `old_name` of `from` to `new_name` of `to`.
fn rename_field(
    from: &ModelState,
    to: &ModelState,
    old_name: &str,
    new_name: &str,
    op: &str,
) -> Result<Vec<String>, SchemaError> {
    let old = from
        .field(old_name)
        .ok_or_else(|| missing_field(from, old_name, op))?;
    let new = to
        .field(new_name)
        .ok_or_else(|| missing_field(to, new_name, op))?;
    let mut out = Vec::new();
    let (drops, creates) = index_changes(from, to)?;
    out.extend(drops);
    if old.column != new.column {
        out.push(format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            q(&to.table),
            q(&old.column),
            q(&new.column)
        ));
    }
    out.extend(creates);
    Ok(out)
}

/// When the primary key of `target` moves to another column, every other table whose foreign
/// key references it must be rebuilt to reference the new key (SQLite cannot alter a
/// `REFERENCES` clause). Returns those rebuilds; empty when no reference changed.
fn dependent_rebuilds(
    target: &ModelKey,
    from_state: &ProjectState,
    to_state: &ProjectState,
) -> Result<Vec<String>, SchemaError> {
    let mut out = Vec::new();
    for r_to in to_state.models.values() {
        if r_to.key() == *target {
            continue;
        }
        let Some(r_from) = from_state.models.get(&r_to.key()) else {
            continue;
        };
        let mut changed = false;
        for f in &r_to.fields {
            if f.foreign_key.as_ref().map(|fk| fk.target()) != Some(target.clone()) {
                continue;
            }
            // While the key moves between columns (one AlterField adds the new key column,
            // the next drops the old one) the target briefly has a composite key that nothing
            // can reference: leave the referencing table until the key is single again.
            let Ok(new) = fk_target(r_to, f, to_state) else {
                continue;
            };
            let old = r_from
                .field(&f.name)
                .and_then(|of| fk_target(r_from, of, from_state).ok().flatten());
            if old != new {
                changed = true;
            }
        }
        if changed {
            out.extend(rebuild(r_from, r_to, to_state, &Fill::none())?);
        }
    }
    Ok(out)
}

/// `sql` followed by the rebuilds of tables referencing `model`, when `pk_involved`.
fn and_dependents(
    mut sql: Vec<String>,
    pk_involved: bool,
    target: &ModelState,
    from_state: &ProjectState,
    to_state: &ProjectState,
) -> Result<Vec<String>, SchemaError> {
    if pk_involved {
        sql.extend(dependent_rebuilds(&target.key(), from_state, to_state)?);
    }
    Ok(sql)
}

fn missing_field(model: &ModelState, field: &str, op: &str) -> SchemaError {
    SchemaError::MissingField {
        app: model.app.clone(),
        model: model.name.clone(),
        field: field.to_owned(),
        op: op.to_owned(),
    }
}

fn field<'m>(model: &'m ModelState, name: &str, op: &str) -> Result<&'m FieldState, SchemaError> {
    model
        .field(name)
        .ok_or_else(|| missing_field(model, name, op))
}

fn index_def(model: &ModelState, name: &str, op: &str) -> Result<IndexDef, SchemaError> {
    model_indexes(model)?
        .into_iter()
        .find(|i| i.name == name)
        .ok_or_else(|| {
            SchemaError::Unsupported(format!(
                "index `{name}` is not on model `{}.{}` (needed by `{op}`)",
                model.app, model.name
            ))
        })
}

impl SchemaEditor for SqliteEditor {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn create_model(&self, step: &Step<'_>, name: &str) -> Result<Vec<String>, SchemaError> {
        create_model(step.model_in(step.to, name)?, step.to)
    }

    fn delete_model(&self, step: &Step<'_>, name: &str) -> Result<Vec<String>, SchemaError> {
        Ok(drop_model(step.model_in(step.from, name)?))
    }

    fn rename_model(
        &self,
        step: &Step<'_>,
        old: &str,
        new: &str,
    ) -> Result<Vec<String>, SchemaError> {
        rename_table(step.model_in(step.from, old)?, step.model_in(step.to, new)?)
    }

    fn alter_model_table(&self, step: &Step<'_>, name: &str) -> Result<Vec<String>, SchemaError> {
        rename_table(
            step.model_in(step.from, name)?,
            step.model_in(step.to, name)?,
        )
    }

    fn alter_model_comment(&self, _: &Step<'_>, _: &str) -> Result<Vec<String>, SchemaError> {
        // SQLite keeps no comments: the state remembers them.
        Ok(Vec::new())
    }

    fn add_field(
        &self,
        step: &Step<'_>,
        model: &str,
        field: &FieldState,
        _one_off_default: bool,
    ) -> Result<Vec<String>, SchemaError> {
        // The one-off default is in `field` itself: a rebuild copies it into existing rows.
        let to = step.model_in(step.to, model)?;
        let from = step.model_in(step.from, model)?;
        let sql = add_field(from, to, field, step.to, step.label)?;
        and_dependents(sql, field.primary_key, to, step.from, step.to)
    }

    fn remove_field(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError> {
        let from = step.model_in(step.from, model)?;
        let old = field(from, name, step.label)?;
        let sql = remove_field(from, step.model_in(step.to, model)?, old, step.to)?;
        and_dependents(sql, old.primary_key, from, step.from, step.to)
    }

    fn alter_field(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
        new: &FieldState,
        _one_off_default: bool,
    ) -> Result<Vec<String>, SchemaError> {
        let from = step.model_in(step.from, model)?;
        let old = field(from, name, step.label)?;
        let to = step.model_in(step.to, model)?;
        let sql = alter_field(from, to, old, new, step.to, step.label)?;
        and_dependents(
            sql,
            old.primary_key != new.primary_key,
            to,
            step.from,
            step.to,
        )
    }

    fn rename_field(
        &self,
        step: &Step<'_>,
        model: &str,
        old: &str,
        new: &str,
    ) -> Result<Vec<String>, SchemaError> {
        rename_field(
            step.model_in(step.from, model)?,
            step.model_in(step.to, model)?,
            old,
            new,
            step.label,
        )
    }

    fn add_index(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError> {
        let to = step.model_in(step.to, model)?;
        Ok(vec![create_index_sql(
            &to.table,
            &index_def(to, name, step.label)?,
        )])
    }

    fn remove_index(&self, _: &Step<'_>, _: &str, name: &str) -> Result<Vec<String>, SchemaError> {
        Ok(vec![drop_index_sql(name)])
    }

    fn rename_index(
        &self,
        step: &Step<'_>,
        model: &str,
        old: &str,
        new: &str,
    ) -> Result<Vec<String>, SchemaError> {
        // SQLite has no ALTER INDEX … RENAME: drop and create, as Django does.
        let mut out = self.remove_index(step, model, old)?;
        out.extend(self.add_index(step, model, new)?);
        Ok(out)
    }

    /// SQLite has one writer at a time: building an index blocks other writers however it
    /// is spelled, and readers go on (in WAL mode even while it commits). The index is built
    /// as usual.
    fn add_index_concurrently(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError> {
        self.add_index(step, model, name)
    }

    fn remove_index_concurrently(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError> {
        self.remove_index(step, model, name)
    }

    fn add_constraint(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
    ) -> Result<Vec<String>, SchemaError> {
        // Constraints are written inline in CREATE TABLE: changing them rebuilds the table.
        rebuild_for_constraints(step, model)
    }

    fn remove_constraint(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
    ) -> Result<Vec<String>, SchemaError> {
        rebuild_for_constraints(step, model)
    }

    fn create_model_sql(
        &self,
        model: &ModelState,
        state: &ProjectState,
    ) -> Result<Vec<String>, SchemaError> {
        create_model(model, state)
    }
}

fn rebuild_for_constraints(step: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError> {
    rebuild(
        step.model_in(step.from, model)?,
        step.model_in(step.to, model)?,
        step.to,
        &Fill::none(),
    )
}
