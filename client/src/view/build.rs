//! Building a [`RoomView`] from a room's state.

use std::collections::{BTreeMap, HashMap};

use brook_common::ids::{MemberKey, RecordId};
use brook_common::room::config::Privacy;
use brook_common::room::text::RoomText;
use brook_common::room::RoomState;
use brook_common::seal::SealedField;

use super::{
    DepartedView, Departure, MemberView, MessageView, Roles, RoomView, SecretStatus, Standing,
};
use crate::content::{self, Text};
use crate::keyring::Keyring;

/// What earlier builds opened, by record id: a message or nickname already opened is
/// not opened again. Fields this identity could not open for want of a key are not kept,
/// so they open as soon as the keyring holds their version.
#[derive(Debug, Default, Clone)]
pub struct ViewCache {
    opened: HashMap<RecordId, Text>,
}

impl ViewCache {
    pub fn new() -> ViewCache {
        ViewCache::default()
    }

    fn open(
        &mut self,
        keyring: &Keyring,
        room: &MemberKey,
        field: Field<'_>,
        seen: &mut Vec<RecordId>,
    ) -> Text {
        let id = field.id;
        seen.push(id);
        if let Some(held) = self.opened.get(&id) {
            return held.clone();
        }
        let opened = content::open(keyring, room, field.author, field.kind, field.text);
        if !matches!(opened, Text::NoKey { .. }) {
            self.opened.insert(id, opened.clone());
        }
        opened
    }

    /// Forget what is no longer in the room.
    fn retain(&mut self, seen: &[RecordId]) {
        if self.opened.len() > seen.len() {
            let keep: std::collections::HashSet<&RecordId> = seen.iter().collect();
            self.opened.retain(|id, _| keep.contains(id));
        }
    }
}

/// One sealed-or-plain field of a record.
struct Field<'a> {
    id: RecordId,
    author: &'a MemberKey,
    kind: SealedField,
    text: &'a RoomText,
}

/// The view of `state` (room `room`) for identity `me`, opening sealed fields with
/// `keyring`.
pub fn build(
    room: &MemberKey,
    state: &RoomState,
    me: Option<&MemberKey>,
    keyring: &Keyring,
    cache: &mut ViewCache,
) -> RoomView {
    let config = &state.config.body;
    let mut seen = Vec::with_capacity(state.messages.len() + state.member_info.len() + 2);
    // The room's own name and description are the owner's fields.
    let name = content::open(keyring, room, room, SealedField::RoomName, &config.name);
    let description = content::open(
        keyring,
        room,
        room,
        SealedField::RoomDescription,
        &config.description,
    );

    let mut nicknames: HashMap<MemberKey, Text> = HashMap::with_capacity(state.member_info.len());
    for info in &state.member_info {
        let field = Field {
            id: info.id(),
            author: &info.body.member,
            kind: SealedField::Nickname,
            text: &info.body.nickname,
        };
        let text = cache.open(keyring, room, field, &mut seen);
        nicknames.insert(info.body.member, text);
    }

    let messages = state
        .messages
        .iter()
        .map(|m| MessageView {
            id: m.id(),
            author: m.body.author,
            sent_at: m.body.sent_at,
            body: cache.open(
                keyring,
                room,
                Field {
                    id: m.id(),
                    author: &m.body.author,
                    kind: SealedField::MessageBody,
                    text: &m.body.body,
                },
                &mut seen,
            ),
            mine: me == Some(&m.body.author),
        })
        .collect();
    cache.retain(&seen);

    let departed = departures(state);
    let members = tree(room, state, me, &mut nicknames);
    let standing = standing(room, state, me, &departed);
    let current = if config.privacy == Privacy::Private {
        state.secrets.current_version()
    } else {
        None
    };
    let still_reading = match current {
        Some(version) => {
            let present: std::collections::HashSet<&MemberKey> =
                state.members.iter().map(|m| &m.body.member).collect();
            let mut keys: Vec<MemberKey> = state
                .secrets
                .holders(version)
                .filter(|k| *k != room && !present.contains(k))
                .copied()
                .collect();
            keys.sort();
            keys.dedup();
            keys
        }
        None => Vec::new(),
    };
    RoomView {
        room: *room,
        me: me.copied(),
        privacy: config.privacy,
        name,
        description,
        config: config.clone(),
        standing,
        members,
        departed,
        messages,
        secrets: SecretStatus {
            current,
            newest_held: keyring.newest(),
        },
        still_reading,
    }
}

