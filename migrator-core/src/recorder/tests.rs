//! The recorder's unit tests.

use super::check::{key_hash, RecordDigest};
use super::*;
use crate::database::{connect, DatabaseUrl};
use crate::operations::{Operation, RunSql};

fn memory() -> DbConnection {
    connect(&DatabaseUrl::parse("sqlite::memory:", std::path::Path::new("/")).unwrap()).unwrap()
}

fn migration(sql: &str) -> Migration {
    let mut m = Migration::new("shop", "0001_initial");
    m.dependencies
        .push(MigrationKey::new("auth", "0001_initial"));
    m.operations.push(Operation::RunSql(RunSql {
        sql: vec![sql.to_owned()],
        reverse_sql: None,
        elidable: false,
    }));
    m
}

#[test]
fn a_record_digest_follows_inserts_and_removes_in_any_order() {
    let a = MigrationKey::new("shop", "0001_initial");
    let b = MigrationKey::new("shop", "0002_price");
    let c = MigrationKey::new("auth", "0001_initial");
    let all = RecordDigest::of([&a, &b, &c]);
    assert_eq!(all, RecordDigest::of([&c, &a, &b]));
    let mut d = RecordDigest::of([&a]);
    d.insert(&c);
    d.insert(&b);
    assert_eq!(d, all);
    d.remove(&b);
    assert_eq!(d, RecordDigest::of([&a, &c]));
    assert_ne!(d, RecordDigest::of([&a, &b]));
    // The key's hash is the first 60 bits of SHA-256 of `app.name`, as PostgreSQL
    // computes it: `SELECT ('x' || substr(encode(sha256('app00.0001_initial'), 'hex'),
    // 1, 15))::bit(60)::bigint` is 679255401937303827.
    assert_eq!(
        key_hash(&MigrationKey::new("app00", "0001_initial")),
        679255401937303827
    );
}

#[test]
fn record_applied_unrecord() {
    let mut conn = memory();
    assert!(applied(&mut conn).unwrap().is_empty());
    assert!(
        !has_table(&mut conn).unwrap(),
        "reading must not create the table"
    );
    let m = migration("SELECT 1");
    record(&mut conn, &m).unwrap();
    let rows = applied(&mut conn).unwrap();
    let row = &rows[&m.key()];
    assert_eq!(row.checksum, checksum(&m));
    assert_eq!(
        row.applied_at.len(),
        "2026-01-01T00:00:00.000Z".len(),
        "{}",
        row.applied_at
    );
    assert!(row.applied_at.ends_with('Z'));
    set_checksum(&mut conn, &m.key(), "abc").unwrap();
    assert_eq!(applied(&mut conn).unwrap()[&m.key()].checksum, "abc");
    unrecord(&mut conn, &m.key()).unwrap();
    assert!(applied(&mut conn).unwrap().is_empty());
}

#[test]
fn progress_rows_name_the_running_operation_until_cleared() {
    let mut conn = memory();
    let key = MigrationKey::new("shop", "0002_x");
    assert!(interrupted(&mut conn).unwrap().is_empty());
    progress_clear(&mut conn, &key).unwrap();
    progress_start(&mut conn, &key, 1, 3, "Create model A", false).unwrap();
    progress_start(&mut conn, &key, 2, 3, "Add field b to a", false).unwrap();
    let rows = interrupted(&mut conn).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].key, key);
    assert_eq!((rows[0].operation, rows[0].total), (2, 3));
    assert!(!rows[0].backwards);
    progress_start(&mut conn, &key, 2, 3, "Add field b to a", true).unwrap();
    let rows = interrupted(&mut conn).unwrap();
    assert_eq!((rows[0].operation, rows[0].backwards), (2, true));
    assert_eq!(rows[0].description, "Add field b to a");
    progress_clear(&mut conn, &key).unwrap();
    assert!(interrupted(&mut conn).unwrap().is_empty());
    assert!(
        !table_exists(&mut conn, PROGRESS_TABLE).unwrap(),
        "dropped when empty"
    );
}

#[test]
fn checksum_follows_operations_not_formatting() {
    let a = migration("SELECT 1");
    let b = migration("SELECT 2");
    assert_ne!(checksum(&a), checksum(&b));
    assert_eq!(checksum(&a).len(), 64);
    let mut c = migration("SELECT 1");
    c.atomic = false; // not part of the operation list
    assert_eq!(checksum(&a), checksum(&c));
    let mut d = migration("SELECT 1");
    d.dependencies = vec![MigrationKey::new("auth", "0002_squashed")];
    assert_eq!(
        checksum(&a),
        checksum(&d),
        "squashing re-points dependencies"
    );
    let mut e = migration("SELECT 1");
    e.operations.push(e.operations[0].clone());
    assert_ne!(checksum(&a), checksum(&e));
}
