//! The SQL text of SQLite's schema objects, shared by the editor (`schema.rs`), the rebuild
//! (`rebuild.rs`) and the fold (`fold.rs`): declared column types, column definitions,
//! `CREATE TABLE` (the model's table or a rebuild's `new__…`), the indexes a model has and
//! their `CREATE`/`DROP INDEX`, and foreign-key targets.

use super::features::FEATURES;
use crate::backend::editor::{composite_fk, default_literal, SchemaError};
use crate::db_schema::{field_index_name, index_method, IndexDef, SqlCondition};
use crate::field_type::ColumnType;
use crate::state::{ConstraintKind, FieldState, ModelState, ProjectState};

fn q(ident: &str) -> String {
    FEATURES.quote(ident)
}

/// The declared SQLite type of a field's column: `INTEGER` for an auto-increment primary key
/// (the rowid alias), otherwise `SMALLINT`, `INTEGER`, `BIGINT`, `REAL`, `DOUBLE`, `BOOLEAN`,
/// `TEXT`, `VARCHAR(n)`, `BLOB`, `DATE`, `TIME`, `TIMESTAMP`, `TIMESTAMPTZ`, `CHAR(36)` (UUID),
/// `TEXT` (JSON), `DECIMAL(p, s)`, or a custom type verbatim. Every spelling keeps a safe
/// SQLite type affinity (UUID and JSON text are never coerced to numbers).
pub fn column_type_sql(field: &FieldState) -> String {
    if field.auto_increment && field.primary_key {
        return "INTEGER".to_owned();
    }
    match &field.column_type {
        ColumnType::SmallInt => "SMALLINT".to_owned(),
        ColumnType::Integer => "INTEGER".to_owned(),
        ColumnType::BigInt => "BIGINT".to_owned(),
        ColumnType::Float => "REAL".to_owned(),
        ColumnType::Double => "DOUBLE".to_owned(),
        ColumnType::Boolean => "BOOLEAN".to_owned(),
        ColumnType::Text | ColumnType::Json => "TEXT".to_owned(),
        ColumnType::Varchar(n) => format!("VARCHAR({n})"),
        ColumnType::Blob => "BLOB".to_owned(),
        ColumnType::Date => "DATE".to_owned(),
        ColumnType::Time => "TIME".to_owned(),
        ColumnType::Timestamp => "TIMESTAMP".to_owned(),
        ColumnType::TimestampTz => "TIMESTAMPTZ".to_owned(),
        ColumnType::Uuid => "CHAR(36)".to_owned(),
        ColumnType::Decimal { precision, scale } => format!("DECIMAL({precision}, {scale})"),
        ColumnType::Custom(s) => s.clone(),
    }
}

/// The indexes a model has in the database: one per field flagged `unique` or `index` (not
/// for primary-key fields, which are indexed already) plus the model's declared indexes,
/// sorted by name.
pub fn model_indexes(model: &ModelState) -> Result<Vec<IndexDef>, SchemaError> {
    let mut out = Vec::new();
    for f in &model.fields {
        if f.primary_key {
            continue;
        }
        if f.unique || f.index {
            out.push(IndexDef {
                name: field_index_name(&model.table, &f.column, f.unique),
                columns: vec![f.column.clone()],
                expressions: Vec::new(),
                unique: f.unique,
                condition: None,
                nulls_distinct: true,
                method: None,
                include: Vec::new(),
            });
        }
    }
    for i in &model.indexes {
        if !i.include.is_empty() {
            return Err(SchemaError::Unsupported(format!(
                "index `{}` on model `{}.{}` includes non-key fields ({}), and SQLite has no \
                 `INCLUDE`; make them part of the key (`fields`), drop `include`, or keep the \
                 model's index to PostgreSQL",
                i.name,
                model.app,
                model.name,
                i.include.join(", ")
            )));
        }
        if let Some(method) = index_method(i.method.as_deref()) {
            return Err(SchemaError::Unsupported(format!(
                "index `{}` on model `{}.{}` uses the `{method}` method, and SQLite builds only \
                 B-tree indexes; drop `method` (or use `btree`), or keep the model's index to \
                 PostgreSQL",
                i.name, model.app, model.name
            )));
        }
        if !i.nulls_distinct {
            return Err(SchemaError::Unsupported(format!(
                "unique index `{}` on model `{}.{}` has `nulls_distinct = false`, and SQLite \
                 always lets several rows have NULL in a unique index; drop `nulls_distinct = \
                 false` (or make the fields NOT NULL), or keep the model's index to PostgreSQL",
                i.name, model.app, model.name
            )));
        }
        out.push(IndexDef {
            name: i.name.clone(),
            columns: columns_of(model, &i.fields, &format!("index {}", i.name))?,
            expressions: i.expressions.iter().cloned().map(SqlCondition).collect(),
            unique: i.unique,
            condition: i.condition.clone().map(SqlCondition),
            nulls_distinct: i.nulls_distinct,
            method: index_method(i.method.as_deref()),
            include: Vec::new(),
        });
    }
    out.sort();
    Ok(out)
}

pub(super) fn columns_of(
    model: &ModelState,
    fields: &[String],
    what: &str,
) -> Result<Vec<String>, SchemaError> {
    fields
        .iter()
        .map(|name| {
            model
                .field(name)
                .map(|f| f.column.clone())
                .ok_or_else(|| SchemaError::MissingField {
                    app: model.app.clone(),
                    model: model.name.clone(),
                    field: name.clone(),
                    op: what.to_owned(),
                })
        })
        .collect()
}

