//! Messages: the retained window.
//!
//! Rules:
//! - MSG-1: signed by its author, who must be an effective member (or the owner); a
//!   member's messages leave with them.
//! - MSG-2: the body fits `max_message_bytes` (sealed: plus the AEAD tag); in a private
//!   room it must be sealed.
//! - MSG-3: the window keeps the newest `max_messages` by `(sent_at, record id)`.
//! - MSG-4: one author holds at most `max_messages / AUTHOR_SHARE_DIVISOR` of the window
//!   (their newest), so future-dated floods by one member cannot push everyone else out.

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use super::signed::{RecordBody, Signed};
use super::text::RoomText;
use crate::ids::MemberKey;
use crate::protocol::RecordKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Message {
    #[n(0)]
    pub author: MemberKey,
    /// Author's clock, ms since the epoch. Unverifiable: MSG-4 bounds what lying buys.
    #[n(1)]
    pub sent_at: u64,
    #[n(2)]
    pub body: RoomText,
}

pub type MessageRecord = Signed<Message>;

impl RecordBody for Message {
    const KIND: RecordKind = RecordKind::Message;
    fn signer(&self, _owner: &MemberKey) -> MemberKey {
        self.author // rule MSG-1
    }
}
