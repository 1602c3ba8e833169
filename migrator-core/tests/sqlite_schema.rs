//! SQLite-only checks of the schema editor on real database files: the SQL of every
//! operation kind forwards and backwards (insta snapshot), each step applied and undone with
//! the introspected schema compared to the state after every step, and the rebuild cases
//! only SQLite has (rebuilding referenced and self-referencing tables, moving a referenced
//! primary key, expression defaults, AUTOINCREMENT counters, random rebuild histories). The
//! scenarios every backend shares — type change, NULL → NOT NULL, renames, unique, foreign
//! key and primary-key changes on tables with rows, quoting of defaults — live in
//! `tests/conformance.rs`, with SQLite's SQL-shape assertions folded in.

mod pair_history_support;
mod sqlite_support;

use std::fmt::Write as _;

use migrator_core::backend::sqlite::SqliteEditor;
use migrator_core::backend::{SchemaEditor, SchemaError};
use migrator_core::operations::{
    AddConstraint, AddField, AddIndex, AlterField, AlterModelComment, AlterModelTable, CreateModel,
    DeleteModel, RemoveConstraint, RemoveField, RemoveIndex, RenameField, RenameIndex, RenameModel,
    RunRust, RunSql,
};
use migrator_core::{
    ColumnType, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, ModelState,
    OnDelete, Operation, ProjectState,
};
use pair_history_support::{pair_foreign_key_rule, pair_model, pair_operations, PairChange};
use sqlite_support::{assert_schema, backwards_sql, exec, forwards, rows, run, step, temp_db, APP};

fn author_model() -> ModelState {
    let mut m = ModelState::new(APP, "Author", "authors");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("name", ColumnType::Varchar(100)).unique(),
        FieldState::new("bio", ColumnType::Text).nullable(),
    ];
    m
}

fn book_model() -> ModelState {
    let mut m = ModelState::new(APP, "Book", "books");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("title", ColumnType::Varchar(200)),
        FieldState::new("author", ColumnType::BigInt)
            .column("author_id")
            .foreign_key(ForeignKey::new(APP, "Author", OnDelete::Cascade))
            .index(),
        FieldState::new(
            "price",
            ColumnType::Decimal {
                precision: 10,
                scale: 2,
            },
        )
        .default(DefaultValue::Float("9.99".into())),
        FieldState::new("rating", ColumnType::Integer).nullable(),
    ];
    m.indexes = vec![IndexState::new(
        "books_title_author_idx",
        ["title", "author"],
        false,
    )];
    m.constraints = vec![ConstraintState::check(
        "books_rating_range",
        "\"rating\" IS NULL OR \"rating\" BETWEEN 0 AND 5",
    )];
    m
}

fn add(model: &str, field: FieldState) -> Operation {
    Operation::AddField(AddField::new(model, field))
}

fn alter(model: &str, field: FieldState) -> Operation {
    Operation::AlterField(AlterField::new(model, field))
}

