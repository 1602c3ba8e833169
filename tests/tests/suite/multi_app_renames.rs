//! End to end on a temporary copy of `examples/shop` through the real `migrator` binary:
//! renaming a model that another app's foreign key points at (one `makemigrations` run, the
//! keys follow the renamed table, also on a fresh database and across merged branches), and
//! renaming a field that a check constraint and a composite unique index use. The shop's
//! constants and helpers are `multi_app`'s.

use migrator_core::many_to_many::{join_model, ManyToMany};
use migrator_core::migration::prelude::{alter_model_table, rename_model};
use migrator_core::{ModelKey, Operation, ProjectState};
use migrator_tests::TempWorkspace;

use crate::e2e_db::{committed_graph, progress, state_after, Db};
use crate::multi_app::{fk, foreign_keys, CATALOG_MODELS, HEADS, ORDERS_MODELS, SHOP_ROWS};

/// Renames `catalog::Product` to `Item` in a new table `catalog_items` (with a
/// `renamed_from` hint, so no question is asked) and points the orders app's foreign key at
/// the new name, as a user would.
fn rename_product_to_item(ws: &TempWorkspace) {
    ws.edit(
        CATALOG_MODELS,
        "    table = \"catalog_products\",\n",
        "    table = \"catalog_items\",\n    renamed_from = \"Product\",\n",
    );
    ws.edit(CATALOG_MODELS, "pub struct Product {", "pub struct Item {");
    ws.edit(
        ORDERS_MODELS,
        "foreign_key = catalog::Product,",
        "foreign_key = catalog::Item,",
    );
}

/// The committed head with `Product` renamed to `Item` in `catalog_items`, evolved by hand;
/// the join model of its many-to-many `tags` follows (`Item_tags` in `catalog_items_tags`,
/// column `item_id`), as the registry declares it.
fn renamed_state() -> ProjectState {
    let mut state = state_after(&committed_graph(), &HEADS);
    for op in [
        rename_model("Product", "Item"),
        alter_model_table("Item", "catalog_items"),
    ] {
        Operation::state_forwards(&op, "catalog", &mut state).expect("state");
    }
    let old = state
        .models
        .remove(&ModelKey::new("catalog", "Product_tags"))
        .expect("the join model of Product.tags");
    let item = state.model("catalog", "Item").expect("Item").clone();
    let tag = state.model("catalog", "Tag").expect("Tag").clone();
    let tags = ManyToMany::new("tags", tag.key());
    let join = join_model(&item, &tags, &tag).expect("a join model");
    assert_eq!(join.table, "catalog_items_tags", "{old:?}");
    state.insert(join);
    state
}

/// The catalog migration `makemigrations` wrote for the rename, as `catalog.NAME`.
fn made_rename_migration(ws: &TempWorkspace) -> String {
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(0);
    assert!(!run.stdout.contains("Did you rename"), "{}", run.stdout);
    assert!(
        run.stdout.contains("~ Rename model Product to Item")
            && !run.stdout.contains("Delete model")
            && !run.stdout.contains("Create model"),
        "{}",
        run.stdout
    );
    let files = ws.files("shop/catalog/migrations");
    assert_eq!(files.len(), 4, "{files:?}");
    format!("catalog.{}", files[3].trim_end_matches(".rs"))
}

#[test]
fn renaming_product_keeps_the_foreign_keys_pointing_at_its_table() {
    let graph = committed_graph();
    let ws = TempWorkspace::with_shop_example(true);
    let db = Db::new(&ws, "shop.sqlite3");
    let url = db.url();
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.exec_ok(SHOP_ROWS);

    rename_product_to_item(&ws);
    let second = made_rename_migration(&ws);
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert!(
        progress(&run.stdout).contains(&format!("Applying {second}... OK")),
        "{}",
        run.stdout
    );
    db.assert_schema(&renamed_state(), "renaming Product to Item");
    assert_eq!(
        foreign_keys(&db, "orders_lines"),
        [
            fk("order_id", "orders_orders", "CASCADE"),
            fk("product_id", "catalog_items", "RESTRICT"),
        ]
    );
    assert!(!db.tables().contains(&"catalog_products".to_owned()));

    // The rows came along and the keys are still enforced against the renamed table.
    assert_eq!(
        db.texts("SELECT id || '|' || sku AS v FROM catalog_items ORDER BY id"),
        ["1|LOG-1855", "2|BM-1"]
    );
    assert_eq!(db.count("orders_lines"), 2);
    let err = db
        .exec("INSERT INTO orders_lines (order_id, product_id, unit_price) VALUES (1, 999, 1.00)")
        .expect_err("a line for a missing item");
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    db.exec("DELETE FROM catalog_items WHERE id = 1")
        .expect_err("RESTRICT still holds");
    db.exec_ok("INSERT INTO catalog_items (id, name, sku, category_id, price) VALUES (3, 'Pen', 'PEN', 1, 2)");
    db.exec_ok("INSERT INTO orders_lines (order_id, product_id, unit_price) VALUES (1, 3, 2.00)");

    // And back: the rename is undone, the keys point at catalog_products again.
    let run = ws.migrator(&["migrate", "catalog", "0003", "--database", &url]);
    run.expect_code(0);
    assert!(
        progress(&run.stdout).contains(&format!("Unapplying {second}... OK")),
        "{}",
        run.stdout
    );
    db.assert_schema(&state_after(&graph, &HEADS), "unrenaming");
    assert_eq!(
        foreign_keys(&db, "orders_lines"),
        [
            fk("order_id", "orders_orders", "CASCADE"),
            fk("product_id", "catalog_products", "RESTRICT"),
        ]
    );
    assert_eq!(db.count("orders_lines"), 3);
    assert_eq!(db.count("catalog_products"), 3);
}

