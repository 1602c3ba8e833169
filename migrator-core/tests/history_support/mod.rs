//! Random histories of model edits for the property tests (`fixpoint.rs`, `squash.rs`):
//! a developer's edits (fields, models — some keyed by two columns — foreign keys across two
//! apps, some over two columns to a model keyed by two (added, re-ruled, removed), indexes,
//! constraints, renames with and without hints, the join models of many-to-many relations)
//! detected step by step into migrations, each depending on the app's previous migration and
//! on the latest migration of every app its operations need, as `makemigrations` wires them.
//! After every step the migrations replayed from empty must rebuild exactly the current
//! models, and a second detection must find nothing.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use migrator_core::many_to_many::{join_model, ManyToMany};
use migrator_core::operations::{rename_column_in_sql, sql_names_column};
use migrator_core::registry::{CurrentModels, ModelHints};
use migrator_core::{
    ColumnType, ConstraintKind, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState,
    ModelKey, ModelState, OnDelete,
};
use proptest::prelude::*;

mod questioner;
mod rows;
mod run;
pub use questioner::IntentQuestioner;
#[allow(unused_imports)] // `squash.rs` seeds no rows.
pub use rows::seed_rows;
#[allow(unused_imports)] // `fixpoint.rs` never asks for the models.
pub use run::{replay, run_history, run_history_with_models};

pub const APPS: [&str; 2] = ["shop", "blog"];

/// One edit a developer makes to the models; the numbers select among what exists.
#[derive(Clone, Debug)]
pub enum Edit {
    AddModel {
        app: u8,
        fk: Option<u16>,
        extra: u8,
        /// Keyed by two columns (`k1`, `k2`) instead of an auto-increment `id`.
        composite: bool,
    },
    RemoveModel(u16),
    RenameModel {
        sel: u16,
        hint: bool,
    },
    AlterTable(u16),
    AlterComment(u16),
    AddField {
        model: u16,
        kind: u8,
        nullable: bool,
        default: bool,
        fk: Option<u16>,
    },
    RemoveField {
        model: u16,
        field: u16,
    },
    AlterField {
        model: u16,
        field: u16,
        change: u8,
    },
    RenameField {
        model: u16,
        field: u16,
        hint: bool,
    },
    AddIndex {
        model: u16,
        a: u16,
        b: Option<u16>,
        unique: bool,
    },
    RemoveIndex {
        model: u16,
        sel: u16,
    },
    AddConstraint {
        model: u16,
        a: u16,
        check: bool,
    },
    RemoveConstraint {
        model: u16,
        sel: u16,
    },
    /// A many-to-many relation between two models: the join model the registry adds for it
    /// (later edits may remove or rename it like any model).
    AddManyToMany {
        owner: u16,
        target: u16,
    },
    /// A foreign key over two new nullable fields of `model` to a model keyed by two columns
    /// (a `ConstraintKind::ForeignKey`); `rule` picks the on-delete rule.
    AddCompositeForeignKey {
        model: u16,
        target: u16,
        rule: u8,
    },
    /// A new on-delete rule for one of the model's multi-column foreign keys.
    AlterCompositeForeignKey {
        model: u16,
        sel: u16,
    },
}

