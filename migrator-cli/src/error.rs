//! [`CliError`]: every way a command can fail, each message naming the thing and the fix.
//!
//! Exit codes are decided here ([`CliError::exit_code`]) and in [`crate::Status`]: 0 success,
//! 1 a `--check` found pending work, 2 any error. Printing is `output.rs`'s job.

use std::collections::BTreeMap;
use std::path::PathBuf;

use migrator_core::MigrationKey;

use thiserror::Error;

/// A command failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CliError {
    /// A new migration holds operations a backend the project runs on cannot run: refused
    /// before any file is written, while the model can still change.
    #[error(
        "a backend this project runs on cannot run the new migrations, so nothing was written:\n{}\n\
         change the models (for example a `max_length` on a text column MySQL/MariaDB must \
         index), or list the backends the project really uses in migrator.toml \
         (`[project] backends = [\"sqlite\", \"postgres\"]`)",
        .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    )]
    BackendRefuses {
        /// One line per problem: `migration: backend: operation: why`.
        problems: Vec<String>,
    },
    /// An app's diesel schema cannot be rendered or written (`diesel-schema` setting).
    #[error(transparent)]
    DieselSchema(#[from] migrator_core::diesel_schema::DieselSchemaError),
    /// The binary links no model at all.
    #[error("{}", migrator_core::registry::EMPTY_REGISTRY_HINT)]
    EmptyRegistry,
    /// The registered models clash.
    #[error(transparent)]
    Registry(#[from] migrator_core::RegistryError),
    /// An app named on the command line is neither an app with models nor one with
    /// migrations. Every command words it the same way.
    #[error(
        "no app named `{app}`{}; the apps are: {}",
        .suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(),
        .known.join(", ")
    )]
    UnknownApp {
        /// The app asked for.
        app: String,
        /// The closest app label, when one is close enough to be a typo.
        suggestion: Option<String>,
        /// The apps that exist.
        known: Vec<String>,
    },
    /// An app that has models but no migration yet, named where migrations are needed.
    #[error(
        "app `{app}` has no migrations yet; run `migrator makemigrations {app}` to create its \
         first one"
    )]
    NoMigrations {
        /// The app.
        app: String,
    },
    /// Loading the embedded migrations failed (a missing dependency, a cycle, a bad name…).
    #[error(transparent)]
    Load(#[from] migrator_core::loader::LoadError),
    /// Replaying the migrations failed.
    #[error(transparent)]
    Graph(#[from] migrator_core::graph::GraphError),
    /// Planning the new migrations failed (an unanswerable question, an inconsistent model, a
    /// history that does not replay, a dependency on an app without migrations…).
    #[error(transparent)]
    Detect(#[from] migrator_core::autodetector::DetectError),
    /// A `--name` that cannot be a file name.
    #[error(transparent)]
    Name(#[from] migrator_core::writer::WriterError),
    /// `--empty` without an app.
    #[error(
        "`--empty` needs the app(s) to create the migration for: `makemigrations --empty APP`"
    )]
    EmptyNeedsApp,
    /// Apps whose migration history has two or more leaves.
    #[error(
        "conflicting migrations detected; multiple leaf nodes in the migration graph: ({}).\n\
         to fix them run `migrator makemigrations --merge`",
        .0.iter()
            .map(|(app, leaves)| format!(
                "{} in {app}",
                leaves.iter().map(|k| k.name.as_str()).collect::<Vec<_>>().join(", ")
            ))
            .collect::<Vec<_>>()
            .join("; ")
    )]
    Conflicts(BTreeMap<String, Vec<MigrationKey>>),
    /// An app has models but its crate does not embed its migrations.
    #[error(
        "app '{app}' has models but its crate does not embed its migrations, so migrator cannot \
         know its history (which migrations exist, which the database has applied) or where to \
         write new ones.\nfix: add {}/build.rs containing\n\
         \n    fn main() {{\n        migrator_build::embed_migrations();\n    }}\n\n\
         with `migrator-build` under [build-dependencies] in its Cargo.toml, \
         and this line to the crate root (src/lib.rs):\n\n    migrator_core::embed_migrations!();\n",
        .manifest_dir.display()
    )]
    NotEmbedded {
        /// The app.
        app: String,
        /// Its crate's directory.
        manifest_dir: PathBuf,
    },
    /// The database could not be named or opened.
    #[error(transparent)]
    Database(#[from] migrator_core::database::DatabaseError),
    /// Planning or applying migrations failed.
    #[error(transparent)]
    Executor(#[from] migrator_core::executor::ExecutorError),
    /// `inspectdb` could not run (an unknown table, a bad `--app`, a failed read).
    #[error(transparent)]
    Inspect(#[from] migrator_core::inspectdb::InspectError),
    /// `inspectdb --output FILE` where FILE exists, without `--force`.
    #[error(
        "{} already exists; pass --force to replace it, or write elsewhere (nothing was read)",
        .path.display()
    )]
    OutputExists {
        /// The file.
        path: PathBuf,
    },
    /// `inspectdb --output DIR` where DIR is a folder.
    #[error(
        "{} is a folder; give the file to write, e.g. {}",
        .path.display(),
        .path.join("models.rs").display()
    )]
    OutputIsFolder {
        /// The folder.
        path: PathBuf,
    },
    /// `inspectdb --output FILE` whose folder does not exist.
    #[error(
        "cannot write {}: the folder {} does not exist (check the path, or create the folder)",
        .path.display(),
        .folder.display()
    )]
    OutputFolderMissing {
        /// The file.
        path: PathBuf,
        /// Its folder.
        folder: PathBuf,
    },
    /// `makemigrations --format json` where it would ask questions on the terminal.
    #[error(
        "makemigrations cannot ask questions with --format json (stdout holds only JSON); pass \
         --noinput (renames then need `renamed_from` hints, and a new NOT NULL field a default) \
         or use --check / --dry-run --noinput"
    )]
    JsonCannotAsk,
    /// `--format json` on a command that has no JSON output.
    #[error(
        "`{command}` has no JSON output; run it without --format json (the commands with JSON \
         output are listed in docs/json-output.md)"
    )]
    JsonUnsupported {
        /// The command.
        command: &'static str,
    },
    /// `makemigrations --update` cannot merge the changes into the latest migration.
    #[error("makemigrations --update: {0}")]
    Update(#[from] migrator_core::autodetector::UpdateError),
    /// `squashmigrations` cannot squash the range.
    #[error(transparent)]
    Squash(#[from] migrator_core::squash::SquashError),
    /// `squashmigrations` was answered "no".
    #[error("squash cancelled; nothing was written")]
    SquashCancelled,
    /// A migration cannot be optimized (`optimizemigration`, `makemigrations --update`).
    #[error(transparent)]
    Optimize(#[from] migrator_core::optimizer::OptimizeError),
    /// `optimizemigration` / `makemigrations --update` refuses to rewrite a migration, and
    /// says why and what to do.
    #[error("{migration} is left as it is: {reason}")]
    RewriteRefused {
        /// `app.name`.
        migration: MigrationKey,
        /// Why, and what to do.
        reason: String,
    },
    /// The migration file was rewritten but restamping its record failed.
    #[error(
        "{path} was rewritten, but its recorded checksum could not be updated ({source}); run \
         `migrator migrate {app} {name} --restamp` once the database is reachable",
        app = .migration.app,
        name = .migration.name
    )]
    RestampAfterRewrite {
        /// `app.name`.
        migration: MigrationKey,
        /// The file.
        path: String,
        /// Why restamping failed.
        source: Box<migrator_core::executor::ExecutorError>,
    },
    /// New migrations lose data and nobody acknowledged it (`--noinput`, or no terminal):
    /// nothing was written.
    #[error(
        "{} {} data (see the classification above), and nobody confirmed it, so nothing was \
         written. Run makemigrations in a terminal to confirm, or pass --allow-data-loss \
         (with --data-loss-reason \"why\") to write {} with an acknowledgement; or change the \
         models so nothing is lost",
        .migrations.join(", "),
        if .migrations.len() == 1 { "loses" } else { "lose" },
        if .migrations.len() == 1 { "it" } else { "them" }
    )]
    DataLossNotAcknowledged {
        /// The migrations (`app.name`).
        migrations: Vec<String>,
    },
    /// The user declined to write a migration that loses data.
    #[error(
        "writing {migration}, which loses data, was declined, so nothing was written; change \
         the models, or run makemigrations again and confirm"
    )]
    DataLossDeclined {
        /// The migration (`app.name`).
        migration: String,
    },
    /// Writing a file (a migration, the `inspectdb` output) failed.
    #[error("could not write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl CliError {
    /// The process exit code for this error: always 2 (1 is reserved for `--check`).
    pub fn exit_code(&self) -> u8 {
        2
    }

    /// The error's stable name in `--format json`'s error object (`"error"`): part of the
    /// JSON schema, so a name never changes within `migrator/1`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BackendRefuses { .. } => "backend_refuses",
            Self::DieselSchema(_) => "diesel_schema",
            Self::EmptyRegistry => "empty_registry",
            Self::Registry(_) => "registry",
            Self::UnknownApp { .. } => "unknown_app",
            Self::NoMigrations { .. } => "no_migrations",
            Self::Load(_) => "load",
            Self::Graph(_) => "graph",
            Self::Detect(_) => "detect",
            Self::Name(_) => "invalid_name",
            Self::EmptyNeedsApp => "empty_needs_app",
            Self::Conflicts(_) => "conflicts",
            Self::NotEmbedded { .. } => "not_embedded",
            Self::Database(_) => "database",
            Self::Executor(_) => "executor",
            Self::Inspect(_) => "inspect",
            Self::OutputExists { .. }
            | Self::OutputIsFolder { .. }
            | Self::OutputFolderMissing { .. } => "output_file",
            Self::Write { .. } => "write",
            Self::Squash(_) => "squash",
            Self::SquashCancelled => "cancelled",
            Self::Optimize(_) => "optimize",
            Self::Update(_) => "update",
            Self::RewriteRefused { .. } => "rewrite_refused",
            Self::RestampAfterRewrite { .. } => "restamp_after_rewrite",
            Self::JsonCannotAsk => "json_cannot_ask",
            Self::JsonUnsupported { .. } => "json_unsupported",
            Self::DataLossNotAcknowledged { .. } => "data_loss_not_acknowledged",
            Self::DataLossDeclined { .. } => "data_loss_declined",
        }
    }

    /// [`CliError::UnknownApp`] for `app`, suggesting the closest of `known` when it looks
    /// like a typo of it (`pols` → `polls`).
    pub fn unknown_app<'a>(app: &str, known: impl IntoIterator<Item = &'a String>) -> Self {
        let known: Vec<String> = known.into_iter().cloned().collect();
        Self::UnknownApp {
            app: app.to_owned(),
            suggestion: closest(app, &known).map(str::to_owned),
            known,
        }
    }
}

/// The candidate most similar to `given`, if it is similar enough to be a typo of it
/// (the threshold clap uses for subcommand suggestions).
pub(crate) fn closest<'a>(given: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro(given, c), c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_apps_suggest_the_closest_label() {
        let known = ["blog".to_owned(), "polls".to_owned()];
        let msg = CliError::unknown_app("pols", &known).to_string();
        assert_eq!(
            msg,
            "no app named `pols` (did you mean `polls`?); the apps are: blog, polls"
        );
        let msg = CliError::unknown_app("inventory", &known).to_string();
        assert_eq!(msg, "no app named `inventory`; the apps are: blog, polls");
    }
}
