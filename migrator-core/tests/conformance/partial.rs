//! Partial indexes (issue 17.4, Django's `condition` on an index or a unique constraint): on
//! SQLite and PostgreSQL a conditional unique index is enforced only for the rows its
//! condition covers, survives down/up with the rows kept, and introspects equal to the state
//! with the drift check clean (PostgreSQL gives the condition back deparsed, compared through
//! `SqlCondition::normal_form`); changing the condition is a remove and an add. MySQL/MariaDB
//! have no partial indexes: the migration is refused before anything runs, naming the index
//! and the backend.

use crate::conformance_support::*;
use migrator_core::backend::Backend;
use migrator_core::executor::Target;
use migrator_core::migration::prelude::*;
use migrator_core::FieldState;

fn one_null_rating_per_author() -> Operation {
    add_index(
        "Book",
        unique_index("books_author_unrated_uniq", ["author"]).condition("rating IS NULL"),
    )
    .into()
}

/// `op` is refused by the editor naming what `needles` say, and through the executor before
/// anything runs (nothing recorded, the schema unchanged).
pub(super) fn assert_refused(cx: &mut Ctx, op: Operation, needles: &[&str]) {
    let before = cx.state.clone();
    let mut after = before.clone();
    op.state_forwards(APP, &mut after).unwrap();
    let err = op
        .database_forwards(APP, &*cx.editor(), &before, &after)
        .unwrap_err()
        .to_string();
    assert!(needles.iter().all(|n| err.contains(n)), "{err}");
    let n = cx.migrations.len() + 1;
    let mut m = Migration::new(APP, Ctx::step_key(n).name);
    m.dependencies = vec![Ctx::step_key(n - 1)];
    m.operations = vec![op];
    cx.migrations.push(m);
    let graph = cx.graph();
    let applied_before = applied(cx.db.conn());
    let err = run_migrate(cx.db.conn(), &graph, &Target::Latest)
        .unwrap_err()
        .to_string();
    assert!(needles.iter().all(|n| err.contains(n)), "{err}");
    assert_eq!(applied(cx.db.conn()), applied_before);
    cx.assert_schema();
}

/// `nulls_distinct = false` (PostgreSQL 15's `NULLS NOT DISTINCT`): at most one row with
/// NULL in a unique index; introspected back (`pg_index.indnullsnotdistinct`) and drift
/// clean through down/up. SQLite and MySQL/MariaDB refuse it before anything runs.
pub(super) fn unique_index_with_nulls_not_distinct(backend: Backend) {
    let mut cx = seed(backend);
    cx.forwards(&add(
        "Book",
        FieldState::new("isbn", ColumnType::Varchar(200)).nullable(),
    ));
    cx.exec("UPDATE books SET isbn = title");
    let one_null = || -> Operation {
        add_index(
            "Book",
            unique_index("books_isbn_one_null_uniq", ["isbn"]).nulls_distinct(false),
        )
        .into()
    };
    if backend != Backend::Postgres {
        assert_refused(
            &mut cx,
            one_null(),
            &["`books_isbn_one_null_uniq`", "nulls_distinct = false"],
        );
        return;
    }
    let sql = cx.migrate_ops(vec![one_null()]);
    assert!(sql[0].ends_with("NULLS NOT DISTINCT"), "{sql:?}");
    cx.exec(
        "INSERT INTO books (id, title, author_id, price, isbn) VALUES (6, 'Lavinia', 1, 1, NULL)",
    );
    assert!(cx
        .try_exec("INSERT INTO books (id, title, author_id, price, isbn) VALUES (7, 'Tehanu', 1, 1, NULL)")
        .is_err());
    cx.exec("DELETE FROM books WHERE id = 6");
    let kept = cx.rows("books", &["id", "isbn"], "id");
    cx.back_to(3);
    cx.up_again();
    assert_eq!(cx.rows("books", &["id", "isbn"], "id"), kept);
}

