//! Reads a live PostgreSQL database into the shared [`DbSchema`] (and the [`SchemaDetails`] the
//! shared schema does not hold: comments, constraint names, sequences), with types normalized
//! to the editor's spellings so a freshly migrated database compares equal to
//! `expected_schema`. [`inspect`] adds what `inspectdb` needs beyond that (declared types,
//! raw defaults and checks, comments, serial columns, index and foreign-key details, views
//! and triggers). Only reads; migrator's own bookkeeping tables are skipped.

use diesel::pg::Pg;
use diesel::sql_types::{Array, Bool, Nullable, Text};

use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use std::collections::BTreeMap;

use super::features::FEATURES;
use super::schema::normalize_type;
use crate::backend::server::{normalize_check, normalize_default, SchemaDetails};
use crate::db_schema::{
    group_foreign_keys, index_method, ColumnDetails, ColumnSchema, DbSchema, ForeignKeyDetails,
    IndexDef, IntrospectError, LiveSchema, NamedConstraint, OtherObject, SqlCondition,
    TableDetails, TableSchema, PROGRESS_TABLE, RECORDER_TABLE,
};
use crate::state::OnDelete;

fn q(ident: &str) -> String {
    FEATURES.quote(ident)
}

fn lit(s: &str) -> String {
    FEATURES.string_literal(s)
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    type_name: String,
    #[diesel(sql_type = Bool)]
    notnull: bool,
    #[diesel(sql_type = Nullable<Text>)]
    dflt: Option<String>,
    #[diesel(sql_type = Text)]
    identity: String,
    /// `attgenerated`: `s` stored, `v` virtual (PostgreSQL 18), empty otherwise.
    #[diesel(sql_type = Text)]
    generated: String,
}

#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    uniq: bool,
    #[diesel(sql_type = Array<Text>)]
    cols: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pred: Option<String>,
    #[diesel(sql_type = Bool)]
    nnd: bool,
    #[diesel(sql_type = Nullable<Text>)]
    method: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    nkey: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    natts: i32,
    /// Every key part's text when the key has an expression, else empty.
    #[diesel(sql_type = Array<Text>)]
    exprs: Vec<String>,
}

#[derive(QueryableByName)]
struct ConstraintRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
    #[diesel(sql_type = Array<Text>)]
    cols: Vec<String>,
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

#[derive(QueryableByName)]
struct DetailRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    sequence: Option<String>,
}

#[derive(QueryableByName)]
struct CommentRow {
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

fn load<T: QueryableByName<Pg> + 'static>(
    conn: &mut PgConnection,
    sql: String,
) -> Result<Vec<T>, IntrospectError> {
    diesel::sql_query(&sql)
        .load::<T>(conn)
        .map_err(|source| IntrospectError::Query { sql, source })
}

