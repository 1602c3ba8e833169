//! The autodetector: every kind of change → the expected operations, renames by hint and by
//! answered question, questions for NOT NULL fields, operation order (foreign keys, indexes,
//! deletes), cross-app dependencies (including a property test that replays cross-app histories
//! in the graph's full plan), and speed on a large project.

mod sqlite_support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use migrator_core::autodetector::{detect, AppChanges, DetectError};
use migrator_core::operations::{
    AddConstraint, AddField, AddIndex, AlterField, AlterModelComment, AlterModelTable, CreateModel,
    DeleteModel, RemoveConstraint, RemoveField, RemoveIndex, RenameField, RenameModel,
};
use migrator_core::questioner::{Answer, NonInteractiveQuestioner, Question, ScriptedQuestioner};
use migrator_core::registry::{CurrentModels, ModelHints};
use migrator_core::{
    ColumnType, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, ModelKey,
    ModelState, OnDelete, Operation, ProjectState,
};

fn id() -> FieldState {
    FieldState::new("id", ColumnType::BigInt)
        .primary_key()
        .auto_increment()
}

fn model(app: &str, name: &str, fields: Vec<FieldState>) -> ModelState {
    let mut m = ModelState::new(app, name, name.to_lowercase() + "s");
    m.fields = std::iter::once(id()).chain(fields).collect();
    m
}

fn book() -> ModelState {
    model(
        "library",
        "Book",
        vec![
            FieldState::new("title", ColumnType::Varchar(200)),
            FieldState::new("isbn", ColumnType::Varchar(13)).nullable(),
        ],
    )
}

fn fk(name: &str, app: &str, target: &str) -> FieldState {
    FieldState::new(name, ColumnType::BigInt).foreign_key(ForeignKey::new(
        app,
        target,
        OnDelete::Cascade,
    ))
}

fn project(models: impl IntoIterator<Item = ModelState>) -> ProjectState {
    let mut s = ProjectState::new();
    for m in models {
        s.insert(m);
    }
    s
}

fn current(models: impl IntoIterator<Item = ModelState>) -> CurrentModels {
    CurrentModels {
        state: project(models),
        hints: BTreeMap::new(),
    }
}

fn with_hints(mut c: CurrentModels, key: (&str, &str), hints: ModelHints) -> CurrentModels {
    c.hints.insert(ModelKey::new(key.0, key.1), hints);
    c
}

fn run(
    from: &ProjectState,
    to: &CurrentModels,
    answers: Vec<Answer>,
) -> (BTreeMap<String, AppChanges>, Vec<Question>) {
    let mut q = ScriptedQuestioner::new(answers);
    let changes = detect(from, to, &mut q).expect("detect");
    (changes, q.asked)
}

fn ops_of(changes: &BTreeMap<String, AppChanges>, app: &str) -> Vec<Operation> {
    changes
        .get(app)
        .map(|c| c.operations.clone())
        .unwrap_or_default()
}

fn descriptions(ops: &[Operation]) -> Vec<String> {
    ops.iter().map(Operation::describe).collect()
}

/// Replays each app's operations (dependencies first) onto `from`.
fn replay(from: &ProjectState, changes: &BTreeMap<String, AppChanges>) -> ProjectState {
    let mut s = from.clone();
    let mut done: Vec<&str> = Vec::new();
    while done.len() < changes.len() {
        let (app, ch) = changes
            .iter()
            .find(|(a, ch)| {
                !done.contains(&a.as_str())
                    && ch
                        .depends_on_apps
                        .iter()
                        .all(|d| done.contains(&d.as_str()) || !changes.contains_key(d))
            })
            .expect("no dependency cycle");
        for op in &ch.operations {
            op.state_forwards(app, &mut s).expect("replays");
        }
        done.push(app);
    }
    s
}

fn assert_fixpoint(
    from: &ProjectState,
    to: &CurrentModels,
    changes: &BTreeMap<String, AppChanges>,
) {
    let replayed = replay(from, changes);
    let again = detect(&replayed, to, &mut NonInteractiveQuestioner).expect("second detect");
    assert!(again.is_empty(), "second detect: {again:#?}");
}

#[test]
fn no_change_gives_no_app() {
    let s = project([book()]);
    let (changes, asked) = run(&s, &current([book()]), vec![]);
    assert!(changes.is_empty());
    assert!(asked.is_empty());
}

