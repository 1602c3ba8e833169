//! Reads a live MySQL/MariaDB database into the shared [`DbSchema`] (and the [`SchemaDetails`] the
//! shared schema does not hold: comments, constraint names, sequences), with types normalized
//! to the editor's spellings so a freshly migrated database compares equal to
//! `expected_schema`. Only reads; migrator's own bookkeeping tables are skipped.

use std::collections::BTreeMap;

use diesel::mysql::Mysql;
use diesel::sql_types::{Nullable, Text};
use diesel::{MysqlConnection, QueryableByName, RunQueryDsl};

use super::features::FEATURES;
use super::schema::normalize_type;
use crate::backend::server::{normalize_check, normalize_default, SchemaDetails};
use crate::db_schema::{
    ColumnSchema, DbSchema, ForeignKeySchema, IndexDef, IntrospectError, NamedConstraint,
    TableSchema, PROGRESS_TABLE, RECORDER_TABLE,
};

fn lit(s: &str) -> String {
    FEATURES.string_literal(s)
}

#[derive(QueryableByName)]
struct Row3 {
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Nullable<Text>)]
    b: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    c: Option<String>,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    type_name: String,
    #[diesel(sql_type = Text)]
    nullable: String,
    #[diesel(sql_type = Nullable<Text>)]
    dflt: Option<String>,
    #[diesel(sql_type = Text)]
    extra: String,
    #[diesel(sql_type = Text)]
    comment: String,
}

fn load<T: QueryableByName<Mysql> + 'static>(
    conn: &mut MysqlConnection,
    sql: String,
) -> Result<Vec<T>, IntrospectError> {
    diesel::sql_query(&sql)
        .load::<T>(conn)
        .map_err(|source| IntrospectError::Query { sql, source })
}

/// `(table, comment)` of every base table of the current database except the recorder's.
fn tables(conn: &mut MysqlConnection) -> Result<Vec<(String, String)>, IntrospectError> {
    let rows: Vec<Row3> = load(
        conn,
        format!(
            "SELECT CAST(TABLE_NAME AS CHAR) AS a, CAST(TABLE_COMMENT AS CHAR) AS b, NULL AS c \
             FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' \
             AND TABLE_NAME NOT IN ({}, {}) ORDER BY TABLE_NAME",
            lit(RECORDER_TABLE),
            lit(PROGRESS_TABLE)
        ),
    )?;
    Ok(rows
        .into_iter()
        .map(|r| (r.a, r.b.unwrap_or_default()))
        .collect())
}

fn is_mariadb(conn: &mut MysqlConnection) -> Result<bool, IntrospectError> {
    let rows: Vec<Row3> = load(
        conn,
        "SELECT CAST(VERSION() AS CHAR) AS a, NULL AS b, NULL AS c".to_owned(),
    )?;
    Ok(rows.first().is_some_and(|r| r.a.contains("MariaDB")))
}

fn columns(conn: &mut MysqlConnection, table: &str) -> Result<Vec<ColumnRow>, IntrospectError> {
    load(
        conn,
        format!(
            "SELECT CAST(COLUMN_NAME AS CHAR) AS name, CAST(COLUMN_TYPE AS CHAR) AS type_name, \
             CAST(IS_NULLABLE AS CHAR) AS nullable, CAST(COLUMN_DEFAULT AS CHAR) AS dflt, \
             CAST(EXTRA AS CHAR) AS extra, CAST(COLUMN_COMMENT AS CHAR) AS comment \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} \
             ORDER BY ORDINAL_POSITION",
            lit(table)
        ),
    )
}

#[derive(QueryableByName)]
struct FkRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    column: String,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Text)]
    ref_column: String,
    #[diesel(sql_type = Text)]
    del: String,
}

/// The foreign keys of `table` (single-column ones, as the editor writes them).
fn foreign_key_rows(
    conn: &mut MysqlConnection,
    table: &str,
) -> Result<Vec<FkRow>, IntrospectError> {
    load(
        conn,
        format!(
            "SELECT CAST(k.CONSTRAINT_NAME AS CHAR) AS name, CAST(k.COLUMN_NAME AS CHAR) AS `column`, \
             CAST(k.REFERENCED_TABLE_NAME AS CHAR) AS ref_table, CAST(k.REFERENCED_COLUMN_NAME AS CHAR) AS ref_column, \
             CAST(r.DELETE_RULE AS CHAR) AS del \
             FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
             ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = {} AND k.REFERENCED_TABLE_NAME IS NOT NULL",
            lit(table)
        ),
    )
}

/// Re-spells a string literal as MariaDB reports it (`'it\'s'`, backslash escapes) the way
/// [`Backend::string_literal`] writes it, so both compare equal; anything else is unchanged.
fn requote(sql: &str) -> String {
    let Some(inner) = sql
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .filter(|_| sql.len() >= 2)
    else {
        return sql.to_owned();
    };
    let mut value = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => value.push('\n'),
                Some('t') => value.push('\t'),
                Some('r') => value.push('\r'),
                Some('0') => value.push('\0'),
                Some('Z') => value.push('\u{1a}'),
                Some(other) => value.push(other),
                None => value.push('\\'),
            },
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                value.push('\'');
            }
            c => value.push(c),
        }
    }
    lit(&value)
}

