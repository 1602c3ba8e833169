//! The command line grammar: clap derive types whose doc comments are the help text.
//!
//! This module only describes arguments. Running a command lives in `commands/`, printing in
//! `output.rs`, finding and building the workspace in `driver.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The help heading of the options every command takes, so a command's `--help` lists its
/// own options first and these apart.
const GLOBAL_OPTIONS: &str = "Global Options";

/// Django-style schema migrations for Rust: run from anywhere inside a Cargo workspace whose
/// crates `#[derive(Model)]`.
///
/// Exit codes: 0 success, 1 `--check` found pending work, 2 error.
#[derive(Debug, Parser)]
#[command(name = "migrator", version, propagate_version = true)]
pub struct Cli {
    /// The workspace's Cargo.toml (default: the workspace around the current directory).
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL_OPTIONS)]
    pub manifest_path: Option<PathBuf>,

    /// Verbosity: 0 minimal, 1 normal, 2 verbose, 3 very verbose (prints generated files).
    #[arg(
        short = 'v',
        long,
        global = true,
        help_heading = GLOBAL_OPTIONS,
        default_value_t = 1,
        value_name = "0-3",
        value_parser = clap::value_parser!(u8).range(0..=3)
    )]
    pub verbosity: u8,

    /// Output format. `json`: JSON Lines on stdout, each object carrying `"schema"` and
    /// `"kind"` (docs/json-output.md); an error is a `"kind": "error"` object; nothing else
    /// goes to stdout.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text, help_heading = GLOBAL_OPTIONS)]
    pub format: Format,

    /// Colour: `auto` colours a terminal unless `NO_COLOR` is set (`CLICOLOR_FORCE` forces
    /// it); `always` and `never` override both.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN", help_heading = GLOBAL_OPTIONS)]
    pub color: ColorWhen,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// `--format`: how a command reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text for people (Django's wording).
    #[default]
    Text,
    /// JSON Lines for programs (schema `migrator/1`, docs/json-output.md).
    Json,
}

/// `--color`: when text output is coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// When the stream is a terminal, unless `NO_COLOR` is set or `CLICOLOR_FORCE` forces it.
    #[default]
    Auto,
    /// Always, even into a pipe or file.
    Always,
    /// Never.
    Never,
}

/// The commands, named as in Django's `manage.py`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare the models with the migrations and write new migration files.
    Makemigrations(MakeMigrationsArgs),
    /// Apply (or unapply, towards a target) migrations on the database.
    Migrate(MigrateArgs),
    /// List every migration and whether it is applied.
    Showmigrations(ShowMigrationsArgs),
    /// Print the SQL one migration runs, in the dialect of the database `--database` names
    /// (without connecting to it).
    Sqlmigrate(SqlMigrateArgs),
    /// Print `#[derive(Model)]` structs for the tables of an existing database, to adopt it
    /// (then `makemigrations` and `migrate --fake-initial`).
    Inspectdb(InspectDbArgs),
    /// Squash a range of an app's migrations into one migration that replaces them, with
    /// their operations folded by the optimizer (docs/squashing.md).
    Squashmigrations(SquashMigrationsArgs),
    /// Compare the live database with the migrations recorded as applied there and list
    /// every difference (drift); exit 1 when it differs.
    Check(CheckArgs),
    /// Fold the operations of one migration into fewer (Django's optimizer) and rewrite its
    /// file in place; an applied migration only when the result ends in the same state.
    Optimizemigration(OptimizeMigrationArgs),
    /// Classify what the migrations not applied to the database risk (data loss,
    /// rewrites and locks, rows that make them fail, breaking the running release); exit 1
    /// when one loses data without an acknowledgement.
    Lint(LintArgs),
}

impl Command {
    /// The database arguments of a command that connects to a database (or, like
    /// `sqlmigrate`, needs to know which one), `None` for one that never does. The driver
    /// reads `--database` through this, so every command is listed here without a wildcard:
    /// a new command cannot be forgotten.
    pub fn database(&self) -> Option<&DatabaseArgs> {
        match self {
            // Only `--update` reads it (is the latest migration applied?).
            Self::Makemigrations(args) => Some(&args.database),
            Self::Migrate(args) => Some(&args.database),
            Self::Showmigrations(args) => Some(&args.database),
            Self::Sqlmigrate(args) => Some(&args.database),
            Self::Inspectdb(args) => Some(&args.database),
            Self::Squashmigrations(_) => None,
            Self::Check(args) => Some(&args.database),
            Self::Optimizemigration(args) => Some(&args.database),
            Self::Lint(args) => Some(&args.database),
        }
    }
}

