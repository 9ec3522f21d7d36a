//! The delegate against another web app on the same node and against hostile room
//! content, natively: each finding of the delegate-hardening review as a test named by
//! the rule that now stops it (ORG-1, ORG-2, ROT-6, PIPE-4, PIPE-6, DEL-1, DEL-3, DEL-4).

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

mod support;

use brook_common::delegate_api::{
    ApiError, ExportAcknowledgement, OpenedSecret, Request, Response, StoredEntry, WrappedForMe,
};
use brook_common::ids::MemberKey;
use brook_common::kdf::derive_room_secret;
use brook_common::protocol::RecordKind;
use brook_common::room::bans::Ban;
use brook_common::room::members::Grant;
use brook_common::room::{wire, RoomParams, Signed};
use brook_common::secret::OwnerSeed;
use brook_common::sign::{member_key, sign_body};
use chat_delegate::events::Event;
use chat_delegate::quota::{MAX_FOLLOWS_PER_ORIGIN, MAX_VALUE_BYTES};
use support::*;

/// Another web app on the node. It sorts below the owner's app (`APP`), so a claim of
/// ownership would win the owner's tie-break if it were believed.
const HOSTILE: [u8; 32] = [0; 32];

fn ban_of(sim: &Sim, target: MemberKey) -> Ban {
    Ban {
        target,
        issuer: sim.room.owner_key(),
    }
}

/// The owner's `BanMember` of `target`, answered with the rotation to `version`.
fn owner_bans(sim: &mut Sim, target: MemberKey, version: u32) {
    let ban = ban_of(sim, target);
    let answer = sim.ask(Request::BanMember {
        room: sim.room.owner_key(),
        ban,
    });
    assert!(
        matches!(answer, Response::Banned { rotated_to: Some(v), .. } if v == version),
        "{answer:?}"
    );
}

fn follower_entry(sim: &Sim, owner_flag: u8) -> StoredEntry {
    // The follower record's layout: layout byte, room, code hash, owner flag.
    let mut value = vec![1];
    value.extend_from_slice(sim.room.owner_key().as_bytes());
    value.extend_from_slice(&CODE_HASH);
    value.push(owner_flag);
    StoredEntry {
        name: [b"f/".as_slice(), &sim.contract[..]].concat(),
        value,
    }
}

#[test]
fn rule_org_1_an_imported_ownership_claim_cannot_stop_the_owner_s_rotation() {
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    // The hostile app holds some identity for the room (not the owner's key) and
    // imports a follower record claiming ownership of the owner's room.
    let created = sim.ask_as(
        HOSTILE,
        Request::CreateIdentity {
            room: Some(sim.room.owner_key()),
        },
    );
    assert!(matches!(created, Response::Identity { .. }));
    let imported = sim.ask_as(
        HOSTILE,
        Request::MigrationImport {
            predecessor: [9; 32],
            entry: follower_entry(&sim, 1),
        },
    );
    assert_eq!(imported, Response::Imported { written: true });

    // The owner's ban still rotates: the claim was not believed.
    let target = member_key(&members[2]);
    owner_bans(&mut sim, target, 1);
    assert_eq!(sim.room.state.secrets.current_version(), Some(1));
    assert!(!sim.holders(1).contains(&target));
    // And a later change still gets the owner's pipeline.
    let newcomer = brook_common::testkit::signing_key("late", 1);
    let owner = sim.room.owner.clone();
    let invite = sim.room.invite(&owner, &newcomer);
    sim.external(invite);
    assert!(
        sim.holders(1).contains(&member_key(&newcomer)),
        "back-filled"
    );
}

