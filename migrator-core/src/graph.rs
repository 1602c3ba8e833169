//! [`MigrationGraph`]: every known migration as a node, its dependencies as edges (Django's
//! `django/db/migrations/graph.py`).
//!
//! The graph checks the history once, when it is built: a dependency on a migration that does
//! not exist and a dependency cycle are errors naming the migrations involved. It then answers
//! ordering questions — plans forwards to a target, backwards from one, the whole history —
//! always in one deterministic order (a topological order that breaks ties by `(app, name)`),
//! and rebuilds past schema states by replaying operations. It does not know what is applied
//! (that is the recorder's), where migrations come from (the loader's) or how to run them
//! (the executor's).
//!
//! `run_before` (Django's): a migration that declares `.run_before(app, name)` becomes a
//! dependency of `app.name`, an edge like any other (plans, cycles and
//! [`MigrationGraph::dependencies_of`] include it); a cycle that such an edge closes names the
//! `run_before` in its message.
//!
//! Squashed migrations (`replaces`), Django's rule: a squash is used when none or all of the
//! migrations it replaces are applied — the graph then
//! drops the originals that are present, re-points every dependency on a replaced migration
//! at the squash, and reports the mapping ([`MigrationGraph::replaced`]) so the executor can
//! count the squash as applied when all the migrations it replaces are. While a database is
//! part-way through the replaced migrations (and all of them are present) the originals are
//! used instead: the squash is dropped and dependencies on it are re-pointed at the last
//! migration it replaces. [`MigrationGraph::new`] knows no database, so it resolves as for
//! an empty one (every squash used); [`MigrationGraph::for_recorded`] resolves for what a
//! database has recorded. The migrations as given stay available
//! ([`MigrationGraph::squashes`], [`MigrationGraph::source_migration`]).

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::sync::Arc;

use thiserror::Error;

use crate::migration::{Migration, MigrationKey};
use crate::operations::StateError;
use crate::state::ProjectState;

/// The migration history is inconsistent, or replaying it fails.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// A migration depends on a migration that is not known.
    #[error(
        "migration `{migration}` depends on `{dependency}`, which does not exist. If `{app}` is \
another crate, check that it is linked into this binary (`use {app} as _;`) and that it embeds \
its migrations (a `build.rs` calling `migrator_build::embed_migrations()` and \
`migrator_core::embed_migrations!();` in its lib.rs); otherwise fix the dependency in \
`{migration}`'s file",
        app = dependency.app
    )]
    MissingDependency {
        /// The migration that wants the dependency.
        migration: MigrationKey,
        /// The missing dependency.
        dependency: MigrationKey,
    },
    /// A migration depends on a migration that was squashed and then deleted, after the
    /// squash's `replaces` was removed (the transition's last step, done before every
    /// dependency was re-pointed).
    #[error(
        "migration `{migration}` depends on `{dependency}`, which does not exist: it was \
squashed into `{squash}` and its file deleted. Point the dependency at `{squash}` in \
`{migration}`'s file (`.dependency(\"{app}\", \"{name}\")`); see docs/squashing.md",
        app = squash.app,
        name = squash.name
    )]
    SquashedDependency {
        /// The migration that wants the dependency.
        migration: MigrationKey,
        /// The deleted, squashed migration.
        dependency: MigrationKey,
        /// The squash whose name says it covers it.
        squash: Box<MigrationKey>,
    },
    /// Two migrations share a key.
    #[error("migration `{0}` is defined twice; each app's migration names must be unique")]
    Duplicate(MigrationKey),
    /// Dependencies form a cycle.
    #[error(
        "the migration dependencies form a cycle: {}; remove one of these dependencies{}",
        cycle_text(.members),
        run_before_text(.run_before)
    )]
    Cycle {
        /// The migrations on the cycle, each depending on the next; the last depends on the first.
        members: Vec<MigrationKey>,
        /// The cycle's edges that a `run_before` declares rather than a dependency: `(earlier,
        /// later)`, where `earlier`'s file says `.run_before(later)`.
        run_before: Vec<(MigrationKey, MigrationKey)>,
    },
    /// A migration's `run_before` names a migration that is not known.
    #[error(
        "migration `{migration}` says it runs before `{target}`, which does not exist; fix the \
`.run_before(\"{app}\", \"{name}\")` in `{migration}`'s file, or link `{app}` into this binary \
(`use {app} as _;`) if it is another crate",
        app = target.app,
        name = target.name
    )]
    MissingRunBefore {
        /// The migration whose file declares `run_before`.
        migration: MigrationKey,
        /// The migration it names.
        target: MigrationKey,
    },
    /// A migration named in a request is not in the graph.
    #[error("migration `{0}` is not known; check the app label and the migration name")]
    UnknownMigration(MigrationKey),
    /// An operation does not fit the state the earlier migrations built.
    #[error("migration `{migration}`, operation {index} ({description}): {source}")]
    State {
        /// The migration being replayed.
        migration: MigrationKey,
        /// Index of the failing operation in the migration (0-based).
        index: usize,
        /// The operation's description.
        description: String,
        /// What went wrong.
        source: Box<StateError>,
    },
}

