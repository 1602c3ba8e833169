//! The model registry as a derive user sees it: `current_models()` in this test binary finds
//! exactly the models derived here, sorted, with their rename hints; `registry::collect`
//! rejects clashing models and tables with one error that lists every clash.

// The models below exist for their registration; their fields are never read.
#![allow(dead_code)]

use std::collections::BTreeMap;

use migrator_core::registry::{self, ModelHints};
use migrator_core::{
    ColumnType, FieldState, Model, ModelDefinition, ModelKey, ModelState, RegistryError,
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
    let RegistryError::Duplicates(problems) = &err;
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
