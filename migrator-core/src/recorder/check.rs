//! What a run knows of the migration record without reading it: `RecordDigest` (a count
//! and a sum of key hashes) and [`RecordCheck`], which the recorder turns into the condition
//! PostgreSQL checks under the next lock. Pure data: a leaf of the recorder.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use crate::migration::MigrationKey;

/// A digest of recorded keys that both this process and PostgreSQL can compute: how many
/// there are, and the sum of each key's hash (the first 60 bits of the SHA-256 of
/// `app.name`), so recording or unrecording one key updates it without reading the record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordDigest {
    pub(crate) count: u64,
    pub(crate) sum: u128,
}

impl RecordDigest {
    /// The digest of `keys`.
    #[cfg(test)]
    pub fn of<'k>(keys: impl IntoIterator<Item = &'k MigrationKey>) -> Self {
        let mut digest = Self::default();
        for key in keys {
            digest.insert(key);
        }
        digest
    }

    /// Adds a recorded key.
    pub fn insert(&mut self, key: &MigrationKey) {
        self.count += 1;
        self.sum += u128::from(key_hash(key));
    }

    /// Takes away a key that was recorded (the caller knows it was).
    pub fn remove(&mut self, key: &MigrationKey) {
        self.count -= 1;
        self.sum -= u128::from(key_hash(key));
    }
}

/// The first 60 bits of the SHA-256 of `app.name`: what PostgreSQL computes per row in
/// `recorder::record_check_sql`.
pub(crate) fn key_hash(key: &MigrationKey) -> u64 {
    let digest = Sha256::digest(format!("{}.{}", key.app, key.name).as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) >> 4
}

/// What a run knows of the record since it last read it, in a form the server checks cheaply
/// under the next lock, in the round trip that takes it (`recorder::record_check_sql`), so a run that
/// knows what its own steps wrote can confirm nobody else changed the record meanwhile.
///
/// The rows up to the highest id the read saw (`top`) were all read, and a new row always
/// gets a higher id (the recorder never chooses one, and rows are only added under the lock,
/// so none was pending at the read): that part of the record can only lose rows, and its
/// count says whether it did. The rows above `top` are those added since — by this run, as
/// far as it knows — checked by their count and the sum of their keys' hashes
/// (`RecordDigest`). A rollback, which only deletes, so has the server hash nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordCheck {
    pub(crate) top: i64,
    pub(crate) below: u64,
    pub(crate) above: RecordDigest,
    added: BTreeSet<MigrationKey>,
}

impl RecordCheck {
    /// After a read that found `count` rows, the highest of them with id `top` (0: none).
    pub fn after_read(top: i64, count: usize) -> Self {
        Self {
            top,
            below: u64::try_from(count).unwrap_or(u64::MAX),
            ..Self::default()
        }
    }

    /// This run recorded `key` (not recorded before).
    pub fn recorded(&mut self, key: &MigrationKey) {
        if self.added.insert(key.clone()) {
            self.above.insert(key);
        }
    }

    /// This run unrecorded `key`, which was recorded.
    pub fn unrecorded(&mut self, key: &MigrationKey) {
        if self.added.remove(key) {
            self.above.remove(key);
        } else {
            self.below = self.below.saturating_sub(1);
        }
    }
}
