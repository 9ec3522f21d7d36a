//! Rules of members, bans and leaves (MEM-*, BAN-*, LEAVE-*), each with the attack it
//! stops. An attacker here holds its own keys and every key it can mint, never another
//! member's.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_common::ids::MemberKey;
use brook_common::room::bans::Ban;
use brook_common::room::config::Privacy;
use brook_common::room::members::{Acceptance, Grant};
use brook_common::room::{verify_state, RoomDelta, RoomError, Signed};
use brook_common::sign::member_key;
use brook_common::testkit::{accept, signing_key, TestRoom};
use ed25519_dalek::SigningKey;

fn key(n: u64) -> SigningKey {
    signing_key("rules", n)
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
    for (inviter, invitee) in [(&owner, &a), (&a, &b), (&owner, &sibling)] {
        let d = room.invite(inviter, invitee);
        room.apply(d);
    }
    (room, owner, a, b, sibling)
}

fn is_member(room: &TestRoom, k: &SigningKey) -> bool {
    room.state
        .members
        .iter()
        .any(|r| r.body.member == member_key(k))
}

fn parent_of(room: &TestRoom, k: &SigningKey) -> Option<MemberKey> {
    room.state
        .members
        .iter()
        .find(|r| r.body.member == member_key(k))
        .map(|r| r.body.inviter())
}

fn ban_by(room: &TestRoom, issuer: &SigningKey, target: &MemberKey) -> RoomDelta {
    let ban = Signed::sign(
        &room.owner_key(),
        Ban {
            target: *target,
            issuer: member_key(issuer),
        },
        issuer,
    )
    .unwrap();
    RoomDelta {
        bans: vec![ban],
        ..Default::default()
    }
}

#[test]
fn rule_mem_2_invitation_tree_admits_chains_from_the_owner() {
    let (room, owner, a, b, sibling) = owner_a_b_and_sibling();
    assert!(is_member(&room, &a) && is_member(&room, &b) && is_member(&room, &sibling));
    assert_eq!(parent_of(&room, &b), Some(member_key(&a)));
    assert_eq!(parent_of(&room, &a), Some(member_key(&owner)));
    room.validate().unwrap();
}

#[test]
fn rule_mem_1_an_acceptance_needs_all_three_signatures() {
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let (invitee, stranger) = (key(1), key(9));
    let genuine = room.acceptance(&owner, &invitee);

    // The grant signed by a stranger instead of the inviter it names.
    let mut forged_grant = genuine.clone();
    forged_grant.body.grant.signature = room.acceptance(&stranger, &key(2)).body.grant.signature;
    // The admit not made by the invitation key.
    let mut forged_admit = genuine.clone();
    forged_admit.body.admit = room.acceptance(&owner, &key(3)).body.admit;
    // The acceptance not signed by its member.
    let mut forged_member = genuine.clone();
    forged_member.signature = room.acceptance(&owner, &key(4)).signature;

    for forged in [forged_grant, forged_admit, forged_member] {
        let mut replica = room.clone();
        let report = replica.apply(RoomDelta {
            members: vec![forged],
            ..Default::default()
        });
        assert_eq!(report.rejected, 1);
        assert!(!is_member(&replica, &invitee));
    }
    let report = room.apply(RoomDelta {
        members: vec![genuine],
        ..Default::default()
    });
    assert_eq!(report.admitted, 1);
    assert!(is_member(&room, &invitee));
}

#[test]
fn rule_mem_1_an_inviter_cannot_sign_as_its_invitee() {
    // River's invite codes mint the invitee's key in the inviter's hands. Here the
    // inviter holds only the invitation key: an acceptance naming the invitee's key but
    // signed by anything the inviter holds is refused.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let (inviter, invitee) = (key(1), key(2));
    let d = room.invite(&owner, &inviter);
    room.apply(d);
    let invite = room.invite_key();
    let genuine = room.acceptance_with(&inviter, &invite, &invitee);
    for impostor in [&inviter, &invite] {
        let mut forged = genuine.clone();
        forged.signature = Signed::sign(&room.owner_key(), forged.body.clone(), impostor)
            .unwrap()
            .signature;
        let mut replica = room.clone();
        assert_eq!(
            replica
                .apply(RoomDelta {
                    members: vec![forged],
                    ..Default::default()
                })
                .rejected,
            1
        );
        assert!(!is_member(&replica, &invitee));
    }
}

