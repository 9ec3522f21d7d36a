//! Concurrent-replica scenarios: replicas of one room that each author a stream of
//! operations (invites, messages, bans by every kind of authority and by nobody,
//! leaves, one invitation key used twice, minted keys banned at once, nicknames, config bumps, rotations, upgrades), as peers editing concurrently would.
//! Used by the convergence property tests and the conformance corpus.

use ed25519_dalek::SigningKey;

use super::{signing_key, TestRoom};
use crate::ids::MemberKey;
use crate::room::config::Privacy;
use crate::room::text::RoomText;
use crate::room::RoomDelta;
use crate::sign::member_key;

/// One operation as three random bytes: (kind, actor, target).
pub type Op = (u8, u8, u8);

/// Members every scenario starts with (flat, invited by the owner); the first is a
/// moderator.
pub const BASE_MEMBERS: u64 = 4;

/// The shared starting point: owner, [`BASE_MEMBERS`] members, a moderator, the given
/// message window, and in private rooms secret version 0 for everyone.
pub fn base_room(privacy: Privacy, max_messages: u32) -> TestRoom {
    let mut room = TestRoom::new(privacy);
    let owner = room.owner.clone();
    let keys = room.add_members(BASE_MEMBERS as usize, false);
    let config = room.config_change(&owner, |c| {
        c.moderators = vec![member_key(&keys[0])];
        c.max_messages = max_messages;
    });
    room.apply(config);
    if privacy == Privacy::Private {
        let recipients: Vec<MemberKey> = keys.iter().map(member_key).collect();
        let batch = room.secret_batch(0, &recipients);
        room.apply(batch);
    }
    room
}

/// Every signing key a scenario may need, base members first.
pub fn key_pool() -> Vec<SigningKey> {
    (0..BASE_MEMBERS)
        .map(|i| signing_key("member", i))
        .collect()
}

fn members(room: &TestRoom) -> Vec<MemberKey> {
    room.state.members.iter().map(|r| r.body.member).collect()
}

fn signer_for(room: &TestRoom, key: &MemberKey, pool: &[SigningKey]) -> SigningKey {
    if *key == room.owner_key() {
        return room.owner.clone();
    }
    pool.iter()
        .find(|k| member_key(k) == *key)
        .cloned()
        .expect("every member's key is in the pool")
}

/// Perform `ops` on `replica` (applying each), returning the deltas it produced.
/// `label` names this replica's fresh keys so replicas invite different people.
pub fn author(
    replica: &mut TestRoom,
    label: &str,
    ops: &[Op],
    pool: &mut Vec<SigningKey>,
) -> Vec<RoomDelta> {
    let mut out = Vec::with_capacity(ops.len());
    for (i, &(kind, actor, target)) in ops.iter().enumerate() {
        let mut present = vec![replica.owner_key()];
        present.extend(members(replica));
        let actor_key = present[actor as usize % present.len()];
        let actor = signer_for(replica, &actor_key, pool);
        let delta = match kind % 11 {
            0 => {
                let fresh = signing_key(label, i as u64);
                pool.push(fresh.clone());
                replica.invite(&actor, &fresh)
            }
            1 | 2 => replica.message(&actor, &format!("{label} says {i}")),
            3 => {
                // Often unauthorized (a sibling, a stranger): must be skipped alike.
                let victim = present[target as usize % present.len()];
                replica.ban(&actor, &victim)
            }
            4 => replica.nickname(&actor, u64::from(target), &format!("nick{target}")),
            5 => {
                let owner = replica.owner.clone();
                replica.config_change(&owner, |c| c.name = RoomText::Plain(format!("{label}{i}")))
            }
            6 if replica.private() => {
                let next = replica.state.secrets.current_version().map_or(0, |v| v + 1);
                replica.secret_batch(next, &members(replica))
            }
            // The owner's "leave" is no member's: it must be skipped like any other.
            8 => replica.leave(&actor),
            // One invitation key admitting two keys (MEM-7): one of them is in.
            9 => {
                let invite = signing_key(&format!("{label} invite"), i as u64);
                let twins = [
                    signing_key(&format!("{label} twin"), 2 * i as u64),
                    signing_key(&format!("{label} twin"), 2 * i as u64 + 1),
                ];
                pool.extend(twins.iter().cloned());
                let mut delta = replica.with_chain(RoomDelta::default(), &actor_key);
                for twin in &twins {
                    delta
                        .members
                        .push(replica.acceptance_with(&actor, &invite, twin));
                }
                delta
            }
            // Mint a key and ban it at once: the departure pool (BAN-5, BAN-8).
            10 => {
                let puppet = signing_key(&format!("{label} puppet"), i as u64);
                pool.push(puppet.clone());
                let mut delta = replica.invite(&actor, &puppet);
                replica.apply(delta.clone());
                let ban = replica.ban(&actor, &member_key(&puppet));
                delta.bans.extend(ban.bans);
                delta
            }
            _ => replica.upgrade(u64::from(target % 4), [target; 32]),
        };
        replica.apply(delta.clone());
        out.push(delta);
    }
    out
}