/// The `(table, column)` a foreign key of `field` on `model` references, resolved in `state`.
pub fn fk_target(
    model: &ModelState,
    field: &FieldState,
    state: &ProjectState,
) -> Result<Option<(String, String)>, SchemaError> {
    let Some(fk) = &field.foreign_key else {
        return Ok(None);
    };
    let bad = |reason: &str| SchemaError::BadForeignKey {
        model: format!("{}.{}", model.app, model.name),
        field: field.name.clone(),
        target: format!("{}.{}", fk.app, fk.model),
        reason: reason.to_owned(),
    };
    // A self-reference resolves against the model being written, which may not be in `state`
    // under its final shape yet.
    let target = if fk.app == model.app && fk.model == model.name {
        model
    } else {
        state
            .model(&fk.app, &fk.model)
            .ok_or_else(|| bad("is not in the migration state"))?
    };
    let mut pks = target.primary_key();
    match (pks.next(), pks.next()) {
        (Some(pk), None) => Ok(Some((target.table.clone(), pk.column.clone()))),
        _ => Err(bad("has no single-column primary key")),
    }
}

/// One column definition for `CREATE TABLE` / `ADD COLUMN`.
pub(super) fn column_def(
    model: &ModelState,
    field: &FieldState,
    state: &ProjectState,
    inline_pk: bool,
) -> Result<String, SchemaError> {
    let mut s = format!("{} {}", q(&field.column), column_type_sql(field));
    if !field.nullable || field.primary_key {
        s.push_str(" NOT NULL");
    }
    if field.auto_increment && !(field.primary_key && inline_pk) {
        return Err(SchemaError::Unsupported(format!(
            "SQLite can auto-increment only a single-column primary key, and `{}.{}` is not one; remove `auto` or make it the only primary key",
            model.name, field.name
        )));
    }
    if field.primary_key && inline_pk {
        s.push_str(" PRIMARY KEY");
        if field.auto_increment {
            s.push_str(" AUTOINCREMENT");
        }
    }
    if let Some(d) = &field.default {
        s.push_str(" DEFAULT ");
        s.push_str(&default_literal(&FEATURES, d)?);
    }
    if let Some(g) = &field.generated {
        let kind = if g.stored { "STORED" } else { "VIRTUAL" };
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) {kind}", g.sql));
    }
    if let Some((table, column)) = fk_target(model, field, state)? {
        let on_delete = field.foreign_key.as_ref().map(|fk| fk.on_delete.sql());
        s.push_str(&format!(" REFERENCES {} ({})", q(&table), q(&column)));
        if let Some(od) = on_delete {
            s.push_str(" ON DELETE ");
            s.push_str(od);
        }
    }
    Ok(s)
}

/// `CREATE TABLE` for `model` under the name `table` (the model's own table, or `new__…`
/// during a rebuild).
pub(super) fn create_table(
    model: &ModelState,
    state: &ProjectState,
    table: &str,
) -> Result<String, SchemaError> {
    let pk_count = model.primary_key().count();
    let mut parts = Vec::new();
    for f in &model.fields {
        parts.push(column_def(model, f, state, pk_count == 1)?);
    }
    if pk_count > 1 {
        let cols: Vec<String> = model.primary_key().map(|f| q(&f.column)).collect();
        parts.push(format!("PRIMARY KEY ({})", cols.join(", ")));
    }
    for c in &model.constraints {
        match &c.kind {
            ConstraintKind::Check(sql) => {
                parts.push(format!("CONSTRAINT {} CHECK ({sql})", q(&c.name)));
            }
            ConstraintKind::Unique(fields) => {
                let cols = columns_of(model, fields, &format!("constraint {}", c.name))?;
                let cols: Vec<String> = cols.iter().map(|c| q(c)).collect();
                parts.push(format!(
                    "CONSTRAINT {} UNIQUE ({})",
                    q(&c.name),
                    cols.join(", ")
                ));
            }
            ConstraintKind::ForeignKey { .. } => {
                let fk = composite_fk(model, c, state)?.expect("a foreign key");
                let list = |cols: &[String]| -> String {
                    cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
                };
                parts.push(format!(
                    "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {}",
                    q(&c.name),
                    list(&fk.columns),
                    q(&fk.table),
                    list(&fk.to_columns),
                    fk.on_delete.sql()
                ));
            }
        }
    }
    Ok(format!("CREATE TABLE {} ({})", q(table), parts.join(", ")))
}

pub(super) fn create_index_sql(table: &str, idx: &IndexDef) -> String {
    // The key: the columns, or each expression in parentheses.
    let cols: Vec<String> = if idx.expressions.is_empty() {
        idx.columns.iter().map(|c| q(c)).collect()
    } else {
        idx.expressions.iter().map(|e| format!("({e})")).collect()
    };
    format!(
        "CREATE {}INDEX {} ON {} ({}){}",
        if idx.unique { "UNIQUE " } else { "" },
        q(&idx.name),
        q(table),
        cols.join(", "),
        idx.condition
            .as_ref()
            .map_or_else(String::new, |c| format!(" WHERE {c}"))
    )
}

pub(super) fn drop_index_sql(name: &str) -> String {
    format!("DROP INDEX {}", q(name))
}
