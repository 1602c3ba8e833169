//! Everything the CLI shows a person: the one module that prints.
//!
//! Commands and the driver call the methods here with plain data (names, descriptions,
//! paths); the formats follow Django's `manage.py` output. Normal output goes to stdout,
//! warnings, errors and the driver's messages go to stderr. [`Output::captured`] gives an
//! `Output` that writes into memory, for tests and for callers that embed the CLI.
//!
//! - [`style`]: colour (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`, a terminal); both streams are
//!   `anstream` streams that strip the styles when not coloured.
//! - `safety.rs`: the drift check's text (`check`, `migrate -v 2`) and the safety
//!   classification's (`lint`, `makemigrations`, `migrate --plan`).
//! - [`json`]: `--format json`, the documents and events of schema `migrator/1`. In JSON mode
//!   the text methods write nothing to stdout (their stderr lines stay), and commands call
//!   [`Output::emit`]; [`Output::failed`] writes the error object.

mod capture;
pub mod json;
mod optimize;
mod safety;
mod streams;
pub mod style;

use std::fmt::Display;
use std::io::Write;
use std::time::Duration;

use migrator_core::executor::Outcome;
use migrator_core::inspectdb::Inspection;
use migrator_core::lock::LockWait;
use migrator_core::Operation;

/// One operation as shown in a summary: its symbol (`+`, `-`, `~`) and its description.
pub type OperationLine = (char, String);

/// One migration in `showmigrations`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShowRow {
    /// Recorded as applied.
    pub applied: bool,
    /// `0001_initial` (per app) or `library.0001_initial` (`--plan`).
    pub name: String,
    /// Its dependencies (`--plan` at verbosity 2).
    pub dependencies: Vec<String>,
    /// What is wrong with its record, if anything (the error follows the list).
    pub problem: Option<RowProblem>,
    /// A note after the name: what a squash replaces, or that the database does not use it
    /// yet.
    pub note: Option<String>,
}

/// What `showmigrations` marks on a migration whose record stops `migrate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowProblem {
    /// Its operations changed after it was applied (checksum).
    Edited,
    /// It is recorded as applied but its file is gone.
    FileMissing,
    /// A MySQL/MariaDB run stopped inside it.
    Interrupted {
        /// 1-based number of the operation that was running.
        operation: usize,
        /// How many operations it has.
        total: usize,
        /// It was being unapplied.
        backwards: bool,
    },
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Edited => f.write_str("changed since it was applied"),
            Self::FileMissing => f.write_str("applied, but its file is gone"),
            Self::Interrupted {
                operation,
                total,
                backwards: false,
            } => write!(f, "interrupted at operation {operation} of {total}"),
            Self::Interrupted {
                operation,
                total,
                backwards: true,
            } => write!(
                f,
                "interrupted while being unapplied, at operation {operation} of {total}"
            ),
        }
    }
}

impl From<&RowProblem> for json::Problem {
    fn from(p: &RowProblem) -> Self {
        let (problem, operation, backwards) = match p {
            RowProblem::Edited => ("edited", None, None),
            RowProblem::FileMissing => ("file_missing", None, None),
            RowProblem::Interrupted {
                operation,
                backwards,
                ..
            } => ("interrupted", Some(*operation), Some(*backwards)),
        };
        Self {
            problem,
            message: p.to_string(),
            operation,
            backwards,
        }
    }
}

pub use capture::Captured;
use style::paint;

/// The terminal (or an in-memory capture) plus the verbosity level and the format.
pub struct Output {
    /// Text for stdout: coloured or stripped; a sink in JSON mode.
    out: Box<dyn Write>,
    /// stderr: coloured or stripped.
    err: Box<dyn Write>,
    /// JSON mode: the real stdout, for [`Output::emit`].
    json: Option<Box<dyn Write>>,
    verbosity: u8,
    /// `-v 2`: operation lines were shown under the running migration.
    operations_shown: bool,
    /// `-v 2`: an operation's line waits for its time (or ` FAILED`).
    operation_open: bool,
}

