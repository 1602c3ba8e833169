//! From a live table to the model that declares it: the plan types ([`ModelPlan`],
//! [`FieldPlan`]) and the column passes — each column's field name, type (by trial,
//! `columns.rs`), nullability, key flags and default. Foreign keys are `keys.rs`'s (which
//! narrows the type candidates a key column shares with the columns pointing at it);
//! indexes, unique constraints and checks are `objects.rs`'s; the final comparison is
//! `verify.rs`'s.
//!
//! Whatever a model cannot say exactly as the database has it becomes a flag (a sentence for
//! the user) at the table or the field, and the *projection* — a copy of the live schema —
//! is changed to what the model does say, so that `verify.rs` reports only differences
//! nobody flagged.

use std::collections::BTreeMap;

use migrator_descriptor::sql::{self, Fragment};

use super::columns::{matching_default, matching_types, rust_type};
use super::names::{field_name, identifier_problem, rust_ident, Namer};
use crate::backend::Backend;
use crate::db_schema::{ColumnDetails, ColumnSchema, DbSchema, LiveSchema, TableDetails};
use crate::field_type::ColumnType;
use crate::state::{FieldState, IndexState, OnDelete};

/// One model to write.
#[derive(Clone, Debug, Default)]
pub(crate) struct ModelPlan {
    /// The table.
    pub table: String,
    /// The struct name.
    pub name: String,
    /// The table comment (the struct's doc comment).
    pub comment: Option<String>,
    /// The fields, in the table's column order.
    pub fields: Vec<FieldPlan>,
    /// Indexes declared on the struct (`index(name = …, fields = […])`), by name.
    pub indexes: Vec<IndexState>,
    /// Checks declared on the struct: `(name, sql)`, by name.
    pub checks: Vec<(String, String)>,
    /// The fields of a composite primary key (`primary_key(fields = [...])` on the struct),
    /// in the key's order; empty for a one-column key (said on its field).
    pub composite_key: Vec<String>,
    /// What about the table the model does not say, one sentence each.
    pub flags: Vec<String>,
    /// No model can declare this table: it is written commented out (the reason is a flag).
    pub disabled: bool,
    /// The foreign keys over several columns the struct declares (`foreign_key(fields =
    /// [...], to = …)`), in the database's order.
    pub multi_keys: Vec<MultiKey>,
    /// The many-to-many relations the struct declares in place of join tables (`join.rs`).
    pub relations: Vec<Relation>,
    /// The table is the join table of a relation of this owner table's struct: no struct
    /// of its own is written.
    pub join_of: Option<String>,
}

/// A many-to-many relation an owner's struct declares in place of a join table (`join.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Relation {
    /// `name = "…"`.
    pub name: String,
    /// The target's struct.
    pub to: String,
    /// `db_table = "…"`, when the join table is not `{owner table}_{name}`.
    pub db_table: Option<String>,
    /// The join table.
    pub table: String,
}

/// A foreign key over several columns to a composite primary key, declared on the struct
/// (`foreign_key(fields = [...], to = Model, on_delete = "…"[, name = "…"])`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MultiKey {
    /// The constraint's name in the model: the database's, or migrator's own.
    pub name: String,
    /// `name = "…"` is written: the database's name is not the one migrator derives.
    pub explicit_name: bool,
    /// The referencing fields, in the order of the target's key.
    pub fields: Vec<String>,
    /// Their columns.
    pub columns: Vec<String>,
    /// The target's struct.
    pub to: String,
    /// The target's table.
    pub to_table: String,
    /// The on-delete rule.
    pub on_delete: OnDelete,
}

/// Whether a column is the primary key, part of it, or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyPart {
    /// Not in the primary key.
    No,
    /// The one primary-key column.
    Only,
    /// One column of a composite primary key.
    Composite,
}

