//! Squashed migrations on a real database (Django's rule on `replaces`): a squash counts as
//! applied once what it replaces is, a fresh database applies the squash, a database
//! part-way through the replaced migrations finishes them (the squash is then recorded too),
//! and after the transition — replaced files deleted, `replaces` removed — the record stays
//! valid.

use std::collections::BTreeSet;

use migrator_core::executor::{ExecutorError, MigrateOptions, Target};
use migrator_core::recorder;
use migrator_core::Migration;

use crate::executor_support::{applied, graph, key, library_0002, library_0003, library_initial};
use crate::sqlite_support::{assert_schema, temp_db};
use crate::{base, keys, run, shop_initial, up};

fn squashed() -> Vec<Migration> {
    let mut squash = Migration::new("library", "0001_squashed_0002");
    squash.initial = true;
    squash.replaces = vec![
        key("library", "0001_initial"),
        key("library", "0002_book_published_date"),
    ];
    squash.operations = library_initial().operations;
    squash.operations.extend(library_0002().operations);
    vec![squash, library_0003(), shop_initial()]
}

#[test]
fn a_squash_counts_as_applied_when_what_it_replaces_is() {
    let (_dir, mut conn) = temp_db();
    up(
        &mut conn,
        &graph(base()),
        &Target::Migration(key("library", "0002_book_published_date")),
    );
    let g = graph(squashed());
    let report = up(&mut conn, &g, &Target::Latest);
    assert_eq!(
        keys(&report.plan),
        [
            ("library.0003_book_status".to_owned(), false),
            ("shop.0001_initial".to_owned(), false),
        ]
    );
    assert_schema(&mut conn, &g.project_state().unwrap());

    // A fresh database applies the squash and records what it replaces too.
    let (_dir2, mut fresh) = temp_db();
    up(&mut fresh, &g, &Target::Latest);
    assert_eq!(
        applied(&mut fresh),
        BTreeSet::from([
            key("library", "0001_initial"),
            key("library", "0001_squashed_0002"),
            key("library", "0002_book_published_date"),
            key("library", "0003_book_status"),
            key("shop", "0001_initial"),
        ])
    );
    // The originals' view of the same database agrees: nothing to do, no checksum complaint.
    assert!(up(&mut fresh, &graph(base()), &Target::Latest)
        .plan
        .is_empty());
    // Unapplying the squash unrecords the replaced migrations as well.
    up(&mut fresh, &g, &Target::Zero("library".into()));
    assert!(applied(&mut fresh).is_empty());

    // Only part of a squash applied, originals gone: a clear error.
    let (_dir3, mut partial) = temp_db();
    recorder::record(&mut partial, &library_initial()).unwrap();
    let err = run(&mut partial, &g, &Target::Latest, MigrateOptions::default()).unwrap_err();
    assert!(matches!(err, ExecutorError::PartialSquash { .. }), "{err}");
}

/// The squash of library 0001–0002 beside its originals, with the later migrations as
/// written (depending on the originals).
fn squash_beside_originals() -> Vec<Migration> {
    let mut all = base();
    all.push(squashed().remove(0));
    all
}