#[test]
fn acceptance_signed_for_another_room_is_skipped() {
    let mut room = TestRoom::new(Privacy::Public);
    let mut other = TestRoom::with_owner(key(50), Privacy::Public);
    let owner = room.owner.clone();
    let a = key(1);
    let foreign = other.acceptance(&owner, &a);
    let report = room.apply(RoomDelta {
        members: vec![foreign],
        ..Default::default()
    });
    assert_eq!(report.admitted, 0);
    assert!(!is_member(&room, &a));
}

#[test]
fn rule_mem_2_acceptance_through_a_non_member_is_dropped() {
    let mut room = TestRoom::new(Privacy::Public);
    let stranger = key(9);
    let a = key(1);
    let record = room.acceptance(&stranger, &a);
    room.apply(RoomDelta {
        members: vec![record],
        ..Default::default()
    });
    assert!(!is_member(&room, &a));
    room.validate().unwrap();
}

#[test]
fn rule_mem_3_no_invitation_can_reparent_a_member() {
    // Attack: A adopts S (invited by X) with an "earlier" invitation, to gain ancestor
    // authority over S and drag S out with A's own ban. A can sign grants and admits,
    // but S's place is S's own signed acceptance.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let (x, a, s) = (key(1), key(2), key(3));
    for (inviter, invitee) in [(&owner, &x), (&owner, &a), (&x, &s)] {
        let d = room.invite(inviter, invitee);
        room.apply(d);
    }
    let invite = room.invite_key();
    let grant = Signed::sign(
        &room.owner_key(),
        Grant {
            inviter: member_key(&a),
            invite_key: member_key(&invite),
        },
        &a,
    )
    .unwrap();
    // Everything A can produce naming S: S's signature is out of its reach.
    let admit_body = Acceptance {
        member: member_key(&s),
        grant: grant.clone(),
        admit: accept(&room.owner_key(), grant.clone(), &invite, &s)
            .body
            .admit,
    };
    let by_a = Signed::sign(&room.owner_key(), admit_body.clone(), &a).unwrap();
    let by_invite = Signed::sign(&room.owner_key(), admit_body, &invite).unwrap();
    let report = room.apply(RoomDelta {
        members: vec![by_a, by_invite],
        ..Default::default()
    });
    assert_eq!(report.rejected, 2);
    assert_eq!(parent_of(&room, &s), Some(member_key(&x)));
    // So A's ban of S is a ban of a non-descendant, and skipped.
    let ban = ban_by(&room, &a, &member_key(&s));
    room.apply(ban);
    assert!(is_member(&room, &s));
    assert!(room.state.bans.is_empty());
    room.validate().unwrap();
}

#[test]
fn rule_mem_3_a_member_that_signed_twice_has_one_place_whatever_the_order() {
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let (x, y, s) = (key(1), key(2), key(3));
    for (inviter, invitee) in [(&owner, &x), (&owner, &y)] {
        let d = room.invite(inviter, invitee);
        room.apply(d);
    }
    let via_x = room.acceptance(&x, &s);
    let via_y = room.acceptance(&y, &s);
    let expected = if via_x.id() < via_y.id() { &x } else { &y };
    for order in [[&via_x, &via_y], [&via_y, &via_x]] {
        let mut replica = room.clone();
        for record in order {
            replica.apply(RoomDelta {
                members: vec![record.clone()],
                ..Default::default()
            });
        }
        assert_eq!(parent_of(&replica, &s), Some(member_key(expected)));
        assert_eq!(replica.state.members.len(), 3);
    }
}

