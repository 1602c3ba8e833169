//! End to end: the real `migrator` binary run as a subprocess on throwaway workspaces (copies
//! of `examples/library` and small hand-written crates), checking files written, output and
//! exit codes of `makemigrations`, including every kind of bad input.

use migrator_tests::TempWorkspace;

pub(crate) const MODELS: &str = "library/src/models.rs";
pub(crate) const MIGRATIONS: &str = "library/migrations";

/// The line after which new `Book` fields are added in the copied models.
const BOOK_AUTHOR_FIELD: &str = "    #[model(max_length = 100, index)]\n    pub author: String,\n";

/// The field the walk-through adds; the committed example already has it, so the copies
/// start without it (the seed state).
const PUBLISHED_DATE: &str =
    "    /// When the book was published, if known.\n    pub published_date: Option<chrono::NaiveDate>,\n";

/// A copy of the library example in its seed state (no `published_date`, no migrations).
pub(crate) fn library_seed() -> TempWorkspace {
    let ws = TempWorkspace::with_library_example();
    let models = ws.read(MODELS);
    ws.write(MODELS, &models.replace(PUBLISHED_DATE, ""));
    assert!(
        !ws.read(MODELS).contains("pub published_date"),
        "seed state"
    );
    ws
}

/// A copy of the library example with its first migration made.
pub(crate) fn library_with_initial() -> TempWorkspace {
    let ws = library_seed();
    ws.migrator(&["makemigrations", "--noinput"]).expect_code(0);
    assert_eq!(ws.files(MIGRATIONS), ["0001_initial.rs"]);
    ws
}

fn add_book_field(ws: &TempWorkspace, field: &str) {
    ws.edit(
        MODELS,
        BOOK_AUTHOR_FIELD,
        &format!("{BOOK_AUTHOR_FIELD}{field}"),
    );
}

