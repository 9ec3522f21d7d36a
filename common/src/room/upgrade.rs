//! Upgrade pointer: where the room moved to.
//!
//! Rules:
//! - UPG-1: only the owner signs an upgrade pointer.
//! - UPG-2: monotonic: the highest version wins, at the same version the smaller record
//!   id, so a pointer re-delivered out of order never moves the room back.

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use super::signed::{RecordBody, Signed};
use crate::ids::MemberKey;
use crate::protocol::RecordKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Upgrade {
    #[n(0)]
    pub version: u64,
    /// The successor room contract's instance id.
    #[serde(with = "serde_bytes")]
    #[cbor(with = "minicbor::bytes")]
    #[n(1)]
    pub successor: [u8; 32],
}

pub type UpgradeRecord = Signed<Upgrade>;

impl RecordBody for Upgrade {
    const KIND: RecordKind = RecordKind::Upgrade;
    fn signer(&self, owner: &MemberKey) -> MemberKey {
        *owner // rule UPG-1
    }
}

/// The winner of two pointers (rule UPG-2).
pub fn pick(a: Option<UpgradeRecord>, b: Option<UpgradeRecord>) -> Option<UpgradeRecord> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let key = |u: &UpgradeRecord| (std::cmp::Reverse(u.body.version), u.id());
            Some(if key(&b) < key(&a) { b } else { a })
        }
        (a, b) => a.or(b),
    }
}
