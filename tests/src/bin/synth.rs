//! `synth`: the benchmark generator and in-process probe (issue 7).
//!
//! - `synth workspace --size S --out DIR [--direct]` writes a synthetic Cargo workspace: one
//!   crate per app (`app00`, …) with `#[derive(Model)]` structs, a `build.rs` embed and a
//!   `migrations/` folder, depending on this repository's migrator-core by absolute path, with
//!   a copy of this repository's `Cargo.lock`, `rust-toolchain.toml` and profiles. The history
//!   is made the way users make it: for each step the models are edited (with `renamed_from`
//!   hints for renames) and the real `migrator makemigrations --noinput` runs; every file it
//!   writes is compared byte for byte with the in-memory history of `migrator_tests::synth`.
//!   `--direct` writes the same files with migrator-core's writer instead of running the CLI
//!   per step (the huge size: 100 CLI runs per app would take hours).
//!   `bench/models_derive/` and `bench/models_plain/` hold the final models with and without
//!   the derive, for the compile-time benchmark; `bench/models_initial/` the first models (for
//!   timing `makemigrations` of a fresh project).
//! - `synth sql --size S [--per-migration] [--backend B] [--zero APP] [--bookkeeping]` prints
//!   the SQL `migrate` runs from an empty database to head (or, with `--zero`, `migrate APP
//!   zero` from head), as one transaction (or one per migration, as `migrate` commits), in the
//!   dialect of B (sqlite, postgres, mysql): the `sqlite3`, `psql` and `mariadb` floors of
//!   `scripts/bench`; `--bookkeeping` adds the record and progress writes DESIGN decision 8
//!   makes any implementation send (the durable floor).
//! - `synth migrate --size S --db FILE [--squashed]` times `migrate` from an empty SQLite
//!   database to head in this process (`--squashed`: after squashing every app).
//! - `synth squash --size S --db FILE` squashes each app's whole history
//!   (`migrator_core::squash`, as `squashmigrations APP LAST` does) and runs `migrate` from an
//!   empty SQLite database to head before and after, in this process: migrations, statements
//!   and seconds of each, and the operations before and after squashing.
//! - `synth inproc --size S [--steps K]` times "replay the whole history + detect no change"
//!   in this process and prints `seconds=… peak_rss_mb=…` (peak measured from a reset of the
//!   high-water mark after the history is built).
//!
//! - `synth testdb --size S --tests N --url URL [--no-templates]` times N test databases as
//!   `#[migrator_core::test]` makes them (module `testdb`; `scripts/bench-testdb`).
//!
//! Timing tables and pass/fail live in `scripts/bench`; this binary only produces inputs and
//! one measurement.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, ensure, Context as _, Result};
use clap::{Parser, Subcommand};
use migrator_core::autodetector;
use migrator_core::backend::Backend;
use migrator_core::executor;
use migrator_core::graph::MigrationGraph;
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::registry::CurrentModels;
use migrator_core::writer;
use migrator_tests::repo_root;
use migrator_tests::synth::{self, History, Size};
use toml_edit::{value, Array, DocumentMut};

#[path = "synth/testdb.rs"]
mod testdb;

