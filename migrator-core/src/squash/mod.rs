//! `squashmigrations` (Django's `squashmigrations` command, the part that is not printing):
//! one migration that `replaces` a range of an app's migrations, with their operations
//! concatenated and folded by the optimizer.
//!
//! [`squash`] takes the graph as the loader built it (no database: every existing squash in
//! use), the app's migrations folder and a [`SquashRequest`], and returns a [`Squash`]: the
//! new migration, its file's source and what happened on the way (elided data steps, data-step
//! code copied from the replaced files, dependencies that point at other apps' squashes).
//! The squash keeps every dependency of the range on migrations outside it; a dependency on
//! another app's migration that a squash replaces is already the squash in the graph, so it
//! is written that way. `RunSql` and `RunRust` steps stay, in order, and the optimizer folds
//! nothing across them; steps marked `.elidable()` are dropped. A `RunRust` step's functions
//! (and the other items of its file) are copied from the replaced file into the squash
//! (`code.rs`), so the squash still compiles once the replaced files are deleted.
//!
//! Before anything is returned the result is checked: the squash replayed from the state
//! before the range must give exactly the state the replaced migrations give, and no kept
//! dependency may depend on a migration of the range (that would be a cycle). Writing the
//! file is the caller's (`writer::write_atomic`); which migrations a database then uses is
//! the graph's (`graph.rs`, Django's rule on `replaces`).

mod code;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::graph::{replay, GraphError, MigrationGraph};
use crate::migration::{Migration, MigrationKey};
use crate::operations::Operation;
use crate::state::ProjectState;
use crate::writer;

/// What to squash.
#[derive(Clone, Debug, Default)]
pub struct SquashRequest {
    /// The app label.
    pub app: String,
    /// The first migration of the range (a name or a unique prefix); `None`: the app's first.
    pub start: Option<String>,
    /// The last migration of the range (a name or a unique prefix).
    pub end: String,
    /// `--squashed-name`: the name after the number (`0001_<name>`); default
    /// `squashed_<end>`.
    pub squashed_name: Option<String>,
    /// Fold the operations with the optimizer (`--no-optimize` turns it off).
    pub optimize: bool,
}

/// A data step left out of the squash because it is marked elidable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elided {
    /// The migration it was in.
    pub migration: MigrationKey,
    /// Its description (`Raw SQL operation`, `Rust operation fill_titles`).
    pub description: String,
}

/// Code copied into the squash from a replaced migration's file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopiedCode {
    /// The replaced migration whose file held it.
    pub migration: MigrationKey,
    /// The items copied (function, constant, … names; `use …` for imports).
    pub items: Vec<String>,
}

/// The squash `squash` built (nothing is written yet).
#[derive(Clone, Debug)]
pub struct Squash {
    /// The new migration (named, with its dependencies, `replaces` and operations).
    pub migration: Migration,
    /// Its file's source.
    pub source: String,
    /// The migrations it replaces, in apply order.
    pub replaced: Vec<MigrationKey>,
    /// How many operations the replaced migrations have together.
    pub operations_before: usize,
    /// Elidable data steps left out.
    pub elided: Vec<Elided>,
    /// Code copied from replaced files for the `RunRust` steps kept.
    pub copied_code: Vec<CopiedCode>,
    /// Dependencies of the range on other apps' replaced migrations, written as the squash
    /// that replaces them: (as written in the replaced migration, as written in the squash).
    pub repointed: Vec<(MigrationKey, MigrationKey)>,
}

