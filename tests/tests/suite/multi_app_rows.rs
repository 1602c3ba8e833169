//! End to end on a temporary copy of `examples/shop` through the real `migrator` binary:
//! schema changes to tables that hold rows keep the rows and the foreign keys — rebuilding a
//! referenced table and a referencing one, rebuilding a self-referencing table, a NOT NULL
//! foreign key added with a one-off default (checked before commit), and columns SQLite's
//! `ALTER TABLE ADD COLUMN` cannot add on its own. The shop's constants and helpers are
//! `multi_app`'s.

use migrator_core::{ColumnType, DefaultValue, FieldState, OnDelete};
use migrator_tests::TempWorkspace;

use crate::e2e_db::{committed_graph, progress, state_after, Db};
use crate::multi_app::{
    fk, foreign_keys, CATALOG, CATALOG_FK_INDEXES, CATALOG_MODELS, CATALOG_TAGS, HEADS, ORDERS,
    ORDERS_FILL_COUNTS, ORDERS_FK_INDEXES, ORDERS_ITEM_COUNT, ORDERS_MODELS, SHOP_ROWS,
};

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
    let run = ws.migrator(&["migrate", "catalog", "0003", "--database", &url]);
    run.expect_code(0);
    let run2 = ws.migrator(&["migrate", "orders", "0004", "--database", &url]);
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

    ws.migrator(&["migrate", "catalog", "0003", "--database", &url])
        .expect_code(0);
    db.assert_schema(&state_after(&graph, &HEADS), "and back");
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
    let run = ws.migrator_with_input(&["makemigrations", "--interactive"], "1\n99\n");
    run.expect_code(0);
    let third = ws.files("shop/catalog/migrations")[3].clone();

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
        [
            CATALOG,
            CATALOG_FK_INDEXES,
            CATALOG_TAGS,
            ORDERS,
            ORDERS_FK_INDEXES,
            ORDERS_ITEM_COUNT,
            ORDERS_FILL_COUNTS
        ]
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

    ws.migrator(&["migrate", "orders", "0004", "--database", &url])
        .expect_code(0);
    db.assert_schema(
        &state_after(&committed_graph(), &HEADS),
        "removing them again",
    );
    assert_eq!(shop_rows(&db, "catalog_products"), rows);
}
