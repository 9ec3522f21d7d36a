//! Room configuration: owner-authored, highest version wins.
//!
//! Rules:
//! - CFG-1: only the owner signs a config.
//! - CFG-2: the highest version wins; at the same version the smaller record id wins,
//!   so two owner devices that bump concurrently still converge.
//! - CFG-3: limits never exceed the hard limits in [`crate::limits`], and text fields
//!   fit their size bounds; a config that breaks this is invalid.

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use super::error::RoomError;
use super::signed::{RecordBody, Signed};
use super::text::RoomText;
use crate::ids::MemberKey;
use crate::limits::*;
use crate::protocol::RecordKind;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
#[cbor(index_only)]
pub enum Privacy {
    #[n(0)]
    Public,
    #[n(1)]
    Private,
}

/// What the owner decides about the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct RoomConfig {
    #[n(0)]
    pub version: u64,
    #[n(1)]
    pub privacy: Privacy,
    #[n(2)]
    pub name: RoomText,
    #[n(3)]
    pub description: RoomText,
    #[n(4)]
    pub max_members: u32,
    #[n(5)]
    pub max_messages: u32,
    #[n(6)]
    pub max_message_bytes: u32,
    #[n(7)]
    pub max_bans: u32,
    /// Scheduled rotation period for private rooms, seconds (0: never scheduled).
    #[n(8)]
    pub rotation_period_secs: u64,
    /// Members the owner appointed to ban anyone (sorted, no duplicates).
    #[n(9)]
    pub moderators: Vec<MemberKey>,
}

impl RoomConfig {
    /// A first config with every default.
    pub fn new(privacy: Privacy, name: RoomText) -> Self {
        RoomConfig {
            version: 1,
            privacy,
            name,
            description: RoomText::empty(),
            max_members: MAX_MEMBERS,
            max_messages: MAX_MESSAGES,
            max_message_bytes: MAX_MESSAGE_BYTES,
            max_bans: MAX_BANS,
            rotation_period_secs: DEFAULT_ROTATION_PERIOD_SECS,
            moderators: Vec::new(),
        }
    }
}

pub type ConfigRecord = Signed<RoomConfig>;

impl RecordBody for RoomConfig {
    const KIND: RecordKind = RecordKind::Config;
    fn signer(&self, owner: &MemberKey) -> MemberKey {
        *owner // rule CFG-1
    }
}

/// Structural checks of a config body (rule CFG-3).
pub fn check_config(config: &RoomConfig) -> Result<(), RoomError> {
    let bad = |rule: &'static str| Err(RoomError::invalid("config", rule));
    if config.max_members > MAX_MEMBERS
        || config.max_messages > MAX_MESSAGES
        || config.max_message_bytes > MAX_MESSAGE_BYTES
        || config.max_bans > MAX_BANS
    {
        return bad("CFG-3: a limit exceeds the hard limit");
    }
    if !config.name.fits(MAX_ROOM_NAME_BYTES) || !config.description.fits(MAX_DESCRIPTION_BYTES) {
        return bad("CFG-3: name or description too long");
    }
    if config.moderators.len() > MAX_MODERATORS {
        return bad("CFG-3: too many moderators");
    }
    if config
        .moderators
        .windows(2)
        .any(|w| matches!(w, [a, b] if a >= b))
    {
        return bad("CFG-3: moderators must be sorted and unique");
    }
    Ok(())
}

/// The winner of two configs (rule CFG-2).
pub fn pick(a: ConfigRecord, b: ConfigRecord) -> ConfigRecord {
    let key = |c: &ConfigRecord| (std::cmp::Reverse(c.body.version), c.id());
    if key(&b) < key(&a) {
        b
    } else {
        a
    }
}