/// Synthetic projects for migrator's benchmarks.
#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Write a synthetic workspace with its migration history.
    Workspace {
        /// small, large or huge.
        #[arg(long)]
        size: String,
        /// Follow-up migrations per app (default: the size's).
        #[arg(long)]
        steps: Option<usize>,
        /// The directory to create (must not exist or be empty).
        #[arg(long)]
        out: PathBuf,
        /// Write the migration files with migrator-core's writer instead of running
        /// `makemigrations` once per step.
        #[arg(long)]
        direct: bool,
        /// The `migrator` binary (default: target/debug/migrator of this repository).
        #[arg(long)]
        migrator: Option<PathBuf>,
    },
    /// Print the SQL of `migrate` from an empty SQLite database to head, in one transaction.
    Sql {
        /// small, large or huge.
        #[arg(long)]
        size: String,
        /// Follow-up migrations per app (default: the size's).
        #[arg(long)]
        steps: Option<usize>,
        /// One transaction per migration (as `migrate` commits), instead of one for all.
        #[arg(long)]
        per_migration: bool,
        /// The SQL dialect: sqlite, postgres or mysql (MySQL/MariaDB). MySQL commits each DDL
        /// statement itself, so its script has no transaction statements.
        #[arg(long, default_value = "sqlite")]
        backend: String,
        /// Instead of empty → head: the SQL of `migrate APP zero` with every migration applied.
        #[arg(long, value_name = "APP")]
        zero: Option<String>,
        /// Add the writes `migrate` must make for its record and crash safety, each as one
        /// row of a scratch table: one per migration (the record) — inside its transaction
        /// where DDL is transactional — and, on MySQL, where DDL commits as it runs, one
        /// committed row before each operation (the progress row DESIGN decision 8 asks
        /// for). The floor of what any durable implementation of that design costs.
        #[arg(long)]
        bookkeeping: bool,
    },
    /// Time `migrate` from an empty SQLite database to head in this process (no cargo, no
    /// driver, this binary's build profile); prints `seconds=…`.
    Migrate {
        /// small, large or huge.
        #[arg(long)]
        size: String,
        /// Follow-up migrations per app (default: the size's).
        #[arg(long)]
        steps: Option<usize>,
        /// The SQLite file to create (removed first).
        #[arg(long)]
        db: PathBuf,
        /// Every app's history squashed first (as `synth squash` does).
        #[arg(long)]
        squashed: bool,
    },
    /// Squash each app's history and time `migrate` empty → head before and after (SQLite,
    /// in this process); prints one line per variant.
    Squash {
        /// small, large or huge.
        #[arg(long)]
        size: String,
        /// Follow-up migrations per app (default: the size's).
        #[arg(long)]
        steps: Option<usize>,
        /// The SQLite file to create (removed first; `.squashed` is appended for the second).
        #[arg(long)]
        db: PathBuf,
    },
    /// Time N test databases made as `#[migrator_core::test]` makes them (created from a
    /// template or migrated from scratch, then dropped); prints `total_seconds=…`.
    Testdb {
        /// small, large or huge.
        #[arg(long)]
        size: String,
        /// Follow-up migrations per app (default: the size's).
        #[arg(long)]
        steps: Option<usize>,
        /// How many test databases.
        #[arg(long, default_value_t = 100)]
        tests: usize,
        /// The backend and server (`sqlite://x` for SQLite temporary files).
        #[arg(long)]
        url: String,
        /// Migrate every test database from scratch instead of copying a template.
        #[arg(long)]
        no_templates: bool,
    },
    /// Time "replay the whole history + detect no change" in this process.
    Inproc {
        /// small, large or huge.
        #[arg(long)]
        size: String,
        /// Follow-up migrations per app (default: the size's).
        #[arg(long)]
        steps: Option<usize>,
    },
}

fn size_of(name: &str, steps: Option<usize>) -> Result<Size> {
    let size = Size::named(name)
        .with_context(|| format!("unknown size `{name}`: use small, large or huge"))?;
    Ok(steps.map_or(size, |k| size.with_steps(k)))
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Cmd::Workspace {
            size,
            steps,
            out,
            direct,
            migrator,
        } => {
            let size = size_of(&size, steps)?;
            let migrator = migrator.unwrap_or_else(|| repo_root().join("target/debug/migrator"));
            workspace(size, &out, direct, &migrator)
        }
        Cmd::Sql {
            size,
            steps,
            per_migration,
            backend,
            zero,
            bookkeeping,
        } => {
            let backend = match backend.as_str() {
                "sqlite" => Backend::Sqlite,
                "postgres" => Backend::Postgres,
                "mysql" => Backend::Mysql,
                other => bail!("unknown backend `{other}`: use sqlite, postgres or mysql"),
            };
            sql(
                size_of(&size, steps)?,
                per_migration,
                backend,
                zero,
                bookkeeping,
            )
        }
        Cmd::Migrate {
            size,
            steps,
            db,
            squashed,
        } => migrate(size_of(&size, steps)?, &db, squashed),
        Cmd::Squash { size, steps, db } => squash(size_of(&size, steps)?, &db),
        Cmd::Inproc { size, steps } => inproc(size_of(&size, steps)?),
        Cmd::Testdb {
            size,
            steps,
            tests,
            url,
            no_templates,
        } => testdb::run(size_of(&size, steps)?, tests, &url, !no_templates),
    }
}