/// One operation's part of `sqlmigrate`'s output.
#[derive(Clone, Debug, Default)]
pub struct SqlBlock {
    /// The operation's description.
    pub description: String,
    /// Its statements, in order.
    pub statements: Vec<String>,
    /// A Rust data step runs after them.
    pub rust: bool,
    /// It commits in a transaction of its own (an operation of a non-atomic migration on a
    /// backend with transactional DDL).
    pub own_transaction: bool,
    /// Its change is made by the statements of this (1-based, later) operation of the
    /// migration, which does several at once (one SQLite table rebuild).
    pub folded_into: Option<usize>,
}

// Printing never fails a command: a closed pipe only loses the text.
macro_rules! say {
    ($w:expr, $($arg:tt)*) => {{
        let _ = writeln!($w, $($arg)*);
    }};
}

pub mod squash;

impl Output {
    /// The verbosity level (0–3).
    pub fn verbosity(&self) -> u8 {
        self.verbosity
    }

    // ----- makemigrations -------------------------------------------------------------------

    /// `Migrations for 'library':` followed by the file and its operations.
    pub fn migration_summary(&mut self, app: &str, path: &str, operations: &[OperationLine]) {
        if self.verbosity < 1 {
            return;
        }
        say!(self.out, "Migrations for '{app}':");
        say!(self.out, "  {path}");
        for (symbol, description) in operations {
            say!(self.out, "    {symbol} {description}");
        }
    }

    /// The full text of a migration file (dry runs at verbosity 3).
    pub fn migration_source(&mut self, file_name: &str, source: &str) {
        if self.verbosity < 3 {
            return;
        }
        say!(self.out, "Full migrations file '{file_name}':");
        let _ = write!(self.out, "{source}");
        if !source.ends_with('\n') {
            say!(self.out, "");
        }
    }

    /// `No changes detected`, or `… in app 'x'` / `… in apps 'x', 'y'` when apps were named.
    pub fn no_changes(&mut self, apps: &[String]) {
        if self.verbosity < 1 {
            return;
        }
        match apps {
            [] => say!(self.out, "No changes detected"),
            [app] => say!(self.out, "No changes detected in app '{app}'"),
            many => say!(
                self.out,
                "No changes detected in apps '{}'",
                many.join("', '")
            ),
        }
    }

    /// An app's generated diesel schema (`diesel-schema`) was rewritten, would be
    /// (`dry_run`), or is stale under `--check` (`check`).
    pub fn diesel_schema(&mut self, app: &str, path: &str, dry_run: bool, check: bool) {
        if check {
            say!(
                self.out,
                "Diesel schema of app '{app}' is stale: {path} (run `migrator makemigrations`)"
            );
            return;
        }
        if self.verbosity < 1 {
            return;
        }
        if dry_run {
            say!(
                self.out,
                "Would update the diesel schema of app '{app}': {path}"
            );
        } else {
            say!(self.out, "Updated the diesel schema of app '{app}': {path}");
        }
    }

    /// The branches a merge migration joins: `Merging app` then each branch's operations.
    pub fn merging(&mut self, app: &str, branches: &[(String, Vec<OperationLine>)]) {
        if self.verbosity < 1 {
            return;
        }
        say!(self.out, "Merging {app}");
        for (name, ops) in branches {
            say!(self.out, "  Branch {name}");
            for (symbol, description) in ops {
                say!(self.out, "    {symbol} {description}");
            }
        }
    }

    /// `Created new merge migration PATH` (or what would be created, on a dry run).
    pub fn merge_written(&mut self, path: &str, dry_run: bool) {
        if self.verbosity < 1 {
            return;
        }
        if dry_run {
            say!(self.out, "Would create merge migration {path}");
        } else {
            say!(self.out, "Created new merge migration {path}");
        }
    }

