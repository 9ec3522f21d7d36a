//! The rotation pipeline natively, against a node simulated in memory: the delegate's
//! effects are performed on a real room state (the contract's own apply), the node's
//! answers and notifications are fed back, and crashes are injected at every step.
//! The same flows run in the real node in `e2e/tests/rotation_node.rs`.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_common::delegate_api::{ApiError, Request, Response, RunOutcome};
use brook_common::ecies;
use brook_common::ids::MemberKey;
use brook_common::room::bans::Ban;
use brook_common::room::config::Privacy;
use brook_common::room::{wire, RoomDelta};
use brook_common::rotation::{
    encode_owner_delta, plan_rotation, Clock, OwnerKeys, Plan, RotationView,
};
use brook_common::sign::member_key;
use brook_common::testkit::signing_key;
use chat_delegate::effects::Flow;
use chat_delegate::events::Event;
use chat_delegate::host::Step;
use chat_delegate::sim::MemoryHost;
use ed25519_dalek::SigningKey;

mod support;
use support::*;

#[test]
fn following_a_new_private_room_publishes_version_zero_for_everyone() {
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    let mut everyone = keys_of(&members);
    everyone.push(sim.room.owner_key());
    assert_eq!(sim.holders(0), sorted(everyone));
    assert_eq!(sim.batches_of(0), 1);
    // Every member can unwrap version 0.
    for key in &members {
        let blob = sim
            .room
            .state
            .secrets
            .blob_for(&member_key(key), 0)
            .unwrap();
        assert!(ecies::unwrap(&key.to_bytes(), &blob.ciphertext).is_ok());
    }
}

/// Member 0 invites member 3; member 0 bans member 3 (a member's authority, not the
/// owner's): the delegate alone rotates away from member 3.
#[test]
fn a_ban_by_a_member_makes_the_owner_delegate_rotate() {
    let (mut sim, members) = Sim::new(2);
    let outsider = signing_key("invitee", 3);
    let invite = sim.room.invite(&members[0], &outsider);
    sim.room.apply(invite);
    sim.sync_state();
    sim.follow();
    assert_eq!(sim.holders(0).len(), 4);

    let ban = sim.room.ban(&members[0], &member_key(&outsider));
    sim.external(ban);
    assert_eq!(sim.batches_of(1), 1);
    let mut expected = keys_of(&members);
    expected.push(sim.room.owner_key());
    assert_eq!(sim.holders(1), sorted(expected));
    let banned_blob = sim.room.state.secrets.blob_for(&member_key(&outsider), 1);
    assert!(banned_blob.is_none(), "the banned member gets no v1");
    sim.room
        .validate()
        .expect("the contract accepts the result");
}

#[test]
fn a_newcomer_is_back_filled_without_rotating() {
    let (mut sim, _) = Sim::new(2);
    sim.follow();
    let newcomer = signing_key("newcomer", 9);
    let owner = sim.room.owner.clone();
    let invite = sim.room.invite(&owner, &newcomer);
    sim.external(invite);
    assert_eq!(sim.room.state.secrets.current_version(), Some(0));
    assert!(sim.holders(0).contains(&member_key(&newcomer)));
    let Response::Status(status) = sim.ask(Request::RoomStatus {
        room: sim.room.owner_key(),
    }) else {
        panic!("status")
    };
    assert_eq!(
        status.last_run.map(|r| r.outcome),
        Some(RunOutcome::UpToDate)
    );
}

#[test]
fn a_notification_with_nothing_owed_publishes_nothing() {
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    let before = sim.emitted.len();
    let message = sim.room.message(&members[1], "hello");
    sim.external(message);
    assert_eq!(sim.emitted.len(), before, "nothing new was published");
}

