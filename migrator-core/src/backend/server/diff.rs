//! The diff engine: the SQL that turns the objects of one state into those of another, knowing
//! which model and field were renamed (see the module docs of `server/mod.rs` for the phase
//! order).

use super::defs::*;
use super::dialect::Dialect;
use super::objects::table_def;
use std::collections::{BTreeMap, BTreeSet};

use crate::backend::editor::SchemaError;
use crate::state::{ModelKey, ModelState, ProjectState};

/// What an operation renamed (in the direction the SQL runs).
#[derive(Clone, Debug, Default)]
pub(super) struct Renames {
    /// Old model key → new model key.
    model: Option<(ModelKey, ModelKey)>,
    /// In the model with this (new) key: old field name → new field name.
    field: Option<(ModelKey, String, String)>,
}

impl Renames {
    /// Model `old` became `new`.
    pub(super) fn model(app: &str, old: &str, new: &str) -> Self {
        Self {
            model: Some((ModelKey::new(app, old), ModelKey::new(app, new))),
            field: None,
        }
    }

    /// Field `old` of `model` became `new`.
    pub(super) fn field(app: &str, model: &str, old: &str, new: &str) -> Self {
        Self {
            model: None,
            field: Some((ModelKey::new(app, model), old.to_owned(), new.to_owned())),
        }
    }

    /// The new key of the model that had `old` before.
    pub(super) fn key(&self, old: &ModelKey) -> ModelKey {
        match &self.model {
            Some((from, to)) if from == old => to.clone(),
            _ => old.clone(),
        }
    }

    /// The old key of the model that has `new` after.
    fn key_back(&self, new: &ModelKey) -> ModelKey {
        match &self.model {
            Some((from, to)) if to == new => from.clone(),
            _ => new.clone(),
        }
    }

    /// The new name of field `old` of the model whose new key is `key`.
    fn field_fwd(&self, key: &ModelKey, old: &str) -> String {
        match &self.field {
            Some((k, from, to)) if k == key && from == old => to.clone(),
            _ => old.to_owned(),
        }
    }

    /// The old name of field `new` of the model whose new key is `key`.
    fn field_back(&self, key: &ModelKey, new: &str) -> String {
        match &self.field {
            Some((k, from, to)) if k == key && to == new => from.clone(),
            _ => new.to_owned(),
        }
    }
}

/// The statements of one diff, by phase (see the module docs).
#[derive(Default)]
struct Phases {
    drop_fks: Vec<String>,
    drop_indexes: Vec<String>,
    pre_pk: Vec<String>,
    drop_pk: Vec<String>,
    tables: Vec<String>,
    add_pk: Vec<String>,
    post_pk: Vec<String>,
    indexes: Vec<String>,
    add_fks: Vec<String>,
}

impl Phases {
    fn into_vec(self) -> Vec<String> {
        let mut out = self.drop_fks;
        out.extend(self.drop_indexes);
        out.extend(self.pre_pk);
        out.extend(self.drop_pk);
        out.extend(self.tables);
        out.extend(self.add_pk);
        out.extend(self.post_pk);
        out.extend(self.indexes);
        out.extend(self.add_fks);
        out
    }
}

