//! Unit tests of `inspectdb` on the server backends, without a server: a PostgreSQL and a
//! MySQL/MariaDB table built by hand the way their readers report them, the generated source
//! compared as text and the flags as sentences. Each case needs its backend's cargo feature.

#[cfg(feature = "mysql")]
use super::tests::body;
use super::tests::{flags, live, run, Table};
use crate::backend::Backend;
#[cfg(feature = "mysql")]
use crate::db_schema::ColumnCheck;
use crate::db_schema::{ColumnDetails, ColumnSchema, LiveSchema};

/// One PostgreSQL table as its reader reports it: a SERIAL key, a self-reference, defaults
/// with casts, `now()`, JSONB, UUID, an array, a unique constraint, a check, comments.
#[cfg(feature = "postgres")]
fn postgres_orders() -> LiveSchema {
    let default = |c: &mut ColumnSchema, d: &mut ColumnDetails, normalized: &str, raw: &str| {
        c.default = Some(normalized.into());
        d.default = Some(raw.into());
    };
    let orders = Table::new("orders")
        .col_with("id", "INTEGER", "integer", |c, d| {
            default(
                c,
                d,
                "nextval('orders_id_seq'::regclass)",
                "nextval('orders_id_seq'::regclass)",
            );
            d.sequence_default = true;
        })
        .col_with("parent_id", "INTEGER", "integer", |c, _| c.nullable = true)
        .col_with("status", "VARCHAR(20)", "character varying(20)", |c, d| {
            default(c, d, "'open'", "'open'::character varying");
            d.comment = Some("Where the order is.".into());
        })
        .col_with("total", "NUMERIC(10, 2)", "numeric(10,2)", |c, d| {
            default(c, d, "0", "0");
        })
        .col_with(
            "placed",
            "TIMESTAMPTZ",
            "timestamp with time zone",
            |c, d| {
                default(c, d, "current_timestamp", "now()");
            },
        )
        .col_with("paid", "BOOLEAN", "boolean", |c, d| {
            default(c, d, "false", "false")
        })
        .col_with("data", "JSONB", "jsonb", |c, _| c.nullable = true)
        .col_with("ref", "UUID", "uuid", |c, _| c.nullable = true)
        .col_with("tags", "TEXT[]", "text[]", |c, _| c.nullable = true)
        .pk(&["id"])
        .unique(Some("orders_ref_key"), &["ref"])
        .check(
            Some("orders_total_check"),
            "total>=0",
            "total >= (0)::numeric",
        )
        .fk(
            "parent_id",
            "orders",
            "id",
            "SET NULL",
            Some("orders_parent_id_fkey"),
        )
        .comment("Orders, one per checkout.");
    live(vec![orders])
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_source_is_exact() {
    let i = run(&postgres_orders(), Backend::Postgres);
    assert_eq!(
        flags(&i),
        [
            "orders: the UNIQUE constraint `orders_ref_key` (ref) is declared as the unique \
             index `orders_ref_key`: migrator keeps uniqueness as unique indexes, so a later \
             migration that drops or renames it fails on this database; to adopt it exactly, \
             replace the constraint by a unique index `orders_ref_key` on the same columns",
            "orders.id: numbered by a sequence default (nextval('orders_id_seq'::regclass)), \
             which the model declares as an auto-increment key: a table migrator creates gets \
             an identity column instead; both number new rows",
            "orders.parent_id: the database names this foreign key `orders_parent_id_fkey`, \
             migrator names it `orders_parent_id_fk_orders`: a later migration that changes or \
             removes it looks for `orders_parent_id_fk_orders`, so rename the constraint first",
            "orders.tags: no column type of migrator's is spelled `text[]` on this database: the \
             field keeps the type with `db_type` (its Rust type is a guess for your own code)",
        ]
    );
    assert_eq!(
        i.source,
        r#"// Models for the tables of a PostgreSQL database, written by `migrator inspectdb`.
//
// Each `// inspectdb:` comment marks what the models do not say exactly as the
// database has it: read them first. Then `migrator makemigrations` writes the initial
// migration, and `migrator migrate --fake-initial` records it as applied without
// touching the tables (see docs/coming-from-diesel.md in migrator's repository).
// The field types need these crates in the app's [dependencies]:
// chrono, rust_decimal, serde_json, uuid.

use migrator_core::Model;

// inspectdb: the UNIQUE constraint `orders_ref_key` (ref) is declared as the unique index
//   `orders_ref_key`: migrator keeps uniqueness as unique indexes, so a later migration that drops
//   or renames it fails on this database; to adopt it exactly, replace the constraint by a unique
//   index `orders_ref_key` on the same columns
/// Orders, one per checkout.
#[derive(Model)]
#[model(
    table = "orders",
    index(name = "orders_ref_key", fields = ["ref"], unique),
    check(name = "orders_total_check", sql = "total >= (0)::numeric")
)]
pub struct Orders {
    // inspectdb: numbered by a sequence default (nextval('orders_id_seq'::regclass)), which the
    //   model declares as an auto-increment key: a table migrator creates gets an identity column
    //   instead; both number new rows
    pub id: i32,
    // inspectdb: the database names this foreign key `orders_parent_id_fkey`, migrator names it
    //   `orders_parent_id_fk_orders`: a later migration that changes or removes it looks for
    //   `orders_parent_id_fk_orders`, so rename the constraint first
    #[model(index = false, foreign_key = Orders, on_delete = "set_null")]
    pub parent_id: Option<i32>,
    /// Where the order is.
    #[model(max_length = 20, default = "open")]
    pub status: String,
    #[model(precision = 10, scale = 2, default = 0)]
    pub total: rust_decimal::Decimal,
    #[model(default_sql = "CURRENT_TIMESTAMP")]
    pub placed: chrono::DateTime<chrono::Utc>,
    #[model(default = false)]
    pub paid: bool,
    pub data: Option<serde_json::Value>,
    pub r#ref: Option<uuid::Uuid>,
    // inspectdb: no column type of migrator's is spelled `text[]` on this database: the field keeps
    //   the type with `db_type` (its Rust type is a guess for your own code)
    #[model(db_type = "text[]")]
    pub tags: Option<String>,
}
"#
    );
}

