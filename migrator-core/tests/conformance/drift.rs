//! The drift check (`executor::drift`, `migrator check`) names every kind of hand-made drift:
//! a database migrated through the executor (clean), then changed by hand with the backend's
//! own SQL — a table added and one dropped, a column added and one dropped, a column's type,
//! nullability and default changed, an index added and one dropped, a unique constraint, a
//! check constraint and a foreign key dropped, a check added — and each change must come back
//! as its own difference, naming the table and the column or object. A migration applied but
//! missing from disk is reported as such.

use std::collections::BTreeSet;

use crate::conformance_support::*;
use migrator_core::backend::Backend;
use migrator_core::executor::{check_drift, drift};
use migrator_core::graph::MigrationGraph;
use migrator_core::{
    ColumnType, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, ModelState,
    OnDelete,
};

fn id() -> FieldState {
    FieldState::new("id", ColumnType::BigInt)
        .primary_key()
        .auto_increment()
}

fn models() -> (ModelState, ModelState, ModelState) {
    let mut writer = ModelState::new(APP, "Writer", "writers");
    writer.fields = vec![id(), FieldState::new("name", ColumnType::Varchar(100))];
    let mut tag = ModelState::new(APP, "Tag", "tags");
    tag.fields = vec![id()];
    let mut novel = ModelState::new(APP, "Novel", "novels");
    novel.fields = vec![
        id(),
        FieldState::new("title", ColumnType::Varchar(200)),
        FieldState::new("writer", ColumnType::BigInt)
            .column("writer_id")
            .foreign_key(ForeignKey::new(APP, "Writer", OnDelete::Cascade))
            .index(),
        FieldState::new("price", ColumnType::Integer).default(DefaultValue::Int(0)),
        FieldState::new("note", ColumnType::Text).nullable(),
        FieldState::new("code", ColumnType::Varchar(20)).nullable(),
    ];
    novel.indexes = vec![IndexState::new("novels_title_idx", ["title"], false)];
    novel.constraints = vec![
        ConstraintState::unique("novels_title_writer_uniq", ["title", "writer"]),
        ConstraintState::check("novels_price_pos", "price >= 0"),
    ];
    (writer, tag, novel)
}

/// The hand-made changes, in the backend's own SQL.
fn hand_made(backend: Backend) -> Vec<String> {
    let mut sql: Vec<String> = vec![
        "CREATE TABLE scratch (x INTEGER)".into(),
        "DROP TABLE tags".into(),
        "ALTER TABLE writers ADD COLUMN nick VARCHAR(30)".into(),
        "CREATE INDEX writers_name_hand ON writers (name)".into(),
        "ALTER TABLE novels DROP COLUMN note".into(),
    ];
    let fk = migrator_descriptor::names::foreign_key("novels", "writer_id", "writers");
    match backend {
        Backend::Sqlite => sql.extend([
            "DROP INDEX novels_title_idx".to_owned(),
            "ALTER TABLE writers RENAME TO writers_old".to_owned(),
            // A new writers table with a check; the rows come along.
            "CREATE TABLE writers (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, name VARCHAR(100) NOT NULL, nick VARCHAR(30), CONSTRAINT writers_name_len CHECK (length(name) > 0))".to_owned(),
            "INSERT INTO writers SELECT id, name, nick FROM writers_old".to_owned(),
            "DROP TABLE writers_old".to_owned(),
            "CREATE INDEX writers_name_hand ON writers (name)".to_owned(),
            // novels rebuilt by hand: title's type, code NOT NULL, another default, and no
            // unique constraint, check or foreign key.
            "CREATE TABLE novels_new (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, title VARCHAR(50) NOT NULL, writer_id BIGINT NOT NULL, price INTEGER NOT NULL DEFAULT 5, code VARCHAR(20) NOT NULL)".to_owned(),
            "DROP TABLE novels".to_owned(),
            "ALTER TABLE novels_new RENAME TO novels".to_owned(),
            "CREATE INDEX novels_writer_id_idx ON novels (writer_id)".to_owned(),
        ]),
        Backend::Postgres => sql.extend([
            "DROP INDEX novels_title_idx".to_owned(),
            "ALTER TABLE novels ALTER COLUMN title TYPE VARCHAR(50)".to_owned(),
            "ALTER TABLE novels ALTER COLUMN code SET NOT NULL".to_owned(),
            "ALTER TABLE novels ALTER COLUMN price SET DEFAULT 5".to_owned(),
            "ALTER TABLE novels DROP CONSTRAINT novels_title_writer_uniq".to_owned(),
            "ALTER TABLE novels DROP CONSTRAINT novels_price_pos".to_owned(),
            format!("ALTER TABLE novels DROP CONSTRAINT {fk}"),
            "ALTER TABLE writers ADD CONSTRAINT writers_name_len CHECK (length(name) > 0)"
                .to_owned(),
        ]),
        Backend::Mysql => sql.extend([
            "DROP INDEX novels_title_idx ON novels".to_owned(),
            "ALTER TABLE novels MODIFY title VARCHAR(50) NOT NULL".to_owned(),
            "ALTER TABLE novels MODIFY code VARCHAR(20) NOT NULL".to_owned(),
            "ALTER TABLE novels ALTER COLUMN price SET DEFAULT 5".to_owned(),
            format!("ALTER TABLE novels DROP FOREIGN KEY {fk}"),
            "DROP INDEX novels_title_writer_uniq ON novels".to_owned(),
            "ALTER TABLE novels DROP CONSTRAINT novels_price_pos".to_owned(),
            "ALTER TABLE writers ADD CONSTRAINT writers_name_len CHECK (char_length(name) > 0)"
                .to_owned(),
        ]),
    }
    // SQLite's rebuild of writers already re-created the extra index.
    if backend == Backend::Sqlite {
        sql.retain(|s| s != "CREATE INDEX writers_name_hand ON writers (name)");
        sql.push("CREATE INDEX writers_name_hand ON writers (name)".into());
    }
    sql
}