#[test]
fn created_and_deleted_models() {
    let (changes, _) = run(&ProjectState::new(), &current([book()]), vec![]);
    assert_eq!(changes.len(), 1, "only apps with changes appear");
    assert_eq!(
        ops_of(&changes, "library"),
        vec![Operation::from(CreateModel::from_state(&book()))]
    );

    let from = project([book()]);
    let (changes, _) = run(&from, &current([]), vec![]);
    assert_eq!(
        ops_of(&changes, "library"),
        vec![Operation::from(DeleteModel {
            name: "Book".into()
        })]
    );
}

#[test]
fn model_rename_by_hint_asks_nothing() {
    let from = project([book()]);
    let mut novel = book();
    novel.name = "Novel".into();
    novel
        .fields
        .push(FieldState::new("pages", ColumnType::Integer).nullable());
    let to = with_hints(
        current([novel]),
        ("library", "Novel"),
        ModelHints {
            renamed_from: Some("Book".into()),
            ..ModelHints::default()
        },
    );
    let (changes, asked) = run(&from, &to, vec![]);
    assert!(asked.is_empty(), "{asked:?}");
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Rename model Book to Novel", "Add field pages to novel"]
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn model_rename_by_question() {
    let from = project([book()]);
    let mut novel = book();
    novel.name = "Novel".into();
    let to = current([novel.clone()]);

    let (changes, asked) = run(&from, &to, vec![Answer::Rename(true)]);
    assert_eq!(
        asked,
        [Question::RenameModel {
            app: "library".into(),
            old: "Book".into(),
            new: "Novel".into()
        }]
    );
    assert_eq!(
        asked[0].prompt(),
        "Did you rename the library.Book model to Novel?"
    );
    assert_eq!(
        ops_of(&changes, "library"),
        vec![Operation::from(RenameModel {
            old_name: "Book".into(),
            new_name: "Novel".into()
        })]
    );

    // "No": a new model and a deleted one. The table is reused, so the delete goes first.
    let (changes, asked) = run(&from, &to, vec![Answer::Rename(false)]);
    assert_eq!(asked.len(), 1);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Delete model Book", "Create model Novel"]
    );
    assert_fixpoint(&from, &to, &changes);

    // Different fields: no question at all.
    let mut other = novel;
    other.fields.pop();
    let (_, asked) = run(&from, &current([other]), vec![]);
    assert!(asked.is_empty());
}

#[test]
fn table_and_comment_changes() {
    let from = project([book()]);
    let mut b = book();
    b.table = "library_books".into();
    b.comment = Some("Books.".into());
    let (changes, _) = run(&from, &current([b]), vec![]);
    assert_eq!(
        ops_of(&changes, "library"),
        vec![
            Operation::from(AlterModelTable {
                name: "Book".into(),
                table: "library_books".into()
            }),
            AlterModelComment {
                name: "Book".into(),
                comment: Some("Books.".into())
            }
            .into()
        ]
    );
}

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
fn foreign_key_targets_are_created_first_whatever_their_names() {
    let apple = model("library", "Apple", vec![fk("zebra", "library", "Zebra")]);
    let mango = model("library", "Mango", vec![fk("apple", "library", "Apple")]);
    let zebra = model(
        "library",
        "Zebra",
        vec![fk("me", "library", "Zebra").nullable()],
    );
    let to = current([apple, mango, zebra]);
    let (changes, _) = run(&ProjectState::new(), &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Create model Zebra",
            "Create model Apple",
            "Create model Mango"
        ]
    );
    assert_fixpoint(&ProjectState::new(), &to, &changes);
}

#[test]
fn foreign_key_cycle_adds_one_field_afterwards() {
    let a = model(
        "library",
        "Author",
        vec![fk("favourite", "library", "Book").nullable()],
    );
    let b = model("library", "Book", vec![fk("author", "library", "Author")]);
    let to = current([a, b]);
    let (changes, asked) = run(&ProjectState::new(), &to, vec![]);
    assert!(asked.is_empty(), "a new table needs no one-off default");
    let ops = ops_of(&changes, "library");
    assert_eq!(
        descriptions(&ops),
        [
            "Create model Author",
            "Create model Book",
            "Add field favourite to author"
        ]
    );
    let Operation::CreateModel(author) = &ops[0] else {
        panic!()
    };
    assert_eq!(author.fields.len(), 1, "created without the foreign key");
    assert_fixpoint(&ProjectState::new(), &to, &changes);
}

