//! Reads a live SQLite database through its catalog pragmas (`table_info`, `index_list`,
//! `index_info`, `foreign_key_list`) and, for named `CHECK`/`UNIQUE` table constraints and
//! `AUTOINCREMENT`, a small tokenizer over the stored `CREATE TABLE` text; and derives the
//! schema a state produces on SQLite ([`expected_schema`]). Internal tables (`sqlite_*`) and
//! migrator's bookkeeping tables are skipped. Types are the declared spelling, upper-cased;
//! defaults are the SQL text as stored. [`inspect`] adds what `inspectdb` needs beyond that
//! (column order, column-level clauses, partial and expression indexes, multi-column foreign
//! keys, table options, views and triggers). Only reads.

use std::collections::BTreeMap;

use diesel::sql_types::{Integer, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl, SqliteConnection};

use super::features::FEATURES;
use super::schema::{column_type_sql, fk_target, model_indexes};
use crate::backend::editor::{default_literal, SchemaError};
use crate::db_schema::{
    ColumnCheck, ColumnDetails, ColumnSchema, DbSchema, ForeignKeyDetails, ForeignKeySchema,
    IndexDef, IntrospectError, LiveSchema, NamedConstraint, OtherObject, TableDetails, TableSchema,
    PROGRESS_TABLE, RECORDER_TABLE,
};
use crate::state::{ConstraintKind, DefaultValue, ProjectState};

/// The schema `state` produces on SQLite.
pub fn expected_schema(state: &ProjectState) -> Result<DbSchema, SchemaError> {
    let mut tables = BTreeMap::new();
    for model in state.models.values() {
        let pk_count = model.primary_key().count();
        let columns = model
            .fields
            .iter()
            .map(|f| {
                Ok(ColumnSchema {
                    name: f.column.clone(),
                    type_name: column_type_sql(f),
                    nullable: f.nullable && !f.primary_key,
                    default: f
                        .default
                        .as_ref()
                        .map(|d| match d {
                            // SQLite reports `DEFAULT (expr)` without the parentheses.
                            DefaultValue::Sql(expr) => Ok(expr.trim().to_owned()),
                            other => default_literal(&FEATURES, other),
                        })
                        .transpose()?,
                    primary_key: f.primary_key,
                    auto_increment: f.auto_increment && f.primary_key && pk_count == 1,
                })
            })
            .collect::<Result<Vec<_>, SchemaError>>()?;
        let mut columns = columns;
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        let mut unique_constraints = Vec::new();
        let mut checks = Vec::new();
        for c in &model.constraints {
            match &c.kind {
                ConstraintKind::Check(sql) => checks.push(NamedConstraint {
                    name: Some(c.name.clone()),
                    body: vec![sql.clone()],
                }),
                ConstraintKind::Unique(fields) => unique_constraints.push(NamedConstraint {
                    name: Some(c.name.clone()),
                    body: fields
                        .iter()
                        .map(|n| {
                            model
                                .field(n)
                                .map_or_else(|| n.clone(), |f| f.column.clone())
                        })
                        .collect(),
                }),
            }
        }
        let mut foreign_keys = Vec::new();
        for f in &model.fields {
            if let (Some((table, to_column)), Some(fk)) =
                (fk_target(model, f, state)?, &f.foreign_key)
            {
                foreign_keys.push(ForeignKeySchema {
                    column: f.column.clone(),
                    table,
                    to_column,
                    on_delete: fk.on_delete.sql().to_owned(),
                });
            }
        }
        unique_constraints.sort();
        checks.sort();
        foreign_keys.sort();
        tables.insert(
            model.table.clone(),
            TableSchema {
                name: model.table.clone(),
                columns,
                primary_key: model.primary_key().map(|f| f.column.clone()).collect(),
                indexes: model_indexes(model)?,
                unique_constraints,
                checks,
                foreign_keys,
            },
        );
    }
    Ok(DbSchema { tables })
}

#[derive(QueryableByName)]
struct MasterRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    sql: Option<String>,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text, column_name = "type")]
    type_name: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Nullable<Text>)]
    dflt_value: Option<String>,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

#[derive(QueryableByName)]
struct IndexListRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    unique: i32,
    #[diesel(sql_type = Text)]
    origin: String,
}

#[derive(QueryableByName)]
struct IndexInfoRow {
    #[diesel(sql_type = Integer)]
    seqno: i32,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
}

