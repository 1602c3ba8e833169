//! The MySQL/MariaDB schema editor and introspection (cargo feature `mysql`; targets
//! MariaDB ≥ 10.6 and MySQL ≥ 8.0).
//!
//! MySQL commits every DDL statement implicitly: the statements of one operation cannot be
//! rolled back together, so the executor records progress per operation (DESIGN decision 8).
//! Spelling: tables are `ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`; column types are `SMALLINT`,
//! `INT`, `BIGINT`, `FLOAT`, `DOUBLE`, `TINYINT(1)` (boolean), `LONGTEXT` (unbounded text),
//! `VARCHAR(n)`, `LONGBLOB`, `DATE`, `TIME(6)`, `DATETIME(6)` (both timestamp kinds; a UTC
//! value is stored as is, without the 2038 limit of `TIMESTAMP`), `CHAR(36)` for UUIDs (the
//! hyphenated text form, readable and the same as on SQLite), `JSON` and `DECIMAL(p, s)`.
//! Auto-increment is `AUTO_INCREMENT`. Column changes are `MODIFY COLUMN` (full definition,
//! comment included), `RENAME COLUMN`, or `CHANGE COLUMN` when a column is renamed and
//! altered at once. Defaults on `LONGTEXT`/`LONGBLOB`/`JSON` columns are written as
//! expressions (`DEFAULT ('x')`), which both MariaDB and MySQL 8 accept.
//!
//! Indexes: MySQL cannot index `LONGTEXT`/`LONGBLOB`/`JSON` without a prefix length, and a
//! prefix index would make `unique` mean "unique prefix", so an index or unique constraint
//! over such a column is refused with an error asking for `max_length` (a `VARCHAR`).
//! Unique constraints are unique indexes on MySQL (there is no other kind), so introspection
//! reports declared unique constraints among the indexes. InnoDB needs an index starting
//! with every foreign-key column; when the model has none, the editor creates the field
//! index `{table}_{column}_idx` itself (so the name is ours, not InnoDB's). Foreign keys are
//! named `{table}_{column}_fk_{target table}` (≤ 64 bytes, hash suffix beyond); MySQL cannot
//! rename a foreign key, so a name change drops and re-adds it, and every foreign key on a
//! column whose type changes (either end) or whose covering index goes away is dropped
//! before and re-added after the change. Re-adding a foreign key makes InnoDB check every
//! row (a table copy), so on large MySQL tables renaming a referenced table or a
//! foreign-key column costs a copy of each referencing table — the price of names that
//! always match the state (editors never read the database, so they cannot look a stale
//! name up the way Django does). `ON DELETE SET DEFAULT` is refused (InnoDB rejects it).
//!
//! The diffing engine shared with PostgreSQL lives in `backend/server/`; running SQL and recording
//! progress belong to the executor.

use super::features::FEATURES;
use crate::backend::editor::{default_literal, SchemaError};
use crate::backend::features::Backend;
pub use crate::backend::server::SchemaDetails;
use crate::backend::server::{
    self, mentions_identifier, AlterSteps, ColumnDef, Dialect, FkDef, Idx, TableDef,
};
use crate::db_schema::DbSchema;
use crate::field_type::ColumnType;
use crate::state::{ConstraintKind, DefaultValue, FieldState, ModelState, OnDelete, ProjectState};

const B: Backend = Backend::Mysql;

/// MySQL keeps identifiers up to 64 characters.
pub const MAX_IDENTIFIER: usize = 64;

/// The longest InnoDB index key (DYNAMIC row format), in bytes.
pub const MAX_KEY_BYTES: u64 = 3072;

/// The table options every `CREATE TABLE` gets.
pub const TABLE_OPTIONS: &str = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

fn q(ident: &str) -> String {
    FEATURES.quote(ident)
}

fn lit(s: &str) -> String {
    FEATURES.string_literal(s)
}

/// The MySQL/MariaDB schema editor.
#[derive(Clone, Copy, Debug, Default)]
pub struct MysqlEditor;