fn history() -> Vec<Operation> {
    vec![
        Operation::CreateModel(CreateModel::from_state(&author_model())),
        Operation::CreateModel(CreateModel::from_state(&book_model())),
        add(
            "Book",
            FieldState::new("published_date", ColumnType::Date).nullable(),
        ),
        add(
            "Book",
            FieldState::new("status", ColumnType::Varchar(20))
                .default(DefaultValue::Text("draft".into())),
        ),
        Operation::AddField(AddField {
            model: "Book".into(),
            field: FieldState::new("pages", ColumnType::Integer).default(DefaultValue::Int(0)),
            preserve_default: false,
        }),
        add(
            "Book",
            FieldState::new("isbn", ColumnType::Varchar(13))
                .nullable()
                .unique(),
        ),
        alter("Book", FieldState::new("title", ColumnType::Text)),
        alter(
            "Book",
            FieldState::new("rating", ColumnType::Integer).default(DefaultValue::Int(3)),
        ),
        alter(
            "Book",
            FieldState::new("status", ColumnType::Varchar(20))
                .default(DefaultValue::Text("draft".into()))
                .index(),
        ),
        Operation::RenameField(RenameField::new("Book", "pages", "page_count")),
        Operation::RemoveField(RemoveField::new("Book", "published_date")),
        Operation::RemoveField(RemoveField::new("Book", "isbn")),
        Operation::AddIndex(AddIndex::new(
            "Book",
            IndexState::new("books_status_rating_idx", ["status", "rating"], false),
        )),
        Operation::RenameIndex(RenameIndex::new(
            "Book",
            "books_status_rating_idx",
            "books_status_rating_ix",
        )),
        Operation::RemoveIndex(RemoveIndex::new("Book", "books_title_author_idx")),
        Operation::AddConstraint(AddConstraint::new(
            "Book",
            ConstraintState::unique("books_title_author_uniq", ["title", "author"]),
        )),
        Operation::RemoveConstraint(RemoveConstraint::new("Book", "books_rating_range")),
        Operation::RenameModel(RenameModel {
            old_name: "Author".into(),
            new_name: "Writer".into(),
        }),
        Operation::AlterModelTable(AlterModelTable {
            name: "Writer".into(),
            table: "writers".into(),
        }),
        Operation::AlterModelComment(AlterModelComment {
            name: "Writer".into(),
            comment: Some("People who write.".into()),
        }),
        alter(
            "Book",
            FieldState::new("author", ColumnType::BigInt)
                .column("author_id")
                .foreign_key(ForeignKey::new(APP, "Writer", OnDelete::Restrict))
                .index(),
        ),
        Operation::RunSql(RunSql::new(
            vec!["INSERT INTO \"writers\" (\"name\") VALUES ('Ursula')".into()],
            Some(vec![
                "DELETE FROM \"writers\" WHERE \"name\" = 'Ursula'".into()
            ]),
        )),
        Operation::RunRust(RunRust {
            name: "noop_data_step",
            forward: noop_step,
            backward: Some(noop_step),
            elidable: false,
        }),
        Operation::DeleteModel(DeleteModel {
            name: "Book".into(),
        }),
    ]
}

/// A data step: no SQL of its own (the executor calls it inside the transaction).
fn noop_step(_: &mut migrator_core::backend::DbConnection) -> Result<(), migrator_core::BoxError> {
    Ok(())
}

/// Forwards and backwards SQL of every operation kind, snapshotted; each step is applied to a
/// real database and checked by introspection, then the whole history is undone step by step
/// and checked again at every state.
#[test]
fn every_operation_forwards_and_backwards() {
    let (_dir, mut conn) = temp_db();
    let mut state = ProjectState::new();
    let mut states = vec![state.clone()];
    let mut text = String::new();
    let ops = history();
    let mut backwards = Vec::new();
    for op in &ops {
        let (before, fwd) = step(&mut state, op);
        let bwd = backwards_sql(op, &before, &state);
        let _ = writeln!(text, "## {}\n-- forwards", op.describe());
        for s in &fwd {
            let _ = writeln!(text, "{s};");
        }
        let _ = writeln!(text, "-- backwards");
        for s in &bwd {
            let _ = writeln!(text, "{s};");
        }
        text.push('\n');
        run(&mut conn, &fwd);
        assert_schema(&mut conn, &state);
        states.push(state.clone());
        backwards.push(bwd);
    }
    insta::assert_snapshot!("every_operation", text);

    // Undo everything, checking the schema at each earlier state.
    for (i, bwd) in backwards.iter().enumerate().rev() {
        run(&mut conn, bwd);
        assert_schema(&mut conn, &states[i]);
    }
    assert!(migrator_core::introspect::introspect(&mut conn)
        .unwrap()
        .tables
        .is_empty());
}

