//! Convergence: for random rooms and random sets of concurrent deltas, every delivery
//! order, with duplicates, reaches identical state bytes; re-applying is a no-op.
//!
//! Deltas are authored on two divergent replicas, as concurrent peers would. Below every
//! retention bound the result is order-independent outright. Where a bound prunes (the
//! message window) and a later ban frees room in it, a replica may already have pruned
//! what the union would keep; one summary/delta exchange — what Freenet peers do — heals
//! it, and the second test checks exactly that.

use brook_common::ids::MemberKey;
use brook_common::room::config::Privacy;
use brook_common::room::text::RoomText;
use brook_common::room::RoomDelta;
use brook_common::sign::member_key;
use brook_common::testkit::{signing_key, TestRoom};
use ed25519_dalek::SigningKey;
use proptest::prelude::*;

/// One operation a replica performs: (kind, actor, target) as random bytes.
type Op = (u8, u8, u8);

fn base_room(private: bool, max_messages: u32) -> TestRoom {
    let mut room = TestRoom::new(if private {
        Privacy::Private
    } else {
        Privacy::Public
    });
    let owner = room.owner.clone();
    let keys = room.add_members(4, false);
    let config = room.config_change(&owner, |c| {
        c.moderators = vec![member_key(&keys[0])];
        c.max_messages = max_messages;
    });
    room.apply(config);
    if private {
        let recipients: Vec<MemberKey> = keys.iter().map(member_key).collect();
        let batch = room.secret_batch(0, &recipients);
        room.apply(batch);
    }
    room
}

fn members(room: &TestRoom) -> Vec<MemberKey> {
    room.state.members.iter().map(|r| r.body.invitee).collect()
}

fn signer_for(room: &TestRoom, key: &MemberKey, pool: &[SigningKey]) -> SigningKey {
    if *key == room.owner_key() {
        return room.owner.clone();
    }
    pool.iter()
        .find(|k| member_key(k) == *key)
        .cloned()
        .expect("known key")
}

/// Perform `ops` on `replica`, returning the deltas it produced.
fn author(
    replica: &mut TestRoom,
    label: &str,
    ops: &[Op],
    pool: &mut Vec<SigningKey>,
) -> Vec<RoomDelta> {
    let mut out = Vec::new();
    for (i, &(kind, actor, target)) in ops.iter().enumerate() {
        let mut present = vec![replica.owner_key()];
        present.extend(members(replica));
        let actor_key = present[actor as usize % present.len()];
        let actor = signer_for(replica, &actor_key, pool);
        let delta = match kind % 7 {
            0 => {
                let fresh = signing_key(label, i as u64);
                pool.push(fresh.clone());
                replica.invite(&actor, &fresh)
            }
            1 | 2 => replica.message(&actor, &format!("{label} says {i}")),
            3 => {
                let victim = present[target as usize % present.len()];
                replica.ban(&actor, &victim) // often unauthorized: must be skipped alike
            }
            4 => replica.nickname(&actor, u64::from(target), &format!("nick{target}")),
            5 => {
                let owner = replica.owner.clone();
                replica.config_change(&owner, |c| c.name = RoomText::Plain(format!("{label}{i}")))
            }
            _ => {
                if replica.private() {
                    let next = replica.state.secrets.current_version().map_or(0, |v| v + 1);
                    replica.secret_batch(next, &members(replica))
                } else {
                    replica.upgrade(u64::from(target % 4), [target; 32])
                }
            }
        };
        replica.apply(delta.clone());
        out.push(delta);
    }
    out
}

fn scenario(
    private: bool,
    max_messages: u32,
    a_ops: &[Op],
    b_ops: &[Op],
) -> (TestRoom, Vec<RoomDelta>) {
    let base = base_room(private, max_messages);
    let mut pool: Vec<SigningKey> = (0..4).map(|i| signing_key("member", i)).collect();
    let (mut a, mut b) = (base.clone(), base.clone());
    let mut deltas = author(&mut a, "a", a_ops, &mut pool);
    deltas.extend(author(&mut b, "b", b_ops, &mut pool));
    (base, deltas)
}

fn deliver(base: &TestRoom, deltas: &[RoomDelta], order: &[usize]) -> TestRoom {
    let mut room = base.clone();
    for &i in order {
        room.apply(deltas[i % deltas.len()].clone());
    }
    room
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 1..8)
}

/// A delivery order over `n` deltas: every delta at least once, the `extra` ones twice,
/// shuffled by `seed` (Fisher-Yates over splitmix64).
fn order(n: usize, extra: &[usize], mut seed: u64) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    all.extend(extra.iter().map(|e| e % n.max(1)));
    for i in (1..all.len()).rev() {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        all.swap(i, (z % (i as u64 + 1)) as usize);
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_order_and_duplication_converges(
        private in any::<bool>(),
        a_ops in ops(),
        b_ops in ops(),
        extra in prop::collection::vec(any::<usize>(), 0..6),
        seeds in (any::<u64>(), any::<u64>()),
    ) {
        let (base, deltas) = scenario(private, 500, &a_ops, &b_ops);
        let n = deltas.len();
        let first = order(n, &extra, seeds.0);
        let second = order(n, &extra, seeds.1);
        let one = deliver(&base, &deltas, &first);
        let two = deliver(&base, &deltas, &second);
        let reverse: Vec<usize> = (0..n).rev().collect();
        let three = deliver(&base, &deltas, &reverse);
        prop_assert_eq!(one.state_bytes(), two.state_bytes());
        prop_assert_eq!(one.state_bytes(), three.state_bytes());
        // Re-applying everything again changes nothing.
        let again = deliver(&one, &deltas, &(0..n).collect::<Vec<_>>());
        prop_assert_eq!(again.state_bytes(), one.state_bytes());
        one.validate().unwrap();
    }

    #[test]
    fn bounded_window_heals_in_one_exchange(
        a_ops in ops(),
        b_ops in ops(),
        extra in prop::collection::vec(any::<usize>(), 0..6),
        seed in any::<u64>(),
    ) {
        let (base, deltas) = scenario(false, 5, &a_ops, &b_ops);
        let n = deltas.len();
        let first = order(n, &extra, seed);
        let mut one = deliver(&base, &deltas, &first);
        let mut two = deliver(&base, &deltas, &(0..n).rev().collect::<Vec<_>>());
        // One exchange each way, as two peers reconcile by summary and delta.
        let to_one = two.state.delta_since(&one.state.summarize());
        let to_two = one.state.delta_since(&two.state.summarize());
        one.apply(to_one);
        two.apply(to_two);
        prop_assert_eq!(one.state_bytes(), two.state_bytes());
        one.validate().unwrap();
    }
}
