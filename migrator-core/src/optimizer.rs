//! Folds a migration's operation list into a shorter equivalent one, the way Django's
//! `MigrationOptimizer` does: `CreateModel` absorbs later field, index, table and rename
//! operations on its model; `CreateModel`+`DeleteModel` vanish; `AddField` absorbs
//! `AlterField`/`RenameField` and vanishes with `RemoveField`; `AlterField` chains keep the
//! last; `RenameField` and `RenameModel` chains collapse; `AddIndex`+`RemoveIndex` vanish;
//! `AddIndex`+`RenameIndex` is the `AddIndex` under the new name, `RenameIndex` chains collapse
//! and a renamed index then removed is removed under its old name.
//!
//! The folded operation takes the earlier position when the later one can move back to it
//! (so columns keep their order), else the later position.
//! Two operations fold only when every operation between them lets one of them move next to
//! the other without changing meaning (Django's "reduce through" rule, made symmetric: neither
//! the moving operation nor the one it crosses references the model or field the other
//! changes). `RunSql` and `RunRust` are never moved across.
//! The pass repeats until nothing changes. This module only rewrites lists; it never reads the
//! database or the current models.

use crate::operations::{
    AddField, AddIndex, AlterField, CreateModel, Operation, RemoveIndex, RenameField, RenameIndex,
    RenameModel,
};
use crate::state::{ConstraintKind, FieldState, ProjectState};

/// Returns `ops` folded to a fixpoint. `app` is the app of the migration the operations belong
/// to (foreign keys name their own app). Replaying the result from any state where `ops`
/// applies gives the same state as replaying `ops`.
pub fn optimize(app: &str, ops: Vec<Operation>) -> Vec<Operation> {
    let mut ops = ops;
    loop {
        let next = optimize_once(app, &ops);
        if next.len() == ops.len() && next == ops {
            return next;
        }
        ops = next;
    }
}

/// What `first.reduce(second)` says.
enum Reduce {
    /// The pair becomes this list.
    Replace(Vec<Operation>),
    /// `first` may move after `second` (they touch different things).
    Through,
    /// They cannot be reordered.
    Block,
}

/// One pass: the first fold found is applied and the rest is copied.
fn optimize_once(app: &str, ops: &[Operation]) -> Vec<Operation> {
    let mut out: Vec<Operation> = Vec::with_capacity(ops.len());
    'outer: for (i, op) in ops.iter().enumerate() {
        let mut right = true;
        for (j, other) in ops[i + 1..].iter().enumerate() {
            match reduce(app, op, other) {
                Reduce::Replace(result) => {
                    let between = &ops[i + 1..i + 1 + j];
                    // Prefer the earlier position (`other` moves left): a field folded into an
                    // earlier AddField or CreateModel keeps its column position.
                    if between.iter().all(|b| commutes(app, b, other)) {
                        out.extend(result);
                        out.extend(between.iter().cloned());
                    } else if right {
                        out.extend(between.iter().cloned());
                        out.extend(result);
                    } else {
                        out.push(op.clone());
                        continue 'outer;
                    }
                    out.extend(ops[i + j + 2..].iter().cloned());
                    return out;
                }
                Reduce::Through => {
                    if !matches!(reduce(app, other, op), Reduce::Through) {
                        right = false;
                    }
                }
                Reduce::Block => right = false,
            }
        }
        out.push(op.clone());
    }
    out
}

/// True when `a` and `b` can swap places: neither references what the other changes.
fn commutes(app: &str, a: &Operation, b: &Operation) -> bool {
    matches!(reduce(app, a, b), Reduce::Through) && matches!(reduce(app, b, a), Reduce::Through)
}

/// True when `op` (in `app`) may depend on model `target_app.target`: it is about that model,
/// points a foreign key at it, or is opaque (`RunSql`, `RunRust`, `DeleteModel` whose fields
/// are unknown).
pub fn references_model(op: &Operation, app: &str, target_app: &str, target: &str) -> bool {
    let here = |name: &str| app == target_app && name == target;
    let fk = |f: &FieldState| {
        f.foreign_key
            .as_ref()
            .is_some_and(|fk| fk.app == target_app && fk.model == target)
    };
    match op {
        Operation::RunSql(_) | Operation::RunRust(_) | Operation::DeleteModel(_) => true,
        Operation::CreateModel(c) => here(&c.name) || c.fields.iter().any(fk),
        Operation::AddField(a) => here(&a.model) || fk(&a.field),
        Operation::AlterField(a) => here(&a.model) || fk(&a.field),
        Operation::RenameModel(r) => here(&r.old_name) || here(&r.new_name),
        other => other.model_name().is_some_and(here),
    }
}