/// Regression: renaming a model that another app's foreign key points at must be a
/// fixpoint. The run that wrote `RenameModel` in `catalog` used to leave it depending on
/// `catalog.0001` only, so the replayed history applied it before `orders.0001`, whose foreign
/// key to `catalog.Product` was then never renamed, and the next run detected
/// `Alter field product_id on orderline` (Django ticket #28056 is the same problem). Fixed by
/// making the rename depend on the latest migration of every app that points at the model.
#[test]
fn regression_renaming_a_model_another_app_points_at_needs_one_makemigrations_run() {
    let ws = TempWorkspace::with_shop_example(true);
    rename_product_to_item(&ws);
    made_rename_migration(&ws);
    let run = ws.migrator(&["makemigrations", "--check"]);
    assert_eq!(
        run.code,
        Some(0),
        "right after makemigrations, --check still finds changes:\n{}",
        run.stdout
    );
}

/// Regression: on a fresh database, the history above used to apply the catalog's rename
/// migration before `orders.0001`, which then created `orders_lines` with
/// `REFERENCES "catalog_products"` — a table that no longer existed — because a migration's
/// SQL was then computed from the state of its own ancestors. Every insert into `orders_lines`
/// failed. The rename now depends on `orders.0001`, so it runs after it.
#[test]
fn regression_a_fresh_database_gets_foreign_keys_to_the_renamed_table() {
    let ws = TempWorkspace::with_shop_example(true);
    rename_product_to_item(&ws);
    made_rename_migration(&ws);
    let db = Db::new(&ws, "fresh.sqlite3");
    let run = ws.migrator(&["migrate", "--database", &db.url()]);
    run.expect_code(0);
    assert_eq!(
        foreign_keys(&db, "orders_lines"),
        [
            fk("order_id", "orders_orders", "CASCADE"),
            fk("product_id", "catalog_items", "RESTRICT"),
        ],
        "{}",
        run.stdout
    );
    db.exec_ok(
        "INSERT INTO catalog_categories (id, name) VALUES (1, 'Books');
         INSERT INTO catalog_items (id, name, sku, category_id, price) VALUES (1, 'Pen', 'PEN', 1, 2);
         INSERT INTO orders_orders (id, customer_email) VALUES (1, 'a@example.com');
         INSERT INTO orders_lines (order_id, product_id, unit_price) VALUES (1, 1, 2.00);",
    );
    db.assert_schema(&renamed_state(), "migrate on a fresh database");
}