/// The range cannot be squashed; each names the migration and what to do.
#[derive(Debug, Error)]
pub enum SquashError {
    /// The app has no migrations in the graph.
    #[error("app `{app}` has no migrations to squash (apps with migrations: {})", list(.known))]
    UnknownApp {
        /// The app asked for.
        app: String,
        /// Apps that have migrations.
        known: Vec<String>,
    },
    /// No migration of the app has this name or prefix.
    #[error("app `{app}` has no migration `{name}` (its migrations: {})", list(.candidates))]
    UnknownMigration {
        /// The app.
        app: String,
        /// The name or prefix given.
        name: String,
        /// The app's migrations.
        candidates: Vec<String>,
    },
    /// Several migrations start with this prefix.
    #[error("`{name}` matches several migrations of app `{app}` ({}); give more of the name", list(.candidates))]
    AmbiguousMigration {
        /// The app.
        app: String,
        /// The prefix given.
        name: String,
        /// The migrations it matches.
        candidates: Vec<String>,
    },
    /// The migration named is already replaced by a squash.
    #[error("`{migration}` is already squashed into `{squash}`; squash a range after it, or finish that squash's transition first (docs/squashing.md)")]
    AlreadySquashed {
        /// The replaced migration.
        migration: MigrationKey,
        /// The squash that replaces it.
        squash: MigrationKey,
    },
    /// START does not come before END.
    #[error("the range is empty: `{start}` is not applied before `{end}` (END must depend on START); give START first, then END")]
    EmptyRange {
        /// The first migration asked for.
        start: MigrationKey,
        /// The last migration asked for.
        end: MigrationKey,
    },
    /// The range holds a single migration.
    #[error("the range holds one migration (`{0}`); squashing needs at least two")]
    SingleMigration(MigrationKey),
    /// The range holds a squash that still replaces migrations.
    #[error("`{0}` is itself a squash that still replaces migrations; finish its transition first (every database past it, the replaced files deleted, its `.replaces(…)` lines removed — docs/squashing.md), then squash again")]
    SquashInRange(MigrationKey),
    /// A migration outside the range that the range depends on depends on a migration of the
    /// range: the squash would depend on itself.
    #[error("`{member}` depends on `{dependency}`, which depends on `{inner}` inside the range: the squash would depend on itself. End the range before `{inner}`, or start it after `{dependency}`'s dependency", member = .member, dependency = .dependency, inner = .inner)]
    Cycle {
        /// The range member with the dependency.
        member: MigrationKey,
        /// Its dependency outside the range.
        dependency: MigrationKey,
        /// The range member that dependency needs.
        inner: Box<MigrationKey>,
    },
    /// The squash's name is not usable or already taken.
    #[error("cannot name the squash `{name}`: {reason}; choose another with --squashed-name")]
    BadName {
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },
    /// Replaying the history failed.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// The squash does not rebuild the state the replaced migrations build (a bug in the
    /// optimizer; `--no-optimize` avoids it).
    #[error("the optimized squash of {first}..{last} does not rebuild the same schema as the migrations it replaces (first difference: {difference}); this is a bug in migrator's optimizer — squash with --no-optimize meanwhile")]
    NotEquivalent {
        /// The first migration of the range.
        first: MigrationKey,
        /// The last migration of the range.
        last: MigrationKey,
        /// Where the states differ.
        difference: String,
    },
    /// A replaced migration's file could not be read or understood (needed to copy its data
    /// steps' code).
    #[error("cannot copy the data steps of `{migration}` from {}: {reason}", .path.display())]
    StepCode {
        /// The migration.
        migration: MigrationKey,
        /// Its file.
        path: PathBuf,
        /// What went wrong and what to do.
        reason: String,
    },
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

/// Builds the squash of `request`'s range (see the module docs). `dir` is the app's
/// migrations folder: the files of replaced migrations with `RunRust` steps are read there
/// (and the new name must be free there).
pub fn squash(
    graph: &MigrationGraph,
    dir: Option<&Path>,
    request: &SquashRequest,
) -> Result<Squash, SquashError> {
    let app = request.app.as_str();
    if graph.app_migrations(app).is_empty() {
        return Err(SquashError::UnknownApp {
            app: app.to_owned(),
            known: graph.apps(),
        });
    }
    let end = resolve(graph, app, &request.end)?;
    let mut range: Vec<MigrationKey> = graph
        .forwards_plan(&end)
        .into_iter()
        .filter(|k| k.app == app)
        .collect();
    if let Some(start) = &request.start {
        let start = resolve(graph, app, start)?;
        let Some(at) = range.iter().position(|k| *k == start) else {
            return Err(SquashError::EmptyRange { start, end });
        };
        range.drain(..at);
    }
    if range.len() < 2 {
        return Err(SquashError::SingleMigration(end));
    }
    let members: Vec<&Migration> = range
        .iter()
        .map(|k| {
            graph
                .migration(k)
                .expect("a planned migration is in the graph")
        })
        .collect();
    if let Some(m) = members.iter().find(|m| !m.replaces.is_empty()) {
        return Err(SquashError::SquashInRange(m.key()));
    }
    let in_range: BTreeSet<&MigrationKey> = range.iter().collect();

    let (dependencies, repointed) = dependencies(graph, &members, &in_range)?;
    let name = name(graph, dir, app, &range, request)?;

    // The operations, in order, without elidable data steps.
    let mut operations: Vec<Operation> = Vec::new();
    let mut elided = Vec::new();
    let mut operations_before = 0;
    for m in &members {
        operations_before += m.operations.len();
        for op in &m.operations {
            if is_elidable(op) {
                elided.push(Elided {
                    migration: m.key(),
                    description: op.describe(),
                });
            } else {
                operations.push(op.clone());
            }
        }
    }
    let before = graph.make_state(&dependencies)?;
    if request.optimize {
        operations = fold(app, operations, &before);
    }

    let mut migration = Migration::new(app, name);
    migration.initial = members[0].initial;
    migration.atomic = members.iter().all(|m| m.atomic);
    migration.dependencies = dependencies;
    migration.replaces = range.clone();
    // The replaced migrations' `run_before` stay: what had to wait for one of them waits for
    // the squash (a target inside the range is ordered by the squash itself).
    for later in members.iter().flat_map(|m| &m.run_before) {
        if !in_range.contains(later) && !migration.run_before.contains(later) {
            migration.run_before.push(later.clone());
        }
    }
    migration.operations = operations;
    check_equivalent(&before, &members, &migration)?;

    let copied = code::copy_step_code(dir, &members, &migration)?;
    let mut source = writer::render(&migration);
    if !copied.source.is_empty() {
        source.push('\n');
        source.push_str(&copied.source);
    }
    Ok(Squash {
        migration,
        source,
        replaced: range,
        operations_before,
        elided,
        copied_code: copied.copied,
        repointed,
    })
}

/// The optimizer's fold of a squash's operations, given the state before them (which lets it
/// check the rewrites that need the state).
fn fold(app: &str, operations: Vec<Operation>, before: &ProjectState) -> Vec<Operation> {
    crate::optimizer::optimize_from(app, operations, before)
}

fn is_elidable(op: &Operation) -> bool {
    match op {
        Operation::RunSql(op) => op.elidable,
        Operation::RunRust(op) => op.elidable,
        _ => false,
    }
}

/// The migration of `app` named `name`, or the only one whose name starts with it.
fn resolve(graph: &MigrationGraph, app: &str, name: &str) -> Result<MigrationKey, SquashError> {
    let all = graph.app_migrations(app);
    if let Some(k) = all.iter().find(|k| k.name == name) {
        return Ok(k.clone());
    }
    let matches: Vec<&MigrationKey> = all.iter().filter(|k| k.name.starts_with(name)).collect();
    let replaced = graph
        .replaced()
        .iter()
        .find(|(k, _)| k.app == app && k.name.starts_with(name));
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] if replaced.is_some() => {
            let (migration, squash) = replaced.expect("checked");
            Err(SquashError::AlreadySquashed {
                migration: migration.clone(),
                squash: squash.clone(),
            })
        }
        [] => Err(SquashError::UnknownMigration {
            app: app.to_owned(),
            name: name.to_owned(),
            candidates: all.iter().map(|k| k.name.clone()).collect(),
        }),
        many => Err(SquashError::AmbiguousMigration {
            app: app.to_owned(),
            name: name.to_owned(),
            candidates: many.iter().map(|k| k.name.clone()).collect(),
        }),
    }
}