fn cycle_text(members: &[MigrationKey]) -> String {
    let mut parts: Vec<String> = members.iter().map(ToString::to_string).collect();
    if let Some(first) = members.first() {
        parts.push(first.to_string());
    }
    parts.join(" → ")
}

fn run_before_text(edges: &[(MigrationKey, MigrationKey)]) -> String {
    edges
        .iter()
        .map(|(earlier, later)| {
            format!(
                " (the edge {later} → {earlier} comes from `.run_before(\"{}\", \"{}\")` in {earlier})",
                later.app, later.name
            )
        })
        .collect()
}

/// The migration history as a directed acyclic graph. Built with [`MigrationGraph::new`].
#[derive(Clone, Debug, Default)]
pub struct MigrationGraph {
    /// Migrations, sorted by key; node `i` is `nodes[i]`.
    nodes: Vec<Migration>,
    /// Key → node index.
    index: HashMap<MigrationKey, usize>,
    /// Dependencies of each node (sorted, deduplicated node indexes).
    parents: Vec<Vec<usize>>,
    /// Dependents of each node (sorted, deduplicated node indexes).
    children: Vec<Vec<usize>>,
    /// Every node in the canonical apply order.
    order: Vec<usize>,
    /// Position of each node in `order`.
    position: Vec<usize>,
    /// Replaced migration → the squash used in its place.
    replaced: BTreeMap<MigrationKey, MigrationKey>,
    /// Every migration as given (before squashes were resolved), sorted by key.
    source: Arc<[Migration]>,
}

impl MigrationGraph {
    /// Builds the graph, resolving squashed migrations (see the module docs) and checking that
    /// every dependency exists and that there is no cycle.
    pub fn new(migrations: Vec<Migration>) -> Result<Self, GraphError> {
        let mut by_key: BTreeMap<MigrationKey, Migration> = BTreeMap::new();
        for m in migrations {
            let key = m.key();
            if by_key.insert(key.clone(), m).is_some() {
                return Err(GraphError::Duplicate(key));
            }
        }
        let source: Arc<[Migration]> = by_key.values().cloned().collect();
        Self::build(by_key, source, &BTreeSet::new())
    }

