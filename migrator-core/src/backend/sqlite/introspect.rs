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

use super::create_table::{column_clauses, parse_create_table, table_options};
use super::ddl::{column_type_sql, fk_target, model_indexes};
use super::features::FEATURES;
use crate::backend::editor::{composite_fk, default_literal, SchemaError};
use crate::db_schema::{
    ColumnCheck, ColumnDetails, ColumnSchema, DbSchema, ForeignKeyDetails, ForeignKeySchema,
    IndexDef, IntrospectError, LiveSchema, MultiForeignKeySchema, NamedConstraint, OtherObject,
    SqlCondition, TableDetails, TableSchema, PROGRESS_TABLE, RECORDER_TABLE,
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
                    // Spelled as introspection reports it (a `db_type` may be lower case).
                    type_name: normalize_type(&column_type_sql(f)),
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
                    generated: f.generated.as_ref().map(|g| g.kind().to_owned()),
                    generated_sql: f.generated.as_ref().map(|g| {
                        crate::sql_text::expression_key(&g.sql, FEATURES.function_synonyms)
                    }),
                })
            })
            .collect::<Result<Vec<_>, SchemaError>>()?;
        let mut columns = columns;
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        let mut unique_constraints = Vec::new();
        let mut checks = Vec::new();
        let mut multi_foreign_keys = Vec::new();
        for c in &model.constraints {
            match &c.kind {
                ConstraintKind::Check(sql) => checks.push(NamedConstraint {
                    name: Some(c.name.clone()),
                    body: vec![sql.clone()],
                }),
                ConstraintKind::ForeignKey { .. } => {
                    let fk = composite_fk(model, c, state)?.expect("a foreign key");
                    multi_foreign_keys.push(MultiForeignKeySchema {
                        columns: fk.columns,
                        name: None,
                        table: fk.table,
                        to_columns: fk.to_columns,
                        on_delete: fk.on_delete.sql().to_owned(),
                    });
                }
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
        multi_foreign_keys.sort();
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
                multi_foreign_keys,
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
    /// `table_xinfo`: 2 a virtual generated column, 3 a stored one.
    #[diesel(sql_type = Integer)]
    hidden: i32,
}

#[derive(QueryableByName)]
struct IndexListRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Integer)]
    unique: i32,
    #[diesel(sql_type = Text)]
    origin: String,
    #[diesel(sql_type = Integer)]
    partial: i32,
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
    on_delete: String,
}

