//! `migrator check` (the drift check) end to end, through the reliability fixture's
//! `rel-manage` on SQLite, PostgreSQL and MariaDB: clean (exit 0) right after `migrate` —
//! which at `-v 2` says it checked the schema — then, after hand-made changes in the
//! backend's own SQL, exit 1 with one sentence per difference naming the table and the
//! column or object (ten kinds of schema drift plus an applied migration missing from disk),
//! and the same differences as `--format json`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::reliability::{manage, probe, text, Kind, TestDb};

/// Hand-made drift, in the backend's own SQL.
fn hand_made(kind: Kind) -> Vec<String> {
    let fk = "rel_reviews_book_id_fk_rel_books";
    let mut sql: Vec<String> = vec![
        "CREATE TABLE scratch (x INTEGER)".into(),
        "DROP TABLE rel_tags".into(),
        "ALTER TABLE rel_authors ADD COLUMN nick VARCHAR(30)".into(),
        "ALTER TABLE rel_books DROP COLUMN isbn".into(),
        "CREATE INDEX rel_authors_name_hand ON rel_authors (name)".into(),
        "INSERT INTO migrator_migrations (app, name, applied_at, checksum) VALUES \
         ('rel', '0013_gone', '2026-01-01T00:00:00.000Z', 'x')"
            .into(),
    ];
    sql.extend(match kind {
        Kind::Sqlite => vec![
            "DROP INDEX rel_books_title_idx".to_owned(),
            // rel_reviews rebuilt by hand: stars BIGINT NOT NULL DEFAULT 7, a check and a
            // unique constraint, and no foreign key.
            "CREATE TABLE rel_reviews_new (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \
             book_id BIGINT NOT NULL, stars BIGINT NOT NULL DEFAULT 7, \
             CONSTRAINT rel_reviews_stars_range CHECK (stars >= 0), \
             CONSTRAINT rel_reviews_book_uniq UNIQUE (book_id))"
                .to_owned(),
            "DROP TABLE rel_reviews".to_owned(),
            "ALTER TABLE rel_reviews_new RENAME TO rel_reviews".to_owned(),
            "CREATE INDEX rel_reviews_book_id_idx ON rel_reviews (book_id)".to_owned(),
        ],
        Kind::Postgres => vec![
            "DROP INDEX rel_books_title_idx".to_owned(),
            "ALTER TABLE rel_reviews ALTER COLUMN stars TYPE BIGINT".to_owned(),
            "ALTER TABLE rel_reviews ALTER COLUMN stars SET NOT NULL".to_owned(),
            "ALTER TABLE rel_reviews ALTER COLUMN stars SET DEFAULT 7".to_owned(),
            "ALTER TABLE rel_reviews ADD CONSTRAINT rel_reviews_stars_range CHECK (stars >= 0)"
                .to_owned(),
            "ALTER TABLE rel_reviews ADD CONSTRAINT rel_reviews_book_uniq UNIQUE (book_id)"
                .to_owned(),
            format!("ALTER TABLE rel_reviews DROP CONSTRAINT {fk}"),
        ],
        Kind::Mysql => vec![
            "DROP INDEX rel_books_title_idx ON rel_books".to_owned(),
            "ALTER TABLE rel_reviews MODIFY stars BIGINT NOT NULL DEFAULT 7".to_owned(),
            "ALTER TABLE rel_reviews ADD CONSTRAINT rel_reviews_stars_range CHECK (stars >= 0)"
                .to_owned(),
            "ALTER TABLE rel_reviews ADD CONSTRAINT rel_reviews_book_uniq UNIQUE (book_id)"
                .to_owned(),
            format!("ALTER TABLE rel_reviews DROP FOREIGN KEY {fk}"),
        ],
    });
    sql
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn check_is_clean_after_migrate_and_names_hand_made_drift_on_every_backend() {
    for kind in [Kind::Sqlite, Kind::Postgres, Kind::Mysql] {
        let db = TestDb::create(kind);
        let out = manage(&["migrate", "-v", "2"], &db.url);
        assert_eq!(out.status.code(), Some(0), "{kind:?}: {}", text(&out));
        assert!(
            stdout(&out).contains("Checked the schema: it matches the applied migrations"),
            "{kind:?}: {}",
            text(&out)
        );
        let out = manage(&["check"], &db.url);
        assert_eq!(out.status.code(), Some(0), "{kind:?}: {}", text(&out));
        assert!(
            stdout(&out)
                .contains("No drift: the database matches its 12 applied migrations (4 tables"),
            "{kind:?}: {}",
            text(&out)
        );

        for sql in hand_made(kind) {
            let run = probe(&["exec", &db.url, &sql]);
            assert!(run.status.success(), "{kind:?}: {sql}: {}", text(&run));
        }
        let out = manage(&["check"], &db.url);
        assert_eq!(out.status.code(), Some(1), "{kind:?}: {}", text(&out));
        let report = stdout(&out);
        let unique = if kind == Kind::Mysql {
            // MySQL/MariaDB keep a unique constraint as a unique index.
            "index rel_reviews_book_uniq on rel_reviews UNIQUE (book_id) is in the database, but no applied migration creates it"
        } else {
            "unique constraint rel_reviews_book_uniq on rel_reviews (book_id) is in the database, but no applied migration creates it"
        };
        for sentence in [
            "migration rel.0013_gone is applied in the database but missing from disk",
            "table scratch is in the database, but no applied migration creates it",
            "table rel_tags is missing from the database: the applied migrations create it",
            "column rel_authors.nick (VARCHAR(30)) is in the database, but no applied migration adds it",
            "column rel_books.isbn (VARCHAR(20)) is missing from the database: the applied migrations add it",
            "index rel_authors_name_hand on rel_authors (name) is in the database, but no applied migration creates it",
            "index rel_books_title_idx on rel_books (title) is missing from the database: the applied migrations create it",
            "column rel_reviews.stars is NOT NULL in the database, but the migrations make it NULL",
            "column rel_reviews.stars has default 7 in the database, but the migrations give it no default",
            "check constraint rel_reviews_stars_range on rel_reviews CHECK (",
            unique,
            "foreign key rel_reviews.book_id → rel_books.id ON DELETE CASCADE is missing from the database: the applied migrations create it",
        ] {
            assert!(
                report.contains(sentence),
                "{kind:?}: `{sentence}` not in:\n{}",
                text(&out)
            );
        }
        assert!(
            report.contains("column rel_reviews.stars is ") && report.contains("BIGINT"),
            "{kind:?}: the type change: {report}"
        );
        assert!(report.starts_with("Database: "), "{kind:?}: {report}");

        // The same differences as JSON.
        let out = manage(&["check", "--format", "json"], &db.url);
        assert_eq!(out.status.code(), Some(1), "{kind:?}: {}", text(&out));
        let doc: Value = serde_json::from_str(stdout(&out).trim()).expect("one JSON document");
        assert_eq!(doc["schema"], "migrator/1");
        assert_eq!(doc["kind"], "check");
        assert_eq!(doc["clean"], false);
        assert_eq!(doc["applied"], 12);
        let kinds: BTreeSet<&str> = doc["differences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["kind"].as_str().unwrap())
            .collect();
        for k in [
            "applied_missing_from_disk",
            "extra_table",
            "missing_table",
            "extra_column",
            "missing_column",
            "extra_index",
            "missing_index",
            "column_type",
            "column_nullability",
            "column_default",
            "extra_check_constraint",
            "missing_foreign_key",
        ] {
            assert!(kinds.contains(k), "{kind:?}: no {k} in {kinds:?}");
        }
        if kind != Kind::Mysql {
            assert!(
                kinds.contains("extra_unique_constraint"),
                "{kind:?}: {kinds:?}"
            );
        }
        let gone = doc["differences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == "applied_missing_from_disk")
            .unwrap();
        assert_eq!(gone["migration"], "rel.0013_gone");
        let column = doc["differences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["kind"] == "column_default")
            .unwrap();
        assert_eq!(column["table"], "rel_reviews");
        assert_eq!(column["column"], "stars");
        assert_eq!(column["actual"], "7");
        assert!(column["expected"].is_null());
    }
}