/// The MySQL type of a field's column (see the module docs).
pub fn column_type_sql(field: &FieldState) -> String {
    match &field.column_type {
        ColumnType::SmallInt => "SMALLINT".to_owned(),
        ColumnType::Integer => "INT".to_owned(),
        ColumnType::BigInt => "BIGINT".to_owned(),
        ColumnType::Float => "FLOAT".to_owned(),
        ColumnType::Double => "DOUBLE".to_owned(),
        ColumnType::Boolean => "TINYINT(1)".to_owned(),
        ColumnType::Text => "LONGTEXT".to_owned(),
        ColumnType::Varchar(n) => format!("VARCHAR({n})"),
        ColumnType::Blob => "LONGBLOB".to_owned(),
        ColumnType::Date => "DATE".to_owned(),
        ColumnType::Time => "TIME(6)".to_owned(),
        ColumnType::Timestamp | ColumnType::TimestampTz => "DATETIME(6)".to_owned(),
        ColumnType::Uuid => "CHAR(36)".to_owned(),
        ColumnType::Json => "JSON".to_owned(),
        ColumnType::Decimal { precision, scale } => format!("DECIMAL({precision}, {scale})"),
        ColumnType::Custom(s) => s.clone(),
    }
}

/// True for the types MySQL cannot index without a prefix and (before 8.0.13) cannot give
/// a literal default.
fn is_blob_like(sql_type: &str) -> bool {
    let t = sql_type.to_ascii_uppercase();
    t.ends_with("TEXT") || t.ends_with("BLOB") || t == "JSON"
}

/// The canonical spelling of a MySQL/MariaDB type, for comparing what `COLUMN_TYPE` reports
/// (`bigint(20)`, `decimal(10,2)`, `tinyint(1)`) with what the editor writes (`BIGINT`,
/// `DECIMAL(10, 2)`, `TINYINT(1)`): integer display widths are dropped (except
/// `TINYINT(1)`, the boolean), aliases resolved, spacing normalized, upper-cased.
pub fn normalize_type(t: &str) -> String {
    let mut s = t.trim().to_ascii_lowercase();
    match s.as_str() {
        "boolean" | "bool" => s = "tinyint(1)".to_owned(),
        "integer" => s = "int".to_owned(),
        _ => {}
    }
    for int in ["smallint", "mediumint", "bigint", "int", "tinyint"] {
        if let Some(rest) = s.strip_prefix(int) {
            if let Some(close) = rest.strip_prefix('(').and_then(|r| r.find(')')) {
                let width = &rest[1..=close];
                if !(int == "tinyint" && width == "1") {
                    s = format!("{int}{}", &rest[close + 2..]);
                }
            }
            break;
        }
    }
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let s = s.replace(" (", "(").replace("( ", "(").replace(" )", ")");
    let s = s.replace(", ", ",").replace(',', ", ");
    s.to_ascii_uppercase()
}

fn column_sql(c: &ColumnDef) -> String {
    let mut s = format!("{} {}", q(&c.name), c.sql_type);
    if let Some(g) = &c.generated {
        // MariaDB takes no NULL / NOT NULL on a generated column (see `generated_not_null`).
        let kind = if g.stored { "STORED" } else { "VIRTUAL" };
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) {kind}", g.sql));
    } else {
        s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    }
    if let Some(d) = &c.default {
        s.push_str(" DEFAULT ");
        s.push_str(d);
    }
    if c.auto {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(comment) = &c.comment {
        s.push_str(" COMMENT ");
        s.push_str(&lit(comment));
    }
    s
}

fn cols(columns: &[String]) -> String {
    columns.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
}

impl Dialect for MysqlEditor {
    fn backend(&self) -> Backend {
        B
    }

    fn max_identifier(&self) -> usize {
        MAX_IDENTIFIER
    }

    fn column_type(&self, field: &FieldState) -> String {
        column_type_sql(field)
    }

    fn default_sql(&self, field: &FieldState, value: &DefaultValue) -> Result<String, SchemaError> {
        let sql = default_literal(&FEATURES, value)?;
        if is_blob_like(&column_type_sql(field)) && !matches!(value, DefaultValue::Sql(_)) {
            Ok(format!("({sql})"))
        } else {
            Ok(sql)
        }
    }