/// The squash's dependencies: every dependency of the range outside it, minus those a later
/// dependency on the same app already implies; and the ones that point at another app's squash in place
/// of a migration it replaces.
#[allow(clippy::type_complexity)]
fn dependencies(
    graph: &MigrationGraph,
    members: &[&Migration],
    in_range: &BTreeSet<&MigrationKey>,
) -> Result<(Vec<MigrationKey>, Vec<(MigrationKey, MigrationKey)>), SquashError> {
    let mut external: BTreeMap<MigrationKey, MigrationKey> = BTreeMap::new();
    let mut repointed = Vec::new();
    for m in members {
        // The graph's node has dependencies on replaced migrations re-pointed at their squash;
        // the migration as written names the original.
        let written = graph.source_migration(&m.key()).unwrap_or(m);
        for dep in &written.dependencies {
            if let Some(squash) = graph.replaced().get(dep) {
                if !in_range.contains(squash) {
                    repointed.push((dep.clone(), squash.clone()));
                }
            }
        }
        for dep in graph.dependencies_of(&m.key()) {
            if !in_range.contains(&dep) {
                external.entry(dep).or_insert_with(|| m.key());
            }
        }
    }
    repointed.sort();
    repointed.dedup();
    // A kept dependency must not need the range itself.
    let mut ancestors: BTreeMap<MigrationKey, BTreeSet<MigrationKey>> = BTreeMap::new();
    for (dep, member) in &external {
        let plan = graph.forwards_plan(dep);
        if let Some(inner) = plan.iter().find(|k| in_range.contains(k)) {
            return Err(SquashError::Cycle {
                member: member.clone(),
                dependency: dep.clone(),
                inner: Box::new(inner.clone()),
            });
        }
        ancestors.insert(dep.clone(), plan.into_iter().filter(|k| k != dep).collect());
    }
    // Of several dependencies on one app, the latest implies the others (a dependency on the
    // app's own earlier migration always stays: it keeps the app's history one line).
    let kept: Vec<MigrationKey> = external
        .keys()
        .filter(|dep| {
            !ancestors
                .iter()
                .any(|(other, a)| other.app == dep.app && a.contains(*dep))
        })
        .cloned()
        .collect();
    Ok((kept, repointed))
}

