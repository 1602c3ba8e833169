//! Operations: how each kind changes the state (and the errors when it does not fit), how it
//! describes itself, its migration-name fragment, symbol, reversibility, canonical text; and
//! that a renamed column is renamed in check constraints (state and a real SQLite database).

mod sqlite_support;

#[path = "operations/composite_foreign_keys.rs"]
mod composite_foreign_keys;
#[path = "operations/separate.rs"]
mod separate;

#[path = "operations/field_rules.rs"]
mod field_rules;

#[path = "operations/model_rules.rs"]
mod model_rules;

use migrator_core::operations::{
    AddConstraint, AddField, AddIndex, AlterField, AlterModelComment, AlterModelTable, CreateModel,
    DeleteModel, RemoveConstraint, RemoveField, RemoveIndex, RenameField, RenameModel, RunRust,
    RunSql, StateError,
};
use migrator_core::{
    ColumnType, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, ModelState,
    OnDelete, Operation, ProjectState,
};

fn book() -> ModelState {
    let mut m = ModelState::new("library", "Book", "books");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("title", ColumnType::Varchar(200)),
        FieldState::new("isbn", ColumnType::Varchar(13)).nullable(),
    ];
    m.indexes = vec![IndexState::new("books_title_idx", ["title"], false)];
    m.constraints = vec![ConstraintState::unique("books_isbn_uniq", ["isbn"])];
    m
}

fn writer() -> ModelState {
    let mut m = ModelState::new("library", "Writer", "writers");
    m.fields = vec![FieldState::new("id", ColumnType::BigInt).primary_key()];
    m
}

fn fk_to(app: &str, model: &str) -> FieldState {
    FieldState::new("writer", ColumnType::BigInt).foreign_key(ForeignKey::new(
        app,
        model,
        OnDelete::Cascade,
    ))
}

fn state() -> ProjectState {
    let mut s = ProjectState::new();
    for op in [
        Operation::from(CreateModel::from_state(&writer())),
        CreateModel::from_state(&book()).into(),
    ] {
        op.state_forwards("library", &mut s).unwrap();
    }
    s
}

fn apply(s: &mut ProjectState, op: impl Into<Operation>) -> Result<(), StateError> {
    op.into().state_forwards("library", s)
}

#[test]
fn create_model_inserts_the_normalized_model() {
    let mut m = book();
    m.indexes.push(IndexState::new("a_first", ["id"], false));
    let mut s = ProjectState::new();
    apply(&mut s, CreateModel::from_state(&m)).unwrap();
    let got = s.model("library", "Book").unwrap();
    assert_eq!(got.indexes[0].name, "a_first", "indexes sorted by name");
    assert_eq!(got.fields, m.fields);
    assert_eq!(got.table, "books");
}

#[test]
fn create_model_twice_names_the_model() {
    let mut s = state();
    let err = apply(&mut s, CreateModel::from_state(&book())).unwrap_err();
    assert!(matches!(err, StateError::ModelExists { .. }));
    assert!(
        err.to_string().contains("`library.Book` already exists"),
        "{err}"
    );
}

#[test]
fn create_model_rejects_duplicate_fields_and_unknown_index_fields() {
    let mut m = book();
    m.fields.push(FieldState::new("title", ColumnType::Text));
    let err = apply(&mut ProjectState::new(), CreateModel::from_state(&m)).unwrap_err();
    assert!(err.to_string().contains("library.Book.title"), "{err}");

    let mut m = book();
    m.indexes = vec![IndexState::new("bad", ["nope"], false)];
    let err = apply(&mut ProjectState::new(), CreateModel::from_state(&m)).unwrap_err();
    assert!(err.to_string().contains("library.Book.nope"), "{err}");
}

#[test]
fn delete_model_removes_it_and_errors_when_missing() {
    let mut s = state();
    apply(
        &mut s,
        DeleteModel {
            name: "Book".into(),
        },
    )
    .unwrap();
    assert!(s.model("library", "Book").is_none());
    let err = apply(
        &mut s,
        DeleteModel {
            name: "Book".into(),
        },
    )
    .unwrap_err();
    assert_eq!(
        err,
        StateError::ModelNotFound {
            app: "library".into(),
            model: "Book".into()
        }
    );
    assert!(err.to_string().contains("`library.Book` does not exist"));
}

