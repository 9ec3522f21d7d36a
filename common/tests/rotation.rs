//! The rotation core (rules ROT-1..ROT-5) against real rooms: what it plans, what the
//! room contract makes of it, and who can read the result.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_common::ecies;
use brook_common::kdf::derive_room_secret;
use brook_common::room::config::Privacy;
use brook_common::room::wire;
use brook_common::rotation::{
    plan_rotation, Clock, OwnerKeys, Plan, RotationError, RotationView, SecretsDelta,
};
use brook_common::secret::OwnerSeed;
use brook_common::sign::member_key;
use brook_common::testkit::scenario::{author, base_room, key_pool};
use brook_common::testkit::{signing_key, TestRoom};

fn owner_keys(room: &TestRoom) -> OwnerKeys {
    OwnerKeys {
        signing: room.owner.clone(),
    }
}

/// Apply a planned delta the way the node would: from its encoded bytes.
fn publish(room: &mut TestRoom, delta: &SecretsDelta) {
    let decoded =
        wire::decode_delta(&delta.encode()).expect("the contract decodes a secrets delta");
    assert_eq!(decoded.secret_batches, vec![delta.batch.clone()]);
    assert_eq!(decoded.secret_blobs, delta.blobs);
    let report = room.apply(decoded);
    assert_eq!(
        report.rejected, 0,
        "the contract accepts every record of a planned delta"
    );
}

fn plan(room: &TestRoom, now: u64) -> Plan {
    plan_rotation(
        &RotationView::of(&room.state),
        &owner_keys(room),
        Clock::at(now),
    )
    .expect("plans")
}

fn private_room(members: usize) -> (TestRoom, Vec<ed25519_dalek::SigningKey>) {
    let mut room = TestRoom::new(Privacy::Private);
    let keys = room.add_members(members, false);
    (room, keys)
}

#[test]
fn public_rooms_have_nothing_to_rotate() {
    // rule ROT-1
    let mut room = TestRoom::new(Privacy::Public);
    room.add_members(3, false);
    assert_eq!(plan(&room, 1), Plan::Nothing);
}

#[test]
fn first_version_then_nothing() {
    // rule ROT-2 (no version yet), and a plan already published plans nothing more.
    let (mut room, keys) = private_room(3);
    let Plan::Rotate(v0) = plan(&room, 10) else {
        panic!("expected version 0")
    };
    assert_eq!(v0.batch.body.version, 0);
    publish(&mut room, &v0);
    assert_eq!(room.state.secrets.holders(0).count(), 4);
    assert_eq!(plan(&room, 11), Plan::Nothing);
    let seed = OwnerSeed::from_bytes(room.owner.to_bytes());
    let secret = derive_room_secret(&seed, &room.owner_key(), 0);
    for key in &keys {
        let blob = room.state.secrets.blob_for(&member_key(key), 0).unwrap();
        assert_eq!(
            ecies::unwrap(&key.to_bytes(), &blob.ciphertext).unwrap(),
            secret
        );
    }
}

#[test]
fn ban_forces_a_rotation_the_banned_member_cannot_read() {
    // rule ROT-2: a holder of the current version is no longer a member.
    let (mut room, keys) = private_room(3);
    let Plan::Rotate(v0) = plan(&room, 10) else {
        panic!()
    };
    publish(&mut room, &v0);
    let owner = room.owner.clone();
    let banned = member_key(&keys[2]);
    let ban = room.ban(&owner, &banned);
    room.apply(ban);
    let Plan::Rotate(v1) = plan(&room, 20) else {
        panic!("a departed holder forces rotation")
    };
    assert_eq!(v1.batch.body.version, 1);
    publish(&mut room, &v1);
    let holders: Vec<_> = room.state.secrets.holders(1).copied().collect();
    assert_eq!(holders.len(), 3, "owner and the two remaining members");
    assert!(!holders.contains(&banned));
    let secret = derive_room_secret(
        &OwnerSeed::from_bytes(room.owner.to_bytes()),
        &room.owner_key(),
        1,
    );
    for key in &keys[..2] {
        let blob = room.state.secrets.blob_for(&member_key(key), 1).unwrap();
        assert_eq!(
            ecies::unwrap(&key.to_bytes(), &blob.ciphertext).unwrap(),
            secret
        );
    }
    // The banned member holds no v1 blob and can open none of the others.
    for blob in room.state.secrets.blobs.iter().filter(|b| b.version == 1) {
        assert!(ecies::unwrap(&keys[2].to_bytes(), &blob.ciphertext).is_err());
    }
    assert_eq!(plan(&room, 21), Plan::Nothing);
}

