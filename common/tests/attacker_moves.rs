//! An attacker holding its own member key and every key it can mint tries random mixes
//! of the moves that once worked (MEM-3, MEM-4, MEM-7, BAN-2, BAN-5, BAN-7, BAN-8,
//! LEAVE-1, MSG-4): it never removes an honest member it has no authority over, never
//! evicts an honest message within its participant's guaranteed share, never grows the
//! room past its bounds, and every delivery order reaches the same bytes.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_common::ids::MemberKey;
use brook_common::room::bans::Ban;
use brook_common::room::config::Privacy;
use brook_common::room::members::{Acceptance, Grant};
use brook_common::room::{RoomDelta, Signed};
use brook_common::sign::member_key;
use brook_common::testkit::{accept, signing_key, TestRoom};
use ed25519_dalek::SigningKey;
use proptest::prelude::*;

struct World {
    room: TestRoom,
    honest: Vec<SigningKey>,
    /// The attacker's keys: its own first, then every key it minted.
    attacker: Vec<SigningKey>,
    honest_messages: usize,
}

/// Owner → h0, h1, moderator; h0 → h2 and the attacker. The attacker starts as an
/// ordinary member with honest siblings, ancestors and cousins.
fn world() -> World {
    let mut room = TestRoom::new(Privacy::Public);
    let owner = room.owner.clone();
    let honest: Vec<SigningKey> = (0..4).map(|n| signing_key("honest", n)).collect();
    let attacker = signing_key("attacker", 0);
    for (inviter, invitee) in [
        (&owner, &honest[0]),
        (&owner, &honest[1]),
        (&owner, &honest[3]),
        (&honest[0], &honest[2]),
        (&honest[0], &attacker),
    ] {
        let d = room.invite(inviter, invitee);
        room.apply(d);
    }
    let appoint = room.config_change(&owner, |c| c.moderators = vec![member_key(&honest[3])]);
    room.apply(appoint);
    let mut honest_messages = 0;
    for (i, member) in honest.iter().enumerate() {
        for n in 0..4 {
            let d = room.message(member, &format!("honest {i}.{n}"));
            room.apply(d);
            honest_messages += 1;
        }
    }
    World {
        room,
        honest,
        attacker: vec![attacker],
        honest_messages,
    }
}

fn pick(keys: &[SigningKey], n: u8) -> &SigningKey {
    &keys[n as usize % keys.len()]
}

/// One attacker move as a delta, built from what the attacker holds.
fn attack(world: &mut World, step: usize, (kind, a, b): (u8, u8, u8)) -> RoomDelta {
    let room = &mut world.room;
    let me = pick(&world.attacker, a).clone();
    match kind % 8 {
        // Mint a key below any key it holds.
        0 => {
            let puppet = signing_key("puppet", step as u64);
            world.attacker.push(puppet.clone());
            room.invite(&me, &puppet)
        }
        // Ban anyone: honest or its own.
        1 => {
            let everyone: Vec<SigningKey> = world
                .honest
                .iter()
                .chain(&world.attacker)
                .cloned()
                .collect();
            let target = member_key(pick(&everyone, b));
            room.ban(&me, &target)
        }
        // Flood the window, dated far in the future (or the past).
        2 => {
            let mut delta = RoomDelta::default();
            for n in 0..u64::from(b % 64) {
                let at = if b % 2 == 0 { u64::MAX - n } else { n };
                delta
                    .messages
                    .extend(room.message_at(&me, "flood", at).messages);
            }
            room.with_chain(delta, &member_key(&me))
        }
        // Leave, then (another move) replay.
        3 => room.leave(&me),
        // Replay every acceptance it ever held.
        4 => {
            let mut delta = RoomDelta::default();
            for key in &world.attacker {
                delta.members.extend(room.chain_of(&member_key(key)));
            }
            delta
        }
        // Use one invitation key for two members (MEM-7).
        5 => {
            let invite = signing_key("reused invite", u64::from(b));
            let first = signing_key("twin", step as u64 * 2);
            let second = signing_key("twin", step as u64 * 2 + 1);
            world.attacker.push(first.clone());
            world.attacker.push(second.clone());
            let mut delta = room.with_chain(RoomDelta::default(), &member_key(&me));
            delta
                .members
                .push(room.acceptance_with(&me, &invite, &first));
            delta
                .members
                .push(room.acceptance_with(&me, &invite, &second));
            delta
        }
        // Try to adopt an honest member: a grant of its own, signed as far as it can.
        6 => {
            let victim = pick(&world.honest, b);
            let invite = signing_key("adopt", step as u64);
            let grant = Signed::sign(
                &room.owner_key(),
                Grant {
                    inviter: member_key(&me),
                    invite_key: member_key(&invite),
                },
                &me,
            )
            .unwrap();
            let admit = accept(&room.owner_key(), grant.clone(), &invite, &me)
                .body
                .admit;
            let body = Acceptance {
                member: member_key(victim),
                grant,
                admit,
            };
            let forged = Signed::sign(&room.owner_key(), body, &me).unwrap();
            RoomDelta {
                members: vec![forged],
                ..Default::default()
            }
        }
        // A ban with a forged issuer: the attacker signs a ban naming the owner.
        _ => {
            let target = member_key(pick(&world.honest, b));
            let ban = Signed::sign(
                &room.owner_key(),
                Ban {
                    target,
                    issuer: room.owner_key(),
                },
                &me,
            )
            .unwrap();
            RoomDelta {
                bans: vec![ban],
                ..Default::default()
            }
        }
    }
}