fn seed() -> (
    tempfile::TempDir,
    migrator_core::backend::DbConnection,
    ProjectState,
) {
    let (dir, mut conn) = temp_db();
    let mut state = ProjectState::new();
    forwards(
        &mut conn,
        &mut state,
        &Operation::CreateModel(CreateModel::from_state(&author_model())),
    );
    let mut book = book_model();
    book.constraints.clear();
    book.indexes.clear();
    book.fields
        .push(FieldState::new("co_author", ColumnType::BigInt).nullable());
    forwards(
        &mut conn,
        &mut state,
        &Operation::CreateModel(CreateModel::from_state(&book)),
    );
    exec(
        &mut conn,
        "INSERT INTO authors (id, name, bio) VALUES (1, 'Le Guin', NULL), (2, 'Borges', 'Argentine'), (3, 'Lem', NULL);
         INSERT INTO books (id, title, author_id, price, rating, co_author) VALUES
           (1, 'The Dispossessed', 1, 12.5, 5, NULL),
           (2, 'Ficciones', 2, 8, NULL, 3),
           (3, 'Solaris', 3, 10.25, 4, NULL),
           (4, 'Earthsea', 1, 9.99, NULL, 2),
           (5, 'Aleph', 2, 7, 2, NULL);",
    );
    (dir, conn, state)
}

const BOOK_COLS: &str = "id, title, author_id, price, rating, co_author";

fn book_rows(conn: &mut migrator_core::backend::DbConnection, cols: &str) -> Vec<String> {
    rows(conn, "books", cols, "id")
}

#[test]
fn irreversible_operations_name_themselves() {
    let op = Operation::RunSql(RunSql::new(vec!["UPDATE t SET x = 1".into()], None));
    let state = ProjectState::new();
    let err = op
        .database_backwards(APP, &SqliteEditor, &state, &state)
        .unwrap_err();
    assert!(matches!(err, SchemaError::Irreversible(_)));
    assert!(err.to_string().contains("UPDATE t SET x = 1"), "{err}");

    fn step_fn(
        _: &mut migrator_core::backend::DbConnection,
    ) -> Result<(), migrator_core::BoxError> {
        Ok(())
    }
    let op = Operation::RunRust(RunRust {
        name: "fill_slugs",
        forward: step_fn,
        backward: None,
        elidable: false,
    });
    let err = op
        .database_backwards(APP, &SqliteEditor, &state, &state)
        .unwrap_err();
    assert!(err.to_string().contains("fill_slugs"), "{err}");
}

#[test]
fn missing_foreign_key_target_is_a_clear_error() {
    let mut m = ModelState::new(APP, "Loan", "loans");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("book", ColumnType::BigInt).foreign_key(ForeignKey::new(
            "shop",
            "Book",
            OnDelete::Cascade,
        )),
    ];
    let mut state = ProjectState::new();
    state.insert(m.clone());
    let err = SqliteEditor
        .create_model_sql(&m, &state)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("shop.Book") && err.contains("add the dependency"),
        "{err}"
    );
}

#[test]
fn rebuilding_a_referenced_table_keeps_rows_and_references() {
    let (_dir, mut conn, mut state) = seed();
    let authors = rows(&mut conn, "authors", "id, name, bio", "id");
    let books = book_rows(&mut conn, BOOK_COLS);
    let sql = forwards(
        &mut conn,
        &mut state,
        &alter(
            "Author",
            FieldState::new("bio", ColumnType::Varchar(500)).nullable(),
        ),
    );
    assert!(
        sql[0].starts_with("CREATE TABLE \"new__authors\""),
        "{sql:#?}"
    );
    assert_eq!(rows(&mut conn, "authors", "id, name, bio", "id"), authors);
    assert_eq!(book_rows(&mut conn, BOOK_COLS), books);
    // The books → authors reference survived the drop and rename: cascades still work.
    exec(&mut conn, "DELETE FROM authors WHERE id = 2");
    assert_eq!(book_rows(&mut conn, "id"), ["[1]", "[3]", "[4]"]);
}