    /// A warning that a migration's operations lose data when applied.
    pub fn data_loss_warning(&mut self, app: &str, migration: &str, operations: &[OperationLine]) {
        say!(
            self.err,
            "{} migration {app}.{migration} loses data when applied:",
            paint(style::WARNING, "warning:")
        );
        for (symbol, description) in operations {
            say!(self.err, "    {symbol} {description}");
        }
        say!(
            self.err,
            "  dropped tables or columns and their rows are gone after `migrate`, values that \
             do not fit a narrowed column (shorter text, smaller number, another type) are cut \
             or make the migration fail, and rows inserted without a value no longer get a \
             removed default; back the data up first, or edit the migration (a RunSql/RunRust \
             step can copy or convert the data)"
        );
    }

    /// A warning that a migration makes nullable fields NOT NULL without a default (`--noinput`
    /// answered nothing for them): rows holding NULL make it fail. `fields` are
    /// `(model, field)` pairs.
    pub fn not_null_alteration_warning(
        &mut self,
        app: &str,
        migration: &str,
        fields: &[(String, String)],
    ) {
        for (model, field) in fields {
            say!(
                self.err,
                "{} migration {app}.{migration} makes field `{field}` of {app}.{model} NOT \
                 NULL without a default: if the table has rows where `{field}` is NULL, `migrate` \
                 fails on them",
                paint(style::WARNING, "warning:")
            );
        }
        say!(
            self.err,
            "  to fix: add a default to the field (`#[model(default = …)]`) and run makemigrations \
             again, or run makemigrations in a terminal without --noinput and give a one-off \
             default that \
             replaces the NULLs, or fill the NULLs first with a RunSql/RunRust step placed \
             before the AlterField in the migration"
        );
    }

    /// A note on what rolling a migration back does to removed NOT NULL fields: each comes
    /// back filled with `value` on existing rows (`refills`), or works only on an empty table
    /// (`needs_empty`: no empty value is known for its type).
    pub fn rollback_refill_note(
        &mut self,
        app: &str,
        migration: &str,
        refills: &[(String, String, migrator_core::DefaultValue)],
        needs_empty: &[(String, String)],
    ) {
        say!(
            self.err,
            "{} rolling back {app}.{migration} re-adds removed NOT NULL fields that have no default:",
            paint(style::NOTE, "note:")
        );
        for (model, field, value) in refills {
            say!(self.err, "    {model}.{field}: existing rows get {value}");
        }
        for (model, field) in needs_empty {
            say!(
                self.err,
                "    {model}.{field}: no empty value is known for its type, so the rollback \
                 works only while the table has no rows"
            );
        }
    }

    // ----- questions ------------------------------------------------------------------------

    /// Why makemigrations asks nothing: stdin is not a terminal (stderr, once per run).
    pub fn no_terminal(&mut self) {
        say!(
            self.err,
            "note: stdin is not a terminal, so makemigrations asks no questions and answers as \
             --noinput does; run it in a terminal to be asked, or pass --interactive to read the \
             answers from stdin"
        );
    }

    /// A question makemigrations did not ask, and what it took as the answer (stderr).
    pub fn not_asked(&mut self, question: &str, answer: &str) {
        say!(self.err, "  not asked: {question} ({answer})");
    }

    /// `makemigrations --check`: the questions a real run would ask (stderr).
    pub fn check_questions(&mut self, questions: &[String]) {
        say!(
            self.err,
            "note: makemigrations will ask (--check asked nothing, took no rename and left one-off \
             defaults open):"
        );
        for question in questions {
            say!(self.err, "  {question}");
        }
    }

    /// A question or its explanation, on its own line(s).
    pub fn ask_line(&mut self, text: &str) {
        say!(self.out, "{text}");
    }

    /// A prompt the answer is typed after (no newline), flushed.
    pub fn prompt(&mut self, text: &str) {
        let _ = write!(self.out, "{text}");
        let _ = self.out.flush();
    }

    /// Ends a prompt line when the input ended without an answer.
    pub fn end_prompt(&mut self) {
        say!(self.out, "");
    }

    // ----- migrate and friends --------------------------------------------------------------

