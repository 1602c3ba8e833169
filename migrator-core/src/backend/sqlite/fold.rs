//! At most one rebuild per table per migration: the operations of an atomic migration on one
//! table, of which at least one rebuilds it, become one rebuild from the table as it was
//! before the first to its shape after the last (`Backend::fold`), run at the last of them.
//!
//! Each column of the final table is filled with an expression over the original table,
//! composed change by change exactly as the rebuilds one after another would have filled it
//! ([`Src`]): a rename follows the column, a type change wraps it in `CAST`, NOT NULL with a
//! default wraps it in `COALESCE`, a new column starts as its default (or the one-off value,
//! or NULL). Only the final table's constraints are checked (a row that an intermediate shape
//! would have refused but the final one accepts goes through), and foreign keys are checked
//! before the commit as always.
//!
//! Operations on other tables may stand between them when they are plain changes too (see
//! [`fold`]). A run stops (and is not folded past that point) at an operation that is not a
//! plain field, index or constraint change of one table (raw SQL and Rust steps may read the
//! table in between; `SeparateDatabaseAndState` says nothing about the database shape), one
//! that involves a primary key (its column may be referenced from other tables, which a
//! rename or rebuild must follow), a table rename, or a composition that would not be exactly the
//! same: a value that an intermediate column stored (a literal or a `CAST` result, converted
//! by that column's type affinity) and a later type change casts again, or a generated column
//! turned into a plain one. Those runs are cut there: the rest still folds.

use std::collections::BTreeMap;

use super::ddl::column_type_sql;
use super::features::FEATURES;
use super::rebuild::{rebuild_copying, rebuilt_table};
use crate::backend::costs::Change;
use crate::backend::editor::{default_literal, SchemaError};
use crate::backend::fold::{Folded, Planned};
use crate::state::{FieldState, ModelState};

/// Where a column of the folded rebuild takes its values from.
#[derive(Clone, Debug, PartialEq)]
enum Src {
    /// A field of the table as it was before the run (by field name).
    Field(String),
    /// NULL.
    Null,
    /// A literal or expression (a default), not yet stored in any column.
    Value(String),
    /// `CAST(… AS type)`.
    Cast(Box<Src>, String),
    /// `COALESCE(…, literal)`.
    Coalesce(Box<Src>, String),
}

impl Src {
    /// May the value differ from what a column of its type would have stored — a literal,
    /// or a `CAST` result, that the column's type affinity would still convert (`CAST('7' AS
    /// DECIMAL(8, 2))` is the real 7.0, which a NUMERIC column stores as the integer 7)? A
    /// later type change cannot cast such a value as the rebuild one by one would.
    fn raw(&self) -> bool {
        !matches!(self, Self::Field(_) | Self::Null)
    }

    fn sql(&self, first: &ModelState) -> Option<String> {
        Some(match self {
            Self::Field(name) => FEATURES.quote(&first.field(name)?.column),
            Self::Null => "NULL".to_owned(),
            Self::Value(v) => v.clone(),
            Self::Cast(inner, ty) => format!("CAST({} AS {ty})", inner.sql(first)?),
            Self::Coalesce(inner, lit) => format!("COALESCE({}, {lit})", inner.sql(first)?),
        })
    }
}

/// The table as a run of changes leaves it, and where each of its columns comes from.
#[derive(Clone)]
struct Composer {
    current: ModelState,
    columns: BTreeMap<String, Src>,
}

impl Composer {
    fn new(first: &ModelState) -> Self {
        let columns = first
            .fields
            .iter()
            .filter(|f| f.generated.is_none())
            .map(|f| (f.name.clone(), Src::Field(f.name.clone())))
            .collect();
        Composer {
            current: first.clone(),
            columns,
        }
    }

    /// Applies `change` (from `from` to `to`, the table's model around it); `None` when
    /// the composition would not be exactly what the change alone does.
    fn apply(
        mut self,
        change: &Change,
        from: &ModelState,
        to: &ModelState,
    ) -> Result<Option<Self>, SchemaError> {
        if *from != self.current {
            return Ok(None);
        }
        match change {
            Change::AddField { field, .. } => {
                let Some(target) = to.field(&field.name) else {
                    return Ok(None);
                };
                if target.generated.is_none() {
                    let value = match &field.default {
                        Some(d) => Src::Value(default_literal(&FEATURES, d)?),
                        None => Src::Null,
                    };
                    self.columns.insert(target.name.clone(), value);
                }
            }
            Change::RemoveField { name, .. } => {
                self.columns.remove(name);
            }
            Change::RenameField { old, new, .. } => {
                if let Some(src) = self.columns.remove(old) {
                    self.columns.insert(new.clone(), src);
                }
            }
            Change::AlterField { name, field, .. } => {
                let (Some(old), Some(target)) = (from.field(name), to.field(&field.name)) else {
                    return Ok(None);
                };
                if !self.alter(old, target, field)? {
                    return Ok(None);
                }
            }
            Change::AddIndex { .. }
            | Change::RemoveIndex { .. }
            | Change::RenameIndex { .. }
            | Change::AddConstraint { .. }
            | Change::RemoveConstraint { .. }
            | Change::AlterModelComment { .. } => {}
            _ => return Ok(None),
        }
        self.current = to.clone();
        Ok(Some(self))
    }

