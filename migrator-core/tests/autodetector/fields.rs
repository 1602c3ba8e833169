//! Fields, indexes and constraints: fields added (one-off defaults, questions for NOT NULL
//! fields), removed, altered and renamed (by hint and by question), indexes and constraints
//! added, removed and changed, swapped columns, and checks naming a renamed column.

use migrator_core::autodetector::{detect, DetectError};
use migrator_core::operations::{
    AddConstraint, AddField, AddIndex, AlterField, CreateModel, RemoveConstraint, RemoveField,
    RemoveIndex, RenameField,
};
use migrator_core::questioner::{Answer, NonInteractiveQuestioner, Question};
use migrator_core::registry::ModelHints;
use migrator_core::{
    ColumnType, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, ModelState,
    OnDelete, Operation,
};

use super::{
    apply_to_sqlite, assert_fixpoint, book, current, descriptions, fk, model, ops_of, project, run,
    with_hints,
};

#[test]
fn added_fields_and_one_off_defaults() {
    let from = project([book()]);
    let mut b = book();
    b.fields
        .push(FieldState::new("published", ColumnType::Date).nullable());
    b.fields
        .push(FieldState::new("stock", ColumnType::Integer).default(DefaultValue::Int(0)));
    b.fields.push(FieldState::new("pages", ColumnType::Integer));
    let to = current([b]);

    let (changes, asked) = run(&from, &to, vec![Answer::Default(DefaultValue::Int(100))]);
    assert_eq!(
        asked,
        [Question::NotNullAddition {
            app: "library".into(),
            model: "Book".into(),
            field: "pages".into()
        }]
    );
    let mut pages = AddField::new(
        "Book",
        FieldState::new("pages", ColumnType::Integer).default(DefaultValue::Int(100)),
    );
    pages.preserve_default = false;
    assert_eq!(
        ops_of(&changes, "library"),
        vec![
            Operation::from(AddField::new(
                "Book",
                FieldState::new("published", ColumnType::Date).nullable()
            )),
            AddField::new(
                "Book",
                FieldState::new("stock", ColumnType::Integer).default(DefaultValue::Int(0))
            )
            .into(),
            pages.into(),
        ]
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn not_null_addition_without_input_fails_with_both_fixes() {
    let from = project([book()]);
    let mut b = book();
    b.fields.push(FieldState::new("pages", ColumnType::Integer));
    let err = detect(&from, &current([b]), &mut NonInteractiveQuestioner).unwrap_err();
    assert!(matches!(err, DetectError::Question(_)));
    let text = err.to_string();
    for needle in [
        "library.Book.pages",
        "Option<T>",
        "#[model(default = …)]",
        "interactively",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from: {text}");
    }
}

#[test]
fn auto_increment_primary_key_needs_no_default() {
    let mut old = book();
    old.fields.remove(0);
    let from = project([old]);
    let (changes, asked) = run(&from, &current([book()]), vec![]);
    assert!(asked.is_empty());
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Add field id to book"]
    );
}

#[test]
fn removed_field_drops_its_index_first() {
    let mut old = book();
    old.indexes = vec![IndexState::new("books_isbn_idx", ["isbn"], false)];
    old.constraints = vec![ConstraintState::unique(
        "books_isbn_uniq",
        ["isbn", "title"],
    )];
    let from = project([old]);
    let mut b = book();
    b.fields.pop();
    let (changes, _) = run(&from, &current([b]), vec![]);
    assert_eq!(
        ops_of(&changes, "library"),
        vec![
            Operation::from(RemoveIndex::new("Book", "books_isbn_idx")),
            RemoveConstraint::new("Book", "books_isbn_uniq").into(),
            RemoveField::new("Book", "isbn").into(),
        ]
    );
}

#[test]
fn removed_field_drops_the_checks_naming_its_column_first() {
    let mut old = book();
    old.constraints = vec![
        ConstraintState::check("books_isbn_len", "length(\"isbn\") = 13"),
        ConstraintState::check("books_title_set", "\"title\" <> ''"),
    ];
    let from = project([old.clone()]);
    let mut b = old.clone();
    b.fields.pop();
    b.constraints.remove(0);
    let (changes, _) = run(&from, &current([b.clone()]), vec![]);
    assert_eq!(
        ops_of(&changes, "library"),
        vec![
            Operation::from(RemoveConstraint::new("Book", "books_isbn_len")),
            RemoveField::new("Book", "isbn").into(),
        ]
    );
    assert_fixpoint(&from, &current([b]), &changes);
    // The code drops the field but keeps a check that names it: refused, naming the check.
    let mut kept = old;
    kept.fields.pop();
    let mut q = NonInteractiveQuestioner;
    let err = detect(&from, &current([kept]), &mut q)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("still used by check constraint `books_isbn_len`"),
        "{err}"
    );
}