    /// A plain line of command output (shown at verbosity ≥ 1).
    pub fn line(&mut self, text: &str) {
        if self.verbosity >= 1 {
            say!(self.out, "{text}");
        }
    }

    /// `Database: URL (SOURCE)`: which database a command changes, before its other output
    /// (the URL as [`migrator_core::database::DatabaseUrl`] displays it: no password).
    pub fn database(&mut self, url: &dyn Display, source: &str) {
        if self.verbosity >= 1 {
            say!(self.out, "Database: {url} ({source})");
        }
    }

    /// A reading command found no SQLite file where the database should be (stderr).
    pub fn database_missing(&mut self, path: &str) {
        say!(
            self.err,
            "note: the SQLite database {path} does not exist, so no migration is applied there; \
             `migrator migrate` creates it (nothing was created now)"
        );
    }

    /// `  No migrations to apply.`, saying so when another process applied this run's plan
    /// while it waited for the lock.
    pub fn no_migrations_to_apply(&mut self, applied_elsewhere: usize) {
        if self.verbosity < 1 {
            return;
        }
        if applied_elsewhere == 0 {
            say!(self.out, "  No migrations to apply.");
        } else {
            say!(
                self.out,
                "  No migrations to apply: another process applied the {applied_elsewhere} \
                 planned while this one waited for the lock."
            );
        }
    }

    /// `Operations to perform:` and the target, then `Running migrations:`.
    pub fn migrate_header(&mut self, target: &str) {
        if self.verbosity < 1 {
            return;
        }
        say!(
            self.out,
            "{}",
            paint(style::HEADING, "Operations to perform:")
        );
        say!(self.out, "  {target}");
        say!(self.out, "{}", paint(style::HEADING, "Running migrations:"));
    }

    /// `  Applying library.0001_initial...` (the result follows on the same line).
    pub fn migrate_started(&mut self, key: &str, backwards: bool) {
        if self.verbosity < 1 {
            return;
        }
        let verb = if backwards { "Unapplying" } else { "Applying" };
        let _ = write!(self.out, "  {verb} {key}...");
        let _ = self.out.flush();
        self.operations_shown = false;
    }

    /// `-v 2`: an operation of the running migration starts: `    + Add field isbn to book`
    /// (its time follows on the same line), so a long migration shows where it is.
    pub fn operation_started(&mut self, operation: &Operation) {
        if self.verbosity < 2 {
            return;
        }
        if !self.operations_shown {
            say!(self.out, "");
            self.operations_shown = true;
        }
        let _ = write!(
            self.out,
            "    {} {}",
            operation.symbol(),
            operation.describe()
        );
        let _ = self.out.flush();
        self.operation_open = true;
    }

    /// `-v 2`: ` (0.03 s)` after the operation's line.
    pub fn operation_finished(&mut self, elapsed: Duration) {
        if self.verbosity < 2 {
            return;
        }
        say!(self.out, " ({:.2} s)", elapsed.as_secs_f64());
        self.operation_open = false;
    }

    /// ` OK (3 ms)`, ` FAKED`, ` FAKED (initial: tables exist)`; after operation lines
    /// (`-v 2`) on a line of its own, naming the migration again.
    pub fn migrate_finished(&mut self, key: &str, outcome: Outcome, elapsed: Duration) {
        if self.verbosity < 1 {
            return;
        }
        if std::mem::take(&mut self.operations_shown) {
            let _ = write!(self.out, "  {key}");
        }
        match outcome {
            Outcome::Applied => say!(
                self.out,
                " {} ({} ms)",
                paint(style::OK, "OK"),
                elapsed.as_millis()
            ),
            Outcome::Faked => say!(self.out, " {}", paint(style::FAKED, "FAKED")),
            Outcome::FakedInitial => say!(
                self.out,
                " {} (initial: its tables exist)",
                paint(style::FAKED, "FAKED")
            ),
        }
    }