pub fn edit() -> impl Strategy<Value = Edit> {
    let n = any::<u16>;
    prop_oneof![
        3 => (any::<u8>(), proptest::option::of(n()), 0u8..3, proptest::bool::weighted(0.25))
            .prop_map(|(app, fk, extra, composite)| Edit::AddModel { app, fk, extra, composite }),
        1 => n().prop_map(Edit::RemoveModel),
        1 => (n(), any::<bool>()).prop_map(|(sel, hint)| Edit::RenameModel { sel, hint }),
        1 => n().prop_map(Edit::AlterTable),
        1 => n().prop_map(Edit::AlterComment),
        4 => (n(), any::<u8>(), any::<bool>(), any::<bool>(), proptest::option::weighted(0.3, n()))
            .prop_map(|(model, kind, nullable, default, fk)| Edit::AddField { model, kind, nullable, default, fk }),
        2 => (n(), n()).prop_map(|(model, field)| Edit::RemoveField { model, field }),
        3 => (n(), n(), any::<u8>()).prop_map(|(model, field, change)| Edit::AlterField { model, field, change }),
        2 => (n(), n(), any::<bool>()).prop_map(|(model, field, hint)| Edit::RenameField { model, field, hint }),
        2 => (n(), n(), proptest::option::of(n()), any::<bool>())
            .prop_map(|(model, a, b, unique)| Edit::AddIndex { model, a, b, unique }),
        1 => (n(), n()).prop_map(|(model, sel)| Edit::RemoveIndex { model, sel }),
        1 => (n(), n(), any::<bool>()).prop_map(|(model, a, check)| Edit::AddConstraint { model, a, check }),
        1 => (n(), n()).prop_map(|(model, sel)| Edit::RemoveConstraint { model, sel }),
        1 => (n(), n()).prop_map(|(owner, target)| Edit::AddManyToMany { owner, target }),
        2 => (n(), n(), any::<u8>())
            .prop_map(|(model, target, rule)| Edit::AddCompositeForeignKey { model, target, rule }),
        1 => (n(), n()).prop_map(|(model, sel)| Edit::AlterCompositeForeignKey { model, sel }),
    ]
}

/// The developer's code: current models and hints, plus the renames they intend this step.
#[derive(Default)]
pub struct World {
    apps: &'static [&'static str],
    /// The history will run on SQLite with a row in every table.
    sqlite: bool,
    /// The models as the developer left them.
    pub current: CurrentModels,
    counter: u32,
    /// Models that existed when the step started (foreign keys only point at these or at self,
    /// so models created in one step never form a cycle).
    at_step_start: BTreeSet<ModelKey>,
    model_renames: BTreeSet<(String, String, String)>,
    hints_at_step_start: BTreeMap<ModelKey, ModelHints>,
    field_renames: BTreeSet<(String, String, String, String)>,
    /// The app of the first model removed this step: models of two apps removed in one step
    /// can point at each other both ways, which makemigrations refuses (`DeleteCycle`) and a
    /// developer splits into two steps.
    removed_from_app: Option<String>,
}

fn pick<T: Clone>(items: &[T], sel: u16) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        Some(items[sel as usize % items.len()].clone())
    }
}

fn column_type(kind: u8) -> ColumnType {
    match kind % 7 {
        0 => ColumnType::Integer,
        1 => ColumnType::BigInt,
        2 => ColumnType::Text,
        3 => ColumnType::Varchar(u32::from(kind % 5 + 1) * 50),
        4 => ColumnType::Boolean,
        5 => ColumnType::Double,
        _ => ColumnType::Date,
    }
}