#[test]
fn a_database_part_way_through_a_squash_finishes_the_originals_then_uses_the_squash() {
    let g = graph(squash_beside_originals());
    // A fresh database uses the squash.
    let (_fresh_dir, mut fresh) = temp_db();
    let report = up(&mut fresh, &g, &Target::Latest);
    assert_eq!(
        keys(&report.plan),
        [
            ("library.0001_squashed_0002".to_owned(), false),
            ("library.0003_book_status".to_owned(), false),
            ("shop.0001_initial".to_owned(), false),
        ]
    );
    let expected = g.project_state().unwrap();
    assert_schema(&mut fresh, &expected);

    // A database part-way (0001 applied before the squash existed) applies the originals.
    let (_dir, mut conn) = temp_db();
    up(
        &mut conn,
        &graph(base()),
        &Target::Migration(key("library", "0001_initial")),
    );
    let report = up(&mut conn, &g, &Target::Latest);
    assert_eq!(
        keys(&report.plan),
        [
            ("library.0002_book_published_date".to_owned(), false),
            ("library.0003_book_status".to_owned(), false),
            ("shop.0001_initial".to_owned(), false),
        ]
    );
    assert_schema(&mut conn, &expected);
    // Once all the replaced migrations are applied the squash is recorded as applied too.
    assert!(applied(&mut conn).contains(&key("library", "0001_squashed_0002")));
    assert!(up(&mut conn, &g, &Target::Latest).plan.is_empty());

    // Stopped part-way, rolled back part-way: the originals serve both directions.
    let (_dir2, mut back) = temp_db();
    up(
        &mut back,
        &graph(base()),
        &Target::Migration(key("library", "0001_initial")),
    );
    let report = up(&mut back, &g, &Target::Zero("library".into()));
    assert_eq!(
        keys(&report.plan),
        [("library.0001_initial".to_owned(), true)]
    );
    assert!(applied(&mut back).is_empty());

    // The transition: replaced files deleted, `replaces` removed, dependencies re-pointed.
    let mut squash = squashed().remove(0);
    squash.replaces.clear();
    let mut l3 = library_0003();
    l3.dependencies = vec![squash.key()];
    let mut shop = shop_initial();
    shop.dependencies = vec![squash.key()];
    let after = graph(vec![squash, l3, shop]);
    for db in [&mut conn, &mut fresh] {
        let report = run(db, &after, &Target::Latest, MigrateOptions::default())
            .unwrap_or_else(|e| panic!("after the transition: {e}"));
        assert!(report.plan.is_empty());
    }
}

#[test]
fn a_history_applied_before_its_squash_existed_is_recorded_by_the_next_migrate() {
    let (_dir, mut conn) = temp_db();
    up(&mut conn, &graph(base()), &Target::Latest);
    let g = graph(squash_beside_originals());
    assert!(up(&mut conn, &g, &Target::Latest).plan.is_empty());
    let rows = recorder::applied(&mut conn).unwrap();
    assert!(rows.contains_key(&key("library", "0001_squashed_0002")));
    assert_eq!(
        rows[&key("library", "0001_initial")].checksum,
        format!("{}library.0001_squashed_0002", recorder::REPLACED_BY)
    );
}

#[test]
fn a_target_inside_a_squash_rolls_back_through_the_originals() {
    let g = graph(squash_beside_originals());
    let (_dir, mut conn) = temp_db();
    up(&mut conn, &g, &Target::Latest);
    // Django's rule: a target the squash replaces is reached on the originals.
    let report = up(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0001_initial")),
    );
    assert_eq!(
        keys(&report.plan),
        [
            ("shop.0001_initial".to_owned(), true),
            ("library.0003_book_status".to_owned(), true),
            ("library.0002_book_published_date".to_owned(), true),
        ]
    );
    assert_eq!(
        applied(&mut conn),
        BTreeSet::from([key("library", "0001_initial")])
    );
    assert_schema(
        &mut conn,
        &g.without_squashes()
            .unwrap()
            .make_state(&[key("library", "0001_initial")])
            .unwrap(),
    );
    // Part-way now: the originals continue, and the squash is complete again at the end.
    let report = up(&mut conn, &g, &Target::Latest);
    assert_eq!(report.plan.len(), 3);
    assert!(applied(&mut conn).contains(&key("library", "0001_squashed_0002")));
    assert_schema(&mut conn, &g.project_state().unwrap());

    // A squash this database does not use yet, as a target: the last migration it replaces.
    let (_dir2, mut part) = temp_db();
    up(
        &mut part,
        &graph(base()),
        &Target::Migration(key("library", "0001_initial")),
    );
    let report = up(
        &mut part,
        &g,
        &Target::Migration(key("library", "0001_squashed_0002")),
    );
    assert_eq!(
        keys(&report.plan),
        [("library.0002_book_published_date".to_owned(), false)]
    );
    assert!(applied(&mut part).contains(&key("library", "0001_squashed_0002")));
}
