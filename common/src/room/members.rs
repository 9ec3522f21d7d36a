//! Members: the invitation tree rooted at the owner.
//!
//! Rules:
//! - MEM-1: an invitation is signed by its inviter.
//! - MEM-2: a member is *effective* only through a chain of invitations from the owner
//!   in which no key is banned; a ban therefore removes its target's whole subtree.
//!   [`compute_membership`] applies it to the records held; [`subtree`] is what it
//!   removes from a tree already built, which the owner's delegate needs to plan the
//!   rotation a ban makes owed before the ban lands.
//! - MEM-3: one invitation per invitee is kept: breadth-first from the owner, the first
//!   by `(invited_at, record id)` among those whose inviter is already effective. So the
//!   tree is a deterministic function of the records held, whatever arrived first.
//! - MEM-4: at most `max_members` effective members (the owner not counted), admitted
//!   in that same breadth-first order.
//! - MEM-5: the owner is never an invitee, and nobody invites themselves.
//! - MEM-6: an invitee's key is the canonical encoding of an ed25519 point of full
//!   order (not the identity, all zeros or another small-order point): a room secret
//!   can be wrapped for every member, so no member can make the owner's rotation fail
//!   by inviting a key nobody can wrap for. Checked once per arriving record, like a
//!   signature (`verify.rs`); the owner's delegate also leaves such a key out (ROT-6).
//!
//! Chains are walked once per apply: the breadth-first pass visits each record once, so
//! checking the tree is O(members), however deep it is.

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use super::order::{sort_by, Key};
use super::signed::{RecordBody, Signed};
use crate::collections::{Map, Set};
use crate::ids::{MemberKey, RecordId};
use crate::protocol::RecordKind;

/// `inviter` invites `invitee` into the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Invitation {
    #[n(0)]
    pub invitee: MemberKey,
    #[n(1)]
    pub inviter: MemberKey,
    /// Inviter's clock, ms since the epoch; orders concurrent invitations (MEM-3).
    #[n(2)]
    pub invited_at: u64,
}

pub type MemberRecord = Signed<Invitation>;

impl RecordBody for Invitation {
    const KIND: RecordKind = RecordKind::Member;
    fn signer(&self, _owner: &MemberKey) -> MemberKey {
        self.inviter // rule MEM-1
    }
}

/// Who is in the room, derived from the records held.
#[derive(Debug, Clone, Default)]
pub struct Membership {
    /// Effective members' (owner excluded) invitations, sorted by invitee.
    pub admitted: Vec<MemberRecord>,
}

impl Membership {
    /// Whether `key` may act as a member (the owner always may).
    pub fn is_member(&self, key: &MemberKey, owner: &MemberKey) -> bool {
        key == owner || self.admitted_record(key).is_some()
    }

    /// The invitation that admits `key`, if `key` is an effective member.
    pub fn admitted_record(&self, key: &MemberKey) -> Option<&MemberRecord> {
        self.admitted
            .binary_search_by(|r| r.body.invitee.cmp(key))
            .ok()
            .and_then(|i| self.admitted.get(i))
    }
}

/// Compute the effective tree (rules MEM-2..MEM-5) from candidate invitations.
pub fn compute_membership(
    owner: &MemberKey,
    candidates: &[MemberRecord],
    banned: &Set<MemberKey>,
    max_members: u32,
) -> Membership {
    let mut by_inviter: Map<MemberKey, Vec<(u64, RecordId, usize)>> = Map::default();
    for (index, record) in candidates.iter().enumerate() {
        let inv = &record.body;
        // rules MEM-5 and BAN-3: a banned key never re-enters, by replay or by a new
        // invitation; rule MEM-2: its invitees have no path to the owner through it.
        if inv.invitee == *owner || inv.invitee == inv.inviter || banned.contains(&inv.invitee) {
            continue;
        }
        by_inviter
            .entry(inv.inviter)
            .or_default()
            .push((inv.invited_at, record.id(), index));
    }

    // Breadth-first from the owner; within a level, by (invited_at, record id).
    let mut admitted: Map<MemberKey, usize> = Map::default();
    let mut level = vec![*owner];
    while !level.is_empty() && admitted.len() < max_members as usize {
        let next: Vec<(u64, RecordId, usize)> = level
            .iter()
            .filter_map(|inviter| by_inviter.get(inviter))
            .flatten()
            .copied()
            .collect();
        let next = sort_by(next, |(at, id, _)| Key::new().u64(*at).id(id).done());
        level = Vec::new();
        for (_, _, index) in next {
            if admitted.len() >= max_members as usize {
                break; // rule MEM-4
            }
            let Some(invitee) = candidates.get(index).map(|c| c.body.invitee) else {
                continue; // indices come from `candidates` itself
            };
            if admitted.contains_key(&invitee) {
                continue; // rule MEM-3: an earlier invitation already admitted them
            }
            admitted.insert(invitee, index);
            level.push(invitee);
        }
    }
    let records: Vec<MemberRecord> = admitted
        .into_values()
        .filter_map(|i| candidates.get(i).cloned())
        .collect();
    Membership {
        admitted: sort_by(records, |r| Key::new().member(&r.body.invitee).done()),
    }
}

/// Rule MEM-2 on a tree already built: `target` and everyone it brought in, directly or
/// down its invitation chain — the members a ban of `target` removes. `members[i]` was
/// invited by `inviters[i]` (one invitation per member, as [`compute_membership`] keeps).
///
/// A list, not a hash set: a ban's subtree is small, and the delegate's WASM, which
/// runs this, then carries no hash table code.
pub fn subtree(
    members: &[MemberKey],
    inviters: &[MemberKey],
    target: &MemberKey,
) -> Vec<MemberKey> {
    let mut gone = vec![*target];
    let mut next = 0;
    while let Some(fallen) = gone.get(next).copied() {
        next += 1;
        for (member, inviter) in members.iter().zip(inviters) {
            if *inviter == fallen && !gone.contains(member) {
                gone.push(*member);
            }
        }
    }
    gone
}