    /// `old` becomes `target` (`field` is the operation's definition, whose default may be
    /// a one-off value). False when it cannot be composed.
    fn alter(
        &mut self,
        old: &FieldState,
        target: &FieldState,
        field: &FieldState,
    ) -> Result<bool, SchemaError> {
        if old.generated.is_some() {
            // Its values were never copied: only a column that stays generated composes.
            return Ok(target.generated.is_some());
        }
        let Some(mut src) = self.columns.remove(&old.name) else {
            return Ok(false);
        };
        if target.generated.is_some() {
            return Ok(true); // computed by the new table
        }
        if column_type_sql(old) != column_type_sql(target) {
            if src.raw() {
                return Ok(false);
            }
            src = Src::Cast(Box::new(src), column_type_sql(target));
        }
        if old.nullable && !target.nullable {
            if let Some(d) = &field.default {
                src = Src::Coalesce(Box::new(src), default_literal(&FEATURES, d)?);
            }
        }
        self.columns.insert(target.name.clone(), src);
        Ok(true)
    }

    /// What the one rebuild copies, or `None` when a column of the final table has no
    /// source.
    fn copy(&self, first: &ModelState) -> Option<Vec<(String, String)>> {
        self.current
            .fields
            .iter()
            .filter(|f| f.generated.is_none())
            .map(|f| Some((f.column.clone(), self.columns.get(&f.name)?.sql(first)?)))
            .collect()
    }
}

/// The table a planned operation changes, when it can be part of a fold: exactly one plain
/// field, index or constraint change of a model that keeps its table and primary key.
fn foldable<'a>(
    app: &str,
    op: &Planned<'a>,
) -> Option<(&'a Change, &'a ModelState, &'a ModelState)> {
    let [change] = op.changes? else {
        return None;
    };
    let plain = matches!(
        change,
        Change::AddField { .. }
            | Change::RemoveField { .. }
            | Change::AlterField { .. }
            | Change::RenameField { .. }
            | Change::AddIndex {
                concurrently: false,
                ..
            }
            | Change::RemoveIndex {
                concurrently: false,
                ..
            }
            | Change::RenameIndex { .. }
            | Change::AddConstraint { .. }
            | Change::RemoveConstraint { .. }
            | Change::AlterModelComment { .. }
    );
    let from = op.from.model(app, change.model())?;
    let to = op.to.model(app, change.model())?;
    let same_key = from.primary_key().eq(to.primary_key());
    (plain && from.table == to.table && same_key).then_some((change, from, to))
}

fn rebuilds(op: &Planned<'_>) -> bool {
    op.statements.iter().any(|s| rebuilt_table(s).is_some())
}

/// The runs of `ops` (every operation of an atomic migration, in run order) that one rebuild
/// does: at least two operations on one table, at least one of which rebuilds it.
///
/// A window is a stretch of consecutive foldable operations (on any tables); within it the
/// operations on one table fold even when operations on other tables stand between them,
/// the rebuild running at the table's last one. That reordering is exact: a foldable
/// operation's statements touch only its own table, and what they read of other tables (the
/// primary key a foreign key references, the table name) no foldable operation changes.
pub(crate) fn fold(app: &str, ops: &[Planned<'_>]) -> Result<Vec<Folded>, SchemaError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        if foldable(app, &ops[i]).is_none() {
            i += 1;
            continue;
        }
        let mut end = i;
        while ops
            .get(end + 1)
            .is_some_and(|op| foldable(app, op).is_some())
        {
            end += 1;
        }
        fold_window(app, ops, i..=end, &mut out)?;
        i = end + 1;
    }
    out.sort_by_key(|f| f.ops[0]);
    Ok(out)
}

/// Folds the operations of each table within the window `range` of foldable operations.
fn fold_window(
    app: &str,
    ops: &[Planned<'_>],
    range: std::ops::RangeInclusive<usize>,
    out: &mut Vec<Folded>,
) -> Result<(), SchemaError> {
    let mut tables: Vec<&str> = Vec::new();
    for i in range.clone() {
        if let Some((_, from, _)) = foldable(app, &ops[i]) {
            if !tables.contains(&from.table.as_str()) {
                tables.push(&from.table);
            }
        }
    }
    for table in tables {
        let mut run: Option<(Vec<usize>, &ModelState, Composer)> = None;
        for i in range.clone() {
            let Some((change, from, to)) = foldable(app, &ops[i]) else {
                continue;
            };
            if from.table != table {
                continue;
            }
            let next = match &run {
                Some((_, _, composer)) => composer.clone().apply(change, from, to)?,
                None => None,
            };
            match (next, run.as_mut()) {
                (Some(composer), Some(current)) => {
                    current.0.push(i);
                    current.2 = composer;
                }
                _ => {
                    // The run so far ends here; this operation may start the next one.
                    if let Some(done) = run.take() {
                        close(ops, done, out)?;
                    }
                    run = Composer::new(from)
                        .apply(change, from, to)?
                        .map(|composer| (vec![i], from, composer));
                }
            }
        }
        if let Some(done) = run {
            close(ops, done, out)?;
        }
    }
    Ok(())
}

/// Records the run `members` (starting from `first`, composed into `composer`) when it is
/// worth one rebuild: two operations or more, one of which rebuilds the table.
fn close(
    ops: &[Planned<'_>],
    (members, first, composer): (Vec<usize>, &ModelState, Composer),
    out: &mut Vec<Folded>,
) -> Result<(), SchemaError> {
    if members.len() < 2 || !members.iter().any(|&i| rebuilds(&ops[i])) {
        return Ok(());
    }
    let Some(copy) = composer.copy(first) else {
        return Ok(());
    };
    let last = *members.last().expect("two members");
    let statements = rebuild_copying(first, &composer.current, ops[last].to, &copy)?;
    out.push(Folded {
        ops: members,
        statements,
    });
    Ok(())
}
