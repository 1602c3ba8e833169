//! The engine shared by the server schema editors (PostgreSQL in `postgres/schema.rs`,
//! MySQL/MariaDB in `mysql/schema.rs`): every server [`Dialect`] is a [`SchemaEditor`] through
//! the one blanket impl here, which turns each primitive schema change into a diff of the
//! database objects (`objects.rs`: [`TableDef`] — columns, primary key, indexes, unique and
//! check constraints, foreign keys, comments, with their names) of the states around it,
//! knowing which model or field the change renamed (`diff.rs`).
//!
//! Objects that keep their identity but change their name (a field index after a table
//! rename, a foreign key after its column or target table is renamed) are renamed, never
//! dropped and recreated, where the backend can (PostgreSQL everywhere, MySQL for indexes);
//! everything else is dropped before and created after the column changes, in this order:
//! foreign keys dropped → indexes and constraints dropped → primary key dropped → table
//! renamed, columns dropped, altered, added → primary key added → indexes and constraints
//! renamed or created, comments → foreign keys added or renamed. `normalize.rs` holds the
//! comparison keys for what servers re-print (defaults, checks) and the expected schema. The
//! spelling of each statement belongs to the backend's [`Dialect`]. Nothing here runs SQL;
//! which statements run in which transaction is the executor's concern.

mod diff;
mod normalize;
mod objects;

pub use normalize::SchemaDetails;
pub(crate) use normalize::{expected, normalize_check, normalize_default};
#[cfg(feature = "postgres")]
pub(crate) use objects::shorten_identifier;
pub(crate) use objects::{AlterSteps, ColumnDef, FkDef, Idx, TableDef, UniqueDef};

use crate::backend::editor::{SchemaEditor, SchemaError, Step};
use crate::backend::features::Backend;
use crate::state::{DefaultValue, FieldState, ModelKey, ModelState, ProjectState};
use diff::{diff, Renames};

