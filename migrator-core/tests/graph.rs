//! MigrationGraph tests: dependencies within and across apps, error texts (cycle, missing
//! dependency), conflicts, plans, deterministic order, squashed migrations and state replay.

use std::borrow::Cow;
use std::collections::BTreeSet;

use migrator_core::graph::{GraphError, MigrationGraph};
use migrator_core::migration::prelude::*;

fn key(app: &str, name: &str) -> MigrationKey {
    MigrationKey::new(app, name)
}

fn m(app: &str, name: &str, deps: &[(&str, &str)]) -> Migration {
    deps.iter()
        .fold(Migration::new(app, name), |m, (a, n)| m.dependency(*a, *n))
}

fn keys(list: &[(&str, &str)]) -> Vec<MigrationKey> {
    list.iter().map(|(a, n)| key(a, n)).collect()
}

/// library: 0001 ← 0002 ← 0003; shop: 0001 (needs library.0001) ← 0002 (needs library.0003).
fn two_apps() -> Vec<Migration> {
    vec![
        m(
            "shop",
            "0002_order_note",
            &[("shop", "0001_initial"), ("library", "0003_book_isbn")],
        ),
        m("library", "0003_book_isbn", &[("library", "0002_author")]),
        m("shop", "0001_initial", &[("library", "0001_initial")]),
        m("library", "0001_initial", &[]),
        m("library", "0002_author", &[("library", "0001_initial")]),
    ]
}

#[test]
fn full_plan_is_a_deterministic_topological_order() {
    let g = MigrationGraph::new(two_apps()).unwrap();
    let expected = keys(&[
        ("library", "0001_initial"),
        ("library", "0002_author"),
        ("library", "0003_book_isbn"),
        ("shop", "0001_initial"),
        ("shop", "0002_order_note"),
    ]);
    assert_eq!(g.full_plan(), expected);
    // Any input order gives the same plan.
    let mut reversed = two_apps();
    reversed.reverse();
    assert_eq!(MigrationGraph::new(reversed).unwrap().full_plan(), expected);
    let mut rotated = two_apps();
    rotated.rotate_left(2);
    assert_eq!(MigrationGraph::new(rotated).unwrap().full_plan(), expected);
    assert_eq!(g.apps(), ["library", "shop"]);
    assert_eq!(g.len(), 5);
    let names: Vec<MigrationKey> = g.migrations().map(Migration::key).collect();
    assert_eq!(names, expected);
}

#[test]
fn ties_are_broken_by_key_not_by_depth() {
    // b.0001 is ready at once; a.0002 needs a.0001. Kahn with a min-heap takes a.0001, then
    // a.0002 (smaller than b.0001), then b.0001.
    let g = MigrationGraph::new(vec![
        m("b", "0001_initial", &[]),
        m("a", "0002_x", &[("a", "0001_initial")]),
        m("a", "0001_initial", &[]),
    ])
    .unwrap();
    assert_eq!(
        g.full_plan(),
        keys(&[
            ("a", "0001_initial"),
            ("a", "0002_x"),
            ("b", "0001_initial")
        ])
    );
    // A cross-app dependency forces the other app first.
    let g = MigrationGraph::new(vec![
        m("a", "0001_initial", &[("b", "0001_initial")]),
        m("b", "0001_initial", &[]),
    ])
    .unwrap();
    assert_eq!(
        g.full_plan(),
        keys(&[("b", "0001_initial"), ("a", "0001_initial")])
    );
}

