//! Round trips: every operation kind forwards then backwards through the executor, and rows
//! surviving a series of alterations unapplied and applied again.

use crate::conformance_support::*;
use migrator_core::backend::{Backend, DbConnection};
use migrator_core::operations::{
    AddConstraint, AddIndex, AlterModelTable, RenameField, RenameModel, RunRust,
};
use migrator_core::{ColumnType, ConstraintState, FieldState, IndexState, Operation};

/// A data step that writes a row (and its undo), run by the executor inside the
/// migration's connection and transaction.
fn insert_rust_writer(conn: &mut DbConnection) -> Result<(), migrator_core::BoxError> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute("INSERT INTO writers (name) VALUES ('from rust')")?;
    Ok(())
}

fn delete_rust_writer(conn: &mut DbConnection) -> Result<(), migrator_core::BoxError> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute("DELETE FROM writers WHERE name = 'from rust'")?;
    Ok(())
}

/// Every operation kind (RunRust included) as one migration each, applied through the
/// executor with the schema checked after each; then unapplied one migration at a time
/// back to zero, checked at each earlier state; then everything again.
pub(super) fn every_operation_forwards_and_backwards(backend: Backend) {
    let mut cx = Ctx::new(backend);
    let mut ops = history();
    let run_rust = Operation::RunRust(RunRust {
        name: "insert_rust_writer",
        forward: insert_rust_writer,
        backward: Some(delete_rust_writer),
        elidable: false,
    });
    ops.insert(ops.len() - 1, run_rust);
    let kinds: std::collections::BTreeSet<String> = ops
        .iter()
        .map(|op| format!("{op:?}").split('(').next().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds.len(),
        16,
        "not every operation kind is covered: {kinds:?}"
    );
    for op in &ops {
        cx.forwards(op);
    }
    let mut writers = cx.rows("writers", &["name"], "name");
    writers.sort(); // collations order the two differently
    assert_eq!(writers, ["Ursula", "from rust"]);
    let first = cx.introspect();
    for n in (0..ops.len()).rev() {
        cx.back_to(n);
    }
    assert!(cx.introspect().tables.is_empty(), "{backend}: tables left");
    assert!(applied(cx.db.conn()).is_empty(), "{backend}: records left");
    cx.up_again();
    assert_eq!(cx.introspect(), first, "{backend}: up/down/up differs");
}

/// Reversible alterations on tables with rows (field, model and table renames, a widened
/// type, an index and a unique constraint added), then all of them unapplied and applied
/// again through the executor: every row keeps its values at every point.
pub(super) fn data_survives_alterations_down_and_up(backend: Backend) {
    let mut cx = seed(backend);
    let books = cx.rows("books", &BOOK_COLS, "id");
    let authors = cx.rows("authors", &["id", "name", "bio"], "id");
    let seeded = cx.migrations.len();
    cx.forwards(&Operation::RenameField(RenameField::new(
        "Book", "title", "headline",
    )));
    cx.forwards(&Operation::RenameModel(RenameModel {
        old_name: "Author".into(),
        new_name: "Writer".into(),
    }));
    cx.forwards(&Operation::AlterModelTable(AlterModelTable {
        name: "Writer".into(),
        table: "writers".into(),
    }));
    cx.forwards(&alter(
        "Book",
        FieldState::new("headline", ColumnType::Varchar(400)),
    ));
    cx.forwards(&Operation::AddIndex(AddIndex::new(
        "Book",
        IndexState::new("books_rating_idx", ["rating"], false),
    )));
    cx.forwards(&Operation::AddConstraint(AddConstraint::new(
        "Book",
        ConstraintState::unique("books_headline_uniq", ["headline"]),
    )));
    let renamed = [
        "id",
        "headline",
        "author_id",
        "price",
        "rating",
        "co_author",
    ];
    assert_eq!(cx.rows("books", &renamed, "id"), books);
    assert_eq!(cx.rows("writers", &["id", "name", "bio"], "id"), authors);
    let top = cx.introspect();
    cx.back_to(seeded);
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), books);
    assert_eq!(cx.rows("authors", &["id", "name", "bio"], "id"), authors);
    cx.up_again();
    assert_eq!(cx.introspect(), top, "{backend}: up/down/up differs");
    assert_eq!(cx.rows("books", &renamed, "id"), books);
    assert_eq!(cx.rows("writers", &["id", "name", "bio"], "id"), authors);
    // The references still work after the round trip.
    cx.exec("DELETE FROM writers WHERE id = 2");
    assert_eq!(cx.rows("books", &["id"], "id"), ["1", "3", "4"]);
}
