//! `inspectdb`: the Rust source of `#[derive(Model)]` structs for the tables of a live
//! database (Django's `inspectdb`), so an existing database can be adopted: paste the models
//! into an app, `makemigrations`, `migrate --fake-initial`.
//!
//! [`inspect`] reads the database (`introspect::inspect`); everything after that is pure and
//! backend-neutral ([`generate`]): `plan.rs` turns each table into a model plan — columns by
//! trial against the schema editors' own spelling (`columns.rs`), names (`names.rs`), foreign
//! keys (`keys.rs`), then indexes, unique constraints and checks (`objects.rs`) — `verify.rs` compares
//! the schema each model would create with the live table, `join.rs` turns a table that is
//! exactly migrator's join table into `many_to_many(...)` on its owner, and `render.rs`
//! writes the source.
//! Whatever a model cannot say exactly as the database has it (a foreign key to columns that
//! are not a primary key, a type with no Rust mapping, an expression or partial index, a
//! constraint name migrator would spell differently, …) is flagged — a `// inspectdb:` comment at the spot and a [`Flag`] in
//! the result — never dropped in silence. Output is deterministic: tables sorted by name,
//! columns in table order. [`write_source`] writes the file atomically. Nothing here prints
//! or changes a database.

mod columns;
mod generated;
mod join;
mod keys;
mod names;
mod objects;
mod plan;
mod render;
mod verify;

#[cfg(all(test, any(feature = "postgres", feature = "mysql")))]
mod server_tests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io;
use std::path::Path;

use thiserror::Error;

use crate::backend::{Backend, DbConnection};
use crate::db_schema::{IntrospectError, LiveSchema, PROGRESS_TABLE, RECORDER_TABLE};
use columns::needed_crate;
use names::{struct_name, Namer};
use plan::Planner;

pub use render::MARKER;

/// The bookkeeping tables of other migration tools: left out unless named, with a note.
const OTHER_TOOLS: &[(&str, &str)] = &[
    (
        "__diesel_schema_migrations",
        "diesel_migrations' record of applied migrations",
    ),
    ("_sqlx_migrations", "sqlx's record of applied migrations"),
];

/// What to inspect and for which app.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// The app the models are for: tables named `{app}_…` get struct names without the
    /// prefix (Django's table naming), and the file says which app it is for.
    pub app: Option<String>,
    /// Only these tables (default: every table but the ones left out on purpose).
    pub tables: Vec<String>,
    /// Tables that already are the table of a model of this project: table → the model's
    /// path (`catalog::models::Category`). Left out unless named; foreign keys to them are
    /// flagged with the path to write.
    pub managed: BTreeMap<String, String>,
}

/// Something the generated models do not say exactly as the database has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// The table.
    pub table: String,
    /// The column, when the flag is about one.
    pub column: Option<String>,
    /// What differs and what to do about it.
    pub message: String,
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "{}.{c}: {}", self.table, self.message),
            None => write!(f, "{}: {}", self.table, self.message),
        }
    }
}

/// One table and the struct written for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectedModel {
    /// The table.
    pub table: String,
    /// The struct name.
    pub name: String,
    /// False when no model can declare the table and the struct is written commented out.
    pub written: bool,
    /// The table is the join table of this many-to-many relation (`Product.tags`), which
    /// its owner's struct declares: no struct of its own is written.
    pub relation: Option<String>,
}

/// What `inspectdb` produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inspection {
    /// The backend the database is.
    pub backend: Backend,
    /// The Rust source: a header, `use migrator_core::Model;` and one struct per table.
    pub source: String,
    /// The tables inspected, sorted, with their struct names.
    pub models: Vec<InspectedModel>,
    /// Everything the models do not say exactly as the database has it, in file order.
    pub flags: Vec<Flag>,
    /// What was left out on purpose (other tools' bookkeeping tables, tables this project
    /// already has models for, views, triggers), one sentence each.
    pub notes: Vec<String>,
    /// The crates the field types need (`chrono`, `rust_decimal`, …), sorted.
    pub crates: Vec<&'static str>,
}