/// A field named in a check constraint and a composite unique index is renamed (with the
/// constraint's SQL and the index's field list updated by the user, as they must be).
#[test]
fn renaming_a_field_used_by_a_check_and_a_composite_index() {
    let ws = TempWorkspace::with_shop_example(true);
    let db = Db::new(&ws, "shop.sqlite3");
    let url = db.url();
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.exec_ok(SHOP_ROWS);
    let lines = db.texts(
        "SELECT id || '|' || order_id || '|' || product_id || '|' || quantity AS v \
         FROM orders_lines ORDER BY id",
    );

    ws.edit(
        ORDERS_MODELS,
        "    pub product_id: i64,",
        "    #[model(renamed_from = \"product_id\")]\n    pub item_id: i64,",
    );
    ws.edit(
        ORDERS_MODELS,
        "fields = [\"order_id\", \"product_id\"]",
        "fields = [\"order_id\", \"item_id\"]",
    );
    ws.edit(
        ORDERS_MODELS,
        "    #[model(default = 1)]\n    pub quantity: i32,",
        "    #[model(default = 1, renamed_from = \"quantity\")]\n    pub qty: i32,",
    );
    ws.edit(ORDERS_MODELS, "sql = \"quantity > 0\"", "sql = \"qty > 0\"");
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("~ Rename field product_id on orderline to item_id")
            && run
                .stdout
                .contains("~ Rename field quantity on orderline to qty"),
        "{}",
        run.stdout
    );
    ws.migrator(&["makemigrations", "--check"]).expect_code(0);
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);

    // The expected state: the models as they are now, read from the live schema's oracle.
    let mut expected = state_after(&committed_graph(), &HEADS);
    let line = expected
        .model_mut("orders", "OrderLine")
        .expect("OrderLine");
    for (old, new) in [("product_id", "item_id"), ("quantity", "qty")] {
        let f = line.field_mut(old).expect(old);
        f.name = new.into();
        f.column = new.into();
    }
    line.indexes[0].fields = vec!["order_id".into(), "item_id".into()];
    line.constraints[0] =
        migrator_core::ConstraintState::check("orders_lines_quantity_positive", "qty > 0");
    db.assert_schema(&expected, "renaming fields used by a check and an index");
    assert_eq!(
        db.texts(
            "SELECT id || '|' || order_id || '|' || item_id || '|' || qty AS v \
             FROM orders_lines ORDER BY id"
        ),
        lines
    );
    db.exec("INSERT INTO orders_lines (order_id, item_id, qty, unit_price) VALUES (1, 2, 0, 1)")
        .expect_err("the check holds on the renamed column");
    db.exec("INSERT INTO orders_lines (order_id, item_id, unit_price) VALUES (1, 1, 1)")
        .expect_err("the unique index holds on the renamed column");
    db.exec("INSERT INTO orders_lines (order_id, item_id, unit_price) VALUES (1, 99, 1)")
        .expect_err("the foreign key holds on the renamed column");

    // Backwards to the committed head (0004): the original names, the same rows.
    ws.migrator(&["migrate", "orders", "0004", "--database", &url])
        .expect_code(0);
    db.assert_schema(&state_after(&committed_graph(), &HEADS), "un-renaming");
    assert_eq!(
        db.texts(
            "SELECT id || '|' || order_id || '|' || product_id || '|' || quantity AS v \
             FROM orders_lines ORDER BY id"
        ),
        lines
    );
}

/// Two branches merged: on one, `orders` was created with a foreign key to
/// `catalog.Product`; on the other, `Product` was renamed into a new table, in a migration
/// that depends on the catalog's head only (that branch had no `orders` app). Nothing conflicts
/// (different apps), so on a fresh database `migrate` may run the rename before
/// `orders.0001`. Whatever it does, it must not leave a foreign key to a table that does not
/// exist: either fail naming the problem, or create the key against the renamed table.
///
/// Regression: `migrate` used to compute each migration's SQL from the state of its own
/// ancestors (`graph.make_state(&graph.dependencies_of(key))`) rather than from the state of
/// the database at that point of the plan, so `orders.0001` still saw `Product` in
/// `catalog_products` after `catalog.0003` had renamed it and wrote
/// `REFERENCES "catalog_products"`: SQLite accepted the dangling reference, `migrate` exited
/// 0, and every insert into `orders_lines` then failed with "no such table". `migrate` now
/// works from the applied migrations plus the steps run so far, as Django's `migrate` does.
#[test]
fn merged_branches_never_leave_a_foreign_key_to_a_missing_table() {
    let ws = TempWorkspace::with_shop_example(true);
    rename_product_to_item(&ws);
    ws.write(
        "shop/catalog/migrations/0004_rename_product_item.rs",
        "// Written on a branch without the orders app.\n\n\
         use migrator_core::migration::prelude::*;\n\n\
         pub fn migration() -> Migration {\n    Migration::default()\n        \
         .dependency(\"catalog\", \"0003_tag_product_tags\")\n        \
         .operation(rename_model(\"Product\", \"Item\"))\n        \
         .operation(alter_model_table(\"Item\", \"catalog_items\"))\n}\n",
    );
    let db = Db::new(&ws, "fresh.sqlite3");
    let run = ws.migrator(&["migrate", "--database", &db.url()]);
    if run.code == Some(0) {
        let schema = db.schema();
        let dangling: Vec<String> = schema
            .tables
            .values()
            .flat_map(|t| {
                t.foreign_keys
                    .iter()
                    .filter(|fk| !schema.tables.contains_key(&fk.table))
                    .map(move |fk| format!("{}.{} -> {}", t.name, fk.column, fk.table))
            })
            .collect();
        assert_eq!(
            dangling,
            Vec::<String>::new(),
            "migrate succeeded but left foreign keys to missing tables:\n{}",
            run.stdout
        );
    } else {
        run.expect_code(2);
        assert!(
            run.stderr.contains("orders.0001_initial") && run.stderr.contains("Product"),
            "the error names the migration and the missing model: {}",
            run.stderr
        );
        assert!(
            !db.recorded().contains(&"orders.0001_initial".to_owned()),
            "{:?}",
            db.recorded()
        );
    }
}