#[test]
fn new_member_is_backfilled_without_rotating() {
    // rule ROT-3
    let (mut room, _) = private_room(2);
    let Plan::Rotate(v0) = plan(&room, 10) else {
        panic!()
    };
    publish(&mut room, &v0);
    let owner = room.owner.clone();
    let newcomer = signing_key("rotation", 9);
    let invite = room.invite(&owner, &newcomer);
    room.apply(invite);
    let Plan::Backfill(fill) = plan(&room, 11) else {
        panic!("expected a back-fill")
    };
    assert_eq!(fill.batch.body.version, 0);
    let recipients: Vec<_> = fill.blobs.iter().map(|b| b.member).collect();
    assert_eq!(
        recipients.len(),
        2,
        "the newcomer and the owner's anchoring leaf"
    );
    assert!(recipients.contains(&member_key(&newcomer)));
    publish(&mut room, &fill);
    assert_eq!(room.state.secrets.current_version(), Some(0));
    assert!(room
        .state
        .secrets
        .blob_for(&member_key(&newcomer), 0)
        .is_some());
    assert_eq!(plan(&room, 12), Plan::Nothing);
    room.validate().expect("valid");
}

#[test]
fn scheduled_rotation_when_the_period_elapses() {
    // rule ROT-2: the policy period since the owner's delegate first saw the current
    // version as current.
    let (mut room, _) = private_room(1);
    let period_ms = room.state.config.body.rotation_period_secs * 1000;
    let Plan::Rotate(v0) = plan(&room, 1_000) else {
        panic!()
    };
    publish(&mut room, &v0);
    let at = |now_ms| {
        let clock = Clock {
            now_ms,
            current_since_ms: Some(1_000),
        };
        plan_rotation(&RotationView::of(&room.state), &owner_keys(&room), clock).unwrap()
    };
    assert_eq!(at(1_000 + period_ms - 1), Plan::Nothing);
    assert!(matches!(at(1_000 + period_ms), Plan::Rotate(d) if d.batch.body.version == 1));
    // With no period running yet, nothing is due, however late it is.
    assert_eq!(plan(&room, u64::MAX), Plan::Nothing);
}

#[test]
fn versions_stop_at_u32_max() {
    // rule ROT-4
    let (mut room, keys) = private_room(2);
    let recipients: Vec<_> = keys.iter().map(member_key).collect();
    let last = room.secret_batch(u32::MAX, &recipients);
    room.apply(last);
    let owner = room.owner.clone();
    let ban = room.ban(&owner, &recipients[0]);
    room.apply(ban);
    let result = plan_rotation(
        &RotationView::of(&room.state),
        &owner_keys(&room),
        Clock::at(5),
    );
    assert_eq!(result, Err(RotationError::VersionsExhausted));
}

#[test]
fn plans_are_deterministic_across_owner_devices() {
    // rule ROT-5: two devices holding the owner key plan byte-identical deltas.
    let (room, _) = private_room(5);
    let device_a = OwnerKeys {
        signing: room.owner.clone(),
    };
    let device_b = OwnerKeys {
        signing: ed25519_dalek::SigningKey::from_bytes(&room.owner.to_bytes()),
    };
    let view = RotationView::of(&room.state);
    let (Plan::Rotate(a), Plan::Rotate(b)) = (
        plan_rotation(&view, &device_a, Clock::at(7)).unwrap(),
        plan_rotation(&view, &device_b, Clock::at(7_000_000)).unwrap(),
    ) else {
        panic!()
    };
    assert_eq!(a.encode(), b.encode());
}

#[test]
fn view_decoded_from_bytes_matches_the_full_decode() {
    for privacy in [Privacy::Public, Privacy::Private] {
        let base = base_room(privacy, 12);
        let mut replica = base.clone();
        let ops: Vec<_> = (0..30u8)
            .map(|i| (i, i.wrapping_mul(5), i.wrapping_mul(11)))
            .collect();
        author(&mut replica, "view", &ops, &mut key_pool());
        for room in [&base, &replica] {
            let decoded = RotationView::decode(&room.state_bytes()).expect("view decodes");
            assert_eq!(decoded, RotationView::of(&room.state));
        }
    }
    assert!(RotationView::decode(b"\x87garbage").is_err());
}

#[test]
fn a_backfill_does_not_depend_on_the_clock() {
    // rule ROT-5: a retried back-fill re-creates the same bytes.
    let (mut room, _) = private_room(2);
    let Plan::Rotate(v0) = plan(&room, 10) else {
        panic!()
    };
    publish(&mut room, &v0);
    let owner = room.owner.clone();
    let invite = room.invite(&owner, &signing_key("rotation", 9));
    room.apply(invite);
    let (Plan::Backfill(early), Plan::Backfill(late)) = (plan(&room, 11), plan(&room, 99_999))
    else {
        panic!("back-fills expected")
    };
    assert_eq!(early, late);
}

