//! The part of a room state that rotation reads, decoded without the rest.
//!
//! The delegate decodes only config, members, departed members and secrets, and skips
//! bans, leaves, member info, messages and the upgrade pointer as opaque CBOR. Changing
//! how messages or nicknames are encoded therefore never changes the delegate's code —
//! and so never re-keys it.

use minicbor::Decoder;

use crate::ids::MemberKey;
use crate::room::config::{ConfigRecord, Privacy};
use crate::room::members::{self, MemberRecord};
use crate::room::secrets::SecretsState;
use crate::room::RoomState;

/// What rotation needs to know about a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationView {
    pub privacy: Privacy,
    /// Scheduled rotation period in seconds (0: never scheduled).
    pub rotation_period_secs: u64,
    /// Effective members, owner excluded, sorted.
    pub members: Vec<MemberKey>,
    /// Each member's inviter, in the order of `members`.
    pub inviters: Vec<MemberKey>,
    /// Departed members (leavers keep their invitees' places) and each one's inviter:
    /// the links a ban's subtree may pass through.
    pub departed: Vec<(MemberKey, MemberKey)>,
    pub secrets: SecretsState,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    #[error("room state does not decode: {0}")]
    Malformed(String),
}

impl RotationView {
    /// The view of a fully decoded state (tests and the UI's fast path).
    pub fn of(state: &RoomState) -> Self {
        RotationView {
            privacy: state.config.body.privacy,
            rotation_period_secs: state.config.body.rotation_period_secs,
            members: state.members.iter().map(|r| r.body.member).collect(),
            inviters: state.members.iter().map(|r| r.body.inviter()).collect(),
            departed: links(&state.departed),
            secrets: state.secrets.clone(),
        }
    }

    /// The view once `target` is banned: the target and everyone it brought in, directly
    /// or down its invitation chain, are no longer members (rule MEM-2, decided by
    /// [`members::subtree`]).
    pub fn without_subtree(&self, target: &MemberKey) -> Self {
        let (all, parents): (Vec<MemberKey>, Vec<MemberKey>) = self
            .members
            .iter()
            .copied()
            .zip(self.inviters.iter().copied())
            .chain(self.departed.iter().copied())
            .unzip();
        let gone = members::subtree(&all, &parents, target);
        let (members, inviters) = self
            .members
            .iter()
            .zip(&self.inviters)
            .filter(|(member, _)| !gone.contains(member))
            .map(|(m, i)| (*m, *i))
            .unzip();
        RotationView {
            members,
            inviters,
            ..self.clone()
        }
    }

    /// Decode the view straight from state bytes, skipping what rotation ignores.
    /// The state is one the node validated (the delegate only reads states of the room
    /// contract it subscribed to), so nothing is re-verified here.
    pub fn decode(bytes: &[u8]) -> Result<Self, ViewError> {
        let malformed =
            |e: minicbor::decode::Error| ViewError::Malformed(crate::codec::describe(&e));
        let mut d = Decoder::new(bytes);
        // RoomState: [config, members, departed, bans, leaves, member_info, secrets,
        // messages, upgrade]
        d.array().map_err(malformed)?;
        let config: ConfigRecord = d.decode().map_err(malformed)?;
        let members: Vec<MemberRecord> = d.decode().map_err(malformed)?;
        let departed: Vec<MemberRecord> = d.decode().map_err(malformed)?;
        d.skip().map_err(malformed)?; // bans
        d.skip().map_err(malformed)?; // leaves
        d.skip().map_err(malformed)?; // member_info
        let secrets: SecretsState = d.decode().map_err(malformed)?;
        Ok(RotationView {
            privacy: config.body.privacy,
            rotation_period_secs: config.body.rotation_period_secs,
            members: members.iter().map(|r| r.body.member).collect(),
            inviters: members.iter().map(|r| r.body.inviter()).collect(),
            departed: links(&departed),
            secrets,
        })
    }
}

/// `(member, inviter)` of each acceptance.
fn links(records: &[MemberRecord]) -> Vec<(MemberKey, MemberKey)> {
    records
        .iter()
        .map(|r| (r.body.member, r.body.inviter()))
        .collect()
}
