//! Rules of members and bans (MEM-*, BAN-*), each with the attack it stops.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_common::ids::MemberKey;
use brook_common::room::bans::Ban;
use brook_common::room::config::Privacy;
use brook_common::room::members::{Invitation, MemberRecord};
use brook_common::room::{verify_state, RoomDelta, RoomError, Signed};
use brook_common::sign::member_key;
use brook_common::testkit::{signing_key, TestRoom};
use ed25519_dalek::SigningKey;

fn key(n: u64) -> ed25519_dalek::SigningKey {
    signing_key("rules", n)
}

/// `inviter`'s invitation of `invitee`, dated `at` (the testkit dates by its own clock).
fn invitation_at(
    room: &TestRoom,
    inviter: &SigningKey,
    invitee: &SigningKey,
    at: u64,
) -> MemberRecord {
    let body = Invitation {
        invitee: member_key(invitee),
        inviter: member_key(inviter),
        invited_at: at,
    };
    Signed::sign(&room.owner_key(), body, inviter).expect("invitation signs")
}

/// Every order of three items.
const ORDERS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
];

/// A public room: the owner invited `a` and `sibling`, and `a` invited `b`.
fn owner_a_b_and_sibling() -> (TestRoom, SigningKey, SigningKey, SigningKey, SigningKey) {
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let (a, b, sibling) = (key(1), key(2), key(3));
    let d = room.invite(&owner, &a);
    room.apply(d);
    let d = room.invite(&a, &b);
    room.apply(d);
    let d = room.invite(&owner, &sibling);
    room.apply(d);
    (room, owner, a, b, sibling)
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
    let (mut room, _owner, a, b, sibling) = owner_a_b_and_sibling();

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

#[test]
fn one_invitation_per_invitee_the_shallowest_then_the_earliest() {
    // rule MEM-3: two inviters compete for one invitee. Within a level of the tree the
    // earliest invitation wins, whatever arrives first; an invitation from a key that
    // is not (yet) a member never counts, however early it is dated.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let (a, b, x, stranger) = (key(1), key(2), key(3), key(7));
    for k in [&a, &b] {
        let d = room.invite(&owner, k);
        room.apply(d);
    }
    let candidates = [
        invitation_at(&room, &a, &x, 20),
        invitation_at(&room, &b, &x, 10),
        invitation_at(&room, &stranger, &x, 1),
    ];
    let mut results = Vec::new();
    for order in ORDERS {
        let mut replica = room.clone();
        for i in order {
            replica.apply(RoomDelta {
                members: vec![candidates[i].clone()],
                ..Default::default()
            });
        }
        let held: Vec<_> = replica
            .state
            .members
            .iter()
            .filter(|r| r.body.invitee == member_key(&x))
            .collect();
        assert_eq!(held.len(), 1, "{order:?}: one invitation per invitee");
        assert_eq!(held[0], &candidates[1], "{order:?}: the earliest wins");
        replica.validate().expect("valid");
        results.push(replica.state_bytes());
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]));

    // A state holding both competing invitations is not canonical.
    let mut state = room.state.clone();
    state.members.extend(candidates[..2].iter().cloned());
    state.members.sort_by_key(|r| r.body.invitee);
    let err = verify_state(&room.params, state).unwrap_err();
    assert_eq!(err, RoomError::NotCanonical("members"));

    // Across levels, the shallower inviter wins even when dated later: the owner's
    // invitation (level 1) beats `a`'s (level 2), so `a` is not `x`'s ancestor.
    let by_owner = invitation_at(&room, &owner, &x, 10_000);
    let by_a = invitation_at(&room, &a, &x, 5);
    for pair in [[&by_a, &by_owner], [&by_owner, &by_a]] {
        let mut replica = room.clone();
        for record in pair {
            replica.apply(RoomDelta {
                members: vec![record.clone()],
                ..Default::default()
            });
        }
        let held: Vec<_> = replica
            .state
            .members
            .iter()
            .filter(|r| r.body.invitee == member_key(&x))
            .collect();
        assert_eq!(held, [&by_owner]);
    }
}