fn tables(conn: &mut PgConnection) -> Result<Vec<String>, IntrospectError> {
    let rows: Vec<NameRow> = load(
        conn,
        format!(
            "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname NOT IN ({}, {}) ORDER BY 1",
            lit(RECORDER_TABLE),
            lit(PROGRESS_TABLE)
        ),
    )?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// `'"table"'::regclass`: the table in the current schema.
fn regclass(table: &str) -> String {
    format!("{}::regclass", lit(&q(table)))
}

/// The columns of an index or constraint key array, in key order.
fn key_columns(keys: &str, rel: &str) -> String {
    format!(
        "ARRAY(SELECT a.attname::text FROM unnest({keys}) WITH ORDINALITY k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = {rel} AND a.attnum = k.attnum ORDER BY k.ord)"
    )
}

/// Reads the current schema of a PostgreSQL database (every table of `current_schema()`
/// except the recorder's) through `pg_catalog`. Types are normalized with
/// [`normalize_type`], defaults with the same normalization [`expected_schema`] applies,
/// check expressions to a comparison key.
pub fn introspect(conn: &mut PgConnection) -> Result<DbSchema, IntrospectError> {
    let mut schema = DbSchema::default();
    for table in tables(conn)? {
        let rc = regclass(&table);
        let cols: Vec<ColumnRow> = load(
            conn,
            format!(
                "SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type_name, \
                 a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS dflt, \
                 a.attidentity::text AS identity, a.attgenerated::text AS generated \
                 FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                 WHERE a.attrelid = {rc} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
            ),
        )?;
        let pk: Vec<IndexRow> = load(
            conn,
            format!(
                "SELECT ''::text AS name, true AS uniq, {} AS cols, NULL::text AS pred, false AS nnd, NULL::text AS method, i.indnkeyatts::int4 AS nkey, \
                 i.indnatts::int4 AS natts, ARRAY[]::text[] AS exprs FROM pg_index i \
                 WHERE i.indrelid = {rc} AND i.indisprimary",
                key_columns("i.indkey::int2[]", "i.indrelid")
            ),
        )?;
        let primary_key = pk.into_iter().next().map(|r| r.cols).unwrap_or_default();
        let mut columns: Vec<ColumnSchema> = cols
            .into_iter()
            .map(|c| ColumnSchema {
                primary_key: primary_key.contains(&c.name),
                type_name: normalize_type(&c.type_name),
                nullable: !c.notnull,
                // A generated column's expression is kept where defaults are.
                default: c
                    .dflt
                    .as_deref()
                    .filter(|_| c.generated.is_empty())
                    .map(normalize_default),
                auto_increment: !c.identity.is_empty(),
                generated: match c.generated.as_str() {
                    "s" => Some("stored".to_owned()),
                    "v" => Some("virtual".to_owned()),
                    _ => None,
                },
                generated_sql: c
                    .dflt
                    .as_deref()
                    .filter(|_| !c.generated.is_empty())
                    .map(|g| {
                        crate::sql_text::expression_key(
                            g,
                            super::features::FEATURES.function_synonyms,
                        )
                    }),
                name: c.name,
            })
            .collect();
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        let idx: Vec<IndexRow> = load(
            conn,
            format!(
                "SELECT ic.relname::text AS name, i.indisunique AS uniq, {} AS cols, \
                 pg_get_expr(i.indpred, i.indrelid) AS pred, \
                 COALESCE((to_jsonb(i) ->> 'indnullsnotdistinct')::bool, false) AS nnd, \
                 (SELECT am.amname::text FROM pg_am am WHERE am.oid = ic.relam) AS method, \
                 i.indnkeyatts::int4 AS nkey, i.indnatts::int4 AS natts, \
                 CASE WHEN i.indexprs IS NULL THEN ARRAY[]::text[] ELSE ARRAY(SELECT \
                 pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts::int4) k \
                 ORDER BY k) END AS exprs \
                 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
                 WHERE i.indrelid = {rc} AND NOT i.indisprimary AND NOT EXISTS \
                 (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x'))",
                key_columns("i.indkey::int2[]", "i.indrelid")
            ),
        )?;
        let mut indexes: Vec<IndexDef> = idx
            .into_iter()
            .map(|mut r| {
                // `cols` lists the key's columns (not its expressions), then the included ones.
                let included = usize::try_from(r.natts - r.nkey).unwrap_or(0);
                let include = r.cols.split_off(r.cols.len().saturating_sub(included));
                if !r.exprs.is_empty() {
                    r.cols.clear();
                }
                (r, include)
            })
            .map(|(r, include)| IndexDef {
                name: r.name,
                columns: r.cols,
                expressions: r.exprs.into_iter().map(SqlCondition).collect(),
                unique: r.uniq,
                condition: r.pred.map(SqlCondition),
                nulls_distinct: !r.nnd,
                method: index_method(r.method.as_deref()),
                include,
            })
            .collect();
        indexes.sort();
        let cons: Vec<ConstraintRow> = load(
            conn,
            format!(
                "SELECT c.conname::text AS name, c.contype::text || ':' || pg_get_constraintdef(c.oid) AS def, \
                 {} AS cols FROM pg_constraint c WHERE c.conrelid = {rc} AND c.contype IN ('u', 'c')",
                key_columns("c.conkey", "c.conrelid")
            ),
        )?;
        let mut unique_constraints = Vec::new();
        let mut checks = Vec::new();
        for c in cons {
            if let Some(def) = c.def.strip_prefix("c:") {
                let body = def.trim();
                let body = body
                    .strip_prefix("CHECK")
                    .unwrap_or(body)
                    .trim_end_matches(" NOT VALID");
                checks.push(NamedConstraint {
                    name: Some(c.name),
                    body: vec![normalize_check(body)],
                });
            } else {
                unique_constraints.push(NamedConstraint {
                    name: Some(c.name),
                    body: c.cols,
                });
            }
        }
        unique_constraints.sort();
        checks.sort();
        let (foreign_keys, multi_foreign_keys) =
            group_foreign_keys(foreign_key_rows(conn, &table)?.into_iter().map(|r| {
                let on_delete = match r.del.as_str() {
                    "c" => OnDelete::Cascade,
                    "r" => OnDelete::Restrict,
                    "n" => OnDelete::SetNull,
                    "d" => OnDelete::SetDefault,
                    _ => OnDelete::NoAction,
                };
                (
                    r.name,
                    r.column,
                    r.ref_table,
                    r.ref_column,
                    on_delete.sql().to_owned(),
                )
            }));
        schema.tables.insert(
            table.clone(),
            TableSchema {
                name: table,
                columns,
                primary_key,
                indexes,
                unique_constraints,
                checks,
                foreign_keys,
                multi_foreign_keys,
            },
        );
    }
    Ok(schema)
}

fn foreign_key_rows(conn: &mut PgConnection, table: &str) -> Result<Vec<FkRow>, IntrospectError> {
    load(
        conn,
        format!(
            "SELECT c.conname::text AS name, a.attname::text AS column, rc.relname::text AS ref_table, \
             ra.attname::text AS ref_column, c.confdeltype::text AS del \
             FROM pg_constraint c JOIN pg_class rc ON rc.oid = c.confrelid \
             CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, refcol, n) \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col \
             JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.refcol \
             WHERE c.conrelid = {} AND c.contype = 'f' ORDER BY c.conname, k.n",
            regclass(table)
        ),
    )
}

/// Reads the table and column comments, the foreign-key constraint names and the identity
/// sequence names of every table (what [`DbSchema`] leaves out), to compare with
/// [`super::expected_schema`]'s details.
pub fn introspect_details(conn: &mut PgConnection) -> Result<SchemaDetails, IntrospectError> {
    let mut details = SchemaDetails::default();
    for table in tables(conn)? {
        let rc = regclass(&table);
        let t: Vec<CommentRow> = load(
            conn,
            format!("SELECT obj_description({rc}, 'pg_class') AS comment"),
        )?;
        if let Some(c) = t.into_iter().next().and_then(|r| r.comment) {
            details.comments.insert((table.clone(), String::new()), c);
        }
        let cols: Vec<DetailRow> = load(
            conn,
            format!(
                "SELECT a.attname::text AS name, col_description(a.attrelid, a.attnum) AS comment, \
                 (SELECT s.relname::text FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid \
                  WHERE dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' \
                  AND s.relkind = 'S' LIMIT 1) AS sequence \
                 FROM pg_attribute a WHERE a.attrelid = {rc} AND a.attnum > 0 AND NOT a.attisdropped"
            ),
        )?;
        for c in cols {
            if let Some(seq) = c.sequence {
                details
                    .identity_sequences
                    .insert((table.clone(), c.name.clone()), seq);
            }
            if let Some(comment) = c.comment {
                details.comments.insert((table.clone(), c.name), comment);
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
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Text)]
    identity: String,
    #[diesel(sql_type = Text)]
    generated: String,
    #[diesel(sql_type = Bool)]
    user_type: bool,
    #[diesel(sql_type = Bool)]
    serial: bool,
    #[diesel(sql_type = Nullable<Text>)]
    collation: Option<String>,
}

#[derive(QueryableByName)]
struct InspectIndexRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
    #[diesel(sql_type = Text)]
    method: String,
    #[diesel(sql_type = Bool)]
    ordered: bool,
    #[diesel(sql_type = Bool)]
    opclass: bool,
}

#[derive(QueryableByName)]
struct InspectFkRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Array<Text>)]
    cols: Vec<String>,
    #[diesel(sql_type = Text)]
    ref_table: String,
    #[diesel(sql_type = Array<Text>)]
    ref_cols: Vec<String>,
    #[diesel(sql_type = Text)]
    upd: String,
    #[diesel(sql_type = Bool)]
    deferrable: bool,
}