    /// ` FAILED` after the migration that failed (the error follows on stderr); at `-v 2`
    /// also after the operation that failed.
    pub fn migrate_failed(&mut self, key: &str) {
        if self.verbosity < 1 {
            return;
        }
        if std::mem::take(&mut self.operation_open) {
            say!(self.out, " {}", paint(style::FAILED, "FAILED"));
        }
        if std::mem::take(&mut self.operations_shown) {
            let _ = write!(self.out, "  {key}");
        }
        say!(self.out, " {}", paint(style::FAILED, "FAILED"));
    }

    /// The migration lock is busy: who holds it (when the database can tell) and how long
    /// this run waits (stderr, verbosity ≥ 1).
    pub fn waiting_for_lock(&mut self, wait: &LockWait) {
        if self.verbosity < 1 {
            return;
        }
        let holder = wait.holder.as_deref().unwrap_or("another process");
        say!(
            self.err,
            "Waiting for the migration lock held by {holder} (giving up after {} s; see \
             --lock-timeout)...",
            wait.timeout.as_secs()
        );
    }

    /// `migrate --restamp`: the new checksum is stored (or already was).
    pub fn restamped(&mut self, key: &str, changed: bool) {
        if changed {
            say!(
                self.out,
                "Re-stamped {key}: its current operations are now the applied ones."
            );
        } else {
            say!(
                self.out,
                "{key} is unchanged since it was applied; nothing to re-stamp."
            );
        }
    }

    /// `migrate --forget`: the record is gone.
    pub fn forgotten(&mut self, key: &str) {
        say!(
            self.out,
            "Forgot {key}: it is no longer recorded as applied."
        );
    }

    /// The reminder after `migrate` when models have changes without a migration.
    pub fn unmigrated_changes(&mut self, apps: &[String]) {
        say!(
            self.err,
            "{} your models in app(s) '{}' have changes that are not yet reflected in a \
             migration, and so won't be applied.\n  Run `migrator makemigrations` to make new \
             migrations, and then `migrator migrate` to apply them.",
            paint(style::WARNING, "warning:"),
            apps.join("', '")
        );
    }

    /// `showmigrations`: one app and its migrations, `[X]` applied, `[ ]` not; a migration
    /// whose record is wrong says so after its name.
    pub fn show_app(&mut self, app: &str, rows: &[ShowRow]) {
        say!(self.out, "{}", paint(style::HEADING, app));
        if rows.is_empty() {
            say!(self.out, " (no migrations)");
        }
        for row in rows {
            let mark = mark(row.applied);
            let note = row
                .note
                .as_ref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            match &row.problem {
                Some(problem) => say!(
                    self.out,
                    " {mark} {}{note}  {}",
                    row.name,
                    paint(style::WARNING, format!("<- {problem}"))
                ),
                None => say!(self.out, " {mark} {}{note}", row.name),
            }
        }
    }

    /// `showmigrations --plan`: every migration in apply order (dependencies at `-v 2`).
    pub fn show_plan(&mut self, rows: &[ShowRow]) {
        for row in rows {
            let mut line = format!("{}  {}", mark(row.applied), row.name);
            if let Some(note) = &row.note {
                line.push_str(&format!(" ({note})"));
            }
            if self.verbosity >= 2 && !row.dependencies.is_empty() {
                line.push_str(&format!(" ... ({})", row.dependencies.join(", ")));
            }
            if let Some(problem) = &row.problem {
                line.push_str(&format!(
                    "  {}",
                    paint(style::WARNING, format!("<- {problem}"))
                ));
            }
            say!(self.out, "{line}");
        }
    }

