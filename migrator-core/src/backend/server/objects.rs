//! Derives every database object of a model on a server backend ([`table_def`]) from the
//! state, in the dialect's spellings, checking the names the model declares.

use super::defs::*;
use super::dialect::Dialect;
use crate::backend::editor::{composite_fk, SchemaError};
use crate::db_schema::{field_index_name, index_method, INDEX_METHODS};
use crate::state::{ConstraintKind, FieldState, ModelState, ProjectState};

fn missing_field(model: &ModelState, field: &str, what: &str) -> SchemaError {
    SchemaError::MissingField {
        app: model.app.clone(),
        model: model.name.clone(),
        field: field.to_owned(),
        op: what.to_owned(),
    }
}

fn check_declared_name(
    d: &dyn Dialect,
    model: &ModelState,
    kind: &str,
    name: &str,
) -> Result<(), SchemaError> {
    if name.len() > d.max_identifier() {
        return Err(SchemaError::Unsupported(format!(
            "{kind} name `{name}` on model `{}.{}` is {} bytes long; {} keeps at most {} — choose a shorter name",
            model.app,
            model.name,
            name.len(),
            d.backend(),
            d.max_identifier()
        )));
    }
    Ok(())
}

/// Derives every database object of `model` (resolved in `state`) on `d`'s backend.
///
/// A foreign key whose target exists but has no single-column primary key is an error when
/// `strict` (the model the operation changes); for other models it is left out until the key
/// is single again (the key is moving between columns across two operations).
pub(crate) fn table_def(
    d: &dyn Dialect,
    model: &ModelState,
    state: &ProjectState,
    strict: bool,
) -> Result<TableDef, SchemaError> {
    let max = d.max_identifier();
    check_declared_name(d, model, "table", &model.table)?;
    let mut columns = Vec::new();
    for f in &model.fields {
        check_declared_name(d, model, "column", &f.column)?;
        if f.generated.is_some() {
            d.check_generated(model, f)?;
        }
        let generated_null = f.generated.is_some() && !d.generated_not_null();
        columns.push(ColumnDef {
            field: f.name.clone(),
            name: f.column.clone(),
            sql_type: d.column_type(f),
            nullable: (f.nullable || generated_null) && !f.primary_key,
            default: f
                .default
                .as_ref()
                .map(|v| d.default_sql(f, v))
                .transpose()?,
            auto: f.auto_increment,
            sequence: if f.auto_increment {
                d.identity_sequence(&model.table, &f.column)
            } else {
                None
            },
            comment: f.comment.clone(),
            generated: f.generated.clone(),
        });
    }
    let pk: Vec<&FieldState> = model.primary_key().collect();
    let cols_of = |fields: &[String], what: &str| -> Result<Vec<String>, SchemaError> {
        fields
            .iter()
            .map(|n| {
                model
                    .field(n)
                    .map(|f| f.column.clone())
                    .ok_or_else(|| missing_field(model, n, what))
            })
            .collect()
    };
    let mut indexes = Vec::new();
    for f in &model.fields {
        if f.primary_key || !(f.unique || f.index) {
            continue;
        }
        d.check_indexable(model, f)?;
        indexes.push(Idx::plain(
            shorten_identifier(&field_index_name(&model.table, &f.column, f.unique), max),
            vec![f.name.clone()],
            vec![f.column.clone()],
            f.unique,
        ));
    }
    for i in &model.indexes {
        check_declared_name(d, model, "index", &i.name)?;
        for n in &i.fields {
            if let Some(f) = model.field(n) {
                d.check_indexable(model, f)?;
            }
        }
        if !i.include.is_empty() && d.mysql_like() {
            return Err(SchemaError::Unsupported(format!(
                "index `{}` on model `{}.{}` includes non-key fields ({}), and {} has no \
                 `INCLUDE`; make them part of the key (`fields`), drop `include`, or keep the \
                 model's index to PostgreSQL",
                i.name,
                model.app,
                model.name,
                i.include.join(", "),
                d.backend()
            )));
        }
        let include_columns = cols_of(&i.include, &format!("index {}", i.name))?;
        if let Some(method) = index_method(i.method.as_deref()) {
            let problem = if d.mysql_like() {
                Some(format!(
                    "{} builds only B-tree indexes (InnoDB ignores `USING HASH`)",
                    d.backend()
                ))
            } else if !INDEX_METHODS.contains(&method.as_str()) {
                Some(format!(
                    "`{method}` is not one of the methods migrator knows ({})",
                    INDEX_METHODS.join(", ")
                ))
            } else if i.unique && method != "btree" {
                Some(format!(
                    "{} builds unique indexes only as B-tree",
                    d.backend()
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(SchemaError::Unsupported(format!(
                    "index `{}` on model `{}.{}` uses the `{method}` method, and {problem}; \
                     drop `method` (or use `btree`), or keep the model's index to PostgreSQL",
                    i.name, model.app, model.name
                )));
            }
        }
        if !i.nulls_distinct && d.mysql_like() {
            return Err(SchemaError::Unsupported(format!(
                "unique index `{}` on model `{}.{}` has `nulls_distinct = false`, and {} always \
                 lets several rows have NULL in a unique index; drop `nulls_distinct = false` \
                 (or make the fields NOT NULL), or keep the model's index to PostgreSQL",
                i.name,
                model.app,
                model.name,
                d.backend()
            )));
        }
        if i.condition.is_some() && d.mysql_like() {
            return Err(SchemaError::Unsupported(format!(
                "{} index `{}` on model `{}.{}` has a condition, and {} has no partial indexes; \
                 drop the condition (a plain index, or a unique constraint over the fields), \
                 or keep the model's conditional index to SQLite and PostgreSQL",
                if i.unique { "unique" } else { "the" },
                i.name,
                model.app,
                model.name,
                d.backend()
            )));
        }
        if !i.expressions.is_empty() && d.mysql_like() {
            return Err(SchemaError::Unsupported(format!(
                "{} index `{}` on model `{}.{}` is over expressions ({}), and {} has no \
                 functional indexes; add a generated column holding the expression (a field \
                 with `generated(sql = \"…\")`) and index that field, or keep the model's \
                 expression index to SQLite and PostgreSQL",
                if i.unique { "unique" } else { "the" },
                i.name,
                model.app,
                model.name,
                i.expressions.join(", "),
                d.backend()
            )));
        }
        indexes.push(Idx {
            name: i.name.clone(),
            columns: cols_of(&i.fields, &format!("index {}", i.name))?,
            expressions: i.expressions.clone(),
            fields: i.fields.clone(),
            unique: i.unique,
            constraint: false,
            condition: i.condition.clone(),
            nulls_distinct: i.nulls_distinct,
            method: index_method(i.method.as_deref()),
            include: include_columns,
        });
    }
    let mut uniques = Vec::new();
    let mut checks = Vec::new();
    for c in &model.constraints {
        check_declared_name(d, model, "constraint", &c.name)?;
        match &c.kind {
            ConstraintKind::Check(sql) => checks.push((c.name.clone(), sql.clone())),
            ConstraintKind::ForeignKey { .. } => {}
            ConstraintKind::Unique(fields) => {
                let columns = cols_of(fields, &format!("constraint {}", c.name))?;
                for n in fields {
                    if let Some(f) = model.field(n) {
                        d.check_indexable(model, f)?;
                    }
                }
                if d.mysql_like() {
                    indexes.push(Idx {
                        constraint: true,
                        ..Idx::plain(c.name.clone(), fields.clone(), columns, true)
                    });
                } else {
                    uniques.push(UniqueDef {
                        name: c.name.clone(),
                        fields: fields.clone(),
                        columns,
                    });
                }
            }
        }
    }
    let mut fks = Vec::new();
    for f in &model.fields {
        let Some(fk) = &f.foreign_key else { continue };
        let target = if fk.app == model.app && fk.model == model.name {
            model
        } else {
            state
                .model(&fk.app, &fk.model)
                .ok_or_else(|| SchemaError::BadForeignKey {
                    model: format!("{}.{}", model.app, model.name),
                    field: f.name.clone(),
                    target: format!("{}.{}", fk.app, fk.model),
                    reason: "is not in the migration state".to_owned(),
                })?
        };
        let mut tpk = target.primary_key();
        let (Some(ref_pk), None) = (tpk.next(), tpk.next()) else {
            if strict {
                return Err(SchemaError::BadForeignKey {
                    model: format!("{}.{}", model.app, model.name),
                    field: f.name.clone(),
                    target: format!("{}.{}", fk.app, fk.model),
                    reason: "has no single-column primary key".to_owned(),
                });
            }
            continue;
        };
        let def = FkDef {
            name: shorten_identifier(
                &format!("{}_{}_fk_{}", model.table, f.column, target.table),
                max,
            ),
            fields: vec![f.name.clone()],
            columns: vec![f.column.clone()],
            ref_model: target.key(),
            ref_fields: vec![ref_pk.name.clone()],
            ref_table: target.table.clone(),
            ref_columns: vec![ref_pk.column.clone()],
            on_delete: fk.on_delete,
        };
        d.check_foreign_key(model, &def)?;
        fks.push(def);
    }
    // Multi-column foreign keys: named constraints of the model.
    for c in &model.constraints {
        let Some(fk) = composite_fk(model, c, state)? else {
            continue;
        };
        let def = FkDef {
            name: fk.name,
            fields: fk.fields,
            columns: fk.columns,
            ref_model: fk.target,
            ref_fields: fk.to_fields,
            ref_table: fk.table,
            ref_columns: fk.to_columns,
            on_delete: fk.on_delete,
        };
        d.check_foreign_key(model, &def)?;
        fks.push(def);
    }
    if d.mysql_like() {
        // InnoDB needs an index whose first columns are the foreign key's; when no other
        // index (or the primary key) starts with them, the index is created explicitly, so
        // its name is ours rather than InnoDB's: the field index `{table}_{column}_idx` for
        // one column, `{table}_{col1}_{col2}_idx` (`names::index`) for several.
        let pk_columns: Vec<String> = pk.iter().map(|f| f.column.clone()).collect();
        for fk in &fks {
            let starts = |cols: &[String]| cols.starts_with(&fk.columns);
            let covered = starts(&pk_columns) || indexes.iter().any(|i| starts(&i.columns));
            if !covered {
                let name = match fk.columns.as_slice() {
                    [column] => field_index_name(&model.table, column, false),
                    columns => migrator_descriptor::names::index(&model.table, columns, false),
                };
                indexes.push(Idx::plain(
                    shorten_identifier(&name, max),
                    fk.fields.clone(),
                    fk.columns.clone(),
                    false,
                ));
            }
        }
    }
    Ok(TableDef {
        key: model.key(),
        table: model.table.clone(),
        comment: model.comment.clone(),
        columns,
        pk_fields: pk.iter().map(|f| f.name.clone()).collect(),
        pk_columns: pk.iter().map(|f| f.column.clone()).collect(),
        pk_name: d.pk_name(&model.table),
        indexes,
        uniques,
        checks,
        fks,
    })
}