pub(super) fn hand_made_drift_is_named(backend: Backend) {
    let mut cx = Ctx::new(backend);
    let (writer, tag, novel) = models();
    cx.migrate_ops(vec![create(&writer), create(&tag)]);
    cx.forwards(&create(&novel));
    cx.exec("INSERT INTO writers (name) VALUES ('Le Guin')");
    let graph = cx.graph();
    let clean = drift(cx.db.conn(), &graph).unwrap();
    assert!(clean.is_clean(), "{backend}: {:?}", clean.lines());
    assert_eq!(clean.applied.len(), 2);
    assert_eq!(clean.tables, 3);

    for sql in hand_made(backend) {
        cx.exec(&sql);
    }
    let found = drift(cx.db.conn(), &graph).unwrap();
    assert!(found.record.is_empty(), "{backend}: {:?}", found.record);
    let state = cx.state.clone();
    assert_eq!(check_drift(cx.db.conn(), &state).unwrap(), found.schema);
    let lines = found.lines().join("\n  ");
    let has = |code: &str, table: &str, what: Option<&str>| {
        found.schema.iter().any(|d| {
            d.kind.code() == code
                && d.table == table
                && what.is_none_or(|w| {
                    d.column.as_deref() == Some(w) || d.object.as_deref() == Some(w)
                })
        })
    };
    let expected = [
        ("extra_table", "scratch", None),
        ("missing_table", "tags", None),
        ("extra_column", "writers", Some("nick")),
        ("missing_column", "novels", Some("note")),
        ("column_type", "novels", Some("title")),
        ("column_nullability", "novels", Some("code")),
        ("column_default", "novels", Some("price")),
        ("extra_index", "writers", Some("writers_name_hand")),
        ("missing_index", "novels", Some("novels_title_idx")),
        // MySQL/MariaDB keep a unique constraint as a unique index.
        (
            if backend == Backend::Mysql {
                "missing_index"
            } else {
                "missing_unique_constraint"
            },
            "novels",
            Some("novels_title_writer_uniq"),
        ),
        (
            "missing_check_constraint",
            "novels",
            Some("novels_price_pos"),
        ),
        ("extra_check_constraint", "writers", None),
        ("missing_foreign_key", "novels", Some("writer_id")),
    ];
    for (code, table, what) in expected {
        assert!(
            has(code, table, what),
            "{backend}: no {code} on {table} {what:?} among:\n  {lines}"
        );
    }
    let kinds: BTreeSet<&str> = found.schema.iter().map(|d| d.kind.code()).collect();
    let at_least = if backend == Backend::Mysql { 12 } else { 13 };
    assert!(kinds.len() >= at_least, "{backend}: {kinds:?}");
    // Every sentence names its table.
    for d in &found.schema {
        assert!(d.to_string().contains(&d.table), "{backend}: {d}");
    }
    assert!(
        lines.contains("column novels.title is VARCHAR(50) in the database, but the migrations make it VARCHAR(200)")
            || backend != Backend::Sqlite,
        "{backend}: {lines}"
    );

    // A migration recorded as applied whose file is gone.
    let without_last = MigrationGraph::new(cx.migrations[..1].to_vec()).unwrap();
    let gone = drift(cx.db.conn(), &without_last).unwrap();
    assert_eq!(gone.record.len(), 1, "{backend}: {:?}", gone.record);
    assert_eq!(gone.record[0].kind.code(), "applied_missing_from_disk");
    assert_eq!(gone.record[0].migration, Ctx::step_key(2));
    assert!(gone.record[0].message.contains("missing from disk"));
    assert!(!gone.is_clean());
}
