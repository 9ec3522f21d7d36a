//! The view model over real signed room states (brook-common's testkit): the member
//! tree and roles, messages opened by the version they were sealed under, what an
//! identity cannot read, standing after a ban, and who can still read until a rotation.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_client::content::Text;
use brook_client::keyring::Keyring;
use brook_client::view::{build, CannotPost, RoomView, Standing, ViewCache};
use brook_common::ecies;
use brook_common::ids::MemberKey;
use brook_common::room::config::Privacy;
use brook_common::sign::member_key;
use brook_common::testkit::{signing_key, TestRoom};
use ed25519_dalek::SigningKey;

/// `member`'s keyring: every version the room wrapped for it, opened with its key.
fn keyring_of(room: &TestRoom, member: &SigningKey) -> Keyring {
    let mut ring = Keyring::new();
    let key = member_key(member);
    for blob in room.state.secrets.blobs.iter().filter(|b| b.member == key) {
        let secret = ecies::unwrap(&member.to_bytes(), &blob.ciphertext).expect("opens");
        ring.insert(blob.version, secret);
    }
    ring
}

fn view_for(room: &TestRoom, member: &SigningKey) -> RoomView {
    build(
        &room.owner_key(),
        &room.state,
        Some(&member_key(member)),
        &keyring_of(room, member),
        &mut ViewCache::new(),
    )
}

struct Story {
    room: TestRoom,
    alice: SigningKey,
    bob: SigningKey,
    mod_: SigningKey,
}

/// Owner → alice → bob, owner → moderator; secret 0 for everyone; alice and bob post.
fn story() -> Story {
    let mut room = TestRoom::new(Privacy::Private);
    let (alice, bob, mod_) = (
        signing_key("alice", 0),
        signing_key("bob", 0),
        signing_key("mod", 0),
    );
    let owner = room.owner.clone();
    room.apply(room.clone().invite(&owner, &alice));
    room.apply(room.clone().invite(&alice, &bob));
    room.apply(room.clone().invite(&owner, &mod_));
    let moderator = member_key(&mod_);
    room.apply(room.config_change(&owner, |c| c.moderators = vec![moderator]));
    let everyone = [member_key(&alice), member_key(&bob), moderator];
    room.apply(room.secret_batch(0, &everyone));
    let m = room.message(&alice, "hi bob");
    room.apply(m);
    let m = room.message(&bob, "hi alice");
    room.apply(m);
    room.apply(room.clone().nickname(&bob, 1, "bob"));
    Story {
        room,
        alice,
        bob,
        mod_,
    }
}

#[test]
fn the_member_tree_carries_roles_and_depths() {
    let s = story();
    let view = view_for(&s.room, &s.alice);
    let owner = s.room.owner_key();
    let (alice, bob, moderator) = (
        member_key(&s.alice),
        member_key(&s.bob),
        member_key(&s.mod_),
    );
    assert_eq!(view.standing, Standing::Member);
    let first = view.members.first().expect("the owner heads the tree");
    assert_eq!(
        (first.key, first.depth, first.roles.owner),
        (owner, 0, true)
    );
    let a = view.member(&alice).expect("alice");
    assert!(a.roles.you && !a.roles.owner && a.depth == 1);
    let b = view.member(&bob).expect("bob");
    assert!(b.roles.invited_by_you && b.depth == 2 && b.inviter == Some(alice));
    assert!(view.member(&moderator).expect("mod").roles.moderator);
    // Depth first: bob follows alice directly (he hangs below her).
    let order: Vec<MemberKey> = view.members.iter().map(|m| m.key).collect();
    let at = |k: &MemberKey| order.iter().position(|x| x == k).unwrap();
    assert_eq!(at(&bob), at(&alice) + 1);
    assert_eq!(view.nickname(&bob), Some("bob"));
}

#[test]
fn messages_open_with_their_version_and_are_marked_mine() {
    let s = story();
    let view = view_for(&s.room, &s.bob);
    let bodies: Vec<(&str, bool)> = view
        .messages
        .iter()
        .map(|m| (m.body.readable().expect("readable"), m.mine))
        .collect();
    assert_eq!(bodies, vec![("hi bob", false), ("hi alice", true)]);
    assert_eq!(view.cannot_post(), None);
    // An identity holding no secret sees the versions it lacks, never text.
    let outsider = signing_key("outsider", 0);
    let blind = build(
        &s.room.owner_key(),
        &s.room.state,
        Some(&member_key(&outsider)),
        &Keyring::new(),
        &mut ViewCache::new(),
    );
    assert!(blind
        .messages
        .iter()
        .all(|m| m.body == Text::NoKey { version: 0 }));
    assert_eq!(blind.unreadable().count(), 2);
    assert_eq!(blind.standing, Standing::NotAMember);
}