/// Why `inspectdb` could not run.
#[derive(Debug, Error)]
pub enum InspectError {
    /// Tables named on the command line that the database does not have.
    #[error(
        "the database has no table named {}; its tables are: {}",
        .tables.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "),
        if .known.is_empty() { "(none)".to_owned() } else { .known.join(", ") }
    )]
    UnknownTables {
        /// The missing tables.
        tables: Vec<String>,
        /// The tables there are.
        known: Vec<String>,
    },
    /// A table named on the command line is migrator's own bookkeeping.
    #[error(
        "`{0}` is migrator's own bookkeeping table, not an application table; leave it out of \
         the tables to inspect"
    )]
    OwnTable(String),
    /// `--app` is not an app label.
    #[error(
        "`{app}` cannot be an app label: {problem}; an app label is the crate's package name \
         with `-` replaced by `_` (`my_app`)"
    )]
    BadApp {
        /// The label given.
        app: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Reading the schema failed.
    #[error(transparent)]
    Introspect(#[from] IntrospectError),
}

/// Reads the database behind `conn` and generates the models for its tables (see
/// [`generate`]). Only reads.
pub fn inspect(conn: &mut DbConnection, options: &Options) -> Result<Inspection, InspectError> {
    check_app(options.app.as_deref())?;
    check_tables(&options.tables)?;
    let live = crate::introspect::inspect(conn)?;
    generate(&live, conn.backend(), options)
}

/// Why `app` cannot be an app label, if it cannot.
fn check_app(app: Option<&str>) -> Result<(), InspectError> {
    let Some(app) = app else { return Ok(()) };
    let problem = if app.is_empty() {
        Some("it is empty".to_owned())
    } else if app.starts_with(|c: char| c.is_ascii_digit()) {
        Some("it starts with a digit".to_owned())
    } else {
        app.chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
            .map(|c| format!("it contains `{c}`"))
    };
    match problem {
        Some(problem) => Err(InspectError::BadApp {
            app: app.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

/// Refuses migrator's own tables among the tables asked for.
fn check_tables(tables: &[String]) -> Result<(), InspectError> {
    match tables
        .iter()
        .find(|t| *t == RECORDER_TABLE || *t == PROGRESS_TABLE)
    {
        Some(t) => Err(InspectError::OwnTable(t.clone())),
        None => Ok(()),
    }
}

/// Generates the models for the tables of `live` (a `backend` database): the source, the
/// flags, and what was left out. Pure: reads nothing but its arguments.
pub fn generate(
    live: &LiveSchema,
    backend: Backend,
    options: &Options,
) -> Result<Inspection, InspectError> {
    check_app(options.app.as_deref())?;
    check_tables(&options.tables)?;
    let known: Vec<String> = live.schema.tables.keys().cloned().collect();
    let mut notes = Vec::new();
    let selected: Vec<String> = if options.tables.is_empty() {
        known
            .iter()
            .filter(|t| {
                if let Some((_, what)) = OTHER_TOOLS.iter().find(|(name, _)| name == t) {
                    notes.push(format!(
                        "left out `{t}`, {what}: drop it once the project has moved to \
                         migrator (name it to inspect it anyway)"
                    ));
                    return false;
                }
                if let Some(model) = options.managed.get(*t) {
                    notes.push(format!(
                        "left out `{t}`, already the table of the model `{model}` (name it to \
                         inspect it anyway)"
                    ));
                    return false;
                }
                true
            })
            .cloned()
            .collect()
    } else {
        let wanted: BTreeSet<String> = options.tables.iter().cloned().collect();
        let missing: Vec<String> = wanted
            .iter()
            .filter(|t| !live.schema.tables.contains_key(*t))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(InspectError::UnknownTables {
                tables: missing,
                known,
            });
        }
        wanted.into_iter().collect()
    };
    for o in &live.other_objects {
        // Views always (unless only some tables are asked for); triggers of the tables written.
        let relevant = match &o.table {
            Some(t) => selected.contains(t),
            None => options.tables.is_empty(),
        };
        if !relevant {
            continue;
        }
        notes.push(match &o.table {
            None if o.kind == "shadow table" => format!(
                "the shadow table `{}` is not inspected: SQLite keeps it for a virtual table",
                o.name
            ),
            Some(t) => format!(
                "the {} `{}` on `{t}` is not inspected: models do not declare {}s; recreate \
                 it with a `run_sql` migration where a new database needs it",
                o.kind, o.name, o.kind
            ),
            None => format!(
                "the {} `{}` is not inspected: {}s are not models; recreate it with a \
                 `run_sql` migration where a new database needs it",
                o.kind, o.name, o.kind
            ),
        });
    }
    let mut projection = live.schema.clone();
    projection.tables.retain(|t, _| selected.contains(t));
    let mut planner = Planner {
        live,
        backend,
        models: BTreeMap::new(),
        projection,
        managed: &options.managed,
        accepted_checks: Vec::new(),
        app: options
            .app
            .clone()
            .unwrap_or_else(|| "inspected".to_owned()),
    };
    let mut struct_names = Namer::default();
    for table in &selected {
        let name = struct_names.unique(&struct_name(table, options.app.as_deref()), "");
        planner.plan_columns(table, name);
    }
    planner.plan_foreign_keys();
    planner.finish_columns();
    for table in &selected {
        planner.plan_objects(table);
    }
    planner.verify();
    planner.plan_join_tables();

    let plans: Vec<&plan::ModelPlan> = planner.models.values().collect();
    let planner_names: BTreeMap<String, (String, Vec<plan::Relation>)> = plans
        .iter()
        .map(|p| (p.table.clone(), (p.name.clone(), p.relations.clone())))
        .collect();
    let mut flags = Vec::new();
    let mut crates = BTreeSet::new();
    for p in &plans {
        for message in &p.flags {
            flags.push(Flag {
                table: p.table.clone(),
                column: None,
                message: message.clone(),
            });
        }
        for f in &p.fields {
            for message in &f.flags {
                flags.push(Flag {
                    table: p.table.clone(),
                    column: Some(f.state.column.clone()),
                    message: message.clone(),
                });
            }
            if !p.disabled {
                crates.extend(needed_crate(&f.state.column_type));
            }
        }
    }
    let crates: Vec<&'static str> = crates.into_iter().collect();
    let source = render::render(
        backend.features().display_name,
        options.app.as_deref(),
        &plans,
        &crates,
        &notes,
    );
    Ok(Inspection {
        backend,
        source,
        models: plans
            .iter()
            .map(|p| InspectedModel {
                table: p.table.clone(),
                name: p.name.clone(),
                written: !p.disabled && p.join_of.is_none(),
                relation: p.join_of.as_ref().and_then(|owner| {
                    let owner = planner_names.get(owner)?;
                    let rel = owner.1.iter().find(|r| r.table == p.table)?;
                    Some(format!("{}.{}", owner.0, rel.name))
                }),
            })
            .collect(),
        flags,
        notes,
        crates,
    })
}

/// Writes `source` to `path` atomically: a temporary file beside it is written and synced,
/// then moved into place, so readers see the old file or the whole new one. Without
/// `overwrite`, an existing file is never replaced (`ErrorKind::AlreadyExists`, naming it and
/// `--force`); a missing folder is an error (`ErrorKind::NotFound`, naming it), not created.
pub fn write_source(path: &Path, source: &str, overwrite: bool) -> io::Result<()> {
    crate::writer::write_file(
        path,
        source,
        overwrite,
        "pass --force to replace it, or write elsewhere",
    )
}
