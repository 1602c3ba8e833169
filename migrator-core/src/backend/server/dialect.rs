//! How one server backend spells things ([`Dialect`]): implemented by the PostgreSQL and
//! MySQL/MariaDB editors, read by the object derivation and the diff.

use super::defs::{AlterSteps, ColumnDef, FkDef, Idx, TableDef, UniqueDef};
use crate::backend::editor::SchemaError;
use crate::backend::features::Backend;
use crate::state::{DefaultValue, FieldState, ModelState};

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
    /// Rejects a generated column the backend cannot keep (PostgreSQL before 18: a virtual
    /// one).
    fn check_generated(&self, model: &ModelState, field: &FieldState) -> Result<(), SchemaError>;
    /// Whether a generated column keeps its `NOT NULL` (MariaDB refuses one there, so its
    /// generated columns are always nullable).
    fn generated_not_null(&self) -> bool;
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
    /// Creates an index without blocking writes to the table (outside any transaction).
    fn create_index_concurrently(&self, table: &str, idx: &Idx) -> String;
    /// Drops an index without blocking the table (outside any transaction).
    fn drop_index_concurrently(&self, table: &str, name: &str) -> String;
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