fn departures(state: &RoomState) -> Vec<DepartedView> {
    let mut out: Vec<DepartedView> = state
        .bans
        .iter()
        .map(|b| DepartedView {
            key: b.body.target,
            departure: Departure::Banned { by: b.body.issuer },
        })
        .chain(state.leaves.iter().map(|l| DepartedView {
            key: l.body.member,
            departure: Departure::Left,
        }))
        .collect();
    out.sort_by_key(|d| d.key);
    // One departure per member (BAN-4: a ban decides over a leave).
    out.dedup_by_key(|d| d.key);
    out
}

fn standing(
    room: &MemberKey,
    state: &RoomState,
    me: Option<&MemberKey>,
    departed: &[DepartedView],
) -> Standing {
    let Some(me) = me else {
        return Standing::NotAMember;
    };
    if me == room {
        return Standing::Owner;
    }
    if state.members.iter().any(|m| m.body.member == *me) {
        return Standing::Member;
    }
    match departed.iter().find(|d| d.key == *me).map(|d| d.departure) {
        Some(Departure::Banned { by }) => Standing::Banned { by },
        Some(Departure::Left) => Standing::Left,
        None => Standing::NotAMember,
    }
}

/// The invitation tree, depth first from the owner; leavers with invitees in place stay
/// as absent nodes.
fn tree(
    room: &MemberKey,
    state: &RoomState,
    me: Option<&MemberKey>,
    nicknames: &mut HashMap<MemberKey, Text>,
) -> Vec<MemberView> {
    // Parent → children, children in key order (state.members is sorted by member).
    let mut children: BTreeMap<MemberKey, Vec<MemberKey>> = BTreeMap::new();
    let mut inviter_of: HashMap<MemberKey, MemberKey> = HashMap::new();
    let present: std::collections::HashSet<MemberKey> =
        state.members.iter().map(|m| m.body.member).collect();
    let leavers: std::collections::HashSet<MemberKey> =
        state.leaves.iter().map(|l| l.body.member).collect();
    for record in state.members.iter().chain(
        state
            .departed
            .iter()
            .filter(|r| leavers.contains(&r.body.member)),
    ) {
        let member = record.body.member;
        let inviter = record.body.inviter();
        inviter_of.insert(member, inviter);
        children.entry(inviter).or_default().push(member);
    }
    for list in children.values_mut() {
        list.sort();
        list.dedup();
    }
    let moderators: std::collections::HashSet<&MemberKey> =
        state.config.body.moderators.iter().collect();

    let mut out = Vec::with_capacity(state.members.len() + 1);
    // Depth first, explicit stack (a tree may be 500 deep).
    let mut stack = vec![(*room, 0u32)];
    while let Some((key, depth)) = stack.pop() {
        let is_present = key == *room || present.contains(&key);
        let kids = children.get(&key).cloned().unwrap_or_default();
        // A leaver is shown only while members it invited still hang from it.
        let leaver_with_invitees = !is_present && !kids.is_empty();
        if is_present || leaver_with_invitees {
            let inviter = inviter_of.get(&key).copied();
            out.push(MemberView {
                key,
                inviter,
                depth,
                nickname: nicknames.remove(&key),
                roles: Roles {
                    owner: key == *room,
                    moderator: moderators.contains(&key),
                    you: me == Some(&key),
                    invited_by_you: me.is_some() && inviter.as_ref() == me,
                },
                present: is_present,
            });
            for child in kids.into_iter().rev() {
                stack.push((child, depth.saturating_add(1)));
            }
        }
    }
    out
}
