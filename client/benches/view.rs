//! The client core's view model: building the view of a private 500-member room with
//! 500 messages from its state bytes (decode, open every message and nickname), and
//! updating that view after a one-message notification (a new state, or a delta),
//! with the cache of what was already opened. Targets (docs/design.md §12): ≤ 25 ms and
//! ≤ 5 ms natively.
//!
//! `cargo make bench` runs criterion for each case, then prints a markdown table of
//! medians.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use brook_client::keyring::Keyring;
use brook_client::view::{build, ViewCache};
use brook_common::ecies;
use brook_common::room::config::Privacy;
use brook_common::room::wire;
use brook_common::room::{RoomState, VerifiedState};
use brook_common::sign::member_key;
use brook_common::testkit::{populated_room, TestRoom};
use criterion::Criterion;
use ed25519_dalek::SigningKey;

struct Fixture {
    room: TestRoom,
    reader: SigningKey,
    keyring: Keyring,
    state: Vec<u8>,
    /// The state after one more message, and the delta that carried it.
    next_state: Vec<u8>,
    next_delta: Vec<u8>,
}

fn fixture() -> Fixture {
    let (mut room, keys) = populated_room(Privacy::Private, 500, 500, false);
    let reader = keys[7].clone();
    // Nicknames for everyone, sealed like messages.
    let mut delta = brook_common::room::RoomDelta::default();
    for (i, k) in keys.iter().enumerate() {
        delta
            .member_info
            .extend(room.nickname(k, 1, &format!("member {i}")).member_info);
    }
    room.apply(delta);
    let mut keyring = Keyring::new();
    let me = member_key(&reader);
    for blob in room.state.secrets.blobs.iter().filter(|b| b.member == me) {
        keyring.insert(
            blob.version,
            ecies::unwrap(&reader.to_bytes(), &blob.ciphertext).expect("opens"),
        );
    }
    let state = room.state_bytes();
    let author = keys[3].clone();
    let one = room.message(&author, "one more message");
    let next_delta = wire::encode_delta(&one).expect("encodes");
    room.apply(one);
    let next_state = room.state_bytes();
    Fixture {
        room,
        reader,
        keyring,
        state,
        next_state,
        next_delta,
    }
}

fn view_from_bytes(f: &Fixture, bytes: &[u8], cache: &mut ViewCache) -> usize {
    let state = wire::decode_state(bytes).expect("decodes");
    let me = member_key(&f.reader);
    let view = build(&f.room.owner_key(), &state, Some(&me), &f.keyring, cache);
    view.messages.len()
}

/// The notification carries a delta: apply it to the held state, then view.
fn view_after_delta(f: &Fixture, held: &RoomState, cache: &mut ViewCache) -> usize {
    let delta = wire::decode_delta(&f.next_delta).expect("decodes");
    let next = VerifiedState::trust_node_validated(&f.room.params, held.clone())
        .apply(delta)
        .0
        .into_state();
    let me = member_key(&f.reader);
    build(&f.room.owner_key(), &next, Some(&me), &f.keyring, cache)
        .messages
        .len()
}

fn warm_cache(f: &Fixture) -> ViewCache {
    let mut cache = ViewCache::new();
    view_from_bytes(f, &f.state, &mut cache);
    cache
}

fn median(mut run: impl FnMut() -> Duration, n: usize) -> Duration {
    run();
    let mut samples: Vec<Duration> = (0..n).map(|_| run()).collect();
    samples.sort();
    samples[n / 2]
}

fn main() {
    let f = fixture();
    let held = wire::decode_state(&f.state).expect("decodes");
    assert_eq!(view_from_bytes(&f, &f.state, &mut ViewCache::new()), 500);

    if !std::env::args().any(|a| a == "--table-only") {
        let mut c = Criterion::default()
            .configure_from_args()
            .sample_size(20)
            .measurement_time(Duration::from_secs(3));
        c.bench_function("view/private-500m-500msg/build", |b| {
            b.iter(|| view_from_bytes(&f, black_box(&f.state), &mut ViewCache::new()))
        });
        c.bench_function("view/private-500m-500msg/update-state", |b| {
            b.iter_batched(
                || warm_cache(&f),
                |mut cache| view_from_bytes(&f, black_box(&f.next_state), &mut cache),
                criterion::BatchSize::LargeInput,
            )
        });
        c.bench_function("view/private-500m-500msg/update-delta", |b| {
            b.iter_batched(
                || warm_cache(&f),
                |mut cache| view_after_delta(&f, &held, &mut cache),
                criterion::BatchSize::LargeInput,
            )
        });
        c.final_summary();
    }

    let build_ms = median(
        || {
            let start = Instant::now();
            view_from_bytes(&f, &f.state, &mut ViewCache::new());
            start.elapsed()
        },
        21,
    );
    let update_state_ms = median(
        || {
            let mut cache = warm_cache(&f);
            let start = Instant::now();
            view_from_bytes(&f, &f.next_state, &mut cache);
            start.elapsed()
        },
        21,
    );
    let update_delta_ms = median(
        || {
            let mut cache = warm_cache(&f);
            let start = Instant::now();
            view_after_delta(&f, &held, &mut cache);
            start.elapsed()
        },
        21,
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!();
    println!("| client view, private room, 500 members, 500 messages | median | target |");
    println!("|---|---:|---:|");
    println!(
        "| build from state bytes (decode, open every message and nickname) | {:.1} ms | ≤ 25 ms |",
        ms(build_ms)
    );
    println!(
        "| update after a one-message notification (new state) | {:.2} ms | ≤ 5 ms |",
        ms(update_state_ms)
    );
    println!(
        "| update after a one-message notification (delta) | {:.2} ms | ≤ 5 ms |",
        ms(update_delta_ms)
    );
}
