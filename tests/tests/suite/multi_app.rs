//! End to end: the two-app `examples/shop` (`catalog`, and `orders` whose lines point at
//! `catalog::Product`) through the real `migrator` binary on a temporary copy: cross-app
//! dependencies written by `makemigrations`, apply order, foreign keys that exist and are
//! enforced (with their on-delete actions, defaults, the composite unique index and the check
//! constraints), unapplying an app that another app depends on, and renaming a model that
//! another app's foreign key points at.

use migrator_core::migration::prelude::{alter_model_table, rename_model};
use migrator_core::{ColumnType, DefaultValue, FieldState, OnDelete, Operation, ProjectState};
use migrator_tests::TempWorkspace;

use crate::e2e_db::{committed_graph, progress, state_after, Db};

const CATALOG_MODELS: &str = "shop/catalog/src/models.rs";
const ORDERS_MODELS: &str = "shop/orders/src/models.rs";
const CATALOG: &str = "catalog.0001_initial";
const ORDERS: &str = "orders.0001_initial";
/// The committed second migrations: written by `makemigrations` when foreign keys became
/// indexed by default (an index on each foreign-key column, as Django's `db_index=True`).
const CATALOG_FK_INDEXES: &str = "catalog.0002_alter_category_parent_id_alter_product_category_id";
const ORDERS_FK_INDEXES: &str = "orders.0002_alter_orderline_order_id_alter_orderline_product_id";
/// The committed head of both apps.
const HEADS: [&str; 2] = [CATALOG_FK_INDEXES, ORDERS_FK_INDEXES];

/// Rows in every table: two categories (one inside the other), two products, an order with
/// two lines.
const SHOP_ROWS: &str = "
    INSERT INTO catalog_categories (id, name, parent_id) VALUES (1, 'Books', NULL), (2, 'Poetry', 1);
    INSERT INTO catalog_products (id, name, sku, category_id, price)
        VALUES (1, 'Leaves of Grass', 'LOG-1855', 2, 12.50), (2, 'Bookmark', 'BM-1', 1, 1.00);
    INSERT INTO orders_orders (id, customer_email) VALUES (1, 'walt@example.com');
    INSERT INTO orders_lines (id, order_id, product_id, quantity, unit_price)
        VALUES (1, 1, 1, 2, 12.50);
    INSERT INTO orders_lines (id, order_id, product_id, unit_price) VALUES (2, 1, 2, 1.00);
";

/// `(column, table, to_column, on_delete)` of every foreign key of `table`.
fn foreign_keys(db: &Db, table: &str) -> Vec<(String, String, String, String)> {
    db.schema()
        .tables
        .get(table)
        .unwrap_or_else(|| panic!("table {table} missing"))
        .foreign_keys
        .iter()
        .map(|fk| {
            (
                fk.column.clone(),
                fk.table.clone(),
                fk.to_column.clone(),
                fk.on_delete.clone(),
            )
        })
        .collect()
}

fn fk(column: &str, table: &str, on_delete: &str) -> (String, String, String, String) {
    (column.into(), table.into(), "id".into(), on_delete.into())
}

/// Asserts that the `0001_initial.rs` that `makemigrations` wrote for `app` in `ws` is the
/// committed one except that its `fk_fields` foreign-key fields say `.index()`.
#[track_caller]
fn assert_initial_is_committed_plus_fk_indexes(ws: &TempWorkspace, app: &str, fk_fields: usize) {
    let fresh = ws.read(&format!("shop/{app}/migrations/0001_initial.rs"));
    let committed_path = format!("examples/shop/{app}/migrations/0001_initial.rs");
    let committed = std::fs::read_to_string(migrator_tests::repo_root().join(&committed_path))
        .unwrap_or_else(|e| panic!("read {committed_path}: {e}"));
    let indexed_fk = ".index()\n                        .foreign_key(";
    assert_eq!(fresh.matches(indexed_fk).count(), fk_fields, "{fresh}");
    assert_eq!(
        fresh.replace(indexed_fk, ".foreign_key("),
        committed,
        "the fresh {app} 0001_initial differs from {committed_path} in more than the \
         foreign-key indexes"
    );
}

