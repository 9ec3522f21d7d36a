//! The view model of a room: what a user of the CLI or the UI sees, built from the
//! room's state, this identity's key and the secrets it holds ([`build`]).
//!
//! - **members** as the invitation tree from the owner (depth first, children in key
//!   order), each with its roles — owner, moderator, you, invited by you — and nickname;
//!   a member who left but whose invitees stay is kept as a node marked `present: false`;
//! - **messages** in the room's order `(sent_at, record id)`, each body opened with the
//!   secret of its version, or marked with the version this identity lacks;
//! - **your standing** (owner, member, banned by whom, left, not a member) and whether
//!   you can post now;
//! - **who can still read**: departed members who hold the current secret version, until
//!   the owner's node rotates — so nobody is misled about who reads what they send.
//!
//! A view is rebuilt from each new state; [`ViewCache`] keeps what was already opened, so
//! a one-message notification opens one message.

mod build;

pub use build::{build, ViewCache};

use brook_common::ids::{MemberKey, RecordId};
use brook_common::room::config::{Privacy, RoomConfig};

use crate::content::Text;

/// One room, as this identity sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomView {
    /// The owner's key, which names the room.
    pub room: MemberKey,
    /// This identity's key in the room, if it has one.
    pub me: Option<MemberKey>,
    pub privacy: Privacy,
    pub name: Text,
    pub description: Text,
    pub config: RoomConfig,
    pub standing: Standing,
    /// The invitation tree, depth first from the owner.
    pub members: Vec<MemberView>,
    /// Members who were banned or left, the deciding departure first by key.
    pub departed: Vec<DepartedView>,
    pub messages: Vec<MessageView>,
    pub secrets: SecretStatus,
    /// Departed members who still hold the current secret: they can read whatever is
    /// sealed under it until the owner's node rotates.
    pub still_reading: Vec<MemberKey>,
}

/// Where this identity stands in the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Owner,
    Member,
    /// Banned; `by` issued the deciding ban.
    Banned {
        by: MemberKey,
    },
    Left,
    /// Not (or not yet) a member: no acceptance of this key in the room, or removed with
    /// a banned ancestor.
    NotAMember,
}

impl Standing {
    /// Whether the room takes records this identity signs (MSG-1, INFO-1).
    pub fn can_act(&self) -> bool {
        matches!(self, Standing::Owner | Standing::Member)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Roles {
    pub owner: bool,
    pub moderator: bool,
    pub you: bool,
    pub invited_by_you: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberView {
    pub key: MemberKey,
    /// Who invited this member (None: the owner).
    pub inviter: Option<MemberKey>,
    /// 0 for the owner, 1 for the owner's invitees, …
    pub depth: u32,
    /// The member's nickname, if it set one.
    pub nickname: Option<Text>,
    pub roles: Roles,
    /// False for a member who left but whose invitees keep their places below it.
    pub present: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartedView {
    pub key: MemberKey,
    pub departure: Departure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    Banned { by: MemberKey },
    Left,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    pub id: RecordId,
    pub author: MemberKey,
    /// The author's clock, ms since the epoch (unverifiable).
    pub sent_at: u64,
    pub body: Text,
    /// Written by this identity.
    pub mine: bool,
}

/// The room's secret versions as this identity holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecretStatus {
    /// The room's current version (None: a public room, or no secret published yet).
    pub current: Option<u32>,
    /// The newest version this identity holds.
    pub newest_held: Option<u32>,
}

impl RoomView {
    /// The member (or the owner) with `key`, if in the tree.
    pub fn member(&self, key: &MemberKey) -> Option<&MemberView> {
        self.members.iter().find(|m| m.key == *key)
    }

    /// The readable nickname of `key`, if it set one this identity can read.
    pub fn nickname(&self, key: &MemberKey) -> Option<&str> {
        self.member(key)?.nickname.as_ref()?.readable()
    }

    /// Messages this identity cannot read, and the versions they need.
    pub fn unreadable(&self) -> impl Iterator<Item = (&MessageView, u32)> {
        self.messages
            .iter()
            .filter_map(|m| m.body.missing_version().map(|v| (m, v)))
    }

    /// Why this identity cannot post now, if it cannot.
    pub fn cannot_post(&self) -> Option<CannotPost> {
        if !self.standing.can_act() {
            return Some(CannotPost::Standing(self.standing));
        }
        if self.privacy == Privacy::Private {
            match (self.secrets.current, self.secrets.newest_held) {
                (None, _) => return Some(CannotPost::NoSecretYet),
                (Some(current), held) if held.is_none_or(|h| h < current) => {
                    return Some(CannotPost::LacksVersion { version: current })
                }
                _ => {}
            }
        }
        None
    }
}

/// Why an identity cannot post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CannotPost {
    Standing(Standing),
    NoSecretYet,
    LacksVersion { version: u32 },
}
