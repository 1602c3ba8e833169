//! What `squashmigrations` prints (Django's wording where it has one): the range it will
//! replace, the result, and the steps that finish the transition; and its JSON document
//! (`kind: "squashmigrations"`, docs/json-output.md).

use std::io::Write;

use serde::Serialize;

use super::json::{Document, OperationJson};
use super::Output;

/// The result of a squash, as the text output shows it.
#[derive(Clone, Debug)]
pub struct SquashSummary<'a> {
    /// The app.
    pub app: &'a str,
    /// Its file, relative to the workspace root.
    pub path: &'a str,
    /// The operations were folded.
    pub optimized: bool,
    /// Operations of the replaced migrations.
    pub before: usize,
    /// Operations of the squash.
    pub after: usize,
    /// `app.name: description` of each elidable data step left out.
    pub elided: Vec<String>,
    /// `app.name (items)` of each file whose data-step code was copied.
    pub copied: Vec<String>,
    /// `from → to` of each dependency re-pointed at another app's squash.
    pub repointed: Vec<String>,
    /// Nothing is written.
    pub dry_run: bool,
}

impl Output {
    /// `Will squash the following migrations of 'app':` and the list.
    pub fn squash_range(&mut self, app: &str, names: &[String]) {
        if self.verbosity < 1 {
            return;
        }
        say!(self.out, "Will squash the following migrations of '{app}':");
        for name in names {
            say!(self.out, " - {name}");
        }
    }

    /// The squash: operation counts, what was left out, copied or re-pointed, and the file.
    pub fn squash_summary(&mut self, s: &SquashSummary<'_>) {
        if self.verbosity < 1 {
            return;
        }
        if s.optimized {
            say!(self.out, "Optimizing...");
            if s.after < s.before {
                say!(
                    self.out,
                    "  Optimized from {} operations to {} operations.",
                    s.before,
                    s.after
                );
            } else {
                say!(self.out, "  No optimizations possible.");
            }
        }
        if !s.elided.is_empty() {
            say!(self.out, "Left out elidable data steps:");
            for e in &s.elided {
                say!(self.out, "  {e}");
            }
        }
        if !s.copied.is_empty() {
            say!(
                self.out,
                "Copied the data steps' code from the replaced files (check it; comments \
                 inside functions are not copied):"
            );
            for c in &s.copied {
                say!(self.out, "  {c}");
            }
        }
        if !s.repointed.is_empty() {
            say!(
                self.out,
                "Dependencies on other apps' squashed migrations point at the squash:"
            );
            for r in &s.repointed {
                say!(self.out, "  {r}");
            }
        }
        if s.dry_run {
            say!(
                self.out,
                "Would create squashed migration {} for '{}' (dry run: nothing written)",
                s.path,
                s.app
            );
        } else {
            say!(self.out, "Created new squashed migration {}", s.path);
        }
    }

    /// What to do next: keep the old files until every database is past the squash.
    pub fn squash_next_steps(&mut self, app: &str) {
        if self.verbosity < 1 {
            return;
        }
        say!(
            self.out,
            "  Commit it and keep the migrations it replaces: a new database applies the squash,\n  \
             a database part-way through the replaced ones finishes them. Once every database\n  \
             has run `migrator migrate` past it, delete the replaced files of '{app}', remove the\n  \
             squash's `.replaces(…)` lines and re-point dependencies on them at the squash\n  \
             (docs/squashing.md)."
        );
    }
}

// ----- squashmigrations --------------------------------------------------------------------

/// `kind: "squashmigrations"`.
#[derive(Debug, Serialize)]
pub struct SquashMigrations {
    /// The app.
    pub app: String,
    /// `app.name` of the squash.
    pub migration: String,
    /// Its name.
    pub name: String,
    /// Its file, relative to the workspace root.
    pub path: String,
    /// The file was written (false under `--dry-run`).
    pub written: bool,
    /// The operations were folded (false under `--no-optimize`).
    pub optimized: bool,
    /// The migrations it replaces (`app.name`), in apply order.
    pub replaces: Vec<String>,
    /// Its dependencies (`app.name`).
    pub dependencies: Vec<String>,
    /// How many operations the replaced migrations have together.
    pub operations_before: usize,
    /// The squash's operations.
    pub operations: Vec<OperationJson>,
    /// Elidable data steps left out.
    pub elided: Vec<Elided>,
    /// Code copied from the replaced files for the data steps kept.
    pub copied_code: Vec<CopiedCode>,
    /// Dependencies on other apps' replaced migrations, written as their squash.
    pub repointed: Vec<Repointed>,
    /// The file's source.
    pub source: String,
}

impl Document for SquashMigrations {
    const KIND: &'static str = "squashmigrations";
}

/// An elidable data step a squash left out.
#[derive(Debug, Serialize)]
pub struct Elided {
    /// `app.name` of the migration it was in.
    pub migration: String,
    /// Its description.
    pub description: String,
}

/// Items copied into a squash from a replaced file.
#[derive(Debug, Serialize)]
pub struct CopiedCode {
    /// `app.name` of the replaced migration.
    pub migration: String,
    /// The items' names.
    pub items: Vec<String>,
}

/// A dependency re-pointed at the squash that replaces it.
#[derive(Debug, Serialize)]
pub struct Repointed {
    /// As the replaced migration names it.
    pub from: String,
    /// As the squash names it.
    pub to: String,
}