/// Story 3's law, for every crash point: whatever step the run after `act` (a ban or a
/// leave of the third member, or the owner's rotate-now) dies at, the rotation lands
/// exactly once, with exactly one record of version 1, re-emitted byte for byte, and
/// nothing left owed. `act` returns who must not hold version 1. A crash of the owner's
/// request loses its answer, so the owner retries it (`retry`) when, after the next
/// prompts, the room holds no new version and none is owed: the crash left nothing
/// underway.
fn crash_at_any_step_rotates_once(
    act: fn(&mut Sim, &SigningKey) -> Option<MemberKey>,
    retry: Option<fn(&mut Sim) -> Response>,
) {
    for step in Step::ALL {
        let (mut sim, members) = Sim::new(3);
        sim.follow();
        sim.host.crash_at = Some(step);
        let gone = act(&mut sim, &members[2]);
        assert_eq!(sim.host.crash_at, None, "{step:?}: the crash fired");
        // Time passes; the next prompt (another change, a wake-up, a node start).
        sim.host.now_ms += 60_000;
        sim.deliver(Event::NodeStarted);
        let message = sim.room.message(&members[0], "still here");
        sim.external(message);
        if let Some(retry) = retry {
            let underway = sim.room.state.secrets.current_version() == Some(1)
                || sim.status().pending_version.is_some();
            if !underway {
                assert_eq!(
                    retry(&mut sim),
                    Response::Rotated { version: 1 },
                    "{step:?}"
                );
            }
        }
        assert_eq!(sim.batches_of(1), 1, "{step:?}: one v1 record");
        assert_eq!(
            sim.room.state.secrets.current_version(),
            Some(1),
            "{step:?}"
        );
        let mut everyone = keys_of(&members);
        everyone.push(sim.room.owner_key());
        everyone.retain(|m| Some(*m) != gone);
        assert_eq!(sim.holders(1), sorted(everyone), "{step:?}");
        let v1: Vec<&Vec<u8>> = sim
            .emitted
            .iter()
            .filter(|d| {
                wire::decode_delta(d)
                    .map(|d| d.secret_batches.iter().any(|b| b.body.version == 1))
                    .unwrap_or(false)
            })
            .collect();
        assert!(
            v1.windows(2).all(|w| w[0] == w[1]),
            "{step:?}: v1 re-emitted byte for byte"
        );
        assert_eq!(
            sim.status().pending_version,
            None,
            "{step:?}: nothing left owed"
        );
    }
}

#[test]
fn a_crash_at_any_step_never_loses_the_rotation_nor_doubles_it() {
    crash_at_any_step_rotates_once(
        |sim, member| {
            let owner = sim.room.owner.clone();
            let ban = sim.room.ban(&owner, &member_key(member));
            sim.external(ban);
            Some(member_key(member))
        },
        None,
    );
}

/// Story 4: the owner's ban is one delta that bans and rotates; the notification it
/// causes publishes nothing more.
#[test]
fn the_owner_ban_is_one_delta_and_nothing_follows() {
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    let before = sim.emitted.len();
    let target = member_key(&members[1]);
    let ban = Ban {
        target,
        issuer: sim.room.owner_key(),
    };
    let answer = sim.ask(Request::BanMember {
        room: sim.room.owner_key(),
        ban,
    });
    let Response::Banned { delta, rotated_to } = answer else {
        panic!("banned, got {answer:?}")
    };
    assert_eq!(rotated_to, Some(1));
    assert_eq!(sim.emitted.len(), before + 1, "exactly one delta");
    assert_eq!(sim.emitted[before], delta);
    let decoded = wire::decode_delta(&delta).unwrap();
    assert_eq!(decoded.bans.len(), 1);
    assert_eq!(decoded.secret_batches.len(), 1);
    assert!(sim.room.state.bans.iter().any(|b| b.body.target == target));
    assert!(!sim.holders(1).contains(&target));
    assert_eq!(sim.holders(1).len(), 3);
    // A later notification-driven run: nothing new.
    sim.deliver(Event::Notified {
        contract: sim.contract,
    });
    assert_eq!(sim.emitted.len(), before + 1);
}

#[test]
fn only_the_owner_bans_through_the_delegate() {
    let (mut sim, members) = Sim::new(2);
    sim.follow();
    let ban = Ban {
        target: member_key(&members[0]),
        issuer: member_key(&members[1]),
    };
    let answer = sim.ask(Request::BanMember {
        room: sim.room.owner_key(),
        ban,
    });
    assert!(matches!(answer, Response::Error(ApiError::BadBan(_))));
    let unfollowed = sim.ask(Request::BanMember {
        room: MemberKey([9; 32]),
        ban: Ban {
            target: member_key(&members[0]),
            issuer: MemberKey([9; 32]),
        },
    });
    assert_eq!(unfollowed, Response::Error(ApiError::NotSubscribed));
}

#[test]
fn node_driven_events_need_no_origin_but_app_requests_do() {
    let (mut sim, _) = Sim::new(1);
    sim.replies.clear();
    sim.deliver(Event::App {
        origin: None,
        payload: Request::ListRooms.encode().unwrap(),
    });
    assert_eq!(sim.replies, vec![Response::Error(ApiError::NotAWebApp)]);
}