    /// The graph as a database that has recorded `recorded` sees it: a squash whose replaced
    /// migrations are part-way applied gives way to the originals (see the module docs).
    /// Borrows `self` when that changes nothing.
    pub fn for_recorded(
        &self,
        recorded: &BTreeSet<MigrationKey>,
    ) -> Result<Cow<'_, Self>, GraphError> {
        let part_way = self.squashes().any(|s| {
            squash_view(|k| self.source_migration(k).is_some(), s, recorded)
                == SquashView::Originals
        });
        if !part_way {
            return Ok(Cow::Borrowed(self));
        }
        let by_key: BTreeMap<MigrationKey, Migration> =
            self.source.iter().map(|m| (m.key(), m.clone())).collect();
        Self::build(by_key, Arc::clone(&self.source), recorded).map(Cow::Owned)
    }

    /// The graph with the originals in place of every squash whose replaced migrations are all
    /// present, whatever is applied: where Django's `migrate` goes when its target is a
    /// migration a squash replaces (a rollback into the middle of a squash, or a forward move
    /// to part of it).
    pub fn without_squashes(&self) -> Result<Self, GraphError> {
        let by_key: BTreeMap<MigrationKey, Migration> =
            self.source.iter().map(|m| (m.key(), m.clone())).collect();
        let everything: BTreeSet<MigrationKey> = BTreeSet::new();
        Self::build_with(by_key, Arc::clone(&self.source), &everything, true)
    }

    /// Every squash among the migrations as given (used or not), in key order.
    pub fn squashes(&self) -> impl Iterator<Item = &Migration> + '_ {
        self.source.iter().filter(|m| !m.replaces.is_empty())
    }

    /// A migration as given, whether the graph uses it or not (a replaced original, or a
    /// squash set aside while a database is part-way through it).
    pub fn source_migration(&self, key: &MigrationKey) -> Option<&Migration> {
        self.source
            .binary_search_by(|m| (m.app.as_str(), m.name.as_str()).cmp(&(&key.app, &key.name)))
            .ok()
            .map(|i| &self.source[i])
    }

    fn build(
        by_key: BTreeMap<MigrationKey, Migration>,
        source: Arc<[Migration]>,
        recorded: &BTreeSet<MigrationKey>,
    ) -> Result<Self, GraphError> {
        Self::build_with(by_key, source, recorded, false)
    }

    fn build_with(
        mut by_key: BTreeMap<MigrationKey, Migration>,
        source: Arc<[Migration]>,
        recorded: &BTreeSet<MigrationKey>,
        originals: bool,
    ) -> Result<Self, GraphError> {
        let replaced = resolve_replacements(&mut by_key, recorded, originals);

        let nodes: Vec<Migration> = by_key.into_values().collect();
        let index: HashMap<MigrationKey, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, m)| (m.key(), i))
            .collect();
        let mut parents = vec![Vec::new(); nodes.len()];
        let mut children = vec![Vec::new(); nodes.len()];
        for (i, m) in nodes.iter().enumerate() {
            for dep in &m.dependencies {
                let Some(&p) = index.get(dep) else {
                    if let Some(squash) = squash_named_for(&nodes, dep) {
                        return Err(GraphError::SquashedDependency {
                            migration: m.key(),
                            dependency: dep.clone(),
                            squash: Box::new(squash),
                        });
                    }
                    return Err(GraphError::MissingDependency {
                        migration: m.key(),
                        dependency: dep.clone(),
                    });
                };
                parents[i].push(p);
                children[p].push(i);
            }
            // `run_before`: the named migration depends on this one.
            for later in &m.run_before {
                let Some(&c) = index.get(later) else {
                    return Err(GraphError::MissingRunBefore {
                        migration: m.key(),
                        target: later.clone(),
                    });
                };
                parents[c].push(i);
                children[i].push(c);
            }
        }
        for list in parents.iter_mut().chain(children.iter_mut()) {
            list.sort_unstable();
            list.dedup();
        }
        let mut graph = Self {
            nodes,
            index,
            parents,
            children,
            order: Vec::new(),
            position: Vec::new(),
            replaced,
            source,
        };
        graph.order = graph.topological_order()?;
        graph.position = vec![0; graph.nodes.len()];
        for (pos, &node) in graph.order.iter().enumerate() {
            graph.position[node] = pos;
        }
        Ok(graph)
    }

    /// Kahn's algorithm with a min-heap on node index (= key order): the smallest-keyed ready
    /// migration goes first, so the order is deterministic. O((V + E) log V).
    fn topological_order(&self) -> Result<Vec<usize>, GraphError> {
        let mut pending: Vec<usize> = self.parents.iter().map(Vec::len).collect();
        let mut ready: BinaryHeap<Reverse<usize>> = pending
            .iter()
            .enumerate()
            .filter(|(_, &n)| n == 0)
            .map(|(i, _)| Reverse(i))
            .collect();
        let mut order = Vec::with_capacity(self.nodes.len());
        while let Some(Reverse(node)) = ready.pop() {
            order.push(node);
            for &child in &self.children[node] {
                pending[child] -= 1;
                if pending[child] == 0 {
                    ready.push(Reverse(child));
                }
            }
        }
        if order.len() == self.nodes.len() {
            return Ok(order);
        }
        let members = self.find_cycle(&pending);
        let run_before = self.run_before_edges(&members);
        Err(GraphError::Cycle {
            members,
            run_before,
        })
    }

    /// A cycle among the nodes Kahn's algorithm could not order (`pending > 0`): walk
    /// unordered parents from the smallest such node until a node repeats.
    fn find_cycle(&self, pending: &[usize]) -> Vec<MigrationKey> {
        let start = pending
            .iter()
            .position(|&n| n > 0)
            .expect("a cycle leaves a node with pending dependencies");
        let mut seen: HashMap<usize, usize> = HashMap::new();
        let mut path: Vec<usize> = Vec::new();
        let mut node = start;
        loop {
            if let Some(&at) = seen.get(&node) {
                // path[at..] is the cycle: we walked from each node to one of its
                // dependencies, so each member depends on the next and the last on the first.
                let mut members: Vec<MigrationKey> =
                    path[at..].iter().map(|&i| self.nodes[i].key()).collect();
                // Rotate so the smallest key comes first (deterministic text).
                if let Some(min) = (0..members.len()).min_by(|&a, &b| members[a].cmp(&members[b])) {
                    members.rotate_left(min);
                }
                return members;
            }
            seen.insert(node, path.len());
            path.push(node);
            node = *self.parents[node]
                .iter()
                .find(|&&p| pending[p] > 0)
                .expect("a node on a cycle has an unordered dependency");
        }
    }

    /// The edges of the cycle `members` (each depending on the next) that come only from a
    /// `run_before` declaration, as `(earlier, later)`.
    fn run_before_edges(&self, members: &[MigrationKey]) -> Vec<(MigrationKey, MigrationKey)> {
        let mut edges = Vec::new();
        for (i, later) in members.iter().enumerate() {
            let earlier = &members[(i + 1) % members.len()];
            let declared = self
                .index
                .get(later)
                .is_some_and(|&n| self.nodes[n].dependencies.contains(earlier));
            let by_run_before = self
                .index
                .get(earlier)
                .is_some_and(|&n| self.nodes[n].run_before.contains(later));
            if by_run_before && !declared {
                edges.push((earlier.clone(), later.clone()));
            }
        }
        edges
    }

    fn node(&self, key: &MigrationKey) -> Option<usize> {
        self.index.get(key).copied()
    }

    fn key(&self, node: usize) -> MigrationKey {
        self.nodes[node].key()
    }

    /// The migration with this key.
    pub fn migration(&self, key: &MigrationKey) -> Option<&Migration> {
        self.node(key).map(|i| &self.nodes[i])
    }

    /// True when the graph holds this migration.
    pub fn contains(&self, key: &MigrationKey) -> bool {
        self.index.contains_key(key)
    }

    /// Number of migrations.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when there is no migration at all.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Every migration, in the canonical apply order ([`MigrationGraph::full_plan`]).
    pub fn migrations(&self) -> impl Iterator<Item = &Migration> + '_ {
        self.order.iter().map(|&i| &self.nodes[i])
    }

    /// The app's migrations that no other migration of the same app depends on, sorted. More
    /// than one is a conflict that needs a merge migration.
    pub fn leaf_nodes(&self, app: &str) -> Vec<MigrationKey> {
        self.app_nodes(app)
            .filter(|&i| self.children[i].iter().all(|&c| self.nodes[c].app != app))
            .map(|i| self.key(i))
            .collect()
    }

    /// The app's migrations that depend on no other migration of the same app, sorted.
    pub fn root_nodes(&self, app: &str) -> Vec<MigrationKey> {
        self.app_nodes(app)
            .filter(|&i| self.parents[i].iter().all(|&p| self.nodes[p].app != app))
            .map(|i| self.key(i))
            .collect()
    }

    /// Node indexes of one app, in key order (nodes are sorted by key, so they are contiguous).
    fn app_nodes<'a>(&'a self, app: &'a str) -> impl Iterator<Item = usize> + 'a {
        let start = self.nodes.partition_point(|m| m.app.as_str() < app);
        (start..self.nodes.len()).take_while(move |&i| self.nodes[i].app == app)
    }

    /// Apps with more than one leaf migration, with their leaves.
    pub fn conflicts(&self) -> BTreeMap<String, Vec<MigrationKey>> {
        self.apps()
            .into_iter()
            .filter_map(|app| {
                let leaves = self.leaf_nodes(&app);
                (leaves.len() > 1).then_some((app, leaves))
            })
            .collect()
    }

    /// `target` and every migration it depends on, directly or not, in apply order (`target`
    /// last). Empty when `target` is unknown.
    pub fn forwards_plan(&self, target: &MigrationKey) -> Vec<MigrationKey> {
        self.node(target)
            .map(|n| self.plan_of(self.closure(&[n], &self.parents), false))
            .unwrap_or_default()
    }

    /// `target` and every migration that depends on it, directly or not, in unapply order
    /// (`target` last). Empty when `target` is unknown.
    pub fn backwards_plan(&self, target: &MigrationKey) -> Vec<MigrationKey> {
        self.node(target)
            .map(|n| self.plan_of(self.closure(&[n], &self.children), true))
            .unwrap_or_default()
    }

    /// The ancestors of several targets together, in apply order (each once).
    pub fn forwards_plan_many(&self, targets: &[MigrationKey]) -> Vec<MigrationKey> {
        let nodes: Vec<usize> = targets.iter().filter_map(|k| self.node(k)).collect();
        self.plan_of(self.closure(&nodes, &self.parents), false)
    }

    /// Every migration in one valid apply order: a topological order that, among migrations
    /// ready at the same time, takes the smallest `(app, name)` first. Deterministic.
    pub fn full_plan(&self) -> Vec<MigrationKey> {
        self.order.iter().map(|&i| self.key(i)).collect()
    }

    /// Where `key` stands in [`full_plan`](Self::full_plan) (`None` for an unknown key):
    /// orders any set of migrations consistently with every plan, without building the plan.
    pub fn position(&self, key: &MigrationKey) -> Option<usize> {
        self.node(key).map(|i| self.position[i])
    }

    /// The app labels that have migrations, sorted.
    pub fn apps(&self) -> Vec<String> {
        let mut apps: Vec<String> = Vec::new();
        for m in &self.nodes {
            if apps.last() != Some(&m.app) {
                apps.push(m.app.clone());
            }
        }
        apps
    }

    /// One app's migrations in the canonical apply order.
    pub fn app_migrations(&self, app: &str) -> Vec<MigrationKey> {
        let mut nodes: Vec<usize> = self.app_nodes(app).collect();
        nodes.sort_unstable_by_key(|&i| self.position[i]);
        nodes.into_iter().map(|i| self.key(i)).collect()
    }

    /// Migrations that a squash in the graph stands in for: replaced key → squash key. A
    /// squash counts as applied when every migration it replaces is recorded as applied
    /// (Django's rule); the executor uses this to read the recorder's rows.
    pub fn replaced(&self) -> &BTreeMap<MigrationKey, MigrationKey> {
        &self.replaced
    }

    /// The direct dependencies of a migration that are in the graph, sorted.
    pub fn dependencies_of(&self, key: &MigrationKey) -> Vec<MigrationKey> {
        self.node(key)
            .map(|n| self.parents[n].iter().map(|&p| self.key(p)).collect())
            .unwrap_or_default()
    }

    /// The migrations that depend directly on this one, sorted.
    pub fn dependents_of(&self, key: &MigrationKey) -> Vec<MigrationKey> {
        self.node(key)
            .map(|n| self.children[n].iter().map(|&c| self.key(c)).collect())
            .unwrap_or_default()
    }

    /// The schema after applying `nodes` and everything they depend on (replayed from an
    /// empty state in apply order). Unknown keys are an error.
    pub fn make_state(&self, nodes: &[MigrationKey]) -> Result<ProjectState, GraphError> {
        let mut ids = Vec::with_capacity(nodes.len());
        for key in nodes {
            ids.push(
                self.node(key)
                    .ok_or_else(|| GraphError::UnknownMigration(key.clone()))?,
            );
        }
        let mut state = ProjectState::new();
        for i in self.sorted_by_position(self.closure(&ids, &self.parents), false) {
            replay(&mut state, &self.nodes[i])?;
        }
        Ok(state)
    }

    /// The schema the whole history produces.
    pub fn project_state(&self) -> Result<ProjectState, GraphError> {
        let mut state = ProjectState::new();
        for &i in &self.order {
            replay(&mut state, &self.nodes[i])?;
        }
        Ok(state)
    }

    /// Every node reachable from `start` through `edges` (including `start`). O(V + E).
    fn closure(&self, start: &[usize], edges: &[Vec<usize>]) -> Vec<usize> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<usize> = Vec::new();
        let mut out = Vec::new();
        for &s in start {
            if !seen[s] {
                seen[s] = true;
                stack.push(s);
            }
        }
        while let Some(n) = stack.pop() {
            out.push(n);
            for &next in &edges[n] {
                if !seen[next] {
                    seen[next] = true;
                    stack.push(next);
                }
            }
        }
        out
    }

    fn sorted_by_position(&self, mut nodes: Vec<usize>, reverse: bool) -> Vec<usize> {
        if reverse {
            nodes.sort_unstable_by_key(|&i| Reverse(self.position[i]));
        } else {
            nodes.sort_unstable_by_key(|&i| self.position[i]);
        }
        nodes
    }

    fn plan_of(&self, nodes: Vec<usize>, reverse: bool) -> Vec<MigrationKey> {
        self.sorted_by_position(nodes, reverse)
            .into_iter()
            .map(|i| self.key(i))
            .collect()
    }
}