#[test]
fn ban_signed_by_a_key_other_than_its_issuer_is_skipped() {
    // rule BAN-1: a ban is signed by the issuer it names. Mallory, a member with no
    // authority over the victim, signs a ban naming the owner (who may ban anyone).
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let (victim, mallory) = (key(1), key(66));
    for k in [&victim, &mallory] {
        let d = room.invite(&owner, k);
        room.apply(d);
    }
    let genuine = room.ban(&owner, &member_key(&victim));
    let body = genuine.bans[0].body.clone();
    assert_eq!(body.banned_by, room.owner_key());
    let mut forged = genuine.clone();
    forged.bans[0] = Signed::sign(&room.owner_key(), body, &mallory).unwrap();
    let report = room.apply(forged.clone());
    assert_eq!(report.rejected, 1);
    assert!(room.state.bans.is_empty());
    assert!(is_member(&room, &victim), "the forged ban removed nobody");

    // Inside a state, the same forgery fails validation.
    let mut state = room.state.clone();
    state.bans = forged.bans;
    let err = verify_state(&room.params, state).unwrap_err();
    assert_eq!(err, RoomError::BadSignature { what: "ban" });

    // Signed by the issuer it names, the same ban applies.
    room.apply(genuine);
    assert!(!is_member(&room, &victim));
    room.validate().expect("valid");
}

#[test]
fn one_ban_per_target_the_earliest_valid_one() {
    // rule BAN-4: a target banned by the owner and by its inviter keeps one ban, the
    // earliest, whatever order they arrive in; an earlier ban that is not authorized
    // (a sibling's) does not count.
    let (mut room, owner, a, b, sibling) = owner_a_b_and_sibling();
    let target = member_key(&b);
    let by_owner = room.ban(&owner, &target);
    let by_inviter = room.ban(&a, &target);
    assert!(by_owner.bans[0].body.banned_at < by_inviter.bans[0].body.banned_at);
    let unauthorized = Ban {
        target,
        banned_by: member_key(&sibling),
        banned_at: 0,
        chain: room.chain_of(&target),
    };
    let unauthorized = RoomDelta {
        bans: vec![Signed::sign(&room.owner_key(), unauthorized, &sibling).unwrap()],
        ..Default::default()
    };
    let deltas = [unauthorized, by_inviter.clone(), by_owner.clone()];
    let mut results = Vec::new();
    for order in ORDERS {
        let mut replica = room.clone();
        for i in order {
            replica.apply(deltas[i].clone());
        }
        assert_eq!(
            replica.state.bans, by_owner.bans,
            "{order:?}: the earliest valid ban is the one kept"
        );
        assert!(!is_member(&replica, &b));
        replica.validate().expect("valid");
        results.push(replica.state_bytes());
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]));

    // A state holding two bans of one target is not canonical.
    let mut replica = room.clone();
    replica.apply(by_owner.clone());
    let mut state = replica.state.clone();
    state.bans.extend(by_inviter.bans);
    let err = verify_state(&room.params, state).unwrap_err();
    assert_eq!(err, RoomError::NotCanonical("bans"));
}

/// Keys a secret cannot be wrapped for: small-order points and encodings of no point.
fn unwrappable_keys() -> Vec<(&'static str, MemberKey)> {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let order_8 = [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ];
    vec![
        ("the identity point", MemberKey(identity)),
        ("all zeros (order 4)", MemberKey([0; 32])),
        ("a point of order 8", MemberKey(order_8)),
        ("a non-canonical y", MemberKey([0xff; 32])),
    ]
}

#[test]
fn rule_mem_6_an_invitee_key_no_secret_can_be_wrapped_for_is_refused() {
    for (what, bad) in unwrappable_keys() {
        let mut room = TestRoom::new(Privacy::Private);
        let owner = room.owner.clone();
        let invitation = Signed::sign(
            &room.owner_key(),
            Invitation {
                invitee: bad,
                inviter: member_key(&owner),
                invited_at: 1,
            },
            &owner,
        )
        .unwrap();
        // In a delta: skipped like a bad signature, the rest of the delta applies.
        let good = key(77);
        let mut delta = room.invite(&owner, &good);
        delta.members.push(invitation.clone());
        let report = room.apply(delta);
        assert_eq!(report.rejected, 1, "{what}");
        assert!(is_member(&room, &good), "{what}");
        assert!(
            room.state.members.iter().all(|m| m.body.invitee != bad),
            "{what}: never a member"
        );
        // In a state: the state is refused.
        let mut state = room.state.clone();
        state.members.push(invitation);
        state.members.sort_by_key(|m| m.body.invitee);
        let params = brook_common::room::RoomParams {
            owner: room.owner_key(),
        };
        assert!(
            matches!(
                verify_state(&params, state),
                Err(RoomError::InvalidRecord { .. })
            ),
            "{what}"
        );
    }
}