#[derive(QueryableByName)]
struct FkRow {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    from: String,
    #[diesel(sql_type = Nullable<Text>)]
    to: Option<String>,
    #[diesel(sql_type = Text)]
    on_delete: String,
}

fn load<T: QueryableByName<diesel::sqlite::Sqlite> + 'static>(
    conn: &mut SqliteConnection,
    sql: String,
) -> Result<Vec<T>, IntrospectError> {
    diesel::sql_query(&sql)
        .load::<T>(conn)
        .map_err(|source| IntrospectError::Query { sql, source })
}

/// Reads the schema of a live SQLite database.
pub fn introspect(conn: &mut SqliteConnection) -> Result<DbSchema, IntrospectError> {
    let q = |s: &str| FEATURES.quote(s);
    let lit = |s: &str| FEATURES.string_literal(s);
    let masters: Vec<MasterRow> = load(
        conn,
        format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT IN ({}, {}) ORDER BY name",
            lit(RECORDER_TABLE),
            lit(PROGRESS_TABLE)
        ),
    )?;
    let mut tables = BTreeMap::new();
    for master in masters {
        let table_sql = master.sql.unwrap_or_default();
        let parsed = parse_create_table(&table_sql);
        let cols: Vec<ColumnRow> = load(conn, format!("PRAGMA table_info({})", q(&master.name)))?;
        let pk_count = cols.iter().filter(|c| c.pk > 0).count();
        let mut pk: Vec<(i32, String)> = cols
            .iter()
            .filter(|c| c.pk > 0)
            .map(|c| (c.pk, c.name.clone()))
            .collect();
        pk.sort();
        let mut columns: Vec<ColumnSchema> = cols
            .iter()
            .map(|c| {
                let type_name = normalize_type(&c.type_name);
                ColumnSchema {
                    name: c.name.clone(),
                    auto_increment: c.pk > 0
                        && pk_count == 1
                        && type_name == "INTEGER"
                        && parsed.autoincrement,
                    type_name,
                    nullable: c.notnull == 0 && c.pk == 0,
                    default: c.dflt_value.clone(),
                    primary_key: c.pk > 0,
                }
            })
            .collect();
        columns.sort_by(|a, b| a.name.cmp(&b.name));

        let index_list: Vec<IndexListRow> =
            load(conn, format!("PRAGMA index_list({})", q(&master.name)))?;
        let mut indexes = Vec::new();
        let mut unique_constraints = Vec::new();
        for idx in index_list {
            let mut info: Vec<IndexInfoRow> =
                load(conn, format!("PRAGMA index_info({})", q(&idx.name)))?;
            info.sort_by_key(|r| r.seqno);
            let columns: Vec<String> = info
                .into_iter()
                .map(|r| r.name.unwrap_or_else(|| "<expression>".to_owned()))
                .collect();
            match idx.origin.as_str() {
                "c" => indexes.push(IndexDef {
                    name: idx.name,
                    columns,
                    unique: idx.unique != 0,
                }),
                "u" => {
                    let name = parsed
                        .uniques
                        .iter()
                        .find(|(_, cols)| *cols == columns)
                        .and_then(|(n, _)| n.clone());
                    unique_constraints.push(NamedConstraint {
                        name,
                        body: columns,
                    });
                }
                _ => {} // the primary key's own index
            }
        }
        indexes.sort();
        unique_constraints.sort();

        let fk_rows: Vec<FkRow> = load(
            conn,
            format!("PRAGMA foreign_key_list({})", q(&master.name)),
        )?;
        let mut foreign_keys: Vec<ForeignKeySchema> = fk_rows
            .into_iter()
            .map(|r| {
                // `REFERENCES t` without a column (never written by migrator) means t's
                // primary key; it shows as an empty column name.
                let to_column = r.to.unwrap_or_default();
                ForeignKeySchema {
                    column: r.from,
                    table: r.table,
                    to_column,
                    on_delete: r.on_delete,
                }
            })
            .collect();
        foreign_keys.sort();
        let mut checks: Vec<NamedConstraint> = parsed
            .checks
            .into_iter()
            .map(|(name, sql)| NamedConstraint {
                name,
                body: vec![sql],
            })
            .collect();
        checks.sort();

        tables.insert(
            master.name.clone(),
            TableSchema {
                name: master.name,
                columns,
                primary_key: pk.into_iter().map(|(_, n)| n).collect(),
                indexes,
                unique_constraints,
                checks,
                foreign_keys,
            },
        );
    }
    Ok(DbSchema { tables })
}