/// How one server backend spells things. Implemented by the PostgreSQL and MySQL editors.
pub(crate) trait Dialect {
    /// The backend.
    fn backend(&self) -> Backend;
    /// The longest identifier the backend keeps.
    fn max_identifier(&self) -> usize;
    /// The column type of `field`.
    fn column_type(&self, field: &FieldState) -> String;
    /// A default value for `field` as SQL.
    fn default_sql(&self, field: &FieldState, value: &DefaultValue) -> Result<String, SchemaError>;
    /// Rejects an index over `field` the backend cannot build.
    fn check_indexable(&self, model: &ModelState, field: &FieldState) -> Result<(), SchemaError>;
    /// Rejects a foreign key the backend cannot enforce.
    fn check_foreign_key(&self, model: &ModelState, fk: &FkDef) -> Result<(), SchemaError>;
    /// MySQL: unique constraints are unique indexes, and a foreign-key column needs an index.
    fn mysql_like(&self) -> bool;
    /// The sequence name of an identity column `table.column`, where the backend names one.
    fn identity_sequence(&self, table: &str, column: &str) -> Option<String>;
    /// The primary-key constraint name of `table`, where the backend names it.
    fn pk_name(&self, table: &str) -> Option<String>;
    /// `CREATE TABLE` (and the statements that complete it, like comments).
    fn create_table(&self, def: &TableDef) -> Vec<String>;
    /// `DROP TABLE`.
    fn drop_table(&self, table: &str) -> String;
    /// Renames a table.
    fn rename_table(&self, old: &str, new: &str) -> String;
    /// Sets or removes a table comment.
    fn table_comment(&self, table: &str, comment: Option<&str>) -> String;
    /// Adds a column; `fill` is a one-off value for existing rows (dropped as default after).
    fn add_column(&self, table: &str, col: &ColumnDef, fill: Option<&str>) -> Vec<String>;
    /// Adds an auto-increment column together with the primary key it belongs to, where the
    /// backend needs both in one statement (MySQL: an `AUTO_INCREMENT` column must be a key
    /// the moment it exists). `None`: add the column, then the key, separately.
    fn add_auto_column_with_pk(
        &self,
        table: &str,
        col: &ColumnDef,
        pk_columns: &[String],
    ) -> Option<String>;
    /// Drops a column.
    fn drop_column(&self, table: &str, column: &str) -> String;
    /// Alters (and possibly renames) a column. `fill` replaces NULLs when it becomes NOT NULL.
    fn alter_column(
        &self,
        old_table: &str,
        table: &str,
        old: &ColumnDef,
        new: &ColumnDef,
        fill: Option<&str>,
    ) -> AlterSteps;
    /// Creates an index (or a MySQL unique constraint).
    fn create_index(&self, table: &str, idx: &Idx) -> String;
    /// Drops an index.
    fn drop_index(&self, table: &str, name: &str) -> String;
    /// Renames an index.
    fn rename_index(&self, table: &str, old: &str, new: &str) -> String;
    /// Adds a named unique constraint (PostgreSQL).
    fn add_unique(&self, table: &str, u: &UniqueDef) -> String {
        let q = |ident: &str| self.backend().quote(ident);
        let columns: Vec<String> = u.columns.iter().map(|c| q(c)).collect();
        format!(
            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
            q(table),
            q(&u.name),
            columns.join(", ")
        )
    }
    /// Drops a named constraint (unique or check).
    fn drop_constraint(&self, table: &str, name: &str) -> String {
        let q = |ident: &str| self.backend().quote(ident);
        format!("ALTER TABLE {} DROP CONSTRAINT {}", q(table), q(name))
    }
    /// Adds a named check constraint.
    fn add_check(&self, table: &str, name: &str, sql: &str) -> String {
        let q = |ident: &str| self.backend().quote(ident);
        format!(
            "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({sql})",
            q(table),
            q(name)
        )
    }
    /// Drops the primary key.
    fn drop_pk(&self, table: &str, name: Option<&str>) -> String;
    /// Adds the primary key.
    fn add_pk(&self, table: &str, name: Option<&str>, columns: &[String]) -> String;
    /// Renames a constraint, where the backend can (`None`: drop and recreate instead).
    fn rename_constraint(&self, table: &str, old: &str, new: &str) -> Option<String>;
    /// Adds a foreign key.
    fn add_fk(&self, table: &str, fk: &FkDef) -> String;
    /// Drops a foreign key.
    fn drop_fk(&self, table: &str, name: &str) -> String;
}

/// Every server dialect is a schema editor: each primitive is translated here, once, into a
/// diff of the objects around it, in terms of the dialect's spellings.
impl<D: Dialect> SchemaEditor for D {
    fn backend(&self) -> Backend {
        Dialect::backend(self)
    }

    fn create_model(&self, step: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::created(model))
    }

    fn delete_model(&self, step: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn rename_model(
        &self,
        step: &Step<'_>,
        old: &str,
        new: &str,
    ) -> Result<Vec<String>, SchemaError> {
        let mut c = Change::on(old);
        c.renames = Renames::model(step.app, old, new);
        change(self, step, c)
    }

    fn alter_model_table(&self, step: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn alter_model_comment(
        &self,
        step: &Step<'_>,
        model: &str,
    ) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn add_field(
        &self,
        step: &Step<'_>,
        model: &str,
        field: &FieldState,
        one_off_default: bool,
    ) -> Result<Vec<String>, SchemaError> {
        change(
            self,
            step,
            Change::on(model).filling(field, one_off_default),
        )
    }

    fn remove_field(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
    ) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn alter_field(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
        field: &FieldState,
        one_off_default: bool,
    ) -> Result<Vec<String>, SchemaError> {
        change(
            self,
            step,
            Change::on(model).filling(field, one_off_default),
        )
    }

    fn rename_field(
        &self,
        step: &Step<'_>,
        model: &str,
        old: &str,
        new: &str,
    ) -> Result<Vec<String>, SchemaError> {
        let mut c = Change::on(model);
        c.renames = Renames::field(step.app, model, old, new);
        change(self, step, c)
    }

    fn add_index(&self, step: &Step<'_>, model: &str, _: &str) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn remove_index(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
    ) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn add_constraint(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
    ) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn remove_constraint(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
    ) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn create_model_sql(
        &self,
        model: &ModelState,
        state: &ProjectState,
    ) -> Result<Vec<String>, SchemaError> {
        let def = objects::table_def(self, model, state, true)?;
        let mut out = self.create_table(&def);
        out.extend(def.indexes.iter().map(|i| self.create_index(&def.table, i)));
        out.extend(def.fks.iter().map(|fk| self.add_fk(&def.table, fk)));
        Ok(out)
    }
}

/// What one primitive changes, as the diff needs it.
struct Change<'a> {
    /// The model it names: in `step.from`, or in `step.to` when `created`.
    model: &'a str,
    created: bool,
    renames: Renames,
    /// A one-off default that fills existing rows: the field and its value.
    fill: Option<(&'a FieldState, &'a DefaultValue)>,
}

