//! Members: invitations the inviter grants and the invitee accepts with a key of its own.
//!
//! An inviter never holds its invitee's key. It signs a [`Grant`] naming a fresh,
//! one-time *invitation key* and hands the grant and that key's secret to the invitee
//! (the invite code). The invitee's own delegate makes the member key and signs an
//! [`Acceptance`] naming the grant — its one parent — and the invitation key signs an
//! [`Admit`] binding that member key to the grant. So a member record carries three
//! signatures: the inviter's (authority), the invitation key's (this invite was used for
//! this member) and the member's (the key is its own, and this is its place).
//!
//! Rules:
//! - MEM-1: a grant is signed by its inviter; an acceptance by its member, carrying the
//!   invitation key's admit signature over `(member, grant)`.
//! - MEM-2: a member is *effective* only through a chain of acceptances from the owner
//!   in which no key is banned; a ban therefore removes its target's whole subtree
//!   ([`subtree`]). A member who left is no longer a member, but its invitees keep their
//!   places ([`super::roster`]).
//! - MEM-3: a member's place is fixed by its own acceptance: of the acceptances one
//!   member key signed, the one with the smallest signature. Nobody else can sign for
//!   that key, so no later, earlier-dated or competing invitation can re-parent it.
//! - MEM-4: room for members is divided, not raced for (see [`super::shares`]): the
//!   owner's `max_members` are split equally among its invitees' subtrees, each subtree's
//!   share (less one for its root) equally among that root's invitees, and so on. What a
//!   subtree holds never depends on how many keys another subtree mints.
//! - MEM-5: the owner is never a member record, and nobody invites themselves.
//! - MEM-6: member and invitation keys are canonical encodings of ed25519 points of full
//!   order, so a room secret can be wrapped for every member (checked once per arriving
//!   record, like a signature; the owner's delegate also leaves such a key out, ROT-6).
//! - MEM-7: a grant admits at most one member. If its invitation key signed admits for
//!   several member keys (its holders — the invitee and the inviter — both know it), the
//!   smallest member key is admitted. Only the invite code's holders can do this, and the
//!   inviter could remove that member by a ban anyway (BAN-2): an invite code is a
//!   password. Per grant, not per invitation key: the losers share the winner's parent,
//!   so nothing that removes the winner without its subtree can bring a loser back.
//!
//! Placement reads each record once, so checking the tree is O(members), however deep.

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use super::order::{sort_by, Key};
use super::signed::{RecordBody, Signed};
use crate::ids::MemberKey;
use crate::protocol::RecordKind;
use crate::sign::{member_key, sign_body, Sig, SigError};
use ed25519_dalek::SigningKey;

/// `inviter` authorises whoever holds `invite_key`'s secret to join once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Grant {
    #[n(0)]
    pub inviter: MemberKey,
    /// A one-time key the inviter made for this invitation only (rule MEM-7).
    #[n(1)]
    pub invite_key: MemberKey,
}

pub type GrantRecord = Signed<Grant>;

impl RecordBody for Grant {
    const KIND: RecordKind = RecordKind::Grant;
    fn signer(&self, _owner: &MemberKey) -> MemberKey {
        self.inviter // rule MEM-1
    }
}

/// What the invitation key signs (domain `RecordKind::Admit`): this member used this
/// grant (named by its signature, which determines it). Not a record of its own: it
/// travels inside the [`Acceptance`].
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct Admit {
    #[n(0)]
    pub member: MemberKey,
    #[n(1)]
    pub grant: Sig,
}

/// `member` joins through `grant`; signed by `member`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Acceptance {
    #[n(0)]
    pub member: MemberKey,
    #[n(1)]
    pub grant: GrantRecord,
    /// The invitation key's signature over [`Admit`] `{ member, grant's signature }`.
    #[n(2)]
    pub admit: Sig,
}

impl Acceptance {
    /// The member whose grant this acceptance uses: its parent in the tree.
    pub fn inviter(&self) -> MemberKey {
        self.grant.body.inviter
    }