#[test]
fn moving_a_referenced_primary_key_rebuilds_the_referencing_tables() {
    let (_dir, mut conn, mut state) = seed();
    // Books reference authors by name from now on (the data follows in a RunSql in real
    // life; here the referencing rows are made to match first).
    exec(&mut conn, "DELETE FROM books");
    forwards(
        &mut conn,
        &mut state,
        &alter(
            "Author",
            FieldState::new("id", ColumnType::BigInt).primary_key(),
        ),
    );
    let (_, first) = step(
        &mut state,
        &alter(
            "Author",
            FieldState::new("name", ColumnType::Varchar(100)).primary_key(),
        ),
    );
    let (_, second) = step(
        &mut state,
        &alter("Author", FieldState::new("id", ColumnType::BigInt)),
    );
    assert!(
        second
            .iter()
            .any(|s| s.starts_with("CREATE TABLE \"new__books\"")
                && s.contains("REFERENCES \"authors\" (\"name\")")),
        "{second:#?}"
    );
    run(&mut conn, &[first, second].concat());
    assert_schema(&mut conn, &state);
    exec(
        &mut conn,
        "INSERT INTO books (title, author_id, price) VALUES ('Solaris', 'Lem', 1)",
    );
    let orphan = diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        "INSERT INTO books (title, author_id, price) VALUES ('x', 'Nobody', 1)",
    );
    assert!(orphan.is_err(), "the moved reference is not enforced");
}

#[test]
fn an_expression_default_rebuilds_and_fills_existing_rows() {
    let (_dir, mut conn, mut state) = seed();
    let sql = forwards(
        &mut conn,
        &mut state,
        &add(
            "Book",
            FieldState::new("added", ColumnType::Timestamp)
                .default(DefaultValue::Sql("CURRENT_TIMESTAMP".into())),
        ),
    );
    assert!(sql[0].contains("DEFAULT (CURRENT_TIMESTAMP)"), "{sql:#?}");
    let filled = book_rows(&mut conn, "added IS NOT NULL AND length(added) = 19");
    assert_eq!(filled, vec!["[1]"; 5]);
}

#[test]
fn a_rebuild_never_reuses_autoincrement_ids() {
    let (_dir, mut conn, mut state) = seed();
    exec(&mut conn, "DELETE FROM books WHERE id IN (4, 5)");
    forwards(
        &mut conn,
        &mut state,
        &alter("Book", FieldState::new("title", ColumnType::Text)),
    );
    exec(
        &mut conn,
        "INSERT INTO books (title, author_id) VALUES ('New', 1)",
    );
    assert_eq!(book_rows(&mut conn, "id"), ["[1]", "[2]", "[3]", "[6]"]);
    // An empty table keeps its counter too.
    exec(&mut conn, "DELETE FROM books");
    forwards(
        &mut conn,
        &mut state,
        &alter("Book", FieldState::new("title", ColumnType::Varchar(300))),
    );
    exec(
        &mut conn,
        "INSERT INTO books (title, author_id) VALUES ('Newer', 1)",
    );
    assert_eq!(book_rows(&mut conn, "id"), ["[7]"]);
}

#[test]
fn rebuilding_a_self_referencing_table_keeps_the_reference() {
    let (_dir, mut conn) = temp_db();
    let mut state = ProjectState::new();
    let mut category = ModelState::new(APP, "Category", "categories");
    category.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("name", ColumnType::Varchar(50)),
        FieldState::new("parent", ColumnType::BigInt)
            .column("parent_id")
            .nullable()
            .foreign_key(ForeignKey::new(APP, "Category", OnDelete::Cascade)),
    ];
    forwards(
        &mut conn,
        &mut state,
        &Operation::CreateModel(CreateModel::from_state(&category)),
    );
    exec(
        &mut conn,
        "INSERT INTO categories (id, name, parent_id) VALUES (1, 'root', NULL), (2, 'child', 1), (3, 'leaf', 2)",
    );
    let sql = forwards(
        &mut conn,
        &mut state,
        &alter("Category", FieldState::new("name", ColumnType::Text)),
    );
    assert!(
        sql[0].contains("REFERENCES \"categories\" (\"id\")"),
        "{sql:#?}"
    );
    assert_eq!(
        rows(&mut conn, "categories", "id, name, parent_id", "id"),
        ["[1,\"root\",null]", "[2,\"child\",1]", "[3,\"leaf\",2]"]
    );
    exec(&mut conn, "DELETE FROM categories WHERE id = 1");
    assert!(
        rows(&mut conn, "categories", "id", "id").is_empty(),
        "cascade lost"
    );
}

