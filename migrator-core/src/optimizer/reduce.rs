//! The per-pair rules (Django's `Operation.reduce`): what `first` followed by `second` folds
//! into, and otherwise whether `first` may move past `second` (they touch different things).
//!
//! | first | second | result |
//! |---|---|---|
//! | `CreateModel` | `DeleteModel` of it | nothing |
//! | `CreateModel` | any field, index, constraint, rename, table or comment operation on it | the `CreateModel` with the change applied |
//! | `AddField` | `AlterField` / `RemoveField` / `RenameField` of it | `AddField` of the final field / nothing / `AddField` under the new name |
//! | `AlterField` | `AlterField` / `RemoveField` of it | the last one (a one-off default kept) |
//! | `AlterField` | `RenameField` of it | `RenameField`, then `AlterField` under the new name (when the column is known) |
//! | `RenameField` | `RenameField` of the new name | one rename (nothing when back to the start) |
//! | `RenameModel` | `RenameModel` of the new name | one rename (nothing when back to the start) |
//! | `AlterModelTable` / `AlterModelComment` | the same of the same model | the last one (nothing when back to the start) |
//! | any operation on a model but `RenameModel` | `DeleteModel` of it | the `DeleteModel` |
//! | `AddIndex` | `RemoveIndex` / `RenameIndex` of it | nothing / `AddIndex` under the new name |
//! | `RenameIndex` | `RenameIndex` / `RemoveIndex` of the new name | one rename (nothing when back) / `RemoveIndex` of the old name |
//! | `RemoveIndex` / `RemoveConstraint` | `AddIndex` / `AddConstraint` of the same definition | nothing (with the state) |
//! | `AddConstraint` | `RemoveConstraint` of it | nothing |
//!
//! `RunSql`, `RunRust` and `SeparateDatabaseAndState` never fold and nothing moves across them
//! (a barrier: the optimizer cannot see what hand-written SQL or a state-only change does).
//! Rules marked "with the
//! state" or "when the column is known" need the state before `first`
//! ([`optimize_from`](super::optimize_from)); without it they are skipped.

use crate::operations::{
    AddField, AddIndex, AlterField, CreateModel, Operation, RemoveIndex, RenameField, RenameIndex,
    RenameModel,
};
use crate::state::{ConstraintKind, FieldState, ProjectState};

use super::references::{claims_table, index_names, references_field, references_model};

/// What `first.reduce(second)` says.
pub(super) enum Reduce {
    /// The pair becomes this list.
    Replace(Vec<Operation>),
    /// `first` may move after `second` (they touch different things).
    Through,
    /// They cannot be reordered.
    Block,
}

/// `first` then `second` in `app`. `before` is the state before `first` when it is known.
pub(super) fn reduce(
    app: &str,
    first: &Operation,
    second: &Operation,
    before: Option<&ProjectState>,
) -> Reduce {
    match fold(app, first, second, before) {
        Some(ops) => Reduce::Replace(ops),
        None if through(app, first, second) => Reduce::Through,
        None => Reduce::Block,
    }
}

/// True when `a` and `b` can swap places: neither references what the other changes (Django's
/// rule asks one direction; asking both keeps a foreign key from moving past the rename or
/// creation of the model it names).
pub(super) fn commutes(app: &str, a: &Operation, b: &Operation) -> bool {
    through(app, a, b) && through(app, b, a)
}

