//! Rules of members and bans (MEM-*, BAN-*), each with the attack it stops.

use brook_common::ids::MemberKey;
use brook_common::room::config::Privacy;
use brook_common::room::members::Invitation;
use brook_common::room::{RoomDelta, RoomError, Signed};
use brook_common::sign::member_key;
use brook_common::testkit::{signing_key, TestRoom};

fn key(n: u64) -> ed25519_dalek::SigningKey {
    signing_key("rules", n)
}

fn is_member(room: &TestRoom, k: &ed25519_dalek::SigningKey) -> bool {
    room.state
        .members
        .iter()
        .any(|r| r.body.invitee == member_key(k))
}

#[test]
fn invitation_tree_admits_chains_from_the_owner() {
    let mut room = TestRoom::new(Privacy::Public);
    let (a, b) = (key(1), key(2));
    let owner = room.owner.clone();
    let d = room.invite(&owner, &a);
    room.apply(d);
    let d = room.invite(&a, &b);
    room.apply(d);
    assert!(is_member(&room, &a) && is_member(&room, &b));
    room.validate().expect("valid");
}

#[test]
fn forged_invitation_is_skipped() {
    // rule MEM-1: signed by the inviter it names.
    let mut room = TestRoom::new(Privacy::Public);
    let (a, mallory) = (key(1), key(66));
    let body = Invitation {
        invitee: member_key(&a),
        inviter: room.owner_key(),
        invited_at: 5,
    };
    let forged = Signed::sign(&room.owner_key(), body, &mallory).unwrap();
    let report = room.apply(RoomDelta {
        members: vec![forged],
        ..Default::default()
    });
    assert_eq!(report.rejected, 1);
    assert!(!is_member(&room, &a));
}

#[test]
fn invitation_signed_for_another_room_is_skipped() {
    // rule SIG-2: the room's owner key is inside every signature.
    let mut room = TestRoom::new(Privacy::Public);
    let mut other = TestRoom::with_owner(room.owner.clone(), Privacy::Public);
    other.params.owner = MemberKey([9; 32]); // same owner key material, different room id
    let a = key(1);
    let owner = room.owner.clone();
    let foreign = other.invitation(&owner, &member_key(&a));
    let report = room.apply(RoomDelta {
        members: vec![foreign],
        ..Default::default()
    });
    assert_eq!(report.rejected, 1);
    assert!(!is_member(&room, &a));
}

#[test]
fn invitation_from_a_non_member_is_dropped() {
    // rule MEM-2: no path from the owner, no membership.
    let mut room = TestRoom::new(Privacy::Public);
    let (stranger, a) = (key(7), key(1));
    let record = room.invitation(&stranger, &member_key(&a));
    room.apply(RoomDelta {
        members: vec![record],
        ..Default::default()
    });
    assert!(!is_member(&room, &a));
}

#[test]
fn member_id_collision_attempt_does_not_impersonate() {
    // rule ID-1: members are full keys; short ids are blake3 hashes. A key sharing a
    // long prefix with a member's key is a different member with a different id, and
    // cannot author records as the victim.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let victim = key(1);
    let d = room.invite(&owner, &victim);
    room.apply(d);
    let mut lookalike = member_key(&victim).0;
    lookalike[31] ^= 1;
    let lookalike = MemberKey(lookalike);
    assert_ne!(lookalike.id(), member_key(&victim).id());
    let attacker = key(99);
    let d = room.invite(&owner, &attacker);
    room.apply(d);
    // The attacker signs a message claiming the victim's key as author.
    let mut msg = room.message(&attacker, "I am the victim");
    msg.messages[0].body.author = member_key(&victim);
    let report = room.apply(msg);
    assert_eq!(report.rejected, 1);
    assert!(room.state.messages.is_empty());
}

#[test]
fn ban_removes_the_target_and_its_subtree() {
    // rule MEM-2: a banned key's invitees lose their path to the owner.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let (a, b, c) = (key(1), key(2), key(3));
    let d = room.invite(&owner, &a);
    room.apply(d);
    let d = room.invite(&a, &b);
    room.apply(d);
    let d = room.invite(&b, &c);
    room.apply(d);
    let d = room.message(&c, "hi");
    room.apply(d);
    assert_eq!(room.state.messages.len(), 1);
    let d = room.ban(&owner, &member_key(&b));
    room.apply(d);
    assert!(is_member(&room, &a));
    assert!(!is_member(&room, &b) && !is_member(&room, &c));
    assert!(
        room.state.messages.is_empty(),
        "a removed member's messages leave with them"
    );
    room.validate().expect("valid");
}