    pub fn invite_key(&self) -> MemberKey {
        self.grant.body.invite_key
    }

    /// The body the invitation key signs.
    pub fn admit_body(&self) -> Admit {
        Admit {
            member: self.member,
            grant: self.grant.signature,
        }
    }
}

pub type MemberRecord = Signed<Acceptance>;

/// The invitee's side of an invite code: `invite` (the invitation key's secret, from the
/// code) admits `member` through `grant`, and `member` signs its acceptance (MEM-1). A
/// client holding the member key signs here; the chat delegate, which holds it for real
/// users, signs the same acceptance body.
pub fn accept(
    room: &MemberKey,
    grant: GrantRecord,
    invite: &SigningKey,
    member: &SigningKey,
) -> Result<MemberRecord, SigError> {
    let body = admit(room, grant, invite, member_key(member))?;
    Signed::sign(room, body, member)
}

/// The acceptance body for `member` with the invitation key's admit signature: what a
/// client builds from an invite code before the member's delegate signs it.
pub fn admit(
    room: &MemberKey,
    grant: GrantRecord,
    invite: &SigningKey,
    member: MemberKey,
) -> Result<Acceptance, SigError> {
    let admit = Admit {
        member,
        grant: grant.signature,
    };
    let admit = sign_body(RecordKind::Admit, room, &admit, invite)?;
    Ok(Acceptance {
        member,
        grant,
        admit,
    })
}

impl RecordBody for Acceptance {
    const KIND: RecordKind = RecordKind::Member;
    fn signer(&self, _owner: &MemberKey) -> MemberKey {
        self.member // rule MEM-1
    }
}

/// Rules MEM-3, MEM-5 and MEM-7: each member key's one place, from every acceptance held
/// (whose signatures the caller checked). Sorted by member; a member's parent is
/// `record.body.inviter()`.
pub fn place(owner: &MemberKey, candidates: Vec<MemberRecord>) -> Vec<MemberRecord> {
    let candidates: Vec<MemberRecord> = candidates
        .into_iter()
        .filter(|r| r.body.member != *owner && r.body.member != r.body.inviter()) // MEM-5
        .collect();
    // MEM-3: per member, the smallest signature. (Signatures, not record ids: ordering
    // by them needs no hash, and the node validates this on every update.)
    let mut by_member = sort_by(candidates, |r| {
        Key::new()
            .member(&r.body.member)
            .sig_prefix(&r.signature)
            .done()
    });
    by_member.dedup_by(|later, first| later.body.member == first.body.member);
    // MEM-7: per grant, the smallest member key.
    let mut by_grant = sort_by(by_member, |r| {
        Key::new()
            .sig_prefix(&r.body.grant.signature)
            .member(&r.body.member)
            .done()
    });
    by_grant.dedup_by(|later, first| later.body.grant.signature == first.body.grant.signature);
    sort_by(by_grant, |r| Key::new().member(&r.body.member).done())
}

/// Who is in the room, derived from the records held.
#[derive(Debug, Clone, Default)]
pub struct Membership {
    /// Effective members' (owner excluded) acceptances, sorted by member.
    pub admitted: Vec<MemberRecord>,
}

impl Membership {
    /// Whether `key` may act as a member (the owner always may).
    pub fn is_member(&self, key: &MemberKey, owner: &MemberKey) -> bool {
        key == owner || self.admitted_record(key).is_some()
    }

    /// The acceptance that admits `key`, if `key` is an effective member.
    pub fn admitted_record(&self, key: &MemberKey) -> Option<&MemberRecord> {
        self.admitted
            .binary_search_by(|r| r.body.member.cmp(key))
            .ok()
            .and_then(|i| self.admitted.get(i))
    }
}

/// Rule MEM-2 on a tree already built: `target` and everyone below it — the members a
/// ban of `target` removes. `members[i]`'s parent is `inviters[i]`; the list may include
/// members who left (they keep their invitees' places), so the walk passes through them.
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