#[test]
fn deleting_a_referenced_model_removes_references_first() {
    let writer = model("library", "Writer", vec![]);
    let mut b = book();
    b.fields.push(fk("writer", "library", "Writer"));
    let review = model("reviews", "Review", vec![fk("writer", "library", "Writer")]);
    let from = project([writer, b, review]);
    let to = current([book(), model("reviews", "Review", vec![])]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Remove field writer from book", "Delete model Writer"]
    );
    assert_eq!(
        descriptions(&ops_of(&changes, "reviews")),
        ["Remove field writer from review"]
    );
    assert!(
        changes["library"].depends_on_apps.contains("reviews"),
        "the delete waits for the other app to drop its reference"
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn deleted_models_go_referencing_first_and_cycles_are_broken() {
    let a = model("library", "A", vec![fk("b", "library", "B")]);
    let b = model("library", "B", vec![fk("c", "library", "C")]);
    let c = model("library", "C", vec![]);
    let from = project([c, a, b]);
    let (changes, _) = run(&from, &current([]), vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Delete model A", "Delete model B", "Delete model C"]
    );

    let x = model("library", "X", vec![fk("y", "library", "Y")]);
    let y = model("library", "Y", vec![fk("x", "library", "X")]);
    let from = project([x, y]);
    let (changes, _) = run(&from, &current([]), vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Remove field y from x", "Delete model Y", "Delete model X"]
    );
}

#[test]
fn cross_app_dependencies() {
    let review = model("reviews", "Review", vec![fk("book", "library", "Book")]);
    // Target created in the same run: depends on library's new migration.
    let to = current([book(), review.clone()]);
    let (changes, _) = run(&ProjectState::new(), &to, vec![]);
    assert_eq!(
        changes["reviews"]
            .depends_on_apps
            .iter()
            .collect::<Vec<_>>(),
        ["library"]
    );
    assert!(changes["library"].depends_on_apps.is_empty());

    // Target exists and library has no changes: library's latest migration.
    let from = project([book()]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(changes.len(), 1);
    assert!(changes["reviews"].depends_on_apps.contains("library"));

    // Target exists and library changes too: its previous migration, no cycle.
    let mut b = book();
    b.fields
        .push(FieldState::new("pages", ColumnType::Integer).nullable());
    let to = current([b, review]);
    let (changes, _) = run(&from, &to, vec![]);
    assert!(changes["reviews"].depends_on_apps.is_empty());
    assert!(changes["reviews"].depends_on_previous.contains("library"));
}

#[test]
fn foreign_keys_both_ways_between_new_models_of_two_apps_are_reported() {
    let a = model("shop", "Order", vec![fk("post", "blog", "Post")]);
    let b = model("blog", "Post", vec![fk("order", "shop", "Order")]);
    let err = detect(
        &ProjectState::new(),
        &current([a, b]),
        &mut NonInteractiveQuestioner,
    )
    .unwrap_err();
    assert_eq!(
        err,
        DetectError::CrossAppCycle {
            apps: vec!["blog".into(), "shop".into()]
        }
    );
    assert!(err.to_string().contains("two steps"), "{err}");
}

#[test]
fn detection_is_fast_on_two_thousand_models() {
    let models: Vec<ModelState> = (0..2000)
        .map(|i| {
            let mut fields: Vec<FieldState> = (0..10)
                .map(|j| FieldState::new(format!("f{j}"), ColumnType::Integer))
                .collect();
            if i > 0 {
                fields.push(fk("parent", "big", &format!("M{}", i - 1)));
            }
            let mut m = model("big", &format!("M{i}"), fields);
            m.indexes = vec![IndexState::new(format!("m{i}_f1"), ["f1"], false)];
            m
        })
        .collect();
    let to = current(models);
    let start = Instant::now();
    let changes = detect(&to.state, &to, &mut NonInteractiveQuestioner).unwrap();
    let same = start.elapsed();
    assert!(changes.is_empty());
    let start = Instant::now();
    let changes = detect(&ProjectState::new(), &to, &mut NonInteractiveQuestioner).unwrap();
    let initial = start.elapsed();
    assert_eq!(changes["big"].operations.len(), 2000);
    let limit = Duration::from_secs(if cfg!(debug_assertions) { 10 } else { 1 });
    eprintln!("2,000 models: against themselves {same:?}, from empty {initial:?}");
    assert!(
        same < limit && initial < limit,
        "against itself {same:?}, initial {initial:?}"
    );
}

#[test]
fn renamed_models_pointing_at_each_other_are_both_recognised() {
    let writer = model("library", "Writer", vec![]);
    let b = model("library", "Book", vec![fk("writer", "library", "Writer")]);
    let from = project([writer, b]);
    let author = model("library", "Author", vec![]);
    let novel = model("library", "Novel", vec![fk("writer", "library", "Author")]);
    let to = current([author, novel]);
    let (changes, asked) = run(&from, &to, vec![Answer::Rename(true), Answer::Rename(true)]);
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Rename model Writer to Author",
            "Rename model Book to Novel",
            "Rename table for author to authors",
            "Rename table for novel to novels"
        ]
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn a_table_freed_by_a_deleted_model_is_free_before_it_is_taken() {
    let old = model("library", "Old", vec![]);
    let b = book();
    let from = project([old.clone(), b.clone()]);
    let mut moved = b;
    moved.table = old.table.clone();
    let to = current([moved]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Delete model Old", "Rename table for book to olds"]
    );
}

#[test]
fn a_self_referencing_model_can_be_renamed_by_question() {
    let from = project([model(
        "library",
        "Node",
        vec![fk("parent", "library", "Node").nullable()],
    )]);
    let to = current([model(
        "library",
        "Tree",
        vec![fk("parent", "library", "Tree").nullable()],
    )]);
    let (changes, asked) = run(&from, &to, vec![Answer::Rename(true)]);
    assert_eq!(asked.len(), 1);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Rename model Node to Tree",
            "Rename table for tree to trees"
        ]
    );
    assert_fixpoint(&from, &to, &changes);
}

/// Applies `changes` (one app, `library`) to a fresh SQLite database created from `from`'s
/// operations, checking the introspected schema afterwards.
fn apply_to_sqlite(from_ops: &[Operation], changes: &BTreeMap<String, AppChanges>) {
    use migrator_core::backend::sqlite::SqliteEditor;

    let (_dir, mut conn) = sqlite_support::temp_db();
    let mut state = ProjectState::new();
    let ops: Vec<&Operation> = from_ops
        .iter()
        .chain(changes.values().flat_map(|c| c.operations.iter()))
        .collect();
    for op in ops {
        let before = state.clone();
        op.state_forwards("library", &mut state).unwrap();
        let sql = op
            .database_forwards("library", &SqliteEditor, &before, &state)
            .unwrap();
        sqlite_support::run(&mut conn, &sql);
    }
    sqlite_support::assert_schema(&mut conn, &state);
}

#[test]
fn detected_orders_apply_to_sqlite() {
    // A foreign-key cycle between new models.
    let a = model(
        "library",
        "Author",
        vec![fk("favourite", "library", "Book").nullable()],
    );
    let b = model("library", "Book", vec![fk("author", "library", "Author")]);
    let (changes, _) = run(&ProjectState::new(), &current([a, b]), vec![]);
    apply_to_sqlite(&[], &changes);

    // Deleting models that point at each other, and a model whose table is reused.
    let x = model("library", "X", vec![fk("y", "library", "Y")]);
    let mut y = model("library", "Y", vec![fk("x", "library", "X")]);
    y.table = "shared".into();
    let from_ops = vec![
        Operation::from(CreateModel::from_state(&model("library", "X", vec![]))),
        CreateModel::from_state(&y).into(),
        AddField::new("X", fk("y", "library", "Y")).into(),
    ];
    let from = project([x, y]);
    let mut z = model("library", "Z", vec![]);
    z.table = "shared".into();
    let (changes, _) = run(&from, &current([z]), vec![]);
    apply_to_sqlite(&from_ops, &changes);
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

// --- Changes to a model other apps point at wait for those apps' existing migrations. ---

fn product() -> ModelState {
    model(
        "catalog",
        "Product",
        vec![FieldState::new("name", ColumnType::Varchar(200))],
    )
}

fn order_line() -> ModelState {
    model(
        "orders",
        "OrderLine",
        vec![fk("product", "catalog", "Product")],
    )
}

fn renamed_product() -> CurrentModels {
    let mut item = product();
    item.name = "Item".into();
    item.table = "items".into();
    let mut line = order_line();
    line.fields[1].foreign_key = Some(ForeignKey::new("catalog", "Item", OnDelete::Cascade));
    with_hints(
        current([item, line]),
        ("catalog", "Item"),
        ModelHints {
            renamed_from: Some("Product".into()),
            ..ModelHints::default()
        },
    )
}

/// catalog.0001 creates Product, orders.0001 creates OrderLine pointing at it.
fn shop_history() -> Vec<migrator_core::Migration> {
    use migrator_core::Migration;
    vec![
        Migration::new("catalog", "0001_initial").operation(CreateModel::from_state(&product())),
        Migration::new("orders", "0001_initial")
            .dependency("catalog", "0001_initial")
            .operation(CreateModel::from_state(&order_line())),
    ]
}

/// Replays `history` plus the new migrations in the graph's full plan (ties broken by key, as
/// `migrate` and `makemigrations` do) and detects again: nothing may be left.
fn assert_graph_fixpoint(
    history: Vec<migrator_core::Migration>,
    changes: &BTreeMap<String, AppChanges>,
    to: &CurrentModels,
) {
    use migrator_core::autodetector::arrange;
    use migrator_core::graph::MigrationGraph;
    let graph = MigrationGraph::new(history.clone()).expect("history graph");
    // Named and wired as `makemigrations` does.
    let new = arrange(changes, &graph, &to.state, None).expect("arranged");
    let all: Vec<_> = history.into_iter().chain(new).collect();
    let graph = MigrationGraph::new(all).expect("no cycle, no missing dependency");
    let replayed = graph.project_state().expect("the full plan replays");
    let again = detect(&replayed, to, &mut NonInteractiveQuestioner).expect("second detect");
    assert!(
        again.is_empty(),
        "plan {:?}, second detect: {again:#?}",
        graph.full_plan()
    );
}

#[test]
fn renaming_a_model_another_app_points_at_waits_for_that_apps_migrations() {
    let from = project([product(), order_line()]);
    let to = renamed_product();
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "catalog")),
        [
            "Rename model Product to Item",
            "Rename table for item to items"
        ]
    );
    assert!(
        !changes.contains_key("orders"),
        "the rename carries orders' key along"
    );
    assert_eq!(
        changes["catalog"]
            .depends_on_apps
            .iter()
            .collect::<Vec<_>>(),
        ["orders"],
        "the rename comes after orders' latest migration"
    );
    assert_graph_fixpoint(shop_history(), &changes, &to);
}

