//! What the optimizing commands show a person: `optimizemigration`, `makemigrations
//! --update`'s rewrite of a latest migration, and `migrate --prune`. The methods are
//! [`Output`]'s, kept apart from `output.rs` by command family.

use std::io::Write;

use super::style::{self, paint};
use super::{OperationLine, Output};

fn operations(n: usize) -> String {
    format!("{n} operation{}", if n == 1 { "" } else { "s" })
}

impl Output {
    /// `optimizemigration` found nothing to fold.
    pub fn no_optimizations(&mut self, migration: &str) {
        if self.verbosity >= 1 {
            let _ = writeln!(self.out, "No optimizations possible for {migration}.");
        }
    }

    /// `Optimizing APP.NAME from N operations to M:` and the optimized operations.
    pub fn optimizing(
        &mut self,
        migration: &str,
        before: usize,
        after: usize,
        ops: &[OperationLine],
    ) {
        if self.verbosity < 1 {
            return;
        }
        let _ = writeln!(
            self.out,
            "Optimizing {migration} from {} to {}:",
            operations(before),
            after
        );
        for (symbol, description) in ops {
            let _ = writeln!(self.out, "  {symbol} {description}");
        }
    }

    /// `optimizemigration --check` found work: nothing was written.
    pub fn optimization_pending(&mut self, path: &str) {
        if self.verbosity >= 1 {
            let _ = writeln!(
                self.out,
                "{path} can be optimized; nothing was written (run without --check to rewrite it)."
            );
        }
    }

    /// The file was rewritten; for an applied migration, its record restamped and what the
    /// other databases need.
    pub fn optimized(&mut self, path: &str, migration: (&str, &str), restamped: Option<bool>) {
        if self.verbosity < 1 {
            return;
        }
        let _ = writeln!(self.out, "Optimized migration {path}");
        if let Some(changed) = restamped {
            let (app, name) = migration;
            let _ =
                writeln!(
                self.out,
                "  It is applied on this database and the optimized operations end in the same \
                 state, so its recorded checksum was {}.",
                if changed { "restamped" } else { "already current" }
            );
            let _ = writeln!(
                self.err,
                "{} run `migrator migrate {app} {name} --restamp` on every other database \
                 where {app}.{name} is applied (its checksum there still names the old \
                 operations)",
                paint(style::NOTE, "note:")
            );
        }
    }

    /// `makemigrations --update`: the latest migration the changes were merged into.
    pub fn updated_migration(&mut self, migration: &str, path: &str, renamed_from: Option<&str>) {
        if self.verbosity < 1 {
            return;
        }
        match renamed_from {
            Some(old) => {
                let _ = writeln!(
                    self.out,
                    "  The changes were merged into {migration} (renamed from {old}), optimized: {path}"
                );
            }
            None => {
                let _ = writeln!(
                    self.out,
                    "  The changes were merged into {migration}, optimized: {path}"
                );
            }
        }
    }

    /// `migrate --prune`: the records of migrations whose files are gone, and the squashes
    /// recorded first.
    pub fn prune(&mut self, stale: &[String], squashes: &[String], deleting: bool) {
        if self.verbosity < 1 {
            return;
        }
        if stale.is_empty() {
            let _ = writeln!(self.out, "No migrations to prune.");
            return;
        }
        for squash in squashes {
            let _ = writeln!(
                self.out,
                "{} {squash}: applied here only through the records it replaces, so it is                  recorded itself first",
                if deleting { "Recording" } else { "Would record" }
            );
        }
        let _ = writeln!(
            self.out,
            "{}",
            if deleting {
                "Pruning the records of migrations whose files no longer exist:"
            } else {
                "Records of migrations whose files no longer exist (nothing deleted):"
            }
        );
        for key in stale {
            let _ = writeln!(self.out, "  {key}");
        }
    }
}