#[test]
fn forwards_plan_holds_all_ancestors_target_last() {
    let g = MigrationGraph::new(two_apps()).unwrap();
    assert_eq!(
        g.forwards_plan(&key("shop", "0001_initial")),
        keys(&[("library", "0001_initial"), ("shop", "0001_initial")])
    );
    assert_eq!(
        g.forwards_plan(&key("shop", "0002_order_note")),
        keys(&[
            ("library", "0001_initial"),
            ("library", "0002_author"),
            ("library", "0003_book_isbn"),
            ("shop", "0001_initial"),
            ("shop", "0002_order_note"),
        ])
    );
    assert_eq!(
        g.forwards_plan(&key("library", "0001_initial")),
        keys(&[("library", "0001_initial")])
    );
    assert!(g.forwards_plan(&key("library", "9999_nope")).is_empty());
    assert_eq!(
        g.forwards_plan_many(&keys(&[
            ("shop", "0001_initial"),
            ("library", "0002_author")
        ])),
        keys(&[
            ("library", "0001_initial"),
            ("library", "0002_author"),
            ("shop", "0001_initial"),
        ])
    );
}

#[test]
fn backwards_plan_holds_all_descendants_target_last() {
    let g = MigrationGraph::new(two_apps()).unwrap();
    assert_eq!(
        g.backwards_plan(&key("library", "0002_author")),
        keys(&[
            ("shop", "0002_order_note"),
            ("library", "0003_book_isbn"),
            ("library", "0002_author"),
        ])
    );
    assert_eq!(
        g.backwards_plan(&key("library", "0001_initial")),
        keys(&[
            ("shop", "0002_order_note"),
            ("shop", "0001_initial"),
            ("library", "0003_book_isbn"),
            ("library", "0002_author"),
            ("library", "0001_initial"),
        ])
    );
    assert_eq!(
        g.backwards_plan(&key("shop", "0002_order_note")),
        keys(&[("shop", "0002_order_note")])
    );
}

#[test]
fn app_migrations_leaves_roots_and_neighbours() {
    let g = MigrationGraph::new(two_apps()).unwrap();
    assert_eq!(
        g.app_migrations("library"),
        keys(&[
            ("library", "0001_initial"),
            ("library", "0002_author"),
            ("library", "0003_book_isbn"),
        ])
    );
    assert!(g.app_migrations("nope").is_empty());
    assert_eq!(
        g.leaf_nodes("library"),
        keys(&[("library", "0003_book_isbn")])
    );
    assert_eq!(g.leaf_nodes("shop"), keys(&[("shop", "0002_order_note")]));
    assert_eq!(g.root_nodes("shop"), keys(&[("shop", "0001_initial")]));
    assert_eq!(
        g.dependencies_of(&key("shop", "0002_order_note")),
        keys(&[("library", "0003_book_isbn"), ("shop", "0001_initial")])
    );
    assert_eq!(
        g.dependents_of(&key("library", "0001_initial")),
        keys(&[("library", "0002_author"), ("shop", "0001_initial")])
    );
    assert!(g.conflicts().is_empty());
    assert!(g.migration(&key("shop", "0001_initial")).is_some());
    assert!(g.contains(&key("library", "0002_author")));
}

#[test]
fn two_leaves_are_a_conflict_until_merged() {
    let mut ms = vec![
        m("library", "0001_initial", &[]),
        m("library", "0002_book_isbn", &[("library", "0001_initial")]),
        m(
            "library",
            "0002_author_born",
            &[("library", "0001_initial")],
        ),
        m("shop", "0001_initial", &[("library", "0002_book_isbn")]),
    ];
    let g = MigrationGraph::new(ms.clone()).unwrap();
    let leaves = keys(&[
        ("library", "0002_author_born"),
        ("library", "0002_book_isbn"),
    ]);
    assert_eq!(g.leaf_nodes("library"), leaves);
    // A dependent in another app does not make a migration a non-leaf.
    assert_eq!(
        g.conflicts().into_iter().collect::<Vec<_>>(),
        [("library".to_string(), leaves.clone())]
    );

    let merge =
        migrator_core::writer::merge_migration("library", &g.app_migrations("library"), &leaves);
    assert_eq!(merge.name, "0003_merge_0002_author_born_0002_book_isbn");
    ms.push(merge);
    let g = MigrationGraph::new(ms).unwrap();
    assert!(g.conflicts().is_empty());
    assert_eq!(
        g.leaf_nodes("library"),
        keys(&[("library", "0003_merge_0002_author_born_0002_book_isbn")])
    );
}

