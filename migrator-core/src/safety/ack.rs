//! The data-loss acknowledgement's digest and its check. The digest covers the canonical
//! text of the migration's operations that lose data (as classified), in order — not the
//! file's text, so reformatting the file keeps an acknowledgement valid, while changing what
//! is destroyed (another column, another table) makes it stale.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::migration::Migration;

use super::hazard::OperationHazards;

/// Hex characters of the digest written in migration files.
const DIGEST_LEN: usize = 16;

/// The digest of `migration`'s operations that lose data according to `classified` (its
/// [`super::classify_migration`]); `None` when none does.
pub fn data_loss_digest(migration: &Migration, classified: &[OperationHazards]) -> Option<String> {
    let mut text = String::new();
    for op in classified.iter().filter(|o| o.loses_data()) {
        let op = migration.operations.get(op.index)?;
        let _ = writeln!(text, "{}", op.canonical_text());
    }
    if text.is_empty() {
        return None;
    }
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(text.as_bytes()).iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex.truncate(DIGEST_LEN);
    Some(hex)
}

/// Whether a migration's data loss is acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AckStatus {
    /// Nothing in it loses data, and it carries no acknowledgement.
    NotNeeded,
    /// It loses data and carries an acknowledgement of exactly these operations.
    Acknowledged {
        /// Why, as written in the migration.
        reason: String,
    },
    /// It loses data without an acknowledgement.
    Missing {
        /// The digest an acknowledgement must carry.
        digest: String,
    },
    /// Its acknowledgement names other operations than the ones that lose data now (it was
    /// written for an earlier version of the migration).
    Stale {
        /// The digest an acknowledgement must carry now.
        digest: String,
        /// The digest it carries.
        acknowledged: String,
    },
    /// It carries an acknowledgement, but nothing in it loses data any more.
    Unneeded {
        /// The digest it carries.
        acknowledged: String,
    },
}

impl AckStatus {
    /// The stable snake_case name: `not_needed`, `acknowledged`, `missing`, `stale`,
    /// `unneeded`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotNeeded => "not_needed",
            Self::Acknowledged { .. } => "acknowledged",
            Self::Missing { .. } => "missing",
            Self::Stale { .. } => "stale",
            Self::Unneeded { .. } => "unneeded",
        }
    }

    /// Data loss without a valid acknowledgement: `migrator lint` fails.
    pub fn fails(&self) -> bool {
        matches!(self, Self::Missing { .. } | Self::Stale { .. })
    }
}

/// Checks `migration`'s acknowledgement against what loses data in `classified`.
pub fn ack_status(migration: &Migration, classified: &[OperationHazards]) -> AckStatus {
    let digest = data_loss_digest(migration, classified);
    match (digest, &migration.data_loss_ack) {
        (None, None) => AckStatus::NotNeeded,
        (None, Some(ack)) => AckStatus::Unneeded {
            acknowledged: ack.digest.clone(),
        },
        (Some(digest), None) => AckStatus::Missing { digest },
        (Some(digest), Some(ack)) if ack.digest == digest => AckStatus::Acknowledged {
            reason: ack.reason.clone(),
        },
        (Some(digest), Some(ack)) => AckStatus::Stale {
            digest,
            acknowledged: ack.digest.clone(),
        },
    }
}