#[test]
fn a_member_s_delegate_follows_but_never_publishes() {
    let (mut sim, members) = Sim::new(2);
    // This delegate holds a member's key for the room, not the owner's.
    let owner = sim.room.owner_key();
    let mut member = MemoryHost::default();
    std::mem::swap(&mut sim.host, &mut member);
    sim.sync_state();
    let imported = sim.ask(Request::ImportIdentity {
        room: owner,
        seed: members[0].to_bytes(),
    });
    assert!(matches!(imported, Response::Identity { .. }));
    sim.follow();
    let ban = sim.room.ban(&members[0], &member_key(&members[1]));
    sim.external(ban);
    sim.deliver(Event::NodeStarted);
    assert!(
        sim.emitted.is_empty(),
        "only the owner's delegate publishes"
    );
    let Response::Status(status) = sim.ask(Request::RoomStatus { room: owner }) else {
        panic!("status")
    };
    assert!(!status.owner);
}

#[test]
fn another_web_app_can_neither_ban_nor_rotate_nor_follow_nor_read_the_owner_s_room() {
    let (mut sim, members) = Sim::new(2);
    sim.follow();
    let owner = sim.room.owner_key();
    let intruder = [2u8; 32];
    let ban = Ban {
        target: member_key(&members[0]),
        issuer: owner,
    };
    // rule PIPE-7: nor rotate its secret.
    for request in [
        Request::BanMember { room: owner, ban },
        Request::RotateNow { room: owner },
        Request::RoomStatus { room: owner },
        Request::EnsureRoomSubscription {
            room: owner,
            room_contract: CODE_HASH,
        },
    ] {
        sim.replies.clear();
        sim.deliver(Event::App {
            origin: Some(intruder),
            payload: request.encode().unwrap(),
        });
        let [Response::Error(error)] = sim.replies.as_slice() else {
            panic!("refused: {:?}", sim.replies)
        };
        assert!(
            matches!(error, ApiError::NoIdentity | ApiError::NotSubscribed),
            "{error:?}"
        );
    }
    assert_eq!(sim.room.state.bans.len(), 0);
}

/// An answer is forgeable (a web app can send the delegate any inbound message): a
/// forged refusal of an owner's ban never clears a rotation still owed.
#[test]
fn a_forged_refusal_does_not_drop_an_owed_rotation() {
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    sim.host.crash_at = Some(Step::Marked);
    let owner = sim.room.owner.clone();
    let ban = sim.room.ban(&owner, &member_key(&members[2]));
    sim.external(ban);
    let forged = chat_delegate::effects::Flow::Ban {
        origin: APP,
        delta: vec![1, 2, 3],
        rotated_to: Some(1),
    };
    sim.deliver(Event::Updated {
        contract: sim.contract,
        result: Err("forged".into()),
        context: forged.encode(),
    });
    let Response::Status(status) = sim.ask(Request::RoomStatus {
        room: sim.room.owner_key(),
    }) else {
        panic!("status")
    };
    assert_eq!(status.pending_version, Some(1), "the owed rotation stays");
}

/// The version of the one secret batch `delta` carries.
fn batch_version(delta: &[u8]) -> u32 {
    let decoded = wire::decode_delta(delta).expect("delta decodes");
    assert_eq!(decoded.secret_batches.len(), 1);
    decoded.secret_batches[0].body.version
}

#[test]
fn pipe_1_a_run_reads_the_state_this_node_holds() {
    // rule PIPE-1: a notification is only a prompt to look; what a run decides from is
    // the state the node holds (and the room contract validated) when it looks.
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    let before = sim.emitted.len();
    // Prompts while the node's state is unchanged, say announcing a ban it does not
    // hold: nothing is published, and each run read the node's state.
    for event in [
        Event::Notified {
            contract: sim.contract,
        },
        Event::Wakeup,
        Event::NodeStarted,
    ] {
        sim.deliver(event);
        assert_eq!(sim.emitted.len(), before, "nothing is owed");
        let run = sim.status().last_run.expect("a run");
        assert_eq!(
            run.state_hash,
            *blake3::hash(&sim.room.state_bytes()).as_bytes()
        );
        assert_eq!(run.outcome, RunOutcome::UpToDate);
    }
    // The node's state gains a ban and no notification comes: the next look sees it.
    let owner = sim.room.owner.clone();
    let ban = sim.room.ban(&owner, &member_key(&members[2]));
    sim.room.apply(ban);
    sim.sync_state();
    sim.wake();
    assert_eq!(sim.emitted.len(), before + 1);
    assert_eq!(batch_version(&sim.emitted[before]), 1);
    assert!(!sim.holders(1).contains(&member_key(&members[2])));
    // With no state held for the room, a prompt publishes nothing.
    sim.host.states.clear();
    sim.deliver(Event::Notified {
        contract: sim.contract,
    });
    assert_eq!(sim.emitted.len(), before + 1);
}

