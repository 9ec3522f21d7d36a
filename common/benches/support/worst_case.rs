//! The most expensive room state one member can build within the rules, shared by the
//! native benchmark (`common/benches/room.rs`) and the real-node one
//! (`e2e/benches/node.rs`, which includes this file by path).
//!
//! The owner invites one member, M, and does nothing else; M fills the room:
//! - member room (MEM-4): M is the owner's only invitee, so its subtree gets all of
//!   `max_members`. M invites a chain of keys it minted, each inviting the next, down to
//!   depth `max_members` (the deepest tree the room admits, every place filled);
//! - the departure pool (BAN-5): M's subtree gets all of `max_bans` too, and it flows down
//!   a chain undivided. The deepest member invites `max_bans` more keys and M bans every
//!   one of them (BAN-2: M is their ancestor, so each ban's authority is checked up a
//!   path `max_members` long). A banned member takes no member room, so the room keeps
//!   every acceptance and every ban (each acceptance is three signatures, MEM-1);
//! - the message window (MSG-3, MSG-4): every member posts, `max_messages` messages of
//!   `max_message_bytes` plaintext, sealed (a private room), all kept: the chain's
//!   demands fit the window exactly;
//! - member info (INFO-1..3): every member sets a nickname of the largest size, sealed.
//!
//! Not modelled: the owner's own records beyond one secret batch (v0, wrapped for every
//! member). The owner's delegate's rotations and back-fills that M's bans and invitations
//! provoke are the owner's records, bounded by SEC-4.

use brook_common::ids::MemberKey;
use brook_common::limits::MAX_NICKNAME_BYTES;
use brook_common::room::bans::Ban;
use brook_common::room::config::Privacy;
use brook_common::room::{RoomDelta, Signed};
use brook_common::sign::member_key;
use brook_common::testkit::{signing_key, TestRoom};
use ed25519_dalek::SigningKey;

/// The benchmark row's description of the room.
pub const SHAPE: &str = "worst case, one member fills the room: private, a 500-deep chain, \
     500 bans, 500 messages of 4096 bytes, 500 nicknames";

/// A message body of exactly `bytes` bytes, distinct per `n`.
fn text(n: usize, bytes: usize) -> String {
    let mut text = format!("message {n} ");
    text.extend(std::iter::repeat_n('x', bytes.saturating_sub(text.len())));
    text
}

/// The room (see the module docs) and its live members, M first and the deepest last.
pub fn worst_case_room(owner: SigningKey) -> (TestRoom, Vec<SigningKey>) {
    let mut room = TestRoom::with_owner(owner.clone(), Privacy::Private);
    let config = room.state.config.body.clone();
    let room_key: MemberKey = room.owner_key();

    // The chain: owner → M → … → deepest, `max_members` members.
    let members: Vec<SigningKey> = (0..u64::from(config.max_members))
        .map(|i| signing_key("worst-member", i))
        .collect();
    let mut delta = RoomDelta::default();
    let mut inviter = owner;
    for member in &members {
        delta.members.push(room.acceptance(&inviter, member));
        inviter = member.clone();
    }
    // The departure pool: `max_bans` keys below the deepest member, each banned by M, in
    // the same delta (without their bans they would find no member room and be dropped).
    let m = members.first().expect("max_members > 0").clone();
    let deepest = members.last().expect("max_members > 0").clone();
    for i in 0..u64::from(config.max_bans) {
        let gone = signing_key("worst-banned", i);
        delta.members.push(room.acceptance(&deepest, &gone));
        let ban = Ban {
            target: member_key(&gone),
            issuer: member_key(&m),
        };
        delta
            .bans
            .push(Signed::sign(&room_key, ban, &m).expect("ban signs"));
    }
    room.apply(delta);

    // The owner's one rotation: v0 for every member.
    let recipients: Vec<MemberKey> = members.iter().map(member_key).collect();
    let batch = room.secret_batch(0, &recipients);
    room.apply(batch);

    // Every member posts until the window is full, every message of the largest size;
    // every member takes the largest nickname.
    let max_bytes = config.max_message_bytes as usize;
    let mut delta = RoomDelta::default();
    for n in 0..config.max_messages as usize {
        let author = members[n % members.len()].clone();
        delta
            .messages
            .extend(room.message(&author, &text(n, max_bytes)).messages);
    }
    for (n, member) in members.iter().enumerate() {
        let nickname = format!("{n:0width$}", width = MAX_NICKNAME_BYTES);
        delta
            .member_info
            .extend(room.nickname(member, 1, &nickname).member_info);
    }
    room.apply(delta);

    let state = &room.state;
    assert_eq!(
        state.members.len(),
        config.max_members as usize,
        "member room full"
    );
    assert_eq!(
        state.departed.len(),
        config.max_bans as usize,
        "departure pool full"
    );
    assert_eq!(state.bans.len(), config.max_bans as usize, "every ban kept");
    assert_eq!(
        state.messages.len(),
        config.max_messages as usize,
        "window full"
    );
    assert_eq!(
        state.member_info.len(),
        members.len(),
        "every nickname kept"
    );
    room.validate().expect("the worst case is a valid state");
    (room, members)
}

/// One more message of the largest size by `author`: the window stays full.
pub fn one_more_message(room: &mut TestRoom, author: &SigningKey) -> RoomDelta {
    let bytes = room.state.config.body.max_message_bytes as usize;
    room.message(author, &text(usize::MAX, bytes))
}