/// Puts the columns of the composite key `key` in the key's order within the places they
/// take among `columns` (the other columns stay where they are); true when that moved any.
fn reorder_key_columns(columns: &mut [&ColumnSchema], key: &[String]) -> bool {
    let slots: Vec<usize> = (0..columns.len())
        .filter(|&i| key.contains(&columns[i].name))
        .collect();
    let by_key: Vec<&ColumnSchema> = key
        .iter()
        .filter_map(|k| columns.iter().find(|c| &c.name == k).copied())
        .collect();
    if by_key.len() != slots.len() {
        return false;
    }
    let mut moved = false;
    for (slot, column) in slots.into_iter().zip(by_key) {
        moved |= columns[slot].name != column.name;
        columns[slot] = column;
    }
    moved
}

/// One field to write.
#[derive(Clone, Debug)]
pub(crate) struct FieldPlan {
    /// The field as the model declares it (its name without `r#`).
    pub state: FieldState,
    /// The field name as Rust spells it (`r#type`).
    pub ident: String,
    /// Its Rust type (`Option<chrono::NaiveDate>`).
    pub rust_type: String,
    /// The struct its foreign key points at.
    pub target: Option<String>,
    /// What about the column the field does not say, one sentence each.
    pub flags: Vec<String>,
    /// The column types that fit the live column, best first (settled by `finish_columns`).
    pub(crate) candidates: Vec<ColumnType>,
}

/// What the planning passes share: the live schema, the backend, the tables being written
/// and the projection they keep in step with the models.
pub(crate) struct Planner<'a> {
    /// The live schema.
    pub live: &'a LiveSchema,
    /// Its backend.
    pub backend: Backend,
    /// The plans, by table.
    pub models: BTreeMap<String, ModelPlan>,
    /// The live schema as the models declare it (flagged differences applied).
    pub projection: DbSchema,
    /// Tables that are the table of a model this project already has: table → `app.Model`.
    pub managed: &'a BTreeMap<String, String>,
    /// Checks a model declares as table checks that the database keeps elsewhere (on a
    /// column): `(table, check name)`; `verify.rs` takes them as they will be.
    pub accepted_checks: Vec<(String, String)>,
    /// The app label the models are for.
    pub app: String,
}

/// The details of `table`, or empty ones.
pub(crate) fn details<'a>(live: &'a LiveSchema, table: &str) -> &'a TableDetails {
    static EMPTY: std::sync::OnceLock<TableDetails> = std::sync::OnceLock::new();
    live.details
        .get(table)
        .unwrap_or_else(|| EMPTY.get_or_init(TableDetails::default))
}

impl<'a> Planner<'a> {
    /// The column `column` of `table` in the projection.
    pub(crate) fn projected(&mut self, table: &str, column: &str) -> Option<&mut ColumnSchema> {
        self.projection
            .tables
            .get_mut(table)?
            .columns
            .iter_mut()
            .find(|c| c.name == column)
    }