#[test]
fn makemigrations_orders_depends_on_catalog_and_migrate_applies_catalog_first() {
    let graph = committed_graph();
    let ws = TempWorkspace::with_shop_example(false);
    let db = Db::new(&ws, "shop.sqlite3");
    let url = db.url();

    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "Migrations for 'catalog':\n  shop/catalog/migrations/0001_initial.rs\n    \
         + Create model Category\n    + Create model Product\n\
         Migrations for 'orders':\n  shop/orders/migrations/0001_initial.rs\n    \
         + Create model Order\n    + Create model OrderLine\n"
    );
    let orders = ws.read("shop/orders/migrations/0001_initial.rs");
    assert!(
        orders.contains(".dependency(\"catalog\", \"0001_initial\")"),
        "{orders}"
    );
    assert!(
        !ws.read("shop/catalog/migrations/0001_initial.rs")
            .contains(".dependency("),
        "catalog depends on nothing"
    );
    // A fresh initial migration is the committed one with the foreign keys indexed from the
    // start (the committed history adds those indexes in its 0002s).
    assert_initial_is_committed_plus_fk_indexes(&ws, "catalog", 2);
    assert_initial_is_committed_plus_fk_indexes(&ws, "orders", 2);
    ws.migrator(&["makemigrations", "--check"]).expect_code(0);

    // Asking for orders alone still applies catalog first.
    let run = ws.migrator(&["migrate", "orders", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Applying {CATALOG}... OK"),
            format!("Applying {ORDERS}... OK")
        ],
        "{}",
        run.stdout
    );
    let run = ws.migrator(&["showmigrations", "--database", &url]);
    assert_eq!(
        run.stdout,
        "catalog\n [X] 0001_initial\norders\n [X] 0001_initial\n"
    );
    let run = ws.migrator(&["showmigrations", "--plan", "--database", &url]);
    assert_eq!(run.stdout, format!("[X]  {CATALOG}\n[X]  {ORDERS}\n"));
    db.assert_schema(&state_after(&graph, &HEADS), "migrate orders");

    // The foreign keys exist, pointing at the right tables with their on-delete actions.
    assert_eq!(
        foreign_keys(&db, "orders_lines"),
        [
            fk("order_id", "orders_orders", "CASCADE"),
            fk("product_id", "catalog_products", "RESTRICT"),
        ]
    );
    assert_eq!(
        foreign_keys(&db, "catalog_products"),
        [fk("category_id", "catalog_categories", "RESTRICT")]
    );
    assert_eq!(
        foreign_keys(&db, "catalog_categories"),
        [fk("parent_id", "catalog_categories", "SET NULL")]
    );

    // ... and are enforced.
    db.exec_ok(SHOP_ROWS);
    let err = db
        .exec("INSERT INTO orders_lines (order_id, product_id, unit_price) VALUES (1, 999, 1.00)")
        .expect_err("a line for a missing product");
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    let err = db
        .exec("INSERT INTO orders_lines (order_id, product_id, unit_price) VALUES (999, 1, 1.00)")
        .expect_err("a line for a missing order");
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    let err = db
        .exec("DELETE FROM catalog_products WHERE id = 1")
        .expect_err("RESTRICT: a product on an order");
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    let err = db
        .exec("DELETE FROM catalog_categories WHERE id = 2")
        .expect_err("RESTRICT: a category with products");
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");

    // The composite unique index and the check constraints.
    let err = db
        .exec("INSERT INTO orders_lines (order_id, product_id, unit_price) VALUES (1, 1, 1.00)")
        .expect_err("the same product twice on one order");
    assert!(err.to_string().contains("UNIQUE"), "{err}");
    let err = db
        .exec("INSERT INTO orders_orders (id, customer_email) VALUES (2, 'b@example.com');
               INSERT INTO orders_lines (order_id, product_id, quantity, unit_price) VALUES (2, 1, 0, 1.00)")
        .expect_err("quantity 0");
    assert!(
        err.to_string().contains("orders_lines_quantity_positive"),
        "{err}"
    );
    let err = db
        .exec(
            "INSERT INTO catalog_products (name, sku, category_id, price) VALUES ('x', 'X', 1, -1)",
        )
        .expect_err("negative price");
    assert!(
        err.to_string()
            .contains("catalog_products_price_not_negative"),
        "{err}"
    );
    let err = db
        .exec("INSERT INTO catalog_products (name, sku, category_id, price) VALUES ('x', 'LOG-1855', 1, 1)")
        .expect_err("duplicate sku");
    assert!(err.to_string().contains("UNIQUE"), "{err}");

    // Defaults: status, created_at (CURRENT_TIMESTAMP), quantity, active.
    assert_eq!(
        db.texts(
            "SELECT status || '|' || (created_at IS NOT NULL) AS v FROM orders_orders WHERE id = 1"
        ),
        ["pending|1"]
    );
    assert_eq!(
        db.texts("SELECT quantity AS v FROM orders_lines ORDER BY id"),
        ["2", "1"]
    );
    assert_eq!(
        db.texts("SELECT active AS v FROM catalog_products ORDER BY id"),
        ["1", "1"]
    );

    // CASCADE and SET NULL.
    db.exec_ok("DELETE FROM orders_orders WHERE id = 1");
    assert_eq!(
        db.count("orders_lines"),
        0,
        "lines cascade with their order"
    );
    db.exec_ok("DELETE FROM catalog_products WHERE category_id = 1");
    db.exec_ok("DELETE FROM catalog_categories WHERE id = 1");
    assert_eq!(
        db.column("SELECT parent_id AS v FROM catalog_categories"),
        [None],
        "the child category moved to the top level"
    );
}