#[derive(QueryableByName)]
struct TableRow {
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    persistence: String,
    #[diesel(sql_type = Bool)]
    inherits: bool,
}

#[derive(QueryableByName)]
struct ObjectRow {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    table: Option<String>,
}

fn rule(code: &str) -> String {
    match code {
        "c" => OnDelete::Cascade,
        "r" => OnDelete::Restrict,
        "n" => OnDelete::SetNull,
        "d" => OnDelete::SetDefault,
        _ => OnDelete::NoAction,
    }
    .sql()
    .to_owned()
}

/// Reads the current schema for `inspectdb`: [`introspect`]'s schema plus each column's
/// declared type, raw default, comment, whether a sequence default numbers it (`SERIAL`),
/// whether its type is one the database defines, generated columns and identity `ALWAYS`;
/// raw check SQL; what makes an index inexpressible; foreign keys as declared; table options
/// (partitioned, unlogged, inheriting); views and triggers.
pub fn inspect(conn: &mut PgConnection) -> Result<LiveSchema, IntrospectError> {
    let schema = introspect(conn)?;
    let mut details = BTreeMap::new();
    for table in schema.tables.keys() {
        let rc = regclass(table);
        let mut d = TableDetails::default();
        let t: Vec<TableRow> = load(
            conn,
            format!(
                "SELECT obj_description(c.oid, 'pg_class') AS comment, c.relkind::text AS kind, \
                 c.relpersistence::text AS persistence, \
                 EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid) AS inherits \
                 FROM pg_class c WHERE c.oid = {rc}"
            ),
        )?;
        if let Some(t) = t.into_iter().next() {
            d.comment = t.comment;
            if t.kind == "p" {
                d.options
                    .push("the table option PARTITION BY (a partitioned table)".to_owned());
            }
            if t.persistence == "u" {
                d.options.push(
                    "the table option UNLOGGED (its rows are not written to the WAL)".to_owned(),
                );
            }
            if t.inherits {
                d.options.push(
                    "the table option INHERITS (it inherits another table's columns)".to_owned(),
                );
            }
        }
        let cols: Vec<InspectColumnRow> = load(
            conn,
            format!(
                "SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type_name, \
                 pg_get_expr(d.adbin, d.adrelid) AS dflt, col_description(a.attrelid, a.attnum) AS comment, \
                 a.attidentity::text AS identity, a.attgenerated::text AS generated, \
                 (tn.nspname NOT IN ('pg_catalog', 'information_schema')) AS user_type, \
                 (a.attidentity = '' AND pg_get_serial_sequence({}, a.attname) IS NOT NULL) AS serial, \
                 CASE WHEN a.attcollation <> t.typcollation THEN co.collname::text END AS collation \
                 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
                 JOIN pg_namespace tn ON tn.oid = t.typnamespace \
                 LEFT JOIN pg_collation co ON co.oid = a.attcollation \
                 LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                 WHERE a.attrelid = {rc} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                lit(&q(table))
            ),
        )?;
        for c in cols {
            let generated = !c.generated.is_empty();
            let mut extra = Vec::new();
            if c.identity == "a" {
                extra.push("GENERATED ALWAYS AS IDENTITY".to_owned());
            }
            if let Some(coll) = &c.collation {
                extra.push(format!("COLLATE {}", q(coll)));
            }
            d.columns.push(ColumnDetails {
                name: c.name,
                declared_type: c.type_name,
                default: if generated { None } else { c.dflt.clone() },
                comment: c.comment,
                sequence_default: c.serial,
                user_type: c.user_type,
                generated: if generated { c.dflt } else { None },
                extra: (!extra.is_empty()).then(|| extra.join(" ")),
            });
        }
        let checks: Vec<ConstraintRow> = load(
            conn,
            format!(
                "SELECT c.conname::text AS name, pg_get_constraintdef(c.oid) AS def, \
                 ARRAY[c.contype::text] AS cols FROM pg_constraint c \
                 WHERE c.conrelid = {rc} AND c.contype IN ('c', 'x') ORDER BY 1"
            ),
        )?;
        for c in checks {
            if c.cols.first().map(String::as_str) == Some("x") {
                d.options
                    .push(format!("the exclusion constraint `{}` ({})", c.name, c.def));
            } else {
                d.checks.insert(c.name, check_condition(&c.def));
            }
        }
        let idx: Vec<InspectIndexRow> = load(
            conn,
            format!(
                "SELECT ic.relname::text AS name, pg_get_indexdef(i.indexrelid) AS def, am.amname::text AS method, \
                 (i.indexprs IS NOT NULL) AS expression, pg_get_expr(i.indpred, i.indrelid) AS predicate, \
                 (i.indnkeyatts < i.indnatts) AS include, \
                 EXISTS (SELECT 1 FROM unnest(i.indoption::int2[]) o WHERE o <> 0) AS ordered, \
                 EXISTS (SELECT 1 FROM unnest(i.indclass::oid[]) k JOIN pg_opclass oc ON oc.oid = k \
                         WHERE NOT oc.opcdefault) AS opclass \
                 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam \
                 WHERE i.indrelid = {rc} AND NOT i.indisprimary"
            ),
        )?;
        for i in idx {
            // A condition, expressions, INCLUDE columns and the methods a model names
            // (`INDEX_METHODS`) are declarable (issue 17.4); the rest is not.
            let mut reasons = Vec::new();
            if !crate::db_schema::INDEX_METHODS.contains(&i.method.as_str()) {
                reasons.push(format!("a {} index", i.method));
            }
            if i.ordered {
                reasons.push("an index with a descending or NULLS FIRST/LAST key".to_owned());
            }
            if i.opclass {
                reasons.push("an index with a non-default operator class".to_owned());
            }
            if !reasons.is_empty() {
                d.unusual_indexes.insert(i.name.clone(), reasons.join(", "));
            }
            d.index_definitions.insert(i.name, i.def);
        }
        let fks: Vec<InspectFkRow> = load(
            conn,
            format!(
                "SELECT c.conname::text AS name, {} AS cols, rc.relname::text AS ref_table, {} AS ref_cols, \
                 c.confupdtype::text AS upd, c.condeferrable AS deferrable \
                 FROM pg_constraint c JOIN pg_class rc ON rc.oid = c.confrelid \
                 WHERE c.conrelid = {rc} AND c.contype = 'f' ORDER BY 1",
                key_columns("c.conkey", "c.conrelid"),
                key_columns("c.confkey", "c.confrelid"),
            ),
        )?;
        d.foreign_keys = fks
            .into_iter()
            .map(|f| ForeignKeyDetails {
                name: Some(f.name),
                columns: f.cols,
                table: f.ref_table,
                to_columns: f.ref_cols,
                on_update: rule(&f.upd),
                deferrable: f.deferrable,
            })
            .collect();
        details.insert(table.clone(), d);
    }
    let others: Vec<ObjectRow> = load(
        conn,
        "SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' \
         ELSE 'sequence' END AS kind, c.relname::text AS name, NULL::text AS table FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND (c.relkind IN ('v', 'm') OR (c.relkind = 'S' \
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))) \
         UNION ALL SELECT 'trigger', t.tgname::text, c.relname::text FROM pg_trigger t \
         JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND NOT t.tgisinternal ORDER BY 1, 2"
            .to_owned(),
    )?;
    let other_objects = others
        .into_iter()
        .map(|o| OtherObject {
            kind: o.kind,
            name: o.name,
            table: o.table,
        })
        .collect();
    Ok(LiveSchema {
        schema,
        details,
        other_objects,
    })
}

