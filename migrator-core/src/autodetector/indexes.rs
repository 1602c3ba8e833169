//! Index and constraint phases of a kept model: removals of those that disappear or change
//! (field renames taken into account; an index that only changes its name is renamed; a check
//! constraint or an index whose SQL names a column that moves is dropped and added back), and additions of those that are new or changed.

use std::collections::BTreeMap;

use crate::field_type::ColumnType;
use crate::operations::{
    AddConstraint, AddIndex, Operation, RemoveConstraint, RemoveIndex, RenameIndex,
};
use crate::state::{ConstraintKind, ConstraintState, IndexState, ModelKey};

use super::detector::Detector;
use super::result::DetectError;

/// `fields` with renamed fields under their new names.
fn rename_in(fields: &[String], renames: &BTreeMap<&str, &str>) -> Vec<String> {
    fields
        .iter()
        .map(|f| {
            renames
                .get(f.as_str())
                .map_or_else(|| f.clone(), |n| n.to_string())
        })
        .collect()
}

impl Detector<'_> {
    /// RemoveIndex / RemoveConstraint for indexes and constraints that disappear or change.
    pub(super) fn remove_indexes(
        &mut self,
        key: &ModelKey,
        renames: Option<&Vec<(String, String)>>,
    ) -> Result<(), DetectError> {
        let map: BTreeMap<&str, &str> = renames
            .into_iter()
            .flatten()
            .map(|(o, n)| (o.as_str(), n.as_str()))
            .collect();
        let old = &self.work.models[key];
        let new = &self.to.models[key];
        let mut ops: Vec<Operation> = Vec::new();
        // An index that only changes its name (same fields and options; the new name is
        // not an index of the old state) is renamed in place, after the removals.
        let mut index_renames: Vec<Operation> = Vec::new();
        let mut claimed: Vec<&str> = Vec::new();
        // Columns that change name (a renamed field whose column follows, or a new column
        // name): the field operations rewrite them in the state's check constraints and
        // index expressions and conditions.
        let moved_columns: Vec<(&str, &str)> = old
            .fields
            .iter()
            .filter_map(|f| {
                let name = map.get(f.name.as_str()).copied().unwrap_or(&f.name);
                new.field(name)
                    .filter(|n| n.column != f.column)
                    .map(|n| (f.column.as_str(), n.column.as_str()))
            })
            .collect();
        let names_moved_column = |sql: &str| {
            moved_columns
                .iter()
                .any(|(o, n)| crate::operations::rename_column_in_sql(sql, o, n) != *sql)
        };
        for idx in &old.indexes {
            // An index whose SQL names a moved column is dropped first and added back as the
            // code declares it, as a check is: the rewrite the database makes is spelled
            // its own way.
            let names_moved = idx
                .expressions
                .iter()
                .chain(&idx.condition)
                .any(|sql| names_moved_column(sql));
            let mapped = IndexState {
                fields: rename_in(&idx.fields, &map),
                include: rename_in(&idx.include, &map),
                ..idx.clone()
            };
            if !names_moved && new.indexes.contains(&mapped) {
                continue;
            }
            // Everything but the name is the same (and the new name is free).
            let renamed = new.indexes.iter().find(|n| {
                !names_moved
                    && IndexState {
                        name: n.name.clone(),
                        ..mapped.clone()
                    } == **n
                    && !claimed.contains(&n.name.as_str())
                    && !old.indexes.iter().any(|o| o.name == n.name)
                    && !old.constraints.iter().any(|c| c.name == n.name)
            });
            match renamed {
                Some(n) => {
                    claimed.push(&n.name);
                    index_renames.push(RenameIndex::new(&key.name, &idx.name, &n.name).into());
                }
                None => ops.push(RemoveIndex::new(&key.name, &idx.name).into()),
            }
        }
        for c in &old.constraints {
            let mapped = match &c.kind {
                ConstraintKind::Unique(f) => ConstraintState {
                    name: c.name.clone(),
                    kind: ConstraintKind::Unique(rename_in(f, &map)),
                },
                ConstraintKind::ForeignKey { fields, to } => ConstraintState {
                    name: c.name.clone(),
                    kind: ConstraintKind::ForeignKey {
                        fields: rename_in(fields, &map),
                        to: to.clone(),
                    },
                },
                ConstraintKind::Check(_) => c.clone(),
            };
            let names_moved = match &c.kind {
                ConstraintKind::Check(sql) => names_moved_column(sql),
                ConstraintKind::Unique(_) | ConstraintKind::ForeignKey { .. } => false,
            };
            if names_moved || !new.constraints.contains(&mapped) || self.key_moves_under(c) {
                ops.push(RemoveConstraint::new(&key.name, &c.name).into());
            }
        }
        ops.extend(index_renames);
        for op in ops {
            self.emit(&key.app, op)?;
        }
        Ok(())
    }

    /// True when `c` is a multi-column foreign key whose target's primary key changes in
    /// this run (other fields, order or types): no database keeps a foreign key across that,
    /// so it is removed first and added back (by [`Self::add_indexes`]) once the key is set.
    pub(super) fn key_moves_under(&self, c: &ConstraintState) -> bool {
        let Some(fk) = c.kind.foreign_key() else {
            return false;
        };
        let key = |m: Option<&crate::state::ModelState>| -> Option<Vec<(String, ColumnType)>> {
            m.map(|m| {
                m.primary_key()
                    .map(|f| (f.name.clone(), f.column_type.clone()))
                    .collect()
            })
        };
        let target = fk.target();
        let before = key(self.work.models.get(&target));
        let after = key(self.to.models.get(&target));
        after.is_some() && before != after
    }

    /// AddIndex / AddConstraint for indexes and constraints that are new or changed.
    pub(super) fn add_indexes(&mut self, key: &ModelKey) -> Result<(), DetectError> {
        let new = &self.to.models[key];
        let old = &self.work.models[key];
        let mut ops: Vec<Operation> = Vec::new();
        for i in &new.indexes {
            if !old.indexes.contains(i) {
                ops.push(AddIndex::new(&key.name, i.clone()).into());
            }
        }
        for c in &new.constraints {
            if !old.constraints.contains(c) {
                ops.push(AddConstraint::new(&key.name, c.clone()).into());
            }
        }
        for op in ops {
            self.emit(&key.app, op)?;
        }
        Ok(())
    }
}
