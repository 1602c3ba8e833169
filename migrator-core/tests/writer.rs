//! Writer tests: snapshots of rendered migration files, the committed fixtures that compile
//! each rendered file back into a `Migration` (round trip), determinism and atomic writes;
//! migration names are tested in `naming` (`writer/naming.rs`), text and `run_rust` names in
//! `text` (`writer/text.rs`).
//!
//! Regenerate the fixtures with `MIGRATOR_BLESS=1 cargo test -p migrator-core --test writer`
//! and the snapshots with `INSTA_UPDATE=always` (or `cargo insta review`).

use std::path::{Path, PathBuf};

use migrator_core::migration::prelude::*;
use migrator_core::writer::{merge_migration, render, render_empty, write_atomic, HEADER};

#[path = "writer/indexes.rs"]
mod indexes;
#[path = "writer/naming.rs"]
mod naming;
#[path = "writer/text.rs"]
mod text;

/// Every fixture module, compiled as part of this test: each is a rendered file.
#[rustfmt::skip]
#[path = "writer_fixtures/add_constraint_check.rs"]
mod add_constraint_check;
#[rustfmt::skip]
#[path = "writer_fixtures/add_constraint_unique.rs"]
mod add_constraint_unique;
#[rustfmt::skip]
#[path = "writer_fixtures/add_field.rs"]
mod add_field;
#[rustfmt::skip]
#[path = "writer_fixtures/add_field_one_off_default.rs"]
mod add_field_one_off_default;
#[rustfmt::skip]
#[path = "writer_fixtures/composite_foreign_key.rs"]
mod composite_foreign_key;
#[rustfmt::skip]
#[path = "writer_fixtures/composite_primary_key.rs"]
mod composite_primary_key;
#[rustfmt::skip]
#[path = "writer_fixtures/concurrent_index.rs"]
mod concurrent_index;
#[rustfmt::skip]
#[path = "writer_fixtures/add_index.rs"]
mod add_index;
#[rustfmt::skip]
#[path = "writer_fixtures/alter_field.rs"]
mod alter_field;
#[rustfmt::skip]
#[path = "writer_fixtures/alter_field_one_off_default.rs"]
mod alter_field_one_off_default;
#[rustfmt::skip]
#[path = "writer_fixtures/alter_model_comment.rs"]
mod alter_model_comment;
#[rustfmt::skip]
#[path = "writer_fixtures/alter_model_comment_removed.rs"]
mod alter_model_comment_removed;
#[rustfmt::skip]
#[path = "writer_fixtures/alter_model_table.rs"]
mod alter_model_table;
#[rustfmt::skip]
#[path = "writer_fixtures/column_types.rs"]
mod column_types;
#[rustfmt::skip]
#[path = "writer_fixtures/create_model_every_property.rs"]
mod create_model_every_property;
#[rustfmt::skip]
#[path = "writer_fixtures/cross_app_foreign_key.rs"]
mod cross_app_foreign_key;
#[rustfmt::skip]
#[path = "writer_fixtures/delete_model.rs"]
mod delete_model;
#[rustfmt::skip]
#[path = "writer_fixtures/empty_template.rs"]
mod empty_template;
#[rustfmt::skip]
#[path = "writer_fixtures/generated_columns.rs"]
mod generated_columns;
#[rustfmt::skip]
#[path = "writer_fixtures/many_to_many_join_model.rs"]
mod many_to_many_join_model;
#[rustfmt::skip]
#[path = "writer_fixtures/merge.rs"]
mod merge;
#[rustfmt::skip]
#[path = "writer_fixtures/multiple_operations.rs"]
mod multiple_operations;
#[rustfmt::skip]
#[path = "writer_fixtures/non_atomic_squash.rs"]
mod non_atomic_squash;
#[rustfmt::skip]
#[path = "writer_fixtures/separate_database_and_state.rs"]
mod separate_database_and_state;
#[rustfmt::skip]
#[path = "writer_fixtures/run_before.rs"]
mod run_before;
#[rustfmt::skip]
#[path = "writer_fixtures/remove_constraint.rs"]
mod remove_constraint;
#[rustfmt::skip]
#[path = "writer_fixtures/remove_field.rs"]
mod remove_field;
#[rustfmt::skip]
#[path = "writer_fixtures/remove_index.rs"]
mod remove_index;
#[rustfmt::skip]
#[path = "writer_fixtures/rename_field_from_hint.rs"]
mod rename_field_from_hint;
#[rustfmt::skip]
#[path = "writer_fixtures/rename_model_from_prompt.rs"]
mod rename_model_from_prompt;
#[rustfmt::skip]
#[path = "writer_fixtures/run_sql_irreversible.rs"]
mod run_sql_irreversible;
#[rustfmt::skip]
#[path = "writer_fixtures/run_sql_reverse_noop.rs"]
mod run_sql_reverse_noop;
#[rustfmt::skip]
#[path = "writer_fixtures/run_sql_with_reverse.rs"]
mod run_sql_with_reverse;
#[rustfmt::skip]
#[path = "writer_fixtures/unicode_and_escapes.rs"]
mod unicode_and_escapes;