/// The condition of a check as `pg_get_constraintdef` prints it (`CHECK ((price >= 0))`):
/// without `CHECK`, the parentheses around all of it and `NOT VALID`.
fn check_condition(def: &str) -> String {
    let body = def.trim();
    let body = body.strip_prefix("CHECK").unwrap_or(body).trim();
    let mut body = body.strip_suffix(" NOT VALID").unwrap_or(body).trim();
    while let Some(inner) = body.strip_prefix('(').and_then(|b| b.strip_suffix(')')) {
        if !balanced(inner) {
            break;
        }
        body = inner.trim();
    }
    body.to_owned()
}

/// True when every parenthesis of `s` outside string literals closes one opened before it.
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let mut quote = false;
    for c in s.chars() {
        match c {
            '\'' => quote = !quote,
            '(' if !quote => depth += 1,
            ')' if !quote => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_conditions_lose_check_and_the_outer_parentheses() {
        assert_eq!(
            check_condition("CHECK ((price >= (0)::numeric))"),
            "price >= (0)::numeric"
        );
        assert_eq!(
            check_condition("CHECK ((a > 0) AND (b > 0))"),
            "(a > 0) AND (b > 0)"
        );
        assert_eq!(check_condition("CHECK ((a > 0)) NOT VALID"), "a > 0");
        assert_eq!(check_condition("CHECK (x = ')')"), "x = ')'");
    }
}