#[test]
fn missing_dependency_names_both_and_the_fix() {
    let err = MigrationGraph::new(vec![
        m("library", "0001_initial", &[]),
        m(
            "shop",
            "0001_initial",
            &[("library", "0001_initial"), ("users", "0002_profile")],
        ),
    ])
    .unwrap_err();
    assert_eq!(
        err,
        GraphError::MissingDependency {
            migration: key("shop", "0001_initial"),
            dependency: key("users", "0002_profile"),
        }
    );
    let text = err.to_string();
    assert!(
        text.contains(
            "migration `shop.0001_initial` depends on `users.0002_profile`, which does not exist"
        ),
        "{text}"
    );
    assert!(text.contains("use users as _;"), "{text}");
    assert!(text.contains("embed_migrations"), "{text}");
}

#[test]
fn cycle_lists_its_members() {
    let err = MigrationGraph::new(vec![
        m("a", "0001_initial", &[("b", "0001_initial")]),
        m("b", "0001_initial", &[("c", "0001_initial")]),
        m("c", "0001_initial", &[("a", "0001_initial")]),
        m("d", "0001_initial", &[("a", "0001_initial")]),
        m("e", "0001_initial", &[]),
    ])
    .unwrap_err();
    assert_eq!(
        err,
        GraphError::Cycle {
            members: keys(&[
                ("a", "0001_initial"),
                ("b", "0001_initial"),
                ("c", "0001_initial")
            ]),
            run_before: vec![],
        }
    );
    assert_eq!(
        err.to_string(),
        "the migration dependencies form a cycle: a.0001_initial → b.0001_initial → \
c.0001_initial → a.0001_initial; remove one of these dependencies"
    );
    // A migration depending on itself.
    let err =
        MigrationGraph::new(vec![m("a", "0001_initial", &[("a", "0001_initial")])]).unwrap_err();
    assert_eq!(
        err,
        GraphError::Cycle {
            members: keys(&[("a", "0001_initial")]),
            run_before: vec![],
        }
    );
}

#[test]
fn duplicate_keys_are_rejected() {
    let err = MigrationGraph::new(vec![
        m("a", "0001_initial", &[]),
        m("a", "0001_initial", &[]),
    ])
    .unwrap_err();
    assert_eq!(err, GraphError::Duplicate(key("a", "0001_initial")));
    assert!(err
        .to_string()
        .contains("`a.0001_initial` is defined twice"));
}

/// Django's rule: with every original present, the squash is used when none or all of them
/// are applied (or the squash is recorded); part-way, the originals are used and what
/// depends on the squash waits for the last of them.
#[test]
fn squash_with_all_originals_present_is_used_unless_a_database_is_part_way() {
    let squash = key("library", "0001_squashed_0002_author");
    let mut ms = two_apps();
    ms.push(
        m("library", "0001_squashed_0002_author", &[])
            .replaces("library", "0001_initial")
            .replaces("library", "0002_author"),
    );
    let g = MigrationGraph::new(ms).unwrap();
    // No database (or an empty one): the squash.
    assert!(g.contains(&squash));
    assert!(!g.contains(&key("library", "0001_initial")));
    assert_eq!(g.full_plan().len(), 4);
    assert_eq!(g.squashes().count(), 1);
    assert!(g
        .source_migration(&key("library", "0001_initial"))
        .is_some());
    let none = BTreeSet::new();
    assert!(matches!(g.for_recorded(&none).unwrap(), Cow::Borrowed(_)));
    // All applied: still the squash.
    let all: BTreeSet<MigrationKey> =
        keys(&[("library", "0001_initial"), ("library", "0002_author")])
            .into_iter()
            .collect();
    assert!(g.for_recorded(&all).unwrap().contains(&squash));
    // Part-way: the originals, and the dependents of the squash wait for the last one.
    let part: BTreeSet<MigrationKey> = [key("library", "0001_initial")].into_iter().collect();
    let view = g.for_recorded(&part).unwrap();
    assert!(!view.contains(&squash));
    assert!(view.replaced().is_empty());
    assert_eq!(view.full_plan().len(), 5);
    assert_eq!(
        view.dependencies_of(&key("shop", "0001_initial")),
        keys(&[("library", "0001_initial")])
    );
    // The rows of the originals pruned, the squash recorded: the squash.
    let pruned: BTreeSet<MigrationKey> = [squash.clone()].into_iter().collect();
    assert!(g.for_recorded(&pruned).unwrap().contains(&squash));
}