    fn check_indexable(&self, model: &ModelState, field: &FieldState) -> Result<(), SchemaError> {
        let ty = column_type_sql(field);
        if is_blob_like(&ty) {
            return Err(SchemaError::Unsupported(format!(
                "MySQL cannot index the {ty} column `{}` of `{}.{}` (table `{}`) without a prefix length, and a prefix would only make the first characters unique; give the field a `max_length` so it becomes a VARCHAR, or remove the index/unique",
                field.column, model.app, model.name, model.table
            )));
        }
        if let ColumnType::Varchar(n) = field.column_type {
            if u64::from(n) * 4 > MAX_KEY_BYTES {
                return Err(SchemaError::Unsupported(format!(
                    "MySQL cannot index the VARCHAR({n}) column `{}` of `{}.{}` (table `{}`): in utf8mb4 it needs up to {} bytes and an InnoDB key holds at most {MAX_KEY_BYTES}; use `max_length` of at most {} or remove the index/unique",
                    field.column,
                    model.app,
                    model.name,
                    model.table,
                    u64::from(n) * 4,
                    MAX_KEY_BYTES / 4
                )));
            }
        }
        Ok(())
    }

    /// MySQL/MariaDB refuse an `AUTO_INCREMENT` column in a generated column's expression
    /// (the value is not known when the expression is computed), and say so only when the
    /// statement runs: refuse it before anything runs.
    fn check_generated(&self, model: &ModelState, field: &FieldState) -> Result<(), SchemaError> {
        let Some(g) = &field.generated else {
            return Ok(());
        };
        match model
            .fields
            .iter()
            .find(|f| f.auto_increment && mentions_identifier(&g.sql, &f.column))
        {
            Some(auto) => Err(SchemaError::Unsupported(format!(
                "generated column `{}.{}` reads the auto-increment column `{}`, which \
                 MySQL/MariaDB refuse in a generated column's expression; compute it from \
                 other columns, or keep this generated column to SQLite and PostgreSQL",
                model.name, field.name, auto.column
            ))),
            None => Ok(()),
        }
    }

    fn generated_not_null(&self) -> bool {
        false
    }

    fn check_foreign_key(&self, model: &ModelState, fk: &FkDef) -> Result<(), SchemaError> {
        // A field's foreign key is named by its field, a multi-column one by its name.
        let which = match fk.fields.as_slice() {
            [field] => field.as_str(),
            _ => fk.name.as_str(),
        };
        if fk.on_delete == OnDelete::SetDefault {
            return Err(SchemaError::Unsupported(format!(
                "foreign key `{}.{}` uses ON DELETE SET DEFAULT, which InnoDB (MySQL/MariaDB) rejects; use set_null, cascade, restrict or no_action",
                model.name, which
            )));
        }
        if fk.on_delete == OnDelete::SetNull {
            // InnoDB refuses a referential action that writes a column some CHECK reads, and
            // says so only when the statement runs: refuse it before anything runs.
            for column in &fk.columns {
                let check = model.constraints.iter().find(|c| match &c.kind {
                    ConstraintKind::Check(sql) => mentions_identifier(sql, column),
                    ConstraintKind::Unique(_) | ConstraintKind::ForeignKey { .. } => false,
                });
                if let Some(check) = check {
                    return Err(SchemaError::Unsupported(format!(
                        "foreign key `{}.{}` uses ON DELETE SET NULL on column `{}`, which check constraint `{}` reads; MySQL/MariaDB refuse a referential action on a column a CHECK uses: use on_delete = \"cascade\", \"restrict\" or \"no_action\", or leave `{}` out of the check",
                        model.name, which, column, check.name, column
                    )));
                }
            }
        }
        Ok(())
    }

    fn mysql_like(&self) -> bool {
        true
    }

    fn identity_sequence(&self, _table: &str, _column: &str) -> Option<String> {
        None
    }

    fn pk_name(&self, _table: &str) -> Option<String> {
        None
    }

    fn create_table(&self, def: &TableDef) -> Vec<String> {
        let mut parts: Vec<String> = def.columns.iter().map(column_sql).collect();
        if !def.pk_columns.is_empty() {
            parts.push(format!("PRIMARY KEY ({})", cols(&def.pk_columns)));
        }
        for (name, sql) in &def.checks {
            parts.push(format!("CONSTRAINT {} CHECK ({sql})", q(name)));
        }
        let mut sql = format!(
            "CREATE TABLE {} ({}) {TABLE_OPTIONS}",
            q(&def.table),
            parts.join(", ")
        );
        if let Some(c) = &def.comment {
            sql.push_str(" COMMENT=");
            sql.push_str(&lit(c));
        }
        vec![sql]
    }