/// Reads the current database's schema (every base table except the recorder's) through
/// `information_schema`. Types are normalized with [`normalize_type`]; MariaDB's `JSON`
/// (a `LONGTEXT` with a `json_valid` column check) is reported as `JSON`; MariaDB's `NULL`
/// default text means no default; unique constraints are reported among the indexes.
pub fn introspect(conn: &mut MysqlConnection) -> Result<DbSchema, IntrospectError> {
    let mariadb = is_mariadb(conn)?;
    let mut schema = DbSchema::default();
    for (table, _) in tables(conn)? {
        let tl = lit(&table);
        // Checks: (name, clause, level). MariaDB keeps JSON validity as column-level checks.
        let check_rows: Vec<Row3> = if mariadb {
            load(
                conn,
                format!(
                    "SELECT CAST(CONSTRAINT_NAME AS CHAR) AS a, CAST(CHECK_CLAUSE AS CHAR) AS b, CAST(LEVEL AS CHAR) AS c \
                     FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = {tl}"
                ),
            )?
        } else {
            load(
                conn,
                format!(
                    "SELECT CAST(t.CONSTRAINT_NAME AS CHAR) AS a, CAST(c.CHECK_CLAUSE AS CHAR) AS b, 'Table' AS c \
                     FROM information_schema.TABLE_CONSTRAINTS t JOIN information_schema.CHECK_CONSTRAINTS c \
                     ON c.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = t.CONSTRAINT_NAME \
                     WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = {tl} AND t.CONSTRAINT_TYPE = 'CHECK'"
                ),
            )?
        };
        let mut json_columns = Vec::new();
        let mut checks = Vec::new();
        for r in check_rows {
            let clause = r.b.unwrap_or_default();
            if r.c.as_deref() == Some("Column") {
                if normalize_check(&clause) == normalize_check(&format!("json_valid({})", r.a)) {
                    json_columns.push(r.a);
                }
                continue;
            }
            checks.push(NamedConstraint {
                name: Some(r.a),
                body: vec![normalize_check(&clause)],
            });
        }
        checks.sort();
        let pk_rows: Vec<Row3> = load(
            conn,
            format!(
                "SELECT CAST(COLUMN_NAME AS CHAR) AS a, NULL AS b, NULL AS c FROM information_schema.KEY_COLUMN_USAGE \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {tl} AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION"
            ),
        )?;
        let primary_key: Vec<String> = pk_rows.into_iter().map(|r| r.a).collect();
        let mut cols: Vec<ColumnSchema> = columns(conn, &table)?
            .into_iter()
            .map(|c| {
                let type_name = if json_columns.contains(&c.name) {
                    "JSON".to_owned()
                } else {
                    normalize_type(&c.type_name)
                };
                let default = match c.dflt.as_deref() {
                    None => None,
                    Some("NULL") if mariadb => None,
                    Some(d) if !mariadb && !c.extra.contains("DEFAULT_GENERATED") => {
                        // MySQL 8 reports literal defaults unquoted.
                        Some(normalize_default(&lit(d)))
                    }
                    Some(d) => Some(normalize_default(&requote(d))),
                };
                ColumnSchema {
                    primary_key: primary_key.contains(&c.name),
                    type_name,
                    nullable: c.nullable == "YES",
                    default,
                    auto_increment: c.extra.to_ascii_lowercase().contains("auto_increment"),
                    name: c.name,
                }
            })
            .collect();
        cols.sort_by(|a, b| a.name.cmp(&b.name));
        let idx_rows: Vec<Row3> = load(
            conn,
            format!(
                "SELECT CAST(INDEX_NAME AS CHAR) AS a, CAST(NON_UNIQUE AS CHAR) AS b, CAST(COLUMN_NAME AS CHAR) AS c \
                 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {tl} \
                 AND INDEX_NAME <> 'PRIMARY' ORDER BY INDEX_NAME, SEQ_IN_INDEX"
            ),
        )?;
        let mut by_name: BTreeMap<String, IndexDef> = BTreeMap::new();
        for r in idx_rows {
            let entry = by_name.entry(r.a.clone()).or_insert_with(|| IndexDef {
                name: r.a.clone(),
                columns: Vec::new(),
                unique: r.b.as_deref() == Some("0"),
            });
            entry
                .columns
                .push(r.c.unwrap_or_else(|| "<expression>".to_owned()));
        }
        let mut indexes: Vec<IndexDef> = by_name.into_values().collect();
        indexes.sort();
        let mut foreign_keys: Vec<ForeignKeySchema> = foreign_key_rows(conn, &table)?
            .into_iter()
            .map(|r| ForeignKeySchema {
                column: r.column,
                table: r.ref_table,
                to_column: r.ref_column,
                on_delete: r.del,
            })
            .collect();
        foreign_keys.sort();
        schema.tables.insert(
            table.clone(),
            TableSchema {
                name: table,
                columns: cols,
                primary_key,
                indexes,
                unique_constraints: Vec::new(),
                checks,
                foreign_keys,
            },
        );
    }
    Ok(schema)
}

/// Reads the table and column comments and the foreign-key constraint names of every table
/// (what [`DbSchema`] leaves out), to compare with [`super::expected_schema`]'s details.
pub fn introspect_details(conn: &mut MysqlConnection) -> Result<SchemaDetails, IntrospectError> {
    let mut details = SchemaDetails::default();
    for (table, comment) in tables(conn)? {
        if !comment.is_empty() {
            details
                .comments
                .insert((table.clone(), String::new()), comment);
        }
        for c in columns(conn, &table)? {
            if !c.comment.is_empty() {
                details.comments.insert((table.clone(), c.name), c.comment);
            }
        }
        for fk in foreign_key_rows(conn, &table)? {
            details
                .foreign_key_names
                .insert((table.clone(), fk.column), fk.name);
        }
    }
    Ok(details)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_literals_are_respelled() {
        assert_eq!(requote(r"'it\'s \\ x'"), lit(r"it's \ x"));
        assert_eq!(requote("'it''s'"), lit("it's"));
        assert_eq!(requote("current_timestamp()"), "current_timestamp()");
    }
}
