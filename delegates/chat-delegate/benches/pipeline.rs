//! The delegate's whole notification run (store lookups, the node's state, view decode,
//! decision, report), next to its floor, measured in the same run:
//! - a rotation for 500 members: floor = 501 recipients × (one base-point and one
//!   variable-base scalar multiplication) + one signature — the ECIES wraps and the
//!   batch signature nothing can avoid;
//! - a notification with unchanged membership for 500 members: floor 0, no public-key
//!   operation at all (target < 1 ms).
//!
//! `cargo make bench` runs criterion for both, then prints the table of medians.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use std::hint::black_box;
use std::time::Duration;

#[path = "../../../common/benches/support/mod.rs"]
mod support;

use brook_common::room::config::Privacy;
use brook_common::sign::member_key;
use brook_common::testkit::{populated_room, TestRoom};
use chat_delegate::effects::Effect;
use chat_delegate::events::{handle_event, Event};
use chat_delegate::sim::MemoryHost;
use criterion::{criterion_group, Criterion};
use curve25519_dalek::edwards::EdwardsPoint;
use ed25519_dalek::Signer;
use support::{median, time};

const APP: [u8; 32] = [1; 32];
const CODE_HASH: [u8; 32] = [7; 32];
const MEMBERS: usize = 500;

/// A delegate owning and following `room`; returns it and the room's contract id.
fn delegate_for(room: &TestRoom) -> (MemoryHost, [u8; 32]) {
    let mut host = MemoryHost::default();
    host.now_ms = 1_000_000;
    let contract = host
        .own_and_follow(APP, room.owner.to_bytes(), CODE_HASH, room.state_bytes())
        .expect("requests encode");
    (host, contract)
}

/// The two cases: (unchanged room, room with one member just banned). The delegate
/// followed both rooms before the ban (it published version 0 then).
fn cases() -> ((MemoryHost, [u8; 32]), (MemoryHost, [u8; 32])) {
    let (mut room, members) = populated_room(Privacy::Private, MEMBERS, 100, false);
    let unchanged = delegate_for(&room);
    let (mut banned, contract) = unchanged.clone();
    let owner = room.owner.clone();
    let ban = room.ban(&owner, &member_key(&members[0]));
    room.apply(ban);
    banned.states.insert(contract, room.state_bytes());
    (unchanged, (banned, contract))
}

fn notify(host: &mut MemoryHost, contract: [u8; 32]) -> Vec<Effect> {
    handle_event(host, Event::Notified { contract }).expect("no crash armed")
}

fn rotate_once(banned: &(MemoryHost, [u8; 32])) {
    // A fresh copy each time: the run stores a pending marker.
    let mut host = banned.0.clone();
    let effects = notify(&mut host, banned.1);
    assert!(matches!(effects.as_slice(), [Effect::Update { .. }]));
}

fn unchanged_once(unchanged: &mut (MemoryHost, [u8; 32])) {
    assert!(notify(&mut unchanged.0, unchanged.1).is_empty());
}

fn bench(c: &mut Criterion) {
    let (mut unchanged, banned) = cases();
    let mut group = c.benchmark_group("delegate");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("rotation run, 500 members", |b| {
        b.iter(|| rotate_once(black_box(&banned)))
    });
    group.bench_function("unchanged notification run, 500 members", |b| {
        b.iter(|| unchanged_once(black_box(&mut unchanged)))
    });
    group.finish();
}

/// The floor itself, run: what any rotation for `recipients` must compute.
fn floor_run(recipients: usize) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let point = EdwardsPoint::mul_base_clamped([7u8; 32]);
    for i in 0..recipients {
        let scalar = [i as u8; 32];
        black_box(EdwardsPoint::mul_base_clamped(black_box(scalar)));
        black_box(black_box(point).mul_clamped(black_box(scalar)));
    }
    black_box(key.sign(black_box(b"a batch of leaves, about this long")));
}

fn table() {
    let (mut unchanged, banned) = cases();
    let recipients = MEMBERS; // 499 remaining members + the owner
                              // Floor and case alternate, so a busy machine slows both alike.
    let (mut floors, mut rotations) = (vec![], vec![]);
    for _ in 0..15 {
        floors.push(time(1, || floor_run(recipients)));
        rotations.push(time(1, || rotate_once(&banned)));
    }
    let floor = median(floors).as_secs_f64();
    let rotation = median(rotations).as_secs_f64();
    let quiet = time(101, || unchanged_once(&mut unchanged));
    println!("\n## Delegate benchmarks (native, median, whole notification run)\n");
    println!("| case | floor (ms) | measured (ms) | × floor |");
    println!("|---|---:|---:|---:|");
    println!(
        "| rotation after a ban, 500 members | {:.2} | {:.2} | {:.2} |",
        floor * 1e3,
        rotation * 1e3,
        rotation / floor
    );
    println!(
        "| notification, unchanged membership, 500 members + 100 messages | 0 (no public-key op) | {:.3} | target < 1 ms |",
        quiet.as_secs_f64() * 1e3
    );
}

criterion_group!(benches, bench);

fn main() {
    support::run(benches, table);
}
