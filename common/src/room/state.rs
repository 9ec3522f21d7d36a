//! The room's parameters, state and delta types.

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use super::bans::{BanRecord, LeaveRecord};
use super::config::ConfigRecord;
use super::member_info::MemberInfoRecord;
use super::members::MemberRecord;
use super::messages::MessageRecord;
use super::secrets::{SecretBatchRecord, SecretsState, WrappedSecret};
use super::upgrade::UpgradeRecord;
use crate::ids::MemberKey;

/// Contract parameters: the owner's verifying key. The room's contract id is
/// `blake3(code_hash ‖ params)`, so the owner key names the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct RoomParams {
    #[n(0)]
    pub owner: MemberKey,
}

impl RoomParams {
    /// The parameter bytes the room contract is instantiated with.
    /// Written out rather than through the encoder, so it cannot fail: the CBOR of a
    /// one-element array (`0x81`) holding a 32-byte byte string (`0x58 0x20`), exactly
    /// what `codec::to_vec` produces (`params_bytes_are_the_canonical_cbor` checks it).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 + 32);
        out.extend_from_slice(&[0x81, 0x58, 0x20]);
        out.extend_from_slice(self.owner.as_bytes());
        out
    }

    /// The room's contract instance id under the room contract whose code hashes to
    /// `code_hash`: `blake3(code_hash ‖ params)`, as the node computes it.
    pub fn contract_id(&self, code_hash: &[u8; 32]) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new();
        hasher.update(code_hash);
        hasher.update(&self.to_bytes());
        *hasher.finalize().as_bytes()
    }
}

/// A room's whole state, in canonical form: every collection sorted, every rule of
/// [`super::normalize`] already applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct RoomState {
    #[n(0)]
    pub config: ConfigRecord,
    /// Effective members' acceptances, sorted by member.
    #[n(1)]
    pub members: Vec<MemberRecord>,
    /// Acceptances of members who left or were banned, kept as the evidence their
    /// departure names (BAN-8) and, for leavers, their invitees' places; sorted by member.
    #[n(2)]
    pub departed: Vec<MemberRecord>,
    /// Sorted by target.
    #[n(3)]
    pub bans: Vec<BanRecord>,
    /// Sorted by member.
    #[n(4)]
    pub leaves: Vec<LeaveRecord>,
    /// Sorted by member.
    #[n(5)]
    pub member_info: Vec<MemberInfoRecord>,
    #[n(6)]
    pub secrets: SecretsState,
    /// Sorted by `(sent_at, record id)`.
    #[n(7)]
    pub messages: Vec<MessageRecord>,
    #[n(8)]
    pub upgrade: Option<UpgradeRecord>,
}

impl RoomState {
    /// A new room: just its owner-signed config.
    pub fn new(config: ConfigRecord) -> Self {
        RoomState {
            config,
            members: Vec::new(),
            departed: Vec::new(),
            bans: Vec::new(),
            leaves: Vec::new(),
            member_info: Vec::new(),
            secrets: SecretsState::default(),
            messages: Vec::new(),
            upgrade: None,
        }
    }

    /// Every record of this state as a delta (what a full-state merge adds).
    pub fn into_delta(self) -> RoomDelta {
        RoomDelta {
            config: Some(self.config),
            members: self.members.into_iter().chain(self.departed).collect(),
            bans: self.bans,
            leaves: self.leaves,
            member_info: self.member_info,
            secret_batches: self.secrets.batches,
            secret_blobs: self.secrets.blobs,
            messages: self.messages,
            upgrade: self.upgrade,
        }
    }

    /// Number of signatures a full validation checks (the benchmarks' crypto floor).
    pub fn signature_count(&self) -> usize {
        1 + 3 * (self.members.len() + self.departed.len())
            + self.bans.len()
            + self.leaves.len()
            + self.member_info.len()
            + self.secrets.batches.len()
            + self.messages.len()
            + usize::from(self.upgrade.is_some())
    }
}

/// Records to add to a room. Empty fields are omitted on the wire. `members` carries
/// every acceptance, whether its member is still in the room or departed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct RoomDelta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cbor(default)]
    #[n(0)]
    pub config: Option<ConfigRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cbor(default)]
    #[n(1)]
    pub members: Vec<MemberRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cbor(default)]
    #[n(2)]
    pub bans: Vec<BanRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cbor(default)]
    #[n(3)]
    pub leaves: Vec<LeaveRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cbor(default)]
    #[n(4)]
    pub member_info: Vec<MemberInfoRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cbor(default)]
    #[n(5)]
    pub secret_batches: Vec<SecretBatchRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cbor(default)]
    #[n(6)]
    pub secret_blobs: Vec<WrappedSecret>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cbor(default)]
    #[n(7)]
    pub messages: Vec<MessageRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cbor(default)]
    #[n(8)]
    pub upgrade: Option<UpgradeRecord>,
}

impl RoomDelta {
    pub fn is_empty(&self) -> bool {
        self == &RoomDelta::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_bytes_are_the_canonical_cbor() {
        for byte in [0u8, 7, 0xff] {
            let params = RoomParams {
                owner: MemberKey([byte; 32]),
            };
            let encoded = crate::codec::to_vec(&params).expect("params encode");
            assert_eq!(params.to_bytes(), encoded);
            let decoded: RoomParams = crate::codec::from_slice(&encoded, 64).expect("decodes");
            assert_eq!(decoded, params);
        }
    }
}