#[test]
fn a_rename_and_a_change_in_the_referencing_app_do_not_form_a_cycle() {
    // orders also gets a new migration, and it needs catalog's new one (a new key to the
    // renamed model): catalog's rename then depends on orders' *previous* migration.
    let from = project([product(), order_line()]);
    let mut to = renamed_product();
    to.state
        .model_mut("orders", "OrderLine")
        .unwrap()
        .fields
        .push(fk("replacement", "catalog", "Item").nullable());
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "orders")),
        ["Add field replacement to orderline"]
    );
    assert!(changes["orders"].depends_on_apps.contains("catalog"));
    assert!(changes["catalog"].depends_on_apps.is_empty());
    assert_eq!(
        changes["catalog"]
            .depends_on_previous
            .iter()
            .collect::<Vec<_>>(),
        ["orders"]
    );
    assert_graph_fixpoint(shop_history(), &changes, &to);
}

#[test]
fn a_table_or_primary_key_change_of_a_referenced_model_waits_for_the_referencing_apps() {
    let from = project([product(), order_line()]);

    let mut moved = product();
    moved.table = "products_v2".into();
    let to = current([moved, order_line()]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "catalog")),
        ["Rename table for product to products_v2"]
    );
    assert!(changes["catalog"].depends_on_apps.contains("orders"));
    assert_graph_fixpoint(shop_history(), &changes, &to);

    let mut rekeyed = product();
    rekeyed.fields[0].column_type = ColumnType::Integer;
    let to = current([rekeyed, order_line()]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "catalog")),
        ["Alter field id on product"]
    );
    assert!(changes["catalog"].depends_on_apps.contains("orders"));

    let mut renamed_key = product();
    renamed_key.fields[0].name = "code".into();
    renamed_key.fields[0].column = "code".into();
    let mut hints = ModelHints::default();
    hints.field_renames.insert("code".into(), "id".into());
    let to = with_hints(
        current([renamed_key, order_line()]),
        ("catalog", "Product"),
        hints,
    );
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "catalog")),
        ["Rename field id on product to code"]
    );
    assert!(changes["catalog"].depends_on_apps.contains("orders"));
    assert_graph_fixpoint(shop_history(), &changes, &to);

    // Other changes to the referenced model need nothing from orders.
    let mut wider = product();
    wider.fields[1].column_type = ColumnType::Varchar(250);
    let (changes, _) = run(&from, &current([wider, order_line()]), vec![]);
    assert!(changes["catalog"].depends_on_apps.is_empty());
    assert!(changes["catalog"].depends_on_previous.is_empty());
}