fn write(path: &Path, contents: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("create {}", parent.display()))?;
    }
    std::fs::write(path, contents).with_context(|| format!("write {}", path.display()))
}

/// The root manifest: this repository's, with the apps as members and absolute paths for the
/// path dependencies (so migrator-core is this repository's), keeping its profiles.
fn root_manifest(size: Size) -> Result<String> {
    let repo = repo_root();
    let text = std::fs::read_to_string(repo.join("Cargo.toml")).context("read root manifest")?;
    let mut doc: DocumentMut = text.parse().context("parse root manifest")?;
    let mut members = Array::new();
    for a in 0..size.apps {
        members.push(synth::app_label(a));
    }
    doc["workspace"]["members"] = value(members);
    if let Some(deps) = doc["workspace"]["dependencies"].as_table_like_mut() {
        for (_, dep) in deps.iter_mut() {
            if let Some(dep) = dep.as_table_like_mut() {
                if let Some(path) = dep.get("path").and_then(|p| p.as_str()) {
                    let absolute = repo.join(path).display().to_string();
                    dep.insert("path", value(absolute));
                }
            }
        }
    }
    Ok(doc.to_string())
}

fn app_manifest(a: usize) -> String {
    let app = synth::app_label(a);
    let previous = if a > 0 {
        let p = synth::app_label(a - 1);
        format!("{p} = {{ path = \"../{p}\" }}\n")
    } else {
        String::new()
    };
    format!(
        "[package]\nname = \"{app}\"\nversion.workspace = true\nedition.workspace = true\n\
         publish = false\n\n[dependencies]\nmigrator-core.workspace = true\n\
         chrono.workspace = true\nrust_decimal.workspace = true\n{previous}\n\
         [build-dependencies]\nmigrator-build.workspace = true\n"
    )
}

const BUILD_RS: &str = "fn main() {\n    migrator_build::embed_migrations();\n}\n";
const LIB_RS: &str = "//! A synthetic app (migrator benchmarks).\n\npub mod models;\n\n\
pub use models::*;\n\nmigrator_core::embed_migrations!();\n";

fn write_models(out: &Path, size: Size, models: &CurrentModels) -> Result<()> {
    for a in 0..size.apps {
        let app = synth::app_label(a);
        let path = out.join(&app).join("src/models.rs");
        let source = synth::model_source(models, &app, true);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(source.as_str()) {
            write(&path, &source)?;
        }
    }
    Ok(())
}

