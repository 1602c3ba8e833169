//! Expansion snapshots (diesel's `diesel_derives/src/tests` habit): expand a struct with
//! [`derive_model_inner`], format the output with prettyplease and compare it with the
//! committed snapshot under `src/snapshots/`. Review changes with `cargo insta review`, or
//! regenerate with `INSTA_UPDATE=always` and read the diff.
//!
//! These pin the exact generated code; `migrator-core/tests/derive_state.rs` checks what it
//! does and `migrator-core/tests/ui.rs` the compile errors users see.

use proc_macro2::TokenStream;
use quote::quote;

use crate::derive_model_inner;

/// The derive's output for `input`, formatted.
fn expand(input: TokenStream) -> String {
    let output = derive_model_inner(input);
    let file: syn::File = syn::parse2(output.clone())
        .unwrap_or_else(|e| panic!("derive output does not parse ({e}):\n{output}"));
    prettyplease::unparse(&file)
}

#[test]
fn simple_model() {
    let expansion = expand(quote! {
        /// Books on the shelf.
        #[model(table = "books")]
        pub struct Book {
            pub id: i64,
            #[model(max_length = 200)]
            pub title: String,
            #[model(max_length = 100, index)]
            pub author: String,
        }
    });
    insta::assert_snapshot!(expansion);
}

#[test]
fn many_to_many_relations() {
    let expansion = expand(quote! {
        #[model(
            many_to_many(name = "tags", to = crate::Tag),
            many_to_many(name = "related", to = Self, renamed_from = "similar"),
            many_to_many(name = "labels", to = Label, through = ProductLabel)
        )]
        pub struct Product {
            pub id: i64,
            #[model(foreign_key = Category, on_delete = "cascade")]
            pub category_id: i64,
        }
    });
    insta::assert_snapshot!(expansion);
}

#[test]
fn every_field_attribute() {
    let expansion = expand(quote! {
        struct Everything {
            /// The key.
            #[model(primary_key, auto, column = "pk")]
            number: i32,
            #[model(unique, index, max_length = 50, renamed_from = "login")]
            username: String,
            #[model(default = "draft")]
            status: String,
            #[model(default = -3)]
            offset: i32,
            #[model(default = 2.5)]
            ratio: f64,
            #[model(default = false)]
            hidden: bool,
            #[model(default_sql = "CURRENT_TIMESTAMP")]
            created_at: chrono::NaiveDateTime,
            #[model(precision = 10, scale = 2)]
            price: rust_decimal::Decimal,
            #[model(db_type = "CITEXT")]
            nickname: Option<String>,
            #[model(skip)]
            cache: Vec<u8>,
        }
    });
    insta::assert_snapshot!(expansion);
}

#[test]
fn foreign_keys_indexes_and_checks() {
    let expansion = expand(quote! {
        #[model(
            table = "loans",
            index(fields = ["book", "borrower"]),
            index(fields = ["borrower"], unique, name = "loans_one_per_borrower"),
            check(name = "loans_due_after_start", sql = "due > started"),
            renamed_from = "Lending"
        )]
        struct Loan {
            id: i64,
            #[model(foreign_key = crate::models::Book, on_delete = "cascade", column = "book_id")]
            book: i64,
            #[model(foreign_key = Member, on_delete = "set_null")]
            borrower: Option<i64>,
            started: chrono::NaiveDate,
            due: chrono::NaiveDate,
        }
    });
    insta::assert_snapshot!(expansion);
}

#[test]
fn self_names_the_struct_inside_the_descriptor() {
    // The primary-key assertions are items beside the impl, where `Self` does not resolve;
    // the derive spells the struct's name there and, for one spelling, in the descriptor.
    let expansion = expand(quote! {
        struct Node {
            id: i64,
            #[model(foreign_key = Self, on_delete = "set_null")]
            parent: Option<i64>,
        }
    });
    assert!(
        expansion.contains("&[<Node as ::migrator_core::Model>::KEY]"),
        "{expansion}"
    );
    assert!(
        !expansion.contains("Self as ::migrator_core::Model"),
        "{expansion}"
    );
}