/// Applies one migration's operations to `state`, in order; the error names the migration and
/// the operation (index and description).
pub fn replay(state: &mut ProjectState, migration: &Migration) -> Result<(), GraphError> {
    for (index, op) in migration.operations.iter().enumerate() {
        op.state_forwards(&migration.app, state)
            .map_err(|source| GraphError::State {
                migration: migration.key(),
                index,
                description: op.describe(),
                source: Box::new(source),
            })?;
    }
    Ok(())
}

/// A migration of `missing`'s app named like a squash of a range holding `missing`'s number
/// (`0001_squashed_0004_…` covers `0003_…`), as `squashmigrations` names them.
fn squash_named_for(nodes: &[Migration], missing: &MigrationKey) -> Option<MigrationKey> {
    let number = |s: &str| -> Option<u32> {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let wanted = number(&missing.name)?;
    nodes
        .iter()
        .filter(|m| m.app == missing.app)
        .find(|m| {
            let Some((first, rest)) = m.name.split_once("_squashed_") else {
                return false;
            };
            matches!((number(first), number(rest)), (Some(a), Some(b)) if a <= wanted && wanted <= b)
        })
        .map(Migration::key)
}

/// Which migrations stand for a squash on a database that recorded `recorded`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SquashView {
    /// The squash (none or all of what it replaces is applied).
    Squash,
    /// The originals (part-way, and every original is present).
    Originals,
}