#[test]
fn rule_mem_4_an_inviters_keys_never_evict_members_admitted_under_another() {
    // Attack: at the member cap, A floods invitations of minted keys (and back-dated
    // ones: there are no dates any more) to evict members admitted under X.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let change = room.config_change(&owner, |c| c.max_members = 21);
    room.apply(change);
    let (x, a) = (key(1), key(2));
    for (inviter, invitee) in [(&owner, &x), (&owner, &a)] {
        let d = room.invite(inviter, invitee);
        room.apply(d);
    }
    let friends: Vec<SigningKey> = (10..19).map(key).collect();
    for friend in &friends {
        let d = room.invite(&x, friend);
        room.apply(d);
    }
    // A mints 200 keys, flat and chained.
    let mut flood = RoomDelta::default();
    let mut last = a.clone();
    for n in 0..200 {
        let puppet = signing_key("puppet", n);
        let inviter = if n % 2 == 0 { a.clone() } else { last.clone() };
        flood.members.push(room.acceptance(&inviter, &puppet));
        last = puppet;
    }
    room.apply(flood);
    for friend in &friends {
        assert!(is_member(&room, friend), "X's invitee evicted");
    }
    assert!(is_member(&room, &x));
    // A's subtree holds exactly its share: (21 / 2) = 10 with the remainder to the
    // smaller key, never more.
    let a_share = room.state.members.len() - 1 - friends.len();
    assert!(a_share <= 11, "A's subtree holds {a_share}");
    assert!(room.state.members.len() <= 21);
    room.validate().unwrap();
}

#[test]
fn rule_mem_4_member_room_is_never_exceeded() {
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let change = room.config_change(&owner, |c| c.max_members = 3);
    room.apply(change);
    let mut delta = RoomDelta::default();
    for n in 0..6 {
        delta.members.push(room.acceptance(&owner, &key(n)));
    }
    room.apply(delta);
    assert_eq!(room.state.members.len(), 3);
    room.validate().unwrap();
}

#[test]
fn rule_mem_5_owner_and_self_invitations_are_ignored() {
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let a = key(1);
    let d = room.invite(&owner, &a);
    room.apply(d);
    let self_invite = room.acceptance(&a, &a);
    let owner_invite = room.acceptance(&owner, &owner);
    room.apply(RoomDelta {
        members: vec![self_invite, owner_invite],
        ..Default::default()
    });
    assert_eq!(room.state.members.len(), 1);
    room.validate().unwrap();
}

#[test]
fn rule_mem_7_an_invitation_key_admits_one_member() {
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let invite = room.invite_key();
    let (first, second) = (key(1), key(2));
    let a = room.acceptance_with(&owner, &invite, &first);
    let b = room.acceptance_with(&owner, &invite, &second);
    let smaller = member_key(&first).min(member_key(&second));
    for order in [[&a, &b], [&b, &a]] {
        let mut replica = room.clone();
        for record in order {
            replica.apply(RoomDelta {
                members: vec![record.clone()],
                ..Default::default()
            });
        }
        let members: Vec<MemberKey> = replica
            .state
            .members
            .iter()
            .map(|r| r.body.member)
            .collect();
        assert_eq!(members, vec![smaller]);
        replica.validate().unwrap();
    }
}

#[test]
fn deep_chain_is_accepted_and_valid() {
    let mut room = TestRoom::new(Privacy::Public);
    let keys = room.add_members(500, true);
    assert_eq!(room.state.members.len(), 500);
    assert!(is_member(&room, keys.last().unwrap()));
    room.validate().unwrap();
}

#[test]
fn rule_ban_2_ban_removes_the_target_and_its_subtree() {
    let (mut room, owner, a, b, sibling) = owner_a_b_and_sibling();
    let ban = room.ban(&owner, &member_key(&a));
    room.apply(ban);
    assert!(!is_member(&room, &a) && !is_member(&room, &b));
    assert!(is_member(&room, &sibling));
    // The banned member's acceptance is held once, as the ban's evidence.
    assert_eq!(room.state.departed.len(), 1);
    assert_eq!(room.state.departed[0].body.member, member_key(&a));
    room.validate().unwrap();
}

#[test]
fn rule_ban_2_ancestor_may_ban_but_sibling_may_not() {
    let (room, _owner, a, b, sibling) = owner_a_b_and_sibling();
    let mut by_sibling = room.clone();
    let ban = by_sibling.ban(&sibling, &member_key(&b));
    by_sibling.apply(ban);
    assert!(is_member(&by_sibling, &b));
    assert!(by_sibling.state.bans.is_empty());

    let mut by_ancestor = room.clone();
    let ban = by_ancestor.ban(&a, &member_key(&b));
    by_ancestor.apply(ban);
    assert!(!is_member(&by_ancestor, &b));
    by_ancestor.validate().unwrap();
}

