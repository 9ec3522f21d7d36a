//! Convergence: for random rooms and random sets of concurrent deltas, every delivery
//! order, with duplicates, reaches identical state bytes; re-applying is a no-op.
//!
//! Deltas are authored on two divergent replicas, as concurrent peers would. Below every
//! retention bound the result is order-independent outright. Where a bound prunes (the
//! message window) and a later ban frees room in it, a replica may already have pruned
//! what the union would keep; one summary/delta exchange — what Freenet peers do — heals
//! it, and the second test checks exactly that.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_common::room::config::Privacy;
use brook_common::room::RoomDelta;
use brook_common::testkit::scenario::{author, base_room, key_pool, Op};
use brook_common::testkit::TestRoom;
use proptest::prelude::*;

fn scenario(
    private: bool,
    max_messages: u32,
    a_ops: &[Op],
    b_ops: &[Op],
) -> (TestRoom, Vec<RoomDelta>) {
    let privacy = if private {
        Privacy::Private
    } else {
        Privacy::Public
    };
    let base = base_room(privacy, max_messages);
    let mut pool = key_pool();
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