#[test]
fn after_a_ban_the_banned_member_is_told_and_sees_which_version_it_lacks() {
    let mut s = story();
    let bob = member_key(&s.bob);
    let ban = s.room.ban(&s.alice, &bob);
    s.room.apply(ban);

    // Before the owner's node rotates: everyone is told bob still reads the current
    // version, and bob is told he was banned, by whom.
    let alice_view = view_for(&s.room, &s.alice);
    assert_eq!(alice_view.still_reading, vec![bob]);
    let bob_view = view_for(&s.room, &s.bob);
    assert_eq!(
        bob_view.standing,
        Standing::Banned {
            by: member_key(&s.alice)
        }
    );
    assert_eq!(
        bob_view.cannot_post(),
        Some(CannotPost::Standing(bob_view.standing))
    );

    // The rotation lands without bob: alice's next message is unreadable for him, with
    // the version named, and nobody departed reads the current version any more.
    let stay = [member_key(&s.alice), member_key(&s.mod_)];
    s.room.apply(s.room.secret_batch(1, &stay));
    let m = s.room.message(&s.alice, "after the ban");
    s.room.apply(m);
    let alice_view = view_for(&s.room, &s.alice);
    assert!(alice_view.still_reading.is_empty());
    assert_eq!(
        alice_view.messages.last().and_then(|m| m.body.readable()),
        Some("after the ban")
    );
    let bob_view = view_for(&s.room, &s.bob);
    assert_eq!(
        bob_view.messages.last().map(|m| &m.body),
        Some(&Text::NoKey { version: 1 })
    );
}

#[test]
fn a_cached_view_opens_only_what_is_new_and_reopens_when_a_key_arrives() {
    let s = story();
    let owner = s.room.owner_key();
    let bob = member_key(&s.bob);
    let mut cache = ViewCache::new();
    // First without a key: nothing readable, nothing cached as unreadable.
    let blind = build(
        &owner,
        &s.room.state,
        Some(&bob),
        &Keyring::new(),
        &mut cache,
    );
    assert_eq!(blind.unreadable().count(), 2);
    // The key arrives: the same cache now opens everything.
    let seen = build(
        &owner,
        &s.room.state,
        Some(&bob),
        &keyring_of(&s.room, &s.bob),
        &mut cache,
    );
    assert_eq!(seen.unreadable().count(), 0);
    // Opened fields stay opened even if the keyring is gone (the cache holds them).
    let cached = build(
        &owner,
        &s.room.state,
        Some(&bob),
        &Keyring::new(),
        &mut cache,
    );
    assert_eq!(cached.messages, seen.messages);
}

#[test]
fn a_leaver_with_invitees_stays_in_the_tree_as_an_absent_node() {
    let mut s = story();
    let leave = s.room.leave(&s.alice);
    s.room.apply(leave);
    let view = view_for(&s.room, &s.bob);
    let alice = view
        .member(&member_key(&s.alice))
        .expect("kept as bob's parent");
    assert!(!alice.present);
    assert_eq!(view.standing, Standing::Member);
    let alice_view = view_for(&s.room, &s.alice);
    assert_eq!(alice_view.standing, Standing::Left);
}

/// BAN-2 as the client checks it before signing anything (`check_ban_authority`): the
/// owner anyone, a moderator anyone but the owner and moderators, a member only its
/// descendants; nobody themselves.
#[test]
fn the_client_refuses_a_ban_the_room_would_not_take() {
    use brook_client::session::check_ban_authority;
    let s = story();
    let owner = s.room.owner_key();
    let (alice, bob, moderator) = (
        member_key(&s.alice),
        member_key(&s.bob),
        member_key(&s.mod_),
    );
    let view = view_for(&s.room, &s.alice);
    let allowed =
        |me: &MemberKey, target: &MemberKey| check_ban_authority(&view, me, target).is_ok();
    assert!(allowed(&owner, &alice) && allowed(&owner, &moderator));
    assert!(allowed(&alice, &bob), "an ancestor bans its invitee");
    assert!(!allowed(&bob, &alice), "not upwards");
    assert!(!allowed(&alice, &moderator), "not a moderator");
    assert!(allowed(&moderator, &bob) && allowed(&moderator, &alice));
    assert!(!allowed(&moderator, &owner), "nobody bans the owner");
    assert!(!allowed(&alice, &alice), "nor themselves");
    let stranger = member_key(&signing_key("stranger", 0));
    assert!(!allowed(&owner, &stranger), "not a member");
}