/// Index methods (Django's `HashIndex` & co.): PostgreSQL builds a `hash` index, reads the
/// method back (`pg_am`) and the drift check stays clean through down/up; `btree` is the
/// default everywhere (the same index as none); SQLite and MySQL/MariaDB refuse `hash`
/// before anything runs.
pub(super) fn index_methods(backend: Backend) {
    let mut cx = seed(backend);
    // An explicit B-tree is the default index on every backend.
    cx.forwards(&add_index("Book", index("books_price_idx", ["price"]).method("btree")).into());
    let hash = || -> Operation {
        add_index("Book", index("books_title_hash", ["title"]).method("hash")).into()
    };
    if backend != Backend::Postgres {
        assert_refused(&mut cx, hash(), &["`books_title_hash`", "`hash` method"]);
        return;
    }
    let sql = cx.migrate_ops(vec![hash()]);
    assert!(
        sql[0].contains(r#"ON "books" USING hash ("title")"#),
        "{sql:?}"
    );
    let kept = cx.rows("books", &BOOK_COLS, "id");
    cx.back_to(3);
    cx.up_again();
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), kept);
    // A unique hash index is refused before anything runs (PostgreSQL has none).
    assert_refused(
        &mut cx,
        add_index(
            "Book",
            unique_index("books_title_uhash", ["title"]).method("hash"),
        )
        .into(),
        &["`books_title_uhash`", "only as B-tree"],
    );
}

/// `include` (Django's `Index(include=[…])`, PostgreSQL's `INCLUDE`): non-key columns
/// stored in a (unique) index — uniqueness stays on the key — read back from `pg_index`
/// (`indnkeyatts`) with the drift check clean through down/up; SQLite and MySQL/MariaDB
/// refuse it before anything runs.
pub(super) fn index_include_columns(backend: Backend) {
    let mut cx = seed(backend);
    let covering = || -> Operation {
        add_index(
            "Book",
            unique_index("books_title_covering", ["title"]).include(["price", "rating"]),
        )
        .into()
    };
    if backend != Backend::Postgres {
        assert_refused(&mut cx, covering(), &["`books_title_covering`", "INCLUDE"]);
        return;
    }
    let sql = cx.migrate_ops(vec![covering()]);
    assert!(
        sql[0].ends_with(r#"("title") INCLUDE ("price", "rating")"#),
        "{sql:?}"
    );
    // Unique on the key only: the same price is fine, the same title is not.
    assert!(cx
        .try_exec("INSERT INTO books (id, title, author_id, price) VALUES (6, 'Solaris', 1, 99)")
        .is_err());
    cx.exec("INSERT INTO books (id, title, author_id, price) VALUES (6, 'Tehanu', 1, 10.25)");
    let kept = cx.rows("books", &["id", "title"], "id");
    cx.back_to(3);
    cx.up_again();
    assert_eq!(cx.rows("books", &["id", "title"], "id"), kept);
}

pub(super) fn partial_indexes_are_enforced_for_their_rows(backend: Backend) {
    let mut cx = seed(backend);
    if backend == Backend::Mysql {
        assert_refused(
            &mut cx,
            one_null_rating_per_author(),
            &["`books_author_unrated_uniq`", "no partial indexes"],
        );
        return;
    }
    let kept = cx.rows("books", &BOOK_COLS, "id");
    // Step 3: a conditional unique index and a plain partial index.
    let sql = cx.migrate_ops(vec![
        one_null_rating_per_author(),
        add_index(
            "Book",
            index("books_dear_idx", ["price"]).condition("price > 10 AND title <> 'x'"),
        )
        .into(),
    ]);
    assert!(
        sql[0].ends_with(r#"("author_id") WHERE rating IS NULL"#),
        "{backend}: {sql:?}"
    );
    // Covered rows are unique; rows outside the condition are not.
    assert!(
        cx.try_exec("INSERT INTO books (id, title, author_id, price, rating) VALUES (6, 'Lavinia', 1, 1, NULL)")
            .is_err(),
        "{backend}: a second unrated book of author 1 must be refused"
    );
    cx.exec(
        "INSERT INTO books (id, title, author_id, price, rating) VALUES (6, 'Lavinia', 1, 1, 3)",
    );
    cx.exec("DELETE FROM books WHERE id = 6");
    // Step 4: the condition changes (a remove and an add, as makemigrations writes it).
    cx.migrate_ops(vec![
        remove_index("Book", "books_dear_idx").into(),
        add_index(
            "Book",
            index("books_dear_idx", ["price"]).condition("price >= 20"),
        )
        .into(),
    ]);
    // Down to the seed (rows kept), and up again.
    cx.back_to(3);
    cx.back_to(2);
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), kept, "on {backend}");
    cx.up_again();
    assert!(cx
        .try_exec("INSERT INTO books (id, title, author_id, price, rating) VALUES (6, 'Lavinia', 1, 1, NULL)")
        .is_err());
}
