//! `SeparateDatabaseAndState` (issue 17.5) on every backend: hand-written SQL stands in for
//! a schema change whose state a state-only operation records — a column, then an index made
//! by one operation's SQL and adopted into the state by another's state half. Up, down and up
//! again through the executor, with the rows kept, the introspected schema equal to the state
//! and the drift check clean after every step (`Ctx::assert_schema`).

use crate::conformance_support::*;
use migrator_core::backend::Backend;
use migrator_core::migration::prelude::*;

pub(super) fn separate_database_and_state_round_trips(backend: Backend) {
    let mut cx = seed(backend);
    let kept = cx.rows("books", &BOOK_COLS, "id");
    // Step 3: the column by hand (SQL without state change) and in the state (state change
    // without SQL), in one operation.
    let sql = cx.migrate_ops(vec![separate_database_and_state()
        .state_operation(add_field(
            "Book",
            field("isbn", ColumnType::Varchar(13)).nullable(),
        ))
        .database_operation(
            run_sql(["ALTER TABLE books ADD COLUMN isbn VARCHAR(13) NULL"])
                .reverse(["ALTER TABLE books DROP COLUMN isbn"]),
        )
        .into()]);
    assert_eq!(
        sql,
        ["ALTER TABLE books ADD COLUMN isbn VARCHAR(13) NULL"],
        "on {backend}: only the database half runs SQL"
    );
    cx.exec("UPDATE books SET isbn = '978-0' WHERE id = 1");
    // Step 4: an index made by one operation's database half, adopted by the next one's
    // state half; in between, the database operations of a schema kind get the state their
    // predecessors leave (the column of step 3 is in it).
    let drop_index = match backend {
        Backend::Mysql => "DROP INDEX books_isbn_idx ON books",
        _ => "DROP INDEX books_isbn_idx",
    };
    cx.migrate_ops(vec![
        separate_database_and_state()
            .database_operation(
                run_sql(["CREATE INDEX books_isbn_idx ON books (isbn)"]).reverse([drop_index]),
            )
            .into(),
        separate_database_and_state()
            .state_operation(add_index("Book", index("books_isbn_idx", ["isbn"])))
            .into(),
        // A schema operation as a database operation: the editor's own SQL, no state change;
        // then its state half alone.
        separate_database_and_state()
            .database_operation(add_field(
                "Book",
                field("subtitle", ColumnType::Varchar(100)).nullable(),
            ))
            .into(),
        separate_database_and_state()
            .state_operation(add_field(
                "Book",
                field("subtitle", ColumnType::Varchar(100)).nullable(),
            ))
            .into(),
    ]);
    let with_isbn = cx.rows("books", &["id", "isbn", "subtitle"], "id");
    assert_eq!(with_isbn[0], "1|978-0|NULL", "on {backend}");
    // Down to step 3, to step 2 (the rows are kept), and up again.
    cx.back_to(3);
    assert_eq!(
        cx.rows("books", &["id", "isbn"], "id")[0],
        "1|978-0",
        "on {backend}"
    );
    cx.back_to(2);
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), kept, "on {backend}");
    cx.up_again();
    assert_eq!(
        cx.rows("books", &["id", "isbn", "subtitle"], "id").len(),
        kept.len(),
        "on {backend}"
    );
}