/// The SQL that turns the schema of `from` into the schema of `to`.
pub(super) fn diff(
    d: &dyn Dialect,
    from: &ProjectState,
    to: &ProjectState,
    renames: &Renames,
    fill: Option<&(ModelKey, String, String)>,
    changed: Option<&ModelKey>,
) -> Result<Vec<String>, SchemaError> {
    // Only the changed model and the models whose foreign keys point at it can be affected;
    // the others are skipped so long histories stay fast.
    let refers_to = |m: &ModelState, target: &ModelKey| {
        (m.app == target.app && m.name == target.name) || m.references(target)
    };
    let relevant: Option<BTreeSet<ModelKey>> = changed.map(|new_key| {
        let old_key = renames.key_back(new_key);
        let mut keys = BTreeSet::from([new_key.clone()]);
        keys.extend(
            from.models
                .values()
                .filter(|m| refers_to(m, &old_key))
                .map(|m| renames.key(&m.key())),
        );
        keys.extend(
            to.models
                .values()
                .filter(|m| refers_to(m, new_key))
                .map(ModelState::key),
        );
        keys
    });
    // The models to compare, by their key after the step: the relevant ones looked up (no
    // walk over the unrelated models), or every model for a whole-state diff.
    let (old_models, new_models): (Vec<&ModelState>, Vec<&ModelState>) = match &relevant {
        Some(keys) => (
            keys.iter()
                .filter_map(|k| {
                    let old = renames.key_back(k);
                    (renames.key(&old) == *k)
                        .then(|| from.models.get(&old))
                        .flatten()
                })
                .collect(),
            keys.iter().filter_map(|k| to.models.get(k)).collect(),
        ),
        None => (from.models.values().collect(), to.models.values().collect()),
    };
    let mut olds: BTreeMap<ModelKey, TableDef> = BTreeMap::new();
    for m in old_models {
        olds.insert(renames.key(&m.key()), table_def(d, m, from, false)?);
    }
    let mut news: BTreeMap<ModelKey, TableDef> = BTreeMap::new();
    for m in new_models {
        let key = m.key();
        let is_changed = Some(&key) == changed;
        news.insert(key, table_def(d, m, to, is_changed)?);
    }
    let mut p = Phases::default();
    for (key, old) in &olds {
        if !news.contains_key(key) {
            p.tables.push(d.drop_table(&old.table));
        }
    }
    for (key, new) in &news {
        match olds.get(key) {
            None => {
                p.tables.extend(d.create_table(new));
                for i in &new.indexes {
                    p.indexes.push(d.create_index(&new.table, i));
                }
                for fk in &new.fks {
                    p.add_fks.push(d.add_fk(&new.table, fk));
                }
            }
            Some(old) => {
                let fill = fill
                    .filter(|(k, _, _)| k == key)
                    .map(|(_, f, v)| (f.as_str(), v.as_str()));
                alter_table(d, old, new, &olds, &news, renames, fill, &mut p);
            }
        }
    }
    Ok(p.into_vec())
}

/// True when the primary key of the model whose new key is `key` moves to other fields
/// (type changes of its column are [`column_changed`]'s concern).
fn pk_changed(
    key: &ModelKey,
    olds: &BTreeMap<ModelKey, TableDef>,
    news: &BTreeMap<ModelKey, TableDef>,
    renames: &Renames,
) -> bool {
    let (Some(old), Some(new)) = (olds.get(key), news.get(key)) else {
        return false;
    };
    let mapped: Vec<String> = old
        .pk_fields
        .iter()
        .map(|f| renames.field_fwd(key, f))
        .collect();
    mapped != new.pk_fields
}

/// True when the column of field `field` (new name) of model `key` changes type (or, when
/// `with_null`, nullability).
fn column_changed(
    key: &ModelKey,
    field: &str,
    olds: &BTreeMap<ModelKey, TableDef>,
    news: &BTreeMap<ModelKey, TableDef>,
    renames: &Renames,
    with_null: bool,
) -> bool {
    let (Some(old), Some(new)) = (olds.get(key), news.get(key)) else {
        return false;
    };
    let (Some(oc), Some(nc)) = (
        old.column_of_field(&renames.field_back(key, field)),
        new.column_of_field(field),
    ) else {
        return false;
    };
    oc.sql_type != nc.sql_type || (with_null && oc.nullable != nc.nullable)
}

