//! Bans.
//!
//! Rules:
//! - BAN-1: a ban is signed by its issuer, `banned_by`.
//! - BAN-2: the issuer has authority over the target: the owner, a moderator named in
//!   the current config, or an ancestor of the target in the invitation tree. Ancestry
//!   is proven by the ban itself: it carries the target's chain of invitations from the
//!   owner, each signed by its inviter. So a ban stays verifiable after its target (and
//!   its target's subtree) are gone, and no later invitation can rewrite who was whose
//!   ancestor.
//! - BAN-3: a banned key is never an effective member — not by replaying its old
//!   invitation, not by a new one (enforced in [`super::members`]).
//! - BAN-4: one ban per target: the first by `(banned_at, record id)` among the valid.
//! - BAN-5: at most `max_bans`, the earliest by `(banned_at, record id)`: a new ban never
//!   displaces an older one, so old bans cannot be pushed out by many later bans.
//! - BAN-6: the owner cannot be banned, and nobody bans themselves.

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use super::config::RoomConfig;
use super::members::MemberRecord;
use super::signed::{RecordBody, Signed};
use crate::collections::Set;
use crate::ids::MemberKey;
use crate::protocol::RecordKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Ban {
    #[n(0)]
    pub target: MemberKey,
    #[n(1)]
    pub banned_by: MemberKey,
    /// Issuer's clock, ms since the epoch; orders bans for BAN-4/BAN-5.
    #[n(2)]
    pub banned_at: u64,
    /// The target's invitation chain, owner first, target last. May be empty when the
    /// issuer is the owner or a moderator (who may ban anyone, even pre-emptively).
    #[n(3)]
    pub chain: Vec<MemberRecord>,
}

pub type BanRecord = Signed<Ban>;

impl RecordBody for Ban {
    const KIND: RecordKind = RecordKind::Ban;
    fn signer(&self, _owner: &MemberKey) -> MemberKey {
        self.banned_by // rule BAN-1
    }
}

/// Whether `ban` is authorized (rules BAN-2, BAN-6). Signatures, including those of the
/// chain's invitations, are checked before this is asked.
pub fn is_authorized(ban: &Ban, owner: &MemberKey, config: &RoomConfig) -> bool {
    if ban.target == *owner || ban.target == ban.banned_by {
        return false; // rule BAN-6
    }
    let chain_ok = chain_links(&ban.chain, owner, &ban.target);
    if !ban.chain.is_empty() && !chain_ok {
        return false;
    }
    if ban.banned_by == *owner || config.moderators.binary_search(&ban.banned_by).is_ok() {
        return true;
    }
    // rule BAN-2: an ancestor — an inviter on the chain above the target.
    chain_ok
        && ban
            .chain
            .iter()
            .any(|link| link.body.inviter == ban.banned_by)
}

/// The chain runs owner → … → target, each invitation's invitee inviting the next, with
/// no key twice.
fn chain_links(chain: &[MemberRecord], owner: &MemberKey, target: &MemberKey) -> bool {
    let mut expected_inviter = *owner;
    let mut seen: Set<MemberKey> = Set::default();
    seen.insert(*owner);
    for link in chain {
        if link.body.inviter != expected_inviter || !seen.insert(link.body.invitee) {
            return false;
        }
        expected_inviter = link.body.invitee;
    }
    !chain.is_empty() && expected_inviter == *target
}