type FieldChange = fn(FieldState) -> FieldState;

#[test]
fn every_field_property_change_is_an_alter_field() {
    let target = model("library", "Shelf", vec![]);
    let other = model("library", "Room", vec![]);
    let base = fk("shelf", "library", "Shelf");
    let changes: Vec<(&str, FieldChange)> = vec![
        ("type", |f| FieldState {
            column_type: ColumnType::Integer,
            ..f
        }),
        ("nullability", |f| f.nullable()),
        ("default", |f| f.default(DefaultValue::Int(1))),
        ("unique", |f| f.unique()),
        ("index", |f| f.index()),
        ("primary key", |f| f.primary_key()),
        ("column", |f| f.column("shelf_ref")),
        ("comment", |f| f.comment("Where it stands.")),
        ("fk target", |f| {
            f.foreign_key(ForeignKey::new("library", "Room", OnDelete::Cascade))
        }),
        ("on_delete", |f| {
            f.foreign_key(ForeignKey::new("library", "Shelf", OnDelete::Restrict))
        }),
    ];
    let with = |f: FieldState| {
        let mut b = book();
        b.fields.push(f);
        b
    };
    let from = project([with(base.clone()), target.clone(), other.clone()]);
    for (what, change) in changes {
        let new_field = change(base.clone());
        let to = current([with(new_field.clone()), target.clone(), other.clone()]);
        let (changes, asked) = run(&from, &to, vec![]);
        assert!(asked.is_empty(), "{what}");
        assert_eq!(
            ops_of(&changes, "library"),
            vec![Operation::from(AlterField::new("Book", new_field))],
            "{what}"
        );
    }
    // Max length.
    let mut b = book();
    b.fields[1].column_type = ColumnType::Varchar(300);
    let (changes, _) = run(&project([book()]), &current([b.clone()]), vec![]);
    assert_eq!(
        ops_of(&changes, "library"),
        vec![Operation::from(AlterField::new(
            "Book",
            b.fields[1].clone()
        ))]
    );
}

#[test]
fn null_to_not_null_asks_for_a_default() {
    let from = project([book()]);
    let mut b = book();
    b.fields[2].nullable = false;
    let to = current([b.clone()]);
    let (changes, asked) = run(
        &from,
        &to,
        vec![Answer::Default(DefaultValue::Text("n/a".into()))],
    );
    assert_eq!(
        asked,
        [Question::NotNullAlteration {
            app: "library".into(),
            model: "Book".into(),
            field: "isbn".into()
        }]
    );
    let mut alter = AlterField::new(
        "Book",
        b.fields[2]
            .clone()
            .default(DefaultValue::Text("n/a".into())),
    );
    alter.preserve_default = false;
    assert_eq!(ops_of(&changes, "library"), vec![Operation::from(alter)]);
    assert_fixpoint(&from, &to, &changes);

    let (changes, _) = run(&from, &to, vec![Answer::NoDefault]);
    assert_eq!(
        ops_of(&changes, "library"),
        vec![Operation::from(AlterField::new(
            "Book",
            b.fields[2].clone()
        ))]
    );
    // Non-interactive: goes ahead without a default (existing NULLs are the user's to fix).
    let changes = detect(&from, &to, &mut NonInteractiveQuestioner).unwrap();
    assert_eq!(changes["library"].operations.len(), 1);
}