#[test]
fn deleting_a_referenced_model_waits_for_the_referencing_app_even_when_the_order_cannot() {
    // reviews drops its key to library.Writer but adds one to the new library.Author: reviews'
    // new migration needs library's, so library's delete cannot wait for reviews' new
    // migration; it still comes after reviews' existing one.
    let writer = model("library", "Writer", vec![]);
    let review = model("reviews", "Review", vec![fk("writer", "library", "Writer")]);
    let from = project([writer, review]);
    let author = model("library", "Author", vec![]);
    let to = current([
        author,
        model(
            "reviews",
            "Review",
            vec![fk("author", "library", "Author").nullable()],
        ),
    ]);
    let (changes, _) = run(&from, &to, vec![]);
    assert!(descriptions(&ops_of(&changes, "library")).contains(&"Delete model Writer".to_string()));
    assert!(changes["reviews"].depends_on_apps.contains("library"));
    assert!(!changes["library"].depends_on_apps.contains("reviews"));
    assert!(changes["library"].depends_on_previous.contains("reviews"));
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

#[test]
fn an_app_that_once_pointed_at_a_renamed_or_deleted_model_is_waited_for_too() {
    use migrator_core::autodetector::add_history_dependencies;
    use migrator_core::graph::MigrationGraph;
    use migrator_core::Migration;
    // orders.0002 dropped its key to Product: the current state has no reference, but
    // replaying orders.0001 after Product is gone would break it.
    let mut history = shop_history();
    history.push(
        Migration::new("orders", "0002_remove_orderline_product")
            .dependency("orders", "0001_initial")
            .operation(RemoveField::new("OrderLine", "product")),
    );
    let graph = MigrationGraph::new(history.clone()).unwrap();
    let from = graph.project_state().unwrap();
    let mut item = product();
    item.name = "Item".into();
    let line = model("orders", "OrderLine", vec![]);
    let to = with_hints(
        current([item, line.clone()]),
        ("catalog", "Item"),
        ModelHints {
            renamed_from: Some("Product".into()),
            ..ModelHints::default()
        },
    );
    let (mut changes, _) = run(&from, &to, vec![]);
    assert!(
        changes["catalog"].depends_on_apps.is_empty(),
        "nothing in the state"
    );
    add_history_dependencies(&mut changes, &graph);
    assert_eq!(
        changes["catalog"]
            .depends_on_apps
            .iter()
            .collect::<Vec<_>>(),
        ["orders"]
    );
    assert_graph_fixpoint(history.clone(), &changes, &to);

    // catalog deletes Product while orders changes in the same run: orders' previous
    // migration, not its new one.
    let mut line = line;
    line.fields
        .push(FieldState::new("note", ColumnType::Text).nullable());
    let to = current([line]);
    let (mut changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "catalog")),
        ["Delete model Product"]
    );
    add_history_dependencies(&mut changes, &graph);
    assert!(changes["catalog"].depends_on_apps.is_empty());
    assert_eq!(
        changes["catalog"]
            .depends_on_previous
            .iter()
            .collect::<Vec<_>>(),
        ["orders"]
    );
    assert_graph_fixpoint(history, &changes, &to);

    // A rename of a model nobody ever pointed at adds nothing.
    let graph =
        MigrationGraph::new(vec![Migration::new("catalog", "0001_initial")
            .operation(CreateModel::from_state(&product()))])
        .unwrap();
    let mut item = product();
    item.name = "Item".into();
    let to = with_hints(
        current([item]),
        ("catalog", "Item"),
        ModelHints {
            renamed_from: Some("Product".into()),
            ..ModelHints::default()
        },
    );
    let (mut changes, _) = run(&graph.project_state().unwrap(), &to, vec![]);
    add_history_dependencies(&mut changes, &graph);
    assert!(changes["catalog"].depends_on_apps.is_empty());
    assert!(changes["catalog"].depends_on_previous.is_empty());
}

