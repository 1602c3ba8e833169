//! End to end: `squashmigrations` of the real `migrator` binary on a copy of
//! `examples/library` — the file it writes, `makemigrations --check` after it, both views of
//! `showmigrations` (a fresh database uses the squash, a database part-way through the
//! replaced migrations lists them and finishes them), `--format json`, the transition (old
//! files deleted, `replaces` removed) and the errors when a database is part-way and the
//! replaced files are gone.

use serde_json::Value;

use crate::e2e_db::{progress, Db};
use crate::migrate_e2e::library_at_head;

const SQUASH: &str = "0001_squashed_0002_book_published_date";
const SQUASH_FILE: &str = "library/migrations/0001_squashed_0002_book_published_date.rs";

fn json_line(stdout: &str) -> Value {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON document expected:\n{stdout}");
    serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn squash_showmigrations_and_a_database_part_way_through_it() {
    let ws = library_at_head();
    let fresh = Db::new(&ws, "fresh.sqlite3");
    let part = Db::new(&ws, "part.sqlite3");
    ws.migrator(&["migrate", "library", "0001", "--database", &part.url()])
        .expect_code(0);

    // --dry-run --format json: the document, nothing written.
    let run = ws.migrator(&[
        "squashmigrations",
        "library",
        "0002",
        "--dry-run",
        "--format",
        "json",
    ]);
    run.expect_code(0);
    let doc = json_line(&run.stdout);
    assert_eq!(doc["kind"], "squashmigrations");
    assert_eq!(doc["migration"], format!("library.{SQUASH}"));
    assert_eq!(doc["written"], false);
    assert_eq!(
        doc["replaces"],
        serde_json::json!(["library.0001_initial", "library.0002_book_published_date"])
    );
    assert_eq!(doc["operations_before"], 3);
    assert_eq!(doc["operations"].as_array().map(Vec::len), Some(2));
    assert!(!ws.path(SQUASH_FILE).exists(), "--dry-run wrote the file");

    // The squash itself (no terminal: no question).
    let run = ws.migrator(&["squashmigrations", "library", "0002"]);
    run.expect_code(0);
    assert!(
        run.stdout.starts_with(
            "Will squash the following migrations of 'library':\n - 0001_initial\n \
             - 0002_book_published_date\nOptimizing...\n  Optimized from 3 operations to 2 \
             operations.\nCreated new squashed migration library/migrations/"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("docs/squashing.md"), "{}", run.stdout);
    let source = ws.read(SQUASH_FILE);
    assert!(
        source.contains(".replaces(\"library\", \"0001_initial\")"),
        "{source}"
    );
    assert!(
        source.contains("field(\"published_date\", ColumnType::Date)"),
        "{source}"
    );
    // A second run finds the range already squashed.
    let run = ws.migrator(&["squashmigrations", "library", "0002", "--noinput"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains(&format!(
            "`library.0002_book_published_date` is already squashed into `library.{SQUASH}`"
        )),
        "{}",
        run.stderr
    );

    // The models still match the history.
    ws.migrator(&["makemigrations", "--check"]).expect_code(0);

    // A fresh database uses the squash.
    let run = ws.migrator(&["showmigrations", "--database", &fresh.url()]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        format!("library\n [ ] {SQUASH} (replaces 0001–0002)\n")
    );
    let run = ws.migrator(&["migrate", "--database", &fresh.url()]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [format!("Applying library.{SQUASH}... OK")]
    );

    // A database part-way lists the originals, and the squash it does not use yet.
    let run = ws.migrator(&["showmigrations", "--database", &part.url()]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        format!(
            "library\n [X] 0001_initial\n [ ] 0002_book_published_date\n [ ] {SQUASH} \
             (squash of 0001–0002; this database is part-way through them, so it applies \
             the originals and uses the squash once all are applied)\n"
        )
    );
    let run = ws.migrator(&[
        "showmigrations",
        "--format",
        "json",
        "--database",
        &part.url(),
    ]);
    run.expect_code(0);
    let doc = json_line(&run.stdout);
    let rows = doc["migrations"].as_array().expect("migrations");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2]["unused_squash"], true);
    assert_eq!(rows[2]["replaces"].as_array().map(Vec::len), Some(2));
    assert!(rows[0].get("unused_squash").is_none());
    let run = ws.migrator(&["migrate", "--database", &part.url()]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        ["Applying library.0002_book_published_date... OK"]
    );
    // Both databases now hold the same schema, and both have the squash recorded.
    assert_eq!(part.schema(), fresh.schema());
    for db in [&part, &fresh] {
        assert!(db.recorded().contains(&format!("library.{SQUASH}")));
        let run = ws.migrator(&["showmigrations", "--database", &db.url()]);
        assert_eq!(
            run.stdout,
            format!("library\n [X] {SQUASH} (replaces 0001–0002)\n")
        );
    }

    // The transition: the replaced files deleted, `replaces` removed.
    std::fs::remove_file(ws.path("library/migrations/0001_initial.rs")).unwrap();
    std::fs::remove_file(ws.path("library/migrations/0002_book_published_date.rs")).unwrap();
    let text = ws.read(SQUASH_FILE);
    let text: String = text
        .lines()
        .filter(|l| !l.contains(".replaces("))
        .map(|l| format!("{l}\n"))
        .collect();
    ws.write(SQUASH_FILE, &text);
    for db in [&part, &fresh] {
        let run = ws.migrator(&["migrate", "--database", &db.url()]);
        run.expect_code(0);
        assert!(progress(&run.stdout).is_empty(), "{}", run.stdout);
        let run = ws.migrator(&["showmigrations", "--database", &db.url()]);
        run.expect_code(0);
        assert_eq!(run.stdout, format!("library\n [X] {SQUASH}\n"));
    }
    ws.migrator(&["makemigrations", "--check"]).expect_code(0);
}

#[test]
fn a_database_part_way_through_a_squash_whose_files_are_gone_is_told_what_to_do() {
    let ws = library_at_head();
    let part = Db::new(&ws, "part.sqlite3");
    ws.migrator(&["migrate", "library", "0001", "--database", &part.url()])
        .expect_code(0);
    ws.migrator(&["squashmigrations", "library", "0002", "--noinput"])
        .expect_code(0);
    // Too early: the replaced files deleted while this database is part-way.
    std::fs::remove_file(ws.path("library/migrations/0002_book_published_date.rs")).unwrap();
    let run = ws.migrator(&["migrate", "--database", &part.url()]);
    run.expect_code(2);
    assert!(
        run.stderr.contains(&format!("library.{SQUASH}"))
            && run.stderr.contains("0002_book_published_date")
            && run.stderr.contains("Restore"),
        "{}",
        run.stderr
    );
    assert_eq!(part.recorded(), ["library.0001_initial"]);

    // Ranges that cannot be squashed are refused before anything is written.
    let run = ws.migrator(&["squashmigrations", "library", "0001_squashed", "--noinput"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("the range holds one migration"),
        "{}",
        run.stderr
    );
    let run = ws.migrator(&["squashmigrations", "nope", "0002", "--format", "json"]);
    run.expect_code(2);
    let doc = json_line(&run.stdout);
    assert_eq!(doc["error"], "unknown_app");
}