impl<'a> Change<'a> {
    fn on(model: &'a str) -> Self {
        Self {
            model,
            created: false,
            renames: Renames::default(),
            fill: None,
        }
    }

    fn created(model: &'a str) -> Self {
        Self {
            created: true,
            ..Self::on(model)
        }
    }

    fn filling(mut self, field: &'a FieldState, one_off_default: bool) -> Self {
        if one_off_default {
            self.fill = field.default.as_ref().map(|v| (field, v));
        }
        self
    }
}

/// The SQL of one primitive: the diff of the objects of the changed model (and the models
/// around it) from `step.from` to `step.to`.
fn change(d: &dyn Dialect, step: &Step<'_>, c: Change<'_>) -> Result<Vec<String>, SchemaError> {
    step.model_in(if c.created { step.to } else { step.from }, c.model)?;
    let key = ModelKey::new(step.app, c.model);
    let fill = match c.fill {
        Some((field, value)) => Some((
            key.clone(),
            field.name.clone(),
            d.default_sql(field, value)?,
        )),
        None => None,
    };
    let changed = c.renames.key(&key);
    diff(
        d,
        step.from,
        step.to,
        &c.renames,
        fill.as_ref(),
        Some(&changed),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_identifiers_get_a_stable_hash_suffix() {
        let long = "a".repeat(80);
        let short = objects::shorten_identifier(&long, 63);
        assert_eq!(short.len(), 63);
        assert_eq!(short, objects::shorten_identifier(&long, 63));
        assert_ne!(short, objects::shorten_identifier(&"a".repeat(81), 63));
        assert_eq!(
            objects::shorten_identifier("books_title_idx", 63),
            "books_title_idx"
        );
        // Never splits a multi-byte character.
        let wide = "é".repeat(40);
        assert!(objects::shorten_identifier(&wide, 63).len() <= 63);
    }

    #[test]
    fn defaults_normalize_across_spellings() {
        assert_eq!(normalize_default("'draft'::character varying"), "'draft'");
        assert_eq!(normalize_default("('draft')"), "'draft'");
        assert_eq!(normalize_default("'-1'::integer"), "-1");
        assert_eq!(
            normalize_default("(CURRENT_TIMESTAMP)"),
            "current_timestamp"
        );
        assert_eq!(
            normalize_default("current_timestamp()"),
            "current_timestamp"
        );
        assert_eq!(normalize_default("TRUE"), "true");
        assert_eq!(normalize_default("0.00"), normalize_default("0"));
        assert_eq!(normalize_default("12.50"), normalize_default("12.5"));
        assert_eq!(normalize_default("'a::b'"), "'a::b'");
        assert_eq!(
            normalize_default("'{}'::jsonb"),
            "'{}'",
            "casts after a literal go"
        );
    }

    #[test]
    fn checks_normalize_across_spellings() {
        assert_eq!(
            normalize_check("((status)::text = 'x'::character varying)"),
            normalize_check("`status` = 'x'")
        );
        assert_eq!(
            normalize_check("CHECK ((rating >= 0))").trim_start_matches("check"),
            normalize_check("`rating` >= 0")
        );
    }
}
