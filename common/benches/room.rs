//! Room benchmarks: each case next to its crypto floor (signatures in the state × one
//! ed25519 `verify_strict` with a decompressed key), measured in the same run.
//!
//! `cargo make bench` runs criterion for every case, then prints a markdown table of
//! medians and ratios to the floor.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use std::hint::black_box;
mod support;
#[path = "support/worst_case.rs"]
mod worst_case;

use std::time::Duration;

use support::time;

use brook_common::room::config::Privacy;
use brook_common::room::wire::{self, Update};
use brook_common::testkit::{populated_room, signing_key, TestRoom};
use criterion::{criterion_group, Criterion};
use ed25519_dalek::{Signer, SigningKey};

struct Case {
    name: String,
    params: Vec<u8>,
    state: Vec<u8>,
    /// A one-message delta, for the update cases.
    delta: Option<Vec<u8>>,
    signatures: usize,
}

fn one_message_delta(room: &mut TestRoom) -> Vec<u8> {
    let author = room.owner.clone();
    let delta = room.message(&author, "one more message");
    wire::encode_delta(&delta).expect("delta encodes")
}

fn case(
    name: &str,
    privacy: Privacy,
    members: usize,
    messages: usize,
    chain: bool,
    update: bool,
) -> Case {
    let (mut room, _) = populated_room(privacy, members, messages, chain);
    let delta = update.then(|| one_message_delta(&mut room));
    Case {
        name: name.to_string(),
        params: room.params_bytes(),
        state: room.state_bytes(),
        delta,
        signatures: room.state.signature_count() + usize::from(update),
    }
}

/// Rule VER-1's worst case: 20,000 validly signed messages by keys nobody invited, all
/// dropped before any signature is checked; what remains is validating the state.
fn outsider_case(name: &str) -> Case {
    let (mut room, _) = populated_room(Privacy::Private, 200, 500, false);
    let flood = room.outsider_flood(20_000);
    Case {
        name: name.to_string(),
        params: room.params_bytes(),
        state: room.state_bytes(),
        delta: Some(wire::encode_delta(&flood).expect("delta encodes")),
        signatures: room.state.signature_count(),
    }
}

/// The most expensive state one member can build within the rules ([`worst_case`]);
/// with `update`, one more message of the largest size arrives (the window stays full).
fn worst_case_case(name: &str, update: bool) -> Case {
    let (mut room, members) = worst_case::worst_case_room(signing_key("owner", 0));
    let delta = update.then(|| {
        let author = members.last().expect("members").clone();
        let delta = worst_case::one_more_message(&mut room, &author);
        wire::encode_delta(&delta).expect("delta encodes")
    });
    Case {
        name: name.to_string(),
        params: room.params_bytes(),
        state: room.state_bytes(),
        delta,
        signatures: room.state.signature_count() + usize::from(update),
    }
}

type Build = Box<dyn Fn(&str) -> Case>;

fn populated(
    privacy: Privacy,
    members: usize,
    messages: usize,
    chain: bool,
    update: bool,
) -> Build {
    Box::new(move |name| case(name, privacy, members, messages, chain, update))
}

/// Every case's name and builder, in table order.
fn specs() -> Vec<(String, Build)> {
    vec![
        (
            "validate: private, 50 members, 500 messages".into(),
            populated(Privacy::Private, 50, 500, false, false),
        ),
        (
            "validate: private, 200 members, 500 messages".into(),
            populated(Privacy::Private, 200, 500, false, false),
        ),
        (
            "validate: private, 500 members, 500 messages".into(),
            populated(Privacy::Private, 500, 500, false, false),
        ),
        (
            "update+validate one message: private, 200 members, 500 messages".into(),
            populated(Privacy::Private, 200, 500, false, true),
        ),
        (
            "update+validate, an outsider's delta of 20,000 messages: private, 200 members, 500 messages".into(),
            Box::new(outsider_case),
        ),
        (
            "validate: public, 200-deep invitation chain".into(),
            populated(Privacy::Public, 200, 0, true, false),
        ),
        (
            "validate: public, 500-deep invitation chain".into(),
            populated(Privacy::Public, 500, 0, true, false),
        ),
        (
            format!("validate: {}", worst_case::SHAPE),
            Box::new(|name| worst_case_case(name, false)),
        ),
        (
            format!(
                "update+validate one 4096-byte message: {}",
                worst_case::SHAPE
            ),
            Box::new(|name| worst_case_case(name, true)),
        ),
    ]
}

/// The cases whose name contains the command line's filter (`cargo bench --bench room --
/// <filter>`, as criterion reads it), all without one. Only those are built.
fn cases() -> Vec<Case> {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    specs()
        .into_iter()
        .filter(|(name, _)| filter.as_deref().is_none_or(|f| name.contains(f)))
        .map(|(name, build)| build(&name))
        .collect()
}

fn run(case: &Case) {
    match &case.delta {
        None => wire::validate(&case.params, &case.state).expect("valid"),
        Some(delta) => {
            let (next, _) =
                wire::update(&case.params, &case.state, &[Update::Delta(delta)]).expect("update");
            wire::validate(&case.params, &next).expect("valid");
        }
    }
}

struct Floor {
    key: ed25519_dalek::VerifyingKey,
    message: Vec<u8>,
    signature: ed25519_dalek::Signature,
}

fn floor() -> Floor {
    let key = SigningKey::from_bytes(&[7; 32]);
    let message = vec![0x5a; 200]; // about one record's signing input
    let signature = key.sign(&message);
    Floor {
        key: key.verifying_key(),
        message,
        signature,
    }
}

fn bench(c: &mut Criterion) {
    let f = floor();
    c.bench_function("floor: one ed25519 verify_strict", |b| {
        b.iter(|| {
            f.key
                .verify_strict(black_box(&f.message), black_box(&f.signature))
                .expect("verifies")
        })
    });
    let mut group = c.benchmark_group("room");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for case in cases() {
        group.bench_function(&case.name, |b| b.iter(|| run(black_box(&case))));
    }
    group.finish();
}

fn table() {
    let f = floor();
    let verify = time(2001, || {
        f.key
            .verify_strict(black_box(&f.message), black_box(&f.signature))
            .expect("verifies")
    });
    println!("\n## Room benchmarks (native, median)\n");
    println!(
        "one ed25519 verify_strict: {:.1} µs\n",
        verify.as_secs_f64() * 1e6
    );
    println!("| case | state (KB) | signatures | floor (ms) | measured (ms) | × floor |");
    println!("|---|---:|---:|---:|---:|---:|");
    for case in cases() {
        let measured = time(11, || run(&case));
        let floor = verify.as_secs_f64() * case.signatures as f64;
        println!(
            "| {} | {:.1} | {} | {:.2} | {:.2} | {:.2} |",
            case.name,
            case.state.len() as f64 / 1e3,
            case.signatures,
            floor * 1e3,
            measured.as_secs_f64() * 1e3,
            measured.as_secs_f64() / floor
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    support::run(benches, table);
}