#[test]
fn squash_without_originals_replaces_them_and_takes_their_dependents() {
    let squash = m("library", "0001_squashed_0002_author", &[])
        .initial(true)
        .replaces("library", "0001_initial")
        .replaces("library", "0002_author");
    let ms: Vec<Migration> = two_apps()
        .into_iter()
        .filter(|m| !(m.app == "library" && m.name != "0003_book_isbn"))
        .chain([squash])
        .collect();
    let g = MigrationGraph::new(ms).unwrap();
    assert_eq!(
        g.full_plan(),
        keys(&[
            ("library", "0001_squashed_0002_author"),
            ("library", "0003_book_isbn"),
            ("shop", "0001_initial"),
            ("shop", "0002_order_note"),
        ])
    );
    assert_eq!(
        g.dependencies_of(&key("shop", "0001_initial")),
        keys(&[("library", "0001_squashed_0002_author")])
    );
    let squash = key("library", "0001_squashed_0002_author");
    assert_eq!(
        g.replaced().iter().collect::<Vec<_>>(),
        [
            (&key("library", "0001_initial"), &squash),
            (&key("library", "0002_author"), &squash)
        ]
    );
    // Partly deleted originals: the squash wins and the remaining original is dropped.
    let partial = vec![
        m("library", "0002_author", &[("library", "0001_initial")]),
        m("library", "0001_squashed_0002_author", &[])
            .replaces("library", "0001_initial")
            .replaces("library", "0002_author"),
        m("library", "0003_x", &[("library", "0002_author")]),
    ];
    let g = MigrationGraph::new(partial).unwrap();
    assert_eq!(
        g.full_plan(),
        keys(&[
            ("library", "0001_squashed_0002_author"),
            ("library", "0003_x")
        ])
    );
}

fn book_history() -> Vec<Migration> {
    vec![
        Migration::new("library", "0001_initial")
            .initial(true)
            .operation(
                create_model("Book", "books")
                    .field(
                        field("id", ColumnType::BigInt)
                            .primary_key()
                            .auto_increment(),
                    )
                    .field(field("title", ColumnType::Varchar(200))),
            ),
        Migration::new("library", "0002_book_isbn")
            .dependency("library", "0001_initial")
            .operation(add_field(
                "Book",
                field("isbn", ColumnType::Varchar(13)).nullable(),
            )),
        Migration::new("shop", "0001_initial")
            .initial(true)
            .dependency("library", "0001_initial")
            .operation(
                create_model("Order", "orders")
                    .field(field("id", ColumnType::BigInt).primary_key())
                    .field(
                        field("book_id", ColumnType::BigInt).foreign_key(ForeignKey::new(
                            "library",
                            "Book",
                            OnDelete::Cascade,
                        )),
                    ),
            ),
    ]
}

#[test]
fn replay_builds_past_and_present_states() {
    let g = MigrationGraph::new(book_history()).unwrap();
    let now = g.project_state().unwrap();
    let book = now.model("library", "Book").unwrap();
    assert_eq!(book.table, "books");
    assert!(book.field("isbn").is_some_and(|f| f.nullable));
    assert!(now.model("shop", "Order").is_some());

    let past = g.make_state(&[key("library", "0001_initial")]).unwrap();
    assert!(past
        .model("library", "Book")
        .unwrap()
        .field("isbn")
        .is_none());
    assert!(past.model("shop", "Order").is_none());

    // shop.0001 pulls in library.0001 but not library.0002.
    let shop = g.make_state(&[key("shop", "0001_initial")]).unwrap();
    assert!(shop.model("shop", "Order").is_some());
    assert!(shop
        .model("library", "Book")
        .unwrap()
        .field("isbn")
        .is_none());

    assert_eq!(
        g.make_state(&[key("shop", "0009_nope")]).unwrap_err(),
        GraphError::UnknownMigration(key("shop", "0009_nope"))
    );
    assert_eq!(
        g.make_state(&[]).unwrap(),
        migrator_core::ProjectState::new()
    );
}

