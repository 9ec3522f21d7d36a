//! Carry-forward natively (rules MIG-1..MIG-5): what a predecessor exports, what a
//! successor imports and refuses, the walk's markers and journal, and a retired
//! predecessor that no longer rotates. The walk itself runs in the real node in
//! `e2e/tests/upgrade_node.rs`.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_common::delegate_api::{
    ApiError, ExportAcknowledgement, MigrationMarker, Request, Response, RoomIdentity, StoredEntry,
};
use brook_common::ids::MemberKey;
use brook_common::room::config::Privacy;
use brook_common::room::RoomParams;
use brook_common::sign::member_key;
use brook_common::testkit::{signing_key, TestRoom};
use chat_delegate::effects::Effect;
use chat_delegate::events::{handle_event, Event};
use chat_delegate::migration::follows;
use chat_delegate::sim::MemoryHost;

const APP: [u8; 32] = [1; 32];
const OTHER_APP: [u8; 32] = [2; 32];
const CODE_HASH: [u8; 32] = [7; 32];
const PREDECESSOR: [u8; 32] = [0xAA; 32];

fn ask(host: &mut MemoryHost, origin: [u8; 32], request: Request) -> (Response, Vec<Effect>) {
    let effects = handle_event(
        host,
        Event::App {
            origin: Some(origin),
            payload: request.encode().unwrap(),
        },
    )
    .expect("no crash armed");
    let mut reply = None;
    let mut rest = vec![];
    for effect in effects {
        match effect {
            Effect::Reply(r) => reply = Some(r),
            other => rest.push(other),
        }
    }
    (reply.expect("one reply"), rest)
}

fn answer(host: &mut MemoryHost, origin: [u8; 32], request: Request) -> Response {
    ask(host, origin, request).0
}

/// A delegate (web app APP) owning a followed private room, a member identity in
/// another room and one stored value; returns it and the owned room.
fn predecessor() -> (MemoryHost, TestRoom, [u8; 32]) {
    let mut room = TestRoom::new(Privacy::Private);
    room.add_members(2, false);
    let owner = room.owner_key();
    let contract = RoomParams { owner }.contract_id(&CODE_HASH);
    let mut host = MemoryHost::default();
    host.states.insert(contract, room.state_bytes());
    let seed = room.owner.to_bytes();
    answer(
        &mut host,
        APP,
        Request::ImportIdentity { room: owner, seed },
    );
    let other_room = Some(MemberKey([5; 32]));
    answer(&mut host, APP, Request::CreateIdentity { room: other_room });
    let put = Request::StorePut {
        key: "settings".into(),
        value: b"dark".to_vec(),
        expected_generation: 0,
    };
    answer(&mut host, APP, put);
    // The node confirms the subscription; the delegate publishes version 0 at once.
    let ensure = Request::EnsureRoomSubscription {
        room: owner,
        room_contract: CODE_HASH,
    };
    let app = Event::App {
        origin: Some(APP),
        payload: ensure.encode().unwrap(),
    };
    let effects = handle_event(&mut host, app).expect("no crash armed");
    let [Effect::Subscribe { context, .. }] = effects.as_slice() else {
        panic!("a subscription, got {effects:?}")
    };
    let confirmed = Event::Subscribed {
        contract,
        result: Ok(()),
        context: context.clone(),
    };
    let effects = handle_event(&mut host, confirmed).expect("no crash armed");
    assert!(effects.iter().any(|e| matches!(e, Effect::Update { .. })));
    (host, room, contract)
}

fn exported(host: &mut MemoryHost, origin: [u8; 32]) -> Vec<StoredEntry> {
    match answer(
        host,
        origin,
        Request::MigrationExport {
            acknowledge: ExportAcknowledgement::IUnderstandThisRevealsMySecretKey,
        },
    ) {
        Response::Exported { entries } => entries,
        other => panic!("export expected, got {other:?}"),
    }
}

fn import_all(host: &mut MemoryHost, entries: &[StoredEntry]) -> Vec<bool> {
    entries
        .iter()
        .map(|entry| {
            let request = Request::MigrationImport {
                predecessor: PREDECESSOR,
                entry: entry.clone(),
            };
            match answer(host, APP, request) {
                Response::Imported { written } => written,
                other => panic!("imported expected, got {other:?}"),
            }
        })
        .collect()
}