#[derive(QueryableByName)]
struct XColumnRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text, column_name = "type")]
    type_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    dflt_value: Option<String>,
    #[diesel(sql_type = Integer)]
    hidden: i32,
}

#[derive(QueryableByName)]
struct PartialRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    partial: i32,
}

#[derive(QueryableByName)]
struct IndexXinfoRow {
    #[diesel(sql_type = Integer)]
    cid: i32,
    #[diesel(sql_type = Integer)]
    desc: i32,
    #[diesel(sql_type = Nullable<Text>)]
    coll: Option<String>,
    #[diesel(sql_type = Integer)]
    key: i32,
}

#[derive(QueryableByName)]
struct FkListRow {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Integer)]
    seq: i32,
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Text)]
    from: String,
    #[diesel(sql_type = Nullable<Text>)]
    to: Option<String>,
    #[diesel(sql_type = Text)]
    on_update: String,
}

#[derive(QueryableByName)]
struct ObjectRow {
    #[diesel(sql_type = Text, column_name = "type")]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    tbl_name: String,
}

/// Reads the schema of a live SQLite database for `inspectdb`: [`introspect`]'s schema plus
/// the columns in table order with their declared types and column-level clauses, raw check
/// SQL, what makes an index inexpressible (a `WHERE`, an expression, a descending or
/// collated key), foreign keys as declared (multi-column ones too), table options, and the
/// views and triggers.
pub fn inspect(conn: &mut SqliteConnection) -> Result<LiveSchema, IntrospectError> {
    let schema = introspect(conn)?;
    let q = |s: &str| FEATURES.quote(s);
    let lit = |s: &str| FEATURES.string_literal(s);
    let mut details = BTreeMap::new();
    for table in schema.tables.keys() {
        let masters: Vec<MasterRow> = load(
            conn,
            format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name = {}",
                lit(table)
            ),
        )?;
        let table_sql = masters
            .into_iter()
            .next()
            .and_then(|m| m.sql)
            .unwrap_or_default();
        let parsed = parse_create_table(&table_sql);
        let clauses = column_clauses(&table_sql);
        let cols: Vec<XColumnRow> = load(conn, format!("PRAGMA table_xinfo({})", q(table)))?;
        let mut d = TableDetails::default();
        for c in cols {
            let own = clauses.iter().find(|(n, _)| *n == c.name).map(|(_, k)| k);
            let mut column = ColumnDetails {
                declared_type: c.type_name,
                default: c.dflt_value,
                ..ColumnDetails::default()
            };
            if let Some(own) = own {
                column.generated = own.generated.clone();
                column.extra = own.collate.clone();
                for (name, sql) in &own.checks {
                    d.column_checks.push(ColumnCheck {
                        name: name.clone(),
                        column: c.name.clone(),
                        sql: sql.clone(),
                    });
                }
            }
            if c.hidden != 0 && column.generated.is_none() {
                column.generated = Some(String::new());
            }
            column.name = c.name;
            d.columns.push(column);
        }
        for (name, sql) in &parsed.checks {
            if let Some(name) = name {
                d.checks.insert(name.clone(), sql.clone());
            }
        }
        let index_sql: Vec<MasterRow> = load(
            conn,
            format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = {}",
                lit(table)
            ),
        )?;
        for row in index_sql {
            if let Some(sql) = row.sql {
                d.index_definitions.insert(row.name, sql);
            }
        }
        let list: Vec<PartialRow> = load(conn, format!("PRAGMA index_list({})", q(table)))?;
        for idx in list {
            let keys: Vec<IndexXinfoRow> =
                load(conn, format!("PRAGMA index_xinfo({})", q(&idx.name)))?;
            let keys: Vec<&IndexXinfoRow> = keys.iter().filter(|k| k.key != 0).collect();
            let mut reasons = Vec::new();
            if idx.partial != 0 {
                reasons.push("a partial index (it has a WHERE clause)".to_owned());
            }
            if keys.iter().any(|k| k.cid < 0) {
                reasons.push("an index on an expression".to_owned());
            }
            if keys.iter().any(|k| k.desc != 0) {
                reasons.push("an index with a descending key".to_owned());
            }
            if let Some(coll) = keys.iter().find_map(|k| {
                k.coll
                    .as_deref()
                    .filter(|c| !c.eq_ignore_ascii_case("BINARY"))
            }) {
                reasons.push(format!("an index with the collation {coll}"));
            }
            if !reasons.is_empty() {
                d.unusual_indexes.insert(idx.name, reasons.join(", "));
            }
        }
        let fks: Vec<FkListRow> = load(conn, format!("PRAGMA foreign_key_list({})", q(table)))?;
        let mut by_id: BTreeMap<i32, Vec<FkListRow>> = BTreeMap::new();
        for fk in fks {
            by_id.entry(fk.id).or_default().push(fk);
        }
        for (_, mut rows) in by_id {
            rows.sort_by_key(|r| r.seq);
            let first = &rows[0];
            d.foreign_keys.push(ForeignKeyDetails {
                name: None,
                table: first.table.clone(),
                on_update: first.on_update.clone(),
                deferrable: false,
                columns: rows.iter().map(|r| r.from.clone()).collect(),
                to_columns: rows.iter().filter_map(|r| r.to.clone()).collect(),
            });
        }
        d.foreign_keys.sort();
        d.options = table_options(&table_sql);
        details.insert(table.clone(), d);
    }
    let others: Vec<ObjectRow> = load(
        conn,
        "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('view', 'trigger') ORDER BY type, name"
            .to_owned(),
    )?;
    let other_objects = others
        .into_iter()
        .map(|o| OtherObject {
            table: (o.kind == "trigger").then_some(o.tbl_name),
            kind: o.kind,
            name: o.name,
        })
        .collect();
    Ok(LiveSchema {
        schema,
        details,
        other_objects,
    })
}