#[test]
fn unapplying_catalog_first_unapplies_the_orders_that_depend_on_it() {
    let graph = committed_graph();
    let ws = TempWorkspace::with_shop_example(true);
    let db = Db::new(&ws, "shop.sqlite3");
    let url = db.url();
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.exec_ok(SHOP_ROWS);

    // The plan says so before anything happens: orders first (Django's order), then catalog.
    let run = ws.migrator(&["migrate", "catalog", "zero", "--plan", "--database", &url]);
    run.expect_code(0);
    assert!(
        run.stdout.starts_with("Planned operations:\n"),
        "{}",
        run.stdout
    );
    let planned: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_suffix(" (unapply)"))
        .collect();
    assert_eq!(
        planned,
        [ORDERS_FK_INDEXES, ORDERS, CATALOG_FK_INDEXES, CATALOG],
        "{}",
        run.stdout
    );

    // Unapplying orders alone leaves the catalog and its rows.
    let run = ws.migrator(&["migrate", "orders", "zero", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Unapplying {ORDERS_FK_INDEXES}... OK"),
            format!("Unapplying {ORDERS}... OK")
        ]
    );
    db.assert_schema(
        &state_after(&graph, &[CATALOG_FK_INDEXES]),
        "migrate orders zero",
    );
    assert_eq!(db.count("catalog_products"), 2);
    assert_eq!(db.recorded(), [CATALOG, CATALOG_FK_INDEXES]);

    // Back up, then unapply the catalog: orders goes first (Django's order), then catalog.
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    let run = ws.migrator(&["migrate", "catalog", "zero", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Unapplying {ORDERS_FK_INDEXES}... OK"),
            format!("Unapplying {ORDERS}... OK"),
            format!("Unapplying {CATALOG_FK_INDEXES}... OK"),
            format!("Unapplying {CATALOG}... OK")
        ],
        "{}",
        run.stdout
    );
    db.assert_schema(&ProjectState::new(), "migrate catalog zero");
    assert_eq!(db.tables(), ["migrator_migrations"]);
    assert_eq!(db.recorded(), Vec::<String>::new());
    let run = ws.migrator(&["showmigrations", "--database", &url]);
    assert_eq!(
        run.stdout,
        "catalog\n [ ] 0001_initial\n [ ] 0002_alter_category_parent_id_alter_product_category_id\n\
         orders\n [ ] 0001_initial\n [ ] 0002_alter_orderline_order_id_alter_orderline_product_id\n"
    );

    // Applying catalog alone does not bring orders back.
    let run = ws.migrator(&["migrate", "catalog", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Applying {CATALOG}... OK"),
            format!("Applying {CATALOG_FK_INDEXES}... OK")
        ]
    );
    db.assert_schema(
        &state_after(&graph, &[CATALOG_FK_INDEXES]),
        "migrate catalog",
    );
}

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