    /// Plans the columns of `table` (named `name`): fields, key flags, type candidates; and
    /// decides whether a model can declare the table at all.
    pub(crate) fn plan_columns(&mut self, table: &str, name: String) {
        let live = &self.live.schema.tables[table];
        let det = details(self.live, table);
        let mut plan = ModelPlan {
            table: table.to_owned(),
            name,
            comment: det.comment.clone(),
            ..ModelPlan::default()
        };
        if let Some(problem) = identifier_problem(table) {
            plan.disabled = true;
            plan.flags.push(format!(
                "the table name `{table}` cannot be a model's table: {problem}; rename the \
                 table (models take ASCII letters, digits and `_`)"
            ));
        }
        if live.primary_key.is_empty() {
            plan.disabled = true;
            plan.flags.push(
                "the table has no primary key, and a model needs one: add one (e.g. `ALTER \
                 TABLE … ADD COLUMN id … PRIMARY KEY`) and inspect it again"
                    .to_owned(),
            );
        }
        for option in &det.options {
            plan.flags.push(format!(
                "{option} is not declared: a table migrator creates from this model does not \
                 have it"
            ));
        }
        if let Some(comment) = &plan.comment {
            if doc_text(comment) != *comment {
                plan.flags.push(
                    "the table comment has blank lines or spaces at line ends, which a doc \
                     comment drops"
                        .to_owned(),
                );
            }
        }
        let mut namer = Namer::default();
        let mut ordered: Vec<&ColumnSchema> = if det.columns.is_empty() {
            live.columns.iter().collect()
        } else {
            det.columns
                .iter()
                .filter_map(|d| live.columns.iter().find(|c| c.name == d.name))
                .collect()
        };
        let key = &live.primary_key;
        if key.len() > 1 && reorder_key_columns(&mut ordered, key) {
            plan.flags.push(format!(
                "the primary key's columns ({}) are not in the table's column order; the \
                 struct declares its key fields in the key's order (a model's key follows its \
                 fields' order), which changes only the column order of a table migrator \
                 creates",
                key.join(", ")
            ));
        }
        let single_pk = (key.len() == 1).then(|| key[0].clone());
        for column in ordered {
            let cd = det
                .columns
                .iter()
                .find(|d| d.name == column.name)
                .cloned()
                .unwrap_or_default();
            let pk = if single_pk.as_deref() == Some(&column.name) {
                KeyPart::Only
            } else if key.contains(&column.name) {
                KeyPart::Composite
            } else {
                KeyPart::No
            };
            let field = self.plan_column(table, column, &cd, pk, &mut namer, &mut plan);
            if pk == KeyPart::Composite {
                plan.composite_key.push(field.state.name.clone());
            }
            plan.fields.push(field);
        }
        self.models.insert(table.to_owned(), plan);
    }