#[test]
fn seed_walkthrough_initial_then_added_field_then_no_changes() {
    let ws = library_seed();

    let run = ws.migrator(&["makemigrations"]);
    run.expect_code(0);
    assert!(
        run.stdout.starts_with(
            "Migrations for 'library':\n  library/migrations/0001_initial.rs\n    + Create model Author\n    + Create model Book\n"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(ws.files(MIGRATIONS), ["0001_initial.rs"]);
    let initial = ws.read("library/migrations/0001_initial.rs");
    assert!(
        initial.contains("\"books\"") && initial.contains("\"authors\""),
        "{initial}"
    );

    add_book_field(&ws, PUBLISHED_DATE);
    let run = ws.migrator(&["makemigrations"]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "Migrations for 'library':\n  library/migrations/0002_book_published_date.rs\n    + Add field published_date to book\n\
         Updated the diesel schema of app 'library': library/src/schema.rs\n"
    );
    assert_eq!(
        ws.files(MIGRATIONS),
        ["0001_initial.rs", "0002_book_published_date.rs"]
    );
    let second = ws.read("library/migrations/0002_book_published_date.rs");
    assert!(
        second.contains("0001_initial"),
        "depends on its leaf:\n{second}"
    );
    assert!(second.contains("published_date"), "{second}");

    let run = ws.migrator(&["makemigrations", "--check"]);
    run.expect_code(0);
    assert_eq!(run.stdout, "No changes detected\n");
    let run = ws.migrator(&["makemigrations", "library"]);
    run.expect_code(0);
    assert_eq!(run.stdout, "No changes detected in app 'library'\n");
}

#[test]
fn check_and_dry_run_write_nothing() {
    let ws = library_seed();
    let run = ws.migrator(&["makemigrations", "--check"]);
    run.expect_code(1);
    assert!(run.stdout.contains("0001_initial.rs"), "{}", run.stdout);
    assert!(ws.files(MIGRATIONS).is_empty(), "--check wrote files");

    let run = ws.migrator(&["makemigrations", "--dry-run", "-v", "3"]);
    run.expect_code(0);
    assert!(run.stdout.contains("+ Create model Book"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Full migrations file '0001_initial.rs':")
            && run.stdout.contains("pub fn migration()"),
        "-v 3 prints the file:\n{}",
        run.stdout
    );
    assert!(ws.files(MIGRATIONS).is_empty(), "--dry-run wrote files");
}

#[test]
fn two_leaves_need_merge_and_merge_writes_a_merge_migration() {
    let ws = library_with_initial();
    ws.migrator(&["makemigrations", "--empty", "library", "--name", "first"])
        .expect_code(0);
    let first = ws.read("library/migrations/0002_first.rs");
    ws.write("library/migrations/0002_second.rs", &first);

    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("0002_first")
            && run.stderr.contains("0002_second")
            && run.stderr.contains("--merge"),
        "{}",
        run.stderr
    );
    assert_eq!(ws.files(MIGRATIONS).len(), 3, "nothing written on conflict");

    let run = ws.migrator(&["makemigrations", "--merge"]);
    run.expect_code(0);
    assert!(run.stdout.contains("Merging library"), "{}", run.stdout);
    assert!(
        ws.files(MIGRATIONS)
            .contains(&"0003_merge_0002_first_0002_second.rs".to_string()),
        "{:?}",
        ws.files(MIGRATIONS)
    );
    ws.migrator(&["makemigrations", "--check"]).expect_code(0);
}

#[test]
fn a_dependency_on_a_missing_migration_names_both() {
    let ws = library_with_initial();
    ws.migrator(&["makemigrations", "--empty", "library", "--name", "orphan"])
        .expect_code(0);
    ws.edit(
        "library/migrations/0002_orphan.rs",
        "\"0001_initial\"",
        "\"0001_missing\"",
    );
    let run = ws.migrator(&["makemigrations"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("0002_orphan") && run.stderr.contains("0001_missing"),
        "{}",
        run.stderr
    );
}

#[test]
fn not_null_field_under_noinput_fails_naming_the_field_and_both_fixes() {
    let ws = library_with_initial();
    add_book_field(
        &ws,
        "    /// The ISBN.\n    #[model(max_length = 13)]\n    pub isbn: String,\n",
    );
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("isbn")
            && run.stderr.contains("Option<T>")
            && run.stderr.contains("#[model(default"),
        "{}",
        run.stderr
    );
    assert_eq!(ws.files(MIGRATIONS), ["0001_initial.rs"]);

    // No terminal (the test's stdin is /dev/null): asked nothing, the same refusal.
    let run = ws.migrator(&["makemigrations"]);
    run.expect_code(2);
    assert!(run.stderr.contains("isbn"), "{}", run.stderr);
    assert!(!run.stdout.contains("Select an option"), "{}", run.stdout);

    // Answers piped in with --interactive, and the input ends before an answer: the same
    // refusal.
    let run = ws.migrator_with_input(&["makemigrations", "--interactive"], "");
    run.expect_code(2);
    assert!(run.stderr.contains("isbn"), "{}", run.stderr);
    assert!(run.stdout.contains("Select an option"), "{}", run.stdout);

    // Interactive, answered: option 1 and a one-off default.
    let run = ws.migrator_with_input(&["makemigrations", "--interactive"], "1\n'unknown'\n");
    run.expect_code(0);
    assert!(run.stdout.contains("Select an option:"), "{}", run.stdout);
    assert!(
        run.stdout.contains("+ Add field isbn to book"),
        "{}",
        run.stdout
    );
    let file = ws.read("library/migrations/0002_book_isbn.rs");
    assert!(
        file.contains("unknown"),
        "the one-off default is in the file:\n{file}"
    );
}

#[test]
fn answered_rename_prompt_produces_rename_field() {
    let ws = library_with_initial();
    ws.edit(MODELS, "pub name: String,", "pub full_name: String,");
    let run = ws.migrator_with_input(&["makemigrations", "--interactive"], "y\n");
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("Did you rename author.name to author.full_name (a VARCHAR(100))? [y/N] "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("~ Rename field name on author to full_name"),
        "{}",
        run.stdout
    );
    let files = ws.files(MIGRATIONS);
    assert_eq!(files.len(), 2, "{files:?}");
    let file = ws.read(&format!("{MIGRATIONS}/{}", files[1]));
    assert!(
        file.contains("full_name") && !file.contains("remove_field"),
        "{file}"
    );
}

#[test]
fn a_migration_that_does_not_compile_fails_with_cargos_error_in_that_file() {
    let ws = library_with_initial();
    ws.write(
        "library/migrations/0002_broken.rs",
        "use migrator_core::migration::prelude::*;\n\npub fn migration() -> Migration {\n    this_is_not_rust(\n}\n",
    );
    let run = ws.migrator(&["makemigrations"]);
    run.expect_code(2);
    assert!(run.stderr.contains("0002_broken.rs"), "{}", run.stderr);
}

#[test]
fn an_empty_registry_gives_the_hint_and_no_app_crate_names_the_fix() {
    // A crate that depends on migrator-core but defines no model.
    let ws = TempWorkspace::new(&["app"]);
    ws.write(
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nmigrator-core.workspace = true\n",
    );
    ws.write("app/src/lib.rs", "//! No models yet.\n");
    let run = ws.migrator(&["makemigrations"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("no models are registered"),
        "{}",
        run.stderr
    );

    // A workspace whose crates do not use migrator at all.
    let ws = TempWorkspace::new(&["plain"]);
    ws.write(
        "plain/Cargo.toml",
        "[package]\nname = \"plain\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    ws.write("plain/src/lib.rs", "");
    let run = ws.migrator(&["makemigrations"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("depends on migrator-core")
            && run.stderr.contains("#[derive(migrator_core::Model)]"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_app_without_embedded_migrations_is_told_what_to_add_by_every_command() {
    let ws = TempWorkspace::new(&["shop"]);
    ws.write(
        "shop/Cargo.toml",
        "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nmigrator-core.workspace = true\n",
    );
    ws.write(
        "shop/src/lib.rs",
        "//! A shop.\n\n/// A product.\n#[derive(migrator_core::Model)]\npub struct Product {\n    /// Key.\n    pub id: i64,\n}\n",
    );
    // Every command gives the same error: none may report "(no migrations)" or "No migrations
    // to apply" for an app whose history it cannot see.
    for args in [
        &["makemigrations"][..],
        &["showmigrations"],
        &["migrate"],
        &["migrate", "shop", "zero"],
        &["migrate", "--plan"],
        &["sqlmigrate", "shop", "0001"],
    ] {
        let run = ws.migrator(args);
        run.expect_code(2);
        assert!(
            run.stderr
                .contains("app 'shop' has models but its crate does not embed")
                && run.stderr.contains("build.rs")
                && run.stderr.contains("migrator_core::embed_migrations!();"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            !run.stdout.contains("no migrations") && !run.stdout.contains("No migrations"),
            "{args:?}: {}",
            run.stdout
        );
    }
}

#[test]
fn runs_from_a_subdirectory_and_rejects_unknown_apps() {
    let ws = library_seed();
    let run = ws.migrator_in("library/src", &["makemigrations", "--dry-run"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("library/migrations/0001_initial.rs"),
        "{}",
        run.stdout
    );
    let run = ws.migrator(&["makemigrations", "nosuchapp"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("nosuchapp") && run.stderr.contains("library"),
        "{}",
        run.stderr
    );
}

#[test]
fn made_migrations_apply_show_print_and_roll_back() {
    let ws = library_with_initial();
    let db = format!("sqlite://{}", ws.path("test.sqlite3").display());
    let run = ws.migrator(&["showmigrations", "--database", &db]);
    run.expect_code(0);
    assert_eq!(run.stdout, "library\n [ ] 0001_initial\n");
    // A database that does not exist is not "pending work" to `--check`: it names the file.
    let run = ws.migrator(&["migrate", "--check", "--database", &db]);
    run.expect_code(2);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert!(
        !ws.path("test.sqlite3").exists(),
        "a reading command made the file"
    );

    let run = ws.migrator(&["migrate", "--database", &db]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("  Applying library.0001_initial... OK ("),
        "{}",
        run.stdout
    );
    let run = ws.migrator(&["showmigrations", "--database", &db]);
    assert_eq!(run.stdout, "library\n [X] 0001_initial\n");
    ws.migrator(&["migrate", "--check", "--database", &db])
        .expect_code(0);

    let run = ws.migrator(&["sqlmigrate", "library", "0001", "--database", &db]);
    run.expect_code(0);
    assert!(
        run.stdout
            .starts_with("BEGIN;\n--\n-- Create model Author\n--\nCREATE TABLE \"authors\""),
        "{}",
        run.stdout
    );

    let run = ws.migrator(&["migrate", "library", "zero", "--database", &db]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("Unapplying library.0001_initial... OK"),
        "{}",
        run.stdout
    );
    let run = ws.migrator(&["showmigrations", "--database", &db]);
    assert_eq!(run.stdout, "library\n [ ] 0001_initial\n");
}

/// A crate manifest for an app of a multi-app temp workspace.
fn app_manifest(name: &str, extra_deps: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nmigrator-core.workspace = true\n{extra_deps}\n\
         [build-dependencies]\nmigrator-build.workspace = true\n"
    )
}

const BUILD_RS: &str = "fn main() {\n    migrator_build::embed_migrations();\n}\n";

#[test]
fn foreign_keys_across_apps_add_a_dependency_on_the_other_apps_migration() {
    let ws = TempWorkspace::new(&["authors", "books"]);
    ws.write("authors/Cargo.toml", &app_manifest("authors", ""));
    ws.write("authors/build.rs", BUILD_RS);
    ws.write(
        "authors/src/lib.rs",
        "//! Authors.\n\nmigrator_core::embed_migrations!();\n\n/// A writer.\n#[derive(migrator_core::Model)]\npub struct Author {\n    /// Key.\n    pub id: i64,\n}\n",
    );
    ws.write(
        "books/Cargo.toml",
        &app_manifest("books", "authors = { path = \"../authors\" }\n"),
    );
    ws.write("books/build.rs", BUILD_RS);
    ws.write(
        "books/src/lib.rs",
        "//! Books.\n\nmigrator_core::embed_migrations!();\n\n/// A book.\n#[derive(migrator_core::Model)]\npub struct Book {\n    /// Key.\n    pub id: i64,\n    /// Who wrote it.\n    #[model(foreign_key = authors::Author, on_delete = \"cascade\")]\n    pub author_id: i64,\n}\n",
    );

    // Asking for `books` alone also makes the `authors` migration it needs.
    let run = ws.migrator(&["makemigrations", "books"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("Migrations for 'authors':")
            && run.stdout.contains("Migrations for 'books':"),
        "{}",
        run.stdout
    );
    let books = ws.read("books/migrations/0001_initial.rs");
    assert!(
        books.contains(".dependency(\"authors\", \"0001_initial\")"),
        "{books}"
    );
    ws.migrator(&["makemigrations", "--check"]).expect_code(0);
}

#[test]
fn a_two_line_manage_binary_runs_the_commands_in_process() {
    let ws = TempWorkspace::new(&["library", "manage"]);
    ws.copy_crate(
        &migrator_tests::repo_root().join("examples/library"),
        "library",
    );
    let cli = migrator_tests::repo_root().join("migrator-cli");
    ws.write(
        "manage/Cargo.toml",
        &format!(
            "[package]\nname = \"manage\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nlibrary = {{ path = \"../library\" }}\nmigrator-cli = {{ path = {:?} }}\n",
            cli.display().to_string()
        ),
    );
    ws.write("manage/src/main.rs", "migrator_cli::main!(library);\n");
    let run = ws.cargo(&[
        "run",
        "-q",
        "-p",
        "manage",
        "--",
        "makemigrations",
        "--dry-run",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout
            .starts_with("Migrations for 'library':\n  library/migrations/0001_initial.rs\n"),
        "{}",
        run.stdout
    );
    assert!(ws.files(MIGRATIONS).is_empty(), "--dry-run wrote files");

    // The registry is what the binary names: without `library` it is empty, and says so.
    ws.write("manage/src/main.rs", "migrator_cli::main!();\n");
    let run = ws.cargo(&["run", "-q", "-p", "manage", "--", "makemigrations"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("no models are registered"),
        "{}",
        run.stderr
    );
}

/// Issue 16: `--noinput` writes no migration that loses data; `--allow-data-loss` writes it
/// (with its acknowledgement) and still warns.
#[test]
fn removing_a_field_warns_about_data_loss_and_writes_it_only_when_allowed() {
    let ws = library_with_initial();
    ws.edit(
        MODELS,
        "    /// The book's title.\n    #[model(max_length = 200)]\n    pub title: String,\n",
        "",
    );
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("library.0002_remove_book_title loses data")
            && run.stderr.contains("nothing was written"),
        "{}",
        run.stderr
    );
    assert_eq!(ws.files(MIGRATIONS), ["0001_initial.rs"]);
    let run = ws.migrator(&["makemigrations", "--noinput", "--allow-data-loss"]);
    run.expect_code(0);
    assert!(
        ws.read(&format!("{MIGRATIONS}/0002_remove_book_title.rs"))
            .contains(".acknowledge_data_loss("),
        "the acknowledgement is written"
    );
    assert!(
        run.stdout.contains("- Remove field title from book"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("warning: migration library.0002_remove_book_title loses data"),
        "{}",
        run.stderr
    );
    assert_eq!(
        ws.files(MIGRATIONS),
        ["0001_initial.rs", "0002_remove_book_title.rs"]
    );
}

/// The committed example migrations match the example models, and apply: what
/// `cargo run -p migrator-cli -- makemigrations --check` and `migrate` say in this repository.
#[test]
fn this_repositorys_examples_have_no_pending_changes_and_their_migrations_apply() {
    let repo = migrator_tests::repo_root();
    let manifest = repo.join("Cargo.toml");
    let manifest = manifest.to_str().expect("utf-8 path");
    let scratch = TempWorkspace::new(&[]);
    let run_in_repo = |args: &[&str]| {
        let mut all = vec!["--manifest-path", manifest];
        all.extend_from_slice(args);
        scratch.migrator(&all)
    };
    let run = run_in_repo(&["makemigrations", "--check"]);
    run.expect_code(0);
    assert_eq!(run.stdout, "No changes detected\n");

    let db = format!("sqlite://{}", scratch.path("examples.sqlite3").display());
    let run = run_in_repo(&["migrate", "--database", &db]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("Applying library.0001_initial... OK"),
        "{}",
        run.stdout
    );
    run_in_repo(&["migrate", "--check", "--database", &db]).expect_code(0);
}

#[test]
fn a_renamed_from_hint_renames_without_a_terminal() {
    let ws = library_with_initial();
    ws.edit(
        MODELS,
        "pub name: String,",
        "#[model(renamed_from = \"name\")]\n    pub full_name: String,",
    );
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(0);
    assert!(!run.stdout.contains("Did you rename"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("~ Rename field name on author to full_name"),
        "{}",
        run.stdout
    );
}

/// A shorter `VARCHAR` is data loss like a dropped column, a wider one is not; a nullable field
/// made NOT NULL under `--noinput` (nothing asked, no default) warns that rows holding NULL
/// will fail the migration, naming the field and the fixes. With `--allow-data-loss` the
/// migration is written.
#[test]
fn narrowing_and_null_to_not_null_alterations_warn_under_noinput() {
    let ws = library_seed();
    add_book_field(&ws, PUBLISHED_DATE);
    ws.migrator(&["makemigrations", "--noinput"]).expect_code(0);
    ws.edit(
        MODELS,
        "    #[model(max_length = 200)]\n    pub title: String,",
        "    #[model(max_length = 50)]\n    pub title: String,",
    );
    ws.edit(
        MODELS,
        "    #[model(max_length = 100, index)]\n    pub author: String,",
        "    #[model(max_length = 150, index)]\n    pub author: String,",
    );
    ws.edit(
        MODELS,
        "pub published_date: Option<chrono::NaiveDate>,",
        "pub published_date: chrono::NaiveDate,",
    );
    let run = ws.migrator(&["makemigrations", "--noinput", "--allow-data-loss"]);
    run.expect_code(0);
    for line in [
        "~ Alter field title on book",
        "~ Alter field author on book",
        "~ Alter field published_date on book",
    ] {
        assert!(run.stdout.contains(line), "{line}:\n{}", run.stdout);
    }
    let files = ws.files(MIGRATIONS);
    assert_eq!(files.len(), 2, "{files:?}");
    let name = files[1].trim_end_matches(".rs");
    let warning = format!("warning: migration library.{name} loses data when applied:");
    let (loss, rest) = run
        .stderr
        .split_once(&warning)
        .map(|(_, after)| after.split_once("  dropped tables").unwrap_or((after, "")))
        .unwrap_or_else(|| panic!("no data-loss warning:\n{}", run.stderr));
    assert!(loss.contains("~ Alter field title on book"), "{loss}");
    assert!(
        !loss.contains("author") && !loss.contains("published_date"),
        "only the narrowed column is data loss:\n{loss}"
    );
    assert!(rest.contains("narrowed column"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "warning: migration library.{name} makes field `published_date` of library.Book NOT NULL without a default"
        )) && run.stderr.contains("is NULL, `migrate` fails"),
        "{}",
        run.stderr
    );
    for fix in [
        "#[model(default = …)]",
        "without --noinput",
        "RunSql/RunRust",
    ] {
        assert!(run.stderr.contains(fix), "{fix}:\n{}", run.stderr);
    }
}

/// Issue 13, item 1: removing a NOT NULL field says what a rollback refills it with.
#[test]
fn removing_a_not_null_field_says_what_a_rollback_refills() {
    let ws = library_with_initial();
    ws.edit(
        MODELS,
        "    /// The book's title.\n    #[model(max_length = 200)]\n    pub title: String,\n",
        "",
    );
    let run = ws.migrator(&["makemigrations", "--noinput", "--allow-data-loss"]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("note: rolling back library.0002_remove_book_title re-adds")
            && run.stderr.contains("Book.title: existing rows get \"\""),
        "{}",
        run.stderr
    );
}

/// Issue 13, item 8: a backend the project runs on that cannot run a new migration stops
/// makemigrations, which writes nothing, while the model can still change.
#[test]
fn makemigrations_refuses_what_a_listed_backend_cannot_run() {
    let ws = library_with_initial();
    ws.write(
        "migrator.toml",
        "[project]\nbackends = [\"sqlite\", \"mysql\"]\n",
    );
    // An index on unbounded text: fine on SQLite, refused by MySQL/MariaDB.
    add_book_field(
        &ws,
        "    /// A blurb.\n    #[model(index)]\n    pub blurb: Option<String>,\n",
    );
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("a backend this project runs on cannot run")
            && run.stderr.contains("MySQL")
            && run.stderr.contains("blurb"),
        "{}",
        run.stderr
    );
    assert_eq!(ws.files(MIGRATIONS), ["0001_initial.rs"], "nothing written");
    // Listing only SQLite accepts it.
    ws.write("migrator.toml", "[project]\nbackends = [\"sqlite\"]\n");
    ws.migrator(&["makemigrations", "--noinput"]).expect_code(0);
}