/// The committed head with `Product` renamed to `Item` in `catalog_items`, evolved by hand.
fn renamed_state() -> ProjectState {
    let mut state = state_after(&committed_graph(), &HEADS);
    for op in [
        rename_model("Product", "Item"),
        alter_model_table("Item", "catalog_items"),
    ] {
        Operation::state_forwards(&op, "catalog", &mut state).expect("state");
    }
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
    assert_eq!(files.len(), 3, "{files:?}");
    format!("catalog.{}", files[2].trim_end_matches(".rs"))
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
    let run = ws.migrator(&["migrate", "catalog", "0002", "--database", &url]);
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
/// SQL is computed from the state of its own ancestors. Every insert into `orders_lines`
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

/// Every row of the shop, one text per row, table by table.
fn shop_rows(db: &Db, products: &str) -> Vec<String> {
    let mut out = db.texts(
        "SELECT 'category|' || id || '|' || name || '|' || coalesce(parent_id, '-') AS v \
         FROM catalog_categories ORDER BY id",
    );
    out.extend(db.texts(&format!(
        "SELECT 'product|' || id || '|' || name || '|' || sku || '|' || category_id || '|' \
         || price || '|' || active AS v FROM {products} ORDER BY id"
    )));
    out.extend(db.texts(
        "SELECT 'order|' || id || '|' || customer_email || '|' || status || '|' \
         || created_at AS v FROM orders_orders ORDER BY id",
    ));
    out.extend(db.texts(
        "SELECT 'line|' || id || '|' || order_id || '|' || product_id || '|' || quantity \
         || '|' || unit_price AS v FROM orders_lines ORDER BY id",
    ));
    out
}

#[test]
fn rebuilding_a_referenced_table_and_a_referencing_one_keeps_rows_and_keys() {
    let graph = committed_graph();
    let ws = TempWorkspace::with_shop_example(true);
    let db = Db::new(&ws, "shop.sqlite3");
    let url = db.url();
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.exec_ok(SHOP_ROWS);
    let rows = shop_rows(&db, "catalog_products");
    assert_eq!(rows.len(), 7, "{rows:?}");

    // catalog: a longer product name and a wider price (a rebuild of the table orders_lines
    // points at); orders: the line's product key now cascades (a rebuild of orders_lines).
    ws.edit(
        CATALOG_MODELS,
        "    #[model(max_length = 200)]\n    pub name: String,",
        "    #[model(max_length = 250)]\n    pub name: String,",
    );
    ws.edit(
        CATALOG_MODELS,
        "#[model(precision = 10, scale = 2)]\n    pub price: Decimal,",
        "#[model(precision = 12, scale = 2)]\n    pub price: Decimal,",
    );
    ws.edit(
        ORDERS_MODELS,
        "foreign_key = catalog::Product, on_delete = \"restrict\"",
        "foreign_key = catalog::Product, on_delete = \"cascade\"",
    );
    // orders_orders too, with its defaults ('pending', CURRENT_TIMESTAMP) to keep.
    ws.edit(
        ORDERS_MODELS,
        "#[model(max_length = 254, index)]",
        "#[model(max_length = 320, index)]",
    );
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("~ Alter field name on product")
            && run.stdout.contains("~ Alter field price on product")
            && run.stdout.contains("~ Alter field product_id on orderline"),
        "{}",
        run.stdout
    );
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert_eq!(progress(&run.stdout).len(), 2, "{}", run.stdout);

    let mut expected = state_after(&graph, &HEADS);
    let product = expected.model_mut("catalog", "Product").expect("Product");
    product.field_mut("name").expect("name").column_type = ColumnType::Varchar(250);
    product.field_mut("price").expect("price").column_type = ColumnType::Decimal {
        precision: 12,
        scale: 2,
    };
    expected
        .model_mut("orders", "OrderLine")
        .expect("OrderLine")
        .field_mut("product_id")
        .expect("product_id")
        .foreign_key
        .as_mut()
        .expect("a foreign key")
        .on_delete = OnDelete::Cascade;
    expected
        .model_mut("orders", "Order")
        .expect("Order")
        .field_mut("customer_email")
        .expect("customer_email")
        .column_type = ColumnType::Varchar(320);
    db.assert_schema(&expected, "the rebuilds");
    db.exec_ok("INSERT INTO orders_orders (id, customer_email) VALUES (7, 'late@example.com')");
    assert_eq!(
        db.texts(
            "SELECT status || '|' || (created_at IS NOT NULL) AS v FROM orders_orders WHERE id = 7"
        ),
        ["pending|1"],
        "the defaults survived the rebuild"
    );
    db.exec_ok("DELETE FROM orders_orders WHERE id = 7");
    assert_eq!(shop_rows(&db, "catalog_products"), rows);
    assert_eq!(
        db.column("SELECT 1 AS v FROM pragma_foreign_key_check"),
        Vec::<Option<String>>::new(),
        "foreign key violations after the rebuilds"
    );
    let err = db
        .exec("INSERT INTO orders_lines (order_id, product_id, unit_price) VALUES (1, 999, 1.00)")
        .expect_err("still enforced");
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");

    // And back: the same rows, the committed schema.
    let run = ws.migrator(&["migrate", "catalog", "0002", "--database", &url]);
    run.expect_code(0);
    let run2 = ws.migrator(&["migrate", "orders", "0002", "--database", &url]);
    run2.expect_code(0);
    assert_eq!(
        progress(&run.stdout).len() + progress(&run2.stdout).len(),
        2,
        "{}{}",
        run.stdout,
        run2.stdout
    );
    db.assert_schema(&state_after(&graph, &HEADS), "undoing the rebuilds");
    assert_eq!(shop_rows(&db, "catalog_products"), rows);

    // The cascade is gone again: a product on an order cannot be deleted.
    db.exec("DELETE FROM catalog_products WHERE id = 1")
        .expect_err("RESTRICT again");
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.exec_ok("DELETE FROM catalog_products WHERE id = 1");
    assert_eq!(
        db.texts("SELECT product_id AS v FROM orders_lines"),
        ["2"],
        "the line of product 1 cascaded"
    );
}