#[test]
fn field_rename_by_hint_with_and_without_other_changes() {
    let mut old = book();
    old.indexes = vec![IndexState::new("books_title_idx", ["title"], false)];
    let from = project([old]);
    let hint = ModelHints {
        field_renames: [("name".to_string(), "title".to_string())].into(),
        ..ModelHints::default()
    };

    let mut b = book();
    b.fields[1].name = "name".into();
    b.fields[1].column = "name".into();
    b.indexes = vec![IndexState::new("books_title_idx", ["name"], false)];
    let to = with_hints(current([b.clone()]), ("library", "Book"), hint.clone());
    let (changes, asked) = run(&from, &to, vec![]);
    assert!(asked.is_empty());
    assert_eq!(
        ops_of(&changes, "library"),
        vec![Operation::from(RenameField::new("Book", "title", "name"))],
        "the index follows the rename"
    );
    assert_fixpoint(&from, &to, &changes);

    b.fields[1].column_type = ColumnType::Text;
    let to = with_hints(current([b.clone()]), ("library", "Book"), hint);
    let (changes, asked) = run(&from, &to, vec![]);
    assert!(asked.is_empty());
    assert_eq!(
        ops_of(&changes, "library"),
        vec![
            Operation::from(RenameField::new("Book", "title", "name")),
            AlterField::new("Book", b.fields[1].clone()).into(),
        ]
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn field_rename_by_question_yes_and_no() {
    let from = project([book()]);
    let mut b = book();
    b.fields[2].name = "code".into();
    b.fields[2].column = "code".into();
    let to = current([b]);

    let (changes, asked) = run(&from, &to, vec![Answer::Rename(true)]);
    assert_eq!(
        asked,
        [Question::RenameField {
            app: "library".into(),
            model: "Book".into(),
            old: "isbn".into(),
            new: "code".into()
        }]
    );
    assert_eq!(
        asked[0].prompt(),
        "Did you rename library.Book.isbn to library.Book.code?"
    );
    assert_eq!(
        ops_of(&changes, "library"),
        vec![Operation::from(RenameField::new("Book", "isbn", "code"))]
    );

    let (changes, _) = run(&from, &to, vec![Answer::Rename(false)]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Remove field isbn from book", "Add field code to book"]
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn indexes_and_constraints_added_removed_changed() {
    let mut old = book();
    old.indexes = vec![
        IndexState::new("keep_idx", ["title"], false),
        IndexState::new("changed_idx", ["title"], false),
        IndexState::new("gone_idx", ["isbn"], false),
    ];
    old.constraints = vec![ConstraintState::check("gone_ck", "id > 0")];
    let from = project([old]);
    let mut b = book();
    b.fields
        .push(FieldState::new("pages", ColumnType::Integer).nullable());
    b.indexes = vec![
        IndexState::new("keep_idx", ["title"], false),
        IndexState::new("changed_idx", ["title", "isbn"], false),
        IndexState::new("pages_idx", ["pages"], true),
    ];
    b.constraints = vec![ConstraintState::unique("pages_uniq", ["pages"])];
    let to = current([b]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        ops_of(&changes, "library"),
        vec![
            Operation::from(RemoveIndex::new("Book", "changed_idx")),
            RemoveIndex::new("Book", "gone_idx").into(),
            RemoveConstraint::new("Book", "gone_ck").into(),
            AddField::new(
                "Book",
                FieldState::new("pages", ColumnType::Integer).nullable()
            )
            .into(),
            AddIndex::new(
                "Book",
                IndexState::new("changed_idx", ["title", "isbn"], false)
            )
            .into(),
            AddIndex::new("Book", IndexState::new("pages_idx", ["pages"], true)).into(),
            AddConstraint::new("Book", ConstraintState::unique("pages_uniq", ["pages"])).into(),
        ]
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn swapped_columns_are_reported_with_the_two_step_fix() {
    let mut old = book();
    old.fields[1].column = "p".into();
    old.fields[2].column = "q".into();
    let mut b = book();
    b.fields[1].column = "q".into();
    b.fields[2].column = "p".into();
    let err = detect(
        &project([old]),
        &current([b]),
        &mut NonInteractiveQuestioner,
    )
    .unwrap_err();
    assert!(matches!(err, DetectError::ColumnClash { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("library.Book") && text.contains("two steps"),
        "{text}"
    );
}

// --- Check constraints naming a renamed column. ---

fn checked(field: &str, check: &str) -> ModelState {
    let mut m = model(
        "library",
        "Product",
        vec![
            FieldState::new(field, ColumnType::Integer),
            FieldState::new("qty", ColumnType::Integer),
        ],
    );
    m.constraints = vec![ConstraintState::check("price_positive", check)];
    m
}

fn field_hint(new: &str, old: &str) -> ModelHints {
    let mut h = ModelHints::default();
    h.field_renames.insert(new.into(), old.into());
    h
}

#[test]
fn a_check_naming_a_renamed_column_is_dropped_and_added_back_around_the_rename() {
    let from = project([checked("price", "price > 0 AND qty >= 0")]);
    // The check follows the rename in the code.
    let to = with_hints(
        current([checked("cost", "cost > 0 AND qty >= 0")]),
        ("library", "Product"),
        field_hint("cost", "price"),
    );
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Remove constraint price_positive from model product",
            "Rename field price on product to cost",
            "Create constraint price_positive on model product",
        ]
    );
    assert_fixpoint(&from, &to, &changes);
    apply_to_sqlite(
        &[CreateModel::from_state(&checked("price", "price > 0 AND qty >= 0")).into()],
        &changes,
    );

    // The code's check still names the old column (a mistake the database will report): the
    // rename would rewrite it in the state, so it is dropped and added back as written, and
    // the detection stays a fixpoint instead of failing.
    let to = with_hints(
        current([checked("cost", "price > 0 AND qty >= 0")]),
        ("library", "Product"),
        field_hint("cost", "price"),
    );
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(ops_of(&changes, "library").len(), 3);
    assert_fixpoint(&from, &to, &changes);

    // A check that does not name the renamed column stays put.
    let from = project([checked("price", "qty >= 0")]);
    let to = with_hints(
        current([checked("cost", "qty >= 0")]),
        ("library", "Product"),
        field_hint("cost", "price"),
    );
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Rename field price on product to cost"]
    );
    assert_fixpoint(&from, &to, &changes);
}

/// Issue 20.3: renaming a field while pinning its column (`#[model(column = "field",
/// renamed_from = "field")] renamed_field`) is one RenameField that keeps the column — no
/// rename to `renamed_field` and AlterField back — and its SQL is empty on every backend,
/// both ways.
#[test]
fn a_rename_that_pins_the_column_changes_nothing_in_the_database() {
    use migrator_core::backend::ALL;

    let from = project([book()]);
    let mut b = book();
    b.fields[1].name = "renamed_title".into();
    assert_eq!(b.fields[1].column, "title");
    let to = with_hints(
        current([b]),
        ("library", "Book"),
        ModelHints {
            field_renames: [("renamed_title".to_string(), "title".to_string())].into(),
            ..ModelHints::default()
        },
    );
    let (changes, _) = run(&from, &to, vec![]);
    let ops = ops_of(&changes, "library");
    assert_eq!(
        ops,
        vec![Operation::from(
            RenameField::new("Book", "title", "renamed_title").keeping_column()
        )]
    );
    assert_fixpoint(&from, &to, &changes);
    let mut after = from.clone();
    ops[0].state_forwards("library", &mut after).unwrap();
    for backend in ALL {
        let Ok(editor) = backend.editor() else {
            continue;
        };
        let sql = ops[0]
            .database_forwards("library", editor.as_ref(), &from, &after)
            .unwrap();
        assert!(sql.is_empty(), "{backend:?} forwards: {sql:?}");
        let sql = ops[0]
            .database_backwards("library", editor.as_ref(), &from, &after)
            .unwrap();
        assert!(sql.is_empty(), "{backend:?} backwards: {sql:?}");
    }
    let mut m = migrator_core::migration::Migration::new("library", "0002_rename");
    m.operations = ops;
    let source = migrator_core::writer::render(&m);
    assert!(
        source.contains(r#"rename_field_keep_column("Book", "title", "renamed_title")"#),
        "{source}"
    );
}

/// Issue 20.2: an index that only changes its name is one RenameIndex — renamed in place on
/// PostgreSQL and MySQL, dropped and recreated on SQLite (which cannot rename an index, as in
/// Django) — not a RemoveIndex and an AddIndex.
#[test]
fn an_index_that_only_changes_its_name_is_renamed() {
    use migrator_core::backend::ALL;
    use migrator_core::operations::RenameIndex;

    let mut old = book();
    old.indexes = vec![IndexState::new("books_title_idx", ["title"], true)];
    let from = project([old.clone()]);
    let mut b = book();
    b.indexes = vec![IndexState::new("books_title_uniq", ["title"], true)];
    let to = current([b]);
    let (changes, asked) = run(&from, &to, vec![]);
    assert!(asked.is_empty());
    let ops = ops_of(&changes, "library");
    assert_eq!(
        ops,
        vec![Operation::from(RenameIndex::new(
            "Book",
            "books_title_idx",
            "books_title_uniq"
        ))]
    );
    assert_eq!(
        descriptions(&ops),
        ["Rename index books_title_idx on model book to books_title_uniq"]
    );
    assert_fixpoint(&from, &to, &changes);
    apply_to_sqlite(&[CreateModel::from_state(&old).into()], &changes);

    let mut after = from.clone();
    ops[0].state_forwards("library", &mut after).unwrap();
    for backend in ALL {
        let Ok(editor) = backend.editor() else {
            continue;
        };
        let fwd = ops[0]
            .database_forwards("library", editor.as_ref(), &from, &after)
            .unwrap()
            .join("\n");
        let back = ops[0]
            .database_backwards("library", editor.as_ref(), &from, &after)
            .unwrap()
            .join("\n");
        let expected = match backend {
            migrator_core::backend::Backend::Sqlite => {
                assert!(fwd.contains("DROP INDEX"), "{fwd}");
                "CREATE UNIQUE INDEX \"books_title_uniq\""
            }
            migrator_core::backend::Backend::Postgres => {
                "ALTER INDEX \"books_title_idx\" RENAME TO \"books_title_uniq\""
            }
            migrator_core::backend::Backend::Mysql => {
                "RENAME INDEX `books_title_idx` TO `books_title_uniq`"
            }
        };
        assert!(fwd.contains(expected), "{backend:?}: {fwd}");
        assert!(back.contains("books_title_idx"), "{backend:?}: {back}");
        if backend != migrator_core::backend::Backend::Sqlite {
            assert!(!fwd.contains("DROP") && !fwd.contains("CREATE"), "{fwd}");
        }
    }

    // A changed index (other fields) is still removed and added.
    let mut c = book();
    c.indexes = vec![IndexState::new("books_isbn_idx", ["isbn"], true)];
    let (changes, _) = run(&from, &current([c]), vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Remove index books_title_idx from model book",
            "Create index books_isbn_idx on field(s) isbn of model book"
        ]
    );
}

#[test]
fn generated_columns_need_no_default_and_a_new_expression_is_an_alter() {
    // Added NOT NULL without a default: the database computes it, so nobody is asked.
    let from = project([book()]);
    let mut b = book();
    b.fields.push(
        FieldState::new("title_length", ColumnType::Integer).generated_stored("length(title)"),
    );
    b.fields.push(
        FieldState::new("shout", ColumnType::Text)
            .nullable()
            .generated_virtual("upper(title)"),
    );
    let to = current([b.clone()]);
    let (changes, asked) = run(&from, &to, vec![]);
    assert!(asked.is_empty(), "{asked:?}");
    let ops = ops_of(&changes, "library");
    assert_eq!(
        descriptions(&ops),
        ["Add field title_length to book", "Add field shout to book"]
    );
    assert!(
        matches!(&ops[0], Operation::AddField(AddField { field, .. })
        if field.generated.as_ref().is_some_and(|g| g.stored && g.sql == "length(title)"))
    );
    assert_fixpoint(&from, &to, &changes);
    let from_ops = [Operation::CreateModel(CreateModel::from_state(&book()))];
    apply_to_sqlite(&from_ops, &changes);

    // A new expression, or stored → virtual, is an AlterField carrying the new definition.
    let from2 = project([b.clone()]);
    let mut b2 = b.clone();
    b2.fields[3] =
        FieldState::new("title_length", ColumnType::Integer).generated_virtual("length(title)");
    b2.fields[4] = FieldState::new("shout", ColumnType::Text)
        .nullable()
        .generated_virtual("lower(title)");
    let to2 = current([b2]);
    let (changes, asked) = run(&from2, &to2, vec![]);
    assert!(asked.is_empty());
    let ops = ops_of(&changes, "library");
    assert_eq!(ops.len(), 2, "{ops:#?}");
    assert!(ops.iter().all(|op| matches!(op, Operation::AlterField(_))));
    assert_fixpoint(&from2, &to2, &changes);

    // Removed: nothing is asked either.
    let (changes, _) = run(&from2, &current([book()]), vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Remove field title_length from book",
            "Remove field shout from book"
        ]
    );
}

/// Issue 17.4: a changed condition (or method, include, nulls_distinct) is a remove and an
/// add of the index, never a rename; an added partial index is an AddIndex with it; both
/// reach the fixpoint and apply on SQLite.
#[test]
fn a_changed_index_condition_is_a_remove_and_an_add() {
    let mut old = book();
    old.indexes = vec![IndexState::new("books_title_live", ["title"], true).condition("id > 0")];
    let from = project([old.clone()]);
    let mut b = book();
    b.indexes = vec![IndexState::new("books_title_live", ["title"], true).condition("id > 10")];
    let to = current([b]);
    let (changes, asked) = run(&from, &to, vec![]);
    assert!(asked.is_empty());
    let ops = ops_of(&changes, "library");
    assert_eq!(
        descriptions(&ops),
        [
            "Remove index books_title_live from model book",
            "Create index books_title_live on field(s) title of model book",
        ]
    );
    assert_fixpoint(&from, &to, &changes);
    apply_to_sqlite(&[CreateModel::from_state(&old).into()], &changes);
}

/// Issue 17.4: an expression index added, changed (a remove and an add, never a rename),
/// renamed (same expressions: a RenameIndex) and removed; an index whose expression names a
/// renamed column is dropped and added back around the rename, as a check is. Each reaches
/// the fixpoint and applies on SQLite.
#[test]
fn expression_indexes_are_added_changed_renamed_and_follow_column_renames() {
    let with = |indexes: Vec<IndexState>| {
        let mut b = book();
        b.indexes = indexes;
        b
    };
    let lower = |name: &str, expr: &str| IndexState::over_expressions(name, [expr], true);
    let steps = [
        (
            vec![],
            vec![lower("books_title_ci", "lower(title)")],
            vec!["Create index books_title_ci on expression(s) lower(title) of model book"],
        ),
        (
            vec![lower("books_title_ci", "lower(title)")],
            vec![lower("books_title_ci", "upper(title)")],
            vec![
                "Remove index books_title_ci from model book",
                "Create index books_title_ci on expression(s) upper(title) of model book",
            ],
        ),
        (
            vec![lower("books_title_ci", "lower(title)")],
            vec![lower("books_title_lower", "lower(title)")],
            vec!["Rename index books_title_ci on model book to books_title_lower"],
        ),
        (
            vec![lower("books_title_ci", "lower(title)")],
            vec![],
            vec!["Remove index books_title_ci from model book"],
        ),
    ];
    for (old, new, expected) in steps {
        let from = project([with(old.clone())]);
        let to = current([with(new)]);
        let (changes, _) = run(&from, &to, vec![]);
        assert_eq!(descriptions(&ops_of(&changes, "library")), expected);
        assert_fixpoint(&from, &to, &changes);
        apply_to_sqlite(&[CreateModel::from_state(&with(old)).into()], &changes);
    }

    // The field the expression names is renamed (and the code's expression follows).
    let old = with(vec![lower("books_title_ci", "lower(title)")]);
    let from = project([old.clone()]);
    let mut renamed = with(vec![lower("books_title_ci", "lower(headline)")]);
    let title = renamed.field_mut("title").unwrap();
    title.name = "headline".into();
    title.column = "headline".into();
    let to = with_hints(
        current([renamed]),
        ("library", "Book"),
        field_hint("headline", "title"),
    );
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Remove index books_title_ci from model book",
            "Rename field title on book to headline",
            "Create index books_title_ci on expression(s) lower(headline) of model book",
        ]
    );
    assert_fixpoint(&from, &to, &changes);
    apply_to_sqlite(&[CreateModel::from_state(&old).into()], &changes);
}