/// Django's name: `<first number>_squashed_<last name>`, or `<first number>_<--squashed-name>`.
fn name(
    graph: &MigrationGraph,
    dir: Option<&Path>,
    app: &str,
    range: &[MigrationKey],
    request: &SquashRequest,
) -> Result<String, SquashError> {
    let first = &range[0].name;
    let last = &range[range.len() - 1].name;
    let number: String = first.chars().take_while(char::is_ascii_digit).collect();
    let number = if number.is_empty() {
        "0001".to_owned()
    } else {
        number
    };
    let name = match &request.squashed_name {
        Some(n) => {
            writer::check_suffix(n).map_err(|e| SquashError::BadName {
                name: n.clone(),
                reason: e.to_string(),
            })?;
            format!("{number}_{n}")
        }
        None => format!("{number}_squashed_{last}"),
    };
    if !writer::is_valid_name(&name) {
        return Err(SquashError::BadName {
            name,
            reason: "it is not a valid migration file name".to_owned(),
        });
    }
    let key = MigrationKey::new(app, name.clone());
    if graph.source_migration(&key).is_some()
        || dir.is_some_and(|d| d.join(format!("{name}.rs")).exists())
    {
        return Err(SquashError::BadName {
            name,
            reason: format!("app `{app}` already has a migration with that name"),
        });
    }
    Ok(name)
}

/// The squash replayed from `before` must give what the replaced migrations give.
fn check_equivalent(
    before: &ProjectState,
    members: &[&Migration],
    squash: &Migration,
) -> Result<(), SquashError> {
    let mut expected = before.clone();
    for m in members {
        replay(&mut expected, m)?;
    }
    let mut got = before.clone();
    replay(&mut got, squash)?;
    if got == expected {
        return Ok(());
    }
    let (e, g) = (expected.canonical_text(), got.canonical_text());
    let difference = e.lines().zip(g.lines()).find(|(a, b)| a != b).map_or_else(
        || "one state has more lines".to_owned(),
        |(a, b)| format!("expected `{a}`, got `{b}`"),
    );
    Err(SquashError::NotEquivalent {
        first: members[0].key(),
        last: members[members.len() - 1].key(),
        difference,
    })
}
