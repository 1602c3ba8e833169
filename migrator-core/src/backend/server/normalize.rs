//! Comparison keys for what servers re-print in their own style (defaults, checks), and the
//! schema a state produces on a server backend ([`expected`]), spelled as introspection
//! reports it.

use super::dialect::Dialect;
use super::objects::table_def;
use std::collections::BTreeMap;

use crate::backend::editor::SchemaError;
use crate::db_schema::{
    ColumnSchema, DbSchema, ForeignKeySchema, IndexDef, MultiForeignKeySchema, NamedConstraint,
    SqlCondition, TableSchema,
};
use crate::state::ProjectState;

/// Normalizes a default's SQL text so the spelling a server reports (`'draft'::character
/// varying`, `current_timestamp()`, `'-1'::integer`) and the spelling the editor writes
/// (`'draft'`, `(CURRENT_TIMESTAMP)`, `-1`) compare equal: outer parentheses and top-level
/// `::type` casts are removed, quoted numbers unquoted, and everything outside a string
/// literal lower-cased.
pub(crate) fn normalize_default(sql: &str) -> String {
    let mut s = sql.trim().to_owned();
    loop {
        if crate::sql_text::is_wrapped(&s) {
            s = s[1..s.len() - 1].trim().to_owned();
        } else if let Some(pos) = top_level_cast(&s) {
            s = s[..pos].trim().to_owned();
        } else {
            break;
        }
    }
    if let Some(text) = hex_string(&s) {
        // `X'615C62'`: a string written without escapes (see `Features::string_value`),
        // compared as the quoted literal a server reports for it.
        s = format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"));
    }
    if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
        let inner = &s[1..s.len() - 1];
        if let Some(n) = canonical_number(inner) {
            return n;
        }
        return s;
    }
    if let Some(n) = canonical_number(&s) {
        return n;
    }
    let lower = s.to_lowercase();
    // Clock functions under their many names: `now()`, `current_timestamp(6)`, `curdate()`.
    let bare = lower
        .strip_suffix(')')
        .and_then(|l| l.rsplit_once('('))
        .filter(|(_, arg)| arg.chars().all(|c| c.is_ascii_digit()))
        .map_or(lower.as_str(), |(name, _)| name);
    match bare {
        "current_timestamp" | "now" | "localtimestamp" => "current_timestamp".to_owned(),
        "current_date" | "curdate" => "current_date".to_owned(),
        "current_time" | "curtime" => "current_time".to_owned(),
        _ => lower,
    }
}

/// The text of a hex string literal `X'…'` holding UTF-8, if `s` is one.
fn hex_string(s: &str) -> Option<String> {
    let hex = s
        .strip_prefix(['x', 'X'])?
        .strip_prefix('\'')?
        .strip_suffix('\'')?;
    if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
        .collect::<Result<_, _>>()
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// `0.00`, `0` and `-0.0` → `0`; `12.50` → `12.5`: numbers compare by value (MySQL pads
/// decimal defaults to the column's scale). `None` for anything that is not a plain number.
fn canonical_number(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
    {
        return None;
    }
    let v: f64 = t.parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    Some(if v == 0.0 {
        "0".to_owned()
    } else {
        format!("{v}")
    })
}

fn top_level_cast(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote = false;
    let mut last = None;
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quote = !quote,
            '(' if !quote => depth += 1,
            ')' if !quote => depth -= 1,
            ':' if !quote
                && depth == 0
                && bytes.get(i + 1) == Some(&b':')
                && last.is_none_or(|l: usize| l + 1 != i) =>
            {
                last = Some(i);
            }
            _ => {}
        }
    }
    last
}