    fn drop_table(&self, table: &str) -> String {
        format!("DROP TABLE {}", q(table))
    }

    fn rename_table(&self, old: &str, new: &str) -> String {
        format!("RENAME TABLE {} TO {}", q(old), q(new))
    }

    fn table_comment(&self, table: &str, comment: Option<&str>) -> String {
        format!(
            "ALTER TABLE {} COMMENT = {}",
            q(table),
            lit(comment.unwrap_or_default())
        )
    }

    fn add_column(&self, table: &str, col: &ColumnDef, fill: Option<&str>) -> Vec<String> {
        match fill {
            Some(value) if col.default.is_none() => {
                let mut with_fill = col.clone();
                with_fill.default = Some(value.to_owned());
                vec![
                    format!(
                        "ALTER TABLE {} ADD COLUMN {}",
                        q(table),
                        column_sql(&with_fill)
                    ),
                    format!(
                        "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                        q(table),
                        q(&col.name)
                    ),
                ]
            }
            _ => vec![format!(
                "ALTER TABLE {} ADD COLUMN {}",
                q(table),
                column_sql(col)
            )],
        }
    }

    fn add_auto_column_with_pk(
        &self,
        table: &str,
        col: &ColumnDef,
        pk_columns: &[String],
    ) -> Option<String> {
        Some(format!(
            "ALTER TABLE {} ADD COLUMN {}, ADD PRIMARY KEY ({})",
            q(table),
            column_sql(col),
            cols(pk_columns)
        ))
    }

    fn drop_column(&self, table: &str, column: &str) -> String {
        format!("ALTER TABLE {} DROP COLUMN {}", q(table), q(column))
    }

    fn alter_column(
        &self,
        old_table: &str,
        table: &str,
        old: &ColumnDef,
        new: &ColumnDef,
        fill: Option<&str>,
    ) -> AlterSteps {
        let mut steps = AlterSteps::default();
        let mut current = old.clone();
        // AUTO_INCREMENT goes before the primary key can be dropped …
        if old.auto && !new.auto {
            current.auto = false;
            steps.pre_pk.push(format!(
                "ALTER TABLE {} MODIFY COLUMN {}",
                q(old_table),
                column_sql(&current)
            ));
        }
        let t = q(table);
        if old.nullable && !new.nullable {
            if let Some(value) = fill.or(new.default.as_deref()) {
                let c = q(&old.name);
                steps
                    .main
                    .push(format!("UPDATE {t} SET {c} = {value} WHERE {c} IS NULL"));
            }
        }
        // … and comes back only once the key exists.
        let mut target = new.clone();
        target.auto = old.auto && new.auto;
        let same_def = |a: &ColumnDef, b: &ColumnDef| {
            (&a.sql_type, a.nullable, &a.default, a.auto, &a.comment)
                == (&b.sql_type, b.nullable, &b.default, b.auto, &b.comment)
        };
        let renamed = old.name != new.name;
        let only_default = (
            &current.sql_type,
            current.nullable,
            current.auto,
            &current.comment,
        ) == (
            &target.sql_type,
            target.nullable,
            target.auto,
            &target.comment,
        ) && current.default != target.default
            && !renamed
            && !is_blob_like(&target.sql_type);
        if only_default {
            // Metadata only: no table copy.
            steps.main.push(match &target.default {
                Some(d) => format!(
                    "ALTER TABLE {t} ALTER COLUMN {} SET DEFAULT {d}",
                    q(&new.name)
                ),
                None => format!("ALTER TABLE {t} ALTER COLUMN {} DROP DEFAULT", q(&new.name)),
            });
        } else if !same_def(&current, &target) {
            if renamed {
                steps.main.push(format!(
                    "ALTER TABLE {t} CHANGE COLUMN {} {}",
                    q(&old.name),
                    column_sql(&target)
                ));
            } else {
                steps.main.push(format!(
                    "ALTER TABLE {t} MODIFY COLUMN {}",
                    column_sql(&target)
                ));
            }
        } else if renamed {
            steps.main.push(format!(
                "ALTER TABLE {t} RENAME COLUMN {} TO {}",
                q(&old.name),
                q(&new.name)
            ));
        }
        if !old.auto && new.auto {
            steps
                .post_pk
                .push(format!("ALTER TABLE {t} MODIFY COLUMN {}", column_sql(new)));
        }
        steps
    }

