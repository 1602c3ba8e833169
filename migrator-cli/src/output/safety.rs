//! What the safety commands show a person: the drift check (`migrator check`, and `migrate
//! -v 2`'s schema check after migrating) and the safety classification (`migrate --plan`,
//! `makemigrations`, `migrator lint`). The methods are [`Output`]'s, kept apart from
//! `output.rs` by command family.

use std::io::Write;
use std::time::Duration;

use migrator_core::backend::Backend;
use migrator_core::executor::Drift;
use migrator_core::safety::{AckStatus, Hazard, HazardKind, LintedMigration, OperationHazards};

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
                "Checked the schema: it matches the applied migrations ({} ms)",
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

/// A step of `migrate --plan`: `app.name`, whether it is unapplied, and its classified
/// operations in run order.
pub type PlanStepLines = (String, bool, Vec<OperationHazards>);

impl Output {
    /// The findings of one operation, one line each, under its line.
    fn hazard_lines(&mut self, hazards: &[Hazard]) {
        for h in hazards {
            let label = if h.kind == HazardKind::DataLoss {
                paint(style::WARNING, h.kind.label())
            } else {
                h.kind.label().to_owned()
            };
            let backends = if h.backends.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = h.backends.iter().map(ToString::to_string).collect();
                format!(" ({})", names.join(", "))
            };
            let _ = writeln!(self.out, "        {label}{backends}: {}", h.message);
        }
    }

    /// `migrate --plan`: each step with its operations and what each risks.
    pub fn migrate_plan(&mut self, steps: &[PlanStepLines]) {
        let _ = writeln!(self.out, "Planned operations:");
        if steps.is_empty() {
            let _ = writeln!(self.out, "  No planned migration operations.");
        }
        for (key, backwards, ops) in steps {
            if *backwards {
                let _ = writeln!(self.out, "{key} (unapply)");
            } else {
                let _ = writeln!(self.out, "{key}");
            }
            for op in ops {
                let _ = writeln!(self.out, "    {} {}", op.symbol, op.description);
                self.hazard_lines(&op.hazards);
            }
        }
    }

    /// `makemigrations`: what a new migration risks, per operation (stdout, verbosity ≥ 1;
    /// nothing when it risks nothing).
    pub fn migration_hazards(&mut self, key: &str, ops: &[OperationHazards]) {
        if self.verbosity < 1 || ops.iter().all(|o| o.hazards.is_empty()) {
            return;
        }
        let _ = writeln!(self.out, "  Safety of {key}:");
        for op in ops.iter().filter(|o| !o.hazards.is_empty()) {
            let _ = writeln!(self.out, "    {} {}", op.symbol, op.description);
            self.hazard_lines(&op.hazards);
        }
    }

    /// `lint`: the backends, then each unapplied migration with its classified operations
    /// and its acknowledgement, then the verdict.
    pub fn lint_report(&mut self, backends: &[Backend], migrations: &[LintedMigration]) {
        if migrations.is_empty() {
            let _ = writeln!(self.out, "No unapplied migrations to lint.");
            return;
        }
        let names: Vec<String> = backends.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            self.out,
            "Linting {} on {}:",
            plural(
                migrations.len(),
                "unapplied migration",
                "unapplied migrations"
            ),
            names.join(", ")
        );
        for m in migrations {
            let _ = writeln!(self.out, "{}", m.key);
            for op in &m.operations {
                if self.verbosity >= 2 || !op.hazards.is_empty() {
                    let _ = writeln!(self.out, "    {} {}", op.symbol, op.description);
                    self.hazard_lines(&op.hazards);
                }
            }
            match &m.ack {
                AckStatus::NotNeeded => {}
                AckStatus::Acknowledged { reason } => {
                    let _ = writeln!(self.out, "  data loss acknowledged: {reason}");
                }
                AckStatus::Missing { digest } => {
                    let _ = writeln!(
                        self.out,
                        "  {} it loses data without an acknowledgement. Back the data up or \
                         change the migration; if the loss is intended, add this to the \
                         migration (after its operations):\n        \
                         .acknowledge_data_loss(\"{digest}\", \"why the data can go\")",
                        paint(style::ERROR, "error:")
                    );
                }
                AckStatus::Stale {
                    digest,
                    acknowledged,
                } => {
                    let _ = writeln!(
                        self.out,
                        "  {} its data-loss acknowledgement ({acknowledged}) was written for \
                         other operations than the ones that lose data now ({digest}): review \
                         what it destroys, then update the digest in \
                         `.acknowledge_data_loss(…)`",
                        paint(style::ERROR, "error:")
                    );
                }
                AckStatus::Unneeded { acknowledged } => {
                    let _ = writeln!(
                        self.out,
                        "  {} it acknowledges data loss ({acknowledged}), but nothing in it \
                         loses data any more; remove `.acknowledge_data_loss(…)`",
                        paint(style::NOTE, "note:")
                    );
                }
            }
        }
        let failing = migrations.iter().filter(|m| m.fails()).count();
        if failing == 0 {
            let _ = writeln!(self.out, "Lint passed: no unacknowledged data loss.");
        } else {
            let _ = writeln!(
                self.out,
                "Lint failed: {} of {} {} data without a valid acknowledgement.",
                failing,
                plural(migrations.len(), "migration", "migrations"),
                if failing == 1 { "loses" } else { "lose" }
            );
        }
    }
}
