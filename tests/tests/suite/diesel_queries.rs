//! Issue 14.3: the shop example's application (`examples/shop/app`) queries both apps'
//! tables through the diesel schemas `makemigrations` wrote — insert, filter, a join across
//! the `orders` and `catalog` apps, products ↔ tags through the many-to-many join table,
//! update, delete (with a cascade) — on SQLite, PostgreSQL
//! and MySQL/MariaDB, built once with both server features. Each run applies the migrations
//! first and removes what it created, so a second run prints the same report.

use migrator_tests::{run_example, Run};

use crate::reliability::{Kind, TestDb};

/// Runs `shop-app` from this repository against `url`.
fn shop_app(url: &str) -> Run {
    let features = "migrator-core/postgres,migrator-core/mysql";
    run_example(&["-p", "shop-app", "--features", features], url)
}

const REPORT: &str = "Dune is tagged bestseller
Dune is tagged classic
Hyperion is tagged classic
2 products are tagged classic
order for ada@example.com is paid
  1 x Dune at 9.99
  2 x Hyperion at 12.50
  total 34.99
products over 10: Hyperion
deleted the order (0 lines left), its products (0 tag links left), their category and the tags
";

fn round(kind: Kind) {
    let db = TestDb::create(kind);
    let first = shop_app(&db.url);
    first.expect_code(0);
    assert_eq!(
        first.stdout,
        format!(
            "applied catalog.0001_initial\n\
             applied catalog.0002_alter_category_parent_id_alter_product_category_id\n\
             applied catalog.0003_tag_product_tags\n\
             applied orders.0001_initial\n\
             applied orders.0002_alter_orderline_order_id_alter_orderline_product_id\n\
             applied orders.0003_order_item_count\n\
             applied orders.0004_fill_order_item_counts\n{REPORT}"
        ),
        "{kind:?}: {}",
        first.stderr
    );
    let second = shop_app(&db.url);
    second.expect_code(0);
    assert_eq!(second.stdout, REPORT, "{kind:?}: {}", second.stderr);
}

#[test]
fn the_shop_app_queries_across_apps_on_sqlite() {
    round(Kind::Sqlite);
}

#[test]
fn the_shop_app_queries_across_apps_on_postgres() {
    round(Kind::Postgres);
}

#[test]
fn the_shop_app_queries_across_apps_on_mysql() {
    round(Kind::Mysql);
}
