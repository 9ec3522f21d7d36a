//! Departures: bans, and members leaving.
//!
//! A ban names its target and its issuer, nothing else: its evidence is the room's own
//! tree. The target's acceptance is held once in the state (`departed`), and the issuer's
//! authority is proved again from the tree at every merge ([`super::roster`]), never from
//! records the issuer wrote for the purpose.
//!
//! Rules:
//! - BAN-1: a ban is signed by its issuer.
//! - BAN-2: the issuer has authority over the target: the owner over anyone; a moderator
//!   named in the current config over anyone but the owner and moderators; a member over
//!   its own descendants (not moderators). Descent is read off the room's tree, whose
//!   places only their members' own acceptances fix (MEM-3): no record the issuer writes
//!   can make it anyone's ancestor.
//! - BAN-3: a banned key is never an effective member — not by replaying its acceptance,
//!   not by a new one — and its subtree goes with it (MEM-2).
//! - BAN-4: one departure per target: the owner's ban, else a moderator's, else the
//!   shallowest ancestor's, else the member's own leave; ties by record id. Which one
//!   decides never changes who is in: every valid departure removes its target alike.
//! - BAN-5: departures are bounded by the room's departure pool (`max_bans`), divided
//!   down the tree like member room (MEM-4): a subtree's departures only ever use that
//!   subtree's part, so no member can push out bans it did not issue by banning keys it
//!   minted. Within one inviter's part the higher-authority departures come first.
//! - BAN-6: the owner cannot be banned, and nobody bans themselves.
//! - BAN-7: a banned member has authority over nobody still in the room: its authority is
//!   over its own descendants, and they left with it (MEM-2). Its bans — before or after
//!   its own — only ever name members already gone, so they never need to lapse, and a
//!   ban valid once stays valid whatever records arrive later (merges stay
//!   order-independent). A leaver keeps authority over the members it brought in, whose
//!   places still hang from it. A moderator's authority is the appointment: once the
//!   owner removes it from the config its bans lapse, unless the owner adopts the ones to
//!   keep by signing them again (the owner's client does both in one delta) — a rogue
//!   moderator's bans must be undoable, and a moderator's bans cannot be dated. This is
//!   the one removal that can bring members back; a member dropped below such a ban
//!   re-sends its acceptance.
//! - BAN-8: a ban names a member whose acceptance the room holds. The acceptance is the
//!   evidence, held once however many bans name it, so a ban costs one signature.
//! - LEAVE-1: a member leaves with a record it signs itself. It is no longer a member
//!   (its messages and nickname go, the owner's delegate rotates the secret as for a
//!   ban), its acceptance cannot be replayed to come back; the members it invited keep
//!   their places. A leaver keeps its one slot of member room (MEM-4), since its
//!   invitees' places hang from it.

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use super::signed::{RecordBody, Signed};
use crate::ids::MemberKey;
use crate::protocol::RecordKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Ban {
    #[n(0)]
    pub target: MemberKey,
    #[n(1)]
    pub issuer: MemberKey,
}

pub type BanRecord = Signed<Ban>;

impl RecordBody for Ban {
    const KIND: RecordKind = RecordKind::Ban;
    fn signer(&self, _owner: &MemberKey) -> MemberKey {
        self.issuer // rule BAN-1
    }
}

/// `member` leaves the room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Leave {
    #[n(0)]
    pub member: MemberKey,
}

pub type LeaveRecord = Signed<Leave>;

impl RecordBody for Leave {
    const KIND: RecordKind = RecordKind::Leave;
    fn signer(&self, _owner: &MemberKey) -> MemberKey {
        self.member // rule LEAVE-1
    }
}

/// Whose authority a valid ban rests on (BAN-2), which ranks it (BAN-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    Owner,
    Moderator,
    /// An ancestor at this depth (1: invited by the owner).
    Ancestor(u32),
}