// --- Property: cross-app histories replayed in the graph's plan never dangle. ---

mod cross_app_plan {
    use super::*;
    use migrator_core::autodetector;
    use migrator_core::graph::MigrationGraph;
    use migrator_core::{Migration, MigrationKey};
    use proptest::prelude::*;

    const APPS: [&str; 3] = ["a", "b", "c"];

    #[derive(Clone, Debug)]
    enum Edit {
        AddModel { app: u8, target: Option<u16> },
        Rename(u16),
        Delete(u16),
        AlterTable(u16),
        AddFk { model: u16, target: u16 },
        RemoveFk { model: u16, field: u16 },
        RekeyColumn(u16),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        let n = any::<u16>;
        prop_oneof![
            3 => (any::<u8>(), proptest::option::of(n())).prop_map(|(app, target)| Edit::AddModel { app, target }),
            2 => n().prop_map(Edit::Rename),
            1 => n().prop_map(Edit::Delete),
            1 => n().prop_map(Edit::AlterTable),
            2 => (n(), n()).prop_map(|(model, target)| Edit::AddFk { model, target }),
            1 => (n(), n()).prop_map(|(model, field)| Edit::RemoveFk { model, field }),
            1 => n().prop_map(Edit::RekeyColumn),
        ]
    }

    #[derive(Default)]
    struct World {
        current: CurrentModels,
        counter: u32,
        renamed_this_step: bool,
    }