fn workspace(size: Size, out: &Path, direct: bool, migrator: &Path) -> Result<()> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        bail!(
            "{} exists and is not empty; remove it or choose another --out",
            out.display()
        );
    }
    ensure!(
        direct || migrator.is_file(),
        "the migrator binary {} does not exist; run `cargo build -p migrator-cli` first or pass --migrator",
        migrator.display()
    );
    // The CLI runs from the workspace: a relative binary path must not depend on that.
    let migrator = std::path::absolute(migrator)?;
    let migrator = migrator.as_path();
    let repo = repo_root();
    std::fs::create_dir_all(out)?;
    let out = out.canonicalize()?;
    write(&out.join("Cargo.toml"), &root_manifest(size)?)?;
    std::fs::copy(repo.join("Cargo.lock"), out.join("Cargo.lock")).context("copy Cargo.lock")?;
    std::fs::copy(
        repo.join("rust-toolchain.toml"),
        out.join("rust-toolchain.toml"),
    )
    .context("copy rust-toolchain.toml")?;
    for a in 0..size.apps {
        let dir = out.join(synth::app_label(a));
        write(&dir.join("Cargo.toml"), &app_manifest(a))?;
        write(&dir.join("build.rs"), BUILD_RS)?;
        write(&dir.join("src/lib.rs"), LIB_RS)?;
        std::fs::create_dir_all(dir.join("migrations"))?;
    }

    let started = Instant::now();
    let mut failure: Option<anyhow::Error> = None;
    let mut mismatches: Vec<String> = Vec::new();
    let history = synth::generate_history(size, |step| {
        if failure.is_some() {
            return;
        }
        let result = (|| -> Result<()> {
            if step.index == 0 {
                for a in 0..size.apps {
                    let app = synth::app_label(a);
                    write(
                        &out.join("bench/models_initial").join(format!("{app}.rs")),
                        &synth::model_source(step.models, &app, true),
                    )?;
                }
            }
            if direct {
                for m in step.migrations {
                    let dir = out.join(&m.app).join("migrations");
                    writer::write_atomic(&dir, &m.name, &writer::render(m))?;
                }
                return Ok(());
            }
            write_models(&out, size, step.models)?;
            // The history removes models and fields on purpose: the data-loss gate
            // (`--noinput` writes nothing that loses data unless told) is acknowledged.
            let run = Command::new(migrator)
                .args(["makemigrations", "--noinput", "-v", "0"])
                .args([
                    "--allow-data-loss",
                    "--data-loss-reason",
                    "synthetic history",
                ])
                .arg("--manifest-path")
                .arg(out.join("Cargo.toml"))
                .current_dir(&out)
                .env("CARGO_TARGET_DIR", target_dir())
                .output()
                .context("run migrator")?;
            ensure!(
                run.status.success(),
                "step {}: makemigrations failed\n{}{}",
                step.index,
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            );
            for m in step.migrations {
                let path = out
                    .join(&m.app)
                    .join("migrations")
                    .join(format!("{}.rs", m.name));
                match std::fs::read_to_string(&path) {
                    Ok(text) if text == writer::render(m) => {}
                    Ok(_) => mismatches.push(format!("{} differs", path.display())),
                    Err(_) => mismatches.push(format!("{} was not written", path.display())),
                }
            }
            eprintln!(
                "step {}/{} done ({:.0} s)",
                step.index,
                size.steps,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        })();
        if let Err(e) = result {
            failure = Some(e);
        }
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    // The final models, without the last step's rename hints (a user deletes them).
    let final_models = CurrentModels {
        state: history.models.clone(),
        hints: BTreeMap::new(),
        ..CurrentModels::default()
    };
    write_models(&out, size, &final_models)?;
    for a in 0..size.apps {
        let app = synth::app_label(a);
        for (dir, derive) in [("models_derive", true), ("models_plain", false)] {
            write(
                &out.join("bench").join(dir).join(format!("{app}.rs")),
                &synth::model_source(&final_models, &app, derive),
            )?;
        }
    }
    write(
        &out.join("bench/README"),
        &format!(
            "Generated by `synth workspace` ({} apps x {} models x {} fields, {} follow-up \
             migrations per app, {}).\nmodels_derive/ and models_plain/: the final models \
             with and without #[derive(Model)], for the compile-time benchmark.\n\
             {} migration files differ from the in-memory history.\n",
            size.apps,
            size.models,
            size.fields,
            size.steps,
            if direct {
                "files written with migrator-core's writer"
            } else {
                "files written by `migrator makemigrations`"
            },
            mismatches.len()
        ),
    )?;
    for m in &mismatches {
        eprintln!("warning: {m}");
    }
    eprintln!(
        "wrote {} migrations for {} apps to {} in {:.1} s ({} differ from the in-memory history)",
        history.migrations.len(),
        size.apps,
        out.display(),
        started.elapsed().as_secs_f64(),
        mismatches.len()
    );
    Ok(())
}

/// The target directory the synthetic workspaces share with this repository
/// (`CARGO_TARGET_DIR`, else this repository's `target/`), so migrator-core and its
/// dependencies are compiled once.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo_root().join("target"), PathBuf::from)
}

fn history(size: Size) -> Result<History> {
    Ok(synth::generate_history(size, |_| {})?)
}

/// The SQL of a plan (`migrate` empty → head, or `migrate APP zero` from head) in `backend`'s
/// dialect, each migration's statements as `sqlmigrate` prints them (with `bookkeeping`, the
/// record's and progress rows' writes too, to a scratch table: see `Cmd::Sql`).
fn sql(
    size: Size,
    per_migration: bool,
    backend: Backend,
    zero: Option<String>,
    bookkeeping: bool,
) -> Result<()> {
    let history = history(size)?;
    let graph = MigrationGraph::new(history.migrations)?;
    let plan = match zero {
        None => executor::migration_plan(&graph, &BTreeSet::new(), &executor::Target::Latest)?,
        Some(app) => {
            let all: BTreeSet<_> =
                executor::migration_plan(&graph, &BTreeSet::new(), &executor::Target::Latest)?
                    .into_iter()
                    .map(|step| step.key)
                    .collect();
            executor::migration_plan(&graph, &all, &executor::Target::Zero(app))?
        }
    };
    // MySQL commits DDL statements one by one: a transaction around them would mean nothing.
    let transactions = backend != Backend::Mysql;
    let mut text = String::new();
    // Outside a transaction (MySQL) each INSERT commits itself: the client autocommits.
    let row = |text: &mut String, key: &migrator_core::migration::MigrationKey, op: usize| {
        let _ = writeln!(
            text,
            "INSERT INTO migrator_bench_bookkeeping (migration, operation) VALUES ('{key}', {op});"
        );
    };
    if bookkeeping {
        text.push_str("CREATE TABLE IF NOT EXISTS migrator_bench_bookkeeping (migration VARCHAR(255) NOT NULL, operation INTEGER NOT NULL);\n");
    }
    for (i, step) in plan.iter().enumerate() {
        if transactions && (per_migration || i == 0) {
            text.push_str("BEGIN;\n");
        }
        for op in executor::sql_for_migration(&graph, &step.key, step.backwards, backend)? {
            if bookkeeping && !transactions {
                row(&mut text, &step.key, op.index + 1);
            }
            for statement in op.statements {
                text.push_str(&statement);
                text.push_str(";\n");
            }
        }
        if bookkeeping {
            row(&mut text, &step.key, 0);
        }
        if transactions && (per_migration || i + 1 == plan.len()) {
            text.push_str("COMMIT;\n");
        }
    }
    print!("{text}");
    Ok(())
}

fn migrate(size: Size, db: &Path, squashed: bool) -> Result<()> {
    let history = history(size)?;
    let graph = if squashed {
        squashed_graph(history.migrations)?
    } else {
        MigrationGraph::new(history.migrations)?
    };
    let _ = std::fs::remove_file(db);
    let url = format!("sqlite://{}", db.display());
    let started = Instant::now();
    let url = migrator_core::database::DatabaseUrl::parse(&url, Path::new("."))?;
    let mut conn = migrator_core::database::connect(&url)?;
    let report = executor::migrate(
        &mut conn,
        &graph,
        &executor::Target::Latest,
        &executor::MigrateOptions::default(),
        &mut |_| {},
    )?;
    println!(
        "migrations={} seconds={:.4}",
        report.done.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Every app's history squashed into one migration, beside the originals (as after
/// `squashmigrations APP LAST` for each app, dependency order).
fn squashed_graph(migrations: Vec<migrator_core::Migration>) -> Result<MigrationGraph> {
    let mut all = migrations;
    let mut graph = MigrationGraph::new(all.clone())?;
    for app in graph.apps() {
        let Some(last) = graph.app_migrations(&app).pop() else {
            continue;
        };
        let request = migrator_core::squash::SquashRequest {
            app: app.clone(),
            start: None,
            end: last.name,
            squashed_name: None,
            optimize: true,
        };
        let squashed = migrator_core::squash::squash(&graph, None, &request)?;
        all.push(squashed.migration);
        graph = MigrationGraph::new(all.clone())?;
    }
    Ok(graph)
}

/// `migrate` from an empty SQLite file to head on `graph`: migrations, statements, seconds.
fn migrate_counted(graph: &MigrationGraph, db: &Path) -> Result<(usize, usize, usize, f64)> {
    let plan = executor::migration_plan(graph, &BTreeSet::new(), &executor::Target::Latest)?;
    let (mut operations, mut statements) = (0, 0);
    for step in &plan {
        let ops = executor::sql_for_migration(graph, &step.key, false, Backend::Sqlite)?;
        operations += ops.len();
        statements += ops.iter().map(|o| o.statements.len()).sum::<usize>();
    }
    let _ = std::fs::remove_file(db);
    let url = migrator_core::database::DatabaseUrl::parse(
        &format!("sqlite://{}", db.display()),
        Path::new("."),
    )?;
    let mut conn = migrator_core::database::connect(&url)?;
    let started = Instant::now();
    let report = executor::migrate(
        &mut conn,
        graph,
        &executor::Target::Latest,
        &executor::MigrateOptions::default(),
        &mut |_| {},
    )?;
    let seconds = started.elapsed().as_secs_f64();
    ensure!(
        report.done.len() == plan.len(),
        "migrate ran a different plan"
    );
    Ok((plan.len(), operations, statements, seconds))
}

fn squash(size: Size, db: &Path) -> Result<()> {
    let history = history(size)?;
    let plain = MigrationGraph::new(history.migrations.clone())?;
    let squashed = squashed_graph(history.migrations)?;
    ensure!(
        plain.project_state()? == squashed.project_state()?,
        "the squashed history builds another state"
    );
    let squashed_db = db.with_extension("squashed.sqlite3");
    for (label, graph, file) in [
        ("unsquashed", &plain, db),
        ("squashed", &squashed, squashed_db.as_path()),
    ] {
        let (migrations, operations, statements, seconds) = migrate_counted(graph, file)?;
        println!(
            "{label}: migrations={migrations} operations={operations} statements={statements} \
             seconds={seconds:.3}"
        );
    }
    let a = migrator_core::introspect::introspect(&mut migrator_core::database::connect(
        &migrator_core::database::DatabaseUrl::parse(
            &format!("sqlite://{}", db.display()),
            Path::new("."),
        )?,
    )?)?;
    let b = migrator_core::introspect::introspect(&mut migrator_core::database::connect(
        &migrator_core::database::DatabaseUrl::parse(
            &format!("sqlite://{}", squashed_db.display()),
            Path::new("."),
        )?,
    )?)?;
    ensure!(
        a == b,
        "the squashed history gives another schema: {:?}",
        a.diff(&b)
    );
    println!("schemas: identical");
    Ok(())
}

/// `VmHWM` (peak resident set) of this process, in MB.
fn peak_rss_mb() -> Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status").context("read /proc/self/status")?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/self/status")?;
    Ok(kb / 1024.0)
}

fn inproc(size: Size) -> Result<()> {
    let history = history(size)?;
    let models = CurrentModels {
        state: history.models,
        hints: BTreeMap::new(),
        ..CurrentModels::default()
    };
    let migrations = history.migrations;
    let count = migrations.len();
    // Forget the generator's peak: measure from here (Linux: clear_refs 5 resets VmHWM).
    std::fs::write("/proc/self/clear_refs", "5").context("reset the peak RSS")?;
    let started = Instant::now();
    let graph = MigrationGraph::new(migrations)?;
    let state = graph.project_state()?;
    let changes = autodetector::detect(&state, &models, &mut NonInteractiveQuestioner)?;
    let seconds = started.elapsed().as_secs_f64();
    ensure!(
        changes.is_empty(),
        "the replayed history differs from the models: {changes:?}"
    );
    println!(
        "migrations={count} models={} seconds={seconds:.4} peak_rss_mb={:.1}",
        models.state.models.len(),
        peak_rss_mb()?
    );
    Ok(())
}