/// One MySQL/MariaDB table as its reader reports it: an AUTO_INCREMENT key, TINYINT(1),
/// a decimal default MySQL pads, `current_timestamp(6)`, LONGTEXT and TEXT, an unsigned
/// integer, a column check (MariaDB), an index InnoDB made for a foreign key, comments.
#[cfg(feature = "mysql")]
fn mysql_orders() -> LiveSchema {
    let default = |c: &mut ColumnSchema, d: &mut ColumnDetails, normalized: &str, raw: &str| {
        c.default = Some(normalized.into());
        d.default = Some(raw.into());
    };
    let customers = Table::new("customers")
        .col_with("id", "INT", "int(11)", |c, _| c.auto_increment = true)
        .pk(&["id"]);
    let mut orders = Table::new("orders")
        .col_with("id", "BIGINT", "bigint(20)", |c, _| c.auto_increment = true)
        .col("customer_id", "INT", "int(11)")
        .col_with("paid", "TINYINT(1)", "tinyint(1)", |c, d| {
            default(c, d, "0", "0")
        })
        .col_with("total", "DECIMAL(10, 2)", "decimal(10,2)", |c, d| {
            default(c, d, "0", "0.00");
        })
        .col_with("placed", "DATETIME(6)", "datetime(6)", |c, d| {
            default(c, d, "current_timestamp", "current_timestamp(6)");
        })
        .col_with("note", "LONGTEXT", "longtext", |c, d| {
            c.nullable = true;
            d.comment = Some("Free text.".into());
        })
        .col_with("summary", "TEXT", "text", |c, _| c.nullable = true)
        .col_with("quantity", "INT UNSIGNED", "int(10) unsigned", |c, d| {
            default(c, d, "1", "1");
        })
        .pk(&["id"])
        .index("orders_customer", &["customer_id"], false)
        .fk(
            "customer_id",
            "customers",
            "id",
            "CASCADE",
            Some("orders_customer"),
        )
        .comment("Orders, one per checkout.");
    orders.details.column_checks.push(ColumnCheck {
        name: Some("quantity".into()),
        column: "quantity".into(),
        sql: "`quantity` > 0".into(),
    });
    live(vec![customers, orders])
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_source_is_exact() {
    let i = run(&mysql_orders(), Backend::Mysql);
    assert_eq!(
        flags(&i),
        [
            "orders.customer_id: the database names this foreign key `orders_customer`, \
             migrator names it `orders_customer_id_fk_customers`: a later migration that \
             changes or removes it looks for `orders_customer_id_fk_customers`, so rename the \
             constraint first",
            "orders.summary: no column type of migrator's is spelled `text` on this database: \
             the field keeps the type with `db_type` (its Rust type is a guess for your own \
             code)",
            "orders.quantity: no column type of migrator's is spelled `int(10) unsigned` on this \
             database: the field keeps the type with `db_type` (its Rust type is a guess for \
             your own code)",
            "orders.quantity: the CHECK on this column (`quantity` > 0) is declared as the table \
             check `orders_quantity_check`; a table migrator creates has it as a table check",
        ]
    );
    assert_eq!(
        body(&i),
        r#"use migrator_core::Model;

#[derive(Model)]
#[model(table = "customers")]
pub struct Customers {
    pub id: i32,
}

/// Orders, one per checkout.
#[derive(Model)]
#[model(
    table = "orders",
    index(name = "orders_customer", fields = ["customer_id"]),
    check(name = "orders_quantity_check", sql = "`quantity` > 0")
)]
pub struct Orders {
    pub id: i64,
    // inspectdb: the database names this foreign key `orders_customer`, migrator names it
    //   `orders_customer_id_fk_customers`: a later migration that changes or removes it looks for
    //   `orders_customer_id_fk_customers`, so rename the constraint first
    #[model(index = false, foreign_key = Customers, on_delete = "cascade")]
    pub customer_id: i32,
    #[model(default = false)]
    pub paid: bool,
    #[model(precision = 10, scale = 2, default = 0)]
    pub total: rust_decimal::Decimal,
    #[model(default_sql = "current_timestamp(6)")]
    pub placed: chrono::NaiveDateTime,
    /// Free text.
    pub note: Option<String>,
    // inspectdb: no column type of migrator's is spelled `text` on this database: the field keeps
    //   the type with `db_type` (its Rust type is a guess for your own code)
    #[model(db_type = "text")]
    pub summary: Option<String>,
    // inspectdb: no column type of migrator's is spelled `int(10) unsigned` on this database: the
    //   field keeps the type with `db_type` (its Rust type is a guess for your own code)
    // inspectdb: the CHECK on this column (`quantity` > 0) is declared as the table check
    //   `orders_quantity_check`; a table migrator creates has it as a table check
    #[model(db_type = "int(10) unsigned", default = 1)]
    pub quantity: i64,
}
"#
    );
}

