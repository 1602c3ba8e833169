//! The model registry as a derive user sees it: `current_models()` in this test binary finds
//! exactly the models derived here, sorted, with their rename hints; `registry::collect`
//! rejects clashing models and tables with one error that lists every clash, and foreign keys
//! whose column type is not their target's primary-key type with one error that lists them all.

// The models below exist for their registration; their fields are never read.
#![allow(dead_code)]

use std::collections::BTreeMap;

use migrator_core::registry::{self, ModelHints};
use migrator_core::{
    ColumnType, FieldState, ForeignKey, Model, ModelDefinition, ModelKey, ModelState, OnDelete,
    RegistryError,
};

/// This package's app label.
const APP: &str = "migrator_core";

#[derive(Model)]
struct Zebra {
    id: i64,
}

#[derive(Model)]
#[model(renamed_from = "Fruit")]
struct Apple {
    id: i64,
    #[model(renamed_from = "colour")]
    color: String,
}

mod nested {
    #[derive(migrator_core::Model)]
    #[model(table = "mangoes")]
    pub struct Mango {
        pub id: i32,
    }
}

#[test]
fn current_models_sees_this_binarys_models_sorted() {
    let current = migrator_core::current_models().expect("no clashes");
    let keys: Vec<&ModelKey> = current.state.models.keys().collect();
    assert_eq!(
        keys,
        [
            &ModelKey::new(APP, "Apple"),
            &ModelKey::new(APP, "Mango"),
            &ModelKey::new(APP, "Zebra"),
        ]
    );
    assert_eq!(
        current.state.model(APP, "Mango").map(|m| m.table.as_str()),
        Some("mangoes")
    );
    assert_eq!(
        current.state.model(APP, "Zebra"),
        Some(&Zebra::definition().state)
    );
    assert_eq!(
        current.hints,
        BTreeMap::from([(
            ModelKey::new(APP, "Apple"),
            ModelHints {
                renamed_from: Some("Fruit".into()),
                field_renames: BTreeMap::from([("color".into(), "colour".into())]),
            }
        )])
    );

    let regs = registry::registrations();
    let order: Vec<(&str, &str)> = regs.iter().map(|r| (r.name, r.module_path)).collect();
    assert_eq!(
        order,
        [
            ("Apple", "registry"),
            ("Mango", "registry::nested"),
            ("Zebra", "registry"),
        ]
    );
    assert_eq!(nested::Mango::TABLE, "mangoes");
}

/// A one-column model definition.
fn def(app: &str, name: &str, table: &str) -> ModelDefinition {
    let mut state = ModelState::new(app, name, table);
    state
        .fields
        .push(FieldState::new("id", ColumnType::BigInt).primary_key());
    ModelDefinition::new(state)
}

#[test]
fn collect_lists_every_duplicate_model_and_table_in_one_error() {
    let err = registry::collect([
        ("shop::models", def("shop", "Item", "items")),
        ("shop::legacy", def("shop", "Item", "old_items")),
        ("shop::models", def("shop", "Order", "orders")),
        ("billing::models", def("billing", "Invoice", "orders")),
        ("billing::models", def("billing", "Receipt", "receipts")),
    ])
    .expect_err("two clashes");
    let RegistryError::Duplicates(problems) = &err else {
        panic!("expected duplicates, got {err:?}");
    };
    assert_eq!(
        problems,
        &[
            "model `shop.Item` is defined 2 times: shop::models::Item, shop::legacy::Item"
                .to_string(),
            "table `orders` is used by 2 models: billing.Invoice (billing::models), shop.Order \
             (shop::models)"
                .to_string(),
        ]
    );
    let text = err.to_string();
    assert!(text.contains("shop.Item"), "{text}");
    assert!(text.contains("`orders`"), "{text}");
    assert!(text.contains("#[model(table"), "names the fix: {text}");
}

#[test]
fn collect_accepts_distinct_models_and_sorts_them() {
    let current = registry::collect([
        ("b::m", def("b", "Zed", "zed")),
        ("a::m", def("a", "Zed", "a_zed")),
        ("a::m", def("a", "Alpha", "alpha")),
    ])
    .expect("no clashes");
    let keys: Vec<String> = current
        .state
        .models
        .keys()
        .map(ToString::to_string)
        .collect();
    assert_eq!(keys, ["a.Alpha", "a.Zed", "b.Zed"]);
    assert!(current.hints.is_empty());
}

