//! End to end: the two-app `examples/shop` (`catalog`, and `orders` whose lines point at
//! `catalog::Product`) through the real `migrator` binary on a temporary copy: cross-app
//! dependencies written by `makemigrations`, apply order, foreign keys that exist and are
//! enforced (with their on-delete actions, defaults, the composite unique index and the check
//! constraints), unapplying an app that another app depends on, `showmigrations` and `migrate`
//! of one app, and `--fake-initial` per app.
//!
//! Renames across the two apps are in `multi_app_renames`, changes to tables that hold rows
//! (rebuilds, new columns and foreign keys) in `multi_app_rows`; both use the constants and
//! helpers here.

use migrator_core::ProjectState;
use migrator_tests::TempWorkspace;

use crate::e2e_db::{committed_graph, progress, state_after, Db};

pub const CATALOG_MODELS: &str = "shop/catalog/src/models.rs";
pub const ORDERS_MODELS: &str = "shop/orders/src/models.rs";
pub const CATALOG: &str = "catalog.0001_initial";
pub const ORDERS: &str = "orders.0001_initial";
/// The committed second migrations: written by `makemigrations` when foreign keys became
/// indexed by default (an index on each foreign-key column, as Django's `db_index=True`).
pub const CATALOG_FK_INDEXES: &str =
    "catalog.0002_alter_category_parent_id_alter_product_category_id";
pub const ORDERS_FK_INDEXES: &str =
    "orders.0002_alter_orderline_order_id_alter_orderline_product_id";
/// The committed third catalog migration: `Tag` and the join model of `Product`'s
/// many-to-many `tags` (issue 17.1).
pub const CATALOG_TAGS: &str = "catalog.0003_tag_product_tags";
/// The committed data-migration pair of orders (issue 19): a column, then the reversible step
/// that fills it (`examples/shop/orders/tests/migrations.rs` tests it both ways).
pub const ORDERS_ITEM_COUNT: &str = "orders.0003_order_item_count";
pub const ORDERS_FILL_COUNTS: &str = "orders.0004_fill_order_item_counts";
/// The committed head of both apps.
pub const HEADS: [&str; 2] = [CATALOG_TAGS, ORDERS_FILL_COUNTS];

/// Rows in every table: two categories (one inside the other), two products, an order with
/// two lines.
pub const SHOP_ROWS: &str = "
    INSERT INTO catalog_categories (id, name, parent_id) VALUES (1, 'Books', NULL), (2, 'Poetry', 1);
    INSERT INTO catalog_products (id, name, sku, category_id, price)
        VALUES (1, 'Leaves of Grass', 'LOG-1855', 2, 12.50), (2, 'Bookmark', 'BM-1', 1, 1.00);
    INSERT INTO orders_orders (id, customer_email) VALUES (1, 'walt@example.com');
    INSERT INTO orders_lines (id, order_id, product_id, quantity, unit_price)
        VALUES (1, 1, 1, 2, 12.50);
    INSERT INTO orders_lines (id, order_id, product_id, unit_price) VALUES (2, 1, 2, 1.00);
";

