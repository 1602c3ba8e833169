//! The vocabulary of the safety classification: [`HazardKind`] (what can go wrong when an
//! operation runs on a table with rows, or while the previous release still runs) and
//! [`Hazard`] (one finding: its kind, the backends it applies to, a sentence). A leaf.

use std::fmt;

use crate::backend::Backend;

/// What an operation risks. [`HazardKind::code`] is the stable name (JSON's `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HazardKind {
    /// Data is gone afterwards: a dropped table or column, a narrowed type or length, a
    /// removed default the application relies on. `migrator lint` fails on it unless the
    /// migration acknowledges it.
    DataLoss,
    /// The table is rewritten, rebuilt or locked while the change runs: SQLite's table
    /// rebuild, a PostgreSQL type change that rewrites or an index built without
    /// `CONCURRENTLY`, a MySQL change that needs `ALGORITHM=COPY`.
    RewriteLock,
    /// The change fails on some existing rows: NOT NULL without a default, a new unique or
    /// check constraint, a new foreign key.
    MayFail,
    /// The previous release, still running during a deploy, breaks: it reads or writes a
    /// dropped or renamed table or column, or inserts without a new NOT NULL column.
    Incompatible,
    /// Code written by hand (RunSql, RunRust) that migrator cannot classify: review it.
    Review,
}

impl HazardKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [HazardKind; 5] = [
        Self::DataLoss,
        Self::RewriteLock,
        Self::MayFail,
        Self::Incompatible,
        Self::Review,
    ];

    /// The stable snake_case name: `data_loss`, `rewrite_lock`, `may_fail`,
    /// `incompatible`, `review`.
    pub fn code(self) -> &'static str {
        match self {
            Self::DataLoss => "data_loss",
            Self::RewriteLock => "rewrite_lock",
            Self::MayFail => "may_fail",
            Self::Incompatible => "incompatible",
            Self::Review => "review",
        }
    }

    /// The label text output shows before the sentence.
    pub fn label(self) -> &'static str {
        match self {
            Self::DataLoss => "data loss",
            Self::RewriteLock => "rewrite/lock",
            Self::MayFail => "may fail on existing rows",
            Self::Incompatible => "backward-incompatible",
            Self::Review => "review",
        }
    }
}

/// One finding about one operation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hazard {
    /// What it risks.
    pub kind: HazardKind,
    /// The backends it applies to; empty when it applies on every backend.
    pub backends: Vec<Backend>,
    /// What happens, in words, naming the table and column.
    pub message: String,
}

impl Hazard {
    /// A finding that holds on every backend.
    pub fn everywhere(kind: HazardKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            backends: Vec::new(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Hazard {
    /// `data loss: drops column books.isbn …`, with `(PostgreSQL)` after the label when it
    /// holds only on some backends.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.label())?;
        if !self.backends.is_empty() {
            let names: Vec<String> = self.backends.iter().map(ToString::to_string).collect();
            write!(f, " ({})", names.join(", "))?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The findings about one operation of a migration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperationHazards {
    /// 0-based position in its migration.
    pub index: usize,
    /// The operation's description.
    pub description: String,
    /// `+`, `-` or `~`.
    pub symbol: char,
    /// What it risks, data loss first.
    pub hazards: Vec<Hazard>,
}

impl OperationHazards {
    /// True when any finding is data loss.
    pub fn loses_data(&self) -> bool {
        self.hazards.iter().any(|h| h.kind == HazardKind::DataLoss)
    }
}