    /// `sqlmigrate`: each operation as a comment block and its statements, in a transaction
    /// when the migration runs in one.
    pub fn sql(&mut self, blocks: &[SqlBlock], atomic: bool) {
        if atomic {
            say!(self.out, "BEGIN;");
        }
        for block in blocks {
            say!(self.out, "--\n-- {}\n--", block.description);
            if block.own_transaction {
                say!(self.out, "BEGIN;");
            }
            for statement in &block.statements {
                say!(self.out, "{statement};");
            }
            if block.rust {
                say!(
                    self.out,
                    "-- (a Rust data step runs here; it has no SQL text)"
                );
            }
            if let Some(number) = block.folded_into {
                say!(
                    self.out,
                    "-- (no SQL of its own: the table rebuild of operation {number} does it)"
                );
            } else if block.statements.is_empty() && !block.rust {
                say!(self.out, "-- (no SQL)");
            }
            if block.own_transaction {
                say!(self.out, "COMMIT;");
            }
        }
        if atomic {
            say!(self.out, "COMMIT;");
        }
    }

    // ----- inspectdb --------------------------------------------------------------------------

    /// What `inspectdb` read and found, on stderr (stdout may be the source): the database,
    /// the tables and their structs, then every flag (`inspectdb: table.column: …`, shown at
    /// every verbosity) and every note on what was left out.
    pub fn inspected(&mut self, url: &dyn Display, source: &str, inspection: &Inspection) {
        if self.verbosity >= 1 {
            say!(self.err, "Database: {url} ({source})");
            let tables: Vec<String> = inspection
                .models
                .iter()
                .map(|m| match &m.relation {
                    Some(rel) => format!("{} → {rel} (many-to-many)", m.table),
                    None => {
                        let left_out = if m.written { "" } else { " (commented out)" };
                        format!("{} → {}{left_out}", m.table, m.name)
                    }
                })
                .collect();
            if tables.is_empty() {
                say!(self.err, "Inspected no table");
            } else {
                say!(
                    self.err,
                    "Inspected {} table{}: {}",
                    tables.len(),
                    if tables.len() == 1 { "" } else { "s" },
                    tables.join(", ")
                );
            }
        }
        for flag in &inspection.flags {
            say!(self.err, "{} {flag}", migrator_core::inspectdb::MARKER);
        }
        if self.verbosity >= 1 {
            for note in &inspection.notes {
                say!(self.err, "note: {note}");
            }
        }
    }

    /// The generated models, on stdout as they are.
    pub fn inspectdb_source(&mut self, source: &str) {
        let _ = self.out.write_all(source.as_bytes());
    }

    /// `Wrote FILE: N models, M things to review (…)` on stderr.
    pub fn inspectdb_written(&mut self, path: &str, inspection: &Inspection) {
        if self.verbosity < 1 {
            return;
        }
        let written = inspection.models.iter().filter(|m| m.written).count();
        let review = match inspection.flags.len() {
            0 => "nothing to review".to_owned(),
            1 => "1 thing to review (the `// inspectdb:` comment)".to_owned(),
            n => format!("{n} things to review (the `// inspectdb:` comments)"),
        };
        say!(
            self.err,
            "Wrote {path}: {written} model{}, {review}",
            if written == 1 { "" } else { "s" }
        );
        if !inspection.crates.is_empty() {
            say!(
                self.err,
                "The field types need these crates in the app's [dependencies]: {}",
                inspection.crates.join(", ")
            );
        }
    }

    // ----- the edges ------------------------------------------------------------------------

    /// A warning on stderr.
    pub fn warning(&mut self, message: &dyn Display) {
        say!(self.err, "{} {message}", paint(style::WARNING, "warning:"));
    }

    /// An error on stderr: `error: …` (multi-line messages keep their lines).
    pub fn error(&mut self, message: &dyn Display) {
        say!(self.err, "{} {message}", paint(style::ERROR, "error:"));
    }

    /// A progress note from the driver on stderr (verbosity ≥ 2).
    pub fn note(&mut self, message: &dyn Display) {
        if self.verbosity >= 2 {
            say!(self.err, "migrator: {message}");
        }
    }
}