fn squash_view(
    present: impl Fn(&MigrationKey) -> bool,
    squash: &Migration,
    recorded: &BTreeSet<MigrationKey>,
) -> SquashView {
    let applied = squash
        .replaces
        .iter()
        .filter(|r| recorded.contains(*r))
        .count();
    let all_present = squash.replaces.iter().all(present);
    let part_way = applied > 0 && applied < squash.replaces.len();
    if part_way && all_present {
        SquashView::Originals
    } else {
        // Part-way with originals gone cannot continue: the squash stays, and the executor
        // reports it (`ExecutorError::PartialSquash`).
        SquashView::Squash
    }
}

/// Applies the module-level rule for squashed migrations to the set of migrations, for a
/// database that recorded `recorded`; returns replaced key → squash key for every squash in
/// use.
fn resolve_replacements(
    by_key: &mut BTreeMap<MigrationKey, Migration>,
    recorded: &BTreeSet<MigrationKey>,
    originals: bool,
) -> BTreeMap<MigrationKey, MigrationKey> {
    let squashes: Vec<Migration> = by_key
        .values()
        .filter(|m| !m.replaces.is_empty())
        .cloned()
        .collect();
    let mut remap: BTreeMap<MigrationKey, MigrationKey> = BTreeMap::new();
    let mut replaced: BTreeMap<MigrationKey, MigrationKey> = BTreeMap::new();
    for squash in squashes {
        let all_present = squash.replaces.iter().all(|r| by_key.contains_key(r));
        if (originals && all_present)
            || squash_view(|k| by_key.contains_key(k), &squash, recorded) == SquashView::Originals
        {
            // The originals carry on; whatever depends on the squash waits for the last one.
            by_key.remove(&squash.key());
            if let Some(last) = squash.replaces.last() {
                remap.insert(squash.key(), last.clone());
            }
            continue;
        }
        for r in &squash.replaces {
            by_key.remove(r);
            remap.insert(r.clone(), squash.key());
            replaced.insert(r.clone(), squash.key());
        }
    }
    if remap.is_empty() {
        return replaced;
    }
    for m in by_key.values_mut() {
        let own = m.key();
        let mut deps: Vec<MigrationKey> = Vec::with_capacity(m.dependencies.len());
        let mut seen: BTreeSet<MigrationKey> = BTreeSet::new();
        for dep in m.dependencies.drain(..) {
            let dep = remap.get(&dep).cloned().unwrap_or(dep);
            if dep != own && seen.insert(dep.clone()) {
                deps.push(dep);
            }
        }
        m.dependencies = deps;
        let mut before: Vec<MigrationKey> = Vec::with_capacity(m.run_before.len());
        for later in m.run_before.drain(..) {
            let later = remap.get(&later).cloned().unwrap_or(later);
            if later != own && !before.contains(&later) {
                before.push(later);
            }
        }
        m.run_before = before;
    }
    replaced
}
