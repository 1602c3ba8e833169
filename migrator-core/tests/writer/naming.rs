//! Migration names: `next_name` (Django's numbering and name fragments, `_and_more`,
//! `auto_<hash>`, `--name`), merge names and which names are valid — and that every scenario
//! of the writer tests carries the name `next_name` gives it. Rendering and writing files are
//! the parent module's.

use migrator_core::migration::prelude::*;
use migrator_core::writer::{check_suffix, is_valid_name, merge_migration, merge_name, next_name};

use super::scenarios;

fn keys(names: &[&str]) -> Vec<MigrationKey> {
    names
        .iter()
        .map(|n| MigrationKey::new("library", *n))
        .collect()
}

#[test]
fn next_name_initial_and_numbering() {
    assert_eq!(next_name(&[], &[], None, true), "0001_initial");
    let existing = keys(&["0001_initial", "0002_book_published_date"]);
    let ops = [add_field("Book", field("isbn", ColumnType::Varchar(13))).into()];
    let name = next_name(&existing, &ops, None, false);
    assert!(name.starts_with("0003_"), "{name}");
    assert_eq!(
        name,
        format!("0003_{}", ops[0].migration_name_fragment().unwrap())
    );
    // Numbers continue from the highest, not from the count.
    let gaps = keys(&["0001_initial", "0007_x", "0003_y"]);
    assert!(next_name(&gaps, &ops, None, false).starts_with("0008_"));
    // Past 9999 the number grows a digit.
    assert!(next_name(&keys(&["9999_x"]), &ops, None, false).starts_with("10000_"));
}

#[test]
fn next_name_explicit_overrides_the_suffix() {
    let existing = keys(&["0001_initial"]);
    let ops = [remove_field("Book", "isbn")];
    assert_eq!(
        next_name(&existing, &ops, Some("drop_isbn"), false),
        "0002_drop_isbn"
    );
    assert_eq!(next_name(&[], &[], Some("start"), true), "0001_start");
    assert_eq!(
        next_name(&existing, &ops, Some("Drop ISBN-now"), false),
        "0002_drop_isbn_now"
    );
    assert!(check_suffix("drop_isbn").is_ok());
    let err = check_suffix("Drop ISBN").unwrap_err();
    assert!(err.to_string().contains("`Drop ISBN`"), "{err}");
    assert!(check_suffix("").is_err());
}

#[test]
fn next_name_joins_fragments_then_and_more() {
    let existing = keys(&["0001_initial", "0002_b"]);
    let two = [remove_field("Book", "isbn"), remove_field("Book", "pages")];
    let f0 = two[0].migration_name_fragment().unwrap();
    let f1 = two[1].migration_name_fragment().unwrap();
    assert_eq!(
        next_name(&existing, &two, None, false),
        format!("0003_{f0}_{f1}")
    );
    // Too long: as many fragments as fit within 52 characters, then `_and_more`.
    let many: Vec<Operation> = (0..6)
        .map(|i| remove_field("Book", format!("a_rather_long_field_name_{i}")))
        .collect();
    let name = next_name(&existing, &many, None, false);
    assert!(name.ends_with("_and_more"), "{name}");
    assert!(name.starts_with(&format!(
        "0003_{}",
        many[0].migration_name_fragment().unwrap()
    )));
    assert!(name.len() <= 5 + 52 + "_and_more".len(), "{name}");
    // Django's example.
    let django = [
        remove_field("Book", "isbn"),
        add_field("Book", field("subtitle", ColumnType::Text)).into(),
        add_field(
            "Book",
            field("a_very_long_field_name_for_a_subtitle", ColumnType::Text),
        )
        .into(),
    ];
    let name = next_name(&existing, &django, None, false);
    assert!(name.starts_with("0003_remove_book_isbn"), "{name}");
    assert!(name.ends_with("_and_more"), "{name}");
    // Some operation without a fragment (raw SQL): the name says there is more.
    let mixed = [remove_field("Book", "isbn"), run_sql(["SELECT 1"]).into()];
    assert_eq!(
        next_name(&existing, &mixed, None, false),
        format!("0003_{f0}_and_more")
    );
}

#[test]
fn next_name_without_fragments_is_auto_and_deterministic() {
    let existing = keys(&["0001_initial"]);
    let ops = [run_sql(["UPDATE books SET title = trim(title)"]).into()];
    let a = next_name(&existing, &ops, None, false);
    assert_eq!(a, next_name(&existing, &ops, None, false));
    assert!(
        a.starts_with("0002_auto_") && a.len() == "0002_auto_".len() + 8,
        "{a}"
    );
    assert!(is_valid_name(&a));
    let other: [Operation; 1] = [run_sql(["UPDATE books SET title = lower(title)"]).into()];
    assert_ne!(a, next_name(&existing, &other, None, false));
    // `--empty` on an app with history.
    let empty = next_name(&existing, &[], None, false);
    assert!(empty.starts_with("0002_auto_"), "{empty}");
}

#[test]
fn merge_names_follow_django() {
    let leaves = keys(&["0002_b", "0002_a"]);
    assert_eq!(
        merge_name(&keys(&["0001_initial"]), &leaves),
        "0003_merge_0002_a_0002_b"
    );
    let m = merge_migration("library", &[], &leaves);
    assert_eq!(m.name, "0003_merge_0002_a_0002_b");
    assert_eq!(m.dependencies, keys(&["0002_a", "0002_b"]));
    assert!(m.operations.is_empty());
    let long = keys(&[
        "0002_a_very_long_migration_name_number_one",
        "0002_a_very_long_migration_name_number_two",
    ]);
    let name = merge_name(&[], &long);
    assert!(
        name.starts_with("0003_merge_") && name.len() == "0003_merge_".len() + 8,
        "{name}"
    );
    assert_eq!(name, merge_name(&[], &long));
}

#[test]
fn valid_names() {
    for ok in [
        "0001_initial",
        "0002_book_published_date",
        "10000_x",
        "0003_auto_1a2b3c4d",
    ] {
        assert!(is_valid_name(ok), "{ok}");
    }
    for bad in [
        "mod",
        "001_x",
        "0001",
        "0001_",
        "0001_Initial",
        "0001-initial",
        "x0001_a",
        "0001_a.b",
    ] {
        assert!(!is_valid_name(bad), "{bad}");
    }
}

/// The scenario names are the names `next_name` gives their operations (Django's fragments
/// joined, `_and_more` past 52 characters, `auto_<hash>` without fragments).
#[test]
fn scenario_names_are_what_next_name_gives() {
    for s in scenarios() {
        if ["merge", "non_atomic_squash"].contains(&s.name) {
            continue;
        }
        let existing: Vec<MigrationKey> = s
            .migration
            .dependencies
            .iter()
            .filter(|d| d.app == s.migration.app)
            .cloned()
            .collect();
        let name = next_name(
            &existing,
            &s.migration.operations,
            None,
            s.migration.initial,
        );
        assert_eq!(name, s.migration.name, "{}", s.name);
    }
}