#[test]
fn pipe_2_a_refused_rotation_is_re_emitted_byte_for_byte_until_it_lands() {
    // rule PIPE-2: the rotation is stored as a marker before it leaves, and while the
    // room does not hold its version every run sends those very bytes again, never a
    // second record of the same version (a fresh plan now would date it differently).
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    sim.refuse = Some("the node is busy".into());
    let owner = sim.room.owner.clone();
    let ban = sim.room.ban(&owner, &member_key(&members[2]));
    let first = sim.emitted.len();
    sim.external(ban);
    assert_eq!(sim.emitted.len(), first + 1);
    assert_eq!(batch_version(&sim.emitted[first]), 1);
    assert!(
        sim.marked[first],
        "the marker held the bytes before they left"
    );
    assert_eq!(sim.status().pending_version, Some(1));
    for _ in 0..3 {
        sim.wake();
    }
    let sent = sim.emitted[first..].to_vec();
    assert_eq!(sent.len(), 4, "one emission per run");
    assert!(
        sent.iter().all(|d| *d == sent[0]),
        "re-emitted byte for byte"
    );
    assert!(sim.marked[first..].iter().all(|m| *m));
    assert_eq!(sim.batches_of(1), 0);

    // Accepted at last: the room holds that record, and nothing more is sent.
    sim.refuse = None;
    sim.wake();
    assert_eq!(sim.emitted.last(), Some(&sent[0]));
    assert_eq!(sim.batches_of(1), 1);
    assert_eq!(sim.status().pending_version, None);
    let count = sim.emitted.len();
    sim.wake();
    assert_eq!(sim.emitted.len(), count);
}

#[test]
fn pipe_3_only_a_state_holding_the_version_clears_the_marker() {
    // rule PIPE-3: the node's answer is forgeable (any web app can send the delegate an
    // inbound message), so a success answer for an update the room never took clears
    // nothing; the state holding the version does, with or without an answer.
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    sim.refuse = Some("refused".into());
    let owner = sim.room.owner.clone();
    let ban = sim.room.ban(&owner, &member_key(&members[2]));
    sim.external(ban);
    let delta = sim.emitted.last().expect("the rotation was sent").clone();
    assert_eq!(sim.status().pending_version, Some(1));
    for forged in [
        Flow::Publish,
        Flow::Ban {
            origin: APP,
            delta: delta.clone(),
            rotated_to: Some(1),
        },
        Flow::RotateNow {
            origin: APP,
            delta: delta.clone(),
            version: 1,
        },
    ] {
        sim.deliver(Event::Updated {
            contract: sim.contract,
            result: Ok(()),
            context: forged.encode(),
        });
        assert_eq!(
            sim.status().pending_version,
            Some(1),
            "{forged:?}: a success the state does not show clears nothing"
        );
    }
    let count = sim.emitted.len();
    sim.wake();
    assert_eq!(sim.emitted.len(), count + 1);
    assert_eq!(sim.emitted[count], delta, "still owed, still sent");

    // The delta reaches the room another way (the answer is lost): the state holding
    // version 1 clears the marker, and nothing more is sent.
    sim.refuse = None;
    let count = sim.emitted.len();
    sim.external(wire::decode_delta(&delta).expect("delta decodes"));
    assert_eq!(sim.room.state.secrets.current_version(), Some(1));
    assert_eq!(sim.status().pending_version, None);
    sim.wake();
    assert_eq!(sim.emitted.len(), count);
}

