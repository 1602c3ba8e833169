//! `#[derive(ModelEnum)]` end to end (issue 17 part 6), through the real `migrator` binary on
//! a copy of the library example: a `Book` field of an enum gets its check in the initial
//! migration; a variant added later is a migration of its own that swaps the check (written,
//! read back by the build, shown by `sqlmigrate`), applies, leaves `check` clean, rolls back,
//! and leaves no pending changes.

use crate::cli_makemigrations::{library_seed, MIGRATIONS, MODELS};

const AUTHOR_FIELD: &str = "    #[model(max_length = 100, index)]\n    pub author: String,\n";
const SHELF_FIELD: &str =
    "    /// Where the book is kept.\n    #[model(default = \"stacks\")]\n    pub shelf: Shelf,\n";
const SHELF_ENUM: &str = "\n/// Where a book is kept.\n#[derive(Debug, Clone, Copy, PartialEq, Eq, migrator_core::ModelEnum)]\npub enum Shelf {\n    /// Open shelves.\n    Stacks,\n    /// Behind the desk.\n    Reserve,\n}\n";

#[test]
fn adding_a_variant_is_a_migration_that_swaps_the_check() {
    let ws = library_seed();
    let models = ws.read(MODELS);
    ws.write(
        MODELS,
        &format!(
            "{}{SHELF_ENUM}",
            models.replace(AUTHOR_FIELD, &format!("{AUTHOR_FIELD}{SHELF_FIELD}"))
        ),
    );
    ws.migrator(&["makemigrations", "--noinput"]).expect_code(0);
    let initial = ws.read("library/migrations/0001_initial.rs");
    assert!(
        initial.contains("books_shelf_choices")
            && initial.contains("shelf = 'stacks' OR shelf = 'reserve'"),
        "{initial}"
    );
    let db = format!("sqlite://{}", ws.path("test.sqlite3").display());
    ws.migrator(&["migrate", "--database", &db]).expect_code(0);

    ws.edit(
        MODELS,
        "    Reserve,\n",
        "    Reserve,\n    /// Lent out.\n    OnLoan,\n",
    );
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(0);
    assert_eq!(
        ws.files(MIGRATIONS),
        [
            "0001_initial.rs",
            "0002_remove_book_books_shelf_choices_and_more.rs"
        ],
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("books_shelf_choices"), "{}", run.stdout);
    let second = ws.read("library/migrations/0002_remove_book_books_shelf_choices_and_more.rs");
    assert!(
        second.contains("shelf = 'stacks' OR shelf = 'reserve' OR shelf = 'on_loan'"),
        "{second}"
    );

    let run = ws.migrator(&["sqlmigrate", "library", "0002", "--database", &db]);
    run.expect_code(0);
    assert!(run.stdout.contains("'on_loan'"), "{}", run.stdout);
    ws.migrator(&["migrate", "--database", &db]).expect_code(0);
    let run = ws.migrator(&["check", "--database", &db]);
    run.expect_code(0);
    let run = ws.migrator(&["migrate", "library", "0001", "--database", &db]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("Unapplying library.0002"),
        "{}",
        run.stdout
    );
    ws.migrator(&["migrate", "--database", &db]).expect_code(0);
    ws.migrator(&["check", "--database", &db]).expect_code(0);
    let run = ws.migrator(&["makemigrations", "--check"]);
    run.expect_code(0);
    assert_eq!(run.stdout, "No changes detected\n");
}
