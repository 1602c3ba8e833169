//! Writer scenarios of index options (issue 17.4): partial, NULLs not distinct, included
//! fields, methods, and expression indexes — each rendered, snapshotted, and its committed
//! fixture compiled back (the fixtures are in `writer_fixtures/`).

use migrator_core::migration::prelude::*;

use super::{library, Scenario};

#[rustfmt::skip]
#[path = "../writer_fixtures/partial_index.rs"]
mod partial_index;
#[rustfmt::skip]
#[path = "../writer_fixtures/expression_index.rs"]
mod expression_index;

/// The index scenarios, in the order their migrations follow each other.
pub(super) fn scenarios() -> Vec<Scenario> {
    let s = |name, migration, compiled| Scenario {
        name,
        migration,
        empty: false,
        compiled,
    };
    vec![
        s(
            "partial_index",
            library("0003_book_book_live_uniq_book_book_cheap_idx")
                .dependency("library", "0002_author")
                .operation(add_index(
                    "Book",
                    unique_index("book_live_uniq", ["title"])
                        .nulls_distinct(false)
                        .include(["note", "price"])
                        .condition("deleted_at IS NULL"),
                ))
                .operation(add_index(
                    "Book",
                    index("book_cheap_idx", ["title"])
                        .method("hash")
                        .condition("price < 10 AND note <> 'a \\'b'"),
                )),
            partial_index::migration,
        ),
        s(
            "expression_index",
            library("0004_author_author_email_lower_uniq_tag")
                .dependency("library", "0003_book_book_live_uniq_book_book_cheap_idx")
                .operation(add_index(
                    "Author",
                    unique_expression_index("author_email_lower_uniq", ["lower(email)"])
                        .condition("email <> ''"),
                ))
                .operation(
                    create_model("Tag", "tags")
                        .field(field("id", ColumnType::BigInt).primary_key())
                        .field(field("label", ColumnType::Text))
                        .index(expression_index(
                            "tags_label_idx",
                            ["upper(trim(label))", "length(\"label\") % 10"],
                        )),
                ),
            expression_index::migration,
        ),
    ]
}