#[test]
fn replay_errors_name_the_migration_and_the_operation() {
    let mut ms = book_history();
    ms.push(
        Migration::new("library", "0003_broken")
            .dependency("library", "0002_book_isbn")
            .operation(run_sql(["SELECT 1"]))
            .operation(remove_field("Author", "name")),
    );
    let g = MigrationGraph::new(ms).unwrap();
    let err = g.project_state().unwrap_err();
    match &err {
        GraphError::State {
            migration, index, ..
        } => {
            assert_eq!(migration, &key("library", "0003_broken"));
            assert_eq!(*index, 1);
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.starts_with("migration `library.0003_broken`, operation 1 ("),
        "{text}"
    );
    assert!(text.contains("Author"), "{text}");
}

/// 20 apps × 100 migrations, each app depending on the previous app's migration of the same
/// number: plans, leaves and replay are right at that size. Their speed is measured by the
/// benchmarks (`plan_empty_to_head`, `plan_app_zero`, `replay_history` in
/// `benches/core.rs`), not by a timed test.
#[test]
fn large_history_plans_and_replays() {
    let apps = 20;
    let per_app = 100;
    let mut ms = Vec::new();
    for a in 0..apps {
        let app = format!("app{a:02}");
        for n in 1..=per_app {
            let name = format!("{n:04}_step");
            let mut mig = Migration::new(app.clone(), name.clone());
            if n == 1 {
                mig = mig.initial(true).operation(
                    create_model("Thing", format!("{app}_things"))
                        .field(field("id", ColumnType::BigInt).primary_key()),
                );
            } else {
                mig = mig
                    .dependency(app.clone(), format!("{:04}_step", n - 1))
                    .operation(add_field(
                        "Thing",
                        field(format!("f{n}"), ColumnType::Integer).nullable(),
                    ));
            }
            if a > 0 {
                mig = mig.dependency(format!("app{:02}", a - 1), name);
            }
            ms.push(mig);
        }
    }
    ms.reverse();
    let g = MigrationGraph::new(ms).unwrap();
    let plan = g.full_plan();
    assert_eq!(plan.len(), apps * per_app);
    let last = key(
        format!("app{:02}", apps - 1).as_str(),
        &format!("{per_app:04}_step"),
    );
    assert_eq!(g.forwards_plan(&last).len(), apps * per_app);
    assert_eq!(
        g.backwards_plan(&key("app00", "0001_step")).len(),
        apps * per_app
    );
    for app in g.apps() {
        assert_eq!(g.leaf_nodes(&app).len(), 1);
        assert_eq!(g.app_migrations(&app).len(), per_app);
    }
    let state = g.project_state().unwrap();
    assert_eq!(state.models.len(), apps);
    assert_eq!(state.model("app07", "Thing").unwrap().fields.len(), per_app);
}

/// `run_before`: library.0002 declares that it runs before shop.0001 (which only depends on
/// library.0001), so shop.0001 waits for it: in plans, in `dependencies_of`, and when
/// rolling back library.0002 (shop.0001 is undone first).
#[test]
fn run_before_orders_the_named_migration_after_the_declaring_one() {
    let migrations = vec![
        m("library", "0001_initial", &[]),
        m("library", "0002_author", &[("library", "0001_initial")])
            .run_before("shop", "0001_initial"),
        m("shop", "0001_initial", &[("library", "0001_initial")]),
    ];
    let g = MigrationGraph::new(migrations.clone()).unwrap();
    assert_eq!(
        g.forwards_plan(&key("shop", "0001_initial")),
        keys(&[
            ("library", "0001_initial"),
            ("library", "0002_author"),
            ("shop", "0001_initial"),
        ])
    );
    assert_eq!(
        g.dependencies_of(&key("shop", "0001_initial")),
        keys(&[("library", "0001_initial"), ("library", "0002_author")])
    );
    assert_eq!(
        g.backwards_plan(&key("library", "0002_author")),
        keys(&[("shop", "0001_initial"), ("library", "0002_author")])
    );
    // Without the declaration shop.0001 does not need library.0002.
    let mut plain = migrations;
    plain[1].run_before.clear();
    let g = MigrationGraph::new(plain).unwrap();
    assert_eq!(
        g.forwards_plan(&key("shop", "0001_initial")),
        keys(&[("library", "0001_initial"), ("shop", "0001_initial")])
    );
}

#[test]
fn run_before_an_unknown_migration_is_an_error_naming_both() {
    let err = MigrationGraph::new(vec![
        m("library", "0001_initial", &[]).run_before("shop", "0009_missing")
    ])
    .unwrap_err();
    assert_eq!(
        err,
        GraphError::MissingRunBefore {
            migration: key("library", "0001_initial"),
            target: key("shop", "0009_missing"),
        }
    );
    let text = err.to_string();
    assert!(
        text.contains(
            "`library.0001_initial` says it runs before `shop.0009_missing`, which does not exist"
        ),
        "{text}"
    );
    assert!(
        text.contains(r#".run_before("shop", "0009_missing")"#),
        "{text}"
    );
}

/// A cycle closed by a `run_before` says which edge the declaration made.
#[test]
fn a_cycle_through_run_before_names_the_declaration() {
    let err = MigrationGraph::new(vec![
        m("library", "0001_initial", &[("shop", "0001_initial")]),
        m("shop", "0001_initial", &[]).run_before("library", "0001_initial"),
        m("shop", "0002_order", &[("shop", "0001_initial")]).run_before("shop", "0001_initial"),
    ])
    .unwrap_err();
    assert_eq!(
        err,
        GraphError::Cycle {
            members: keys(&[("shop", "0001_initial"), ("shop", "0002_order")]),
            run_before: vec![(key("shop", "0002_order"), key("shop", "0001_initial"))],
        }
    );
    assert_eq!(
        err.to_string(),
        "the migration dependencies form a cycle: shop.0001_initial → shop.0002_order → \
shop.0001_initial; remove one of these dependencies (the edge shop.0001_initial → \
shop.0002_order comes from `.run_before(\"shop\", \"0001_initial\")` in shop.0002_order)"
    );
}

/// A `run_before` naming a migration a squash replaced points at the squash.
#[test]
fn run_before_a_replaced_migration_follows_the_squash() {
    let squash = m("shop", "0001_squashed_0002", &[])
        .replaces("shop", "0001_initial")
        .replaces("shop", "0002_order");
    let g = MigrationGraph::new(vec![
        squash,
        m("library", "0001_initial", &[]).run_before("shop", "0002_order"),
    ])
    .unwrap();
    assert_eq!(
        g.dependencies_of(&key("shop", "0001_squashed_0002")),
        keys(&[("library", "0001_initial")])
    );
}

/// After the transition (replaced files deleted, `replaces` removed), a dependency still
/// naming a deleted original is an error that names the squash to point at.
#[test]
fn a_dependency_on_a_deleted_squashed_migration_names_the_squash() {
    let ms = vec![
        m("library", "0001_squashed_0003_book_isbn", &[]),
        m("shop", "0001_initial", &[("library", "0002_author")]),
    ];
    let err = MigrationGraph::new(ms).unwrap_err();
    assert_eq!(
        err,
        GraphError::SquashedDependency {
            migration: key("shop", "0001_initial"),
            dependency: key("library", "0002_author"),
            squash: Box::new(key("library", "0001_squashed_0003_book_isbn")),
        }
    );
    assert!(err
        .to_string()
        .contains(".dependency(\"library\", \"0001_squashed_0003_book_isbn\")"));
}