#[test]
fn pipe_4_a_rotation_the_room_keeps_refusing_is_planned_afresh_at_a_new_version() {
    // rule PIPE-4: a marker the node refused MAX_ATTEMPTS times is dropped and a
    // rotation planned again, so a delta the room refuses is not sent forever, and the
    // new plan takes a new version: a version is never signed with two sets of bytes.
    const MAX_ATTEMPTS: usize = chat_delegate::rotation::core::MAX_ATTEMPTS as usize;
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    sim.refuse = Some("invalid contract update".into());
    let owner = sim.room.owner.clone();
    let ban = sim.room.ban(&owner, &member_key(&members[2]));
    let first = sim.emitted.len();
    sim.external(ban);
    for _ in 0..2 * MAX_ATTEMPTS {
        sim.wake();
    }
    let sent = sim.emitted[first..].to_vec();
    assert_eq!(sent.len(), 2 * MAX_ATTEMPTS + 1, "one emission per run");
    let same = |from: usize| {
        sent[from..]
            .iter()
            .take_while(|d| **d == sent[from])
            .count()
    };
    assert_eq!(
        same(0),
        MAX_ATTEMPTS,
        "the first plan is sent MAX_ATTEMPTS times"
    );
    assert_eq!(
        same(MAX_ATTEMPTS),
        MAX_ATTEMPTS,
        "then a fresh plan, as often"
    );
    assert_eq!(batch_version(&sent[0]), 1);
    assert_eq!(
        batch_version(&sent[MAX_ATTEMPTS]),
        2,
        "version 1 was signed once; the fresh plan is version 2"
    );
    assert_eq!(batch_version(&sent[2 * MAX_ATTEMPTS]), 3);

    // Once the room takes it, the latest plan lands, once; no version was written twice.
    sim.refuse = None;
    sim.wake();
    assert_eq!(sim.batches_of(3), 1);
    assert_eq!(sim.batches_of(1), 0);
    assert_eq!(sim.status().pending_version, None);
    assert!(!sim.holders(3).contains(&member_key(&members[2])));
    sim.room
        .validate()
        .expect("the contract accepts the result");
}

#[test]
fn pipe_5_a_back_fill_keeps_no_marker_and_its_retry_is_the_same_bytes() {
    // rule PIPE-5: a back-fill is deterministic, so it needs no marker: a retry after a
    // refusal, an hour later, re-creates the very bytes.
    let (mut sim, _) = Sim::new(2);
    sim.follow();
    sim.refuse = Some("refused".into());
    let newcomer = signing_key("newcomer", 9);
    let owner = sim.room.owner.clone();
    let invite = sim.room.invite(&owner, &newcomer);
    let first = sim.emitted.len();
    sim.external(invite);
    assert_eq!(sim.emitted.len(), first + 1);
    assert_eq!(
        batch_version(&sim.emitted[first]),
        0,
        "a back-fill of version 0"
    );
    assert!(!sim.marked[first], "no marker for a back-fill");
    assert_eq!(sim.status().pending_version, None);
    sim.host.now_ms += 3_600_000;
    sim.deliver(Event::Wakeup);
    assert_eq!(sim.emitted.len(), first + 2);
    assert_eq!(sim.emitted[first + 1], sim.emitted[first], "the same bytes");

    sim.refuse = None;
    sim.wake();
    assert_eq!(sim.emitted[first + 2], sim.emitted[first]);
    assert!(sim.holders(0).contains(&member_key(&newcomer)));
    assert_eq!(sim.room.state.secrets.current_version(), Some(0));
}

/// Rule LEAVE-1: a member's leave makes the owner's delegate rotate exactly as a ban of
/// that member does — the same version, the same recipients, the leaver not among them —
/// with no request from the owner (the leave reaches the delegate as a change of the room).
#[test]
fn leave_1_owner_rotates_after_a_member_leaves() {
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    assert_eq!(sim.holders(0).len(), 4);
    let before = sim.emitted.len();

    let leaver = member_key(&members[2]);
    let leave = sim.room.leave(&members[2]);
    sim.external(leave);
    assert!(
        sim.room
            .state
            .members
            .iter()
            .all(|m| m.body.member != leaver),
        "the leaver is no longer a member"
    );
    assert_eq!(sim.emitted.len(), before + 1, "exactly one delta");
    assert_eq!(batch_version(&sim.emitted[before]), 1);
    assert_eq!(sim.batches_of(1), 1);
    let mut expected = keys_of(&members[..2]);
    expected.push(sim.room.owner_key());
    assert_eq!(sim.holders(1), sorted(expected));
    let left_blob = sim.room.state.secrets.blob_for(&leaver, 1);
    assert!(left_blob.is_none(), "the leaver gets no v1");
    assert_eq!(sim.status().pending_version, None, "nothing left owed");
    // A later notification-driven run: nothing new.
    sim.deliver(Event::Notified {
        contract: sim.contract,
    });
    assert_eq!(sim.emitted.len(), before + 1);
    sim.room
        .validate()
        .expect("the contract accepts the result");

    // The same room where the owner banned that member instead: the same rotation.
    let (mut banned, _) = Sim::new(3);
    banned.follow();
    let owner = banned.room.owner.clone();
    let ban = banned.room.ban(&owner, &leaver);
    banned.external(ban);
    assert_eq!(banned.emitted.len(), sim.emitted.len());
    assert_eq!(batch_version(banned.emitted.last().unwrap()), 1);
    assert_eq!(banned.holders(1), sim.holders(1), "the same recipients");
}