/// `--database URL`: the one definition, flattened into every command that touches a
/// database.
#[derive(Clone, Debug, Default, Args)]
pub struct DatabaseArgs {
    /// Database URL (default: `DATABASE_URL`, then `migrator.toml`, then `db.sqlite3` at
    /// the workspace root). PostgreSQL and MySQL/MariaDB URLs make the `migrator` driver
    /// build its host with migrator's `postgres` / `mysql` cargo feature (which needs libpq /
    /// libmysqlclient); a `migrator` binary built with those features always enables them.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

impl DatabaseArgs {
    /// The URL given on the command line, if any.
    pub fn url(&self) -> Option<&str> {
        self.database.as_deref()
    }
}

/// `makemigrations [APP…]`.
#[derive(Clone, Debug, Default, Args)]
pub struct MakeMigrationsArgs {
    /// Only these apps (app labels: the crate name with `-` replaced by `_`). Default: every app.
    #[arg(value_name = "APP")]
    pub apps: Vec<String>,

    /// Use this name instead of a generated one (`0002_<NAME>.rs`).
    #[arg(short = 'n', long, value_name = "NAME")]
    pub name: Option<String>,

    /// Write an empty migration for each named app, to fill with RunSql/RunRust steps.
    #[arg(long)]
    pub empty: bool,

    /// Show what would be written without writing anything.
    #[arg(long)]
    pub dry_run: bool,

    /// Write nothing and ask nothing; exit 1 when models have changes without a migration
    /// (for CI). Questions a real run would ask are listed.
    #[arg(long)]
    pub check: bool,

    /// Write a merge migration for apps whose migration history has two or more leaves.
    #[arg(long)]
    pub merge: bool,

    /// Never prompt: no renames without `renamed_from` hints; a NOT NULL field without a
    /// default is an error. This is also what happens when stdin is not a terminal.
    #[arg(long = "noinput", visible_alias = "no-input")]
    pub no_input: bool,

    /// Ask questions even when stdin is not a terminal, reading the answers from it (for
    /// scripts that pipe answers in).
    #[arg(long, conflicts_with_all = ["no_input", "check"])]
    pub interactive: bool,

    /// Merge the model changes into each app's latest migration instead of writing a new
    /// one, optimized; the migration keeps its name (or takes `--name`). Refused when that
    /// migration is applied on the database or other migrations depend on it.
    #[arg(long, conflicts_with_all = ["merge", "empty"])]
    pub update: bool,

    /// With `--update`: the database whose record must not have the latest migration
    /// applied.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Write migrations that lose data (drop a table or column, narrow a type, remove a
    /// default) with an acknowledgement, without asking. Without it, such a migration is
    /// written only after a person confirms at the terminal; `--noinput` (or no terminal)
    /// writes nothing and fails.
    #[arg(long, conflicts_with = "check")]
    pub allow_data_loss: bool,

    /// The reason recorded in the acknowledgement of a migration that loses data (default:
    /// asked at the terminal, or a note that `--allow-data-loss` wrote it).
    #[arg(long, value_name = "TEXT")]
    pub data_loss_reason: Option<String>,
}

/// `migrate [APP [TARGET|zero]]`.
#[derive(Clone, Debug, Default, Args)]
pub struct MigrateArgs {
    /// Only this app.
    #[arg(value_name = "APP")]
    pub app: Option<String>,

    /// Migrate the app to this migration (forwards or backwards); `zero` unapplies all.
    #[arg(value_name = "TARGET", requires = "app")]
    pub target: Option<String>,

    /// Record the migrations as applied (or unapplied) without running their SQL.
    #[arg(long)]
    pub fake: bool,

    /// Fake an app's initial migration when all of its tables already exist.
    #[arg(long)]
    pub fake_initial: bool,

    /// Print the plan and exit without changing the database (or creating it: for an
    /// SQLite file that does not exist, the plan is every migration).
    #[arg(long)]
    pub plan: bool,

    /// Change nothing; exit 1 when unapplied migrations exist (an SQLite file that does not
    /// exist is an error, not pending work).
    #[arg(long)]
    pub check: bool,

    /// The database to migrate.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Seconds to wait for another `migrate` that holds the migration lock before giving up
    /// (default 60). The clock restarts whenever the other run records a migration, so it
    /// bounds one stuck step, not a long plan. While waiting, the holder is named when the
    /// database can tell.
    #[arg(long, value_name = "SECS")]
    pub lock_timeout: Option<u64>,

    /// Accept the edited operations of an applied migration: store the checksum of
    /// `APP TARGET` as it is now, without running anything. Use it only when the database
    /// already matches the edited migration; otherwise restore the file instead.
    #[arg(long, requires = "target", conflicts_with_all = ["fake", "fake_initial", "plan", "check", "forget", "resume"])]
    pub restamp: bool,

    /// Remove the record of the applied migration `APP TARGET` whose file was deleted,
    /// without running anything. On MySQL/MariaDB it also drops the progress record of a
    /// migration an interrupted run left half-done, once you have undone (or, for an
    /// interrupted unapply, redone) its committed operations by hand.
    #[arg(long, requires = "target", conflicts_with_all = ["fake", "fake_initial", "plan", "check", "resume"])]
    pub forget: bool,