    fn create_index(&self, table: &str, idx: &Idx) -> String {
        if idx.constraint {
            format!(
                "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
                q(table),
                q(&idx.name),
                cols(&idx.columns)
            )
        } else {
            format!(
                "CREATE {}INDEX {} ON {} ({})",
                if idx.unique { "UNIQUE " } else { "" },
                q(&idx.name),
                q(table),
                cols(&idx.columns)
            )
        }
    }

    fn drop_index(&self, table: &str, name: &str) -> String {
        format!("ALTER TABLE {} DROP INDEX {}", q(table), q(name))
    }

    /// InnoDB's online DDL: reads and writes go on while the index is built, and the server
    /// refuses (instead of silently locking the table) when it cannot do that.
    fn create_index_concurrently(&self, table: &str, idx: &Idx) -> String {
        let separator = if idx.constraint { "," } else { "" };
        format!(
            "{}{separator} ALGORITHM=INPLACE{separator} LOCK=NONE",
            self.create_index(table, idx)
        )
    }

    fn drop_index_concurrently(&self, table: &str, name: &str) -> String {
        format!(
            "{}, ALGORITHM=INPLACE, LOCK=NONE",
            self.drop_index(table, name)
        )
    }

    fn rename_index(&self, table: &str, old: &str, new: &str) -> String {
        format!(
            "ALTER TABLE {} RENAME INDEX {} TO {}",
            q(table),
            q(old),
            q(new)
        )
    }

    fn drop_pk(&self, table: &str, _name: Option<&str>) -> String {
        format!("ALTER TABLE {} DROP PRIMARY KEY", q(table))
    }

    fn add_pk(&self, table: &str, _name: Option<&str>, columns: &[String]) -> String {
        format!(
            "ALTER TABLE {} ADD PRIMARY KEY ({})",
            q(table),
            cols(columns)
        )
    }

    fn rename_constraint(&self, _table: &str, _old: &str, _new: &str) -> Option<String> {
        None
    }

    fn add_fk(&self, table: &str, fk: &FkDef) -> String {
        format!(
            "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {}",
            q(table),
            q(&fk.name),
            fk.columns
                .iter()
                .map(|c| q(c))
                .collect::<Vec<_>>()
                .join(", "),
            q(&fk.ref_table),
            fk.ref_columns
                .iter()
                .map(|c| q(c))
                .collect::<Vec<_>>()
                .join(", "),
            fk.on_delete.sql()
        )
    }

    fn drop_fk(&self, table: &str, name: &str) -> String {
        format!("ALTER TABLE {} DROP FOREIGN KEY {}", q(table), q(name))
    }
}

/// The schema (and comments and foreign-key names) `state` produces on MySQL/MariaDB: what
/// [`crate::introspect::introspect`] and [`super::introspect_details`] must return once the migrations that build
/// `state` are applied.
pub fn expected_schema(state: &ProjectState) -> Result<(DbSchema, SchemaDetails), SchemaError> {
    server::expected(&MysqlEditor, state, normalize_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_sql_mentions_only_real_identifiers() {
        assert!(mentions_identifier("f1 IS NULL OR f1 > 0", "f1"));
        assert!(mentions_identifier("`F1` > 0", "f1"));
        assert!(mentions_identifier("(\"rating\" >= 0)", "rating"));
        assert!(!mentions_identifier("f10 > 0 AND xf1 < 2", "f1"));
        assert!(!mentions_identifier("status <> 'f1 ''and'' f1'", "f1"));
        assert!(mentions_identifier("status <> 'it''s' AND f1 = 1", "f1"));
    }

    #[test]
    fn column_type_spellings_normalize_to_the_editor_spellings() {
        for (reported, written) in [
            ("bigint(20)", "BIGINT"),
            ("int(11)", "INT"),
            ("smallint(6)", "SMALLINT"),
            ("tinyint(1)", "TINYINT(1)"),
            ("decimal(10,2)", "DECIMAL(10, 2)"),
            ("varchar(200)", "VARCHAR(200)"),
            ("datetime(6)", "DATETIME(6)"),
            ("bigint(20) unsigned", "BIGINT UNSIGNED"),
        ] {
            assert_eq!(
                normalize_type(reported),
                normalize_type(written),
                "{reported}"
            );
        }
    }
}