#[test]
fn a_ban_takes_the_target_s_whole_subtree_out_of_the_view() {
    // rule MEM-2, as the owner's ban request plans its rotation before the ban lands.
    let mut room = TestRoom::new(Privacy::Private);
    let chain = room.add_members(3, true); // owner → 0 → 1 → 2
    let owner = room.owner.clone();
    let invite = room.invite(&owner, &signing_key("rotation", 7));
    room.apply(invite);
    let view = RotationView::of(&room.state);
    let after = view.without_subtree(&member_key(&chain[1]));
    let mut expected = vec![
        member_key(&chain[0]),
        member_key(&signing_key("rotation", 7)),
    ];
    expected.sort();
    assert_eq!(after.members, expected);
    // What the ban would do to the room, the view predicted.
    let ban = room.ban(&owner, &member_key(&chain[1]));
    room.apply(ban);
    assert_eq!(RotationView::of(&room.state).members, expected);
}

#[test]
fn an_owner_delta_with_a_ban_and_a_batch_decodes_as_a_room_delta() {
    let (mut room, keys) = private_room(2);
    let Plan::Rotate(v0) = plan(&room, 10) else {
        panic!()
    };
    publish(&mut room, &v0);
    let owner = room.owner.clone();
    let ban_delta = room.ban(&owner, &member_key(&keys[0]));
    let ban = ban_delta.bans[0].clone();
    let view = RotationView::of(&room.state).without_subtree(&member_key(&keys[0]));
    let Plan::Rotate(v1) = plan_rotation(&view, &owner_keys(&room), Clock::at(20)).unwrap() else {
        panic!("the ban makes a rotation owed")
    };
    let bytes = brook_common::rotation::encode_owner_delta(Some(&ban), Some(&v1));
    let decoded = wire::decode_delta(&bytes).expect("decodes");
    assert_eq!(
        wire::encode_delta(&decoded).unwrap(),
        bytes,
        "rule CAN-1: the hand-written encoding is the canonical one"
    );
    assert_eq!(decoded.bans, vec![ban]);
    assert_eq!(decoded.secret_batches, vec![v1.batch.clone()]);
    let report = room.apply(decoded);
    assert_eq!(report.rejected, 0);
    assert_eq!(room.state.secrets.current_version(), Some(1));
    assert_eq!(plan(&room, 21), Plan::Nothing, "nothing more is owed");
    let ban_only = brook_common::rotation::encode_owner_delta(Some(&ban_delta.bans[0]), None);
    assert_eq!(
        wire::decode_delta(&ban_only).unwrap().secret_batches,
        vec![]
    );
}

#[test]
fn rule_sec_6_a_rotation_split_in_two_deltas_is_never_lost() {
    use brook_common::room::RoomDelta;
    let (room, _) = private_room(3);
    let Plan::Rotate(v0) = plan(&room, 10) else {
        panic!("version 0 is owed")
    };
    let batch_only = RoomDelta {
        secret_batches: vec![v0.batch.clone()],
        ..RoomDelta::default()
    };
    let blobs_only = RoomDelta {
        secret_blobs: v0.blobs.clone(),
        ..RoomDelta::default()
    };

    // Batch first, then the wrapped secrets: the rotation is whole.
    let mut first = room.clone();
    first.apply(batch_only.clone());
    assert_eq!(
        first.state.secrets.current_version(),
        Some(0),
        "the batch stays"
    );
    first.apply(blobs_only.clone());
    assert_eq!(
        first.state.secrets.blobs, v0.blobs,
        "the late wrapped secrets are taken"
    );

    // Wrapped secrets first (nothing names them yet: dropped), then the batch: the
    // version is current, and the owner's delegate back-fills the very same ciphertexts.
    let mut second = room.clone();
    second.apply(blobs_only);
    assert!(second.state.secrets.blobs.is_empty());
    second.apply(batch_only);
    assert_eq!(second.state.secrets.current_version(), Some(0));
    let Plan::Backfill(fill) = plan(&second, 20) else {
        panic!("the members lacking version 0 are back-filled")
    };
    assert_eq!(fill.blobs, v0.blobs, "the same ciphertexts (rule ROT-5)");
    publish(&mut second, &fill);
    assert_eq!(second.state.secrets.blobs, first.state.secrets.blobs);
    second.validate().expect("a valid state");
    first.validate().expect("a valid state");
}