#[test]
fn showmigrations_and_migrate_accept_one_app() {
    let ws = TempWorkspace::with_shop_example(true);
    let db = Db::new(&ws, "shop.sqlite3");
    let url = db.url();
    let run = ws.migrator(&["migrate", "catalog", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Applying {CATALOG}... OK"),
            format!("Applying {CATALOG_FK_INDEXES}... OK")
        ]
    );
    let run = ws.migrator(&["showmigrations", "orders", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "orders\n [ ] 0001_initial\n [ ] 0002_alter_orderline_order_id_alter_orderline_product_id\n"
    );
    let run = ws.migrator(&["showmigrations", "catalog", "--database", &url]);
    assert_eq!(
        run.stdout,
        "catalog\n [X] 0001_initial\n [X] 0002_alter_category_parent_id_alter_product_category_id\n"
    );
    ws.migrator(&["migrate", "--check", "--database", &url])
        .expect_code(1);
    let run = ws.migrator(&["migrate", "orders", "0001", "--database", &url]);
    run.expect_code(0);
    assert_eq!(progress(&run.stdout), [format!("Applying {ORDERS}... OK")]);
    ws.migrator(&["migrate", "--check", "--database", &url])
        .expect_code(1);
    let run = ws.migrator(&["migrate", "orders", "0002", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [format!("Applying {ORDERS_FK_INDEXES}... OK")]
    );
    ws.migrator(&["migrate", "--check", "--database", &url])
        .expect_code(0);
    db.assert_schema(&state_after(&committed_graph(), &HEADS), "app by app");

    // A model change in orders only: the reminder names orders, not catalog.
    ws.edit(
        ORDERS_MODELS,
        "    /// When the order was placed (set by the database).",
        "    /// A note from the customer.\n    pub note: Option<String>,\n    \
         /// When the order was placed (set by the database).",
    );
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("your models in app(s) 'orders' have changes"),
        "{}",
        run.stderr
    );
}

/// A self-referencing table (categories, pointed at by products too) rebuilt with rows whose
/// parent keys point into the same table.
#[test]
fn rebuilding_a_self_referencing_table_keeps_its_tree() {
    let graph = committed_graph();
    let ws = TempWorkspace::with_shop_example(true);
    let db = Db::new(&ws, "shop.sqlite3");
    let url = db.url();
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.exec_ok(SHOP_ROWS);
    let rows = shop_rows(&db, "catalog_products");

    ws.edit(
        CATALOG_MODELS,
        "#[model(max_length = 100, unique)]",
        "#[model(max_length = 120, unique)]",
    );
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("~ Alter field name on category"),
        "{}",
        run.stdout
    );
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    let mut expected = state_after(&graph, &HEADS);
    expected
        .model_mut("catalog", "Category")
        .expect("Category")
        .field_mut("name")
        .expect("name")
        .column_type = ColumnType::Varchar(120);
    db.assert_schema(&expected, "rebuilding catalog_categories");
    assert_eq!(
        foreign_keys(&db, "catalog_categories"),
        [fk("parent_id", "catalog_categories", "SET NULL")]
    );
    assert_eq!(shop_rows(&db, "catalog_products"), rows);
    assert_eq!(
        db.column("SELECT 1 AS v FROM pragma_foreign_key_check"),
        Vec::<Option<String>>::new()
    );
    // The tree still works: a missing parent is refused, deleting a parent orphans its child.
    db.exec("INSERT INTO catalog_categories (name, parent_id) VALUES ('x', 99)")
        .expect_err("a missing parent");
    db.exec_ok(
        "DELETE FROM orders_orders; DELETE FROM catalog_products; \
         DELETE FROM catalog_categories WHERE id = 1",
    );
    assert_eq!(
        db.column("SELECT parent_id AS v FROM catalog_categories"),
        [None]
    );

    ws.migrator(&["migrate", "catalog", "0002", "--database", &url])
        .expect_code(0);
    db.assert_schema(&state_after(&graph, &HEADS), "and back");
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

    // Backwards: the original names, the same rows.
    ws.migrator(&["migrate", "orders", "0002", "--database", &url])
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
        "shop/catalog/migrations/0003_rename_product_item.rs",
        "// Written on a branch without the orders app.\n\n\
         use migrator_core::migration::prelude::*;\n\n\
         pub fn migration() -> Migration {\n    Migration::default()\n        \
         .dependency(\"catalog\", \"0002_alter_category_parent_id_alter_product_category_id\")\n        \
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

/// `--fake-initial` per app: the catalog's tables exist already (made before adopting
/// migrator), the orders' do not. Only the catalog's initial migration is faked; with just
/// one of its two tables present it is not faked, and applying it fails cleanly.
#[test]
fn fake_initial_fakes_only_the_apps_whose_tables_all_exist() {
    let graph = committed_graph();
    let ws = TempWorkspace::with_shop_example(true);
    let legacy = Db::new(&ws, "legacy.sqlite3");
    let url = legacy.url();
    // The legacy tables are those of the initial migration (no foreign-key indexes yet).
    ws.migrator(&["migrate", "catalog", "0001", "--database", &url])
        .expect_code(0);
    legacy.exec_ok(
        "INSERT INTO catalog_categories (id, name) VALUES (1, 'Books');
         DELETE FROM migrator_migrations;",
    );
    let run = ws.migrator(&["migrate", "--fake-initial", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Applying {CATALOG}... FAKED (initial: its tables exist)"),
            format!("Applying {CATALOG_FK_INDEXES}... OK"),
            format!("Applying {ORDERS}... OK"),
            format!("Applying {ORDERS_FK_INDEXES}... OK"),
        ],
        "{}",
        run.stdout
    );
    legacy.assert_schema(&state_after(&graph, &HEADS), "--fake-initial");
    assert_eq!(legacy.count("catalog_categories"), 1);

    // Only one of the catalog's two tables: not faked; the failure records nothing.
    let partial = Db::new(&ws, "partial.sqlite3");
    let url = partial.url();
    ws.migrator(&["migrate", "catalog", "--database", &url])
        .expect_code(0);
    partial.exec_ok("DROP TABLE catalog_products; DELETE FROM migrator_migrations;");
    let run = ws.migrator(&["migrate", "--fake-initial", "--database", &url]);
    run.expect_code(2);
    assert!(run.stderr.contains(CATALOG), "{}", run.stderr);
    assert_eq!(partial.recorded(), Vec::<String>::new());
    assert_eq!(
        partial.schema().tables.keys().collect::<Vec<_>>(),
        ["catalog_categories"],
        "the failed migration left its other table behind"
    );
}

/// A NOT NULL foreign key added to a table with rows, with a one-off default typed at the
/// prompt: a default that points at no row is refused (checked before commit, nothing
/// applied); one that points at an existing row is applied to every row.
#[test]
fn a_not_null_foreign_key_added_to_rows_is_checked_before_commit() {
    let ws = TempWorkspace::with_shop_example(true);
    let db = Db::new(&ws, "shop.sqlite3");
    let url = db.url();
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.exec_ok(SHOP_ROWS);
    let rows = shop_rows(&db, "catalog_products");
    ws.edit(
        CATALOG_MODELS,
        "    /// Whether the product is for sale.",
        "    /// Where the product is also listed.\n    \
         #[model(foreign_key = Category, on_delete = \"cascade\")]\n    \
         pub also_in_id: i64,\n    /// Whether the product is for sale.",
    );
    let run = ws.migrator_with_input(&["makemigrations"], "1\n99\n");
    run.expect_code(0);
    let third = ws.files("shop/catalog/migrations")[2].clone();

    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(2);
    assert!(
        run.stderr.contains(third.trim_end_matches(".rs"))
            && run.stderr.to_lowercase().contains("foreign key"),
        "{}",
        run.stderr
    );
    assert_eq!(
        db.recorded(),
        [CATALOG, CATALOG_FK_INDEXES, ORDERS, ORDERS_FK_INDEXES]
    );
    db.assert_schema(
        &state_after(&committed_graph(), &HEADS),
        "a refused foreign key default",
    );
    assert_eq!(shop_rows(&db, "catalog_products"), rows);

    // The same migration with a default that exists.
    let path = format!("shop/catalog/migrations/{third}");
    let text = ws.read(&path);
    assert!(text.contains("DefaultValue::Int(99)"), "{text}");
    ws.write(
        &path,
        &text.replace("DefaultValue::Int(99)", "DefaultValue::Int(2)"),
    );
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        db.texts("SELECT also_in_id AS v FROM catalog_products ORDER BY id"),
        ["2", "2"]
    );
    assert_eq!(
        foreign_keys(&db, "catalog_products"),
        [
            fk("also_in_id", "catalog_categories", "CASCADE"),
            fk("category_id", "catalog_categories", "RESTRICT"),
        ]
    );
    assert_eq!(shop_rows(&db, "catalog_products"), rows);
}

