//! The SQLite schema editor: each primitive schema change + the states around it → SQL text.
//!
//! `ALTER TABLE` is used wherever it leaves exactly what a rebuild would; otherwise the table
//! is rebuilt (`rebuild.rs`, SQLite's documented procedure). What forces a rebuild, per
//! primitive (docs/optimizing.md has the same table for users):
//!
//! - add a field: `ADD COLUMN` unless it is a primary key or auto-increments, NOT NULL without
//!   a default, has an SQL-expression default or a one-off default, or is a stored generated
//!   column (`can_add_column`);
//! - remove a field: `DROP COLUMN` (its indexes dropped first) unless it is a primary key, a
//!   foreign key, or named by a table constraint;
//! - rename a field: always `RENAME COLUMN`;
//! - alter a field: in place only when nothing but its `unique`/`index` flags or its column
//!   name changes; a moved primary key also rebuilds the tables referencing it;
//! - add/remove a constraint: always a rebuild (constraints are inline in `CREATE TABLE`);
//! - indexes: `CREATE`/`DROP INDEX`; renaming a table: `RENAME TO`.
//!
//! A migration's operations on one table, one of which rebuilds it, fold into one rebuild
//! (`fold.rs`). Foreign-key enforcement during a rebuild is the executor's concern (`PRAGMA
//! foreign_keys = OFF` outside the transaction, `PRAGMA foreign_key_check` inside); this file
//! never runs SQL.
//!
//! Naming: a field's `unique`/`index` flag becomes a named index
//! ([`crate::db_schema::field_index_name`]); composite `unique` constraints and `CHECK` constraints are
//! written inline in `CREATE TABLE` as `CONSTRAINT "name" …`, so adding or removing them
//! rebuilds the table (as Django does on SQLite).

use std::collections::BTreeMap;

use super::ddl::{
    column_def, column_type_sql, create_index_sql, create_table, drop_index_sql, fk_target,
    model_indexes,
};
use super::features::FEATURES;
use super::rebuild::{rebuild, Fill};
use crate::backend::editor::{composite_fk, SchemaEditor, SchemaError, Step};
use crate::backend::features::Backend;
use crate::db_schema::IndexDef;
use crate::sql_text::sql_names_column;
use crate::state::{ConstraintKind, DefaultValue, FieldState, ModelKey, ModelState, ProjectState};

fn q(ident: &str) -> String {
    FEATURES.quote(ident)
}

/// The SQLite schema editor.
#[derive(Clone, Copy, Debug, Default)]
pub struct SqliteEditor;

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

/// `ALTER TABLE … ADD COLUMN` does exactly what the rebuild would (SQLite's own rules, plus
/// what keeps the result equal to a rebuild's): not a primary key or auto-increment column
/// (SQLite refuses them), a constant default (`DEFAULT (expr)` is refused: existing rows would
/// need it evaluated), NOT NULL only with a default (existing rows need a value), and the
/// default stays in the state afterwards (a one-off default would stay in the table's
/// definition). A generated column only when virtual (a stored one must be computed for every
/// row, which `ADD COLUMN` refuses). A foreign-key column qualifies, default or not: SQLite
/// refuses a `REFERENCES` column with a default only while foreign keys are enforced, and a
/// migration runs with enforcement off and `PRAGMA foreign_key_check` before its commit — the
/// same check the rebuild gets. A `unique`/`index` flag is a separate `CREATE INDEX` after it.
fn can_add_column(field: &FieldState, target: &FieldState) -> bool {
    if let Some(g) = &field.generated {
        return !g.stored && !field.primary_key && field.foreign_key.is_none();
    }
    !field.primary_key
        && !field.auto_increment
        && !matches!(field.default, Some(DefaultValue::Sql(_)))
        && (field.nullable || field.default.is_some())
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
        // As a whole identifier token: `a` is not named by a check on `ab`.
        ConstraintKind::Check(sql) => sql_names_column(sql, &field.column),
        ConstraintKind::Unique(fields) | ConstraintKind::ForeignKey { fields, .. } => {
            fields.contains(&field.name)
        }
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
        // A multi-column foreign key to `target` names its key columns: when they change,
        // the table is rebuilt; a key of another arity is refused (`composite_fk`).
        for c in &r_to.constraints {
            if c.kind.foreign_key().map(|fk| fk.target()) != Some(target.clone()) {
                continue;
            }
            let new = composite_fk(r_to, c, to_state)?.map(|fk| fk.to_columns);
            let old = r_from
                .constraints
                .iter()
                .find(|o| o.name == c.name)
                .and_then(|o| composite_fk(r_from, o, from_state).ok().flatten())
                .map(|fk| fk.to_columns);
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