/// Removing a column is a plain `DROP COLUMN` unless a table constraint names it: a check on
/// `ab` (or on `"ab"`, or naming `a` only inside a string) does not name `a`, so no rebuild.
#[test]
fn a_check_naming_a_longer_column_does_not_make_a_removal_rebuild() {
    let (_dir, mut conn) = temp_db();
    let mut state = ProjectState::new();
    let mut m = ModelState::new(APP, "Pair", "pairs");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        FieldState::new("a", ColumnType::Integer).nullable(),
        FieldState::new("ab", ColumnType::Integer).nullable(),
    ];
    m.constraints = vec![ConstraintState::check(
        "pairs_ab_check",
        "ab > 0 OR \"ab\" IS NULL OR 'a' = 'a'",
    )];
    forwards(
        &mut conn,
        &mut state,
        &Operation::CreateModel(CreateModel::from_state(&m)),
    );
    exec(&mut conn, "INSERT INTO pairs (id, a, ab) VALUES (1, 5, 6)");
    let sql = forwards(
        &mut conn,
        &mut state,
        &Operation::RemoveField(RemoveField::new("Pair", "a")),
    );
    assert_eq!(sql, ["ALTER TABLE \"pairs\" DROP COLUMN \"a\""]);
    assert_eq!(rows(&mut conn, "pairs", "id, ab", "id"), ["[1,6]"]);
}

mod random_histories {
    //! Random alteration sequences on a table with rows: every step forwards and then every
    //! step backwards must run, keep every row, and leave the schema the state describes.
    //! Beside `items` is `pairs`, keyed by two columns and holding rows too: `items` gains,
    //! re-rules and drops a two-column foreign key to it (pointing its first row at a pair),
    //! and `pairs` is altered under that foreign key (a rebuild of a referenced table).

    use super::*;
    use migrator_core::ConstraintKind;
    use proptest::prelude::*;