impl World {
    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{}", self.counter)
    }

    fn keys(&self) -> Vec<ModelKey> {
        self.current.state.models.keys().cloned().collect()
    }

    /// Models a foreign key may point at: they existed when the step started and have a
    /// one-column key (a foreign key to a composite key is refused).
    fn fk_targets(&self) -> Vec<ModelKey> {
        self.keys()
            .into_iter()
            .filter(|k| self.at_step_start.contains(k))
            .filter(|k| self.current.state.models[k].primary_key().count() == 1)
            .collect()
    }

    /// Models a multi-column foreign key of `from` may point at: keyed by two columns, and
    /// there when the step started, or `from` itself.
    fn composite_fk_targets(&self, from: &ModelKey) -> Vec<ModelKey> {
        self.keys()
            .into_iter()
            .filter(|k| self.at_step_start.contains(k) || k == from)
            .filter(|k| self.current.state.models[k].primary_key().count() == 2)
            .collect()
    }

    /// The on-delete rule of the multi-column foreign key of `key` that names field `name`.
    fn composite_fk_rule(&self, key: &ModelKey, name: &str) -> Option<OnDelete> {
        self.current.state.models[key]
            .constraints
            .iter()
            .find_map(|c| match &c.kind {
                ConstraintKind::ForeignKey { fields, to } if fields.iter().any(|f| f == name) => {
                    Some(to.on_delete)
                }
                _ => None,
            })
    }

    fn model_mut(&mut self, key: &ModelKey) -> &mut ModelState {
        self.current
            .state
            .models
            .get_mut(key)
            .expect("model exists")
    }

    fn non_pk_fields(&self, key: &ModelKey) -> Vec<String> {
        self.current.state.models[key]
            .fields
            .iter()
            .filter(|f| !f.primary_key)
            .map(|f| f.name.clone())
            .collect()
    }

    /// Removes field `name` of `key` and every index/constraint that mentions it (by name,
    /// or its column in SQL).
    fn drop_field(&mut self, key: &ModelKey, name: &str) {
        let m = self.model_mut(key);
        let column = m.field(name).map(|f| f.column.clone()).unwrap_or_default();
        let names = |sql: &String| sql_names_column(sql, &column);
        m.fields.retain(|f| f.name != name);
        m.indexes.retain(|i| {
            !i.fields.iter().any(|f| f == name)
                && !i.expressions.iter().chain(&i.condition).any(names)
        });
        m.constraints.retain(|c| match &c.kind {
            ConstraintKind::Unique(f) | ConstraintKind::ForeignKey { fields: f, .. } => {
                !f.iter().any(|x| x == name)
            }
            ConstraintKind::Check(sql) => !names(sql),
        });
    }

    /// The developer follows a column rename in the SQL they wrote (checks, index
    /// expressions and conditions).
    fn rename_column_sql(&mut self, key: &ModelKey, old: &str, new: &str) {
        let m = self.model_mut(key);
        for c in &mut m.constraints {
            if let ConstraintKind::Check(sql) = &mut c.kind {
                *sql = rename_column_in_sql(sql, old, new);
            }
        }
        for i in &mut m.indexes {
            for sql in i.expressions.iter_mut().chain(i.condition.as_mut()) {
                *sql = rename_column_in_sql(sql, old, new);
            }
        }
    }

    fn apply(&mut self, e: &Edit) {
        self.apply_edit(e);
        if !self.sqlite {
            self.retype_defaults();
        }
    }

    /// Servers check a default against its column's type (SQLite does not): every default
    /// becomes a value of its field's type.
    fn retype_defaults(&mut self) {
        for model in self.current.state.models.values_mut() {
            for f in &mut model.fields {
                if f.foreign_key.is_some() {
                    continue;
                }
                if let Some(d) = &f.default {
                    let n = match d {
                        DefaultValue::Int(n) => *n,
                        DefaultValue::Bool(b) => i64::from(*b),
                        DefaultValue::Text(t) => t.len() as i64,
                        DefaultValue::Float(_) | DefaultValue::Sql(_) => 1,
                    };
                    f.default = Some(typed_default(&f.column_type, n));
                }
            }
        }
    }

    fn apply_edit(&mut self, e: &Edit) {
        match e.clone() {
            Edit::AddModel {
                app,
                fk,
                extra,
                composite,
            } => {
                let app = self.apps[app as usize % self.apps.len()];
                let name = self.fresh("M");
                let table = self.fresh("t");
                let mut m = ModelState::new(app, &name, table);
                if composite {
                    let key = |name, t| FieldState::new(name, t).primary_key();
                    m.fields = vec![
                        key("k1", ColumnType::BigInt),
                        key("k2", ColumnType::Integer),
                    ];
                } else {
                    m.fields.push(
                        FieldState::new("id", ColumnType::BigInt)
                            .primary_key()
                            .auto_increment(),
                    );
                }
                for i in 0..extra {
                    let f = self.fresh("f");
                    m.fields
                        .push(FieldState::new(f, column_type(i * 3 + extra)));
                }
                if let Some(sel) = fk {
                    let mut targets = self.fk_targets();
                    if !composite {
                        targets.push(ModelKey::new(app, &name));
                    }
                    let Some(t) = pick(&targets, sel) else {
                        self.current.state.insert(m);
                        return;
                    };
                    let f = self.fresh("f");
                    m.fields.push(
                        FieldState::new(f, ColumnType::BigInt)
                            .nullable()
                            .foreign_key(ForeignKey::new(t.app, t.name, OnDelete::SetNull)),
                    );
                }
                self.current.state.insert(m);
            }
            Edit::AddManyToMany { owner, target } => {
                // Both sides existed when the step started (no cycle among new models).
                let sides = self.fk_targets();
                let (Some(owner), Some(target)) = (pick(&sides, owner), pick(&sides, target))
                else {
                    return;
                };
                let relation = ManyToMany::new(self.fresh("r"), target.clone());
                let models = &self.current.state.models;
                if let Ok(join) = join_model(&models[&owner], &relation, &models[&target]) {
                    if self.current.state.model_by_table(&join.table).is_none() {
                        self.current.state.insert(join);
                    }
                }
            }
            Edit::RemoveModel(sel) => {
                let Some(key) = pick(&self.keys(), sel) else {
                    return;
                };
                if self.removed_from_app.get_or_insert_with(|| key.app.clone()) != &key.app {
                    return;
                }
                self.current.state.models.remove(&key);
                self.current.hints.remove(&key);
                for k in self.keys() {
                    let refs: Vec<String> = self.current.state.models[&k]
                        .fields
                        .iter()
                        .filter(|f| f.foreign_key.as_ref().is_some_and(|fk| fk.target() == key))
                        .map(|f| f.name.clone())
                        .collect();
                    for r in refs {
                        self.drop_field(&k, &r);
                    }
                    // A multi-column foreign key to it goes too (its fields stay).
                    self.model_mut(&k)
                        .constraints
                        .retain(|c| c.kind.foreign_key().is_none_or(|fk| fk.target() != key));
                }
            }
            Edit::RenameModel { sel, hint } => {
                let Some(key) = pick(&self.keys(), sel) else {
                    return;
                };
                let new_name = self.fresh("M");
                let mut m = self.current.state.models.remove(&key).expect("exists");
                let mut hints = self.current.hints.remove(&key).unwrap_or_default();
                m.name = new_name.clone();
                let new_key = m.key();
                self.current.state.insert(m);
                for other in self.current.state.models.values_mut() {
                    let constraints =
                        other
                            .constraints
                            .iter_mut()
                            .filter_map(|c| match &mut c.kind {
                                ConstraintKind::ForeignKey { to, .. } => Some(to),
                                _ => None,
                            });
                    let fields = other
                        .fields
                        .iter_mut()
                        .filter_map(|f| f.foreign_key.as_mut());
                    for fk in fields.chain(constraints) {
                        if fk.target() == key {
                            fk.model = new_name.clone();
                        }
                    }
                }
                if self.at_step_start.remove(&key) {
                    self.at_step_start.insert(new_key.clone());
                }
                if hint {
                    hints.renamed_from = Some(key.name.clone());
                } else {
                    hints.renamed_from = None;
                    self.model_renames
                        .insert((key.app.clone(), key.name.clone(), new_name));
                }
                if hints != ModelHints::default() {
                    self.current.hints.insert(new_key, hints);
                }
            }
            Edit::AlterTable(sel) => {
                let Some(key) = pick(&self.keys(), sel) else {
                    return;
                };
                let t = self.fresh("t");
                self.model_mut(&key).table = t;
            }
            Edit::AlterComment(sel) => {
                let Some(key) = pick(&self.keys(), sel) else {
                    return;
                };
                let c = self.fresh("about ");
                let m = self.model_mut(&key);
                m.comment = if m.comment.is_some() { None } else { Some(c) };
            }
            Edit::AddField {
                model,
                kind,
                nullable,
                default,
                fk,
            } => {
                let Some(key) = pick(&self.keys(), model) else {
                    return;
                };
                let name = self.fresh("f");
                let mut f = match fk {
                    Some(sel) => {
                        let mut targets = self.fk_targets();
                        if self.current.state.models[&key].primary_key().count() == 1 {
                            targets.push(key.clone());
                        }
                        let Some(t) = pick(&targets, sel) else {
                            return;
                        };
                        FieldState::new(&name, ColumnType::BigInt).foreign_key(ForeignKey::new(
                            t.app,
                            t.name,
                            OnDelete::Cascade,
                        ))
                    }
                    None => FieldState::new(&name, column_type(kind)),
                };
                if nullable {
                    f = f.nullable();
                }
                if default && f.foreign_key.is_none() {
                    f = f.default(DefaultValue::Int(i64::from(kind)));
                } else if self.sqlite && f.foreign_key.is_none() && kind % 5 == 2 {
                    // A generated column (issue 17.3), on SQLite only (a constant of the
                    // column's type on every server is more than this generator knows): a
                    // constant, so renames and removals of other fields never leave it
                    // naming a column that is gone.
                    let sql = match f.column_type {
                        ColumnType::Text | ColumnType::Varchar(_) => "'g'",
                        _ => "2",
                    };
                    f = if kind % 2 == 0 {
                        f.generated_stored(sql)
                    } else {
                        f.generated_virtual(sql)
                    };
                }
                if kind % 11 == 0 {
                    f = f.column(self.fresh("c"));
                }
                self.model_mut(&key).fields.push(f);
            }
            Edit::RemoveField { model, field } => {
                let Some(key) = pick(&self.keys(), model) else {
                    return;
                };
                let Some(name) = pick(&self.non_pk_fields(&key), field) else {
                    return;
                };
                self.drop_field(&key, &name);
            }
            Edit::AlterField {
                model,
                field,
                change,
            } => {
                let Some(key) = pick(&self.keys(), model) else {
                    return;
                };
                let Some(name) = pick(&self.non_pk_fields(&key), field) else {
                    return;
                };
                let fresh_col = self.fresh("c");
                let fresh_comment = self.fresh("note ");
                let targets = self.fk_targets();
                // A field of a multi-column foreign key keeps its key column's type, and stays
                // nullable under SET NULL.
                let composite_rule = self.composite_fk_rule(&key, &name);
                let f = self.model_mut(&key).field_mut(&name).expect("field");
                match change % 9 {
                    0 => {
                        if f.foreign_key.is_none() && composite_rule.is_none() {
                            f.column_type = column_type(change / 9);
                        }
                    }
                    1 if f.nullable && composite_rule == Some(OnDelete::SetNull) => {}
                    1 => f.nullable = !f.nullable,
                    2 if f.generated.is_some() => {
                        // Stored ↔ virtual: dropped and added again.
                        let g = f.generated.as_mut().expect("generated");
                        g.stored = !g.stored;
                    }
                    2 => {
                        f.default = match f.default {
                            Some(_) => None,
                            // A foreign key's default must name an existing row: row 1.
                            None if f.foreign_key.is_some() || composite_rule.is_some() => {
                                Some(DefaultValue::Int(1))
                            }
                            None => Some(DefaultValue::Int(i64::from(change))),
                        }
                    }
                    3 => f.unique = !f.unique,
                    4 => f.index = !f.index,
                    5 => {
                        f.comment = match f.comment {
                            Some(_) => None,
                            None => Some(fresh_comment),
                        }
                    }
                    6 => {
                        let old = std::mem::replace(&mut f.column, fresh_col.clone());
                        self.rename_column_sql(&key, &old, &fresh_col);
                    }
                    7 => {
                        if let Some(fk) = &mut f.foreign_key {
                            fk.on_delete = match fk.on_delete {
                                OnDelete::Cascade => OnDelete::Restrict,
                                _ => OnDelete::Cascade,
                            };
                        }
                    }
                    _ => {
                        if let (Some(fk), Some(t)) =
                            (&mut f.foreign_key, pick(&targets, u16::from(change)))
                        {
                            fk.app = t.app;
                            fk.model = t.name;
                        }
                    }
                }
            }
            Edit::RenameField { model, field, hint } => {
                let Some(key) = pick(&self.keys(), model) else {
                    return;
                };
                let Some(old) = pick(&self.non_pk_fields(&key), field) else {
                    return;
                };
                let new = self.fresh("f");
                let m = self.model_mut(&key);
                let f = m.field_mut(&old).expect("field");
                let old_column = f.column.clone();
                if f.column == f.name {
                    f.column = new.clone();
                }
                f.name = new.clone();
                let new_column = f.column.clone();
                self.rename_column_sql(&key, &old_column, &new_column);
                let m = self.model_mut(&key);
                for i in &mut m.indexes {
                    for x in &mut i.fields {
                        if *x == old {
                            *x = new.clone();
                        }
                    }
                }
                for c in &mut m.constraints {
                    if let ConstraintKind::Unique(fs)
                    | ConstraintKind::ForeignKey { fields: fs, .. } = &mut c.kind
                    {
                        for x in fs {
                            if *x == old {
                                *x = new.clone();
                            }
                        }
                    }
                }
                // A field renamed twice in one step was renamed once from its first name.
                let mut first = old.clone();
                let pending = self
                    .field_renames
                    .iter()
                    .find(|(a, m, _, n)| *a == key.app && *m == key.name && *n == old)
                    .cloned();
                if let Some(p) = pending {
                    self.field_renames.remove(&p);
                    first = p.2;
                }
                let earlier = self
                    .hints_at_step_start
                    .get(&key)
                    .and_then(|h| h.field_renames.get(&old))
                    .cloned();
                let hints = self.current.hints.entry(key.clone()).or_default();
                if let Some(prev) = hints.field_renames.get(&old).cloned() {
                    // Only a hint written during this step chains; older ones are history.
                    if earlier.as_ref() != Some(&prev) {
                        hints.field_renames.remove(&old);
                        first = prev;
                    }
                }
                if hint {
                    hints.field_renames.insert(new, first);
                } else {
                    self.field_renames.insert((key.app, key.name, first, new));
                }
            }
            Edit::AddIndex {
                model,
                a,
                b,
                unique,
            } => {
                let Some(key) = pick(&self.keys(), model) else {
                    return;
                };
                let fields = self.non_pk_fields(&key);
                let Some(fa) = pick(&fields, a) else { return };
                let mut cols = vec![fa];
                if let Some(fb) = b.and_then(|b| pick(&fields, b)) {
                    if !cols.contains(&fb) {
                        cols.push(fb);
                    }
                }
                let name = self.fresh("ix");
                let m = self.model_mut(&key);
                // Issue 17.4 kinds: a partial index, an expression index, both naming the
                // first field's column.
                let c = m.field(&cols[0]).map(|f| f.column.clone()).expect("field");
                let key_column = m.primary_key().next().expect("a key").column.clone();
                let index = match a % 8 {
                    5 => IndexState::new(name, cols, unique).condition(format!("{c} IS NOT NULL")),
                    6 => IndexState::over_expressions(name, [format!("length({c})")], unique),
                    7 => IndexState::over_expressions(
                        name,
                        [format!("length({c})"), key_column],
                        false,
                    )
                    .condition(format!("{c} IS NULL OR length({c}) > 0")),
                    _ => IndexState::new(name, cols, unique),
                };
                m.indexes.push(index);
                m.normalize();
            }
            Edit::RemoveIndex { model, sel } => {
                let Some(key) = pick(&self.keys(), model) else {
                    return;
                };
                let m = self.model_mut(&key);
                if !m.indexes.is_empty() {
                    let i = sel as usize % m.indexes.len();
                    m.indexes.remove(i);
                }
            }
            Edit::AddConstraint { model, a, check } => {
                let Some(key) = pick(&self.keys(), model) else {
                    return;
                };
                let name = self.fresh("ck");
                let c = if check {
                    // On the first key column (`id`, or `k1` of a two-column key), which no
                    // edit renames or removes.
                    let m = &self.current.state.models[&key];
                    let first = m.primary_key().next().expect("every model has a key");
                    // Every other one names a field's column instead, rewritten by the database
                    // (and by the developer) when the column is renamed.
                    let other = pick(&self.non_pk_fields(&key), a)
                        .filter(|_| a % 2 == 1)
                        .and_then(|f| m.field(&f).map(|f| f.column.clone()));
                    match other {
                        Some(c) => {
                            ConstraintState::check(name, format!("{c} IS NULL OR {c} = {c}"))
                        }
                        None => ConstraintState::check(name, format!("{} > 0", first.column)),
                    }
                } else {
                    let Some(fa) = pick(&self.non_pk_fields(&key), a) else {
                        return;
                    };
                    // SQLite keeps one of two identical unique constraints; so would a reviewer.
                    let twin = self.current.state.models[&key].constraints.iter().any(
                        |c| matches!(&c.kind, ConstraintKind::Unique(f) if *f == [fa.clone()]),
                    );
                    if twin {
                        return;
                    }
                    ConstraintState::unique(name, [fa])
                };
                let m = self.model_mut(&key);
                m.constraints.push(c);
                m.normalize();
            }
            Edit::AddCompositeForeignKey {
                model,
                target,
                rule,
            } => {
                let Some(key) = pick(&self.keys(), model) else {
                    return;
                };
                let to = match pick(&self.composite_fk_targets(&key), target) {
                    Some(to) => to,
                    None => {
                        // No model keyed by two columns yet: the developer writes one, in
                        // the same app, with no foreign keys of its own (so no cycle).
                        let mut t = ModelState::new(&key.app, self.fresh("M"), self.fresh("t"));
                        t.fields = vec![
                            FieldState::new("k1", ColumnType::BigInt).primary_key(),
                            FieldState::new("k2", ColumnType::Integer).primary_key(),
                        ];
                        let to = t.key();
                        self.current.state.insert(t);
                        to
                    }
                };
                let key_types: Vec<ColumnType> = self.current.state.models[&to]
                    .primary_key()
                    .map(|f| f.column_type.clone())
                    .collect();
                // New nullable fields (NULL matches nothing, so the seeded rows stay valid),
                // one per key field with its type.
                let fields: Vec<FieldState> = key_types
                    .into_iter()
                    .map(|t| FieldState::new(self.fresh("f"), t).nullable())
                    .collect();
                let on_delete = match rule % 3 {
                    0 => OnDelete::Cascade,
                    1 => OnDelete::Restrict,
                    _ => OnDelete::SetNull,
                };
                let name = self.fresh("fk");
                let names: Vec<String> = fields.iter().map(|f| f.name.clone()).collect();
                let m = self.model_mut(&key);
                m.fields.extend(fields);
                m.constraints.push(ConstraintState::foreign_key(
                    name,
                    names,
                    ForeignKey::new(to.app, to.name, on_delete),
                ));
                m.normalize();
            }
            Edit::AlterCompositeForeignKey { model, sel } => {
                let Some(key) = pick(&self.keys(), model) else {
                    return;
                };
                let m = self.model_mut(&key);
                let fks: Vec<usize> = (0..m.constraints.len())
                    .filter(|i| m.constraints[*i].kind.foreign_key().is_some())
                    .collect();
                let Some(i) = pick(&fks, sel) else { return };
                let all_nullable = m.constraints[i]
                    .kind
                    .fields()
                    .iter()
                    .all(|f| m.field(f).is_some_and(|f| f.nullable));
                if let ConstraintKind::ForeignKey { to, .. } = &mut m.constraints[i].kind {
                    to.on_delete = match to.on_delete {
                        OnDelete::Cascade => OnDelete::Restrict,
                        OnDelete::Restrict if all_nullable => OnDelete::SetNull,
                        _ => OnDelete::Cascade,
                    };
                }
            }
            Edit::RemoveConstraint { model, sel } => {
                let Some(key) = pick(&self.keys(), model) else {
                    return;
                };
                let m = self.model_mut(&key);
                if !m.constraints.is_empty() {
                    let i = sel as usize % m.constraints.len();
                    m.constraints.remove(i);
                }
            }
        }
    }
}

/// A default of `column_type` made from the number `n`.
fn typed_default(column_type: &ColumnType, n: i64) -> DefaultValue {
    match column_type {
        ColumnType::Boolean => DefaultValue::Bool(n % 2 == 1),
        ColumnType::Text | ColumnType::Varchar(_) => DefaultValue::Text(format!("v{n}")),
        ColumnType::Double => DefaultValue::Float(format!("{n}.5")),
        ColumnType::Date => DefaultValue::Text(format!("2020-01-{:02}", n.rem_euclid(28) + 1)),
        _ => DefaultValue::Int(n),
    }
}
