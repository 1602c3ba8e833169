//! Reads a live MySQL/MariaDB database into the shared [`DbSchema`] (and the [`SchemaDetails`] the
//! shared schema does not hold: comments, constraint names, sequences), with types normalized
//! to the editor's spellings so a freshly migrated database compares equal to
//! `expected_schema`. [`inspect`] adds what `inspectdb` needs beyond that (declared types,
//! raw defaults and checks, comments, column clauses, index and foreign-key details, table
//! options, views and triggers). Only reads; migrator's own bookkeeping tables are skipped.

use std::collections::BTreeMap;

use diesel::mysql::Mysql;
use diesel::sql_types::{Nullable, Text};
use diesel::{MysqlConnection, QueryableByName, RunQueryDsl};

use super::features::FEATURES;
use super::schema::normalize_type;
use crate::backend::server::{normalize_check, normalize_default, SchemaDetails};
use crate::db_schema::{
    group_foreign_keys, ColumnCheck, ColumnDetails, ColumnSchema, DbSchema, ForeignKeyDetails,
    IndexDef, IntrospectError, LiveSchema, NamedConstraint, OtherObject, TableDetails, TableSchema,
    PROGRESS_TABLE, RECORDER_TABLE,
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
    /// The expression of a generated column (empty otherwise).
    #[diesel(sql_type = Nullable<Text>)]
    generation: Option<String>,
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
             CAST(EXTRA AS CHAR) AS extra, CAST(COLUMN_COMMENT AS CHAR) AS comment, \
             CAST(GENERATION_EXPRESSION AS CHAR) AS generation \
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

/// The foreign-key columns of `table`, each constraint's in key order.
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
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = {} AND k.REFERENCED_TABLE_NAME IS NOT NULL \
             ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
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

/// The check constraints of the table whose quoted name is `tl`, as (name, clause, level):
/// MariaDB reports column-level checks (its JSON validity checks among them) with their level,
/// MySQL only table-level ones.
fn checks(
    conn: &mut MysqlConnection,
    mariadb: bool,
    tl: &str,
) -> Result<Vec<Row3>, IntrospectError> {
    if mariadb {
        load(
            conn,
            format!(
                "SELECT CAST(CONSTRAINT_NAME AS CHAR) AS a, CAST(CHECK_CLAUSE AS CHAR) AS b, CAST(LEVEL AS CHAR) AS c \
                 FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = {tl}"
            ),
        )
    } else {
        load(
            conn,
            format!(
                "SELECT CAST(t.CONSTRAINT_NAME AS CHAR) AS a, CAST(c.CHECK_CLAUSE AS CHAR) AS b, 'Table' AS c \
                 FROM information_schema.TABLE_CONSTRAINTS t JOIN information_schema.CHECK_CONSTRAINTS c \
                 ON c.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = t.CONSTRAINT_NAME \
                 WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME = {tl} AND t.CONSTRAINT_TYPE = 'CHECK'"
            ),
        )
    }
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
        let check_rows = checks(conn, mariadb, &tl)?;
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
                body: vec![normalize_check(&standard_escapes(&clause))],
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
                let extra = c.extra.to_ascii_lowercase();
                // `STORED GENERATED` / `VIRTUAL GENERATED` (MariaDB's PERSISTENT reads STORED).
                let generated = if extra.contains("stored generated") {
                    Some("stored".to_owned())
                } else if extra.contains("virtual generated") {
                    Some("virtual".to_owned())
                } else {
                    None
                };
                ColumnSchema {
                    primary_key: primary_key.contains(&c.name),
                    type_name,
                    nullable: c.nullable == "YES",
                    default: default.filter(|_| generated.is_none()),
                    auto_increment: extra.contains("auto_increment"),
                    generated_sql: c.generation.as_deref().filter(|_| generated.is_some()).map(
                        |g| {
                            crate::sql_text::expression_key(
                                g,
                                super::features::FEATURES.function_synonyms,
                            )
                        },
                    ),
                    generated,
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
                expressions: Vec::new(),
                unique: r.b.as_deref() == Some("0"),
                condition: None,
                nulls_distinct: true,
                method: None,
                include: Vec::new(),
            });
            entry
                .columns
                .push(r.c.unwrap_or_else(|| "<expression>".to_owned()));
        }
        let mut indexes: Vec<IndexDef> = by_name.into_values().collect();
        indexes.sort();
        let (foreign_keys, multi_foreign_keys) = group_foreign_keys(
            foreign_key_rows(conn, &table)?
                .into_iter()
                .map(|r| (r.name, r.column, r.ref_table, r.ref_column, r.del)),
        );
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
                multi_foreign_keys,
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
        let rows = foreign_key_rows(conn, &table)?;
        let single = |name: &str| rows.iter().filter(|r| r.name == name).count() == 1;
        for fk in rows.iter().filter(|r| single(&r.name)) {
            details
                .foreign_key_names
                .insert((table.clone(), fk.column.clone()), fk.name.clone());
        }
    }
    Ok(details)
}