/// A scenario: its name (fixture and snapshot), the migration, and whether it renders as an
/// `--empty` template.
struct Scenario {
    name: &'static str,
    migration: Migration,
    empty: bool,
    /// `migration()` of the compiled fixture.
    compiled: fn() -> Migration,
}

fn library(name: &str) -> Migration {
    Migration::new("library", name)
}

fn author_id() -> FieldState {
    field("author_id", ColumnType::BigInt)
        .index()
        .foreign_key(ForeignKey::new("library", "Author", OnDelete::Cascade))
}

fn scenarios() -> Vec<Scenario> {
    let s = |name, migration, compiled| Scenario {
        name,
        migration,
        empty: false,
        compiled,
    };
    let mut list = vec![
        s(
            "create_model_every_property",
            library("0001_initial").initial(true).operation(
                create_model("Book", "books")
                    .comment("Books on the shelf.")
                    .field(
                        field("id", ColumnType::BigInt)
                            .primary_key()
                            .auto_increment(),
                    )
                    .field(field("title", ColumnType::Varchar(200)).comment("The full title."))
                    .field(field("isbn", ColumnType::Varchar(13)).unique())
                    .field(
                        field("published", ColumnType::Date)
                            .column("pub_date")
                            .nullable()
                            .index(),
                    )
                    .field(field("in_print", ColumnType::Boolean).default(DefaultValue::Bool(true)))
                    .field(field("stock", ColumnType::Integer).default(DefaultValue::Int(-1)))
                    .field(
                        field(
                            "price",
                            ColumnType::Decimal {
                                precision: 10,
                                scale: 2,
                            },
                        )
                        .default(DefaultValue::Float("9.99".into())),
                    )
                    .field(
                        field("status", ColumnType::Varchar(16))
                            .default(DefaultValue::Text("draft".into())),
                    )
                    .field(
                        field("created_at", ColumnType::TimestampTz)
                            .default(DefaultValue::Sql("CURRENT_TIMESTAMP".into())),
                    )
                    .field(author_id())
                    .field(
                        field("editor_id", ColumnType::BigInt)
                            .nullable()
                            .foreign_key(ForeignKey::new("library", "Author", OnDelete::SetNull)),
                    )
                    .index(index("books_title_author_idx", ["title", "author_id"]))
                    .index(unique_index("books_isbn_title_uniq", ["isbn", "title"]))
                    .constraint(check_constraint("books_price_positive", "price >= 0"))
                    .constraint(unique_constraint(
                        "books_title_author_uniq",
                        ["title", "author_id"],
                    )),
            ),
            create_model_every_property::migration,
        ),
        s(
            "delete_model",
            library("0004_delete_book")
                .dependency("library", "0003_book_isbn")
                .operation(delete_model("Book")),
            delete_model::migration,
        ),
        s(
            "rename_model_from_prompt",
            library("0003_rename_writer_author")
                .dependency("library", "0002_writer")
                .operation(rename_model("Writer", "Author")),
            rename_model_from_prompt::migration,
        ),
        s(
            "alter_model_table",
            library("0003_alter_book_table")
                .dependency("library", "0002_book_published_date")
                .operation(alter_model_table("Book", "library_books")),
            alter_model_table::migration,
        ),
        s(
            "alter_model_comment",
            library("0003_alter_book_comment")
                .dependency("library", "0002_book_published_date")
                .operation(alter_model_comment("Book", Some("Every book we own."))),
            alter_model_comment::migration,
        ),
        s(
            "alter_model_comment_removed",
            library("0004_alter_book_comment")
                .dependency("library", "0003_alter_book_comment")
                .operation(alter_model_comment("Book", None)),
            alter_model_comment_removed::migration,
        ),
        s(
            "add_field",
            library("0002_book_published_date")
                .dependency("library", "0001_initial")
                .operation(add_field(
                    "Book",
                    field("published_date", ColumnType::Date).nullable(),
                )),
            add_field::migration,
        ),
        s(
            "add_field_one_off_default",
            library("0003_book_pages")
                .dependency("library", "0002_book_published_date")
                .operation(
                    add_field(
                        "Book",
                        field("pages", ColumnType::Integer).default(DefaultValue::Int(0)),
                    )
                    .preserve_default(false),
                ),
            add_field_one_off_default::migration,
        ),
        s(
            "remove_field",
            library("0003_remove_book_isbn")
                .dependency("library", "0002_book_published_date")
                .operation(remove_field("Book", "isbn")),
            remove_field::migration,
        ),
        s(
            "alter_field",
            library("0003_alter_book_title")
                .dependency("library", "0002_book_published_date")
                .operation(alter_field(
                    "Book",
                    field("title", ColumnType::Varchar(300)).index(),
                )),
            alter_field::migration,
        ),
        s(
            "alter_field_one_off_default",
            library("0003_alter_book_published_date")
                .dependency("library", "0002_book_published_date")
                .operation(
                    alter_field(
                        "Book",
                        field("published_date", ColumnType::Date)
                            .default(DefaultValue::Sql("CURRENT_DATE".into())),
                    )
                    .preserve_default(false),
                ),
            alter_field_one_off_default::migration,
        ),
        s(
            "rename_field_from_hint",
            library("0003_rename_name_book_title")
                .dependency("library", "0002_book_published_date")
                .operation(rename_field("Book", "name", "title")),
            rename_field_from_hint::migration,
        ),
        s(
            "add_index",
            library("0003_book_books_author_idx")
                .dependency("library", "0002_book_published_date")
                .operation(add_index("Book", index("books_author_idx", ["author_id"]))),
            add_index::migration,
        ),
        s(
            "remove_index",
            library("0004_remove_book_books_author_idx")
                .dependency("library", "0003_book_books_author_idx")
                .operation(remove_index("Book", "books_author_idx")),
            remove_index::migration,
        ),
        s(
            "concurrent_index",
            library("0004_book_books_title_idx_remove_book_books_author_idx")
                .dependency("library", "0003_book_books_author_idx")
                .atomic(false)
                .operation(add_index("Book", index("books_title_idx", ["title"])).concurrently())
                .operation(remove_index("Book", "books_author_idx").concurrently()),
            concurrent_index::migration,
        ),
        s(
            "add_constraint_check",
            library("0003_book_books_pages_positive")
                .dependency("library", "0002_book_published_date")
                .operation(add_constraint(
                    "Book",
                    check_constraint("books_pages_positive", "pages > 0 AND pages < 100000"),
                )),
            add_constraint_check::migration,
        ),
        s(
            "add_constraint_unique",
            library("0003_book_books_title_author_uniq")
                .dependency("library", "0002_book_published_date")
                .operation(add_constraint(
                    "Book",
                    unique_constraint("books_title_author_uniq", ["title", "author_id"]),
                )),
            add_constraint_unique::migration,
        ),
        s(
            "remove_constraint",
            library("0004_remove_book_books_pages_positive")
                .dependency("library", "0003_book_books_pages_positive")
                .operation(remove_constraint("Book", "books_pages_positive")),
            remove_constraint::migration,
        ),
        s(
            "run_sql_with_reverse",
            library("0003_auto_a3d221dc")
                .dependency("library", "0002_book_published_date")
                .operation(
                    run_sql([
                        "UPDATE books\nSET title = upper(title)\nWHERE title <> ''",
                        "INSERT INTO books (title) VALUES ('Dune')",
                    ])
                    .reverse(["DELETE FROM books WHERE title = 'Dune'"]),
                ),
            run_sql_with_reverse::migration,
        ),
        s(
            "run_sql_irreversible",
            library("0003_auto_ddb9ccd3")
                .dependency("library", "0002_book_published_date")
                .operation(run_sql(["DROP VIEW IF EXISTS book_titles"])),
            run_sql_irreversible::migration,
        ),
        s(
            "run_sql_reverse_noop",
            library("0003_auto_6192f06d")
                .dependency("library", "0002_book_published_date")
                .operation(
                    run_sql([r#"CREATE INDEX "books_lower_title" ON books (lower(title))"#])
                        .reverse_noop(),
                ),
            run_sql_reverse_noop::migration,
        ),
        s(
            "cross_app_foreign_key",
            Migration::new("shop", "0001_initial")
                .initial(true)
                .dependency("library", "0001_initial")
                .operation(
                    create_model("Order", "shop_orders")
                        .field(
                            field("id", ColumnType::BigInt)
                                .primary_key()
                                .auto_increment(),
                        )
                        .field(
                            field("book_id", ColumnType::BigInt).index().foreign_key(
                                ForeignKey::new("library", "Book", OnDelete::Restrict),
                            ),
                        )
                        .field(
                            field("quantity", ColumnType::Integer).default(DefaultValue::Int(1)),
                        ),
                ),
            cross_app_foreign_key::migration,
        ),
        s(
            "merge",
            merge_migration(
                "library",
                &[],
                &[
                    MigrationKey::new("library", "0002_book_published_date"),
                    MigrationKey::new("library", "0002_author_born"),
                ],
            ),
            merge::migration,
        ),
        Scenario {
            name: "empty_template",
            migration: library("0003_auto_77d76c79")
                .dependency("library", "0002_book_published_date"),
            empty: true,
            compiled: empty_template::migration,
        },
        s(
            "multiple_operations",
            library("0003_remove_book_isbn_book_subtitle_alter_author_name_and_more")
                .dependency("library", "0002_book_published_date")
                .operation(remove_field("Book", "isbn"))
                .operation(add_field(
                    "Book",
                    field("subtitle", ColumnType::Varchar(200)).nullable(),
                ))
                .operation(alter_field(
                    "Author",
                    field("name", ColumnType::Varchar(150)),
                ))
                .operation(add_index("Author", index("authors_name_idx", ["name"])))
                .operation(run_sql(["UPDATE authors SET name = trim(name)"]).reverse_noop()),
            multiple_operations::migration,
        ),
        s(
            "non_atomic_squash",
            library("0001_squashed_0003_book_isbn")
                .initial(true)
                .atomic(false)
                .replaces("library", "0001_initial")
                .replaces("library", "0002_book_published_date")
                .replaces("library", "0003_book_isbn")
                .operation(
                    create_model("Book", "books")
                        .field(
                            field("id", ColumnType::BigInt)
                                .primary_key()
                                .auto_increment(),
                        )
                        .field(field("isbn", ColumnType::Varchar(13)).nullable()),
                ),
            non_atomic_squash::migration,
        ),
        s(
            "run_before",
            library("0002_auto_6c7229c9")
                .dependency("library", "0001_initial")
                .run_before("shop", "0001_initial")
                .run_before("accounts", "0003_profile")
                .operation(run_sql(["INSERT INTO authors (name) VALUES ('Anon')"]).reverse_noop())
                // `elidable` (a squash drops the step) is rendered and read back too.
                .operation(
                    run_sql(["UPDATE authors SET name = trim(name)"])
                        .reverse_noop()
                        .elidable(),
                ),
            run_before::migration,
        ),
        s(
            "separate_database_and_state",
            library("0003_auto_4815949a")
                .dependency("library", "0002_author")
                .operation(
                    separate_database_and_state()
                        .state_operation(rename_model("Author", "Writer"))
                        .state_operation(alter_model_table("Writer", "writers"))
                        .database_operation(
                            run_sql(["ALTER TABLE authors RENAME TO writers"])
                                .reverse(["ALTER TABLE writers RENAME TO authors"]),
                        )
                        .database_operation(add_index("Book", index("books_title_idx", ["title"]))),
                ),
            separate_database_and_state::migration,
        ),
        s(
            "column_types",
            library("0002_everything")
                .dependency("library", "0001_initial")
                .operation(
                    create_model("Everything", "everything")
                        .field(
                            field("id", ColumnType::Integer)
                                .primary_key()
                                .auto_increment(),
                        )
                        .field(field("small", ColumnType::SmallInt))
                        .field(
                            field("big", ColumnType::BigInt).default(DefaultValue::Int(i64::MIN)),
                        )
                        .field(field("real", ColumnType::Float))
                        .field(
                            field("double", ColumnType::Double)
                                .default(DefaultValue::Float("-1.5e3".into())),
                        )
                        .field(
                            field("flag", ColumnType::Boolean).default(DefaultValue::Bool(false)),
                        )
                        .field(field("body", ColumnType::Text))
                        .field(field("bytes", ColumnType::Blob).nullable())
                        .field(field("day", ColumnType::Date))
                        .field(field("clock", ColumnType::Time))
                        .field(field("stamp", ColumnType::Timestamp))
                        .field(field("stamp_tz", ColumnType::TimestampTz))
                        .field(field("uid", ColumnType::Uuid).unique())
                        .field(field("doc", ColumnType::Json).nullable())
                        .field(field(
                            "amount",
                            ColumnType::Decimal {
                                precision: 28,
                                scale: 10,
                            },
                        ))
                        .field(field("email", ColumnType::Custom("citext".into())))
                        .field(
                            field("parent_id", ColumnType::Integer)
                                .nullable()
                                .foreign_key(ForeignKey::new(
                                    "library",
                                    "Everything",
                                    OnDelete::NoAction,
                                )),
                        )
                        .field(
                            field("owner_id", ColumnType::BigInt)
                                .default(DefaultValue::Int(0))
                                .foreign_key(ForeignKey::new(
                                    "library",
                                    "Author",
                                    OnDelete::SetDefault,
                                )),
                        ),
                ),
            column_types::migration,
        ),
        s(
            "unicode_and_escapes",
            library("0002_alter_book_comment_book_note")
                .dependency("library", "0001_initial")
                .operation(alter_model_comment(
                    "Book",
                    Some("Bücher — \"quoted\", back\\slash\nsecond line\ttab"),
                ))
                .operation(add_field(
                    "Book",
                    field("note", ColumnType::Text)
                        .default(DefaultValue::Text("bell\u{7}\r\n\"#end".into()))
                        .comment("a \"#\" hash"),
                )),
            unicode_and_escapes::migration,
        ),
        s(
            "generated_columns",
            library("0003_line_total_line_label_alter_line_total")
                .dependency("library", "0002_line")
                .operation(add_field(
                    "Line",
                    field("total", ColumnType::BigInt).generated_stored("qty * unit_price"),
                ))
                .operation(add_field(
                    "Line",
                    field("label", ColumnType::Text)
                        .nullable()
                        .generated_virtual("upper(name) || ' \"x\"'"),
                ))
                .operation(alter_field(
                    "Line",
                    field("total", ColumnType::BigInt)
                        .index()
                        .generated_stored("qty * unit_price * 2"),
                )),
            generated_columns::migration,
        ),
        s(
            "composite_primary_key",
            library("0002_orderline_alter_orderline_qty")
                .dependency("library", "0001_initial")
                .operation(
                    create_model("OrderLine", "order_lines")
                        .field(
                            field("order_id", ColumnType::BigInt)
                                .primary_key()
                                .foreign_key(ForeignKey::new(
                                    "library",
                                    "Order",
                                    OnDelete::Cascade,
                                )),
                        )
                        .field(field("line_no", ColumnType::Integer).primary_key())
                        .field(field("qty", ColumnType::Integer)),
                )
                .operation(alter_field(
                    "OrderLine",
                    field("qty", ColumnType::Integer).primary_key(),
                )),
            composite_primary_key::migration,
        ),
        s(
            "composite_foreign_key",
            library("0003_note_and_more")
                .dependency("library", "0002_orderline_alter_orderline_qty")
                .operation(
                    create_model("Note", "notes")
                        .field(field("id", ColumnType::BigInt).primary_key())
                        .field(field("order_id", ColumnType::BigInt))
                        .field(field("line_no", ColumnType::Integer))
                        .constraint(foreign_key_constraint(
                            "notes_order_id_line_no_fk_order_lines",
                            ["order_id", "line_no"],
                            ForeignKey::new("library", "OrderLine", OnDelete::Cascade),
                        )),
                )
                .operation(remove_constraint(
                    "Note",
                    "notes_order_id_line_no_fk_order_lines",
                ))
                .operation(add_constraint(
                    "Note",
                    foreign_key_constraint(
                        "notes_fk",
                        ["order_id", "line_no"],
                        ForeignKey::new("library", "OrderLine", OnDelete::Restrict),
                    ),
                )),
            composite_foreign_key::migration,
        ),
        s(
            "many_to_many_join_model",
            library("0004_book_tags")
                .dependency("library", "0003_tag")
                .operation(many_to_many_join()),
            many_to_many_join_model::migration,
        ),
    ];
    list.extend(indexes::scenarios());
    list
}

/// The join model the registry adds for `Book.tags` (issue 17.1): rendered as the
/// `CreateModel` it is, and read back.
fn many_to_many_join() -> Operation {
    use migrator_core::many_to_many::{join_model, ManyToMany};
    use migrator_core::operations::CreateModel;
    use migrator_core::{ModelKey, ModelState};
    let mut book = ModelState::new("library", "Book", "books");
    book.fields = vec![field("id", ColumnType::BigInt)
        .primary_key()
        .auto_increment()];
    let mut tag = ModelState::new("library", "Tag", "tags");
    tag.fields = vec![field("id", ColumnType::Integer)
        .primary_key()
        .auto_increment()];
    let rel = ManyToMany::new("tags", ModelKey::new("library", "Tag"));
    CreateModel::from_state(&join_model(&book, &rel, &tag).unwrap()).into()
}

fn rendered(s: &Scenario) -> String {
    if s.empty {
        render_empty(&s.migration)
    } else {
        render(&s.migration)
    }
}

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/writer_fixtures")
        .join(format!("{name}.rs"))
}

#[test]
fn snapshots() {
    let scenarios = scenarios();
    assert!(scenarios.len() >= 20);
    for s in &scenarios {
        insta::assert_snapshot!(s.name, rendered(s));
    }
}

/// Every fixture is exactly what the writer renders today (rewrite with `MIGRATOR_BLESS=1`).
#[test]
fn fixtures_equal_render_byte_for_byte() {
    let bless = std::env::var_os("MIGRATOR_BLESS").is_some();
    let mut stale = Vec::new();
    for s in scenarios() {
        let path = fixture_path(s.name);
        let source = rendered(&s);
        if bless {
            std::fs::write(&path, &source).unwrap();
            continue;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != source {
            stale.push(s.name);
        }
    }
    assert!(
        stale.is_empty(),
        "fixtures differ from render(): {stale:?}; rerun with MIGRATOR_BLESS=1 and review the diff"
    );
    // Every fixture file belongs to a scenario.
    let names: Vec<&str> = scenarios().iter().map(|s| s.name).collect();
    for entry in std::fs::read_dir(fixture_path("x").parent().unwrap()).unwrap() {
        let stem = entry
            .unwrap()
            .path()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(names.contains(&stem.as_str()), "stray fixture {stem}.rs");
    }
}

/// Each compiled fixture's `migration()` rebuilds exactly the scenario's migration (the app and
/// name are not in the file).
#[test]
fn fixtures_round_trip() {
    for s in scenarios() {
        let expected = s.migration.clone().named("", "");
        assert_eq!((s.compiled)(), expected, "round trip of {}", s.name);
    }
}

#[test]
fn render_is_deterministic_and_has_the_header() {
    for s in scenarios() {
        let a = rendered(&s);
        assert_eq!(a, rendered(&s));
        assert!(a.starts_with(&format!("{HEADER}\n\n")), "{}", s.name);
        assert!(!a.contains("<String as"), "{}", s.name);
        let named_elsewhere = s
            .migration
            .dependencies
            .iter()
            .any(|d| d.name == s.migration.name);
        assert!(
            named_elsewhere || !a.contains(&s.migration.name),
            "the name is not in the file: {}",
            s.name
        );
    }
}

#[test]
fn renamed_app_and_name_do_not_change_the_file() {
    let s = &scenarios()[0];
    let renamed = s.migration.clone().named("other_app", "0009_whatever");
    assert_eq!(render(&renamed), render(&s.migration));
}

#[test]
fn header_names_the_version() {
    assert_eq!(
        HEADER,
        format!(
            "// Generated by migrator {}. Edit with care: applied migrations are checksummed.",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn write_atomic_writes_whole_files_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("migrations");
    let source = render(&scenarios()[0].migration);
    let path = write_atomic(&dir, "0001_initial", &source).unwrap();
    assert_eq!(path, dir.join("0001_initial.rs"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), source);

    let err = write_atomic(&dir, "0001_initial", "changed").unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    assert!(err.to_string().contains("0001_initial.rs"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        source,
        "not overwritten"
    );

    let entries: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        entries,
        ["0001_initial.rs"],
        "no temporary file is left behind"
    );
}

/// The rename scenarios are exactly what the autodetector writes: a field rename from a
/// `renamed_from` hint without any question, a model rename from a "yes" to the prompt.
#[test]
fn rename_scenarios_come_from_the_autodetector() {
    use migrator_core::autodetector::detect;
    use migrator_core::questioner::{Answer, NonInteractiveQuestioner, ScriptedQuestioner};
    use migrator_core::registry::collect;
    use migrator_core::{ModelDefinition, ModelState, ProjectState};

    let book = |title: &str| {
        let mut m = ModelState::new("library", "Book", "books");
        m.fields = vec![
            field("id", ColumnType::BigInt)
                .primary_key()
                .auto_increment(),
            field(title, ColumnType::Varchar(200)),
        ];
        m
    };
    let mut from = ProjectState::new();
    from.insert(book("name"));
    let mut def = ModelDefinition::new(book("title"));
    def.field_renames.insert("title".into(), "name".into());
    let to = collect([("library::Book", def)]).unwrap();
    let changes = detect(&from, &to, &mut NonInteractiveQuestioner).unwrap();
    let scenario = scenarios()
        .into_iter()
        .find(|s| s.name == "rename_field_from_hint")
        .unwrap();
    assert_eq!(changes["library"].operations, scenario.migration.operations);

    let person = |name: &str| {
        let mut m = ModelState::new("library", name, "people");
        m.fields = vec![
            field("id", ColumnType::BigInt)
                .primary_key()
                .auto_increment(),
            field("name", ColumnType::Varchar(100)),
        ];
        m
    };
    let mut from = ProjectState::new();
    from.insert(person("Writer"));
    let to = collect([("library::Author", ModelDefinition::new(person("Author")))]).unwrap();
    let mut yes = ScriptedQuestioner::new([Answer::Rename(true)]);
    let changes = detect(&from, &to, &mut yes).unwrap();
    assert_eq!(yes.asked.len(), 1);
    let scenario = scenarios()
        .into_iter()
        .find(|s| s.name == "rename_model_from_prompt")
        .unwrap();
    assert_eq!(changes["library"].operations, scenario.migration.operations);
}