/// `[X]` (applied, green) or `[ ]` (dimmed).
fn mark(applied: bool) -> String {
    if applied {
        paint(style::APPLIED, "[X]")
    } else {
        paint(style::UNAPPLIED, "[ ]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_has_djangos_shape() {
        let (mut out, cap) = Output::captured(1);
        out.migration_summary(
            "library",
            "examples/library/migrations/0002_book_published_date.rs",
            &[('+', "Add field published_date to book".into())],
        );
        assert_eq!(
            cap.stdout(),
            "Migrations for 'library':\n  examples/library/migrations/0002_book_published_date.rs\n    + Add field published_date to book\n"
        );
    }

    #[test]
    fn no_changes_names_the_apps_asked_for() {
        let (mut out, cap) = Output::captured(1);
        out.no_changes(&[]);
        out.no_changes(&["library".into()]);
        out.no_changes(&["a".into(), "b".into()]);
        assert_eq!(
            cap.stdout(),
            "No changes detected\nNo changes detected in app 'library'\nNo changes detected in apps 'a', 'b'\n"
        );
    }

    #[test]
    fn verbosity_2_shows_operations_and_marks_the_one_that_failed() {
        let op = |name: &str| {
            Operation::AddField(migrator_core::operations::AddField::new(
                "Book",
                migrator_core::FieldState::new(name, migrator_core::ColumnType::Text).nullable(),
            ))
        };
        let (mut out, cap) = Output::captured(2);
        out.migrate_started("library.0002_x", false);
        out.operation_started(&op("isbn"));
        out.operation_finished(Duration::from_millis(30));
        out.operation_started(&op("blurb"));
        out.migrate_failed("library.0002_x");
        assert_eq!(
            cap.stdout(),
            "  Applying library.0002_x...\n    + Add field isbn to book (0.03 s)\n    \
             + Add field blurb to book FAILED\n  library.0002_x FAILED\n"
        );
        // At -v 1 the result stays on the migration's line.
        let (mut out, cap) = Output::captured(1);
        out.migrate_started("library.0002_x", false);
        out.operation_started(&op("isbn"));
        out.migrate_failed("library.0002_x");
        assert_eq!(cap.stdout(), "  Applying library.0002_x... FAILED\n");
    }

    #[test]
    fn verbosity_zero_is_quiet_but_errors_still_show() {
        let (mut out, cap) = Output::captured(0);
        out.no_changes(&[]);
        out.error(&"boom");
        assert_eq!(cap.stdout(), "");
        assert_eq!(cap.stderr(), "error: boom\n");
    }

    #[test]
    fn a_non_atomic_migration_shows_each_transaction_it_commits() {
        let (mut out, cap) = Output::captured(1);
        let block = |d: &str, own: bool| SqlBlock {
            description: d.into(),
            statements: vec![format!("{d} statement")],
            rust: false,
            own_transaction: own,
            folded_into: None,
        };
        out.sql(
            &[
                block("Add field", true),
                block("Add index concurrently", false),
            ],
            false,
        );
        assert_eq!(
            cap.stdout(),
            "--\n-- Add field\n--\nBEGIN;\nAdd field statement;\nCOMMIT;\n--\n-- Add index concurrently\n--\nAdd index concurrently statement;\n"
        );
    }

    #[test]
    fn a_folded_operation_names_the_one_that_does_its_change() {
        let (mut out, cap) = Output::captured(1);
        let blocks = [
            SqlBlock {
                description: "Alter field a on item".into(),
                statements: Vec::new(),
                rust: false,
                own_transaction: false,
                folded_into: Some(2),
            },
            SqlBlock {
                description: "Alter field b on item".into(),
                statements: vec!["CREATE TABLE \"new__item\" (\"id\" INTEGER)".into()],
                rust: false,
                own_transaction: false,
                folded_into: None,
            },
        ];
        out.sql(&blocks, true);
        assert_eq!(
            cap.stdout(),
            "BEGIN;\n--\n-- Alter field a on item\n--\n-- (no SQL of its own: the table rebuild of operation 2 does it)\n--\n-- Alter field b on item\n--\nCREATE TABLE \"new__item\" (\"id\" INTEGER);\nCOMMIT;\n"
        );
    }
}