/// The condition of a partial index from its `CREATE INDEX` text (SQLite keeps the text as
/// written): what follows the top-level `WHERE` after the column list.
fn partial_condition(sql: &str) -> Option<String> {
    let mut depth = 0usize;
    let mut closed = false;
    let mut quote: Option<char> = None;
    for (i, c) in sql.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`' | '[') => quote = Some(if c == '[' { ']' } else { c }),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth = depth.saturating_sub(1);
                closed |= depth == 0;
            }
            (None, _) if closed && depth == 0 => {
                let rest = &sql[i..];
                if rest.len() > 5
                    && rest[..5].eq_ignore_ascii_case("where")
                    && rest[5..].starts_with(char::is_whitespace)
                    && sql[..i].ends_with(char::is_whitespace)
                {
                    return Some(rest[5..].trim().to_owned());
                }
            }
            _ => {}
        }
    }
    None
}

/// The key of a `CREATE INDEX … ON t (part, part) …` statement: the text of each part of its
/// first parenthesised list, trimmed, with the parentheses around a whole part removed.
fn index_key_parts(sql: &str) -> Option<Vec<String>> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut parts = Vec::new();
    let mut start = None;
    for (i, c) in sql.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`' | '[') => quote = Some(if c == '[' { ']' } else { c }),
            (None, '(') => {
                depth += 1;
                if depth == 1 {
                    start = Some(i + 1);
                }
            }
            (None, ')') if depth == 1 => {
                parts.push(sql[start?..i].to_owned());
                break;
            }
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 1 => {
                parts.push(sql[start?..i].to_owned());
                start = Some(i + 1);
            }
            _ => {}
        }
    }
    let unwrap = |part: String| {
        let t = part.trim();
        // `(x)` whose first parenthesis closes at the end: its text is the whole part.
        let wrapped = t.starts_with('(')
            && index_key_parts(t).is_some_and(|p| p.len() == 1 && p[0].len() + 2 == t.len());
        if wrapped {
            t[1..t.len() - 1].trim().to_owned()
        } else {
            t.to_owned()
        }
    };
    (!parts.is_empty()).then(|| parts.into_iter().map(unwrap).collect())
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
        let cols: Vec<ColumnRow> = load(conn, format!("PRAGMA table_xinfo({})", q(&master.name)))?;
        let pk_count = cols.iter().filter(|c| c.pk > 0).count();
        let clauses = column_clauses(&table_sql);
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
                    generated: match c.hidden {
                        2 => Some("virtual".to_owned()),
                        3 => Some("stored".to_owned()),
                        _ => None,
                    },
                    generated_sql: clauses
                        .iter()
                        .find(|(n, _)| *n == c.name)
                        .and_then(|(_, k)| k.generated.as_deref())
                        .filter(|_| c.hidden == 2 || c.hidden == 3)
                        .map(|g| crate::sql_text::expression_key(g, FEATURES.function_synonyms)),
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
            // An expression in the key has no column name (cid -2).
            let has_expression = info.iter().any(|r| r.name.is_none());
            let mut columns: Vec<String> = info
                .into_iter()
                .map(|r| r.name.unwrap_or_else(|| "<expression>".to_owned()))
                .collect();
            match idx.origin.as_str() {
                "c" => {
                    let sql = if idx.partial != 0 || has_expression {
                        let rows: Vec<MasterRow> = load(
                            conn,
                            format!(
                                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name = '{}'",
                                idx.name.replace('\'', "''")
                            ),
                        )?;
                        rows.into_iter().next().and_then(|r| r.sql)
                    } else {
                        None
                    };
                    let condition = sql
                        .as_deref()
                        .filter(|_| idx.partial != 0)
                        .and_then(partial_condition)
                        .map(SqlCondition);
                    // The key of an expression index as written in its `CREATE INDEX`, every
                    // part (a column too) as an expression.
                    let expressions: Vec<SqlCondition> = sql
                        .as_deref()
                        .filter(|_| has_expression)
                        .and_then(index_key_parts)
                        .unwrap_or_default()
                        .into_iter()
                        .map(SqlCondition)
                        .collect();
                    if !expressions.is_empty() {
                        columns.clear();
                    }
                    indexes.push(IndexDef {
                        name: idx.name,
                        columns,
                        expressions,
                        unique: idx.unique != 0,
                        condition,
                        nulls_distinct: true,
                        method: None,
                        include: Vec::new(),
                    });
                }
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
        // One foreign key per id; one row per column, in `seq` order.
        let mut by_id: BTreeMap<i32, Vec<FkRow>> = BTreeMap::new();
        for r in fk_rows {
            by_id.entry(r.id).or_default().push(r);
        }
        let mut foreign_keys: Vec<ForeignKeySchema> = Vec::new();
        let mut multi_foreign_keys: Vec<MultiForeignKeySchema> = Vec::new();
        for (_, mut rows) in by_id {
            rows.sort_by_key(|r| r.seq);
            if rows.len() > 1 {
                multi_foreign_keys.push(MultiForeignKeySchema {
                    columns: rows.iter().map(|r| r.from.clone()).collect(),
                    name: None,
                    table: rows[0].table.clone(),
                    to_columns: rows.iter().filter_map(|r| r.to.clone()).collect(),
                    on_delete: rows[0].on_delete.clone(),
                });
                continue;
            }
            let r = rows.remove(0);
            // `REFERENCES t` without a column (never written by migrator) means t's
            // primary key; it shows as an empty column name.
            let to_column = r.to.unwrap_or_default();
            foreign_keys.push(ForeignKeySchema {
                column: r.from,
                table: r.table,
                to_column,
                on_delete: r.on_delete,
            });
        }
        foreign_keys.sort();
        multi_foreign_keys.sort();
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
                multi_foreign_keys,
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
}

#[derive(QueryableByName)]
struct IndexXinfoRow {
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
    let mut schema = introspect(conn)?;
    let q = |s: &str| FEATURES.quote(s);
    let lit = |s: &str| FEATURES.string_literal(s);
    // Virtual tables (FTS, R-tree…) and the shadow tables SQLite keeps for them are not
    // tables a model can declare: they are reported as other objects.
    let kinds: Vec<ObjectRow> = load(
        conn,
        "SELECT type, name, name AS tbl_name FROM pragma_table_list \
         WHERE schema = 'main' AND type IN ('virtual', 'shadow') ORDER BY name"
            .to_owned(),
    )?;
    let mut other_objects = Vec::new();
    for k in kinds {
        schema.tables.remove(&k.name);
        other_objects.push(OtherObject {
            kind: format!("{} table", k.kind),
            name: k.name,
            table: None,
        });
    }
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
            // A condition and key expressions are declarable (issue 17.4).
            let mut reasons = Vec::new();
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
    other_objects.extend(others.into_iter().map(|o| OtherObject {
        table: (o.kind == "trigger").then_some(o.tbl_name),
        kind: o.kind,
        name: o.name,
    }));
    other_objects.sort();
    Ok(LiveSchema {
        schema,
        details,
        other_objects,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_types() {
        assert_eq!(normalize_type("decimal( 10,  2 )"), "DECIMAL(10, 2)");
        assert_eq!(normalize_type("varchar(20)"), "VARCHAR(20)");
    }
}