/// Normalizes a check expression for comparison: lower-cased, without whitespace, quotes,
/// backticks or parentheses. Servers re-print checks in their own style
/// (`CHECK ((rating >= 0))`, `` `rating` >= 0 ``); this is a comparison key, not SQL.
pub(crate) fn normalize_check(sql: &str) -> String {
    // PostgreSQL adds casts to what it prints (`(status)::text = 'x'::text`): drop them
    // first, while the spaces still end the type name (`::text OR …` keeps its `OR`).
    crate::sql_text::strip_casts(sql, false)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '`' | '(' | ')'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Comments and foreign-key names: what [`DbSchema`] does not carry but a server keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchemaDetails {
    /// `(table, column)` → comment; the table's own comment has an empty column name.
    pub comments: BTreeMap<(String, String), String>,
    /// `(table, column)` → the name of the foreign-key constraint on that column.
    pub foreign_key_names: BTreeMap<(String, String), String>,
    /// `(table, column)` → the sequence behind an identity column (PostgreSQL only).
    pub identity_sequences: BTreeMap<(String, String), String>,
}

/// The [`DbSchema`] and [`SchemaDetails`] `state` produces on `d`'s backend, with types
/// spelled through `normalize_type` (the same function introspection uses).
pub(crate) fn expected(
    d: &dyn Dialect,
    state: &ProjectState,
    normalize_type: fn(&str) -> String,
) -> Result<(DbSchema, SchemaDetails), SchemaError> {
    let mut schema = DbSchema::default();
    let mut details = SchemaDetails::default();
    for model in state.models.values() {
        let def = table_def(d, model, state, false)?;
        let mut columns: Vec<ColumnSchema> = def
            .columns
            .iter()
            .map(|c| ColumnSchema {
                name: c.name.clone(),
                type_name: normalize_type(&c.sql_type),
                nullable: c.nullable,
                default: c.default.as_deref().map(normalize_default),
                primary_key: def.pk_columns.contains(&c.name),
                auto_increment: c.auto,
                generated: c.generated.as_ref().map(|g| g.kind().to_owned()),
                generated_sql: c.generated.as_ref().map(|g| {
                    crate::sql_text::expression_key(
                        &g.sql,
                        d.backend().features().function_synonyms,
                    )
                }),
            })
            .collect();
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        let mut indexes: Vec<IndexDef> = def
            .indexes
            .iter()
            .map(|i| IndexDef {
                name: i.name.clone(),
                columns: i.columns.clone(),
                expressions: i.expressions.iter().cloned().map(SqlCondition).collect(),
                unique: i.unique,
                condition: i.condition.clone().map(SqlCondition),
                nulls_distinct: i.nulls_distinct,
                method: i.method.clone(),
                include: i.include.clone(),
            })
            .collect();
        indexes.sort();
        let mut unique_constraints: Vec<NamedConstraint> = def
            .uniques
            .iter()
            .map(|u| NamedConstraint {
                name: Some(u.name.clone()),
                body: u.columns.clone(),
            })
            .collect();
        unique_constraints.sort();
        let mut checks: Vec<NamedConstraint> = def
            .checks
            .iter()
            .map(|(n, sql)| NamedConstraint {
                name: Some(n.clone()),
                body: vec![normalize_check(sql)],
            })
            .collect();
        checks.sort();
        let mut foreign_keys: Vec<ForeignKeySchema> = Vec::new();
        let mut multi_foreign_keys: Vec<MultiForeignKeySchema> = Vec::new();
        for fk in &def.fks {
            match (fk.columns.as_slice(), fk.ref_columns.as_slice()) {
                ([column], [to_column]) => {
                    foreign_keys.push(ForeignKeySchema {
                        column: column.clone(),
                        table: fk.ref_table.clone(),
                        to_column: to_column.clone(),
                        on_delete: fk.on_delete.sql().to_owned(),
                    });
                    details
                        .foreign_key_names
                        .insert((def.table.clone(), column.clone()), fk.name.clone());
                }
                _ => multi_foreign_keys.push(MultiForeignKeySchema {
                    columns: fk.columns.clone(),
                    name: Some(fk.name.clone()),
                    table: fk.ref_table.clone(),
                    to_columns: fk.ref_columns.clone(),
                    on_delete: fk.on_delete.sql().to_owned(),
                }),
            }
        }
        foreign_keys.sort();
        multi_foreign_keys.sort();
        if let Some(c) = &def.comment {
            details
                .comments
                .insert((def.table.clone(), String::new()), c.clone());
        }
        for c in &def.columns {
            if let Some(seq) = &c.sequence {
                details
                    .identity_sequences
                    .insert((def.table.clone(), c.name.clone()), seq.clone());
            }
            if let Some(comment) = &c.comment {
                details
                    .comments
                    .insert((def.table.clone(), c.name.clone()), comment.clone());
            }
        }
        schema.tables.insert(
            def.table.clone(),
            TableSchema {
                name: def.table.clone(),
                columns,
                primary_key: def.pk_columns.clone(),
                indexes,
                unique_constraints,
                checks,
                foreign_keys,
                multi_foreign_keys,
            },
        );
    }
    Ok((schema, details))
}