#[test]
fn rule_org_1_another_web_app_learns_nothing_of_the_owner_s_pipeline() {
    let (mut sim, members) = Sim::new(2);
    sim.follow();
    sim.refuse = Some("busy".into()); // leave a rotation pending
    let owner = sim.room.owner.clone();
    let ban = sim.room.ban(&owner, &member_key(&members[1]));
    sim.external(ban);
    assert_eq!(sim.status().pending_version, Some(1));
    sim.refuse = None;

    // The hostile app makes itself an identity for the room, follows it, and imports
    // a room-contract entry naming the owner's contract: its status shows nothing of
    // the owner's pipeline, the same as for a room nobody on this node owns.
    let room = sim.room.owner_key();
    sim.ask_as(HOSTILE, Request::CreateIdentity { room: Some(room) });
    let rc = StoredEntry {
        name: [b"rc/".as_slice(), room.as_bytes()].concat(),
        value: CODE_HASH.to_vec(),
    };
    sim.ask_as(
        HOSTILE,
        Request::MigrationImport {
            predecessor: [9; 32],
            entry: rc,
        },
    );
    let followed = sim.ask_as(
        HOSTILE,
        Request::EnsureRoomSubscription {
            room,
            room_contract: CODE_HASH,
        },
    );
    assert!(
        matches!(followed, Response::Subscribed { .. }),
        "{followed:?}"
    );
    let Response::Status(status) = sim.ask_as(HOSTILE, Request::RoomStatus { room }) else {
        panic!("status");
    };
    assert!(!status.owner);
    assert_eq!(
        status.pending_version, None,
        "the owner's marker is not visible"
    );
    assert_eq!(status.last_run, None, "nor the owner's last run");
    // The owner's own status is intact.
    assert_eq!(sim.status().pending_version, Some(1));
}

#[test]
fn rule_org_2_one_web_app_cannot_take_every_subscription_slot() {
    let (mut sim, _) = Sim::new(1);
    let mut subscribed = 0;
    let mut refused = None;
    for n in 0..300u32 {
        let room = MemberKey(*blake3::hash(&n.to_le_bytes()).as_bytes());
        sim.ask_as(HOSTILE, Request::CreateIdentity { room: Some(room) });
        sim.replies.clear();
        sim.deliver(Event::App {
            origin: Some(HOSTILE),
            payload: Request::EnsureRoomSubscription {
                room,
                room_contract: CODE_HASH,
            }
            .encode()
            .unwrap(),
        });
        match sim.replies.as_slice() {
            [Response::Error(e)] => {
                refused.get_or_insert(e.clone());
            }
            _ => subscribed += 1,
        }
    }
    assert_eq!(subscribed, MAX_FOLLOWS_PER_ORIGIN);
    assert!(
        matches!(refused, Some(ApiError::QuotaExceeded { .. })),
        "{refused:?}"
    );
    // The owner still follows its room.
    sim.follow();
    assert_eq!(sim.room.state.secrets.current_version(), Some(0));
}

#[test]
fn rule_org_2_stored_values_are_bounded_per_web_app() {
    let (mut sim, _) = Sim::new(0);
    let too_big = sim.ask_as(
        HOSTILE,
        Request::StorePut {
            key: "big".into(),
            value: vec![0; MAX_VALUE_BYTES + 1],
            expected_generation: 0,
        },
    );
    assert!(
        matches!(too_big, Response::Error(ApiError::QuotaExceeded { .. })),
        "{too_big:?}"
    );
}

/// A room state holding a member no secret can be wrapped for (all zeros, a point of
/// order 4), as a room contract without rule MEM-6 would have let in. Its acceptance is
/// the owner's grant, admitted by a real invitation key; the member's own signature is a
/// stand-in (nobody holds that key's secret), which is fine: the node validated the
/// state, and neither the delegate nor the simulated node checks it again.
fn with_unwrappable_member(sim: &mut Sim) -> MemberKey {
    let bad = MemberKey([0; 32]);
    let room = sim.room.owner_key();
    let owner = sim.room.owner.clone();
    let invite = sim.room.invite_key();
    let grant = Grant {
        inviter: room,
        invite_key: member_key(&invite),
    };
    let grant = Signed::sign(&room, grant, &owner).unwrap();
    let acceptance = brook_common::room::members::admit(&room, grant, &invite, bad).unwrap();
    let record = Signed {
        signature: sign_body(RecordKind::Member, &room, &acceptance, &owner).unwrap(),
        body: acceptance,
    };
    sim.room.state.members.push(record);
    sim.room.state.members.sort_by_key(|m| m.body.member);
    sim.sync_state();
    bad
}