/// The fold of `first` then `second`, if there is one.
fn fold(
    app: &str,
    first: &Operation,
    second: &Operation,
    before: Option<&ProjectState>,
) -> Option<Vec<Operation>> {
    use Operation as O;
    if let O::DeleteModel(d) = second {
        // Whatever happened to the model just before it is deleted no longer matters. Not a
        // rename: the foreign keys that followed it would point at the wrong name.
        let local = !matches!(
            first,
            O::RunSql(_)
                | O::RunRust(_)
                | O::SeparateDatabaseAndState(_)
                | O::RenameModel(_)
                | O::DeleteModel(_)
        );
        if local && first.model_name() == Some(d.name.as_str()) {
            return Some(match first {
                O::CreateModel(_) => vec![],
                _ => vec![second.clone()],
            });
        }
    }
    match (first, second) {
        (O::CreateModel(c), other) if other.model_name() == Some(c.name.as_str()) => match other {
            O::AddField(_)
            | O::RemoveField(_)
            | O::AlterField(_)
            | O::RenameField(_)
            | O::RenameModel(_)
            | O::AlterModelTable(_)
            | O::AlterModelComment(_)
            | O::AddIndex(_)
            | O::RemoveIndex(_)
            | O::RenameIndex(_)
            | O::AddConstraint(_)
            | O::RemoveConstraint(_) => fold_into_create(app, c, other),
            _ => None,
        },

        (O::AddField(a), O::AlterField(b)) if a.model == b.model && a.field.name == b.name => {
            let (field, preserve_default) = merge_field(&a.field, b);
            Some(vec![AddField {
                model: a.model.clone(),
                field,
                preserve_default,
            }
            .into()])
        }
        (O::AddField(a), O::RemoveField(b)) if a.model == b.model && a.field.name == b.name => {
            Some(vec![])
        }
        (O::AddField(a), O::RenameField(b)) if a.model == b.model && a.field.name == b.old_name => {
            let mut field = a.field.clone();
            if field.column == field.name && !b.keep_column {
                field.column = b.new_name.clone();
            }
            field.name = b.new_name.clone();
            Some(vec![AddField {
                model: a.model.clone(),
                field,
                preserve_default: a.preserve_default,
            }
            .into()])
        }

        (O::AlterField(a), O::AlterField(b)) if a.model == b.model && a.name == b.name => {
            let (field, preserve_default) = merge_field(&a.field, b);
            Some(vec![AlterField {
                model: a.model.clone(),
                name: a.name.clone(),
                field,
                preserve_default,
            }
            .into()])
        }
        (O::AlterField(a), O::RemoveField(b)) if a.model == b.model && a.name == b.name => {
            Some(vec![second.clone()])
        }
        (O::AlterField(a), O::RenameField(b)) if a.model == b.model && a.name == b.old_name => {
            alter_then_rename(app, a, b, before)
        }

        (O::RenameField(a), O::RenameField(b))
            if a.model == b.model && a.new_name == b.old_name =>
        {
            rename_chain(app, a, b, before)
        }

        (O::RenameModel(a), O::RenameModel(b)) if a.new_name == b.old_name => {
            Some(if a.old_name == b.new_name {
                vec![]
            } else {
                vec![RenameModel {
                    old_name: a.old_name.clone(),
                    new_name: b.new_name.clone(),
                }
                .into()]
            })
        }

        (O::AlterModelTable(a), O::AlterModelTable(b)) if a.name == b.name => {
            let back = before
                .and_then(|s| s.model(app, &a.name))
                .is_some_and(|m| m.table == b.table);
            Some(if back { vec![] } else { vec![second.clone()] })
        }
        (O::AlterModelComment(a), O::AlterModelComment(b)) if a.name == b.name => {
            let back = before
                .and_then(|s| s.model(app, &a.name))
                .is_some_and(|m| m.comment == b.comment);
            Some(if back { vec![] } else { vec![second.clone()] })
        }

        (O::AddIndex(a), O::RemoveIndex(b)) if a.model == b.model && a.index.name == b.name => {
            Some(vec![])
        }
        (O::AddIndex(a), O::RenameIndex(b)) if a.model == b.model && a.index.name == b.old_name => {
            let mut index = a.index.clone();
            index.name = b.new_name.clone();
            let mut add = AddIndex::new(&a.model, index);
            add.concurrently = a.concurrently;
            Some(vec![add.into()])
        }
        (O::RenameIndex(a), O::RenameIndex(b))
            if a.model == b.model && a.new_name == b.old_name =>
        {
            Some(if a.old_name == b.new_name {
                vec![]
            } else {
                vec![RenameIndex::new(&a.model, &a.old_name, &b.new_name).into()]
            })
        }
        (O::RenameIndex(a), O::RemoveIndex(b)) if a.model == b.model && a.new_name == b.name => {
            let mut remove = RemoveIndex::new(&a.model, &a.old_name);
            remove.concurrently = b.concurrently;
            Some(vec![remove.into()])
        }
        (O::RemoveIndex(a), O::AddIndex(b)) if a.model == b.model && a.name == b.index.name => {
            let same = before
                .and_then(|s| s.model(app, &a.model))
                .and_then(|m| m.indexes.iter().find(|i| i.name == a.name))
                .is_some_and(|i| *i == b.index);
            same.then(Vec::new)
        }
        (O::AddConstraint(a), O::RemoveConstraint(b))
            if a.model == b.model && a.constraint.name == b.name =>
        {
            Some(vec![])
        }
        (O::RemoveConstraint(a), O::AddConstraint(b))
            if a.model == b.model && a.name == b.constraint.name =>
        {
            let same = before
                .and_then(|s| s.model(app, &a.model))
                .and_then(|m| m.constraints.iter().find(|c| c.name == a.name))
                .is_some_and(|c| *c == b.constraint);
            same.then(Vec::new)
        }
        _ => None,
    }
}