fn rooms(host: &mut MemoryHost, origin: [u8; 32]) -> Vec<RoomIdentity> {
    match answer(host, origin, Request::ListRooms) {
        Response::Rooms(rooms) => rooms,
        other => panic!("rooms expected, got {other:?}"),
    }
}

#[test]
fn a_predecessor_exports_its_web_app_s_entries_and_nothing_else() {
    // rules MIG-1, MIG-5
    let (mut host, _, contract) = predecessor();
    answer(&mut host, OTHER_APP, Request::CreateIdentity { room: None });
    let record = Request::RecordMigrationMarker {
        predecessor: PREDECESSOR,
        marker: MigrationMarker::Done { had_data: true },
    };
    answer(&mut host, APP, record);
    answer(
        &mut host,
        APP,
        Request::StoreMigrationJournal { journal: vec![1] },
    );
    let entries = exported(&mut host, APP);
    let kinds: Vec<&[u8]> = entries.iter().map(|e| &e.name[..3]).collect();
    assert_eq!(kinds.iter().filter(|k| **k == b"id/").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == b"kv/").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == b"rc/").count(), 1);
    let followers: Vec<&StoredEntry> = entries
        .iter()
        .filter(|e| e.name.starts_with(b"f/"))
        .collect();
    assert_eq!(followers.len(), 1);
    assert_eq!(followers[0].name[2..], contract[..]);
    assert_eq!(entries.len(), 5, "no markers, no journal, no other web app");
    assert_eq!(exported(&mut host, OTHER_APP).len(), 1);
}

#[test]
fn a_successor_imports_through_its_own_rules_and_is_idempotent() {
    let (mut old, room, contract) = predecessor();
    let entries = exported(&mut old, APP);
    let mut new = MemoryHost::default();
    new.states.insert(contract, room.state_bytes());
    // A follower record naming another contract is refused (rule MIG-3).
    let mut forged = entries
        .iter()
        .find(|e| e.name.starts_with(b"f/"))
        .unwrap()
        .clone();
    forged.name[2] ^= 1;
    let forged = Request::MigrationImport {
        predecessor: PREDECESSOR,
        entry: forged,
    };
    assert!(matches!(
        answer(&mut new, APP, forged),
        Response::Error(ApiError::BadImport(_))
    ));
    assert!(import_all(&mut new, &entries).iter().all(|w| *w));
    assert_eq!(rooms(&mut new, APP), rooms(&mut old, APP));
    assert_eq!(follows(&new, &APP, &contract), Some(room.owner_key()));
    let value = answer(
        &mut new,
        APP,
        Request::StoreGet {
            key: "settings".into(),
        },
    );
    assert_eq!(
        value,
        answer(
            &mut old,
            APP,
            Request::StoreGet {
                key: "settings".into()
            }
        )
    );
    // A second walk writes nothing (rule MIG-2), and another web app got nothing.
    assert!(import_all(&mut new, &entries).iter().all(|w| !*w));
    assert!(rooms(&mut new, OTHER_APP).is_empty());
}

#[test]
fn what_the_successor_already_holds_wins() {
    // rule MIG-2
    let (mut old, _, _) = predecessor();
    let entries = exported(&mut old, APP);
    let mut new = MemoryHost::default();
    let room = MemberKey([5; 32]);
    let mine = answer(&mut new, APP, Request::CreateIdentity { room: Some(room) });
    let put = Request::StorePut {
        key: "settings".into(),
        value: b"light".to_vec(),
        expected_generation: 0,
    };
    answer(&mut new, APP, put);
    import_all(&mut new, &entries);
    assert_eq!(answer(&mut new, APP, Request::PublicKey { room }), mine);
    let Response::Stored { value: Some(v) } = answer(
        &mut new,
        APP,
        Request::StoreGet {
            key: "settings".into(),
        },
    ) else {
        panic!("stored")
    };
    assert_eq!(v.value, b"light");
}