#[test]
fn rename_model_rewrites_foreign_keys_in_every_app() {
    let mut s = state();
    apply(&mut s, AddField::new("Book", fk_to("library", "Writer"))).unwrap();
    let mut review = ModelState::new("reviews", "Review", "reviews");
    review.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        fk_to("library", "Writer"),
    ];
    Operation::from(CreateModel::from_state(&review))
        .state_forwards("reviews", &mut s)
        .unwrap();
    apply(
        &mut s,
        RenameModel {
            old_name: "Writer".into(),
            new_name: "Author".into(),
        },
    )
    .unwrap();
    assert!(s.model("library", "Writer").is_none());
    let author = s.model("library", "Author").unwrap();
    assert_eq!(author.name, "Author");
    assert_eq!(author.table, "writers", "the table is unchanged");
    for (app, model) in [("library", "Book"), ("reviews", "Review")] {
        let fk = s.model(app, model).unwrap().field("writer").unwrap();
        assert_eq!(
            fk.foreign_key.as_ref().unwrap().model,
            "Author",
            "{app}.{model}"
        );
    }
}

#[test]
fn rename_model_errors() {
    let mut s = state();
    let err = apply(
        &mut s,
        RenameModel {
            old_name: "Writer".into(),
            new_name: "Book".into(),
        },
    )
    .unwrap_err();
    assert!(matches!(err, StateError::ModelExists { ref model, .. } if model == "Book"));
    let err = apply(
        &mut s,
        RenameModel {
            old_name: "Ghost".into(),
            new_name: "Spirit".into(),
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("library.Ghost"));
}

#[test]
fn alter_model_table_and_comment() {
    let mut s = state();
    apply(
        &mut s,
        AlterModelTable {
            name: "Book".into(),
            table: "library_books".into(),
        },
    )
    .unwrap();
    apply(
        &mut s,
        AlterModelComment {
            name: "Book".into(),
            comment: Some("Books on the shelf.".into()),
        },
    )
    .unwrap();
    let b = s.model("library", "Book").unwrap();
    assert_eq!(b.table, "library_books");
    assert_eq!(b.comment.as_deref(), Some("Books on the shelf."));
    let err = apply(
        &mut s,
        AlterModelTable {
            name: "Nope".into(),
            table: "x".into(),
        },
    )
    .unwrap_err();
    assert!(matches!(err, StateError::ModelNotFound { .. }));
}

#[test]
fn add_field_appends_and_drops_a_one_off_default() {
    let mut s = state();
    let mut op = AddField::new(
        "Book",
        FieldState::new("pages", ColumnType::Integer).default(DefaultValue::Int(0)),
    );
    op.preserve_default = false;
    apply(&mut s, op).unwrap();
    let f = s
        .model("library", "Book")
        .unwrap()
        .fields
        .last()
        .unwrap()
        .clone();
    assert_eq!(f.name, "pages");
    assert_eq!(
        f.default, None,
        "the one-off default is not kept in the state"
    );

    apply(
        &mut s,
        AddField::new(
            "Book",
            FieldState::new("rating", ColumnType::Integer).default(DefaultValue::Int(3)),
        ),
    )
    .unwrap();
    assert_eq!(
        s.model("library", "Book")
            .unwrap()
            .field("rating")
            .unwrap()
            .default,
        Some(DefaultValue::Int(3))
    );
}

#[test]
fn add_field_errors_on_existing_name_or_column() {
    let mut s = state();
    let err = apply(
        &mut s,
        AddField::new("Book", FieldState::new("title", ColumnType::Text)),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("`library.Book.title` already exists"),
        "{err}"
    );
    let err = apply(
        &mut s,
        AddField::new(
            "Book",
            FieldState::new("name", ColumnType::Text).column("title"),
        ),
    )
    .unwrap_err();
    assert!(
        matches!(err, StateError::ColumnExists { ref column, ref other, .. } if column == "title" && other == "title")
    );
}

#[test]
fn remove_field_needs_its_indexes_gone_first() {
    let mut s = state();
    let err = apply(&mut s, RemoveField::new("Book", "title")).unwrap_err();
    assert!(err.to_string().contains("books_title_idx"), "{err}");
    assert!(err.to_string().contains("library.Book.title"), "{err}");
    let err = apply(&mut s, RemoveField::new("Book", "isbn")).unwrap_err();
    assert!(err.to_string().contains("books_isbn_uniq"), "{err}");

    apply(&mut s, RemoveIndex::new("Book", "books_title_idx")).unwrap();
    apply(&mut s, RemoveField::new("Book", "title")).unwrap();
    assert!(s.model("library", "Book").unwrap().field("title").is_none());
    let err = apply(&mut s, RemoveField::new("Book", "title")).unwrap_err();
    assert!(matches!(err, StateError::FieldNotFound { .. }));
}

#[test]
fn alter_field_replaces_in_place() {
    let mut s = state();
    let mut op = AlterField::new(
        "Book",
        FieldState::new("isbn", ColumnType::Varchar(17)).default(DefaultValue::Text("-".into())),
    );
    op.preserve_default = false;
    apply(&mut s, op).unwrap();
    let b = s.model("library", "Book").unwrap();
    assert_eq!(b.fields[2].name, "isbn", "position kept");
    assert_eq!(b.fields[2].column_type, ColumnType::Varchar(17));
    assert!(!b.fields[2].nullable);
    assert_eq!(b.fields[2].default, None);
    let err = apply(
        &mut s,
        AlterField::new("Book", FieldState::new("nope", ColumnType::Text)),
    )
    .unwrap_err();
    assert!(err.to_string().contains("library.Book.nope"));
    let err = apply(
        &mut s,
        AlterField::new(
            "Book",
            FieldState::new("isbn", ColumnType::Text).column("title"),
        ),
    )
    .unwrap_err();
    assert!(matches!(err, StateError::ColumnExists { .. }));
}

#[test]
fn rename_field_renames_column_and_index_references() {
    let mut s = state();
    apply(&mut s, RenameField::new("Book", "title", "name")).unwrap();
    apply(&mut s, RenameField::new("Book", "isbn", "code")).unwrap();
    let b = s.model("library", "Book").unwrap();
    let f = b.field("name").unwrap();
    assert_eq!(
        f.column, "name",
        "a column that followed the name follows it"
    );
    assert_eq!(b.indexes[0].fields, vec!["name".to_string()]);
    assert_eq!(
        b.constraints[0],
        ConstraintState::unique("books_isbn_uniq", ["code"])
    );

    let mut s = state();
    apply(
        &mut s,
        AlterField::new(
            "Book",
            FieldState::new("isbn", ColumnType::Text).column("isbn_col"),
        ),
    )
    .unwrap();
    apply(&mut s, RenameField::new("Book", "isbn", "code")).unwrap();
    assert_eq!(
        s.model("library", "Book")
            .unwrap()
            .field("code")
            .unwrap()
            .column,
        "isbn_col",
        "an explicit column stays"
    );
    let err = apply(&mut s, RenameField::new("Book", "code", "title")).unwrap_err();
    assert!(matches!(err, StateError::FieldExists { .. }));
    let err = apply(&mut s, RenameField::new("Book", "ghost", "spirit")).unwrap_err();
    assert!(matches!(err, StateError::FieldNotFound { .. }));
}

#[test]
fn indexes_and_constraints_add_and_remove_by_name() {
    let mut s = state();
    apply(
        &mut s,
        AddIndex::new("Book", IndexState::new("a_idx", ["isbn"], true)),
    )
    .unwrap();
    assert_eq!(
        s.model("library", "Book").unwrap().indexes[0].name,
        "a_idx",
        "sorted"
    );
    let err = apply(
        &mut s,
        AddIndex::new("Book", IndexState::new("books_isbn_uniq", ["id"], false)),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("books_isbn_uniq"),
        "names are unique across indexes and constraints: {err}"
    );
    let err = apply(
        &mut s,
        AddIndex::new("Book", IndexState::new("x", ["nope"], false)),
    )
    .unwrap_err();
    assert!(matches!(err, StateError::FieldNotFound { .. }));

    apply(
        &mut s,
        AddConstraint::new("Book", ConstraintState::check("price_positive", "id > 0")),
    )
    .unwrap();
    let err = apply(
        &mut s,
        AddConstraint::new("Book", ConstraintState::check("a_idx", "1")),
    )
    .unwrap_err();
    assert!(matches!(err, StateError::IndexExists { .. }));
    apply(&mut s, RemoveConstraint::new("Book", "price_positive")).unwrap();
    let err = apply(&mut s, RemoveConstraint::new("Book", "price_positive")).unwrap_err();
    assert!(
        err.to_string().contains("constraint `price_positive`"),
        "{err}"
    );
    apply(&mut s, RemoveIndex::new("Book", "a_idx")).unwrap();
    let err = apply(&mut s, RemoveIndex::new("Book", "a_idx")).unwrap_err();
    assert!(err.to_string().contains("index `a_idx`"), "{err}");
}

fn backfill(_: &mut migrator_core::backend::DbConnection) -> Result<(), migrator_core::BoxError> {
    Ok(())
}

#[test]
fn special_operations_do_not_touch_the_state() {
    let mut s = state();
    let before = s.clone();
    apply(
        &mut s,
        RunSql::new(vec!["UPDATE books SET title = ''".into()], None),
    )
    .unwrap();
    apply(
        &mut s,
        RunRust {
            name: "backfill_slugs",
            forward: backfill,
            backward: None,
            elidable: false,
        },
    )
    .unwrap();
    assert_eq!(s, before);
}

/// Issue 13.4: the error for a step with no way back names the prelude methods that give it
/// one — which exist, since this test calls them — and never the `reverse_sql` field.
#[test]
fn the_irreversible_error_names_methods_that_exist() {
    use migrator_core::backend::SchemaError;
    use migrator_core::migration::prelude::{run_rust, run_sql};
    let _ = run_sql(["UPDATE books SET title = trim(title)"]).reverse(["SELECT 1"]);
    let _ = run_sql(["UPDATE books SET title = trim(title)"]).reverse_noop();
    let _ = run_rust("backfill", backfill).backward(backfill);
    let text = SchemaError::Irreversible("Raw SQL operation".into()).to_string();
    for method in [".reverse([...])", ".reverse_noop()", ".backward(function)"] {
        assert!(text.contains(method), "{text}");
    }
    assert!(!text.contains("reverse_sql"), "{text}");
}

fn all_ops() -> Vec<(Operation, &'static str, Option<&'static str>, char)> {
    let title = FieldState::new("title", ColumnType::Varchar(200));
    vec![
        (
            CreateModel::from_state(&book()).into(),
            "Create model Book",
            Some("book"),
            '+',
        ),
        (
            DeleteModel {
                name: "Book".into(),
            }
            .into(),
            "Delete model Book",
            Some("delete_book"),
            '-',
        ),
        (
            RenameModel {
                old_name: "Writer".into(),
                new_name: "Author".into(),
            }
            .into(),
            "Rename model Writer to Author",
            Some("rename_writer_author"),
            '~',
        ),
        (
            AlterModelTable {
                name: "Book".into(),
                table: "books".into(),
            }
            .into(),
            "Rename table of book to books",
            Some("alter_book_table"),
            '~',
        ),
        (
            AlterModelComment {
                name: "Book".into(),
                comment: None,
            }
            .into(),
            "Alter comment on book",
            Some("alter_book_comment"),
            '~',
        ),
        (
            AddField::new(
                "Book",
                FieldState::new("published_date", ColumnType::Date).nullable(),
            )
            .into(),
            "Add field published_date to book",
            Some("book_published_date"),
            '+',
        ),
        (
            RemoveField::new("Book", "isbn").into(),
            "Remove field isbn from book",
            Some("remove_book_isbn"),
            '-',
        ),
        (
            AlterField::new("Book", title).into(),
            "Alter field title on book",
            Some("alter_book_title"),
            '~',
        ),
        (
            RenameField::new("Book", "writer", "author").into(),
            "Rename field writer on book to author",
            Some("rename_writer_book_author"),
            '~',
        ),
        (
            AddIndex::new("Book", IndexState::new("books_title_idx", ["title"], false)).into(),
            "Create index books_title_idx on field(s) title of model book",
            Some("book_books_title_idx"),
            '+',
        ),
        (
            RemoveIndex::new("Book", "books_title_idx").into(),
            "Remove index books_title_idx from model book",
            Some("remove_book_books_title_idx"),
            '-',
        ),
        (
            AddConstraint::new(
                "Book",
                ConstraintState::check("price_positive", "price > 0"),
            )
            .into(),
            "Create constraint price_positive on model book",
            Some("book_price_positive"),
            '+',
        ),
        (
            RemoveConstraint::new("Book", "price_positive").into(),
            "Remove constraint price_positive from model book",
            Some("remove_book_price_positive"),
            '-',
        ),
        (
            RunSql::new(vec!["SELECT 1".into()], Some(vec![])).into(),
            "Raw SQL operation",
            None,
            '~',
        ),
        (
            RunRust {
                name: "backfill_slugs",
                forward: backfill,
                backward: Some(backfill),
                elidable: false,
            }
            .into(),
            "Rust operation backfill_slugs",
            None,
            '~',
        ),
    ]
}

#[test]
fn describe_fragment_and_symbol_of_every_kind() {
    for (op, describe, fragment, symbol) in all_ops() {
        assert_eq!(op.describe(), describe);
        assert_eq!(op.to_string(), describe);
        assert_eq!(
            op.migration_name_fragment().as_deref(),
            fragment,
            "{describe}"
        );
        assert_eq!(op.symbol(), symbol, "{describe}");
    }
}

#[test]
fn reversibility_and_destructiveness() {
    for (op, describe, _, _) in all_ops() {
        assert!(op.reversible(), "{describe}");
        let destructive = matches!(op, Operation::DeleteModel(_) | Operation::RemoveField(_));
        assert_eq!(op.is_destructive(), destructive, "{describe}");
    }
    assert!(!Operation::from(RunSql::new(vec!["SELECT 1".into()], None)).reversible());
    let irreversible = RunRust {
        name: "x",
        forward: backfill,
        backward: None,
        elidable: false,
    };
    assert!(!Operation::from(irreversible).reversible());

    let s = state();
    let narrowing = Operation::from(AlterField::new(
        "Book",
        FieldState::new("title", ColumnType::Varchar(20)),
    ));
    let widening = Operation::from(AlterField::new(
        "Book",
        FieldState::new("title", ColumnType::Text),
    ));
    assert!(narrowing.is_destructive_in("library", &s));
    assert!(!widening.is_destructive_in("library", &s));
    assert!(!narrowing.is_destructive());
}

#[test]
fn canonical_text_covers_all_data_and_is_stable() {
    let texts: Vec<String> = all_ops()
        .iter()
        .map(|(op, ..)| op.canonical_text())
        .collect();
    let again: Vec<String> = all_ops()
        .iter()
        .map(|(op, ..)| op.canonical_text())
        .collect();
    assert_eq!(texts, again);
    let unique: std::collections::BTreeSet<&String> = texts.iter().collect();
    assert_eq!(
        unique.len(),
        texts.len(),
        "every operation has its own text"
    );

    let a = Operation::from(AddField::new(
        "Book",
        FieldState::new("pages", ColumnType::Integer),
    ));
    let mut b_op = AddField::new("Book", FieldState::new("pages", ColumnType::Integer));
    b_op.preserve_default = false;
    let b = Operation::from(b_op);
    assert_ne!(
        a.canonical_text(),
        b.canonical_text(),
        "preserve_default is part of the data"
    );
    assert!(a.canonical_text().contains("pages INTEGER NOT NULL"));

    let create = Operation::from(CreateModel::from_state(&book())).canonical_text();
    for needle in [
        "table=books",
        "field title VARCHAR(200)",
        "index books_title_idx (title)",
        "unique books_isbn_uniq (isbn)",
    ] {
        assert!(create.contains(needle), "{needle} in {create}");
    }
    let sql = Operation::from(RunSql::new(vec!["SELECT 'a'".into()], None)).canonical_text();
    assert_eq!(sql, r#"RunSql sql=["SELECT 'a'"] reverse_sql=None"#);
    let rust = Operation::from(RunRust {
        name: "backfill_slugs",
        forward: backfill,
        backward: None,
        elidable: false,
    });
    assert_eq!(
        rust.canonical_text(),
        "RunRust name=backfill_slugs reversible=false"
    );
}

fn priced() -> ModelState {
    let mut m = ModelState::new("library", "Product", "products");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("price", ColumnType::Integer),
        FieldState::new("qty", ColumnType::Integer),
    ];
    m.constraints = vec![ConstraintState::check(
        "products_price_range",
        "price > 0 AND \"price\" < 1000 AND 'price' <> 'qty'",
    )];
    m
}

fn check_sql(s: &ProjectState) -> String {
    match &s.model("library", "Product").unwrap().constraints[0].kind {
        migrator_core::ConstraintKind::Check(sql) => sql.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_renamed_or_moved_column_is_renamed_in_check_constraints() {
    let mut s = ProjectState::new();
    apply(&mut s, CreateModel::from_state(&priced())).unwrap();
    apply(&mut s, RenameField::new("Product", "price", "cost")).unwrap();
    assert_eq!(
        check_sql(&s),
        "cost > 0 AND \"cost\" < 1000 AND 'price' <> 'qty'"
    );
    // A new column name through AlterField.
    apply(
        &mut s,
        AlterField::new(
            "Product",
            FieldState::new("cost", ColumnType::Integer).column("cost_cents"),
        ),
    )
    .unwrap();
    assert_eq!(
        check_sql(&s),
        "cost_cents > 0 AND \"cost_cents\" < 1000 AND 'price' <> 'qty'"
    );
    // A field rename that keeps its explicit column leaves the check alone.
    apply(&mut s, RenameField::new("Product", "cost", "amount")).unwrap();
    assert_eq!(
        check_sql(&s),
        "cost_cents > 0 AND \"cost_cents\" < 1000 AND 'price' <> 'qty'"
    );
    // Other fields' changes do not touch it.
    apply(
        &mut s,
        AlterField::new("Product", FieldState::new("qty", ColumnType::BigInt)),
    )
    .unwrap();
    assert!(check_sql(&s).starts_with("cost_cents > 0"));
    assert_eq!(
        migrator_core::operations::rename_column_in_sql("qty > 0", "qty", "n"),
        "n > 0"
    );
}

/// A checked column renamed on SQLite (which rewrites the check in the database), then a
/// rebuild of the table: the rebuilt table's check must name the new column.
#[test]
fn a_table_rebuilt_after_a_checked_column_was_renamed_keeps_its_check_on_sqlite() {
    let (_dir, mut conn) = sqlite_support::temp_db();
    let mut s = ProjectState::new();
    sqlite_support::forwards(
        &mut conn,
        &mut s,
        &CreateModel::from_state(&priced()).into(),
    );
    sqlite_support::exec(
        &mut conn,
        "INSERT INTO products (id, price, qty) VALUES (1, 5, 2)",
    );
    // Not compared with the introspected schema: SQLite rewrites the check's text its own way
    // (the bundled version quotes every renamed token), the state keeps the author's quoting.
    let (_, sql) =
        sqlite_support::step(&mut s, &RenameField::new("Product", "price", "cost").into());
    sqlite_support::run(&mut conn, &sql);
    // Another field's type changes: SQLite rebuilds the table from the state.
    let sql = sqlite_support::forwards(
        &mut conn,
        &mut s,
        &AlterField::new("Product", FieldState::new("qty", ColumnType::Text)).into(),
    );
    assert!(
        sql.iter().any(|q| q.contains("INSERT INTO")),
        "a rebuild: {sql:?}"
    );
    // A new column name for the checked field (a RENAME COLUMN), then another rebuild.
    let (_, sql) = sqlite_support::step(
        &mut s,
        &AlterField::new(
            "Product",
            FieldState::new("cost", ColumnType::Integer).column("cost_cents"),
        )
        .into(),
    );
    sqlite_support::run(&mut conn, &sql);
    sqlite_support::forwards(
        &mut conn,
        &mut s,
        &AlterField::new("Product", FieldState::new("qty", ColumnType::Integer)).into(),
    );
    assert_eq!(
        sqlite_support::rows(&mut conn, "products", "id, cost_cents, qty", "id"),
        ["[1,5,2]"]
    );
    let err = diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        "INSERT INTO products (id, cost_cents, qty) VALUES (2, -1, '1')",
    )
    .expect_err("the check still holds");
    assert!(err.to_string().contains("CHECK"), "{err}");
}