/// What one column definition of a `CREATE TABLE` says besides its name, type, `NOT NULL`,
/// `DEFAULT`, `PRIMARY KEY`, `UNIQUE` and `REFERENCES` (which the pragmas report).
#[derive(Debug, Default, PartialEq)]
struct ColumnClauses {
    /// `(name, sql)` of each `CHECK` on the column.
    checks: Vec<(Option<String>, String)>,
    /// `COLLATE x`, as written.
    collate: Option<String>,
    /// The expression of `GENERATED ALWAYS AS (…)` / `AS (…)`.
    generated: Option<String>,
}

/// The top-level pieces of a column definition after its name: bare words, quoted tokens and
/// parenthesized groups (the group's inner text).
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Word(&'a str),
    Group(&'a str),
}

fn pieces(s: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        let len = if c == '(' {
            match parenthesized(rest) {
                Some((inner, after)) => {
                    out.push(Piece::Group(inner));
                    rest.len() - after.len()
                }
                None => rest.len(),
            }
        } else if matches!(c, '\'' | '"' | '`' | '[') {
            let close = if c == '[' { ']' } else { c };
            let end = rest[1..].find(close).map_or(rest.len(), |i| i + 2);
            out.push(Piece::Word(&rest[..end]));
            end
        } else {
            let end = rest
                .find(|ch: char| ch.is_whitespace() || matches!(ch, '(' | '\'' | '"'))
                .unwrap_or(rest.len())
                .max(c.len_utf8());
            out.push(Piece::Word(&rest[..end]));
            end
        };
        rest = rest[len..].trim_start();
    }
    out
}

/// `(column, clauses)` of every column definition of a `CREATE TABLE` that has a clause the
/// pragmas do not report.
fn column_clauses(sql: &str) -> Vec<(String, ColumnClauses)> {
    let mut out = Vec::new();
    let Some((body, _)) = parenthesized(sql) else {
        return out;
    };
    for part in split_top_level(body, ',') {
        let rest = part.trim();
        if ["CONSTRAINT", "CHECK", "UNIQUE", "PRIMARY", "FOREIGN"]
            .iter()
            .any(|kw| starts_with_keyword(rest, kw))
        {
            continue;
        }
        let (name, after) = first_ident(rest);
        let mut clauses = ColumnClauses::default();
        let pieces = pieces(after);
        let mut pending_name = None;
        let mut i = 0;
        while i < pieces.len() {
            let word = |j: usize| match pieces.get(j) {
                Some(Piece::Word(w)) => Some(*w),
                _ => None,
            };
            let group = |j: usize| match pieces.get(j) {
                Some(Piece::Group(g)) => Some(*g),
                _ => None,
            };
            let is = |j: usize, kw: &str| word(j).is_some_and(|w| w.eq_ignore_ascii_case(kw));
            if is(i, "CONSTRAINT") {
                pending_name = word(i + 1).map(unquote);
                i += 2;
            } else if is(i, "CHECK") {
                if let Some(g) = group(i + 1) {
                    clauses
                        .checks
                        .push((pending_name.take(), g.trim().to_owned()));
                }
                i += 2;
            } else if is(i, "COLLATE") {
                clauses.collate = word(i + 1).map(|c| format!("COLLATE {c}"));
                i += 2;
            } else if is(i, "AS") {
                clauses.generated = group(i + 1).map(|g| g.trim().to_owned());
                i += 2;
            } else {
                i += 1;
            }
        }
        if clauses != ColumnClauses::default() {
            out.push((name, clauses));
        }
    }
    out
}