/// A generated column as a server's reader reports it: the kind in `DbSchema`, the
/// expression in the details.
fn generated(sql: &str, kind: &str) -> impl FnOnce(&mut ColumnSchema, &mut ColumnDetails) {
    let (sql, kind) = (sql.to_owned(), kind.to_owned());
    move |c, d| {
        c.generated = Some(kind);
        d.generated = Some(sql);
    }
}

/// Issue 17.3 on PostgreSQL: a stored generated column is declared with the deparsed
/// expression (its outer parentheses dropped); a virtual one (PostgreSQL 18), which
/// migrator cannot create there, stays a plain column, flagged.
#[cfg(feature = "postgres")]
#[test]
fn postgres_generated_columns_are_declared() {
    let lines = Table::new("lines")
        .col_with("id", "BIGINT", "bigint", |c, _| c.auto_increment = true)
        .col("qty", "INTEGER", "integer")
        .col_with("note", "TEXT", "text", |c, _| c.nullable = true)
        .col_with(
            "total",
            "INTEGER",
            "integer",
            generated("(qty * 2)", "stored"),
        )
        .col_with("shouted", "TEXT", "text", |c, d| {
            c.nullable = true;
            generated("upper(note)", "virtual")(c, d);
        })
        .pk(&["id"]);
    let i = run(&live(vec![lines]), Backend::Postgres);
    assert_eq!(
        flags(&i),
        [
            "lines.shouted: a generated column (upper(note)) that the model declares as a plain \
          column: migrator cannot create a virtual generated column on this database; values \
          are written by the database, not by inserts"
        ]
    );
    let src = &i.source;
    assert!(
        src.contains("    #[model(generated(sql = \"qty * 2\", stored))]\n    pub total: i32,\n")
            && src.contains("    pub shouted: Option<String>,\n"),
        "{src}"
    );
}