    impl World {
        fn next(&mut self) -> u32 {
            self.counter += 1;
            self.counter
        }

        fn pick(&self, sel: u16) -> Option<ModelKey> {
            let keys: Vec<&ModelKey> = self.current.state.models.keys().collect();
            (!keys.is_empty()).then(|| keys[sel as usize % keys.len()].clone())
        }

        fn apply(&mut self, e: &Edit) {
            let n = self.next();
            match *e {
                Edit::AddModel { app, target } => {
                    let app = APPS[app as usize % APPS.len()];
                    let mut m = model(app, &format!("M{n}"), vec![]);
                    m.table = format!("{app}_m{n}");
                    if let Some(t) = target.and_then(|s| self.pick(s)) {
                        m.fields
                            .push(fk(&format!("fk{n}"), &t.app, &t.name).nullable());
                    }
                    self.current.state.insert(m);
                }
                Edit::Rename(sel) => {
                    let Some(old) = self.pick(sel) else { return };
                    if self.renamed_this_step {
                        return;
                    }
                    self.renamed_this_step = true;
                    let mut m = self.current.state.models.remove(&old).unwrap();
                    let new = format!("R{n}");
                    m.name = new.clone();
                    let key = m.key();
                    self.current.state.insert(m);
                    for other in self.current.state.models.values_mut() {
                        for f in &mut other.fields {
                            if let Some(fk) = &mut f.foreign_key {
                                if fk.app == old.app && fk.model == old.name {
                                    fk.model = new.clone();
                                }
                            }
                        }
                    }
                    self.current.hints.insert(
                        key,
                        ModelHints {
                            renamed_from: Some(old.name),
                            ..ModelHints::default()
                        },
                    );
                }
                Edit::Delete(sel) => {
                    let Some(k) = self.pick(sel) else { return };
                    self.current.state.models.remove(&k);
                    for other in self.current.state.models.values_mut() {
                        other
                            .fields
                            .retain(|f| f.foreign_key.as_ref().is_none_or(|fk| fk.target() != k));
                    }
                }
                Edit::AlterTable(sel) => {
                    let Some(k) = self.pick(sel) else { return };
                    self.current.state.models.get_mut(&k).unwrap().table = format!("t{n}");
                }
                Edit::AddFk { model, target } => {
                    let (Some(k), Some(t)) = (self.pick(model), self.pick(target)) else {
                        return;
                    };
                    self.current
                        .state
                        .models
                        .get_mut(&k)
                        .unwrap()
                        .fields
                        .push(fk(&format!("fk{n}"), &t.app, &t.name).nullable());
                }
                Edit::RemoveFk { model, field } => {
                    let Some(k) = self.pick(model) else { return };
                    let m = self.current.state.models.get_mut(&k).unwrap();
                    let fks: Vec<usize> = (0..m.fields.len())
                        .filter(|&i| m.fields[i].foreign_key.is_some())
                        .collect();
                    if !fks.is_empty() {
                        m.fields.remove(fks[field as usize % fks.len()]);
                    }
                }
                Edit::RekeyColumn(sel) => {
                    let Some(k) = self.pick(sel) else { return };
                    self.current.state.models.get_mut(&k).unwrap().fields[0].column =
                        format!("id{n}");
                }
            }
        }
    }