/// Folds `second` into the `CreateModel` by applying it to the model alone.
fn fold_into_create(app: &str, create: &CreateModel, second: &Operation) -> Option<Vec<Operation>> {
    let mut st = ProjectState::new();
    st.insert(create.to_state(app));
    if second.state_forwards(app, &mut st).is_err() || st.models.len() != 1 {
        return None;
    }
    let model = st.models.into_values().next()?;
    Some(vec![CreateModel::from_state(&model).into()])
}

/// `first` then `second`, where `second` is an `AlterField` of the same field: one field
/// definition. A default that filled rows in `first` is kept as a one-off when `second` has
/// none, so existing rows still get a value.
fn merge_field(first: &FieldState, second: &AlterField) -> (FieldState, bool) {
    let mut f = second.field.clone();
    f.name = second.name.clone();
    if !second.preserve_default {
        return (f, false);
    }
    if f.default.is_none() {
        if let Some(d) = &first.default {
            f.default = Some(d.clone());
            return (f, false);
        }
    }
    (f, true)
}

/// The column of field `field` of `model` in `before`.
fn column_before<'s>(
    before: Option<&'s ProjectState>,
    app: &str,
    model: &str,
    field: &str,
) -> Option<&'s str> {
    before?
        .model(app, model)?
        .field(field)
        .map(|f| f.column.as_str())
}

/// `AlterField` then `RenameField` of the same field → the rename first, then the alteration
/// under the new name (Django's rule), so the alteration can meet later operations on the
/// new name. Only when the rename does the same to the column in both orders: it keeps the
/// column, or the alteration leaves the column as the state before it has it.
fn alter_then_rename(
    app: &str,
    a: &AlterField,
    b: &RenameField,
    before: Option<&ProjectState>,
) -> Option<Vec<Operation>> {
    if !b.keep_column && column_before(before, app, &a.model, &a.name)? != a.field.column {
        return None;
    }
    let mut field = a.field.clone();
    if !b.keep_column && field.column == b.old_name {
        field.column = b.new_name.clone();
    }
    field.name = b.new_name.clone();
    let alter = AlterField {
        model: a.model.clone(),
        name: b.new_name.clone(),
        field,
        preserve_default: a.preserve_default,
    };
    Some(vec![b.clone().into(), alter.into()])
}

/// `RenameField` a→b then b→c → one rename a→c that leaves the column where the two leave
/// it, or nothing when they end where they started. Whether a rename moves the column
/// depends on the column before it, so without the state only renames that keep their
/// column fold.
fn rename_chain(
    app: &str,
    a: &RenameField,
    b: &RenameField,
    before: Option<&ProjectState>,
) -> Option<Vec<Operation>> {
    let start = match column_before(before, app, &a.model, &a.old_name) {
        Some(column) => column.to_string(),
        None if a.keep_column && b.keep_column => {
            return Some(fold_renames(a, b, true));
        }
        None => return None,
    };
    let follow = |keep: bool, column: &str, old: &str, new: &str| {
        if !keep && column == old {
            new.to_string()
        } else {
            column.to_string()
        }
    };
    let middle = follow(a.keep_column, &start, &a.old_name, &a.new_name);
    let end = follow(b.keep_column, &middle, &b.old_name, &b.new_name);
    if end == start {
        Some(fold_renames(a, b, true))
    } else if end == b.new_name && start == a.old_name {
        Some(fold_renames(a, b, false))
    } else {
        None
    }
}

fn fold_renames(a: &RenameField, b: &RenameField, keep_column: bool) -> Vec<Operation> {
    if a.old_name == b.new_name {
        return vec![];
    }
    let mut folded = RenameField::new(&a.model, &a.old_name, &b.new_name);
    folded.keep_column = keep_column;
    vec![folded.into()]
}