/// Which components of two states differ, and their sizes.
fn diff(a: &TestRoom, b: &TestRoom) -> Vec<(&'static str, usize, usize)> {
    let (x, y) = (&a.state, &b.state);
    let mut out = Vec::new();
    if x.members != y.members {
        out.push(("members", x.members.len(), y.members.len()));
    }
    if x.departed != y.departed {
        out.push(("departed", x.departed.len(), y.departed.len()));
    }
    if x.bans != y.bans {
        out.push(("bans", x.bans.len(), y.bans.len()));
    }
    if x.leaves != y.leaves {
        out.push(("leaves", x.leaves.len(), y.leaves.len()));
    }
    if x.messages != y.messages {
        out.push(("messages", x.messages.len(), y.messages.len()));
    }
    out
}

fn is_member(room: &TestRoom, key: &MemberKey) -> bool {
    room.state.members.iter().any(|r| r.body.member == *key)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn an_attacker_with_every_key_it_can_mint_removes_and_evicts_no_honest_member(
        moves in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 1..24),
        owner_bans_attacker in any::<bool>(),
    ) {
        let mut world = world();
        let base = world.room.clone();
        let mut deltas = Vec::new();
        for (step, mv) in moves.iter().enumerate() {
            let delta = attack(&mut world, step, *mv);
            world.room.apply(delta.clone());
            deltas.push(delta);
        }
        if owner_bans_attacker {
            let owner = world.room.owner.clone();
            let ban = world.room.ban(&owner, &member_key(&world.attacker[0]));
            world.room.apply(ban.clone());
            deltas.push(ban);
        }
        let room = &world.room;
        for member in &world.honest {
            prop_assert!(is_member(room, &member_key(member)), "an honest member was removed");
        }
        let honest_keys: Vec<MemberKey> = world.honest.iter().map(member_key).collect();
        let kept = room
            .state
            .messages
            .iter()
            .filter(|m| honest_keys.contains(&m.body.author))
            .count();
        prop_assert_eq!(kept, world.honest_messages, "an honest message was evicted");
        let config = &room.state.config.body;
        prop_assert!(room.state.members.len() <= config.max_members as usize);
        prop_assert!(room.state.bans.len() <= config.max_bans as usize);
        prop_assert!(room.state.messages.len() <= config.max_messages as usize);
        room.validate().unwrap();

        // The same records in reverse, and all at once, reach the same bytes.
        let mut reverse = base.clone();
        for delta in deltas.iter().rev() {
            reverse.apply(delta.clone());
        }
        prop_assert!(reverse.state == room.state, "reverse order diverged: {:?}", diff(&reverse, room));
        let mut at_once = base.clone();
        let mut all = RoomDelta::default();
        for delta in &deltas {
            all.members.extend(delta.members.clone());
            all.bans.extend(delta.bans.clone());
            all.leaves.extend(delta.leaves.clone());
            all.messages.extend(delta.messages.clone());
        }
        at_once.apply(all);
        prop_assert!(at_once.state == room.state, "all at once diverged: {:?}", diff(&at_once, room));
    }
}
