//! Unit tests of the reductions and the loop, one per rule.

use super::*;
use crate::operations::{
    AddConstraint, AddIndex, DeleteModel, RemoveConstraint, RemoveField, RemoveIndex, RunSql,
};
use crate::operations::{AddField, AlterField, CreateModel, RenameField, RenameIndex, RenameModel};
use crate::state::FieldState;
use crate::state::{ConstraintState, DefaultValue, ForeignKey, IndexState, ModelState, OnDelete};
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

fn opt_from(state: &ProjectState, ops: Vec<Operation>) -> Vec<Operation> {
    optimize_from("app", ops, state)
}

/// A state holding model `Book` (table `book`) with an `id` and `fields`.
fn book_state(fields: Vec<FieldState>) -> ProjectState {
    let mut state = ProjectState::new();
    create("Book", fields)
        .state_forwards("app", &mut state)
        .expect("creates");
    state
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
    let mut expected = AddField::new("Book", field("pages").index().default(DefaultValue::Int(0)));
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
    // Without the state, only renames that keep their column fold: whether a rename moves
    // the column depends on the column before it.
    let keep =
        |a: &str, b: &str| -> Operation { RenameField::new("Book", a, b).keeping_column().into() };
    assert_eq!(
        opt(vec![keep("a", "b"), keep("b", "c")]),
        vec![keep("a", "c")]
    );
    let unfolded = vec![
        rename_field("Book", "a", "b"),
        rename_field("Book", "b", "c"),
    ];
    assert_eq!(opt(unfolded.clone()), unfolded);
    // With it, they fold.
    let book = book_state(vec![field("a")]);
    assert_eq!(
        opt_from(&book, unfolded),
        vec![rename_field("Book", "a", "c")]
    );
    assert_eq!(
        opt_from(
            &book,
            vec![
                rename_field("Book", "a", "b"),
                rename_field("Book", "b", "a")
            ]
        ),
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

trait IntoOp {
    fn into_op(self) -> Operation;
}

impl<T: Into<Operation>> IntoOp for T {
    fn into_op(self) -> Operation {
        self.into()
    }
}

fn delete(name: &str) -> Operation {
    DeleteModel { name: name.into() }.into()
}

fn table(name: &str, table: &str) -> Operation {
    crate::operations::AlterModelTable {
        name: name.into(),
        table: table.into(),
    }
    .into()
}

fn comment(name: &str, text: Option<&str>) -> Operation {
    crate::operations::AlterModelComment {
        name: name.into(),
        comment: text.map(Into::into),
    }
    .into()
}

fn add_index(model: &str, name: &str, fields: &[&str]) -> Operation {
    AddIndex::new(model, IndexState::new(name, fields.iter().copied(), false)).into()
}

#[test]
fn create_model_absorbs_constraints_renames_table_and_comment() {
    let ops = opt(vec![
        create("Book", vec![field("pages")]),
        AddConstraint::new("Book", ConstraintState::unique("u", ["pages"])).into(),
        add_index("Book", "i", &["pages"]),
        RenameIndex::new("Book", "i", "j").into(),
        table("Book", "books"),
        comment("Book", Some("all books")),
    ]);
    let mut m = ModelState::new("app", "Book", "books");
    m.comment = Some("all books".into());
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        field("pages"),
    ];
    m.indexes = vec![IndexState::new("j", ["pages"], false)];
    m.constraints = vec![ConstraintState::unique("u", ["pages"])];
    assert_eq!(ops, vec![CreateModel::from_state(&m).into()]);
    // And they vanish again inside it.
    assert_eq!(
        opt(vec![
            create("Book", vec![field("pages")]),
            add_index("Book", "i", &["pages"]),
            AddConstraint::new("Book", ConstraintState::check("c", "pages > 0")).into(),
            RemoveIndex::new("Book", "i").into(),
            RemoveConstraint::new("Book", "c").into(),
        ]),
        vec![create("Book", vec![field("pages")])]
    );
}

#[test]
fn anything_on_a_model_before_its_deletion_goes() {
    for op in [
        add("Book", field("a")),
        alter("Book", field("pages").nullable()),
        remove("Book", "pages"),
        rename_field("Book", "pages", "leaves"),
        table("Book", "books"),
        comment("Book", Some("c")),
        add_index("Book", "i", &["pages"]),
        AddConstraint::new("Book", ConstraintState::check("c", "pages > 0")).into(),
    ] {
        assert_eq!(
            opt(vec![op.clone(), delete("Book")]),
            vec![delete("Book")],
            "{op:?}"
        );
    }
    // A rename is not: foreign keys to the model followed it.
    let kept = vec![rename_model("Book", "Novel"), delete("Novel")];
    assert_eq!(opt(kept.clone()), kept);
}

#[test]
fn table_and_comment_changes_keep_the_last_or_vanish() {
    assert_eq!(
        opt(vec![table("Book", "a"), table("Book", "b")]),
        vec![table("Book", "b")]
    );
    assert_eq!(
        opt(vec![comment("Book", Some("a")), comment("Book", None)]),
        vec![comment("Book", None)]
    );
    // With the state, back to where it started is nothing at all.
    let book = book_state(vec![]);
    assert_eq!(
        opt_from(&book, vec![table("Book", "a"), table("Book", "book")]),
        vec![]
    );
    assert_eq!(
        opt_from(
            &book,
            vec![comment("Book", Some("a")), comment("Book", None)]
        ),
        vec![]
    );
}

#[test]
fn an_index_or_constraint_dropped_and_made_again_is_nothing_with_the_state() {
    let mut book = book_state(vec![field("pages")]);
    add_index("Book", "i", &["pages"])
        .state_forwards("app", &mut book)
        .expect("adds");
    AddConstraint::new("Book", ConstraintState::check("c", "pages > 0"))
        .into_op()
        .state_forwards("app", &mut book)
        .expect("adds");
    let same = vec![
        RemoveIndex::new("Book", "i").into(),
        add_index("Book", "i", &["pages"]),
    ];
    assert_eq!(opt_from(&book, same.clone()), vec![]);
    assert_eq!(opt(same.clone()), same, "unknown without the state");
    let different = vec![
        RemoveIndex::new("Book", "i").into(),
        add_index("Book", "i", &["id", "pages"]),
    ];
    assert_eq!(opt_from(&book, different.clone()), different);
    assert_eq!(
        opt_from(
            &book,
            vec![
                RemoveConstraint::new("Book", "c").into(),
                AddConstraint::new("Book", ConstraintState::check("c", "pages > 0")).into(),
            ]
        ),
        vec![]
    );
}

#[test]
fn alter_then_rename_becomes_rename_then_alter_and_meets_the_next_alter() {
    let book = book_state(vec![field("pages")]);
    assert_eq!(
        opt_from(
            &book,
            vec![
                alter("Book", field("pages").nullable()),
                rename_field("Book", "pages", "leaves"),
                alter("Book", field("leaves").index()),
            ]
        ),
        vec![
            rename_field("Book", "pages", "leaves"),
            alter("Book", field("leaves").index()),
        ]
    );
    // Without the state the column before the alteration is unknown: nothing moves.
    let kept = vec![
        alter("Book", field("pages").nullable()),
        rename_field("Book", "pages", "leaves"),
    ];
    assert_eq!(opt(kept.clone()), kept);
}

#[test]
fn a_rename_chain_through_a_pinned_column_is_left_alone() {
    // Field `a` keeps its data in column `b`: renaming it to `b` leaves the column, then
    // renaming `b` to `c` moves the column (it now follows the name). One rename a→c cannot
    // say that.
    let book = book_state(vec![field("a").column("b")]);
    let ops = vec![
        rename_field("Book", "a", "b"),
        rename_field("Book", "b", "c"),
    ];
    assert_eq!(opt_from(&book, ops.clone()), ops);
}

#[test]
fn alterations_to_what_is_there_are_dropped_with_the_state() {
    let book = book_state(vec![field("pages")]);
    assert_eq!(opt_from(&book, vec![alter("Book", field("pages"))]), vec![]);
    assert_eq!(
        opt_from(
            &book,
            vec![
                alter("Book", field("pages").nullable()),
                alter("Book", field("pages"))
            ]
        ),
        vec![]
    );
    assert_eq!(opt(vec![alter("Book", field("pages"))]).len(), 1);
}

#[test]
fn columns_keep_their_order() {
    // The alteration moves back to the first AddField, never the AddField forward.
    assert_eq!(
        opt(vec![
            add("Book", field("x")),
            add("Book", field("y")),
            alter("Book", field("x").nullable()),
        ]),
        vec![add("Book", field("x").nullable()), add("Book", field("y"))]
    );
    // Two AddFields of one model never trade places, so a fold that would need it is not made.
    let ops = vec![
        add("Book", field("x")),
        add("Book", field("y")),
        add_index("Book", "i", &["x", "y"]),
        alter("Book", field("x").nullable()),
    ];
    assert_eq!(opt(ops.clone()), ops);
    // Into a CreateModel, in the order they were added.
    assert_eq!(
        opt(vec![
            create("Book", vec![]),
            create("Shelf", vec![]),
            add("Book", field("x")),
            add("Shelf", field("z")),
            add("Book", field("y")),
        ]),
        vec![
            create("Book", vec![field("x"), field("y")]),
            create("Shelf", vec![field("z")]),
        ]
    );
}

#[test]
fn index_operations_move_past_unrelated_field_operations() {
    assert_eq!(
        opt(vec![
            add("Book", field("x")),
            add_index("Book", "i", &["pages"]),
            remove("Book", "x"),
        ]),
        vec![add_index("Book", "i", &["pages"])]
    );
    // …but not past one on a field they index.
    let ops = vec![
        add("Book", field("x")),
        add_index("Book", "i", &["x"]),
        alter("Book", field("x").nullable()),
    ];
    assert_eq!(
        opt(ops),
        vec![
            add("Book", field("x")),
            add_index("Book", "i", &["x"]),
            alter("Book", field("x").nullable()),
        ]
    );
}

#[test]
fn names_that_one_operation_frees_and_another_takes_are_never_swapped() {
    // An index name on another model (PostgreSQL: one namespace per schema).
    let ops = vec![
        add_index("Book", "i", &["pages"]),
        RemoveIndex::new("Shelf", "i").into(),
        add_index("Shelf", "i", &["size"]),
        RemoveIndex::new("Book", "i").into(),
    ];
    let got = opt(ops.clone());
    let names: Vec<String> = got.iter().map(Operation::describe).collect();
    let pos = |s: &str| names.iter().position(|n| n.starts_with(s));
    assert!(
        pos("Remove index i from model shelf") < pos("Create index i on field(s) size"),
        "{names:?}"
    );
    // A table name another model gives up.
    let ops = vec![
        table("Book", "old_books"),
        create_in("Archive", "book", vec![]),
        add("Book", field("x")),
    ];
    assert_eq!(opt(ops.clone()), ops);
}

#[test]
fn the_state_check_refuses_a_fold_the_rules_would_make() {
    // The alteration moves the column a check names; the check text follows it. Removing the
    // field then leaves the check naming the new column, which `RemoveField` alone would not.
    let mut book = book_state(vec![field("pages")]);
    AddConstraint::new("Book", ConstraintState::check("c", "pages > 0"))
        .into_op()
        .state_forwards("app", &mut book)
        .expect("adds");
    let ops = vec![
        alter("Book", field("pages").column("leaves")),
        remove("Book", "pages"),
    ];
    assert_eq!(
        opt(ops.clone()),
        vec![remove("Book", "pages")],
        "Django's rule"
    );
    assert_eq!(
        opt_from(&book, ops.clone()),
        ops,
        "checked against the state"
    );
}

#[test]
fn run_sql_and_run_rust_are_barriers() {
    let sql = || -> Operation { RunSql::new(vec!["SELECT 1".into()], None).into() };
    let ops = vec![create("Book", vec![]), sql(), add("Book", field("x"))];
    assert_eq!(opt(ops.clone()), ops);
    let ops = vec![add("Shelf", field("x")), sql(), delete("Shelf")];
    assert_eq!(opt(ops.clone()), ops);
}

/// `SeparateDatabaseAndState` is a barrier: its halves may touch any model (a state-only
/// rename, hand-written SQL), so nothing folds or moves across it, and its own operations
/// are never folded with the ones around it.
#[test]
fn separate_database_and_state_is_a_barrier() {
    use crate::operations::SeparateDatabaseAndState;
    let sep = |state: Vec<Operation>, database: Vec<Operation>| -> Operation {
        SeparateDatabaseAndState {
            state_operations: state,
            database_operations: database,
        }
        .into()
    };
    let ops = vec![
        create("Book", vec![]),
        sep(vec![add("Book", field("y"))], vec![]),
        add("Book", field("x")),
    ];
    assert_eq!(opt(ops.clone()), ops);
    let ops = vec![
        add("Shelf", field("x")),
        sep(vec![], vec![add("Shelf", field("y"))]),
        delete("Shelf"),
    ];
    assert_eq!(opt(ops.clone()), ops);
    // Unrelated by name, still not moved past: a CreateModel of another model stays before.
    let ops = vec![
        create("Tag", vec![]),
        sep(vec![create("Label", vec![])], vec![]),
        delete("Tag"),
    ];
    assert_eq!(opt(ops.clone()), ops);
}
