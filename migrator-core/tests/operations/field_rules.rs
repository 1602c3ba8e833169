//! The field rules operations check on the state: a primary-key field that also says
//! `unique` or `index` is refused wherever a field is written (the key is unique and indexed
//! already, so the flag would create nothing on any backend); a field that a check
//! constraint or a generated column names cannot be removed (PostgreSQL would drop the
//! check with the column behind the state's back, SQLite's rebuild would fail on it).

use migrator_core::migration::prelude::*;
use migrator_core::operations::StateError;
use migrator_core::ProjectState;

const APP: &str = "library";

fn state() -> ProjectState {
    super::state()
}

fn refused(op: impl Into<Operation>, flag: &str) -> String {
    let mut s = state();
    let err = op.into().state_forwards(APP, &mut s).unwrap_err();
    assert!(
        matches!(&err, StateError::KeyFieldFlag { flag: f, .. } if *f == flag),
        "{err:?}"
    );
    err.to_string()
}

#[test]
fn a_key_field_with_unique_or_index_is_refused_everywhere_a_field_is_written() {
    let text = refused(
        create_model("Edition", "editions").field(
            field("code", ColumnType::Varchar(20))
                .primary_key()
                .unique(),
        ),
        "unique",
    );
    assert!(
        text.contains("`library.Edition.code` is (part of) the primary key")
            && text.contains("remove `.unique()` from the field"),
        "{text}"
    );
    let text = refused(
        alter_field(
            "Book",
            field("id", ColumnType::BigInt).primary_key().index(),
        ),
        "index",
    );
    assert!(
        text.contains("remove `.index()`") && text.contains("indexed"),
        "{text}"
    );
    refused(
        add_field(
            "Writer",
            field("code", ColumnType::Integer).primary_key().index(),
        ),
        "index",
    );
    // The same flags are fine once the field is not the key, and on a key without them.
    let mut s = state();
    Operation::from(alter_field(
        "Book",
        field("title", ColumnType::Varchar(200)).unique(),
    ))
    .state_forwards(APP, &mut s)
    .unwrap();
    Operation::from(alter_field(
        "Book",
        field("id", ColumnType::BigInt).primary_key(),
    ))
    .state_forwards(APP, &mut s)
    .unwrap();
}

/// `Book` with a check on `isbn`, a check on `title` and a generated column over `title`
/// (and without its index on `title`).
fn checked() -> ProjectState {
    let mut s = state();
    for op in [
        Operation::from(remove_index("Book", "books_title_idx")),
        add_constraint(
            "Book",
            ConstraintState::check("books_isbn_len", "length(\"isbn\") = 13"),
        ),
        add_constraint(
            "Book",
            ConstraintState::check("books_title_set", "title <> ''"),
        ),
        add_field(
            "Book",
            field("shout", ColumnType::Text)
                .nullable()
                .generated_virtual("upper(title)"),
        )
        .into(),
    ] {
        op.state_forwards(APP, &mut s).unwrap();
    }
    s
}

#[test]
fn a_field_a_check_or_generated_column_names_cannot_be_removed() {
    let cases = [
        ("isbn", "check constraint", "books_isbn_len"),
        ("title", "check constraint", "books_title_set"),
    ];
    for (name, what, by) in cases {
        let mut s = checked();
        let err = remove_field("Book", name)
            .state_forwards(APP, &mut s)
            .unwrap_err();
        assert!(
            matches!(&err, StateError::FieldInUse { what: w, index, .. } if *w == what && index == by),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains(&format!("still used by {what} `{by}`; remove `{by}`")),
            "{text}"
        );
        assert_eq!(s, checked(), "a refused removal leaves the state alone");
    }
    // Without the check on `title`, the generated column still names it.
    let mut s = checked();
    remove_constraint("Book", "books_title_set")
        .state_forwards(APP, &mut s)
        .unwrap();
    let err = remove_field("Book", "title")
        .state_forwards(APP, &mut s)
        .unwrap_err();
    assert!(
        matches!(&err, StateError::FieldInUse { what: "the generated field", index, .. } if index == "shout"),
        "{err:?}"
    );
    // The check (and the unique constraint) removed first, the field goes; the generated
    // column itself can always go.
    let mut s = checked();
    for op in [
        remove_constraint("Book", "books_isbn_len"),
        remove_constraint("Book", "books_isbn_uniq"),
        remove_field("Book", "isbn"),
        remove_field("Book", "shout"),
    ] {
        op.state_forwards(APP, &mut s).unwrap();
    }
    assert!(s.model(APP, "Book").unwrap().field("isbn").is_none());
}