/// `def` plus a foreign-key field `name` of type `column_type` pointing at `app.target`.
fn with_fk(
    mut def: ModelDefinition,
    name: &str,
    column_type: ColumnType,
    app: &str,
    target: &str,
) -> ModelDefinition {
    def.state.fields.push(
        FieldState::new(name, column_type)
            .index()
            .foreign_key(ForeignKey::new(app, target, OnDelete::Cascade)),
    );
    def
}

#[test]
fn collect_lists_every_foreign_key_that_does_not_match_its_targets_primary_key() {
    // `Author.id` is BIGINT; `Book.author_id` is INTEGER (an `i32` in Rust).
    let book = with_fk(
        def("library", "Book", "books"),
        "author_id",
        ColumnType::Integer,
        "library",
        "Author",
    );
    // A second mismatch in another app, across apps.
    let loan = with_fk(
        def("lending", "Loan", "loans"),
        "book_id",
        ColumnType::Text,
        "library",
        "Book",
    );
    // A target with two primary-key fields (hand-built: the derive allows only one).
    let mut pair = ModelState::new("library", "Pair", "pairs");
    pair.fields = vec![
        FieldState::new("left", ColumnType::BigInt).primary_key(),
        FieldState::new("right", ColumnType::BigInt).primary_key(),
    ];
    let to_pair = with_fk(
        def("library", "Shelf", "shelves"),
        "pair_id",
        ColumnType::BigInt,
        "library",
        "Pair",
    );
    // A target with no primary key at all.
    let keyless = ModelDefinition::new(ModelState::new("library", "Keyless", "keyless"));
    let to_keyless = with_fk(
        def("library", "Tag", "tags"),
        "keyless_id",
        ColumnType::BigInt,
        "library",
        "Keyless",
    );
    let err = registry::collect([
        ("library::models", def("library", "Author", "authors")),
        ("library::models", book),
        ("lending::models", loan),
        ("library::models", ModelDefinition::new(pair)),
        ("library::models", to_pair),
        ("library::models", keyless),
        ("library::models", to_keyless),
    ])
    .expect_err("four broken foreign keys");
    let RegistryError::ForeignKeys(problems) = &err else {
        panic!("expected foreign-key problems, got {err:?}");
    };
    assert_eq!(
        problems,
        &[
            "foreign key `lending.Loan.book_id` is TEXT but its target's primary key \
             `library.Book.id` is BIGINT; give `book_id` the Rust type of `Book.id` so both \
             columns are BIGINT"
                .to_string(),
            "foreign key `library.Book.author_id` is INTEGER but its target's primary key \
             `library.Author.id` is BIGINT; give `author_id` the Rust type of `Author.id` so \
             both columns are BIGINT"
                .to_string(),
            "foreign key `library.Shelf.pair_id` points at `library.Pair`, which has 2 \
             primary-key fields; a foreign key needs a target with exactly one primary-key \
             field: give `Pair` one, or remove `foreign_key` from `pair_id`"
                .to_string(),
            "foreign key `library.Tag.keyless_id` points at `library.Keyless`, which has 0 \
             primary-key fields; a foreign key needs a target with exactly one primary-key \
             field: give `Keyless` one, or remove `foreign_key` from `keyless_id`"
                .to_string(),
        ]
    );
    let text = err.to_string();
    assert!(text.contains("foreign keys that cannot work"), "{text}");
    assert!(text.contains("library.Book.author_id"), "{text}");
}

#[test]
fn collect_accepts_foreign_keys_of_the_targets_primary_key_type() {
    // Nullability does not matter; a self-reference and a non-`id` key are fine.
    let mut code = ModelState::new("shop", "Country", "countries");
    code.fields = vec![FieldState::new("code", ColumnType::Varchar(2)).primary_key()];
    let mut city = with_fk(
        def("shop", "City", "cities"),
        "country",
        ColumnType::Varchar(2),
        "shop",
        "Country",
    );
    city.state.fields.push(
        FieldState::new("twin", ColumnType::BigInt)
            .nullable()
            .foreign_key(ForeignKey::new("shop", "City", OnDelete::SetNull)),
    );
    // A target that is not registered is left to the migration state.
    let elsewhere = with_fk(
        def("shop", "Visit", "visits"),
        "person",
        ColumnType::Integer,
        "people",
        "Person",
    );
    let current = registry::collect([
        ("shop::models", ModelDefinition::new(code)),
        ("shop::models", city),
        ("shop::models", elsewhere),
    ])
    .expect("every foreign key matches");
    assert_eq!(current.state.models.len(), 3);
}
