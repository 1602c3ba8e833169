//! `SeparateDatabaseAndState`: the state half changes the state and runs no SQL, the
//! database half runs SQL (each operation given the state its predecessors leave) and leaves
//! the state alone; backwards undoes the database half last to first; a Rust data step
//! inside is refused; description, canonical text, flags; and on a real SQLite database the
//! two halves together give the schema the state describes.

use migrator_core::backend::sqlite::SqliteEditor;
use migrator_core::migration::prelude::*;
use migrator_core::operations::StateError;
use migrator_core::ProjectState;

use crate::sqlite_support;

const APP: &str = "library";

fn state() -> ProjectState {
    super::state()
}

fn sdas(op: impl Into<Operation>) -> Operation {
    op.into()
}

#[test]
fn the_state_half_changes_the_state_and_runs_no_sql() {
    let before = state();
    let op = sdas(separate_database_and_state().state_operation(add_field(
        "Book",
        field("pages", ColumnType::Integer).nullable(),
    )));
    let mut after = before.clone();
    op.state_forwards(APP, &mut after).unwrap();
    let book = after.model(APP, "Book").unwrap();
    assert!(book.fields.iter().any(|f| f.name == "pages"));
    assert!(op
        .database_forwards(APP, &SqliteEditor, &before, &after)
        .unwrap()
        .is_empty());
    assert!(op
        .database_backwards(APP, &SqliteEditor, &before, &after)
        .unwrap()
        .is_empty());
    assert!(op.reversible());
}

#[test]
fn the_database_half_runs_in_order_on_the_states_it_builds_and_changes_no_state() {
    let before = state();
    // The second database operation needs the column the first adds.
    let op = sdas(
        separate_database_and_state()
            .database_operation(add_field(
                "Book",
                field("pages", ColumnType::Integer).nullable(),
            ))
            .database_operation(add_index("Book", index("books_pages_idx", ["pages"]))),
    );
    let mut after = before.clone();
    op.state_forwards(APP, &mut after).unwrap();
    assert_eq!(after, before, "the database half leaves the state alone");
    let sql = op
        .database_forwards(APP, &SqliteEditor, &before, &after)
        .unwrap();
    assert_eq!(
        sql,
        [
            r#"ALTER TABLE "books" ADD COLUMN "pages" INTEGER"#,
            r#"CREATE INDEX "books_pages_idx" ON "books" ("pages")"#,
        ]
    );
    let back = op
        .database_backwards(APP, &SqliteEditor, &before, &after)
        .unwrap();
    assert_eq!(back[0], r#"DROP INDEX "books_pages_idx""#, "{back:?}");
    assert!(back[1].contains("DROP COLUMN \"pages\""), "{back:?}");
}

#[test]
fn an_irreversible_database_operation_makes_it_irreversible() {
    let op = sdas(
        separate_database_and_state()
            .database_operation(run_sql(["UPDATE books SET title = trim(title)"])),
    );
    assert!(!op.reversible());
    let before = state();
    let err = op
        .database_backwards(APP, &SqliteEditor, &before, &before)
        .unwrap_err()
        .to_string();
    assert!(err.contains("is irreversible"), "{err}");
}

fn noop(_: &mut DbConnection) -> Result<(), BoxError> {
    Ok(())
}

#[test]
fn a_rust_data_step_inside_is_refused_naming_it() {
    let op = sdas(separate_database_and_state().database_operation(run_rust("fill", noop)));
    let mut s = state();
    let err = op.state_forwards(APP, &mut s).unwrap_err();
    assert_eq!(
        err,
        StateError::RustStepInSeparate {
            app: APP.into(),
            step: "fill".into()
        }
    );
    assert!(err
        .to_string()
        .contains(r#"move `run_rust("fill", ...)` out of it"#));
}

#[test]
fn a_database_operation_that_does_not_fit_names_itself() {
    let op =
        sdas(separate_database_and_state().database_operation(remove_field("Book", "missing")));
    let before = state();
    let err = op
        .database_forwards(APP, &SqliteEditor, &before, &before)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("database operation 1 (Remove field missing from book)"),
        "{err}"
    );
}

#[test]
fn description_canonical_text_and_flags() {
    let op = sdas(
        separate_database_and_state()
            .state_operation(rename_model("Writer", "Author"))
            .database_operation(run_sql(["SELECT 1"]).reverse_noop()),
    );
    assert_eq!(
        op.describe(),
        "Custom state/database change combination (1 state, 1 database operation)"
    );
    assert_eq!(
        op.canonical_text(),
        r#"SeparateDatabaseAndState state=["RenameModel old_name=Writer new_name=Author"] database=["RunSql sql=[\"SELECT 1\"] reverse_sql=[]"]"#
    );
    assert_eq!(op.model_name(), None);
    assert_eq!(op.migration_name_fragment(), None);
    assert!(
        !op.kind().atomic(),
        "a RunSql inside runs outside a transaction"
    );
    assert!(op.kind().verbatim_sql());
    assert!(!op.is_destructive());
    let dropping = sdas(separate_database_and_state().database_operation(delete_model("Book")));
    assert!(dropping.is_destructive());
    assert!(dropping.kind().atomic());
}

/// On SQLite: a table created by hand and adopted into the state gives the schema the state
/// describes, and undoing it drops the table.
#[test]
fn hand_made_sql_and_the_state_agree_on_sqlite() {
    let (_dir, mut conn) = sqlite_support::temp_db();
    let mut s = ProjectState::new();
    let op = sdas(
        separate_database_and_state()
            .state_operation(
                create_model("Tag", "tags")
                    .field(field("id", ColumnType::BigInt).primary_key().auto_increment())
                    .field(field("name", ColumnType::Varchar(50))),
            )
            .database_operation(
                run_sql([
                    r#"CREATE TABLE "tags" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(50) NOT NULL)"#,
                ])
                .reverse([r#"DROP TABLE "tags""#]),
            ),
    );
    let sql = sqlite_support::forwards(&mut conn, &mut s, &op);
    assert_eq!(sql.len(), 1);
    let back = sqlite_support::backwards_sql(&op, &ProjectState::new(), &s);
    assert_eq!(back, [r#"DROP TABLE "tags""#]);
    sqlite_support::run(&mut conn, &back);
    sqlite_support::assert_schema(&mut conn, &ProjectState::new());
}

/// Issue 17.4: a field an index includes (`INCLUDE`) is in use like a key field, and a
/// rename rewrites it.
#[test]
fn included_fields_follow_renames_and_block_removal() {
    let mut s = state();
    let add = sdas(add_index(
        "Book",
        index("books_isbn_cover", ["isbn"]).include(["title"]),
    ));
    add.state_forwards(APP, &mut s).unwrap();
    let err = sdas(remove_field("Book", "title"))
        .state_forwards(APP, &mut s.clone())
        .unwrap_err();
    assert!(
        matches!(&err, StateError::FieldInUse { index, .. } if index == "books_isbn_cover"),
        "{err}"
    );
    sdas(rename_field("Book", "title", "headline"))
        .state_forwards(APP, &mut s)
        .unwrap();
    let idx = s
        .model(APP, "Book")
        .unwrap()
        .indexes
        .iter()
        .find(|i| i.name == "books_isbn_cover")
        .unwrap();
    assert_eq!(idx.include, ["headline"]);
}