    /// One alteration; the numbers pick among the fields that exist.
    #[derive(Clone, Debug)]
    enum Change {
        Add {
            ty: u8,
            nullable: bool,
        },
        Remove(u8),
        Retype {
            field: u8,
            ty: u8,
        },
        ToggleNull(u8),
        Rename(u8),
        ToggleIndex(u8),
        AddCheck(u8),
        DropCheck,
        AddCompositeIndex,
        DropCompositeIndex,
        /// A change that reaches `pairs` (`pair_history_support`).
        Pair(PairChange),
    }

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            3 => (any::<u8>(), any::<bool>()).prop_map(|(ty, nullable)| Change::Add { ty, nullable }),
            1 => any::<u8>().prop_map(Change::Remove),
            2 => (any::<u8>(), any::<u8>()).prop_map(|(field, ty)| Change::Retype { field, ty }),
            2 => any::<u8>().prop_map(Change::ToggleNull),
            1 => any::<u8>().prop_map(Change::Rename),
            1 => any::<u8>().prop_map(Change::ToggleIndex),
            1 => any::<u8>().prop_map(Change::AddCheck),
            1 => Just(Change::DropCheck),
            1 => Just(Change::AddCompositeIndex),
            1 => Just(Change::DropCompositeIndex),
            2 => any::<u8>().prop_map(|rule| Change::Pair(PairChange::AddForeignKey { rule })),
            1 => Just(Change::Pair(PairChange::ReRuleForeignKey)),
            1 => Just(Change::Pair(PairChange::DropForeignKey)),
            1 => Just(Change::Pair(PairChange::Alter)),
        ]
    }

    fn column_type(n: u8) -> (ColumnType, DefaultValue) {
        match n % 6 {
            0 => (ColumnType::Integer, DefaultValue::Int(7)),
            1 => (ColumnType::BigInt, DefaultValue::Int(-3)),
            2 => (ColumnType::Text, DefaultValue::Text("it's".into())),
            3 => (ColumnType::Varchar(20), DefaultValue::Text("v".into())),
            4 => (ColumnType::Double, DefaultValue::Float("2.5".into())),
            _ => (ColumnType::Boolean, DefaultValue::Bool(true)),
        }
    }

    /// The operation for `change` in `state` (None when it does not apply).
    fn operation(change: &Change, state: &ProjectState, counter: &mut u32) -> Option<Operation> {
        let model = state.model(APP, "Item")?;
        let fields: Vec<&FieldState> = model.fields.iter().filter(|f| !f.primary_key).collect();
        let pick = |n: u8| (!fields.is_empty()).then(|| fields[n as usize % fields.len()]);
        let in_index = |name: &str| {
            model
                .indexes
                .iter()
                .any(|i| i.fields.iter().any(|f| f == name))
        };
        let checks = || {
            model
                .constraints
                .iter()
                .filter(|c| matches!(c.kind, ConstraintKind::Check(_)))
        };
        let pair_rule = |name: &str| pair_foreign_key_rule(model, name);
        *counter += 1;
        Some(match change {
            Change::Add { ty, nullable } => {
                let (t, d) = column_type(*ty);
                let mut f = FieldState::new(format!("f{counter}"), t);
                // NOT NULL columns always carry a default, so rows can be filled both ways.
                f = if *nullable {
                    f.nullable()
                } else {
                    f.default(d)
                };
                add("Item", f)
            }
            Change::Remove(n) => {
                let f = pick(*n)?;
                if in_index(&f.name) || checks().next().is_some() || pair_rule(&f.name).is_some() {
                    return None;
                }
                Operation::RemoveField(RemoveField::new("Item", f.name.clone()))
            }
            Change::Retype { field, ty } => {
                let f = pick(*field)?;
                if pair_rule(&f.name).is_some() {
                    return None; // a foreign-key column keeps its key column's type
                }
                let (t, d) = column_type(*ty);
                let mut new = f.clone();
                new.column_type = t;
                if new.default.is_some() {
                    new.default = Some(d);
                }
                alter("Item", new)
            }
            Change::ToggleNull(n) => {
                let f = pick(*n)?;
                let rule = pair_rule(&f.name);
                if f.nullable && rule == Some(OnDelete::SetNull) {
                    return None; // SET NULL needs nullable columns
                }
                let mut new = f.clone();
                new.nullable = !f.nullable;
                if !new.nullable && new.default.is_none() {
                    new.default = Some(column_type(0).1);
                    if matches!(new.column_type, ColumnType::Text | ColumnType::Varchar(_)) {
                        new.default = Some(DefaultValue::Text("filled".into()));
                    }
                    if rule.is_some() {
                        // Pair (1, 1) exists.
                        new.default = Some(DefaultValue::Int(1));
                    }
                }
                alter("Item", new)
            }
            Change::Rename(n) => {
                let f = pick(*n)?;
                if checks().next().is_some() {
                    return None; // check SQL names columns; renames would leave it stale
                }
                Operation::RenameField(RenameField::new(
                    "Item",
                    f.name.clone(),
                    format!("r{counter}"),
                ))
            }
            Change::ToggleIndex(n) => {
                let f = pick(*n)?;
                let mut new = f.clone();
                new.index = !f.index;
                alter("Item", new)
            }
            Change::AddCheck(n) => {
                let f = pick(*n)?;
                if checks().next().is_some() {
                    return None;
                }
                Operation::AddConstraint(AddConstraint::new(
                    "Item",
                    ConstraintState::check(
                        format!("item_check_{counter}"),
                        format!("\"{}\" IS NULL OR length(\"{}\") >= 0", f.column, f.column),
                    ),
                ))
            }
            Change::DropCheck => {
                let c = checks().next()?;
                Operation::RemoveConstraint(RemoveConstraint::new("Item", c.name.clone()))
            }
            Change::AddCompositeIndex => {
                if fields.len() < 2 || !model.indexes.is_empty() {
                    return None;
                }
                Operation::AddIndex(AddIndex::new(
                    "Item",
                    IndexState::new(
                        format!("item_idx_{counter}"),
                        [fields[0].name.clone(), fields[1].name.clone()],
                        false,
                    ),
                ))
            }
            Change::DropCompositeIndex => {
                let i = model.indexes.first()?;
                Operation::RemoveIndex(RemoveIndex::new("Item", i.name.clone()))
            }
            Change::Pair(_) => return None,
        })
    }

    proptest! {
        // 200 cases by default (what CI runs); `PROPTEST_CASES` overrides it.
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn alterations_keep_rows_and_schema_both_ways(changes in proptest::collection::vec(change(), 1..12)) {
            let (_dir, mut conn) = temp_db();
            let mut state = ProjectState::new();
            let mut item = ModelState::new(APP, "Item", "items");
            item.fields = vec![
                FieldState::new("id", ColumnType::BigInt).primary_key().auto_increment(),
                FieldState::new("label", ColumnType::Varchar(40)).nullable(),
            ];
            forwards(&mut conn, &mut state, &Operation::CreateModel(CreateModel::from_state(&item)));
            forwards(&mut conn, &mut state, &Operation::CreateModel(CreateModel::from_state(&pair_model())));
            exec(&mut conn, "INSERT INTO items (label) VALUES ('a'), (NULL), ('c''s')");
            exec(&mut conn, "INSERT INTO pairs (k1, k2) VALUES (1, 1), (2, 3)");
            let ids = rows(&mut conn, "items", "id", "id");
            let pairs = rows(&mut conn, "pairs", "k1, k2", "k1");

            let mut undo = Vec::new();
            let mut counter = 0;
            for change in &changes {
                let pair = match change {
                    Change::Pair(p) => Some(p),
                    _ => None,
                };
                let ops = match pair_operations(pair, &state, &mut counter, ColumnType::Text) {
                    Some(ops) => ops,
                    None => match operation(change, &state, &mut counter) {
                        Some(op) => vec![op],
                        None => continue,
                    },
                };
                let points = matches!(change, Change::Pair(PairChange::AddForeignKey { .. }));
                for op in ops {
                    let before = state.clone();
                    let sql = forwards(&mut conn, &mut state, &op);
                    prop_assert_eq!(&rows(&mut conn, "items", "id", "id"), &ids, "rows lost by {:?}", sql);
                    prop_assert_eq!(&rows(&mut conn, "pairs", "k1, k2", "k1"), &pairs, "pairs lost by {:?}", sql);
                    undo.push((op, before, state.clone()));
                }
                if points {
                    let fk = state.model(APP, "Item").unwrap().constraints.iter()
                        .find_map(|c| c.kind.foreign_key().map(|_| c.kind.fields().to_vec()))
                        .unwrap();
                    let (a, b) = (&state.model(APP, "Item").unwrap().field(&fk[0]).unwrap().column,
                        &state.model(APP, "Item").unwrap().field(&fk[1]).unwrap().column);
                    exec(&mut conn, &format!("UPDATE items SET \"{a}\" = 2, \"{b}\" = 3 WHERE id = 1"));
                }
            }
            for (op, before, after) in undo.iter().rev() {
                let sql = backwards_sql(op, before, after);
                run(&mut conn, &sql);
                assert_schema(&mut conn, before);
                prop_assert_eq!(&rows(&mut conn, "items", "id", "id"), &ids, "rows lost undoing {:?}", sql);
                prop_assert_eq!(&rows(&mut conn, "pairs", "k1, k2", "k1"), &pairs, "pairs lost undoing {:?}", sql);
            }
        }
    }
}
