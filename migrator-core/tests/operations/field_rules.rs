//! The field rules operations check on the state: a primary-key field that also says
//! `unique` or `index` is refused wherever a field is written (the key is unique and indexed
//! already, so the flag would create nothing on any backend).

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