#[test]
fn rule_rot_6_a_member_key_nobody_can_wrap_for_never_blocks_rotation_or_bans() {
    let (mut sim, members) = Sim::new(3);
    let bad = with_unwrappable_member(&mut sim);
    sim.follow();
    // Version 0 went to everyone else, and the run names the key it left out.
    assert_eq!(sim.room.state.secrets.current_version(), Some(0));
    assert_eq!(sim.holders(0).len(), 4, "the owner and three members");
    let last = sim.status().last_run.expect("a report");
    assert_eq!(last.unreachable, vec![bad]);

    // The owner's ban of someone else still goes out with its rotation.
    let target = member_key(&members[0]);
    owner_bans(&mut sim, target, 1);
    assert!(!sim.holders(1).contains(&target));
    assert_eq!(sim.holders(1).len(), 3);
    // Nothing is planned for the bad key on later looks: no back-fill loop.
    let sent = sim.emitted.len();
    sim.wake();
    assert_eq!(sim.emitted.len(), sent);
}

#[test]
fn rule_pipe_4_looks_and_notifications_are_not_attempts() {
    // While a rotation is in flight (the node has not answered yet), every
    // notification re-sends the very bytes and none counts against the marker: the
    // room never holds two different records of one version.
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    let owner = sim.room.owner.clone();
    sim.refuse = Some("in flight".into());
    let ban = sim.room.ban(&owner, &member_key(&members[2]));
    sim.external(ban);
    sim.refuse = None;
    let owed = sim.emitted.last().unwrap().clone();
    // Notifications without any answer: a member posts, many times.
    for _ in 0..3 * chat_delegate::rotation::core::MAX_ATTEMPTS {
        sim.host.now_ms += 1;
        sim.host.states.insert(sim.contract, sim.room.state_bytes());
        sim.host.crash_at = Some(chat_delegate::host::Step::Answered);
        sim.deliver(Event::Notified {
            contract: sim.contract,
        });
    }
    let resent = sim.emitted.iter().filter(|d| **d == owed).count();
    assert!(resent > 1);
    let v1: Vec<_> = sim
        .emitted
        .iter()
        .filter(|d| {
            wire::decode_delta(d)
                .unwrap()
                .secret_batches
                .iter()
                .any(|b| b.body.version == 1)
        })
        .collect();
    assert!(
        v1.iter().all(|d| **d == owed),
        "one set of bytes for version 1"
    );
    assert_eq!(sim.batches_of(1), 1);
}

#[test]
fn rule_pipe_6_a_ban_with_a_rotation_owed_never_sends_the_banned_a_later_secret() {
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    // A rotation to version 1 is owed (the node refuses for now).
    let owed = sim.owe_a_rotation(&members[2]);
    assert!(
        wire::decode_delta(&owed)
            .unwrap()
            .secret_blobs
            .iter()
            .any(|b| b.member == member_key(&members[1])),
        "the owed version 1 wraps for member 1"
    );
    // The owner now bans member 1 while version 1 is owed.
    sim.refuse = None;
    let banned = member_key(&members[1]);
    let start = sim.emitted.len();
    owner_bans(&mut sim, banned, 2);
    for _ in 0..3 {
        sim.wake();
    }
    for delta in &sim.emitted[start..] {
        let delta = wire::decode_delta(delta).unwrap();
        assert!(
            delta.secret_blobs.iter().all(|b| b.member != banned),
            "no delta after the ban wraps a secret for the banned member"
        );
    }
    assert!(
        !sim.emitted[start..].contains(&owed),
        "the owed delta is never re-sent"
    );
    assert_eq!(sim.room.state.secrets.current_version(), Some(2));
    assert!(!sim.holders(2).contains(&banned));
}

#[test]
fn rule_del_1_the_carry_forward_export_needs_the_acknowledgement() {
    let (mut sim, _) = Sim::new(0);
    // The request without its acknowledgement (the old shape: `[11, []]`).
    sim.replies.clear();
    sim.deliver(Event::App {
        origin: Some(APP),
        payload: vec![0x82, 0x0b, 0x80],
    });
    assert!(
        matches!(
            sim.replies.as_slice(),
            [Response::Error(ApiError::MalformedRequest(_))]
        ),
        "{:?}",
        sim.replies
    );
    let answer = sim.ask(Request::MigrationExport {
        acknowledge: ExportAcknowledgement::IUnderstandThisRevealsMySecretKey,
    });
    let Response::Exported { entries } = answer else {
        panic!("{answer:?}");
    };
    assert!(entries.iter().any(|e| e.name.starts_with(b"id/")));
}