#[test]
fn rule_ban_2_a_member_cannot_ban_a_moderator_or_a_non_descendant() {
    // Attack 1: a member banning someone who is not its descendant (a moderator, a
    // sibling's invitee) by writing its own evidence. Evidence is the room's tree now.
    let (mut room, owner, a, _b, sibling) = owner_a_b_and_sibling();
    let moderator = key(7);
    let d = room.invite(&a, &moderator);
    room.apply(d);
    let appoint = room.config_change(&owner, |c| c.moderators = vec![member_key(&moderator)]);
    room.apply(appoint);
    // A invited the moderator, but moderators answer to the owner only.
    for (issuer, target) in [(&a, &moderator), (&a, &sibling), (&sibling, &a)] {
        let ban = ban_by(&room, issuer, &member_key(target));
        room.apply(ban);
        assert!(is_member(&room, target));
    }
    assert!(room.state.bans.is_empty());
    room.validate().unwrap();
}

#[test]
fn rule_ban_2_moderator_may_ban_anyone_but_the_owner_and_moderators() {
    let (mut room, owner, a, b, sibling) = owner_a_b_and_sibling();
    let config = room.config_change(&owner, |c| {
        let mut mods = vec![member_key(&sibling), member_key(&a)];
        mods.sort();
        c.moderators = mods;
    });
    room.apply(config);
    let mut by_mod = room.clone();
    let ban = by_mod.ban(&sibling, &member_key(&b));
    by_mod.apply(ban);
    assert!(!is_member(&by_mod, &b));
    let ban = by_mod.ban(&sibling, &member_key(&a));
    by_mod.apply(ban);
    assert!(is_member(&by_mod, &a), "a moderator cannot ban a moderator");
    by_mod.validate().unwrap();
}

#[test]
fn rule_ban_1_a_ban_not_signed_by_its_issuer_is_skipped() {
    // The owner's authority, claimed by a member who signs a ban naming the owner.
    let (mut room, _owner, a, _b, sibling) = owner_a_b_and_sibling();
    let forged = Signed::sign(
        &room.owner_key(),
        Ban {
            target: member_key(&sibling),
            issuer: room.owner_key(),
        },
        &a,
    )
    .unwrap();
    let report = room.apply(RoomDelta {
        bans: vec![forged],
        ..Default::default()
    });
    assert_eq!(report.rejected, 1);
    assert!(is_member(&room, &sibling));
}

#[test]
fn rule_ban_6_owner_and_self_bans_are_skipped() {
    let (mut room, owner, a, _b, _sibling) = owner_a_b_and_sibling();
    let ban = ban_by(&room, &a, &member_key(&owner));
    room.apply(ban);
    let ban = ban_by(&room, &a, &member_key(&a));
    room.apply(ban);
    assert!(room.state.bans.is_empty());
    assert!(is_member(&room, &a));
}

#[test]
fn rule_ban_3_banned_key_cannot_replay_or_be_reinvited() {
    let (mut room, owner, a, b, _sibling) = owner_a_b_and_sibling();
    let old = room.chain_of(&member_key(&b));
    let ban = room.ban(&owner, &member_key(&b));
    room.apply(ban);
    room.apply(RoomDelta {
        members: old,
        ..Default::default()
    });
    assert!(!is_member(&room, &b));
    let again = room.invite(&owner, &b);
    room.apply(again);
    assert!(!is_member(&room, &b), "a new acceptance of a banned key");
    let again = room.invite(&a, &b);
    room.apply(again);
    assert!(!is_member(&room, &b));
    room.validate().unwrap();
}