#[test]
fn ancestor_may_ban_but_sibling_may_not() {
    // rule BAN-2: authority is the owner, a moderator, or an ancestor.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let (a, b, sibling) = (key(1), key(2), key(3));
    let d = room.invite(&owner, &a);
    room.apply(d);
    let d = room.invite(&a, &b);
    room.apply(d);
    let d = room.invite(&owner, &sibling);
    room.apply(d);

    let unauthorized = room.ban(&sibling, &member_key(&b));
    room.apply(unauthorized.clone());
    assert!(is_member(&room, &b), "a non-ancestor's ban is dropped");
    assert!(room.state.bans.is_empty());

    // The same unauthorized ban inside a state is refused by validation.
    let mut forged_state = room.state.clone();
    forged_state.bans = unauthorized.bans.clone();
    let err = brook_common::room::verify_state(&room.params, forged_state).unwrap_err();
    assert!(matches!(err, RoomError::NotCanonical(_)), "{err}");

    let d = room.ban(&a, &member_key(&b));
    room.apply(d);
    assert!(!is_member(&room, &b), "the inviter (an ancestor) may ban");
    room.validate().expect("valid");
}

#[test]
fn moderator_may_ban_anyone_but_the_owner() {
    // rules BAN-2 and BAN-6.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let (moderator, target) = (key(1), key(2));
    for k in [&moderator, &target] {
        let d = room.invite(&owner, k);
        room.apply(d);
    }
    let appoint = room.config_change(&owner, |c| c.moderators = vec![member_key(&moderator)]);
    room.apply(appoint);
    let d = room.ban(&moderator, &room.owner_key());
    room.apply(d);
    assert!(room.state.bans.is_empty(), "the owner cannot be banned");
    let d = room.ban(&moderator, &member_key(&target));
    room.apply(d);
    assert!(!is_member(&room, &target));
    room.validate().expect("valid");
}

#[test]
fn banned_key_cannot_replay_its_old_invitation() {
    // rule BAN-3, also after many later bans (BAN-5: later bans never displace it).
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let villain = key(1);
    let old_invite = room.invite(&owner, &villain);
    room.apply(old_invite.clone());
    let d = room.ban(&owner, &member_key(&villain));
    room.apply(d);
    room.apply(old_invite.clone());
    assert!(!is_member(&room, &villain));

    // Fill the ban list to its cap and beyond with later bans.
    let cap = 20;
    let shrink = room.config_change(&owner, |c| c.max_bans = cap);
    room.apply(shrink);
    for i in 0..(cap as u64 + 15) {
        let k = key(100 + i);
        let d = room.invite(&owner, &k);
        room.apply(d);
        let d = room.ban(&owner, &member_key(&k));
        room.apply(d);
    }
    assert_eq!(room.state.bans.len(), cap as usize);
    assert!(room
        .state
        .bans
        .iter()
        .any(|b| b.body.target == member_key(&villain)));
    room.apply(old_invite);
    // A fresh invitation by another member does not readmit them either.
    let friend = key(50);
    let d = room.invite(&owner, &friend);
    room.apply(d);
    let d = room.invite(&friend, &villain);
    room.apply(d);
    assert!(!is_member(&room, &villain));
    room.validate().expect("valid");
}

#[test]
fn member_cap_is_enforced() {
    // rule MEM-4.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let shrink = room.config_change(&owner, |c| c.max_members = 3);
    room.apply(shrink);
    room.add_members(5, false);
    assert_eq!(room.state.members.len(), 3);
    room.validate().expect("valid");
}

#[test]
fn owner_and_self_invitations_are_ignored() {
    // rule MEM-5.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let a = key(1);
    let self_invite = room.invitation(&a, &member_key(&a));
    let owner_invite = room.invitation(&owner, &room.owner_key());
    room.apply(RoomDelta {
        members: vec![self_invite, owner_invite],
        ..Default::default()
    });
    assert!(room.state.members.is_empty());
}

#[test]
fn deep_chain_is_accepted_and_valid() {
    let mut room = TestRoom::new(Privacy::Public);
    room.add_members(200, true);
    assert_eq!(room.state.members.len(), 200);
    room.validate().expect("valid");
    // Banning the first link removes the whole chain.
    let owner = room.owner.clone();
    let first = member_key(&signing_key("member", 0));
    let d = room.ban(&owner, &first);
    room.apply(d);
    assert!(room.state.members.is_empty());
    room.validate().expect("valid");
}