/// Rule LEAVE-1, where it differs from a ban: the leaver's invitees keep their places,
/// so the rotation away from the leaver still wraps the new secret for them.
#[test]
fn leave_1_a_leaver_s_invitees_keep_the_new_secret() {
    let (mut sim, members) = Sim::new(2);
    let invitee = signing_key("invitee", 3);
    let invite = sim.room.invite(&members[0], &invitee);
    sim.room.apply(invite);
    sim.sync_state();
    sim.follow();
    assert_eq!(sim.holders(0).len(), 4);

    let leave = sim.room.leave(&members[0]);
    sim.external(leave);
    assert_eq!(sim.batches_of(1), 1);
    let expected = vec![
        member_key(&members[1]),
        member_key(&invitee),
        sim.room.owner_key(),
    ];
    assert_eq!(sim.holders(1), sorted(expected));
    assert!(sim
        .room
        .state
        .secrets
        .blob_for(&member_key(&members[0]), 1)
        .is_none());
    sim.room
        .validate()
        .expect("the contract accepts the result");
}

/// Rule LEAVE-1 with story 3's law: whatever step the run after a leave dies at, the
/// rotation lands exactly once, as after a ban.
#[test]
fn leave_1_a_crash_at_any_step_never_loses_the_rotation_nor_doubles_it() {
    crash_at_any_step_rotates_once(
        |sim, member| {
            let leave = sim.room.leave(member);
            sim.external(leave);
            Some(member_key(member))
        },
        None,
    );
}

/// Rule CAN-1: the owner's deltas the delegate hand-encodes (`encode_owner_delta`: a
/// ban, a secret batch, or both) are exactly the canonical encoding of the `RoomDelta`
/// with those fields, byte for byte; and so is every delta the delegate sent in a run.
#[test]
fn can_1_the_owner_s_hand_encoded_delta_is_the_canonical_one() {
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    let owner = sim.room.owner.clone();
    let target = member_key(&members[1]);
    let ban = sim.room.ban(&owner, &target).bans[0].clone();
    let view = RotationView::of(&sim.room.state).without_subtree(&target);
    let keys = OwnerKeys {
        signing: owner.clone(),
    };
    let Plan::Rotate(rotation) = plan_rotation(&view, &keys, Clock::at(5_000_000)).unwrap() else {
        panic!("the ban makes a rotation owed")
    };
    for (ban, secrets) in [
        (Some(&ban), None),
        (None, Some(&rotation)),
        (Some(&ban), Some(&rotation)),
    ] {
        let expected = RoomDelta {
            bans: ban.into_iter().cloned().collect(),
            secret_batches: secrets.iter().map(|s| s.batch.clone()).collect(),
            secret_blobs: secrets.map(|s| s.blobs.clone()).unwrap_or_default(),
            ..RoomDelta::default()
        };
        assert_eq!(
            encode_owner_delta(ban, secrets),
            wire::encode_delta(&expected).unwrap(),
            "ban: {}, batch: {}",
            ban.is_some(),
            secrets.is_some()
        );
    }

    // What the delegate sent: version 0, a back-fill, the owner's ban with its rotation.
    let newcomer = signing_key("newcomer", 9);
    let invite = sim.room.invite(&owner, &newcomer);
    sim.external(invite);
    let answer = sim.ask(Request::BanMember {
        room: sim.room.owner_key(),
        ban: Ban {
            target,
            issuer: sim.room.owner_key(),
        },
    });
    assert!(
        matches!(
            answer,
            Response::Banned {
                rotated_to: Some(1),
                ..
            }
        ),
        "{answer:?}"
    );
    assert_eq!(sim.emitted.len(), 3);
    for delta in &sim.emitted {
        let decoded = wire::decode_delta(delta).unwrap();
        assert_eq!(&wire::encode_delta(&decoded).unwrap(), delta);
    }
}

/// The owner's rotate-now, from the owner's web app.
fn rotate_now(sim: &mut Sim) -> Response {
    let room = sim.room.owner_key();
    sim.ask(Request::RotateNow { room })
}