#[test]
fn rule_ban_7_a_banned_member_has_authority_over_nobody_in_the_room() {
    // Attack 3: the owner bans B (removing B's invitee C), C comes back under the owner
    // with a new key; B, still banned, bans C's new key — and C's old key — again.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let (b, c, c_new, d) = (key(1), key(2), key(3), key(4));
    for (inviter, invitee) in [(&owner, &b), (&b, &c), (&b, &d)] {
        let delta = room.invite(inviter, invitee);
        room.apply(delta);
    }
    // B's ban of D, issued while B had authority.
    let early = room.ban(&b, &member_key(&d));
    room.apply(early.clone());
    assert!(!is_member(&room, &d));
    let ban = room.ban(&owner, &member_key(&b));
    room.apply(ban);
    let back = room.invite(&owner, &c_new);
    room.apply(back);
    for target in [&c_new, &c] {
        let late = ban_by(&room, &b, &member_key(target));
        room.apply(late);
    }
    room.apply(early);
    assert!(is_member(&room, &c_new));
    // Only the owner's ban of B is held: B's bans name members gone with B.
    assert_eq!(room.state.bans.len(), 1);
    assert_eq!(room.state.bans[0].body.issuer, member_key(&owner));
    room.validate().unwrap();
}

#[test]
fn rule_ban_7_a_demoted_moderators_bans_lapse_unless_the_owner_adopts_them() {
    let (mut room, owner, a, b, sibling) = owner_a_b_and_sibling();
    let appoint = room.config_change(&owner, |c| c.moderators = vec![member_key(&sibling)]);
    room.apply(appoint);
    let ban = room.ban(&sibling, &member_key(&b));
    room.apply(ban);
    assert!(!is_member(&room, &b));
    let mut lapsed = room.clone();
    let demote = lapsed.config_change(&owner, |c| c.moderators.clear());
    lapsed.apply(demote.clone());
    assert!(is_member(&lapsed, &b), "the demoted moderator's ban lapsed");
    // The owner's client adopts the bans it keeps, in the same delta as the demotion.
    let mut adopted = room.clone();
    let mut delta = demote;
    delta.bans.extend(adopted.ban(&owner, &member_key(&b)).bans);
    adopted.apply(delta);
    assert!(!is_member(&adopted, &b));
    assert!(is_member(&adopted, &a));
    adopted.validate().unwrap();
}

#[test]
fn rule_ban_4_one_departure_per_target_the_highest_authority_whatever_the_order() {
    let (room, owner, a, b, _sibling) = owner_a_b_and_sibling();
    let mut scratch = room.clone();
    let by_owner = scratch.ban(&owner, &member_key(&b));
    let by_inviter = scratch.ban(&a, &member_key(&b));
    let leave = scratch.leave(&b);
    let deltas = [by_owner, by_inviter, leave];
    let mut results = Vec::new();
    for order in ORDERS {
        let mut replica = room.clone();
        for i in order {
            replica.apply(deltas[i].clone());
        }
        assert_eq!(replica.state.bans.len(), 1);
        assert_eq!(replica.state.bans[0].body.issuer, member_key(&owner));
        assert!(replica.state.leaves.is_empty());
        replica.validate().unwrap();
        results.push(replica.state_bytes());
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]));
    // A state holding two bans of one target is not canonical.
    let mut replica = room.clone();
    replica.apply(deltas[0].clone());
    let mut state = replica.state.clone();
    state.bans.extend(deltas[1].bans.clone());
    let err = verify_state(&room.params, state).unwrap_err();
    assert_eq!(err, RoomError::NotCanonical("bans"));
}

#[test]
fn rule_ban_5_minted_keys_cannot_flush_anyone_elses_bans() {
    // Attack 2: A invites throwaway keys and bans them all, to push the owner's ban of A
    // (or X's ban of its own invitee) out of the ban cap and replay its way back in.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let (x, a, pest) = (key(1), key(2), key(3));
    for (inviter, invitee) in [(&owner, &x), (&owner, &a), (&x, &pest)] {
        let d = room.invite(inviter, invitee);
        room.apply(d);
    }
    let by_x = room.ban(&x, &member_key(&pest));
    room.apply(by_x);
    let mut flood = RoomDelta::default();
    let mut puppets = Vec::new();
    for n in 0..600 {
        let puppet = signing_key("throwaway", n);
        flood.members.push(room.acceptance(&a, &puppet));
        puppets.push(puppet);
    }
    room.apply(flood);
    let mut bans = RoomDelta::default();
    for puppet in &puppets {
        bans.bans
            .extend(ban_by(&room, &a, &member_key(puppet)).bans);
    }
    room.apply(bans);
    let a_chain = room.chain_of(&member_key(&a));
    let by_owner = room.ban(&owner, &member_key(&a));
    room.apply(by_owner);
    // A replays everything it ever had.
    room.apply(RoomDelta {
        members: a_chain,
        ..Default::default()
    });
    assert!(!is_member(&room, &a));
    assert!(!is_member(&room, &pest), "X's ban was flushed");
    assert!(is_member(&room, &x));
    let config = &room.state.config.body;
    assert!(room.state.bans.len() <= config.max_bans as usize);
    room.validate().unwrap();
}

