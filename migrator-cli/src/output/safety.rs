//! What the safety commands show a person: the drift check (`migrator check`, and `migrate
//! -v 2`'s schema check after migrating). The methods are [`Output`]'s, kept apart from
//! `output.rs` by command family.

use std::io::Write;
use std::time::Duration;

use migrator_core::executor::Drift;

use super::style::{self, paint};
use super::Output;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Output {
    /// `migrator check`: the verdict and every difference (the differences show at every
    /// verbosity), then what to do about them.
    pub fn drift_report(&mut self, drift: &Drift, elapsed: Duration) {
        let applied = plural(
            drift.applied.len(),
            "applied migration",
            "applied migrations",
        );
        if drift.is_clean() {
            if self.verbosity >= 1 {
                let _ = writeln!(
                    self.out,
                    "No drift: the database matches its {applied} ({}, {} ms).",
                    plural(drift.tables, "table", "tables"),
                    elapsed.as_millis()
                );
            }
        } else {
            let lines = drift.lines();
            let _ = writeln!(
                self.out,
                "{} the database differs from its {applied} ({}):",
                paint(style::WARNING, "Drift:"),
                plural(lines.len(), "difference", "differences")
            );
            for line in &lines {
                let _ = writeln!(self.out, "  - {line}");
            }
            if self.verbosity >= 1 {
                let _ = writeln!(
                    self.out,
                    "Undo these changes in the database, or make them part of the history: \
                     change the models and run `migrator makemigrations`, then record a \
                     migration whose changes were made by hand with `migrator migrate --fake`."
                );
            }
        }
        if !drift.pending.is_empty() && self.verbosity >= 1 {
            let _ = writeln!(
                self.err,
                "{} {} not applied yet ({}); the check compares only what is applied \
                 (`migrator migrate --check` gates on pending migrations)",
                paint(style::NOTE, "note:"),
                plural(drift.pending.len(), "migration is", "migrations are"),
                drift
                    .pending
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }

    /// `migrate -v 2`: the schema check after migrating, on one line when clean, else a
    /// warning with each difference (stderr).
    pub fn schema_checked(&mut self, drift: &Drift, elapsed: Duration) {
        if self.verbosity < 2 {
            return;
        }
        if drift.is_clean() {
            let _ = writeln!(
                self.out,
                "Checked the schema: it matches the applied migrations ({} ms).",
                elapsed.as_millis()
            );
            return;
        }
        let lines = drift.lines();
        let _ = writeln!(
            self.err,
            "{} after migrating, the database differs from its applied migrations ({}; \
             `migrator check` lists them again):",
            paint(style::WARNING, "warning:"),
            plural(lines.len(), "difference", "differences")
        );
        for line in &lines {
            let _ = writeln!(self.err, "  - {line}");
        }
    }
}