#[allow(clippy::too_many_arguments)]
fn alter_table(
    d: &dyn Dialect,
    old: &TableDef,
    new: &TableDef,
    olds: &BTreeMap<ModelKey, TableDef>,
    news: &BTreeMap<ModelKey, TableDef>,
    renames: &Renames,
    fill: Option<(&str, &str)>,
    p: &mut Phases,
) {
    let key = &new.key;
    let (t_old, t_new) = (old.table.as_str(), new.table.as_str());
    let fwd = |f: &str| renames.field_fwd(key, f);
    let mysql = d.mysql_like();
    // Columns whose type changes: a generated column reading one is rebuilt too (PostgreSQL
    // refuses to retype a column a generated column uses).
    let retyped: Vec<&str> = new
        .columns
        .iter()
        .filter(|nc| {
            old.column_of_field(&renames.field_back(key, &nc.field))
                .is_some_and(|oc| oc.sql_type != nc.sql_type)
        })
        .map(|nc| nc.name.as_str())
        .collect();
    // Generated columns whose expression or kind changes: no backend alters one in place, so
    // each is dropped (before the other column changes) and added again, and the indexes
    // over it are rebuilt.
    let regenerated: Vec<&str> =
        new.columns
            .iter()
            .filter(|nc| {
                old.column_of_field(&renames.field_back(key, &nc.field))
                    .is_some_and(|oc| {
                        oc.generated != nc.generated
                            || nc.generated.as_ref().is_some_and(|g| {
                                retyped.iter().any(|c| mentions_identifier(&g.sql, c))
                            })
                    })
            })
            .map(|nc| nc.field.as_str())
            .collect();
    let untouched = |fields: &[String]| !fields.iter().any(|f| regenerated.contains(&f.as_str()));
    // An index with SQL may name any column: a regenerated column takes it down with it.
    let untouched_index =
        |i: &Idx| untouched(&i.fields) && (!i.has_sql() || regenerated.is_empty());

    // Indexes (MySQL: unique constraints and foreign-key cover indexes included).
    let mut kept_new = vec![false; new.indexes.len()];
    let mut dropped_first_columns: Vec<String> = Vec::new();
    let mut index_renames = Vec::new();
    for oi in &old.indexes {
        let fields: Vec<String> = oi.fields.iter().map(|f| fwd(f)).collect();
        let same_shape = |i: usize, ni: &Idx| {
            !kept_new[i]
                && untouched_index(ni)
                && ni.fields == fields
                && ni.expressions == oi.expressions
                && ni.unique == oi.unique
                && ni.constraint == oi.constraint
                && ni.condition == oi.condition
                && ni.nulls_distinct == oi.nulls_distinct
                && ni.method == oi.method
                && ni.include == oi.include
        };
        // The same index under the same name, else (a derived name that changed) renamed.
        let hit = new
            .indexes
            .iter()
            .enumerate()
            .find(|(i, ni)| same_shape(*i, ni) && ni.name == oi.name)
            .or_else(|| {
                new.indexes.iter().enumerate().find(|(i, ni)| {
                    same_shape(*i, ni)
                        && !oi.constraint
                        && !old.indexes.iter().any(|o| o.name == ni.name)
                })
            });
        match hit {
            Some((i, ni)) => {
                kept_new[i] = true;
                if ni.name != oi.name {
                    index_renames.push(d.rename_index(t_new, &oi.name, &ni.name));
                }
            }
            None => {
                p.drop_indexes.push(d.drop_index(t_old, &oi.name));
                if let Some(first) = oi.fields.first() {
                    dropped_first_columns.push(fwd(first));
                }
            }
        }
    }

    // Primary key.
    let old_pk: Vec<String> = old.pk_fields.iter().map(|f| fwd(f)).collect();
    let pk_moves = old_pk != new.pk_fields;
    // On MySQL a moving key that starts with a foreign-key column may be the index that
    // foreign key needs (a composite key starting with it): the key is re-made around it.
    let pk_first_moves = |field: &String| pk_moves && old_pk.first() == Some(field);

    // Own foreign keys.
    let mut fk_kept = vec![false; new.fks.len()];
    let mut fk_renames = Vec::new();
    for ofk in &old.fks {
        let ref_key = renames.key(&ofk.ref_model);
        let fields: Vec<String> = ofk.fields.iter().map(|f| fwd(f)).collect();
        let ref_fields: Vec<String> = ofk
            .ref_fields
            .iter()
            .map(|f| renames.field_fwd(&ref_key, f))
            .collect();
        let force = pk_changed(&ref_key, olds, news, renames)
            || (mysql
                && (fields
                    .iter()
                    .any(|f| column_changed(key, f, olds, news, renames, true))
                    || ref_fields
                        .iter()
                        .any(|f| column_changed(&ref_key, f, olds, news, renames, false))
                    || fields.iter().any(|f| dropped_first_columns.contains(f))
                    || fields.first().is_some_and(pk_first_moves)));
        let hit = new.fks.iter().enumerate().find(|(i, nfk)| {
            !fk_kept[*i]
                && nfk.fields == fields
                && nfk.ref_model == ref_key
                && nfk.ref_fields == ref_fields
                && nfk.on_delete == ofk.on_delete
        });
        match hit {
            Some((i, nfk)) if !force => {
                if nfk.name != ofk.name {
                    match d.rename_constraint(t_new, &ofk.name, &nfk.name) {
                        Some(sql) => {
                            fk_kept[i] = true;
                            fk_renames.push(sql);
                        }
                        None => p.drop_fks.push(d.drop_fk(t_old, &ofk.name)),
                    }
                } else {
                    fk_kept[i] = true;
                }
            }
            _ => p.drop_fks.push(d.drop_fk(t_old, &ofk.name)),
        }
    }

    // Unique (PostgreSQL) and check constraints.
    let mut unique_kept = vec![false; new.uniques.len()];
    for ou in &old.uniques {
        let fields: Vec<String> = ou.fields.iter().map(|f| fwd(f)).collect();
        match new
            .uniques
            .iter()
            .position(|nu| nu.name == ou.name && nu.fields == fields && untouched(&fields))
        {
            Some(i) => unique_kept[i] = true,
            None => p.drop_indexes.push(d.drop_constraint(t_old, &ou.name)),
        }
    }
    let mut check_kept = vec![false; new.checks.len()];
    for oc in &old.checks {
        match new.checks.iter().position(|nc| nc == oc) {
            Some(i) => check_kept[i] = true,
            None => p.drop_indexes.push(d.drop_constraint(t_old, &oc.0)),
        }
    }

    // Columns.
    if t_old != t_new {
        p.tables.push(d.rename_table(t_old, t_new));
    }
    for oc in &old.columns {
        if new.column_of_field(&fwd(&oc.field)).is_none() {
            if mysql && oc.auto && pk_moves {
                // MySQL refuses to drop a key while an AUTO_INCREMENT column needs it.
                let mut plain = oc.clone();
                plain.auto = false;
                p.pre_pk
                    .extend(d.alter_column(t_old, t_new, oc, &plain, None).pre_pk);
            }
            p.tables.push(d.drop_column(t_new, &oc.name));
        }
    }
    let mut adds = Vec::new();
    let mut pk_added_with_column = false;
    let mut regenerated_drops = Vec::new();
    let first_change = p.tables.len();
    for nc in &new.columns {
        let one_off = fill.filter(|(f, _)| *f == nc.field).map(|(_, v)| v);
        match old.column_of_field(&renames.field_back(key, &nc.field)) {
            None if nc.auto && pk_moves && new.pk_fields.contains(&nc.field) => {
                match d.add_auto_column_with_pk(t_new, nc, &new.pk_columns) {
                    Some(sql) => {
                        pk_added_with_column = true;
                        adds.push(sql);
                    }
                    None => adds.extend(d.add_column(t_new, nc, one_off)),
                }
            }
            None => adds.extend(d.add_column(t_new, nc, one_off)),
            Some(oc) if regenerated.contains(&nc.field.as_str()) => {
                regenerated_drops.push(d.drop_column(t_new, &oc.name));
                adds.extend(d.add_column(t_new, nc, None));
            }
            Some(oc) if oc.shape() != nc.shape() || (one_off.is_some() && oc.nullable) => {
                let steps = d.alter_column(t_old, t_new, oc, nc, one_off);
                p.pre_pk.extend(steps.pre_pk);
                p.tables.extend(steps.main);
                p.post_pk.extend(steps.post_pk);
            }
            Some(_) => {}
        }
    }
    p.tables
        .splice(first_change..first_change, regenerated_drops);
    p.tables.extend(adds);
    if pk_moves {
        if !old.pk_columns.is_empty() {
            p.drop_pk.push(d.drop_pk(t_old, old.pk_name.as_deref()));
        }
        if !new.pk_columns.is_empty() && !pk_added_with_column {
            p.add_pk
                .push(d.add_pk(t_new, new.pk_name.as_deref(), &new.pk_columns));
        }
    } else if let (Some(a), Some(b)) = (&old.pk_name, &new.pk_name) {
        if a != b && !old.pk_columns.is_empty() {
            if let Some(sql) = d.rename_constraint(t_new, a, b) {
                p.indexes.push(sql);
            }
        }
    }

    // Indexes and constraints renamed or created, comments.
    p.indexes.extend(index_renames);
    for (i, ni) in new.indexes.iter().enumerate() {
        if !kept_new[i] {
            p.indexes.push(d.create_index(t_new, ni));
        }
    }
    for (i, nu) in new.uniques.iter().enumerate() {
        if !unique_kept[i] {
            p.indexes.push(d.add_unique(t_new, nu));
        }
    }
    for (i, (name, sql)) in new.checks.iter().enumerate() {
        if !check_kept[i] {
            p.indexes.push(d.add_check(t_new, name, sql));
        }
    }
    if old.comment != new.comment {
        p.indexes
            .push(d.table_comment(t_new, new.comment.as_deref()));
    }

    // Foreign keys added or renamed.
    p.add_fks.extend(fk_renames);
    for (i, nfk) in new.fks.iter().enumerate() {
        if !fk_kept[i] {
            p.add_fks.push(d.add_fk(t_new, nfk));
        }
    }
}
