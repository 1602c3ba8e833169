//! Behaviour of the field operations: `AddField`, `RemoveField`, `AlterField`, `RenameField` —
//! how each changes the state (with Django's `preserve_default` rule; a column that changes
//! name is renamed in the model's check constraints too), describes itself and names a
//! migration. SQL lives in the backend schema editors, not here.

use super::base::{model_mut, OperationKind, StateError};
use super::model_rules;
use crate::backend::editor::{SchemaEditor, SchemaError, Step};

use crate::field_type::ColumnType;
use crate::state::{ConstraintKind, DefaultValue, FieldState, ModelState, ProjectState};

/// Add a field to a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddField {
    /// Model name.
    pub model: String,
    /// The new field.
    pub field: FieldState,
    /// False when `field.default` is a one-off default used only to fill existing rows; the
    /// state keeps the field without it (Django's `preserve_default=False`).
    pub preserve_default: bool,
}

/// Remove a field from a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoveField {
    /// Model name.
    pub model: String,
    /// Field name.
    pub name: String,
}

/// Replace a field's definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlterField {
    /// Model name.
    pub model: String,
    /// Field name (unchanged by this operation).
    pub name: String,
    /// The new definition.
    pub field: FieldState,
    /// False when `field.default` is a one-off default used only to fill NULLs.
    pub preserve_default: bool,
}

/// Rename a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameField {
    /// Model name.
    pub model: String,
    /// The current field name.
    pub old_name: String,
    /// The new field name.
    pub new_name: String,
    /// The column keeps its name even where it followed the old field name (the new field
    /// pins it with `#[model(column = …)]`): nothing changes in the database, as in Django
    /// when `db_column` is set.
    pub keep_column: bool,
}

/// Errors if another field than `except` of `model` uses `column`.
fn check_column_free(
    app: &str,
    model: &ModelState,
    column: &str,
    except: Option<&str>,
) -> Result<(), StateError> {
    if let Some(other) = model
        .fields
        .iter()
        .find(|f| f.column == column && Some(f.name.as_str()) != except)
    {
        return Err(StateError::ColumnExists {
            app: app.to_string(),
            model: model.name.clone(),
            column: column.to_string(),
            other: other.name.clone(),
        });
    }
    Ok(())
}