    fn plan_column(
        &mut self,
        table: &str,
        live: &ColumnSchema,
        cd: &ColumnDetails,
        pk: KeyPart,
        namer: &mut Namer,
        plan: &mut ModelPlan,
    ) -> FieldPlan {
        let backend = self.backend;
        let column = live.name.clone();
        let name = namer.unique(&field_name(&column), "_");
        let mut flags = Vec::new();
        if let Some(problem) = identifier_problem(&column) {
            plan.disabled = true;
            plan.flags.push(format!(
                "the column name `{column}` cannot be a model's column: {problem}; rename \
                 the column (models take ASCII letters, digits and `_`)"
            ));
        }
        let is_pk = pk == KeyPart::Only;
        let mut shape = FieldState::new(name.clone(), ColumnType::Text).column(column.clone());
        shape.nullable = live.nullable && pk == KeyPart::No;
        shape.primary_key = pk != KeyPart::No;
        shape.comment = cd.comment.clone();
        let proj = self.projected(table, &column).map(|c| c.clone());
        let mut proj = proj.unwrap_or_else(|| live.clone());
        if cd.sequence_default && is_pk {
            shape.auto_increment = true;
            proj.auto_increment = true;
            proj.default = None;
            flags.push(format!(
                "numbered by a sequence default ({}), which the model declares as an \
                 auto-increment key: a table migrator creates gets an identity column instead; \
                 both number new rows",
                cd.default.as_deref().unwrap_or("a sequence")
            ));
        } else if live.auto_increment && is_pk {
            shape.auto_increment = true;
        } else if live.auto_increment {
            proj.auto_increment = false;
            flags.push(
                "auto-incremented although it is not the one primary-key column; a model \
                 auto-increments only its primary key, so the model leaves it a plain column"
                    .to_owned(),
            );
        }
        // A generated column: declared as one, or a plain column with the reason.
        let mut not_generated = None;
        if let Some(expr) = &cd.generated {
            proj.default = None;
            let columns: Vec<&str> = self.live.schema.tables[table]
                .columns
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            let key = pk != KeyPart::No;
            match super::generated::declared(expr, live.generated.as_deref(), &columns, key) {
                Ok(g) => shape.generated = Some(g),
                Err(why) => not_generated = Some(why),
            }
        }
        if let Some(extra) = &cd.extra {
            flags.push(format!(
                "`{extra}` is not declared: a column migrator creates from this model does \
                 not have it"
            ));
        }
        if let Some(comment) = &cd.comment {
            if doc_text(comment) != *comment {
                flags.push(
                    "the comment has blank lines or spaces at line ends, which a doc comment \
                     drops"
                        .to_owned(),
                );
            }
        }
        let mut candidates = matching_types(backend, table, &proj, &shape);
        if candidates.is_empty() && shape.generated.is_some() {
            // The backend's editor refuses the kind, or the type has no mapping (a `db_type`
            // column cannot be generated in a model).
            shape.generated = None;
            candidates = matching_types(backend, table, &proj, &shape);
            not_generated = Some(if candidates.is_empty() {
                "its type has no column type of migrator's, and a model's `db_type` field \
                 cannot be generated"
                    .to_owned()
            } else {
                format!(
                    "migrator cannot create a {} generated column on this database",
                    live.generated.as_deref().unwrap_or("")
                )
            });
        }
        if let (Some(why), Some(expr)) = (&not_generated, &cd.generated) {
            proj.generated = None;
            proj.generated_sql = None;
            flags.push(format!(
                "a generated column ({}) that the model declares as a plain column: {why}; \
                 values are written by the database, not by inserts",
                if expr.is_empty() {
                    "computed"
                } else {
                    expr.as_str()
                }
            ));
        }
        if candidates.is_empty() {
            let declared = if cd.declared_type.is_empty() {
                live.type_name.clone()
            } else {
                cd.declared_type.clone()
            };
            if declared.trim().is_empty() || sql::check(&declared, Fragment::Type).is_err() {
                flags.push(if declared.trim().is_empty() {
                    "the column has no declared type; the model says TEXT".to_owned()
                } else {
                    format!(
                        "the column's type `{declared}` cannot be written as `db_type` (it is \
                         not one SQL type); the model says TEXT"
                    )
                });
                candidates.push(ColumnType::Text);
                let mut text = shape.clone();
                text.column_type = ColumnType::Text;
                if let Some(c) = super::columns::expected_column(backend, table, &text) {
                    proj.type_name = c.type_name;
                }
            } else {
                let mut note = format!(
                    "no column type of migrator's is spelled `{declared}` on this database: the \
                     field keeps the type with `db_type` (its Rust type is a guess for your own \
                     code)"
                );
                if cd.user_type {
                    note.push_str(
                        "; it is a type this database defines, so create it (a `run_sql` \
                         migration before this app's initial one) before `migrate` creates the \
                         table anywhere else",
                    );
                }
                flags.push(note);
                candidates.push(ColumnType::Custom(declared));
                if shape.auto_increment {
                    shape.auto_increment = false;
                    proj.auto_increment = false;
                    flags.push(
                        "auto-increment is not declared: `auto` needs an integer type".to_owned(),
                    );
                }
            }
        }
        if let Some(p) = self.projected(table, &column) {
            *p = proj;
        }
        FieldPlan {
            ident: rust_ident(&name),
            rust_type: String::new(),
            target: None,
            flags,
            candidates,
            state: shape,
        }
    }