#[test]
fn rule_ban_8_evidence_is_held_once_and_state_stays_bounded() {
    // Attack 5: a 421-link chain of the attacker's own keys, each link banned, once made
    // a 12 MB state. Now a ban is one signature over (target, issuer) and the target's
    // acceptance is held once; everything is bounded by member room and the pool.
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let a = key(1);
    let d = room.invite(&owner, &a);
    room.apply(d);
    let mut chain = Vec::new();
    let mut delta = RoomDelta::default();
    let mut last = a.clone();
    for n in 0..421 {
        let link = signing_key("link", n);
        delta.members.push(room.acceptance(&last, &link));
        chain.push(link.clone());
        last = link;
    }
    room.apply(delta);
    let mut bans = RoomDelta::default();
    for (i, link) in chain.iter().enumerate() {
        let issuer = if i == 0 { &a } else { &chain[i - 1] };
        bans.bans
            .extend(ban_by(&room, issuer, &member_key(link)).bans);
        bans.bans.extend(ban_by(&room, &a, &member_key(link)).bans);
    }
    room.apply(bans);
    let config = &room.state.config.body;
    assert!(room.state.bans.len() <= config.max_bans as usize);
    let bytes = room.state_bytes().len();
    assert!(bytes < 1_000_000, "state of {bytes} bytes");
    room.validate().unwrap();
}

#[test]
fn rule_leave_1_a_leaver_is_gone_its_invitees_stay_and_it_cannot_replay() {
    let (mut room, _owner, a, b, _sibling) = owner_a_b_and_sibling();
    let old = room.chain_of(&member_key(&a));
    let message = room.message(&a, "bye");
    room.apply(message);
    let leave = room.leave(&a);
    room.apply(leave);
    assert!(!is_member(&room, &a));
    assert!(is_member(&room, &b), "the leaver's invitee keeps its place");
    assert!(
        room.state.messages.is_empty(),
        "a leaver's messages go with it"
    );
    room.apply(RoomDelta {
        members: old,
        ..Default::default()
    });
    assert!(!is_member(&room, &a), "replayed acceptance");
    room.validate().unwrap();
    // B's place still hangs from A, and so does A's authority over it (BAN-7).
    let ban = room.ban(&a, &member_key(&b));
    room.apply(ban);
    assert!(!is_member(&room, &b));
    room.validate().unwrap();
}

#[test]
fn rule_leave_1_a_leave_signed_by_another_key_is_skipped() {
    let (mut room, _owner, a, b, _sibling) = owner_a_b_and_sibling();
    let mut leave = room.leave(&b);
    leave.leaves[0].signature = room.leave(&a).leaves[0].signature;
    let report = room.apply(leave);
    assert_eq!(report.rejected, 1);
    assert!(is_member(&room, &b));
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
fn rule_mem_6_a_member_key_no_secret_can_be_wrapped_for_is_refused() {
    for (what, bad) in unwrappable_keys() {
        let mut room = TestRoom::new(Privacy::Private);
        let owner = room.owner.clone();
        let mut record = room.acceptance(&owner, &key(40));
        record.body.member = bad;
        // In a delta: skipped like a bad signature, the rest of the delta applies.
        let good = key(77);
        let mut delta = room.invite(&owner, &good);
        delta.members.push(record.clone());
        let report = room.apply(delta);
        assert_eq!(report.rejected, 1, "{what}");
        assert!(is_member(&room, &good), "{what}");
        assert!(
            room.state.members.iter().all(|m| m.body.member != bad),
            "{what}: never a member"
        );
        // In a state: the state is refused.
        let mut state = room.state.clone();
        state.members.push(record);
        state.members.sort_by_key(|m| m.body.member);
        assert!(
            matches!(
                verify_state(&room.params, state),
                Err(RoomError::InvalidRecord { .. })
            ),
            "{what}"
        );
    }
}
