//! Member info: each member's own nickname.
//!
//! Rules:
//! - INFO-1: signed by the member it describes, who must be an effective member (or
//!   the owner).
//! - INFO-2: one record per member: the highest version; at the same version the
//!   smaller record id.
//! - INFO-3: the nickname fits [`MAX_NICKNAME_BYTES`] (sealed: plus the AEAD tag); in a
//!   private room it must be sealed.

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use super::signed::{RecordBody, Signed};
use super::text::RoomText;
use crate::ids::MemberKey;
use crate::limits::MAX_NICKNAME_BYTES;
use crate::protocol::RecordKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct MemberInfo {
    #[n(0)]
    pub member: MemberKey,
    #[n(1)]
    pub version: u64,
    #[n(2)]
    pub nickname: RoomText,
}

pub type MemberInfoRecord = Signed<MemberInfo>;

impl RecordBody for MemberInfo {
    const KIND: RecordKind = RecordKind::MemberInfo;
    fn signer(&self, _owner: &MemberKey) -> MemberKey {
        self.member // rule INFO-1
    }
}

/// Structural rule INFO-3, privacy aside.
pub fn fits(info: &MemberInfo) -> bool {
    info.nickname.fits(MAX_NICKNAME_BYTES)
}