/// Columns SQLite's `ALTER TABLE ADD COLUMN` refuses on its own — a non-constant default
/// (`CURRENT_TIMESTAMP`) and a `UNIQUE` column — added to a table that has rows.
#[test]
fn adding_columns_alter_table_cannot_add_directly_to_a_table_with_rows() {
    let ws = TempWorkspace::with_shop_example(true);
    let db = Db::new(&ws, "shop.sqlite3");
    let url = db.url();
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.exec_ok(SHOP_ROWS);
    db.exec_ok("INSERT INTO orders_orders (id, customer_email) VALUES (2, 'b@example.com')");
    let rows = shop_rows(&db, "catalog_products");
    ws.edit(
        ORDERS_MODELS,
        "    /// When the order was placed (set by the database).",
        "    /// When the order last changed.\n    \
         #[model(default_sql = \"CURRENT_TIMESTAMP\")]\n    \
         pub updated_at: chrono::NaiveDateTime,\n    \
         /// The payment provider's reference, once paid.\n    \
         #[model(max_length = 40, unique)]\n    \
         pub payment_ref: Option<String>,\n    \
         /// When the order was placed (set by the database).",
    );
    ws.migrator(&["makemigrations", "--noinput"]).expect_code(0);
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);

    let mut expected = state_after(&committed_graph(), &HEADS);
    let order = expected.model_mut("orders", "Order").expect("Order");
    order.fields.push(
        FieldState::new("updated_at", ColumnType::Timestamp)
            .default(DefaultValue::Sql("CURRENT_TIMESTAMP".into())),
    );
    order.fields.push(
        FieldState::new("payment_ref", ColumnType::Varchar(40))
            .nullable()
            .unique(),
    );
    db.assert_schema(&expected, "adding a CURRENT_TIMESTAMP and a UNIQUE column");
    assert_eq!(shop_rows(&db, "catalog_products"), rows);
    assert_eq!(
        db.texts(
            "SELECT id || '|' || (updated_at IS NOT NULL) || '|' || coalesce(payment_ref, '-') AS v \
             FROM orders_orders ORDER BY id"
        ),
        ["1|1|-", "2|1|-"]
    );
    db.exec_ok("UPDATE orders_orders SET payment_ref = 'PAY-1' WHERE id = 1");
    db.exec("UPDATE orders_orders SET payment_ref = 'PAY-1' WHERE id = 2")
        .expect_err("payment_ref is unique");

    ws.migrator(&["migrate", "orders", "0002", "--database", &url])
        .expect_code(0);
    db.assert_schema(
        &state_after(&committed_graph(), &HEADS),
        "removing them again",
    );
    assert_eq!(shop_rows(&db, "catalog_products"), rows);
}
