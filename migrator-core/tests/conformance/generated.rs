//! Generated columns (issue 17 part 3, Django's `GeneratedField`): stored and virtual columns
//! added to a table with rows (computed for every row), an index over one, the expression
//! changed (dropped and added again, the index rebuilt), rows inserted afterwards computed,
//! down and up again with the rows kept; PostgreSQL's refusal of a virtual one before any SQL.

use crate::conformance_support::*;
use migrator_core::backend::Backend;
use migrator_core::db_schema::diff::DifferenceKind;
use migrator_core::executor::check_drift;
use migrator_core::operations::{CreateModel, RemoveField};
use migrator_core::{ColumnType, FieldState, ModelState, Operation};

pub(super) fn generated_columns_round_trip(backend: Backend) {
    let mut cx = seed(backend);
    let base = cx.rows("books", &BOOK_COLS, "id");

    // A stored column: computed for the five rows already there. (MySQL/MariaDB refuse an
    // AUTO_INCREMENT column in the expression.)
    let (after, sql) = cx.push_step(vec![add(
        "Book",
        FieldState::new("code", ColumnType::BigInt)
            .generated_stored("length(title)")
            .index(),
    )]);
    cx.try_apply(after).unwrap();
    cx.assert_schema();
    let all = sql.join("\n");
    assert!(
        all.contains("GENERATED ALWAYS AS (length(title)) STORED"),
        "{sql:#?}"
    );
    if backend == Backend::Sqlite {
        // `ADD COLUMN` cannot add a stored generated column: the table is rebuilt, and the
        // copy leaves the column to the new table.
        assert!(
            sql[0].starts_with("CREATE TABLE \"new__books\""),
            "{sql:#?}"
        );
        assert!(!sql[1].contains("\"code\""), "{sql:#?}");
    }
    assert_eq!(
        cx.rows("books", &["id", "code"], "id"),
        ["1|16", "2|9", "3|7", "4|8", "5|5"]
    );

    // A virtual one where the backend keeps them; PostgreSQL (before 18) refuses it before
    // any SQL, naming the backend and the alternative.
    let shout = FieldState::new("shout", ColumnType::Varchar(200))
        .nullable()
        .generated_virtual("upper(title)");
    if backend == Backend::Postgres {
        let op = add("Book", shout.clone());
        let mut after = cx.state.clone();
        op.state_forwards(APP, &mut after).unwrap();
        let err = op
            .database_forwards(APP, &*cx.editor(), &cx.state, &after)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("virtual generated column") && err.contains("PostgreSQL"),
            "{err}"
        );
        assert!(err.contains("stored"), "{err}");
    } else {
        let (after, sql) = cx.push_step(vec![add("Book", shout)]);
        cx.try_apply(after).unwrap();
        cx.assert_schema();
        if backend == Backend::Sqlite {
            // A virtual column is added in place.
            assert!(
                sql[0].starts_with("ALTER TABLE \"books\" ADD COLUMN"),
                "{sql:#?}"
            );
        }
        assert_eq!(cx.rows("books", &["shout"], "id")[1], "FICCIONES");
    }

    // The expression changes: dropped and added again, the index over it rebuilt.
    let (after, sql) = cx.push_step(vec![alter(
        "Book",
        FieldState::new("code", ColumnType::BigInt)
            .generated_stored("length(title) * 2")
            .index(),
    )]);
    cx.try_apply(after).unwrap();
    cx.assert_schema();
    if backend != Backend::Sqlite {
        assert!(sql.iter().any(|s| s.contains("DROP COLUMN")), "{sql:#?}");
        assert!(sql.iter().any(|s| s.contains("CREATE INDEX")), "{sql:#?}");
    }
    assert_eq!(
        cx.rows("books", &["id", "code"], "id"),
        ["1|32", "2|18", "3|14", "4|16", "5|10"]
    );
    // The drift check sees the expression, not only the kind: against a state whose
    // expression differs from the live one it reports the column; against the state, no
    // false drift from the database's own spelling (PostgreSQL's casts and parentheses,
    // MariaDB's `octet_length` and backquotes) — `assert_schema` above checked that.
    let mut other = cx.state.clone();
    let book = other
        .models
        .values_mut()
        .find(|m| m.name == "Book")
        .unwrap();
    let code = book.fields.iter_mut().find(|f| f.name == "code").unwrap();
    code.generated.as_mut().unwrap().sql = "length(title) * 3".to_owned();
    let drift = check_drift(cx.db.conn(), &other).unwrap();
    assert_eq!(
        drift.iter().map(|d| d.kind).collect::<Vec<_>>(),
        [DifferenceKind::ColumnGenerated],
        "{backend}: {drift:?}"
    );
    let said = drift[0].to_string();
    assert!(
        said.contains("books.code") && said.contains("length") && said.contains("*3"),
        "{backend}: {said}"
    );
    // New rows are computed; the generated column takes no value.
    cx.exec(
        "INSERT INTO books (id, title, author_id, price, rating, co_author) VALUES \
         (6, 'Hainish', 1, 5, NULL, NULL)",
    );
    assert_eq!(cx.rows("books", &["code"], "id DESC")[0], "14");
    assert!(
        cx.try_exec(
            "INSERT INTO books (id, title, author_id, price, code) VALUES (7, 'x', 1, 1, 3)"
        )
        .is_err(),
        "{backend}: a generated column took a written value"
    );
    cx.exec("DELETE FROM books WHERE id = 6");
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), base);

    // A table created with a generated column (SQLite's rebuild keeps it generated).
    let mut line = ModelState::new(APP, "Line", "order_lines");
    line.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        FieldState::new("qty", ColumnType::Integer),
        FieldState::new("unit", ColumnType::Integer),
        FieldState::new("total", ColumnType::BigInt).generated_stored("qty * unit"),
    ];
    cx.forwards(&Operation::CreateModel(CreateModel::from_state(&line)));
    cx.exec("INSERT INTO order_lines (id, qty, unit) VALUES (1, 3, 7)");
    // Any rebuild (here of a nullability change on SQLite) keeps the column computed.
    cx.forwards(&alter(
        "Line",
        FieldState::new("unit", ColumnType::Integer).nullable(),
    ));
    assert_eq!(cx.rows("order_lines", &["id", "total"], "id"), ["1|21"]);

    // Removed and brought back by the rollback (nothing to refill: it is computed).
    let before_removal = cx.states.len() - 1;
    cx.forwards(&Operation::RemoveField(RemoveField::new("Book", "code")));
    let seeded = 2;
    cx.back_to(seeded);
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), base);
    assert!(
        cx.try_exec("SELECT 1 FROM order_lines").is_err(),
        "lines outlived its rollback"
    );
    cx.up_again();
    cx.exec("INSERT INTO order_lines (id, qty, unit) VALUES (2, 4, 5)");
    assert_eq!(cx.rows("order_lines", &["id", "total"], "id"), ["2|20"]);
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), base);
    assert!(cx.state.model(APP, "Book").unwrap().field("code").is_none());
    cx.back_to(before_removal);
    assert_eq!(
        cx.rows("books", &["id", "code"], "id"),
        ["1|32", "2|18", "3|14", "4|16", "5|10"]
    );
}