/// True when changing a column from `old` to `new` can lose data (a shorter `VARCHAR`, a smaller
/// integer or float, fewer decimal digits, or a change to an unrelated type). Changes to `TEXT`
/// from character, numeric or temporal types are lossless.
pub(crate) fn narrows(old: &ColumnType, new: &ColumnType) -> bool {
    use ColumnType as C;
    fn int_rank(t: &ColumnType) -> Option<u8> {
        match t {
            C::SmallInt => Some(1),
            C::Integer => Some(2),
            C::BigInt => Some(3),
            _ => None,
        }
    }
    if old == new {
        return false;
    }
    match (old, new) {
        (C::Varchar(a), C::Varchar(b)) => b < a,
        (C::Text, C::Varchar(_)) => true,
        (C::Blob | C::Json | C::Custom(_), C::Text) => true,
        (_, C::Text) => false,
        (C::Float, C::Double) => false,
        (
            C::Decimal {
                precision: p1,
                scale: s1,
            },
            C::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => s2 < s1 || p2.saturating_sub(*s2) < p1.saturating_sub(*s1),
        (C::Date, C::Timestamp | C::TimestampTz) | (C::Timestamp, C::TimestampTz) => false,
        _ => match (int_rank(old), int_rank(new)) {
            (Some(a), Some(b)) => b < a,
            _ => true,
        },
    }
}

/// The value that refills existing rows when a rollback brings back a NOT NULL column that has
/// no default (a removed field re-added, or a column made nullable made NOT NULL again), as
/// Django's "effective default" does for strings — here for every type that has an obvious
/// empty value: `0`, `0.0`, `false`, `''`, the epoch for dates and times, the nil UUID, JSON
/// `null`. `None` when no refill is needed (nullable, a default of its own, auto-increment,
/// generated) or
/// none is known (primary and foreign keys, custom types): rolling back then works only on a
/// table without rows, and the database says so.
pub fn rollback_fill(field: &FieldState) -> Option<DefaultValue> {
    use ColumnType as C;
    if field.nullable
        || field.default.is_some()
        || field.auto_increment
        || field.primary_key
        || field.foreign_key.is_some()
        || field.generated.is_some()
    {
        return None;
    }
    Some(match &field.column_type {
        C::SmallInt | C::Integer | C::BigInt | C::Decimal { .. } => DefaultValue::Int(0),
        C::Float | C::Double => DefaultValue::Float("0.0".into()),
        C::Boolean => DefaultValue::Bool(false),
        C::Text | C::Varchar(_) | C::Blob => DefaultValue::Text(String::new()),
        C::Date => DefaultValue::Text("1970-01-01".into()),
        C::Time => DefaultValue::Text("00:00:00".into()),
        C::Timestamp | C::TimestampTz => DefaultValue::Text("1970-01-01 00:00:00".into()),
        C::Uuid => DefaultValue::Text("00000000-0000-0000-0000-000000000000".into()),
        C::Json => DefaultValue::Text("null".into()),
        C::Custom(_) => return None,
    })
}

impl AddField {
    /// Adds `field` to `model`, keeping its default in the state.
    pub fn new(model: impl Into<String>, field: FieldState) -> Self {
        Self {
            model: model.into(),
            field,
            preserve_default: true,
        }
    }

    /// The field as the state stores it (without a one-off default).
    pub fn state_field(&self) -> FieldState {
        let mut f = self.field.clone();
        if !self.preserve_default {
            f.default = None;
        }
        f
    }
}

impl OperationKind for AddField {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        if model.field(&self.field.name).is_some() {
            return Err(StateError::field_exists(app, &self.model, &self.field.name));
        }
        check_column_free(app, model, &self.field.column, None)?;
        model_rules::check_field_sql(model, &self.field)?;
        model_rules::check_key_field_flags(model, &self.field)?;
        model.fields.push(self.state_field());
        if self.field.primary_key {
            model_rules::check_foreign_keys_around(state, app, &self.model, "", true)?;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "Add field {} to {}",
            self.field.name,
            self.model.to_lowercase()
        )
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "{}_{}",
                self.model.to_lowercase(),
                self.field.name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        format!(
            "AddField model={} preserve_default={} field {}",
            self.model,
            self.preserve_default,
            self.field.canonical_text()
        )
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.add_field(step, &self.model, &self.field, !self.preserve_default)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.remove_field(step, &self.model, &self.field.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn symbol(&self) -> char {
        '+'
    }
}

impl RemoveField {
    /// Removes field `name` from `model`.
    pub fn new(model: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            name: name.into(),
        }
    }
}

impl OperationKind for RemoveField {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        let pos = model
            .fields
            .iter()
            .position(|f| f.name == self.name)
            .ok_or_else(|| StateError::field_not_found(app, &self.model, &self.name))?;
        let column = &model.fields[pos].column;
        let names_column = |sql: &String| crate::sql_text::sql_names_column(sql, column);
        // What still names the field or its column: dropping the column would drop it with
        // the column on PostgreSQL (so the state would keep an object the database lost) and
        // make SQLite's rebuild fail on it.
        let in_use = model
            .indexes
            .iter()
            .find(|i| {
                i.fields.contains(&self.name)
                    || i.include.contains(&self.name)
                    || i.expressions.iter().chain(&i.condition).any(names_column)
            })
            .map(|i| ("index", i.name.clone()))
            .or_else(|| {
                model.constraints.iter().find_map(|c| match &c.kind {
                    ConstraintKind::Unique(f) if f.contains(&self.name) => {
                        Some(("unique constraint", c.name.clone()))
                    }
                    ConstraintKind::Check(sql) if names_column(sql) => {
                        Some(("check constraint", c.name.clone()))
                    }
                    ConstraintKind::ForeignKey { fields, .. } if fields.contains(&self.name) => {
                        Some(("foreign key", c.name.clone()))
                    }
                    _ => None,
                })
            })
            .or_else(|| {
                model
                    .fields
                    .iter()
                    .filter(|f| f.name != self.name)
                    .find(|f| f.generated.as_ref().is_some_and(|g| names_column(&g.sql)))
                    .map(|f| ("the generated field", f.name.clone()))
            });
        if let Some((what, index)) = in_use {
            return Err(StateError::FieldInUse {
                app: app.to_string(),
                model: self.model.clone(),
                field: self.name.clone(),
                what,
                index,
            });
        }
        let key_changed = model.fields.remove(pos).primary_key;
        if key_changed {
            model_rules::check_foreign_keys_around(state, app, &self.model, "", true)?;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "Remove field {} from {}",
            self.name,
            self.model.to_lowercase()
        )
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "remove_{}_{}",
                self.model.to_lowercase(),
                self.name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        format!("RemoveField model={} name={}", self.model, self.name)
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.remove_field(step, &self.model, &self.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        // The column comes back on a table that may have rows: a NOT NULL column without a
        // default is refilled with its type's empty value (see `rollback_fill`).
        let removed = step.field_in(step.to, &self.model, &self.name)?;
        match rollback_fill(removed) {
            Some(value) => {
                let mut refilled = removed.clone();
                refilled.default = Some(value);
                editor.add_field(step, &self.model, &refilled, true)
            }
            None => editor.add_field(step, &self.model, removed, false),
        }
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn symbol(&self) -> char {
        '-'
    }

    fn is_destructive(&self) -> bool {
        true
    }
}

impl AlterField {
    /// Replaces the definition of `field.name` on `model` with `field`, keeping its default.
    pub fn new(model: impl Into<String>, field: FieldState) -> Self {
        Self {
            model: model.into(),
            name: field.name.clone(),
            field,
            preserve_default: true,
        }
    }

    /// The field as the state stores it: named `self.name`, without a one-off default.
    pub fn state_field(&self) -> FieldState {
        let mut f = self.field.clone();
        f.name = self.name.clone();
        if !self.preserve_default {
            f.default = None;
        }
        f
    }
}

impl OperationKind for AlterField {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        let pos = model
            .fields
            .iter()
            .position(|f| f.name == self.name)
            .ok_or_else(|| StateError::field_not_found(app, &self.model, &self.name))?;
        check_column_free(app, model, &self.field.column, Some(&self.name))?;
        model_rules::check_field_sql(model, &self.field)?;
        model_rules::check_key_field_flags(model, &self.field)?;
        let old_column = std::mem::take(&mut model.fields[pos].column);
        let key_changed = model.fields[pos].primary_key || self.field.primary_key;
        model.fields[pos] = self.state_field();
        model_rules::rename_column_in_sql_objects(model, &old_column, &self.field.column);
        model_rules::check_foreign_keys_around(state, app, &self.model, &self.name, key_changed)?;
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Alter field {} on {}", self.name, self.model.to_lowercase())
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "alter_{}_{}",
                self.model.to_lowercase(),
                self.name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        format!(
            "AlterField model={} name={} preserve_default={} field {}",
            self.model,
            self.name,
            self.preserve_default,
            self.field.canonical_text()
        )
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.alter_field(
            step,
            &self.model,
            &self.name,
            &self.field,
            !self.preserve_default,
        )
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        // Back to NOT NULL from a nullable column: the NULLs written since are refilled with the
        // old default, or the type's empty value.
        let old = step.field_in(step.to, &self.model, &self.name)?;
        let was_nullable = step
            .field_in(step.from, &self.model, &self.name)
            .is_ok_and(|f| f.nullable);
        let fill = match &old.default {
            Some(d) if was_nullable && !old.nullable => Some(d.clone()),
            _ if was_nullable => rollback_fill(old),
            _ => None,
        };
        match fill {
            Some(value) => {
                let mut refilled = old.clone();
                refilled.default = Some(value);
                editor.alter_field(step, &self.model, &self.name, &refilled, true)
            }
            None => editor.alter_field(step, &self.model, &self.name, old, false),
        }
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn is_destructive_in(&self, app: &str, before: &ProjectState) -> bool {
        before
            .model(app, &self.model)
            .and_then(|m| m.field(&self.name))
            .is_some_and(|old| {
                narrows(&old.column_type, &self.field.column_type)
                    // Its written values are replaced by computed ones.
                    || (old.generated.is_none() && self.field.generated.is_some())
            })
    }
}

impl RenameField {
    /// Renames field `old_name` of `model` to `new_name`.
    pub fn new(
        model: impl Into<String>,
        old_name: impl Into<String>,
        new_name: impl Into<String>,
    ) -> Self {
        Self {
            model: model.into(),
            old_name: old_name.into(),
            new_name: new_name.into(),
            keep_column: false,
        }
    }

    /// The same rename, leaving the column as it is ([`RenameField::keep_column`]).
    pub fn keeping_column(mut self) -> Self {
        self.keep_column = true;
        self
    }
}

impl OperationKind for RenameField {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        let pos = model
            .fields
            .iter()
            .position(|f| f.name == self.old_name)
            .ok_or_else(|| StateError::field_not_found(app, &self.model, &self.old_name))?;
        if self.old_name == self.new_name {
            return Ok(());
        }
        if model.field(&self.new_name).is_some() {
            return Err(StateError::field_exists(app, &self.model, &self.new_name));
        }
        let column_follows = !self.keep_column && model.fields[pos].column == self.old_name;
        if column_follows {
            check_column_free(app, model, &self.new_name, Some(&self.old_name))?;
        }
        let field = &mut model.fields[pos];
        field.name = self.new_name.clone();
        if column_follows {
            field.column = self.new_name.clone();
            model_rules::rename_column_in_sql_objects(model, &self.old_name, &self.new_name);
        }
        model_rules::rename_field_references(model, &self.old_name, &self.new_name);
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "Rename field {} on {} to {}",
            self.old_name,
            self.model.to_lowercase(),
            self.new_name
        )
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "rename_{}_{}_{}",
                self.old_name.to_lowercase(),
                self.model.to_lowercase(),
                self.new_name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        // `keep_column` only when set, so the checksums of existing migrations stay.
        format!(
            "RenameField model={} old_name={} new_name={}{}",
            self.model,
            self.old_name,
            self.new_name,
            if self.keep_column { " keep_column" } else { "" }
        )
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.rename_field(step, &self.model, &self.old_name, &self.new_name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.rename_field(step, &self.model, &self.new_name, &self.old_name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }
}