/// Every version the room holds, each as often as it holds a record of it.
fn versions(sim: &Sim) -> Vec<u32> {
    let mut v: Vec<u32> = (sim.room.state.secrets.batches.iter())
        .map(|b| b.body.version)
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn pipe_7_the_owner_rotates_now_for_every_member_in_one_marked_delta() {
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    let before = sim.emitted.len();
    assert_eq!(rotate_now(&mut sim), Response::Rotated { version: 1 });
    assert_eq!(sim.emitted.len(), before + 1, "exactly one delta");
    assert!(
        sim.marked[before],
        "the marker held the bytes before they left"
    );
    let delta = wire::decode_delta(&sim.emitted[before]).unwrap();
    assert!(delta.bans.is_empty(), "a rotation alone");
    assert_eq!(batch_version(&sim.emitted[before]), 1);
    let mut everyone = keys_of(&members);
    everyone.push(sim.room.owner_key());
    assert_eq!(sim.holders(1), sorted(everyone));
    for key in &members {
        let blob = (sim.room.state.secrets)
            .blob_for(&member_key(key), 1)
            .unwrap();
        assert!(ecies::unwrap(&key.to_bytes(), &blob.ciphertext).is_ok());
    }
    assert_eq!(sim.status().pending_version, None, "the state settled it");
    // The notification it caused and later looks publish nothing more.
    sim.deliver(Event::Notified {
        contract: sim.contract,
    });
    sim.wake();
    assert_eq!(sim.emitted.len(), before + 1);
    // Asked again, a new version again.
    assert_eq!(rotate_now(&mut sim), Response::Rotated { version: 2 });
    assert_eq!(versions(&sim), vec![0, 1, 2]);
    sim.room
        .validate()
        .expect("the contract accepts the result");
}

#[test]
fn pipe_7_only_the_owner_s_web_app_rotates_a_followed_room() {
    let (mut sim, _) = Sim::new(2);
    sim.follow();
    let owner = sim.room.owner_key();
    let before = sim.emitted.len();
    // A room this web app does not follow.
    let unfollowed = sim.ask(Request::RotateNow {
        room: MemberKey([9; 32]),
    });
    assert_eq!(unfollowed, Response::Error(ApiError::NotSubscribed));
    // Another web app on the node, which follows nothing of the owner's.
    let intruder = [2; 32];
    let answer = sim.ask_as(intruder, Request::RotateNow { room: owner });
    assert_eq!(answer, Response::Error(ApiError::NotSubscribed));
    // It makes itself an identity for the room and follows it: a key of the room, not
    // the owner's.
    let created = sim.ask_as(intruder, Request::CreateIdentity { room: Some(owner) });
    assert!(matches!(created, Response::Identity { .. }), "{created:?}");
    let followed = sim.ask_as(
        intruder,
        Request::EnsureRoomSubscription {
            room: owner,
            room_contract: CODE_HASH,
        },
    );
    assert!(
        matches!(followed, Response::Subscribed { .. }),
        "{followed:?}"
    );
    let answer = sim.ask_as(intruder, Request::RotateNow { room: owner });
    assert_eq!(answer, Response::Error(ApiError::NotOwner));
    assert_eq!(sim.emitted.len(), before, "nothing published");
    assert_eq!(sim.room.state.secrets.current_version(), Some(0));
}

#[test]
fn pipe_7_a_public_room_has_no_secret_to_rotate() {
    let (mut sim, _) = Sim::new_in(Privacy::Public, 2);
    sim.follow();
    let before = sim.emitted.len();
    let answer = rotate_now(&mut sim);
    let Response::Error(ApiError::Rotation(reason)) = answer else {
        panic!("refused, got {answer:?}")
    };
    assert!(reason.contains("public room"), "{reason}");
    assert_eq!(sim.emitted.len(), before, "nothing published");
    assert_eq!(sim.status().pending_version, None);
    assert_eq!(sim.room.state.secrets.current_version(), None);
}

#[test]
fn pipe_7_rotate_now_goes_above_an_owed_rotation_which_is_never_sent_again() {
    let (mut sim, members) = Sim::new(3);
    sim.follow();
    // A rotation to version 1 is owed (the node refuses it for now).
    let owed = sim.owe_a_rotation(&members[2]);
    assert_eq!(batch_version(&owed), 1);
    assert_eq!(sim.status().pending_version, Some(1));
    // The owner rotates now: version 2, above the owed 1, whose marker it replaces.
    sim.refuse = None;
    let start = sim.emitted.len();
    assert_eq!(rotate_now(&mut sim), Response::Rotated { version: 2 });
    for _ in 0..3 {
        sim.wake();
    }
    assert_eq!(sim.emitted.len(), start + 1, "one delta, nothing after");
    assert!(sim.marked[start]);
    assert!(
        !sim.emitted[start..].contains(&owed),
        "the owed delta is never re-sent"
    );
    assert_eq!(
        versions(&sim),
        vec![0, 2],
        "version 1 never reached the room"
    );
    let mut stay = keys_of(&members[..2]);
    stay.push(sim.room.owner_key());
    assert_eq!(sim.holders(2), sorted(stay));
    assert_eq!(sim.status().pending_version, None);

    // Above every version signed too: a version signed and dropped (refused), not owed.
    sim.refuse = Some("invalid".into());
    let answer = rotate_now(&mut sim);
    assert_eq!(
        answer,
        Response::Error(ApiError::UpdateRejected("invalid".into()))
    );
    assert_eq!(
        sim.status().pending_version,
        None,
        "a refused delta is not owed"
    );
    sim.refuse = None;
    assert_eq!(rotate_now(&mut sim), Response::Rotated { version: 4 });
    assert_eq!(
        versions(&sim),
        vec![0, 2, 4],
        "version 3 was signed once, never sent again"
    );
    sim.room
        .validate()
        .expect("the contract accepts the result");
}

#[test]
fn pipe_7_members_who_departed_are_not_recipients() {
    let (mut sim, members) = Sim::new(4);
    let invitee = signing_key("invitee", 7);
    let invite = sim.room.invite(&members[0], &invitee);
    sim.room.apply(invite);
    sim.sync_state();
    sim.follow();
    assert_eq!(sim.holders(0).len(), 6);
    // While the owner's node hears nothing: member 3 leaves, the owner bans member 0
    // (and with it member 0's invitee), a newcomer joins.
    let owner = sim.room.owner.clone();
    let leave = sim.room.leave(&members[3]);
    sim.room.apply(leave);
    let ban = sim.room.ban(&owner, &member_key(&members[0]));
    sim.room.apply(ban);
    let newcomer = signing_key("newcomer", 8);
    let invite = sim.room.invite(&owner, &newcomer);
    sim.room.apply(invite);
    sim.sync_state();
    // The rotation is wrapped for the room as the node holds it now.
    let before = sim.emitted.len();
    assert_eq!(rotate_now(&mut sim), Response::Rotated { version: 1 });
    assert_eq!(
        sim.emitted.len(),
        before + 1,
        "the pipeline owes nothing more"
    );
    let expected = vec![
        member_key(&members[1]),
        member_key(&members[2]),
        member_key(&newcomer),
        sim.room.owner_key(),
    ];
    assert_eq!(sim.holders(1), sorted(expected));
    sim.room
        .validate()
        .expect("the contract accepts the result");
}

/// Rotate-now in story 3's law: a crash at each step, then the prompts that follow and
/// the owner's retry where the crash left nothing underway, yield exactly one version.
#[test]
fn pipe_7_a_crash_at_any_step_then_a_retry_yields_one_version() {
    crash_at_any_step_rotates_once(
        |sim, _| {
            let room = sim.room.owner_key();
            sim.send(APP, Request::RotateNow { room });
            assert_eq!(sim.replies, vec![], "the crash lost the answer");
            None
        },
        Some(rotate_now),
    );
    // The owner retries at once, before any prompt: where the crash left the rotation
    // owed but unsent (◆Marked), the retry supersedes it, so still one version reaches
    // the room, and the owed one never leaves.
    let (mut sim, _) = Sim::new(3);
    sim.follow();
    sim.host.crash_at = Some(Step::Marked);
    let before = sim.emitted.len();
    let room = sim.room.owner_key();
    sim.send(APP, Request::RotateNow { room });
    assert_eq!(sim.status().pending_version, Some(1));
    assert_eq!(rotate_now(&mut sim), Response::Rotated { version: 2 });
    sim.deliver(Event::NodeStarted);
    assert_eq!(sim.emitted.len(), before + 1, "version 1 never left");
    assert_eq!(versions(&sim), vec![0, 2]);
    assert_eq!(sim.status().pending_version, None);
}

/// Rule PIPE-7 with ROT-5: the rotation's bytes depend on the room and the owner's key,
/// never on the clock: two nodes of the owner rotating now at different times sign the
/// very same delta.
#[test]
fn pipe_7_rotate_now_bytes_carry_no_clock() {
    let sent = |now_ms: u64| {
        let (mut sim, _) = Sim::new(3);
        sim.host.now_ms = now_ms;
        sim.follow();
        assert_eq!(rotate_now(&mut sim), Response::Rotated { version: 1 });
        sim.emitted.last().unwrap().clone()
    };
    assert_eq!(sent(1_000_000), sent(9_000_000_000));
}