/// Issue 17.3 on MySQL/MariaDB: both kinds are declared; the backquotes MariaDB puts around
/// every column name are dropped where the column needs none (`order` keeps them); a
/// generated column of a type with no mapping stays a plain `db_type` column, flagged.
#[cfg(feature = "mysql")]
#[test]
fn mysql_generated_columns_are_declared() {
    let nullable = |c: &mut ColumnSchema, _: &mut ColumnDetails| c.nullable = true;
    let lines = Table::new("lines")
        .col_with("id", "BIGINT", "bigint(20)", |c, _| c.auto_increment = true)
        .col("qty", "INT", "int(11)")
        .col("order", "INT", "int(11)")
        .col_with("total", "INT", "int(11)", |c, d| {
            nullable(c, d);
            generated("`qty` * `order`", "stored")(c, d);
        })
        .col_with("label", "VARCHAR(20)", "varchar(20)", |c, d| {
            nullable(c, d);
            generated("concat('#',`qty`)", "virtual")(c, d);
        })
        .col_with("odd", "INT UNSIGNED", "int(10) unsigned", |c, d| {
            nullable(c, d);
            generated("`qty` + 1", "virtual")(c, d);
        })
        .pk(&["id"]);
    let i = run(&live(vec![lines]), Backend::Mysql);
    assert_eq!(
        flags(&i),
        [
            "lines.odd: a generated column (`qty` + 1) that the model declares as a plain \
             column: its type has no column type of migrator's, and a model's `db_type` field \
             cannot be generated; values are written by the database, not by inserts",
            "lines.odd: no column type of migrator's is spelled `int(10) unsigned` on this \
             database: the field keeps the type with `db_type` (its Rust type is a guess for \
             your own code)",
        ]
    );
    let src = body(&i);
    assert!(
        src.contains(
            "    #[model(generated(sql = \"qty * `order`\", stored))]\n    pub total: Option<i32>,\n"
        ) && src.contains(
            "    #[model(max_length = 20, generated(sql = \"concat('#',qty)\", virtual))]\n    pub label: Option<String>,\n"
        ) && src.contains("    #[model(db_type = \"int(10) unsigned\")]\n    pub odd: Option<i64>,\n"),
        "{src}"
    );
}

/// A foreign key on a generated column (MariaDB keeps one on a stored column) is not
/// declared: a model's field is generated or a foreign key, never both (the derive refuses
/// the pair, so writing both would not compile). The field stays generated, the foreign key
/// is flagged, and nothing else differs.
#[cfg(feature = "mysql")]
#[test]
fn mysql_a_foreign_key_on_a_generated_column_is_flagged_not_declared() {
    let books = Table::new("books")
        .col_with("id", "INT", "int(11)", |c, _| c.auto_increment = true)
        .pk(&["id"]);
    let notes = Table::new("notes")
        .col_with("id", "BIGINT", "bigint(20)", |c, _| c.auto_increment = true)
        .col("raw_book", "INT", "int(11)")
        .col_with("book_id", "INT", "int(11)", |c, d| {
            c.nullable = true;
            generated("`raw_book` + 0", "stored")(c, d);
        })
        .pk(&["id"])
        .index("notes_book_fk", &["book_id"], false)
        .fk("book_id", "books", "id", "RESTRICT", Some("notes_book_fk"));
    let i = run(&live(vec![books, notes]), Backend::Mysql);
    assert_eq!(
        flags(&i),
        [
            "notes.book_id: a foreign key book_id → books(id) that is not declared: it is on a \
          generated column (stored `raw_book + 0`), and a model's field cannot be both \
          generated and a foreign key (the model keeps it generated; the database keeps the \
          foreign key)"
        ]
    );
    let src = body(&i);
    assert!(
        src.contains(
            "    #[model(generated(sql = \"raw_book + 0\", stored))]\n    pub book_id: Option<i32>,\n"
        ) && !src.contains("foreign_key"),
        "{src}"
    );
}
