//! From per-app changes to migrations in the graph, like Django's `arrange_for_graph` and
//! `_trim_to_apps`: which apps get a migration ([`trim_to_apps`]), what each is called and
//! which migrations it depends on ([`arrange`]), and the two migrations that are planned
//! without detection: `--empty` ([`empty_migration`]) and `--merge` ([`merge_migrations`]).
//!
//! Names come from the writer's rules ([`writer::next_name`], [`writer::merge_migration`]);
//! rendering and writing files is the caller's business.

use std::collections::{BTreeMap, BTreeSet};

use crate::graph::MigrationGraph;
use crate::migration::{Migration, MigrationKey};
use crate::operations::Operation;
use crate::state::ProjectState;
use crate::writer;

use super::result::{AppChanges, DetectError};

/// Keeps the apps with operations among `apps` (every app when `apps` is empty) plus, for the
/// requested ones, every app they depend on (so the new dependencies point at migrations that
/// exist), like Django's `_trim_to_apps`.
pub fn trim_to_apps(
    mut changes: BTreeMap<String, AppChanges>,
    apps: &[String],
) -> BTreeMap<String, AppChanges> {
    changes.retain(|_, c| !c.operations.is_empty());
    if apps.is_empty() {
        return changes;
    }
    let mut keep: BTreeSet<String> = apps.iter().cloned().collect();
    loop {
        let more: BTreeSet<String> = keep
            .iter()
            .filter_map(|app| changes.get(app))
            .flat_map(|c| c.depends_on_apps.iter().cloned())
            .filter(|dep| !keep.contains(dep))
            .collect();
        if more.is_empty() {
            break;
        }
        keep.extend(more);
    }
    changes.retain(|app, _| keep.contains(app));
    changes
}

/// The app's leaf migration (the first when it has several), if it has migrations.
fn leaf(graph: &MigrationGraph, app: &str) -> Option<MigrationKey> {
    graph.leaf_nodes(app).into_iter().next()
}

/// Names every changed app's new migration (`name` is `--name`'s suffix), then wires its
/// dependencies, like Django's `arrange_for_graph`: the app's own leaf; for each app in
/// `depends_on_previous`, that app's leaf before this run; for each other app in
/// `depends_on_apps`, that app's new migration from this run, or else its leaf. Returns the
/// migrations in app order.
///
/// `models` (the current models) only words the error for a dependency on an app that has
/// no migration at all ([`DetectError::DependencyWithoutMigrations`]).
pub fn arrange(
    changes: &BTreeMap<String, AppChanges>,
    graph: &MigrationGraph,
    models: &ProjectState,
    name: Option<&str>,
) -> Result<Vec<Migration>, DetectError> {
    let mut names = BTreeMap::new();
    for (app, change) in changes {
        let existing = graph.app_migrations(app);
        let initial = existing.is_empty();
        let name = writer::next_name(&existing, &change.operations, name, initial);
        names.insert(app.clone(), (name, initial));
    }
    let mut arranged = Vec::with_capacity(changes.len());
    for (app, change) in changes {
        let (name, initial) = names[app].clone();
        let mut migration = Migration::new(app.clone(), name);
        migration.initial = initial;
        migration.operations = change.operations.clone();
        migration.dependencies.extend(leaf(graph, app));
        // Apps whose existing leaf is needed even though they get a new migration too.
        for dep in &change.depends_on_previous {
            if dep != app {
                migration.dependencies.extend(leaf(graph, dep));
            }
        }
        for dep in change
            .depends_on_apps
            .difference(&change.depends_on_previous)
        {
            if dep == app {
                continue;
            }
            let key = match names.get(dep) {
                Some((dep_name, _)) => Some(MigrationKey::new(dep.clone(), dep_name.clone())),
                None => leaf(graph, dep),
            };
            match key {
                Some(key) => migration.dependencies.push(key),
                None => {
                    return Err(DetectError::DependencyWithoutMigrations {
                        app: app.clone(),
                        dependency: dep.clone(),
                        known: models.models.keys().any(|k| &k.app == dep),
                    })
                }
            }
        }
        let mut seen = BTreeSet::new();
        migration.dependencies.retain(|k| seen.insert(k.clone()));
        arranged.push(migration);
    }
    Ok(arranged)
}

/// `--empty`: a migration without operations after the app's leaf, to fill by hand. Named
/// `name` when given, else `initial` for an app without migrations, else `custom`.
pub fn empty_migration(graph: &MigrationGraph, app: &str, name: Option<&str>) -> Migration {
    let existing = graph.app_migrations(app);
    let initial = existing.is_empty();
    let explicit = name.or(if initial { None } else { Some("custom") });
    let mut migration = Migration::new(app, writer::next_name(&existing, &[], explicit, initial));
    migration.initial = initial;
    migration.dependencies.extend(leaf(graph, app));
    migration
}

/// One branch a merge migration joins: a leaf and the operations of its own migrations (those
/// of the app that not every leaf has among its ancestors), in apply order.
#[derive(Clone, Debug, PartialEq)]
pub struct MergeBranch {
    /// The leaf migration's name.
    pub leaf: String,
    /// What the branch does that the others do not.
    pub operations: Vec<Operation>,
}

/// A merge migration (`--merge`) and the branches it joins.
#[derive(Clone, Debug, PartialEq)]
pub struct MergeMigration {
    /// The migration: no operations, a dependency on every leaf.
    pub migration: Migration,
    /// The branches, in the order of `conflicts`' leaves.
    pub branches: Vec<MergeBranch>,
}

