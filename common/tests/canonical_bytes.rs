//! Rules CAN-1 and UPD-1: the room takes only canonical bytes, refuses junk before it
//! costs decoding time or memory, and judges each update of a batch on its own.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use std::time::Instant;

use brook_common::codec;
use brook_common::room::config::Privacy;
use brook_common::room::wire::{self, Update};
use brook_common::room::{RoomError, RoomState};
use brook_common::testkit::TestRoom;

fn room() -> TestRoom {
    let mut room = TestRoom::new(Privacy::Public);
    let keys = room.add_members(3, false);
    let post = room.message(&keys[0], "hello");
    room.apply(post);
    room
}

/// Byte forms of the room's state that decode to the same value (or a value with junk
/// beside it) but are not its canonical encoding.
fn variants(state: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    // The state is a CBOR array; its upgrade pointer (last) is absent, so left out.
    let items = state[0] - 0x80;
    assert!(items < 23, "a short array head");
    let body = &state[1..];
    let with_head = |head: &[u8], tail: &[u8]| [head, body, tail].concat();
    let mut junk = vec![0x5a, 0x00, 0x10, 0x00, 0x00]; // a 1 MiB byte string
    junk.extend(std::iter::repeat_n(0xab, 1 << 20));
    vec![
        (
            "an unknown trailing field of 1 MiB",
            with_head(&[0x80 + items + 2], &[&[0xf6][..], &junk].concat()),
        ),
        ("an explicit null", with_head(&[0x80 + items + 1], &[0xf6])),
        ("an indefinite-length array", with_head(&[0x9f], &[0xff])),
        ("a non-minimal length", with_head(&[0x98, items], &[])),
    ]
}

#[test]
fn rule_can_1_a_state_that_is_not_its_canonical_encoding_is_refused() {
    let room = room();
    let params = room.params_bytes();
    let state = room.state_bytes();
    wire::validate(&params, &state).expect("the canonical bytes validate");
    for (what, bytes) in variants(&state) {
        let refused = wire::validate(&params, &bytes);
        assert!(
            matches!(
                refused,
                Err(RoomError::NotCanonical(_) | RoomError::MalformedInput { .. })
            ),
            "{what}: {refused:?}"
        );
    }
    // The explicit null really is the same state in another byte form.
    let (_, null_form) = &variants(&state)[1];
    let lenient: RoomState = codec::from_slice(null_form, 1 << 24).expect("decodes leniently");
    assert_eq!(lenient, room.state);
}

#[test]
fn rule_can_1_deep_nesting_is_refused_before_any_decoding() {
    let room = room();
    // 16 MiB of arrays inside arrays: refused at the first level past the limit.
    let nested = vec![0x81u8; 16 * 1024 * 1024 - 1];
    let started = Instant::now();
    let refused = wire::validate(&room.params_bytes(), &nested);
    assert!(
        matches!(refused, Err(RoomError::MalformedInput { .. })),
        "{refused:?}"
    );
    assert!(
        codec::check_shape(&[0x81; codec::MAX_DEPTH]).is_err(),
        "unterminated"
    );
    let mut at_limit = vec![0x81; codec::MAX_DEPTH];
    at_limit.push(0x00);
    assert!(
        codec::check_shape(&at_limit).is_ok(),
        "exactly MAX_DEPTH deep"
    );
    let mut past = vec![0x81; codec::MAX_DEPTH + 1];
    past.push(0x00);
    assert!(codec::check_shape(&past).is_err(), "one level deeper");
    eprintln!("16 MiB of nesting refused in {:?}", started.elapsed());
}

#[test]
fn rule_can_1_a_non_canonical_delta_is_refused() {
    let mut room = room();
    let keys = room.add_members(1, false);
    let delta = room.message(&keys[0], "new");
    let bytes = wire::encode_delta(&delta).unwrap();
    assert!(wire::decode_delta(&bytes).is_ok());
    let items = bytes[0] - 0x80;
    let explicit_null = [&[0x80 + items + 1][..], &bytes[1..], &[0xf6]].concat();
    assert!(
        matches!(
            wire::decode_delta(&explicit_null),
            Err(RoomError::NotCanonical(_))
        ),
        "an explicit trailing null"
    );
    let mut non_minimal = vec![0x98, items];
    non_minimal.extend_from_slice(&bytes[1..]);
    assert!(
        wire::decode_delta(&non_minimal).is_err(),
        "a non-minimal head"
    );
}

#[test]
fn rule_upd_1_each_update_of_a_batch_stands_alone() {
    let mut room = room();
    let params = room.params_bytes();
    let state = room.state_bytes();
    let keys = room.add_members(1, false);
    let good = wire::encode_delta(&room.message(&keys[0], "kept")).unwrap();
    // One valid update beside two that do not decode: the valid one applies.
    let junk = [0xffu8, 0x00];
    let (next, report) = wire::update(
        &params,
        &state,
        &[
            Update::Delta(&junk),
            Update::Delta(&good),
            Update::State(&junk),
        ],
    )
    .expect("the batch applies what decodes");
    assert_eq!(report.rejected, 2);
    let next: RoomState = codec::from_slice(&next, 1 << 24).unwrap();
    assert!(next.messages.len() > room_messages(&state));
    // A batch in which nothing decodes is an error the sender hears.
    assert!(wire::update(&params, &state, &[Update::Delta(&junk)]).is_err());
}

fn room_messages(state: &[u8]) -> usize {
    let state: RoomState = codec::from_slice(state, 1 << 24).unwrap();
    state.messages.len()
}