/// The table options after a `CREATE TABLE`'s column list (`WITHOUT ROWID`, `STRICT`), each
/// with what it means.
fn table_options(sql: &str) -> Vec<String> {
    let Some((_, tail)) = parenthesized(sql) else {
        return Vec::new();
    };
    split_top_level(tail, ',')
        .into_iter()
        .map(|o| o.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|o| !o.is_empty())
        .map(|o| {
            let upper = o.to_ascii_uppercase();
            if upper == "WITHOUT ROWID" {
                "WITHOUT ROWID (its rows are stored by primary key)".to_owned()
            } else if upper == "STRICT" {
                "STRICT (its columns only take values of their declared type)".to_owned()
            } else {
                o
            }
        })
        .collect()
}

/// Upper-cases a declared type and normalizes the spacing inside parentheses.
fn normalize_type(t: &str) -> String {
    let upper = t.trim().to_ascii_uppercase();
    let mut out = String::with_capacity(upper.len());
    let mut last_space = false;
    for c in upper.chars() {
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            last_space = false;
            out.push(c);
        }
    }
    out.replace("( ", "(").replace(" )", ")").replace(" ,", ",")
}

/// What the `CREATE TABLE` text tells that the pragmas do not.
#[derive(Debug, Default, PartialEq)]
struct ParsedTable {
    autoincrement: bool,
    /// `(name, sql)` of every table-level `CHECK`.
    checks: Vec<(Option<String>, String)>,
    /// `(name, columns)` of every table-level `UNIQUE`.
    uniques: Vec<(Option<String>, Vec<String>)>,
}

/// Splits `s` at top-level occurrences of `sep` (outside quotes and parentheses).
fn split_top_level(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' | '`' => quote = Some(c),
                '[' => quote = Some(']'),
                '(' => depth += 1,
                ')' => depth -= 1,
                c if c == sep && depth == 0 => {
                    parts.push(&s[start..i]);
                    start = i + c.len_utf8();
                }
                _ => {}
            },
        }
    }
    parts.push(&s[start..]);
    parts
}

/// The text inside the first balanced parentheses of `s`, and what follows them.
fn parenthesized(s: &str) -> Option<(&str, &str)> {
    let open = s.find('(')?;
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s[open..].char_indices() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' | '`' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        let end = open + i;
                        return Some((&s[open + 1..end], &s[end + 1..]));
                    }
                }
                _ => {}
            },
        }
    }
    None
}

/// Unquotes an identifier (`"a""b"` → `a"b`, `[x]`, `` `x` ``) or returns it as is.
fn unquote(ident: &str) -> String {
    let ident = ident.trim();
    let mut chars = ident.chars();
    match (chars.next(), ident.chars().last()) {
        (Some(o @ ('"' | '`')), Some(c)) if c == o && ident.len() >= 2 => {
            let inner = &ident[1..ident.len() - 1];
            inner.replace(&format!("{o}{o}"), &o.to_string())
        }
        (Some('['), Some(']')) => ident[1..ident.len() - 1].to_owned(),
        _ => ident.to_owned(),
    }
}

/// The first identifier token of `s` (quoted or bare) and the rest.
fn first_ident(s: &str) -> (String, &str) {
    let s = s.trim_start();
    let close = match s.chars().next() {
        Some('"') => Some('"'),
        Some('`') => Some('`'),
        Some('[') => Some(']'),
        _ => None,
    };
    if let Some(close) = close {
        let mut i = 1;
        let bytes: Vec<char> = s.chars().collect();
        let mut end_byte = s.len();
        let mut byte = s.chars().next().map_or(0, char::len_utf8);
        while i < bytes.len() {
            let c = bytes[i];
            if c == close {
                if close != ']' && bytes.get(i + 1) == Some(&close) {
                    byte += 2 * c.len_utf8();
                    i += 2;
                    continue;
                }
                end_byte = byte + c.len_utf8();
                break;
            }
            byte += c.len_utf8();
            i += 1;
        }
        (unquote(&s[..end_byte]), &s[end_byte..])
    } else {
        let end = s
            .find(|c: char| c.is_whitespace() || c == '(')
            .unwrap_or(s.len());
        (s[..end].to_owned(), &s[end..])
    }
}