/// `--merge`: one merge migration per app of `conflicts` (app → its leaves, as
/// [`MigrationGraph::conflicts`] gives them), named by the writer's merge rule or, with
/// `name`, like any new migration.
pub fn merge_migrations(
    graph: &MigrationGraph,
    conflicts: &BTreeMap<String, Vec<MigrationKey>>,
    name: Option<&str>,
) -> Vec<MergeMigration> {
    let mut merges = Vec::with_capacity(conflicts.len());
    for (app, leaves) in conflicts {
        // Each branch: the leaf's ancestors in this app that not every leaf shares.
        let ancestry: Vec<BTreeSet<MigrationKey>> = leaves
            .iter()
            .map(|leaf| {
                graph
                    .forwards_plan(leaf)
                    .into_iter()
                    .filter(|k| &k.app == app)
                    .collect()
            })
            .collect();
        let common: BTreeSet<MigrationKey> = ancestry
            .iter()
            .skip(1)
            .fold(ancestry.first().cloned().unwrap_or_default(), |acc, set| {
                acc.intersection(set).cloned().collect()
            });
        let branches = leaves
            .iter()
            .map(|leaf| MergeBranch {
                leaf: leaf.name.clone(),
                operations: graph
                    .forwards_plan(leaf)
                    .into_iter()
                    .filter(|k| &k.app == app && !common.contains(k))
                    .filter_map(|k| graph.migration(&k))
                    .flat_map(|m| m.operations.iter().cloned())
                    .collect(),
            })
            .collect();
        let existing = graph.app_migrations(app);
        let mut migration = writer::merge_migration(app, &existing, leaves);
        if let Some(name) = name {
            migration.name = writer::next_name(&existing, &[], Some(name), false);
        }
        merges.push(MergeMigration {
            migration,
            branches,
        });
    }
    merges
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::DeleteModel;

    fn change(deps: &[&str]) -> AppChanges {
        AppChanges {
            operations: vec![Operation::DeleteModel(DeleteModel { name: "X".into() })],
            depends_on_apps: deps.iter().map(|d| d.to_string()).collect(),
            ..AppChanges::default()
        }
    }

    #[test]
    fn trimming_keeps_the_apps_asked_for_and_what_they_depend_on() {
        let mut changes = BTreeMap::new();
        changes.insert("books".to_string(), change(&["authors"]));
        changes.insert("authors".to_string(), change(&["people"]));
        changes.insert("people".to_string(), change(&[]));
        changes.insert("shop".to_string(), change(&[]));
        changes.insert("empty".to_string(), AppChanges::default());

        let all = trim_to_apps(changes.clone(), &[]);
        assert_eq!(
            all.keys().collect::<Vec<_>>(),
            ["authors", "books", "people", "shop"],
            "no app filter: every app with operations"
        );
        let books = trim_to_apps(changes.clone(), &["books".into()]);
        assert_eq!(
            books.keys().collect::<Vec<_>>(),
            ["authors", "books", "people"]
        );
        let shop = trim_to_apps(changes, &["shop".into()]);
        assert_eq!(shop.keys().collect::<Vec<_>>(), ["shop"]);
    }

    #[test]
    fn arranging_names_each_app_and_points_at_new_or_existing_migrations() {
        let graph = MigrationGraph::new(vec![
            Migration::new("authors", "0001_initial"),
            Migration::new("books", "0001_initial").dependency("authors", "0001_initial"),
            Migration::new("people", "0001_initial"),
        ])
        .unwrap();
        let mut changes = BTreeMap::new();
        changes.insert("authors".to_string(), change(&["people"]));
        let mut books = change(&["authors", "people"]);
        books.depends_on_previous.insert("people".into());
        changes.insert("books".to_string(), books);
        changes.insert("people".to_string(), change(&[]));
        let arranged = arrange(&changes, &graph, &ProjectState::new(), None).unwrap();
        let deps: Vec<(String, Vec<String>)> = arranged
            .iter()
            .map(|m| {
                (
                    m.key().to_string(),
                    m.dependencies.iter().map(ToString::to_string).collect(),
                )
            })
            .collect();
        assert_eq!(
            deps,
            [
                (
                    "authors.0002_delete_x".to_string(),
                    vec![
                        "authors.0001_initial".to_string(),
                        "people.0002_delete_x".to_string()
                    ]
                ),
                (
                    "books.0002_delete_x".to_string(),
                    vec![
                        "books.0001_initial".to_string(),
                        "people.0001_initial".to_string(),
                        "authors.0002_delete_x".to_string()
                    ]
                ),
                (
                    "people.0002_delete_x".to_string(),
                    vec!["people.0001_initial".to_string()]
                ),
            ]
        );

        let mut orphan = BTreeMap::new();
        orphan.insert("books".to_string(), change(&["nowhere"]));
        assert_eq!(
            arrange(&orphan, &graph, &ProjectState::new(), Some("x")),
            Err(DetectError::DependencyWithoutMigrations {
                app: "books".into(),
                dependency: "nowhere".into(),
                known: false,
            })
        );
    }

    #[test]
    fn empty_migrations_are_initial_or_custom_unless_named() {
        let graph = MigrationGraph::new(vec![Migration::new("books", "0001_initial")]).unwrap();
        let custom = empty_migration(&graph, "books", None);
        assert_eq!(custom.name, "0002_custom");
        assert_eq!(
            custom.dependencies,
            [MigrationKey::new("books", "0001_initial")]
        );
        assert!(!custom.initial);
        let first = empty_migration(&graph, "shop", None);
        assert_eq!(first.name, "0001_initial");
        assert!(first.initial && first.dependencies.is_empty());
        assert_eq!(
            empty_migration(&graph, "books", Some("fill")).name,
            "0002_fill"
        );
    }
}
