//! The table-level objects of a planned model: indexes (a field's `index`/`unique` when the
//! index has migrator's own name for it, a named `index(…)` on the struct otherwise), unique
//! constraints (declared as unique indexes, flagged: migrator keeps uniqueness as indexes),
//! and checks (named; unnamed ones get a name). An index a model cannot declare (partial, on
//! an expression, another method, a prefix, a descending key) and one that repeats another
//! are flagged and left out of the projection.

use std::collections::BTreeMap;

use migrator_descriptor::sql::{self, Fragment};

use super::names::{identifier_problem, Namer};
use super::plan::{details, Planner};
use crate::db_schema::{field_index_name, IndexDef, NamedConstraint};
use crate::state::IndexState;

impl Planner<'_> {
    /// Plans the indexes, unique constraints and checks of `table`.
    pub(crate) fn plan_objects(&mut self, table: &str) {
        let live = self.live.schema.tables[table].clone();
        let det = details(self.live, table).clone();
        let fields: BTreeMap<String, String> = self.models[table]
            .fields
            .iter()
            .map(|f| (f.state.column.clone(), f.state.name.clone()))
            .collect();
        let mut names = Namer::default();
        for i in &live.indexes {
            names.unique(&i.name, "_");
        }
        for c in live.unique_constraints.iter().chain(&live.checks) {
            if let Some(n) = &c.name {
                names.unique(n, "_");
            }
        }
        // (columns, unique) → the name of the object that declares it.
        let mut declared: BTreeMap<(Vec<String>, bool), String> = BTreeMap::new();
        let canonical = |i: &IndexDef| {
            i.columns.len() == 1
                && i.name == field_index_name(table, &i.columns[0], i.unique)
                && i.expressions.is_empty()
                && i.condition.is_none()
                && i.nulls_distinct
                && i.method.is_none()
                && i.include.is_empty()
        };
        let mut indexes = live.indexes.clone();
        indexes.sort_by_key(|i| !canonical(i));
        for idx in indexes {
            let unknown = idx
                .columns
                .iter()
                .chain(&idx.include)
                .find(|c| !fields.contains_key(*c));
            let why = det.unusual_indexes.get(&idx.name).cloned().or_else(|| {
                unknown.map(|c| format!("an index on something that is not a column (`{c}`)"))
            });
            if let Some(why) = why {
                let def = det
                    .index_definitions
                    .get(&idx.name)
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                self.flag_table(
                    table,
                    format!(
                        "the index `{}`{def} is {why}, which a model cannot declare: it stays \
                         in the database, unknown to the models; to keep it on new databases, \
                         create it in a `run_sql` migration",
                        idx.name
                    ),
                );
                self.drop_live_index(table, &idx.name);
                continue;
            }
            // Columns, or the expressions' text; a condition and the options make another
            // index.
            let mut shape = idx.columns.clone();
            shape.extend(
                idx.expressions
                    .iter()
                    .map(|e| format!("\0{}", e.normal_form())),
            );
            if idx.condition.is_some()
                || !idx.nulls_distinct
                || idx.method.is_some()
                || !idx.include.is_empty()
            {
                shape.push(format!(
                    "\0{:?}",
                    (
                        &idx.condition,
                        idx.nulls_distinct,
                        &idx.method,
                        &idx.include
                    )
                ));
            }
            let key = (shape, idx.unique);
            if let Some(first) = declared.get(&key) {
                self.flag_table(
                    table,
                    format!(
                        "the index `{}` repeats `{first}` (the same columns, {}unique), which \
                         a model cannot declare twice: drop one of them",
                        idx.name,
                        if idx.unique { "" } else { "not " }
                    ),
                );
                self.drop_live_index(table, &idx.name);
                continue;
            }
            let field_names: Vec<String> = idx.columns.iter().map(|c| fields[c].clone()).collect();
            let is_pk = idx.columns == live.primary_key;
            // A column of a composite key has no index or `unique` of its own in a model:
            // one on it alone is declared on the struct.
            let in_composite_key =
                live.primary_key.len() > 1 && live.primary_key.contains(&idx.columns[0]);
            if canonical(&idx) && !is_pk && !in_composite_key {
                if let Some(f) = self.field_mut(table, &idx.columns[0]) {
                    if idx.unique {
                        f.state.unique = true;
                    } else {
                        f.state.index = true;
                    }
                }
                declared.insert(key, idx.name.clone());
                continue;
            }
            let name = match identifier_problem(&idx.name) {
                None => idx.name.clone(),
                Some(problem) => {
                    let ours = names.unique(
                        &migrator_descriptor::names::index(table, &idx.columns, idx.unique),
                        "_",
                    );
                    self.flag_table(
                        table,
                        format!(
                            "the index `{}` cannot keep its name in a model ({problem}): the \
                             model calls it `{ours}`; rename it in the database",
                            idx.name
                        ),
                    );
                    self.rename_live_index(table, &idx.name, &ours);
                    ours
                }
            };
            let mut index = if idx.expressions.is_empty() {
                IndexState::new(&name, field_names, idx.unique)
            } else {
                IndexState::over_expressions(
                    &name,
                    idx.expressions.iter().map(|e| e.0.clone()),
                    idx.unique,
                )
            };
            index.condition = idx.condition.as_ref().map(|c| c.0.clone());
            index.nulls_distinct = idx.nulls_distinct;
            index.method = idx.method.clone();
            index.include = idx.include.iter().map(|c| fields[c].clone()).collect();
            self.plan_index(table, index);
            declared.insert(key, name);
        }
        for u in &live.unique_constraints {
            self.plan_unique(table, u, &fields, &mut declared, &mut names);
        }
        self.plan_checks(table, &live.checks, &det, &mut names);
    }

    fn plan_index(&mut self, table: &str, index: IndexState) {
        if let Some(plan) = self.models.get_mut(table) {
            plan.indexes.push(index);
            plan.indexes.sort();
        }
    }

    /// A `UNIQUE` constraint: declared as a unique index of the same name (or the field's
    /// `unique`), flagged.
    fn plan_unique(
        &mut self,
        table: &str,
        u: &NamedConstraint,
        fields: &BTreeMap<String, String>,
        declared: &mut BTreeMap<(Vec<String>, bool), String>,
        names: &mut Namer,
    ) {
        let described = format!(
            "the UNIQUE constraint{} ({})",
            u.name
                .as_ref()
                .map(|n| format!(" `{n}`"))
                .unwrap_or_default(),
            u.body.join(", ")
        );
        self.drop_live_unique(table, u);
        if let Some(c) = u.body.iter().find(|c| !fields.contains_key(*c)) {
            self.flag_table(
                table,
                format!("{described} is not declared: `{c}` is not a column of the model"),
            );
            return;
        }
        let key = (u.body.clone(), true);
        if let Some(first) = declared.get(&key) {
            self.flag_table(
                table,
                format!(
                    "{described} repeats the unique index `{first}`, which a model cannot \
                     declare twice: drop one of them"
                ),
            );
            return;
        }
        let pk = self.live.schema.tables[table].primary_key.clone();
        let single = (u.body.len() == 1 && !pk.contains(&u.body[0])).then(|| u.body[0].clone());
        let canonical = single
            .as_ref()
            .map(|c| field_index_name(table, c, true))
            .filter(|n| u.name.is_none() || u.name.as_ref() == Some(n));
        let name = match (&canonical, &u.name) {
            (Some(n), _) => n.clone(),
            (None, Some(n)) if identifier_problem(n).is_none() => n.clone(),
            (None, _) => names.unique(
                &migrator_descriptor::names::index(table, &u.body, true),
                "_",
            ),
        };
        let declaration = match (&canonical, single) {
            (Some(_), Some(column)) => {
                if let Some(f) = self.field_mut(table, &column) {
                    f.state.unique = true;
                }
                "the field's `unique`".to_owned()
            }
            _ => {
                let field_names = u.body.iter().map(|c| fields[c].clone()).collect::<Vec<_>>();
                self.plan_index(table, IndexState::new(&name, field_names, true));
                format!("the unique index `{name}`")
            }
        };
        self.flag_table(
            table,
            format!(
                "{described} is declared as {declaration}: migrator keeps uniqueness as \
                 unique indexes, so a later migration that drops or renames it fails on this \
                 database; to adopt it exactly, replace the constraint by a unique index \
                 `{name}` on the same columns"
            ),
        );
        if let Some(t) = self.projection.tables.get_mut(table) {
            t.indexes.push(IndexDef {
                name: name.clone(),
                columns: u.body.clone(),
                expressions: Vec::new(),
                unique: true,
                condition: None,
                nulls_distinct: true,
                method: None,
                include: Vec::new(),
            });
            t.indexes.sort();
        }
        declared.insert(key, name);
    }

    /// Checks: table checks with their SQL as the database prints it, unnamed ones named;
    /// checks written on a column declared as table checks (flagged).
    fn plan_checks(
        &mut self,
        table: &str,
        checks: &[NamedConstraint],
        det: &crate::db_schema::TableDetails,
        names: &mut Namer,
    ) {
        for c in checks {
            let body = c.body.first().cloned().unwrap_or_default();
            let sql = c
                .name
                .as_ref()
                .and_then(|n| det.checks.get(n))
                .cloned()
                .unwrap_or(body);
            let described = format!(
                "the CHECK{} ({sql})",
                c.name
                    .as_ref()
                    .map(|n| format!(" `{n}`"))
                    .unwrap_or_default()
            );
            if let Err(problem) = sql::check(&sql, Fragment::Expression) {
                self.flag_table(
                    table,
                    format!(
                        "{described} is not declared: a model's check must be one SQL \
                         expression, but {problem}"
                    ),
                );
                self.drop_live_check(table, c);
                continue;
            }
            let index_names: Vec<String> = self.models[table]
                .indexes
                .iter()
                .map(|i| i.name.clone())
                .collect();
            let name = match &c.name {
                Some(n) if identifier_problem(n).is_none() && !index_names.contains(n) => n.clone(),
                other => {
                    let ours = names.unique(&format!("{table}_check"), "_");
                    let why = match other {
                        None => "has no name",
                        Some(n) if index_names.contains(n) => {
                            "has the name of an index, and a model's objects each have their own"
                        }
                        Some(_) => "has a name a model cannot take",
                    };
                    self.flag_table(
                        table,
                        format!("{described} {why}: the model names it `{ours}`"),
                    );
                    self.rename_live_check(table, c, &ours);
                    ours
                }
            };
            self.push_check(table, name, sql);
        }
        for cc in &det.column_checks {
            let wanted = cc
                .name
                .clone()
                .filter(|n| identifier_problem(n).is_none() && *n != cc.column)
                .unwrap_or_else(|| format!("{table}_{}_check", cc.column));
            if let Err(problem) = sql::check(&cc.sql, Fragment::Expression) {
                if let Some(f) = self.field_mut(table, &cc.column) {
                    f.flags.push(format!(
                        "the CHECK on this column ({}) is not declared: a model's check must \
                         be one SQL expression, but {problem}",
                        cc.sql
                    ));
                }
                continue;
            }
            let name = names.unique(&wanted, "_");
            if let Some(f) = self.field_mut(table, &cc.column) {
                f.flags.push(format!(
                    "the CHECK on this column ({}) is declared as the table check `{name}`; \
                     a table migrator creates has it as a table check",
                    cc.sql
                ));
            }
            self.accepted_checks.push((table.to_owned(), name.clone()));
            self.push_check(table, name, cc.sql.clone());
        }
    }

    fn push_check(&mut self, table: &str, name: String, sql: String) {
        if let Some(plan) = self.models.get_mut(table) {
            plan.checks.push((name, sql));
            plan.checks.sort();
        }
    }

    fn drop_live_index(&mut self, table: &str, name: &str) {
        if let Some(t) = self.projection.tables.get_mut(table) {
            t.indexes.retain(|i| i.name != name);
        }
    }

    fn rename_live_index(&mut self, table: &str, from: &str, to: &str) {
        if let Some(t) = self.projection.tables.get_mut(table) {
            for i in &mut t.indexes {
                if i.name == from {
                    i.name = to.to_owned();
                }
            }
            t.indexes.sort();
        }
    }

    fn drop_live_unique(&mut self, table: &str, u: &NamedConstraint) {
        if let Some(t) = self.projection.tables.get_mut(table) {
            t.unique_constraints.retain(|c| c != u);
        }
    }

    fn drop_live_check(&mut self, table: &str, c: &NamedConstraint) {
        if let Some(t) = self.projection.tables.get_mut(table) {
            t.checks.retain(|x| x != c);
        }
    }

    fn rename_live_check(&mut self, table: &str, c: &NamedConstraint, to: &str) {
        if let Some(t) = self.projection.tables.get_mut(table) {
            for x in &mut t.checks {
                if x == c {
                    x.name = Some(to.to_owned());
                }
            }
            t.checks.sort();
        }
    }
}