    /// Settles each field's column type (its first candidate), Rust type and default.
    pub(crate) fn finish_columns(&mut self) {
        let backend = self.backend;
        let tables: Vec<String> = self.models.keys().cloned().collect();
        for table in tables {
            let det = details(self.live, &table).clone();
            let count = self.models[&table].fields.len();
            for i in 0..count {
                let field = &self.models[&table].fields[i];
                let column = field.state.column.clone();
                let Some(live) = self.projected(&table, &column).map(|c| c.clone()) else {
                    continue;
                };
                let raw = det
                    .columns
                    .iter()
                    .find(|d| d.name == column)
                    .and_then(|d| d.default.clone());
                let mut state = self.models[&table].fields[i].state.clone();
                state.column_type = self.models[&table].fields[i]
                    .candidates
                    .first()
                    .cloned()
                    .unwrap_or(ColumnType::Text);
                let mut flag = None;
                if live.default.is_some() {
                    if state.auto_increment {
                        flag = Some(format!(
                            "its default ({}) is not declared: an auto-increment key takes none",
                            raw.as_deref().or(live.default.as_deref()).unwrap_or("")
                        ));
                    } else {
                        state.default =
                            matching_default(backend, &table, &state, &live, raw.as_deref());
                        if state.default.is_none() {
                            flag = Some(format!(
                                "its default `{}` is not declared: no `default` or `default_sql` \
                                 gives the same default on this database",
                                raw.as_deref().or(live.default.as_deref()).unwrap_or("")
                            ));
                        }
                    }
                    if state.default.is_none() {
                        if let Some(p) = self.projected(&table, &column) {
                            p.default = None;
                        }
                    }
                }
                let set_default = matches!(
                    &state.foreign_key,
                    Some(fk) if fk.on_delete == OnDelete::SetDefault
                ) && state.default.is_none();
                let plan = self.models.get_mut(&table).expect("planned");
                let field = &mut plan.fields[i];
                field.rust_type = rust_type(&state.column_type, state.nullable);
                if set_default {
                    state.foreign_key = None;
                    let target = field.target.take().unwrap_or_default();
                    field.flags.push(format!(
                        "a foreign key to {target} that is not declared: it is ON DELETE SET \
                         DEFAULT and the column has no default a model can declare"
                    ));
                    self.drop_live_fks(&table, std::slice::from_ref(&column));
                }
                let field = &mut self.models.get_mut(&table).expect("planned").fields[i];
                field.flags.extend(flag);
                field.state = state;
            }
            // ON DELETE SET DEFAULT over several columns: every one needs its default.
            let plan = &self.models[&table];
            let no_default: Vec<Vec<String>> = plan
                .multi_keys
                .iter()
                .filter(|k| k.on_delete == OnDelete::SetDefault)
                .filter(|k| {
                    k.columns.iter().any(|c| {
                        plan.fields
                            .iter()
                            .any(|f| f.state.column == *c && f.state.default.is_none())
                    })
                })
                .map(|k| k.columns.clone())
                .collect();
            for columns in no_default {
                self.drop_multi_key(
                    &table,
                    &columns,
                    "it is ON DELETE SET DEFAULT and a column has no default a model can declare",
                );
                self.drop_live_fks(&table, &columns);
            }
        }
    }

    /// The planned field of `table` whose column is `column`.
    pub(crate) fn field(&self, table: &str, column: &str) -> Option<&FieldPlan> {
        self.models
            .get(table)?
            .fields
            .iter()
            .find(|f| f.state.column == column)
    }

    /// The planned field of `table` whose column is `column`, mutably.
    pub(crate) fn field_mut(&mut self, table: &str, column: &str) -> Option<&mut FieldPlan> {
        self.models
            .get_mut(table)?
            .fields
            .iter_mut()
            .find(|f| f.state.column == column)
    }

    /// Adds a flag about `table` itself.
    pub(crate) fn flag_table(&mut self, table: &str, flag: String) {
        if let Some(plan) = self.models.get_mut(table) {
            plan.flags.push(flag);
        }
    }

    /// Removes the foreign keys on `columns` from the projection (the model does not declare
    /// them).
    pub(crate) fn drop_live_fks(&mut self, table: &str, columns: &[String]) {
        if let Some(t) = self.projection.tables.get_mut(table) {
            t.foreign_keys.retain(|f| !columns.contains(&f.column));
            t.multi_foreign_keys.retain(|f| f.columns != columns);
        }
    }
}

/// A comment as a doc comment keeps it: each line trimmed, blank lines at both ends dropped.
pub(crate) fn doc_text(comment: &str) -> String {
    let lines: Vec<&str> = comment.split('\n').map(str::trim).collect();
    let start = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(start, |e| e + 1);
    lines[start..end].join("\n")
}
