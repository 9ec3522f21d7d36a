//! Room secrets: which members can read which secret version.
//!
//! The owner publishes a *batch* per rotation or back-fill: one signature over the
//! version and a list of leaves `(member, hash of that member's wrapped secret)`. The
//! wrapped secrets themselves travel beside the batch and are checked against a leaf,
//! so one signature covers a whole rotation, and a wrapped secret can later be pruned
//! without invalidating the signature over the rest.
//!
//! Rules:
//! - SEC-1: only the owner signs a batch.
//! - SEC-2: every batch carries a leaf for the owner (so the newest version is always
//!   anchored by a retained blob), leaves are sorted by member and unique, at most
//!   `MAX_MEMBERS + 1` of them.
//! - SEC-3: a wrapped secret is kept only if a retained batch of its version has the
//!   leaf `(member, hash)`; for two different blobs for the same `(version, member)` the
//!   smaller hash wins, so replicas converge whatever produced them.
//! - SEC-4: growth is bounded: versions older than `MAX_SECRET_VERSIONS` below the
//!   newest are pruned, departed members' wrapped secrets of every version but the
//!   current one are pruned (the current one's stay as the evidence that a rotation is
//!   owed), and a batch of an older version none of whose wrapped secrets remain is
//!   pruned.
//! - SEC-5: a wrapped secret is at most `MAX_WRAPPED_SECRET_BYTES`.
//! - SEC-6: a rotation is never lost however its parts are delivered. A batch of the
//!   current version is kept even with no wrapped secret yet, so wrapped secrets that
//!   arrive after it (another delta, another relay) are taken. Wrapped secrets that
//!   arrive before any batch names them cannot be checked and are dropped; the batch
//!   alone then makes its version current with members lacking it, and the owner's
//!   delegate back-fills them (ROT-3) with the very same ciphertexts (ROT-5).

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use super::signed::{RecordBody, Signed};
use crate::ids::MemberKey;
use crate::limits::{MAX_MEMBERS, MAX_SECRET_VERSIONS, MAX_WRAPPED_SECRET_BYTES};

/// Versions retained below and including the newest (rule SEC-4).
pub const MAX_LEAF_VERSIONS: u32 = MAX_SECRET_VERSIONS;
use crate::protocol::{RecordKind, WRAPPED_SECRET_CONTEXT};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Encode, Decode)]
pub struct SecretLeaf {
    #[n(0)]
    pub member: MemberKey,
    #[serde(with = "serde_bytes")]
    #[cbor(with = "minicbor::bytes")]
    #[n(1)]
    pub blob_hash: [u8; 32],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct SecretBatch {
    #[n(0)]
    pub version: u32,
    /// No time: a batch's bytes depend only on the room and the owner's key (ROT-5).
    #[n(1)]
    pub leaves: Vec<SecretLeaf>,
}

pub type SecretBatchRecord = Signed<SecretBatch>;

impl RecordBody for SecretBatch {
    const KIND: RecordKind = RecordKind::Secrets;
    fn signer(&self, owner: &MemberKey) -> MemberKey {
        *owner // rule SEC-1
    }
}

/// The room secret of `version`, wrapped for `member` (an ECIES blob, docs/design.md §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct WrappedSecret {
    #[n(0)]
    pub version: u32,
    #[n(1)]
    pub member: MemberKey,
    #[serde(with = "serde_bytes")]
    #[cbor(with = "minicbor::bytes")]
    #[n(2)]
    pub ciphertext: Vec<u8>,
}

impl WrappedSecret {
    pub fn hash(&self) -> [u8; 32] {
        blob_hash(&self.ciphertext)
    }

    pub fn leaf(&self) -> SecretLeaf {
        SecretLeaf {
            member: self.member,
            blob_hash: self.hash(),
        }
    }
}

/// The leaf hash of a wrapped secret.
pub fn blob_hash(ciphertext: &[u8]) -> [u8; 32] {
    blake3::derive_key(WRAPPED_SECRET_CONTEXT, ciphertext)
}

/// The secrets component.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct SecretsState {
    /// Sorted by `(version, record id)`.
    #[n(0)]
    pub batches: Vec<SecretBatchRecord>,
    /// Sorted by `(version, member)`, one per pair.
    #[n(1)]
    pub blobs: Vec<WrappedSecret>,
}

impl SecretsState {
    /// The newest secret version, if any secret was ever published.
    pub fn current_version(&self) -> Option<u32> {
        self.batches.iter().map(|b| b.body.version).max()
    }

    /// The wrapped secret of `version` for `member`, if held.
    pub fn blob_for(&self, member: &MemberKey, version: u32) -> Option<&WrappedSecret> {
        self.blobs
            .binary_search_by(|b| (b.version, b.member).cmp(&(version, *member)))
            .ok()
            .and_then(|i| self.blobs.get(i))
    }

    /// Members holding a wrapped secret of `version`.
    pub fn holders(&self, version: u32) -> impl Iterator<Item = &MemberKey> {
        self.blobs
            .iter()
            .filter(move |b| b.version == version)
            .map(|b| &b.member)
    }
}

/// Structural rule SEC-2 for a batch.
pub fn batch_shape_ok(batch: &SecretBatch, owner: &MemberKey) -> bool {
    batch.leaves.len() <= MAX_MEMBERS as usize + 1
        && batch
            .leaves
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.member < b.member))
        && batch.leaves.iter().any(|leaf| leaf.member == *owner)
}

/// Structural rule SEC-5 for a wrapped secret.
pub fn blob_shape_ok(blob: &WrappedSecret) -> bool {
    blob.ciphertext.len() <= MAX_WRAPPED_SECRET_BYTES
}
