//! Issue 14.1: the diesel schema `makemigrations` keeps current from the models, on a copy of
//! `examples/library` (whose `Book` and `Author` are also diesel's structs, their derives in
//! `cfg_attr(not(migrator), …)`): written on a model change, reported by `--check`, shown by
//! `--dry-run`, never blocking the build of the models it is about to replace, and refused
//! for a column diesel has no type for — before any file is written.

use migrator_tests::TempWorkspace;

use crate::cli_makemigrations::{library_with_initial, MIGRATIONS, MODELS};

const SCHEMA: &str = "library/src/schema.rs";
const PAGES: &str = "    /// The number of pages.\n    pub pages: Option<i32>,\n";
const AFTER_AUTHOR: &str = "    #[model(max_length = 100, index)]\n    pub author: String,\n";

fn add_pages(ws: &TempWorkspace) {
    ws.edit(MODELS, AFTER_AUTHOR, &format!("{AFTER_AUTHOR}{PAGES}"));
}

#[test]
fn a_model_change_rewrites_the_schema_even_while_diesel_derives_disagree_with_it() {
    let ws = library_with_initial();
    let before = ws.read(SCHEMA);
    assert!(!before.contains("pages"), "{before}");
    assert!(
        before.contains("diesel::table! {\n    /// A book on the shelf.\n    books (id) {"),
        "{before}"
    );
    ws.migrator(&["makemigrations", "--check"]).expect_code(0);

    // `Book` now has a field the schema lacks: diesel's `Selectable` on it cannot compile
    // until the schema is rewritten, and makemigrations must build the models to rewrite it.
    add_pages(&ws);
    let check = ws.migrator(&["makemigrations", "--check"]);
    check.expect_code(1);
    assert!(
        check
            .stderr
            .contains("building them again with `cfg(migrator)` set"),
        "{}",
        check.stderr
    );
    assert!(
        check.stdout.contains(
            "Diesel schema of app 'library' is stale: library/src/schema.rs (run `migrator makemigrations`)"
        ),
        "{}",
        check.stdout
    );
    assert_eq!(ws.read(SCHEMA), before, "--check writes nothing");

    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(0);
    assert!(
        run.stdout.ends_with(
            "    + Add field pages to book\nUpdated the diesel schema of app 'library': library/src/schema.rs\n"
        ),
        "{}",
        run.stdout
    );
    let after = ws.read(SCHEMA);
    assert!(
        after.contains("        /// The number of pages.\n        pages -> Nullable<Integer>,\n"),
        "{after}"
    );
    // The struct and the schema agree again: the app builds with its diesel derives, and
    // makemigrations has nothing to do.
    ws.cargo(&["build", "-q", "-p", "library", "--lib"])
        .expect_code(0);
    let again = ws.migrator(&["makemigrations", "--check"]);
    again.expect_code(0);
    assert!(
        !again.stderr.contains("building them again"),
        "{}",
        again.stderr
    );
}

#[test]
fn a_hand_edited_schema_is_stale_until_makemigrations_rewrites_it() {
    let ws = library_with_initial();
    let good = ws.read(SCHEMA);
    let edited = good.replace("title -> Varchar", "title -> Text");
    assert_ne!(edited, good);
    ws.write(SCHEMA, &edited);

    let check = ws.migrator(&["makemigrations", "--check"]);
    check.expect_code(1);
    assert!(
        check
            .stdout
            .starts_with("No changes detected\nDiesel schema of app 'library' is stale"),
        "{}",
        check.stdout
    );

    let dry = ws.migrator(&["makemigrations", "--dry-run"]);
    dry.expect_code(0);
    assert!(
        dry.stdout
            .contains("Would update the diesel schema of app 'library': library/src/schema.rs"),
        "{}",
        dry.stdout
    );
    assert_eq!(ws.read(SCHEMA), edited, "--dry-run writes nothing");

    ws.migrator(&["makemigrations"]).expect_code(0);
    assert_eq!(ws.read(SCHEMA), good);
    assert_eq!(
        ws.files(MIGRATIONS),
        ["0001_initial.rs"],
        "no migration for a schema file"
    );
}

#[test]
fn a_column_without_a_diesel_type_is_refused_before_anything_is_written() {
    let ws = library_with_initial();
    let before = ws.read(SCHEMA);
    ws.edit(
        MODELS,
        AFTER_AUTHOR,
        &format!("{AFTER_AUTHOR}    #[model(db_type = \"TEXT\")]\n    pub notes: String,\n"),
    );
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains(
            "library.Book.notes: its column type `TEXT` (`db_type`) has no diesel SQL type"
        ) && run.stderr.contains("DIESEL_SQL_TYPE"),
        "{}",
        run.stderr
    );
    assert_eq!(
        ws.files(MIGRATIONS),
        ["0001_initial.rs"],
        "no migration written"
    );
    assert_eq!(ws.read(SCHEMA), before, "schema untouched");
}

#[test]
fn an_app_that_keeps_a_schema_must_depend_on_diesel() {
    let ws = TempWorkspace::new(&["notes"]);
    ws.write(
        "notes/Cargo.toml",
        "[package]\nname = \"notes\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nmigrator-core.workspace = true\n\n\
         [build-dependencies]\nmigrator-build.workspace = true\n\n\
         [package.metadata.migrator]\ndiesel-schema = \"src/schema.rs\"\n",
    );
    ws.write(
        "notes/build.rs",
        "fn main() {\n    migrator_build::embed_migrations();\n}\n",
    );
    ws.write(
        "notes/src/lib.rs",
        "#[derive(migrator_core::Model)]\npub struct Note {\n    pub id: i64,\n    pub text: String,\n}\n\n\
         migrator_core::embed_migrations!();\n",
    );
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(
        run.stderr.contains("does not depend on diesel") && run.stderr.contains("[dependencies]"),
        "{}",
        run.stderr
    );
    assert!(ws.files("notes/migrations").is_empty(), "nothing written");
    assert!(!ws.path("notes/src/schema.rs").exists(), "nothing written");
}