/// True when `first` may move after `second`: `second` references nothing `first` changes,
/// and they claim no common table or index name.
pub(super) fn through(app: &str, first: &Operation, second: &Operation) -> bool {
    use Operation as O;
    let opaque = |op: &Operation| {
        matches!(
            op,
            O::RunSql(_) | O::RunRust(_) | O::SeparateDatabaseAndState(_)
        )
    };
    if opaque(first) || opaque(second) {
        return false;
    }
    if claims_table(first) && claims_table(second) {
        let table = |op: &Operation| match op {
            O::CreateModel(c) => Some(c.table.clone()),
            _ => None,
        };
        // An `AlterModelTable` may free or take any name.
        match (table(first), table(second)) {
            (Some(a), Some(b)) if a != b => {}
            _ => return false,
        }
    }
    let names = index_names(second);
    if index_names(first).iter().any(|n| names.contains(n)) {
        return false;
    }
    if changes_key_with(first, second) {
        return false;
    }
    let model_free = |m: &str| !references_model(second, app, app, m);
    let field_free = |m: &str, f: &str| !references_field(second, app, m, f);
    match first {
        O::CreateModel(c) => model_free(&c.name),
        O::DeleteModel(d) => model_free(&d.name),
        O::RenameModel(r) => model_free(&r.old_name) && model_free(&r.new_name),
        O::AlterModelTable(t) => model_free(&t.name),
        O::AlterModelComment(c) => comment_through(app, &c.name, second),
        O::AddField(a) => {
            // Two columns added to one model keep their order.
            let same_model_add = matches!(second, O::AddField(b) if b.model == a.model);
            field_free(&a.model, &a.field.name) && !same_model_add
        }
        O::AlterField(a) => field_free(&a.model, &a.name) && field_free(&a.model, &a.field.name),
        O::RemoveField(r) => field_free(&r.model, &r.name),
        O::RenameField(r) => field_free(&r.model, &r.old_name) && field_free(&r.model, &r.new_name),
        O::AddIndex(a) => {
            let fields: Option<Vec<String>> = a
                .index
                .named_fields()
                .map(|f| f.into_iter().map(str::to_owned).collect());
            index_through(app, second, &a.model, fields.as_deref())
        }
        O::AddConstraint(a) => match &a.constraint.kind {
            ConstraintKind::Unique(fields) => index_through(app, second, &a.model, Some(fields)),
            ConstraintKind::Check(_) => index_through(app, second, &a.model, None),
            // A multi-column foreign key also stays after whatever changes its target.
            ConstraintKind::ForeignKey { fields, to } => {
                index_through(app, second, &a.model, Some(fields))
                    && !references_model(second, app, &to.app, &to.model)
            }
        },
        O::RemoveIndex(r) => index_through(app, second, &r.model, None),
        O::RenameIndex(r) => index_through(app, second, &r.model, None),
        O::RemoveConstraint(r) => index_through(app, second, &r.model, None),
        O::RunSql(_) | O::RunRust(_) | O::SeparateDatabaseAndState(_) => false,
    }
}

/// True when `a` and `b` change fields of one model and one of them puts a field in its
/// primary key: their order decides which keys the table has on the way (the autodetector
/// lets fields join a key before others leave it, so no step fails on rows), so they never
/// trade places. Any alteration or removal may take a field out of the key.
fn changes_key_with(a: &Operation, b: &Operation) -> bool {
    use Operation as O;
    fn field_change(op: &Operation) -> Option<(&str, bool)> {
        match op {
            O::AddField(f) => Some((f.model.as_str(), f.field.primary_key)),
            O::AlterField(f) => Some((f.model.as_str(), f.field.primary_key)),
            O::RemoveField(f) => Some((f.model.as_str(), false)),
            _ => None,
        }
    }
    match (field_change(a), field_change(b)) {
        (Some((ma, ka)), Some((mb, kb))) => ma == mb && (ka || kb),
        _ => false,
    }
}

/// An index or constraint operation on `model` may move past `second` unless `second` is a
/// model-level operation on `model` or touches one of `fields` (`None`: fields unknown, any
/// field of the model counts). Names were compared already.
fn index_through(app: &str, second: &Operation, model: &str, fields: Option<&[String]>) -> bool {
    use Operation as O;
    if !references_model(second, app, app, model) {
        return true;
    }
    let touches = |names: &[&str]| match fields {
        Some(fields) => fields.iter().any(|f| names.contains(&f.as_str())),
        None => true,
    };
    match second {
        O::AddField(a) if a.model != model => true,
        O::AlterField(a) if a.model != model => true,
        O::CreateModel(c) if c.name != model => true,
        O::AddField(a) => !touches(&[&a.field.name]),
        O::AlterField(a) => !touches(&[&a.name, &a.field.name]),
        O::RemoveField(r) => !touches(&[&r.name]),
        O::RenameField(r) => !touches(&[&r.old_name, &r.new_name]),
        O::AddIndex(_)
        | O::RemoveIndex(_)
        | O::RenameIndex(_)
        | O::AddConstraint(_)
        | O::RemoveConstraint(_)
        | O::AlterModelComment(_) => true,
        _ => false,
    }
}

/// A table comment change on `model` may move past anything but a model-level operation on
/// `model` (the table it comments on is created, dropped, renamed or commented there).
fn comment_through(app: &str, model: &str, second: &Operation) -> bool {
    use Operation as O;
    if !references_model(second, app, app, model) {
        return true;
    }
    match second {
        O::AddField(_)
        | O::AlterField(_)
        | O::RemoveField(_)
        | O::RenameField(_)
        | O::AddIndex(_)
        | O::RemoveIndex(_)
        | O::RenameIndex(_)
        | O::AddConstraint(_)
        | O::RemoveConstraint(_) => true,
        O::CreateModel(c) => c.name != model,
        _ => false,
    }
}