fn starts_with_keyword(s: &str, kw: &str) -> bool {
    s.len() >= kw.len()
        && s[..kw.len()].eq_ignore_ascii_case(kw)
        && s[kw.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_')
}

fn parse_create_table(sql: &str) -> ParsedTable {
    let mut parsed = ParsedTable::default();
    let Some((body, _)) = parenthesized(sql) else {
        return parsed;
    };
    for part in split_top_level(body, ',') {
        let mut rest = part.trim();
        let mut name = None;
        if starts_with_keyword(rest, "CONSTRAINT") {
            let (n, r) = first_ident(&rest["CONSTRAINT".len()..]);
            name = Some(n);
            rest = r.trim_start();
        }
        if starts_with_keyword(rest, "CHECK") {
            if let Some((inner, _)) = parenthesized(rest) {
                parsed.checks.push((name, inner.trim().to_owned()));
            }
        } else if starts_with_keyword(rest, "UNIQUE") {
            if let Some((inner, _)) = parenthesized(rest) {
                let cols = split_top_level(inner, ',')
                    .into_iter()
                    .map(|c| first_ident(c).0)
                    .collect();
                parsed.uniques.push((name, cols));
            }
        } else if name.is_none()
            && !starts_with_keyword(rest, "PRIMARY")
            && !starts_with_keyword(rest, "FOREIGN")
        {
            // A column definition: look for AUTOINCREMENT among its bare tokens.
            let (_, after_name) = first_ident(rest);
            if after_name
                .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                .any(|t| t.eq_ignore_ascii_case("AUTOINCREMENT"))
            {
                parsed.autoincrement = true;
            }
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_table_constraints_and_autoincrement() {
        let p = parse_create_table(
            r#"CREATE TABLE "t" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "a,b" TEXT DEFAULT 'x, (y)', "n" INTEGER, CONSTRAINT "pos""itive" CHECK ("n" > 0 AND ("n" < 10)), CONSTRAINT "u" UNIQUE ("a,b", "n"), CHECK (1))"#,
        );
        assert!(p.autoincrement);
        assert_eq!(
            p.checks,
            vec![
                (
                    Some("pos\"itive".to_owned()),
                    "\"n\" > 0 AND (\"n\" < 10)".to_owned()
                ),
                (None, "1".to_owned())
            ]
        );
        assert_eq!(
            p.uniques,
            vec![(Some("u".to_owned()), vec!["a,b".to_owned(), "n".to_owned()])]
        );
        let p = parse_create_table(r#"CREATE TABLE "autoincrement" ("x" TEXT)"#);
        assert!(!p.autoincrement);
    }

    #[test]
    fn column_clauses_and_table_options_are_read() {
        let sql = r#"CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "price" REAL NOT NULL CONSTRAINT "price_ok" CHECK (price >= 0) DEFAULT 0, name TEXT COLLATE NOCASE CHECK(length(name) > 0), "total" REAL GENERATED ALWAYS AS (price * 2) STORED, CHECK (1)) WITHOUT ROWID, STRICT"#;
        let clauses = column_clauses(sql);
        assert_eq!(clauses.len(), 3, "{clauses:?}");
        assert_eq!(clauses[0].0, "price");
        assert_eq!(
            clauses[0].1.checks,
            vec![(Some("price_ok".to_owned()), "price >= 0".to_owned())]
        );
        assert_eq!(clauses[1].1.collate.as_deref(), Some("COLLATE NOCASE"));
        assert_eq!(
            clauses[1].1.checks,
            vec![(None, "length(name) > 0".to_owned())]
        );
        assert_eq!(clauses[2].1.generated.as_deref(), Some("price * 2"));
        assert_eq!(
            table_options(sql),
            vec![
                "WITHOUT ROWID (its rows are stored by primary key)".to_owned(),
                "STRICT (its columns only take values of their declared type)".to_owned()
            ]
        );
        assert!(table_options(r#"CREATE TABLE "t" ("x" TEXT)"#).is_empty());
    }

    #[test]
    fn normalizes_types() {
        assert_eq!(normalize_type("decimal( 10,  2 )"), "DECIMAL(10, 2)");
        assert_eq!(normalize_type("varchar(20)"), "VARCHAR(20)");
    }
}
