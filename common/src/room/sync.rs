//! Summaries and deltas: how two replicas find what the other lacks.
//!
//! A summary names every record a state holds by its 16-byte id; a delta carries the
//! records the summary does not name. A peer that holds everything gets an empty delta.

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use super::state::{RoomDelta, RoomState};
use crate::collections::Set;
use crate::ids::RecordId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct RoomSummary {
    #[n(0)]
    pub config: RecordId,
    #[n(1)]
    pub upgrade: Option<RecordId>,
    /// Ids of acceptances (members' and departed), bans, leaves, member info, secret
    /// batches and messages, sorted.
    #[n(2)]
    pub records: Vec<RecordId>,
    /// First 16 bytes of each wrapped secret's leaf hash, sorted.
    #[n(3)]
    pub blobs: Vec<RecordId>,
}

fn blob_id(hash: [u8; 32]) -> RecordId {
    let mut id = [0u8; 16];
    id.copy_from_slice(&hash[..16]);
    RecordId(id)
}

impl RoomState {
    pub fn summarize(&self) -> RoomSummary {
        let mut records: Vec<RecordId> = self
            .members
            .iter()
            .chain(&self.departed)
            .map(|r| r.id())
            .chain(self.bans.iter().map(|r| r.id()))
            .chain(self.leaves.iter().map(|r| r.id()))
            .chain(self.member_info.iter().map(|r| r.id()))
            .chain(self.secrets.batches.iter().map(|r| r.id()))
            .chain(self.messages.iter().map(|r| r.id()))
            .collect();
        records.sort_unstable();
        let mut blobs: Vec<RecordId> = self
            .secrets
            .blobs
            .iter()
            .map(|b| blob_id(b.hash()))
            .collect();
        blobs.sort_unstable();
        RoomSummary {
            config: self.config.id(),
            upgrade: self.upgrade.as_ref().map(|u| u.id()),
            records,
            blobs,
        }
    }

    /// The records of this state that `summary` does not name.
    pub fn delta_since(&self, summary: &RoomSummary) -> RoomDelta {
        let known: Set<&RecordId> = summary.records.iter().collect();
        let known_blobs: Set<&RecordId> = summary.blobs.iter().collect();
        let missing = |id: RecordId| !known.contains(&id);
        RoomDelta {
            config: (self.config.id() != summary.config).then(|| self.config.clone()),
            members: self
                .members
                .iter()
                .chain(&self.departed)
                .filter(|r| missing(r.id()))
                .cloned()
                .collect(),
            bans: self
                .bans
                .iter()
                .filter(|r| missing(r.id()))
                .cloned()
                .collect(),
            leaves: self
                .leaves
                .iter()
                .filter(|r| missing(r.id()))
                .cloned()
                .collect(),
            member_info: self
                .member_info
                .iter()
                .filter(|r| missing(r.id()))
                .cloned()
                .collect(),
            secret_batches: self
                .secrets
                .batches
                .iter()
                .filter(|r| missing(r.id()))
                .cloned()
                .collect(),
            secret_blobs: self
                .secrets
                .blobs
                .iter()
                .filter(|b| !known_blobs.contains(&blob_id(b.hash())))
                .cloned()
                .collect(),
            messages: self
                .messages
                .iter()
                .filter(|r| missing(r.id()))
                .cloned()
                .collect(),
            upgrade: self
                .upgrade
                .as_ref()
                .filter(|u| Some(u.id()) != summary.upgrade)
                .cloned(),
        }
    }
}