/// True when `op` (in `app`) may depend on field `field` of model `model` of the same app.
pub fn references_field(op: &Operation, app: &str, model: &str, field: &str) -> bool {
    if !references_model(op, app, app, model) {
        return false;
    }
    let points_here = |f: &FieldState| {
        f.foreign_key
            .as_ref()
            .is_some_and(|fk| fk.app == app && fk.model == model)
    };
    match op {
        Operation::AddField(a) => {
            (a.model == model && a.field.name == field) || points_here(&a.field)
        }
        Operation::AlterField(a) => {
            (a.model == model && (a.name == field || a.field.name == field))
                || points_here(&a.field)
        }
        Operation::RemoveField(r) => r.name == field,
        Operation::RenameField(r) => r.old_name == field || r.new_name == field,
        Operation::AddIndex(a) => a.index.fields.iter().any(|f| f == field),
        Operation::AddConstraint(a) => match &a.constraint.kind {
            ConstraintKind::Unique(fields) => fields.iter().any(|f| f == field),
            ConstraintKind::Check(_) => true,
        },
        _ => true,
    }
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

/// `first` may move past `other` when `other` references none of `fields` of `model`.
fn field_through(app: &str, other: &Operation, model: &str, fields: &[&str]) -> Reduce {
    if matches!(other, Operation::RunSql(_) | Operation::RunRust(_))
        || fields
            .iter()
            .any(|f| references_field(other, app, model, f))
    {
        Reduce::Block
    } else {
        Reduce::Through
    }
}

/// `first` may move past `other` when `other` references none of `models` (of `app`).
fn model_through(app: &str, other: &Operation, models: &[&str]) -> Reduce {
    if models.iter().any(|m| references_model(other, app, app, m)) {
        Reduce::Block
    } else {
        Reduce::Through
    }
}

/// Folds `second` into the `CreateModel` by applying it to the model alone.
fn fold_into_create(app: &str, create: &CreateModel, second: &Operation) -> Reduce {
    let mut st = ProjectState::new();
    st.insert(create.to_state(app));
    if second.state_forwards(app, &mut st).is_err() || st.models.len() != 1 {
        return Reduce::Block;
    }
    let model = st.models.into_values().next().expect("one model");
    Reduce::Replace(vec![CreateModel::from_state(&model).into()])
}

fn reduce(app: &str, first: &Operation, second: &Operation) -> Reduce {
    use Operation as O;
    if matches!(first, O::RunSql(_) | O::RunRust(_)) {
        return Reduce::Block;
    }
    match (first, second) {
        (O::CreateModel(c), O::DeleteModel(d)) if d.name == c.name => Reduce::Replace(vec![]),
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
            _ => Reduce::Block,
        },
        (O::CreateModel(c), other) => model_through(app, other, &[&c.name]),

        (O::AddField(a), O::AlterField(b)) if a.model == b.model && a.field.name == b.name => {
            let (field, preserve_default) = merge_field(&a.field, b);
            Reduce::Replace(vec![AddField {
                model: a.model.clone(),
                field,
                preserve_default,
            }
            .into()])
        }
        (O::AddField(a), O::RemoveField(b)) if a.model == b.model && a.field.name == b.name => {
            Reduce::Replace(vec![])
        }
        (O::AddField(a), O::RenameField(b)) if a.model == b.model && a.field.name == b.old_name => {
            let mut field = a.field.clone();
            if field.column == field.name && !b.keep_column {
                field.column = b.new_name.clone();
            }
            field.name = b.new_name.clone();
            Reduce::Replace(vec![AddField {
                model: a.model.clone(),
                field,
                preserve_default: a.preserve_default,
            }
            .into()])
        }
        (O::AddField(a), other) => field_through(app, other, &a.model, &[&a.field.name]),

        (O::AlterField(a), O::AlterField(b)) if a.model == b.model && a.name == b.name => {
            let (field, preserve_default) = merge_field(&a.field, b);
            Reduce::Replace(vec![AlterField {
                model: a.model.clone(),
                name: a.name.clone(),
                field,
                preserve_default,
            }
            .into()])
        }
        (O::AlterField(a), O::RemoveField(b)) if a.model == b.model && a.name == b.name => {
            Reduce::Replace(vec![second.clone()])
        }
        (O::AlterField(a), other) => field_through(app, other, &a.model, &[&a.name]),

        (O::RenameField(a), O::RenameField(b))
            if a.model == b.model && a.new_name == b.old_name && a.keep_column == b.keep_column =>
        {
            if a.old_name == b.new_name {
                Reduce::Replace(vec![])
            } else {
                let mut folded = RenameField::new(&a.model, &a.old_name, &b.new_name);
                folded.keep_column = a.keep_column;
                Reduce::Replace(vec![folded.into()])
            }
        }
        (O::RenameField(a), other) => {
            field_through(app, other, &a.model, &[&a.old_name, &a.new_name])
        }
        (O::RemoveField(a), other) => field_through(app, other, &a.model, &[&a.name]),

        (O::RenameModel(a), O::RenameModel(b)) if a.new_name == b.old_name => {
            if a.old_name == b.new_name {
                Reduce::Replace(vec![])
            } else {
                Reduce::Replace(vec![RenameModel {
                    old_name: a.old_name.clone(),
                    new_name: b.new_name.clone(),
                }
                .into()])
            }
        }
        (O::RenameModel(a), other) => model_through(app, other, &[&a.old_name, &a.new_name]),

        (O::AlterModelTable(a), O::AlterModelTable(b)) if a.name == b.name => {
            Reduce::Replace(vec![second.clone()])
        }
        (O::AlterModelComment(a), O::AlterModelComment(b)) if a.name == b.name => {
            Reduce::Replace(vec![second.clone()])
        }
        (O::AlterModelTable(_) | O::AlterModelComment(_), O::DeleteModel(d))
            if first.model_name() == Some(d.name.as_str()) =>
        {
            Reduce::Replace(vec![second.clone()])
        }

        (O::AddIndex(a), O::RemoveIndex(b)) if a.model == b.model && a.index.name == b.name => {
            Reduce::Replace(vec![])
        }
        (O::AddIndex(a), O::RenameIndex(b)) if a.model == b.model && a.index.name == b.old_name => {
            let mut index = a.index.clone();
            index.name = b.new_name.clone();
            Reduce::Replace(vec![AddIndex::new(&a.model, index).into()])
        }
        (O::RenameIndex(a), O::RenameIndex(b))
            if a.model == b.model && a.new_name == b.old_name =>
        {
            if a.old_name == b.new_name {
                Reduce::Replace(vec![])
            } else {
                Reduce::Replace(vec![
                    RenameIndex::new(&a.model, &a.old_name, &b.new_name).into()
                ])
            }
        }
        (O::RenameIndex(a), O::RemoveIndex(b)) if a.model == b.model && a.new_name == b.name => {
            Reduce::Replace(vec![RemoveIndex::new(&a.model, &a.old_name).into()])
        }
        (O::AddConstraint(a), O::RemoveConstraint(b))
            if a.model == b.model && a.constraint.name == b.name =>
        {
            Reduce::Replace(vec![])
        }

        (first, other) => match first.model_name() {
            Some(m) => model_through(app, other, &[m]),
            None => Reduce::Block,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::{
        AddConstraint, AddIndex, DeleteModel, RemoveConstraint, RemoveField, RemoveIndex, RunSql,
    };
    use crate::state::{
        ConstraintState, DefaultValue, ForeignKey, IndexState, ModelState, OnDelete,
    };
    use crate::ColumnType;

    fn create(name: &str, fields: Vec<FieldState>) -> Operation {
        create_in(name, &name.to_lowercase(), fields)
    }

    fn create_in(name: &str, table: &str, fields: Vec<FieldState>) -> Operation {
        let mut m = ModelState::new("app", name, table);
        m.fields = std::iter::once(FieldState::new("id", ColumnType::BigInt).primary_key())
            .chain(fields)
            .collect();
        CreateModel::from_state(&m).into()
    }

    fn field(name: &str) -> FieldState {
        FieldState::new(name, ColumnType::Integer)
    }

    fn fk(name: &str, target: &str) -> FieldState {
        FieldState::new(name, ColumnType::BigInt).foreign_key(ForeignKey::new(
            "app",
            target,
            OnDelete::Cascade,
        ))
    }

    fn add(model: &str, f: FieldState) -> Operation {
        AddField::new(model, f).into()
    }

    fn alter(model: &str, f: FieldState) -> Operation {
        AlterField::new(model, f).into()
    }

    fn rename_field(model: &str, old: &str, new: &str) -> Operation {
        RenameField::new(model, old, new).into()
    }

    fn rename_model(old: &str, new: &str) -> Operation {
        RenameModel {
            old_name: old.into(),
            new_name: new.into(),
        }
        .into()
    }

    fn remove(model: &str, name: &str) -> Operation {
        RemoveField::new(model, name).into()
    }

    fn opt(ops: Vec<Operation>) -> Vec<Operation> {
        optimize("app", ops)
    }

    #[test]
    fn create_model_absorbs_field_operations() {
        assert_eq!(
            opt(vec![create("Book", vec![]), add("Book", field("pages"))]),
            vec![create("Book", vec![field("pages")])]
        );
        assert_eq!(
            opt(vec![
                create("Book", vec![field("pages")]),
                remove("Book", "pages")
            ]),
            vec![create("Book", vec![])]
        );
        assert_eq!(
            opt(vec![
                create("Book", vec![field("pages")]),
                alter("Book", field("pages").nullable())
            ]),
            vec![create("Book", vec![field("pages").nullable()])]
        );
        assert_eq!(
            opt(vec![
                create("Book", vec![field("pages")]),
                rename_field("Book", "pages", "leaves")
            ]),
            vec![create("Book", vec![field("leaves")])]
        );
    }

    #[test]
    fn create_then_delete_vanishes_and_create_then_rename_renames() {
        assert_eq!(
            opt(vec![
                create("Book", vec![]),
                DeleteModel {
                    name: "Book".into()
                }
                .into()
            ]),
            vec![]
        );
        assert_eq!(
            opt(vec![create("Book", vec![]), rename_model("Book", "Novel")]),
            vec![create_in("Novel", "book", vec![])],
            "the table stays"
        );
    }

    #[test]
    fn create_model_absorbs_indexes_and_table_changes() {
        let idx = IndexState::new("pages_idx", ["pages"], false);
        let ops = opt(vec![
            create("Book", vec![field("pages")]),
            AddIndex::new("Book", idx.clone()).into(),
        ]);
        let Operation::CreateModel(c) = &ops[0] else {
            panic!("{ops:?}")
        };
        assert_eq!((ops.len(), c.indexes.clone()), (1, vec![idx]));
    }

    #[test]
    fn add_field_absorbs_alter_and_rename_and_vanishes_with_remove() {
        assert_eq!(
            opt(vec![
                add("Book", field("pages")),
                alter("Book", field("pages").nullable())
            ]),
            vec![add("Book", field("pages").nullable())]
        );
        assert_eq!(
            opt(vec![add("Book", field("pages")), remove("Book", "pages")]),
            vec![]
        );
        assert_eq!(
            opt(vec![
                add("Book", field("pages")),
                rename_field("Book", "pages", "leaves")
            ]),
            vec![add("Book", field("leaves"))]
        );
    }

    #[test]
    fn add_field_keeps_the_fill_value_when_the_alter_drops_the_default() {
        let mut first = AddField::new("Book", field("pages").default(DefaultValue::Int(0)));
        first.preserve_default = false;
        let ops = opt(vec![first.into(), alter("Book", field("pages").index())]);
        let mut expected =
            AddField::new("Book", field("pages").index().default(DefaultValue::Int(0)));
        expected.preserve_default = false;
        assert_eq!(ops, vec![Operation::from(expected)]);
    }

    #[test]
    fn alter_field_chains() {
        assert_eq!(
            opt(vec![
                alter("Book", field("pages").nullable()),
                alter("Book", field("pages").index())
            ]),
            vec![alter("Book", field("pages").index())]
        );
        assert_eq!(
            opt(vec![
                alter("Book", field("pages").nullable()),
                remove("Book", "pages")
            ]),
            vec![remove("Book", "pages")]
        );
    }

    #[test]
    fn index_renames_fold() {
        let ri = |a: &str, b: &str| -> Operation { RenameIndex::new("Book", a, b).into() };
        let idx = |n: &str| -> Operation {
            AddIndex::new("Book", crate::state::IndexState::new(n, ["title"], false)).into()
        };
        assert_eq!(opt(vec![idx("i"), ri("i", "j")]), vec![idx("j")]);
        assert_eq!(opt(vec![ri("i", "j"), ri("j", "k")]), vec![ri("i", "k")]);
        assert_eq!(opt(vec![ri("i", "j"), ri("j", "i")]), vec![]);
        assert_eq!(
            opt(vec![ri("i", "j"), RemoveIndex::new("Book", "j").into()]),
            vec![RemoveIndex::new("Book", "i").into()]
        );
    }

    #[test]
    fn rename_chains_collapse() {
        assert_eq!(
            opt(vec![
                rename_field("Book", "a", "b"),
                rename_field("Book", "b", "c")
            ]),
            vec![rename_field("Book", "a", "c")]
        );
        assert_eq!(
            opt(vec![
                rename_field("Book", "a", "b"),
                rename_field("Book", "b", "a")
            ]),
            vec![]
        );
        assert_eq!(
            opt(vec![rename_model("A", "B"), rename_model("B", "C")]),
            vec![rename_model("A", "C")]
        );
        assert_eq!(
            opt(vec![rename_model("A", "B"), rename_model("B", "A")]),
            vec![]
        );
    }

    #[test]
    fn index_and_constraint_pairs_vanish() {
        assert_eq!(
            opt(vec![
                AddIndex::new("Book", IndexState::new("i", ["a"], false)).into(),
                RemoveIndex::new("Book", "i").into(),
            ]),
            vec![]
        );
        assert_eq!(
            opt(vec![
                AddConstraint::new("Book", ConstraintState::check("c", "a > 0")).into(),
                RemoveConstraint::new("Book", "c").into(),
            ]),
            vec![]
        );
    }

    #[test]
    fn folds_through_unrelated_operations() {
        assert_eq!(
            opt(vec![
                add("Book", field("a")),
                alter("Book", field("b").nullable()),
                add("Shelf", field("c")),
                remove("Book", "a"),
            ]),
            vec![
                alter("Book", field("b").nullable()),
                add("Shelf", field("c"))
            ]
        );
        assert_eq!(
            opt(vec![
                create("Author", vec![]),
                create("Shelf", vec![]),
                add("Author", field("age")),
            ]),
            vec![
                create("Author", vec![field("age")]),
                create("Shelf", vec![])
            ]
        );
    }

    #[test]
    fn never_folds_across_a_reference_or_raw_code() {
        // A foreign-key cycle: the field cannot move into the first CreateModel.
        let cycle = vec![
            create("Author", vec![]),
            create("Book", vec![fk("author", "Author")]),
            add("Author", fk("favourite", "Book")),
        ];
        assert_eq!(opt(cycle.clone()), cycle);
        // The rename cannot move before a model that points at the old name.
        let renamed = vec![
            create("Author", vec![]),
            create("Book", vec![fk("author", "Author")]),
            rename_model("Author", "Writer"),
        ];
        assert_eq!(opt(renamed.clone()), renamed);
        let sql = vec![
            add("Book", field("a")),
            RunSql::new(vec!["UPDATE book SET a = 1".into()], None).into(),
            remove("Book", "a"),
        ];
        assert_eq!(opt(sql.clone()), sql);
    }

    #[test]
    fn repeats_until_nothing_changes() {
        assert_eq!(
            opt(vec![
                create("Book", vec![]),
                add("Book", field("a")),
                alter("Book", field("a").nullable()),
                rename_field("Book", "a", "b"),
                rename_model("Book", "Novel"),
            ]),
            vec![create_in("Novel", "book", vec![field("b").nullable()])]
        );
    }
}
