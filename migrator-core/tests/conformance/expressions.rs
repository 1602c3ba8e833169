//! Expression indexes (issue 17.4, Django's `Index(Lower("title"), name=…)` and
//! `UniqueConstraint(Lower("title"), name=…)`): on SQLite and PostgreSQL a unique index over
//! `lower(title)` refuses a title that differs only in case, an index may mix an expression
//! and a column, both introspect equal to the state (each expression compared through
//! `SqlCondition::normal_form`: PostgreSQL deparses `lower((title)::text)`, SQLite keeps the
//! `CREATE INDEX` text and rewrites it on a column rename), a field named by an expression
//! is renamed with its index following and cannot be removed while the index names it, a
//! changed expression is a remove and an add, and down/up keeps the rows. MySQL/MariaDB have
//! no functional indexes (MariaDB 10.11): the migration is refused before anything runs,
//! naming the index and the alternative.

use super::partial::assert_refused;
use crate::conformance_support::*;
use migrator_core::backend::Backend;
use migrator_core::migration::prelude::*;

fn lower_title_unique() -> Operation {
    add_index(
        "Book",
        unique_expression_index("books_title_lower_uniq", ["lower(title)"]),
    )
    .into()
}

pub(super) fn expression_indexes_round_trip(backend: Backend) {
    let mut cx = seed(backend);
    if backend == Backend::Mysql {
        assert_refused(
            &mut cx,
            lower_title_unique(),
            &[
                "`books_title_lower_uniq`",
                "no functional indexes",
                "generated column",
            ],
        );
        return;
    }
    let kept = cx.rows("books", &BOOK_COLS, "id");
    // Step 3: a unique expression index and an index mixing an expression and a column.
    let sql = cx.migrate_ops(vec![
        lower_title_unique(),
        add_index(
            "Book",
            expression_index(
                "books_rating_author_idx",
                ["coalesce(rating, 0)", "author_id"],
            ),
        )
        .into(),
    ]);
    assert!(
        sql[0].ends_with(r#"ON "books" ((lower(title)))"#),
        "{backend}: {sql:?}"
    );
    assert!(
        sql[1].ends_with(r#"((coalesce(rating, 0)), (author_id))"#),
        "{backend}: {sql:?}"
    );
    // Read back as expressions (every part of the mixed key too), not as columns.
    let live = cx.introspect();
    let keys: Vec<(Vec<String>, Vec<String>)> = live.tables["books"]
        .indexes
        .iter()
        .filter(|i| i.name.starts_with("books_rating") || i.name.starts_with("books_title"))
        .map(|i| {
            let exprs = i.expressions.iter().map(|e| e.normal_form()).collect();
            (i.columns.clone(), exprs)
        })
        .collect();
    assert_eq!(
        keys,
        [
            (
                vec![],
                vec!["coalescerating,0".to_owned(), "author_id".to_owned()]
            ),
            (vec![], vec!["lowertitle".to_owned()]),
        ],
        "{backend}"
    );
    let dup = "INSERT INTO books (id, title, author_id, price) VALUES (6, 'SOLARIS', 1, 1)";
    assert!(
        cx.try_exec(dup).is_err(),
        "{backend}: case-insensitive duplicate"
    );
    // Step 4: the field the expression names is renamed; the index follows (state and
    // database), and the drift check stays clean.
    cx.forwards(&rename_field("Book", "title", "name"));
    let book = cx.state.model(APP, "Book").unwrap();
    let index = book
        .indexes
        .iter()
        .find(|i| i.name == "books_title_lower_uniq")
        .unwrap();
    assert_eq!(index.expressions, ["lower(name)"]);
    assert!(cx
        .try_exec("INSERT INTO books (id, name, author_id, price) VALUES (6, 'solaris', 1, 1)")
        .is_err());
    // The field cannot be removed while the expression names it.
    let mut state = cx.state.clone();
    let err = remove_field("Book", "name")
        .state_forwards(APP, &mut state)
        .unwrap_err()
        .to_string();
    assert!(err.contains("books_title_lower_uniq"), "{err}");
    // Step 5: the expression changes (a remove and an add), now also partial.
    cx.migrate_ops(vec![
        remove_index("Book", "books_title_lower_uniq").into(),
        add_index(
            "Book",
            unique_expression_index("books_title_lower_uniq", ["lower(name)", "author_id + 0"])
                .condition("rating IS NOT NULL"),
        )
        .into(),
    ]);
    cx.exec("INSERT INTO books (id, name, author_id, price) VALUES (6, 'SOLARIS', 3, 1)");
    cx.exec("DELETE FROM books WHERE id = 6");
    // inspectdb reads the index back into the model, with no flag: the model it writes
    // has exactly the live schema (`inspectdb::verify` compares them).
    let options = migrator_core::inspectdb::Options {
        tables: vec!["books".into()],
        ..Default::default()
    };
    let inspection = migrator_core::inspectdb::inspect(cx.db.conn(), &options).unwrap();
    let flagged: Vec<String> = inspection.flags.iter().map(ToString::to_string).collect();
    assert!(
        !flagged.iter().any(|f| f.contains("books_title_lower_uniq")),
        "{backend}: {flagged:?}"
    );
    assert!(
        inspection
            .source
            .contains(r#"index(name = "books_title_lower_uniq", expressions = ["#)
            && inspection.source.contains("unique, condition = "),
        "{backend}:\n{}",
        inspection.source
    );
    // Down to the seed (rows kept), and up again.
    cx.back_to(4);
    cx.back_to(2);
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), kept, "on {backend}");
    cx.up_again();
    assert!(cx
        .try_exec(
            "INSERT INTO books (id, name, author_id, price, rating) VALUES (6, 'SOLARIS', 3, 1, 1)"
        )
        .is_err());
}