    /// MySQL/MariaDB: finish the migration an earlier run was killed in (or failed in after
    /// committing part of it), from the operation that was interrupted — applying, or
    /// unapplying it again if that is what was interrupted. `migrate` names the migration and
    /// says when to use this; to finish by hand instead, use `--fake` to the same target.
    #[arg(long, conflicts_with_all = ["fake", "fake_initial", "plan", "check"])]
    pub resume: bool,

    /// Delete the records of applied migrations whose files no longer exist (after a squash
    /// replaced them and the old files were deleted), listing them first. With `--plan` or
    /// `--check` only list them (`--check` exits 1 when there are some).
    #[arg(long, conflicts_with_all = ["fake", "fake_initial", "restamp", "forget", "resume", "target"])]
    pub prune: bool,
}

/// `showmigrations [APP…]`.
#[derive(Clone, Debug, Default, Args)]
pub struct ShowMigrationsArgs {
    /// Only these apps.
    #[arg(value_name = "APP")]
    pub apps: Vec<String>,

    /// Show every migration in apply order, with its dependencies at verbosity 2.
    #[arg(long)]
    pub plan: bool,

    /// The database whose applied migrations are shown.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `sqlmigrate APP NAME`.
#[derive(Clone, Debug, Default, Args)]
pub struct SqlMigrateArgs {
    /// The app.
    #[arg(value_name = "APP")]
    pub app: String,

    /// The migration name (or a unique prefix, e.g. `0002`).
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Print the SQL that unapplies the migration.
    #[arg(long)]
    pub backwards: bool,

    /// The database whose SQL dialect is printed (it is not connected to).
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `inspectdb [TABLE…]`.
#[derive(Clone, Debug, Default, Args)]
pub struct InspectDbArgs {
    /// Only these tables (default: every table, except the bookkeeping tables of migrator,
    /// diesel_migrations and sqlx, and the tables this project already has models for).
    #[arg(value_name = "TABLE")]
    pub tables: Vec<String>,

    /// The app the models are for: tables named `APP_…` get struct names without that
    /// prefix (Django's table naming).
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,

    /// Write the models to this file (atomically) instead of printing them.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Replace the `--output` file if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,

    /// The database to inspect (only read).
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `squashmigrations APP [START] END`.
#[derive(Clone, Debug, Default, Args)]
pub struct SquashMigrationsArgs {
    /// The app whose migrations are squashed.
    #[arg(value_name = "APP")]
    pub app: String,

    /// `[START] END`: squash from START (default: the app's first migration) up to and
    /// including END. Names or unique prefixes (`0004`).
    #[arg(value_name = "START] [END", num_args = 1..=2, required = true)]
    pub range: Vec<String>,

    /// The name after the number (`0001_<NAME>.rs`); default `squashed_<END>`.
    #[arg(long, value_name = "NAME")]
    pub squashed_name: Option<String>,

    /// Concatenate the operations without folding them.
    #[arg(long)]
    pub no_optimize: bool,

    /// Do not ask for confirmation (also what happens when stdin is not a terminal or the
    /// output is `--format json`).
    #[arg(long = "noinput", visible_alias = "no-input")]
    pub no_input: bool,

    /// Show what would be written without writing it (`-v 3` prints the file).
    #[arg(long)]
    pub dry_run: bool,
}

impl SquashMigrationsArgs {
    /// The range as `(START, END)`.
    pub fn start_end(&self) -> (Option<&str>, &str) {
        match self.range.as_slice() {
            [start, end] => (Some(start.as_str()), end.as_str()),
            [end] => (None, end.as_str()),
            _ => (None, ""),
        }
    }
}

/// `check`.
#[derive(Clone, Debug, Default, Args)]
pub struct CheckArgs {
    /// The database to check (only read; an SQLite file that does not exist is an error).
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `optimizemigration APP NAME`.
#[derive(Clone, Debug, Default, Args)]
pub struct OptimizeMigrationArgs {
    /// The app.
    #[arg(value_name = "APP")]
    pub app: String,

    /// The migration name (or a unique prefix, e.g. `0002`).
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Write nothing; exit 1 when the migration can be optimized (for CI).
    #[arg(long)]
    pub check: bool,

    /// The database whose record says whether the migration is applied (an applied one
    /// is restamped there).
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `lint [APP…]`.
#[derive(Clone, Debug, Default, Args)]
pub struct LintArgs {
    /// Only these apps' migrations (default: every app).
    #[arg(value_name = "APP")]
    pub apps: Vec<String>,

    /// The database whose unapplied migrations are linted (only read; for an SQLite file
    /// that does not exist, every migration is unapplied). Its backend and the project's
    /// (`[project] backends` in migrator.toml) are the ones classified for.
    #[command(flatten)]
    pub database: DatabaseArgs,
}