    /// Every foreign key an operation creates or alters names a model that exists at that
    /// point of the plan.
    fn check_targets(
        op: &Operation,
        state: &ProjectState,
        at: &MigrationKey,
    ) -> Result<(), String> {
        let fields: Vec<&FieldState> = match op {
            Operation::CreateModel(c) => c.fields.iter().collect(),
            Operation::AddField(AddField { field, .. })
            | Operation::AlterField(AlterField { field, .. }) => vec![field],
            _ => Vec::new(),
        };
        for f in fields {
            if let Some(fk) = &f.foreign_key {
                let itself = matches!(op, Operation::CreateModel(c)
                    if fk.app == at.app && fk.model == c.name);
                if !itself && !state.models.contains_key(&fk.target()) {
                    return Err(format!(
                        "{at}: `{}` points at {} which does not exist at this point of the plan",
                        op.describe(),
                        fk.target()
                    ));
                }
            }
        }
        Ok(())
    }

    fn run_history(steps: Vec<Vec<Edit>>) -> Result<(), TestCaseError> {
        let mut world = World::default();
        let mut history: Vec<Migration> = Vec::new();
        for (n, step) in steps.iter().enumerate() {
            world.current.hints.clear();
            world.renamed_this_step = false;
            for e in step {
                world.apply(e);
            }
            let graph = MigrationGraph::new(history.clone()).expect("history graph");
            // Detected, named and wired exactly as `makemigrations --noinput` does.
            let changes = match autodetector::changes(
                &graph,
                &world.current,
                &mut NonInteractiveQuestioner,
                &autodetector::Options::default(),
            ) {
                Ok(c) => c,
                // Foreign keys both ways between models created in one step: reported, fine.
                Err(DetectError::CrossAppCycle { .. }) => return Ok(()),
                Err(e) => return Err(TestCaseError::fail(format!("step {n}: {e}"))),
            };
            history.extend(changes.migrations.into_iter().map(|new| new.migration));
            let graph = MigrationGraph::new(history.clone())
                .map_err(|e| TestCaseError::fail(format!("step {n}: graph: {e}")))?;
            let mut state = ProjectState::new();
            for key in graph.full_plan() {
                let m = graph.migration(&key).unwrap();
                for op in &m.operations {
                    check_targets(op, &state, &key).map_err(|e| {
                        TestCaseError::fail(format!("step {n}: {e}\nhistory: {history:#?}"))
                    })?;
                    op.state_forwards(&m.app, &mut state)
                        .map_err(|e| TestCaseError::fail(format!("step {n}: {key}: {e}")))?;
                }
            }
            let again = detect(&state, &world.current, &mut NonInteractiveQuestioner)
                .map_err(|e| TestCaseError::fail(format!("step {n}: second detect: {e}")))?;
            prop_assert!(
                again.is_empty(),
                "step {}: the full plan does not rebuild the models: {:#?}",
                n,
                again
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Histories of models across three apps with foreign keys between them, renamed,
        /// deleted, moved and re-keyed: the migrations, applied in the graph's full plan
        /// (not in the order they were made), never create a foreign key to a model that is
        /// not there, and rebuild the current models.
        #[test]
        fn the_full_plan_never_creates_a_foreign_key_to_a_missing_model(
            steps in proptest::collection::vec(proptest::collection::vec(edit(), 1..4), 1..10)
        ) {
            run_history(steps)?;
        }
    }
}