/// `(column, table, to_column, on_delete)` of every foreign key of `table`.
pub fn foreign_keys(db: &Db, table: &str) -> Vec<(String, String, String, String)> {
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

pub fn fk(column: &str, table: &str, on_delete: &str) -> (String, String, String, String) {
    (column.into(), table.into(), "id".into(), on_delete.into())
}

/// Asserts that the `0001_initial.rs` that `makemigrations` wrote for `app` in `ws` is the
/// committed one except that its `fk_fields` foreign-key fields say `.index()` and that it
/// also creates `later_fields`, the last fields of a model that the committed history adds
/// in later migrations, and `later_models`, models the committed history creates later.
#[track_caller]
fn assert_initial_is_committed_plus_fk_indexes(
    ws: &TempWorkspace,
    app: &str,
    fk_fields: usize,
    later_fields: &[&str],
    later_models: &[&str],
) {
    let mut fresh = ws.read(&format!("shop/{app}/migrations/0001_initial.rs"));
    for name in later_models {
        // `\n        .operation(\n            create_model("NAME"` … its closing `\n        )`.
        let start = fresh
            .find(&format!(
                "\n        .operation(\n            create_model(\"{name}\""
            ))
            .unwrap_or_else(|| {
                panic!("the fresh {app} 0001_initial creates no model `{name}`:\n{fresh}")
            });
        let close = "\n        )";
        let end = start
            + 1
            + fresh[start + 1..]
                .find(close)
                .expect("the operation closes")
            + close.len();
        fresh.replace_range(start..end, "");
    }
    for name in later_fields {
        // `\n                .field(\n                    field("NAME"` … its closing `\n                )`.
        let start = fresh
            .find(&format!(
                "\n                .field(\n                    field(\"{name}\""
            ))
            .unwrap_or_else(|| {
                panic!("the fresh {app} 0001_initial creates no `{name}`:\n{fresh}")
            });
        let close = "\n                )";
        let end =
            start + 1 + fresh[start + 1..].find(close).expect("the field closes") + close.len();
        fresh.replace_range(start..end, "");
    }
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
         + Create model Category\n    + Create model Product\n    + Create model Tag\n    \
         + Create model Product_tags\n\
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
    // (The tags and the join model of `Product.tags` came in a later migration, whose foreign
    // keys were indexed from the start.)
    assert_initial_is_committed_plus_fk_indexes(&ws, "catalog", 2, &[], &["Tag", "Product_tags"]);
    assert_initial_is_committed_plus_fk_indexes(&ws, "orders", 2, &["item_count"], &[]);
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
        [
            ORDERS_FILL_COUNTS,
            ORDERS_ITEM_COUNT,
            ORDERS_FK_INDEXES,
            ORDERS,
            CATALOG_TAGS,
            CATALOG_FK_INDEXES,
            CATALOG
        ],
        "{}",
        run.stdout
    );

    // Unapplying orders alone leaves the catalog and its rows.
    let run = ws.migrator(&["migrate", "orders", "zero", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Unapplying {ORDERS_FILL_COUNTS}... OK"),
            format!("Unapplying {ORDERS_ITEM_COUNT}... OK"),
            format!("Unapplying {ORDERS_FK_INDEXES}... OK"),
            format!("Unapplying {ORDERS}... OK")
        ]
    );
    db.assert_schema(&state_after(&graph, &[CATALOG_TAGS]), "migrate orders zero");
    assert_eq!(db.count("catalog_products"), 2);
    assert_eq!(db.recorded(), [CATALOG, CATALOG_FK_INDEXES, CATALOG_TAGS]);

    // Back up, then unapply the catalog: orders goes first (Django's order), then catalog.
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    let run = ws.migrator(&["migrate", "catalog", "zero", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Unapplying {ORDERS_FILL_COUNTS}... OK"),
            format!("Unapplying {ORDERS_ITEM_COUNT}... OK"),
            format!("Unapplying {ORDERS_FK_INDEXES}... OK"),
            format!("Unapplying {ORDERS}... OK"),
            format!("Unapplying {CATALOG_TAGS}... OK"),
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
        "catalog\n [ ] 0001_initial\n [ ] 0002_alter_category_parent_id_alter_product_category_id\n \
         [ ] 0003_tag_product_tags\norders\n [ ] 0001_initial\n [ ] 0002_alter_orderline_order_id_alter_orderline_product_id\n \
         [ ] 0003_order_item_count\n [ ] 0004_fill_order_item_counts\n"
    );

    // Applying catalog alone does not bring orders back.
    let run = ws.migrator(&["migrate", "catalog", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Applying {CATALOG}... OK"),
            format!("Applying {CATALOG_FK_INDEXES}... OK"),
            format!("Applying {CATALOG_TAGS}... OK")
        ]
    );
    db.assert_schema(&state_after(&graph, &[CATALOG_TAGS]), "migrate catalog");
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
            format!("Applying {CATALOG_FK_INDEXES}... OK"),
            format!("Applying {CATALOG_TAGS}... OK")
        ]
    );
    let run = ws.migrator(&["showmigrations", "orders", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "orders\n [ ] 0001_initial\n [ ] 0002_alter_orderline_order_id_alter_orderline_product_id\n \
         [ ] 0003_order_item_count\n [ ] 0004_fill_order_item_counts\n"
    );
    let run = ws.migrator(&["showmigrations", "catalog", "--database", &url]);
    assert_eq!(
        run.stdout,
        "catalog\n [X] 0001_initial\n [X] 0002_alter_category_parent_id_alter_product_category_id\n \
         [X] 0003_tag_product_tags\n"
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
        .expect_code(1);
    let run = ws.migrator(&["migrate", "orders", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Applying {ORDERS_ITEM_COUNT}... OK"),
            format!("Applying {ORDERS_FILL_COUNTS}... OK")
        ]
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
            format!("Applying {CATALOG_TAGS}... OK"),
            format!("Applying {ORDERS}... OK"),
            format!("Applying {ORDERS_FK_INDEXES}... OK"),
            format!("Applying {ORDERS_ITEM_COUNT}... OK"),
            format!("Applying {ORDERS_FILL_COUNTS}... OK"),
        ],
        "{}",
        run.stdout
    );
    legacy.assert_schema(&state_after(&graph, &HEADS), "--fake-initial");
    assert_eq!(legacy.count("catalog_categories"), 1);

    // Only one of the catalog's two tables: not faked; the failure records nothing.
    let partial = Db::new(&ws, "partial.sqlite3");
    let url = partial.url();
    ws.migrator(&["migrate", "catalog", "0002", "--database", &url])
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

/// Issue 20.4: a NOT NULL field added without a default to `catalog` stops
/// `makemigrations --noinput` (nobody can give the one-off default), but not
/// `makemigrations orders --noinput` or its `--dry-run`: catalog was not asked for.
#[test]
fn noinput_refusal_in_one_app_does_not_stop_another() {
    let ws = TempWorkspace::with_shop_example(true);
    ws.edit(
        CATALOG_MODELS,
        "    pub active: bool,\n}",
        "    pub active: bool,\n    /// Units in stock.\n    pub stock: i32,\n}",
    );
    ws.edit(
        ORDERS_MODELS,
        "    pub item_count: i32,\n}",
        "    pub item_count: i32,\n    /// A note.\n    pub note: Option<String>,\n}",
    );
    let all = ws.migrator(&["makemigrations", "--noinput"]);
    all.expect_code(2);
    assert!(
        all.stderr.contains("catalog.Product.stock"),
        "{}",
        all.stderr
    );

    let dry = ws.migrator(&["makemigrations", "orders", "--noinput", "--dry-run"]);
    dry.expect_code(0);
    assert!(
        dry.stdout.contains("Migrations for 'orders'"),
        "{}",
        dry.stdout
    );
    assert!(!dry.stdout.contains("catalog"), "{}", dry.stdout);

    let orders = ws.migrator(&["makemigrations", "orders", "--noinput"]);
    orders.expect_code(0);
    assert!(
        orders.stdout.contains("+ Add field note to order"),
        "{}",
        orders.stdout
    );
    assert_eq!(
        ws.files("shop/catalog/migrations").len(),
        3,
        "catalog untouched"
    );
}

/// Issue 20.5: a NOT NULL foreign key added without a default is refused under `--noinput`
/// with the foreign-key advice (a made-up one-off value would break the key): name an existing
/// row's primary key interactively, or add the field as nullable first.
#[test]
fn noinput_refuses_a_not_null_foreign_key_with_the_nullable_first_advice() {
    let ws = TempWorkspace::with_shop_example(true);
    ws.edit(
        ORDERS_MODELS,
        "    pub item_count: i32,\n}",
        "    pub item_count: i32,\n    /// The featured product.\n    \
         #[model(foreign_key = catalog::Product, on_delete = \"restrict\")]\n    \
         pub featured_id: i64,\n}",
    );
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(2);
    for needle in [
        "non-nullable foreign key `orders.Order.featured_id`",
        "existing `catalog.Product` row",
        "nullable (`Option<T>`) first",
    ] {
        assert!(run.stderr.contains(needle), "{needle}:\n{}", run.stderr);
    }
    assert_eq!(
        ws.files("shop/orders/migrations").len(),
        4,
        "nothing written"
    );
}
