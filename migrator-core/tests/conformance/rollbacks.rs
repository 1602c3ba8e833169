//! Rollbacks on tables with rows: a removed NOT NULL field without a default comes back filled
//! with its type's empty value, and a column made nullable becomes NOT NULL again with its
//! NULLs refilled — instead of failing on the first row (issue 13, item 1).

use crate::conformance_support::*;
use migrator_core::backend::Backend;
use migrator_core::operations::{AddField, RemoveField};
use migrator_core::{ColumnType, DefaultValue, FieldState, Operation};

fn one_off(field: FieldState, value: DefaultValue) -> Operation {
    Operation::AddField(AddField {
        model: "Book".into(),
        field: field.default(value),
        preserve_default: false,
    })
}

pub(super) fn rollbacks_refill_not_null_columns_on_tables_with_rows(backend: Backend) {
    let mut cx = seed(backend);
    // Step 3: NOT NULL columns whose state keeps no default (filled once, then dropped).
    cx.migrate_ops(vec![
        one_off(
            FieldState::new("pages", ColumnType::Integer),
            DefaultValue::Int(100),
        ),
        one_off(
            FieldState::new("summary", ColumnType::Text),
            DefaultValue::Text("tbd".into()),
        ),
        one_off(
            FieldState::new("published", ColumnType::Date),
            DefaultValue::Text("2001-02-03".into()),
        ),
    ]);
    let kept = cx.rows("books", &BOOK_COLS, "id");
    // Step 4: they are removed; step 5: `title` becomes nullable and a row loses its title.
    cx.migrate_ops(
        ["pages", "summary", "published"]
            .into_iter()
            .map(|f| Operation::RemoveField(RemoveField::new("Book", f)))
            .collect(),
    );
    cx.forwards(&alter(
        "Book",
        FieldState::new("title", ColumnType::Varchar(200)).nullable(),
    ));
    cx.exec("UPDATE books SET title = NULL WHERE id = 2");
    // Back to step 3, through the executor, with the schema checked at each state.
    cx.back_to(3);
    assert_eq!(
        cx.rows(
            "books",
            &["id", "pages", "summary", "published", "title"],
            "id"
        ),
        [
            "1|0||1970-01-01|The Dispossessed",
            "2|0||1970-01-01|",
            "3|0||1970-01-01|Solaris",
            "4|0||1970-01-01|Earthsea",
            "5|0||1970-01-01|Aleph",
        ],
        "on {backend}"
    );
    let title = |rows: Vec<String>| -> Vec<String> {
        rows.into_iter()
            .map(|r| r.split('|').nth(1).unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        title(cx.rows("books", &BOOK_COLS, "id")),
        ["The Dispossessed", "", "Solaris", "Earthsea", "Aleph"]
    );
    assert_eq!(kept.len(), 5);
    // And forwards again: the same removals apply cleanly.
    cx.up_again();
}