#[test]
fn rule_del_3_a_generation_at_its_maximum_is_refused_not_wrapped() {
    let (mut sim, _) = Sim::new(0);
    let mut value = u64::MAX.to_be_bytes().to_vec();
    value.extend_from_slice(b"draft");
    let imported = sim.ask(Request::MigrationImport {
        predecessor: [9; 32],
        entry: StoredEntry {
            name: b"kv/draft".to_vec(),
            value,
        },
    });
    assert_eq!(imported, Response::Imported { written: true });
    let put = sim.ask(Request::StorePut {
        key: "draft".into(),
        value: b"next".to_vec(),
        expected_generation: u64::MAX,
    });
    assert_eq!(put, Response::Error(ApiError::GenerationExhausted));
    let Response::Stored { value: Some(held) } = sim.ask(Request::StoreGet {
        key: "draft".into(),
    }) else {
        panic!("the value is still there");
    };
    assert_eq!((held.generation, held.value), (u64::MAX, b"draft".to_vec()));
}

#[test]
fn rule_del_4_each_web_app_opens_only_the_blobs_of_the_room_state_wrapped_for_it() {
    // The owner's delegate publishes version 0 for everyone; a member's app on the same
    // node (HOSTILE here) holds member 0's identity for the room.
    let (mut sim, members) = Sim::new(2);
    sim.follow();
    let room = sim.room.owner_key();
    let member = member_key(&members[0]);
    let imported = sim.ask_as(
        HOSTILE,
        Request::ImportIdentity {
            room,
            seed: members[0].to_bytes(),
        },
    );
    assert_eq!(imported, Response::Identity { room, key: member });
    let blob_of = |sim: &Sim, key: &MemberKey| WrappedForMe {
        version: 0,
        ciphertext: sim
            .room
            .state
            .secrets
            .blob_for(key, 0)
            .expect("version 0 is wrapped for everyone")
            .ciphertext
            .clone(),
    };
    let (owners, members_blob) = (blob_of(&sim, &room), blob_of(&sim, &member));
    let secret = derive_room_secret(&OwnerSeed::from_bytes(sim.room.owner.to_bytes()), &room, 0);
    let opened = Response::Secrets {
        opened: vec![OpenedSecret {
            version: 0,
            secret: *secret.expose_secret(),
        }],
        unopened: vec![],
    };
    let unopened = Response::Secrets {
        opened: vec![],
        unopened: vec![0],
    };
    let open = |wrapped: &WrappedForMe| Request::OpenSecrets {
        room,
        wrapped: vec![wrapped.clone()],
    };
    assert_eq!(sim.ask(open(&owners)), opened);
    assert_eq!(sim.ask(open(&members_blob)), unopened);
    assert_eq!(sim.ask_as(HOSTILE, open(&members_blob)), opened);
    assert_eq!(sim.ask_as(HOSTILE, open(&owners)), unopened);
    // A web app with no identity in the room opens nothing.
    assert_eq!(
        sim.ask_as([5; 32], open(&owners)),
        Response::Error(ApiError::NoIdentity)
    );
}

#[test]
fn rule_org_1_the_room_contract_is_derived_never_taken_from_an_import() {
    let (mut sim, _) = Sim::new(0);
    sim.follow();
    let params = RoomParams {
        owner: sim.room.owner_key(),
    };
    assert_eq!(params.contract_id(&CODE_HASH), sim.contract);
    // A follower entry whose fields derive another contract is refused.
    let mut entry = follower_entry(&sim, 1);
    entry.name = [b"f/".as_slice(), &[3u8; 32][..]].concat();
    let answer = sim.ask_as(
        HOSTILE,
        Request::MigrationImport {
            predecessor: [9; 32],
            entry,
        },
    );
    assert!(
        matches!(answer, Response::Error(ApiError::BadImport(_))),
        "{answer:?}"
    );
}
