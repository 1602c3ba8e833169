//! The checksums the record keeps of each migration: of its operations' canonical text
//! (an edited applied migration is caught before any DDL runs) and of its data steps' code.
//! Pure functions of a migration: a leaf of the recorder.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::migration::{Migration, MigrationKey};

/// The canonical text a migration's checksum is computed from.
pub fn canonical_text(migration: &Migration) -> String {
    canonical_text_as(migration, &migration.key())
}

/// The canonical text of `migration`'s operations under the key `key` (a recorded name it
/// may have been renamed from).
fn canonical_text_as(migration: &Migration, key: &MigrationKey) -> String {
    // Dependencies are deliberately left out: when a squash replaces migrations, the graph
    // re-points dependencies on them at the squash, which would change the checksum of every
    // applied migration that depended on them. Dependencies do not change the schema; the
    // operations do.
    let mut s = format!("migration {}.{}\n", key.app, key.name);
    for (i, op) in migration.operations.iter().enumerate() {
        let _ = writeln!(s, "op {}: {}", i + 1, op.canonical_text());
    }
    // Only when present, so the checksums of migrations without one never change.
    if let Some(ack) = &migration.data_loss_ack {
        let _ = writeln!(
            s,
            "data_loss_ack digest={:?} reason={:?}",
            ack.digest, ack.reason
        );
    }
    s
}

/// Hex SHA-256 of [`canonical_text`].
pub fn checksum(migration: &Migration) -> String {
    checksum_as(migration, &migration.key())
}

/// The checksum `migration`'s operations would have under the key `key` (to recognize a
/// migration whose record or file was renamed).
pub fn checksum_as(migration: &Migration, key: &MigrationKey) -> String {
    let digest = Sha256::digest(canonical_text_as(migration, key).as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// The code checksum recorded for `migration`: its file's, when it has a data step.
pub fn code_checksum(migration: &Migration) -> Option<&str> {
    migration
        .code_checksum
        .as_deref()
        .filter(|_| migration.has_rust_steps())
}