#[derive(QueryableByName)]
struct InspectColumnRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    type_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    dflt: Option<String>,
    #[diesel(sql_type = Text)]
    extra: String,
    #[diesel(sql_type = Text)]
    comment: String,
    #[diesel(sql_type = Nullable<Text>)]
    generation: Option<String>,
}

#[derive(QueryableByName)]
struct InspectIndexRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    column: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    sub_part: Option<String>,
    #[diesel(sql_type = Text)]
    index_type: String,
    #[diesel(sql_type = Nullable<Text>)]
    collation: Option<String>,
}

#[derive(QueryableByName)]
struct InspectFkRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    column: String,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Nullable<Text>)]
    ref_column: Option<String>,
    #[diesel(sql_type = Text)]
    upd: String,
}

/// Reads the current database for `inspectdb`: [`introspect`]'s schema plus each column's
/// declared type, raw default, comment, generated expression and `ON UPDATE` clause; raw
/// check SQL (and MariaDB's column-level checks); what makes an index inexpressible (a
/// prefix length, an expression, a descending key, FULLTEXT/SPATIAL/HASH); foreign keys as
/// declared; the engine and character set where they differ from migrator's; views and
/// triggers.
pub fn inspect(conn: &mut MysqlConnection) -> Result<LiveSchema, IntrospectError> {
    let schema = introspect(conn)?;
    let mariadb = is_mariadb(conn)?;
    let comments: BTreeMap<String, String> = tables(conn)?.into_iter().collect();
    let mut details = BTreeMap::new();
    for table in schema.tables.keys() {
        let tl = lit(table);
        let mut d = TableDetails {
            comment: comments.get(table).filter(|c| !c.is_empty()).cloned(),
            ..TableDetails::default()
        };
        let opts: Vec<Row3> = load(
            conn,
            format!(
                "SELECT CAST(COALESCE(ENGINE, '') AS CHAR) AS a, CAST(TABLE_COLLATION AS CHAR) AS b, NULL AS c \
                 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {tl}"
            ),
        )?;
        if let Some(o) = opts.into_iter().next() {
            if !o.a.eq_ignore_ascii_case("InnoDB") {
                d.options.push(format!(
                    "the table option ENGINE={} (migrator creates InnoDB tables)",
                    o.a
                ));
            }
            if let Some(coll) = o.b.filter(|c| !c.starts_with("utf8mb4")) {
                d.options.push(format!(
                    "the table option COLLATE {coll} (migrator creates utf8mb4 tables)"
                ));
            }
        }
        let cols: Vec<InspectColumnRow> = load(
            conn,
            format!(
                "SELECT CAST(COLUMN_NAME AS CHAR) AS name, CAST(COLUMN_TYPE AS CHAR) AS type_name, \
                 CAST(COLUMN_DEFAULT AS CHAR) AS dflt, CAST(EXTRA AS CHAR) AS extra, \
                 CAST(COLUMN_COMMENT AS CHAR) AS comment, CAST(GENERATION_EXPRESSION AS CHAR) AS generation \
                 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {tl} \
                 ORDER BY ORDINAL_POSITION"
            ),
        )?;
        for c in cols {
            let lower = c.extra.to_ascii_lowercase();
            let generated = lower.contains("generated") && !lower.contains("default_generated");
            let extra = lower
                .find("on update")
                .map(|i| c.extra[i..].trim().to_ascii_uppercase());
            let default = match c.dflt {
                Some(d) if mariadb && d == "NULL" => None,
                other => other,
            };
            d.columns.push(ColumnDetails {
                name: c.name,
                declared_type: c.type_name,
                default: if generated { None } else { default },
                comment: (!c.comment.is_empty()).then_some(c.comment),
                sequence_default: false,
                user_type: false,
                generated: if generated {
                    Some(c.generation.unwrap_or_default())
                } else {
                    None
                },
                extra,
            });
        }
        let check_rows = checks(conn, mariadb, &tl)?;
        for r in check_rows {
            let clause = r.b.unwrap_or_default();
            if r.c.as_deref() == Some("Column") {
                // MariaDB's JSON type is a LONGTEXT with this check; it reads as `JSON`.
                if normalize_check(&clause) != normalize_check(&format!("json_valid({})", r.a)) {
                    d.column_checks.push(ColumnCheck {
                        name: Some(r.a.clone()),
                        column: r.a,
                        sql: clause,
                    });
                }
            } else {
                d.checks.insert(r.a, clause);
            }
        }
        let idx: Vec<InspectIndexRow> = load(
            conn,
            format!(
                "SELECT CAST(INDEX_NAME AS CHAR) AS name, CAST(COLUMN_NAME AS CHAR) AS `column`, \
                 CAST(SUB_PART AS CHAR) AS sub_part, CAST(INDEX_TYPE AS CHAR) AS index_type, \
                 CAST(COLLATION AS CHAR) AS collation \
                 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {tl} \
                 AND INDEX_NAME <> 'PRIMARY' ORDER BY INDEX_NAME, SEQ_IN_INDEX"
            ),
        )?;
        let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for i in idx {
            let mut add = |why: String| {
                let list = reasons.entry(i.name.clone()).or_default();
                if !list.contains(&why) {
                    list.push(why);
                }
            };
            if i.column.is_none() {
                add("an index on an expression".to_owned());
            }
            if let Some(n) = &i.sub_part {
                add(format!(
                    "an index on a prefix ({n} characters of `{}`)",
                    i.column.as_deref().unwrap_or("?")
                ));
            }
            if !i.index_type.eq_ignore_ascii_case("BTREE") {
                add(format!("a {} index", i.index_type));
            }
            if i.collation.as_deref() == Some("D") {
                add("an index with a descending key".to_owned());
            }
        }
        for (name, why) in reasons {
            d.unusual_indexes.insert(name, why.join(", "));
        }
        let fks: Vec<InspectFkRow> = load(
            conn,
            format!(
                "SELECT CAST(k.CONSTRAINT_NAME AS CHAR) AS name, CAST(k.COLUMN_NAME AS CHAR) AS `column`, \
                 CAST(k.REFERENCED_TABLE_NAME AS CHAR) AS ref_table, CAST(k.REFERENCED_COLUMN_NAME AS CHAR) AS ref_column, \
                 CAST(r.UPDATE_RULE AS CHAR) AS upd \
                 FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
                 ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
                 WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = {tl} AND k.REFERENCED_TABLE_NAME IS NOT NULL \
                 ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION"
            ),
        )?;
        for f in fks {
            match d.foreign_keys.last_mut() {
                Some(last) if last.name.as_deref() == Some(f.name.as_str()) => {
                    last.columns.push(f.column);
                    last.to_columns.extend(f.ref_column);
                }
                _ => d.foreign_keys.push(ForeignKeyDetails {
                    name: Some(f.name),
                    columns: vec![f.column],
                    table: f.ref_table,
                    to_columns: f.ref_column.into_iter().collect(),
                    on_update: f.upd,
                    deferrable: false,
                }),
            }
        }
        details.insert(table.clone(), d);
    }
    let others: Vec<Row3> = load(
        conn,
        "SELECT CAST(TABLE_NAME AS CHAR) AS a, \
         CASE TABLE_TYPE WHEN 'VIEW' THEN 'view' ELSE 'sequence' END AS b, NULL AS c \
         FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('VIEW', 'SEQUENCE') \
         UNION ALL SELECT CAST(TRIGGER_NAME AS CHAR), 'trigger', CAST(EVENT_OBJECT_TABLE AS CHAR) \
         FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
            .to_owned(),
    )?;
    let mut other_objects: Vec<OtherObject> = others
        .into_iter()
        .map(|o| OtherObject {
            kind: o.b.unwrap_or_default(),
            name: o.a,
            table: o.c,
        })
        .collect();
    other_objects.sort();
    Ok(LiveSchema {
        schema,
        details,
        other_objects,
    })
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

/// A check clause as MySQL/MariaDB print it, with its string literals' backslash escapes
/// (`'it\'s'`, `'a\\b'`) written the standard way (`'it''s'`, `'a\b'`), as migrator wrote
/// them (an enum value with a quote), so the comparison with the state's check is exact.
fn standard_escapes(clause: &str) -> String {
    let mut out = String::with_capacity(clause.len());
    let mut chars = clause.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some('\'')) => {
                chars.next();
                out.push_str("''");
            }
            ('\\', Some('\\')) => {
                chars.next();
                out.push('\\');
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod escape_tests {
    #[test]
    fn backslash_escapes_become_standard_sql() {
        assert_eq!(
            super::standard_escapes(r"`c` = 'it\'s' or `c` = 'a\\b'"),
            r"`c` = 'it''s' or `c` = 'a\b'"
        );
    }
}