#[test]
fn damaged_or_unknown_entries_are_refused_with_a_reason() {
    let mut host = MemoryHost::default();
    for (name, value) in [
        (b"id/short".to_vec(), vec![0; 32]),
        (b"kv/x".to_vec(), vec![1, 2]),
        (b"zz/whatever".to_vec(), vec![]),
        ([b"f/".as_slice(), &[3; 32]].concat(), vec![9, 9]),
    ] {
        let request = Request::MigrationImport {
            predecessor: PREDECESSOR,
            entry: StoredEntry { name, value },
        };
        assert!(matches!(
            answer(&mut host, APP, request),
            Response::Error(ApiError::BadImport(_))
        ));
    }
}

#[test]
fn markers_are_kept_apart_and_never_downgraded() {
    // rule MIG-4
    let mut host = MemoryHost::default();
    let mut record = |marker| {
        answer(
            &mut host,
            APP,
            Request::RecordMigrationMarker {
                predecessor: PREDECESSOR,
                marker,
            },
        )
    };
    record(MigrationMarker::InProgress { saw_data: true });
    record(MigrationMarker::Done { had_data: false });
    let last = record(MigrationMarker::InProgress { saw_data: false });
    assert_eq!(
        last,
        Response::Markers {
            in_progress: Some(MigrationMarker::InProgress { saw_data: true }),
            done: Some(MigrationMarker::Done { had_data: false }),
        }
    );
    let other = Request::MigrationMarkers {
        predecessor: PREDECESSOR,
    };
    assert_eq!(
        answer(&mut host, OTHER_APP, other),
        Response::Markers {
            in_progress: None,
            done: None
        }
    );
    assert_eq!(
        answer(&mut host, APP, Request::MigrationJournal),
        Response::Journal { journal: None }
    );
    answer(
        &mut host,
        APP,
        Request::StoreMigrationJournal {
            journal: vec![4, 2],
        },
    );
    assert_eq!(
        answer(&mut host, APP, Request::MigrationJournal),
        Response::Journal {
            journal: Some(vec![4, 2])
        }
    );
}

#[test]
fn a_retired_predecessor_no_longer_rotates() {
    // rule MIG-6
    let (mut old, mut room, contract) = predecessor();
    let before = exported(&mut old, APP);
    assert_eq!(
        answer(&mut old, APP, Request::Retire),
        Response::Retired { rooms: 1 }
    );
    // Nothing is deleted: a later walk sees exactly what the first one counted.
    assert_eq!(exported(&mut old, APP), before);
    assert_eq!(
        answer(&mut old, APP, Request::Retire),
        Response::Retired { rooms: 0 },
        "already retired"
    );
    assert_eq!(follows(&old, &APP, &contract), Some(room.owner_key()));
    let owner = room.owner.clone();
    let ban = room.ban(&owner, &member_key(&signing_key("member", 0)));
    room.apply(ban);
    old.states.insert(contract, room.state_bytes());
    let effects = handle_event(&mut old, Event::Notified { contract }).unwrap();
    assert!(effects.is_empty(), "the successor rotates now");
    let effects = handle_event(&mut old, Event::NodeStarted).unwrap();
    assert!(effects.is_empty(), "nor re-subscribes after a restart");
}

#[test]
fn following_again_undoes_a_retirement() {
    let (mut old, room, contract) = predecessor();
    answer(&mut old, APP, Request::Retire);
    let ensure = Request::EnsureRoomSubscription {
        room: room.owner_key(),
        room_contract: CODE_HASH,
    };
    let effects = handle_event(
        &mut old,
        Event::App {
            origin: Some(APP),
            payload: ensure.encode().unwrap(),
        },
    )
    .unwrap();
    assert!(matches!(effects.as_slice(), [Effect::Subscribe { .. }]));
    let effects = handle_event(&mut old, Event::NodeStarted).unwrap();
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Subscribe { contract: c, .. } if *c == contract)));
}

#[test]
fn ping_answers_the_build_generation() {
    let mut host = MemoryHost::default();
    assert_eq!(
        answer(&mut host, APP, Request::Ping),
        Response::Pong {
            generation: chat_delegate::handler::GENERATION
        }
    );
}
