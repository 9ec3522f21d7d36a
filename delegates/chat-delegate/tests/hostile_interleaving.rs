//! Rule ORG-1 as a property: whatever another web app on the same node asks the
//! delegate, and whenever, the owner's web app sees the same replies and the owner's room
//! gets the same updates as in a run without it.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

mod support;

use brook_common::delegate_api::{ExportAcknowledgement, Request, Response, StoredEntry};
use brook_common::room::bans::Ban;
use brook_common::sign::member_key;
use brook_common::testkit::signing_key;
use chat_delegate::events::Event;
use proptest::prelude::*;
use support::*;

const HOSTILE: [u8; 32] = [0; 32];
const OWNER_STEPS: usize = 8;
const HOSTILE_MOVES: usize = 12;

/// One of the owner's steps; returns the owner's replies.
fn owner_step(sim: &mut Sim, step: usize, members: &[ed25519_dalek::SigningKey]) -> Vec<Response> {
    let room = sim.room.owner_key();
    let owner = sim.room.owner.clone();
    match step {
        0 => vec![sim.ask(Request::EnsureRoomSubscription {
            room,
            room_contract: CODE_HASH,
        })],
        1 => {
            let invite = sim.room.invite(&owner, &signing_key("newcomer", 1));
            sim.external(invite);
            vec![]
        }
        2 => vec![sim.ask(Request::BanMember {
            room,
            ban: Ban {
                target: member_key(&members[0]),
                issuer: room,
            },
        })],
        3 => {
            sim.wake();
            vec![sim.ask(Request::RoomStatus { room })]
        }
        7 => {
            sim.wake();
            vec![
                sim.ask(Request::RotateNow { room }),
                sim.ask(Request::RoomStatus { room }),
            ]
        }
        4 => {
            let ban = sim.room.ban(&owner, &member_key(&members[1]));
            sim.external(ban);
            vec![]
        }
        5 => vec![
            sim.ask(Request::StorePut {
                key: "draft".into(),
                value: b"hello".to_vec(),
                expected_generation: 0,
            }),
            sim.ask(Request::StoreGet {
                key: "draft".into(),
            }),
        ],
        _ => vec![
            sim.ask(Request::ListRooms),
            sim.ask(Request::RoomStatus { room }),
        ],
    }
}

/// One move of the hostile web app, chosen by `which`.
fn hostile_move(sim: &mut Sim, which: u8) {
    let room = sim.room.owner_key();
    let mut follower = vec![1];
    follower.extend_from_slice(room.as_bytes());
    follower.extend_from_slice(&CODE_HASH);
    follower.push(1);
    let import = |name: Vec<u8>, value: Vec<u8>| Request::MigrationImport {
        predecessor: [9; 32],
        entry: StoredEntry { name, value },
    };
    let request = match which % 13 {
        0 => Request::CreateIdentity { room: Some(room) },
        1 => import([b"f/".as_slice(), &sim.contract[..]].concat(), follower),
        2 => import(
            [b"rc/".as_slice(), room.as_bytes()].concat(),
            CODE_HASH.to_vec(),
        ),
        3 => import([b"id/".as_slice(), room.as_bytes()].concat(), vec![5; 32]),
        4 => Request::EnsureRoomSubscription {
            room,
            room_contract: CODE_HASH,
        },
        5 => Request::RoomStatus { room },
        6 => Request::BanMember {
            room,
            ban: Ban {
                target: sim
                    .room
                    .state
                    .members
                    .first()
                    .map_or(room, |m| m.body.member),
                issuer: room,
            },
        },
        7 => Request::StorePut {
            key: "draft".into(),
            value: b"evil".to_vec(),
            expected_generation: 0,
        },
        8 => Request::Retire,
        9 => Request::MigrationExport {
            acknowledge: ExportAcknowledgement::IUnderstandThisRevealsMySecretKey,
        },
        10 => Request::CreateIdentity { room: None },
        11 => Request::RotateNow { room },
        _ => Request::ListRooms,
    };
    let before = sim.emitted.len();
    sim.deliver(Event::App {
        origin: Some(HOSTILE),
        payload: request.encode().unwrap(),
    });
    assert_eq!(
        sim.emitted.len(),
        before,
        "a hostile request made the delegate update a room"
    );
}

/// The owner's replies and the room updates of each owner step.
fn run(moves: &[(usize, u8)]) -> Vec<(Vec<Response>, Vec<Vec<u8>>)> {
    let (mut sim, members) = Sim::new(3);
    let mut outcomes = vec![];
    for step in 0..OWNER_STEPS {
        for (_, which) in moves.iter().filter(|(at, _)| *at == step) {
            hostile_move(&mut sim, *which);
        }
        let before = sim.emitted.len();
        let replies = owner_step(&mut sim, step, &members);
        outcomes.push((replies, sim.emitted[before..].to_vec()));
    }
    outcomes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn rule_org_1_a_hostile_web_app_never_changes_the_owner_s_outcomes(
        moves in proptest::collection::vec((0..OWNER_STEPS, any::<u8>()), 0..HOSTILE_MOVES)
    ) {
        let alone = run(&[]);
        let beside = run(&moves);
        for (step, (a, b)) in alone.iter().zip(&beside).enumerate() {
            prop_assert_eq!(a, b, "owner step {} differs", step);
        }
    }
}

#[test]
fn rule_org_1_every_hostile_move_before_every_owner_step_changes_nothing() {
    let alone = run(&[]);
    for which in 0..13u8 {
        let moves: Vec<(usize, u8)> = (0..OWNER_STEPS).map(|at| (at, which)).collect();
        assert_eq!(run(&moves), alone, "hostile move {which}");
    }
}