#[test]
fn errors_come_with_a_stub_impl() {
    let expansion = expand(quote! {
        #[model(tabel = "books")]
        struct Book {
            #[model(max_lenght = 200)]
            title: String,
        }
    });
    insta::assert_snapshot!(expansion);
}

/// The derive writes the usual names of unnamed indexes (frozen in migration files), and the
/// disambiguated spelling only for a name another object of the model has.
#[test]
fn index_names_are_the_usual_ones_unless_taken() {
    let expansion = expand(quote! {
        #[model(
            table = "books",
            index(fields = ["author", "title"]),
            index(fields = ["isbn"], unique),
            index(fields = ["a", "b"]),
            index(fields = ["a_b", "c"]),
            index(fields = ["a", "b_c"])
        )]
        struct Book {
            id: i64,
            author: String,
            title: String,
            isbn: String,
            a: i32,
            b: i32,
            c: i32,
            b_c: i32,
            #[model(index)]
            a_b: i32,
        }
    });
    for usual in ["books_author_title_idx", "books_isbn_uniq"] {
        assert!(
            expansion.contains(&format!(":{usual}")),
            "{usual}: {expansion}"
        );
    }
    // `a` + `b` would be `books_a_b_idx`, the name of field `a_b`'s index; `a_b` + `c` and
    // `a` + `b_c` would both be `books_a_b_c_idx`.
    let disambiguated = [
        migrator_descriptor::names::index_disambiguated("books", &["a", "b"], false),
        migrator_descriptor::names::index_disambiguated("books", &["a_b", "c"], false),
        migrator_descriptor::names::index_disambiguated("books", &["a", "b_c"], false),
    ];
    for name in &disambiguated {
        assert!(
            expansion.contains(&format!(":{name}")),
            "{name}: {expansion}"
        );
    }
    assert!(!expansion.contains(":books_a_b_c_idx"), "{expansion}");
    assert!(!expansion.contains(":books_a_b_idx"), "{expansion}");
}

#[test]
fn identifier_rules() {
    use crate::ident::identifier_problem;
    assert_eq!(identifier_problem("books"), None);
    assert_eq!(identifier_problem("_b00ks"), None);
    assert_eq!(identifier_problem(&"a".repeat(63)), None);
    assert!(identifier_problem(&"a".repeat(64)).is_some());
    assert!(identifier_problem("").is_some());
    assert!(identifier_problem("1books").is_some());
    assert!(identifier_problem("my-books").is_some());
    assert!(identifier_problem("books\"; DROP TABLE x; --").is_some());
    assert!(identifier_problem("café").is_some());
}

#[test]
fn doc_comments_become_comments_without_their_margins() {
    use crate::ast::doc_comment;
    let attrs = |item: syn::DeriveInput| doc_comment(&item.attrs);
    // `/** … */` with a star margin, as rustdoc reads it.
    let block: syn::DeriveInput =
        syn::parse_str("/**\n * Books on the shelf.\n *\n * One row per copy.\n */\nstruct Book;")
            .unwrap();
    assert_eq!(
        attrs(block).as_deref(),
        Some("Books on the shelf.\n\nOne row per copy.")
    );
    // Without a margin the text stays as written, bullets included.
    let plain: syn::DeriveInput =
        syn::parse_str("/** Copies:\n   - paper\n */\nstruct Book;").unwrap();
    assert_eq!(attrs(plain).as_deref(), Some("Copies:\n- paper"));
    // Line comments are one attribute per line: a leading `*` there is the author's.
    let lines: syn::DeriveInput =
        syn::parse_str("/// Kinds:\n/// * paper\n/// * ebook\nstruct Book;").unwrap();
    assert_eq!(attrs(lines).as_deref(), Some("Kinds:\n* paper\n* ebook"));
}
