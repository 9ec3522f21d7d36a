//! The upgrade story in the real node (issue 5, "upgrade story"): a user's identities,
//! followed rooms and stored values move from chat delegate A to B to C through
//! freenet-migrate's journaled walk, run client-side ([`carry_forward`]); each
//! predecessor stands down once its data is carried, so the owner's room is rotated by
//! exactly one delegate, the newest; and a second run changes nothing.
//!
//! A, B and C are the same code built three ways (`Ping` answers 1, 2, 3), so three
//! different delegate keys, each with its own secrets in the node.

use std::time::{Duration, Instant};

use brook_common::delegate_api::{Request, Response, RoomIdentity, RunOutcome, StoredValue};
use brook_common::ids::MemberKey;
use brook_common::room::{wire, RoomState};
use brook_common::sign::member_key;
use brook_common::testkit::signing_key;
use brook_e2e::brook_cli::keyfile::PublisherKey;
use brook_e2e::freenet_migrate::{JournalStatus, PredecessorMigration};
use brook_e2e::migration::{carry_forward, CarryForward, Retirement};
use brook_e2e::room::{
    holders, members_and_owner, room_status, rotations_of, status, Room, ROOM_WAIT,
};
use brook_e2e::{
    delegate_key, guest_wasm, publish_web_app, web_app_socket_url, BrookApp, DelegateKey, Node,
};
use ed25519_dalek::SigningKey;

/// The UI's stored values the story checks.
const VALUES: [&str; 2] = ["settings", "drafts"];

/// Everything a web app holds in one delegate, as the UI reads it.
#[derive(Debug, PartialEq, Eq)]
struct Holdings {
    rooms: Vec<RoomIdentity>,
    public_keys: Vec<(MemberKey, MemberKey)>,
    values: Vec<(&'static str, Option<StoredValue>)>,
}

async fn holdings(app: &mut BrookApp) -> Holdings {
    let Response::Rooms(mut rooms) = app.ask(Request::ListRooms).await.unwrap() else {
        panic!("rooms listed")
    };
    rooms.sort_by_key(|r| r.room);
    let mut distinct = rooms.clone();
    distinct.dedup_by_key(|r| r.room);
    assert_eq!(distinct, rooms, "no room listed twice");
    let mut public_keys = vec![];
    for r in &rooms {
        let Response::Identity { room, key } =
            app.ask(Request::PublicKey { room: r.room }).await.unwrap()
        else {
            panic!("public key of {:?}", r.room)
        };
        assert_eq!(Some(key), r.key, "ListRooms and PublicKey agree");
        public_keys.push((room, key));
    }
    let mut values = vec![];
    for name in VALUES {
        let Response::Stored { value } = app
            .ask(Request::StoreGet { key: name.into() })
            .await
            .unwrap()
        else {
            panic!("value {name} read")
        };
        values.push((name, value));
    }
    Holdings {
        rooms,
        public_keys,
        values,
    }
}

async fn ping(app: &mut BrookApp) -> u32 {
    match app.ask(Request::Ping).await.unwrap() {
        Response::Pong { generation } => generation,
        other => panic!("pong expected, got {other:?}"),
    }
}

fn print_run(label: &str, run: &CarryForward) {
    println!(
        "{label}: successor up {:.0} ms, begin {:.0} ms, walk {:.0} ms, retire {:.0} ms; \
         {} entries offered, {} written",
        run.successor_took.as_secs_f64() * 1e3,
        run.begin_took.as_secs_f64() * 1e3,
        run.walk_took.as_secs_f64() * 1e3,
        run.retire_took.as_secs_f64() * 1e3,
        run.offered,
        run.written,
    );
    for row in run.rows() {
        let what = match row {
            PredecessorMigration::Imported { tally, .. } => format!("imported {tally:?}"),
            PredecessorMigration::Unresponsive { error, .. } => format!("unresponsive {error:?}"),
            PredecessorMigration::AlreadyMigrated { .. } => "already migrated".into(),
            PredecessorMigration::Superseded { .. } => "superseded".into(),
            other => format!("{other:?}"),
        };
        println!("  generation {} {}: {what}", row.generation(), row.key());
    }
    for (key, answer) in &run.retired {
        println!("  retire {key}: {answer:?}");
    }
    match run.status() {
        Some(JournalStatus::Incomplete { pending, .. }) => {
            for p in pending {
                println!(
                    "  journal: generation {} pending, {} attempts, absent streak {}",
                    p.generation, p.attempts, p.absent_streak
                );
            }
        }
        status => println!("  journal: {status:?}"),
    }
}

/// A clean first migration onto a fresh successor: the newest predecessor imported
/// whole, every older one superseded by it, the journal complete.
fn assert_imported(run: &CarryForward, newest: &DelegateKey, superseded: &[&DelegateKey]) {
    assert!(matches!(
        run.begun,
        Ok(JournalStatus::NotStarted) | Ok(JournalStatus::Incomplete { .. })
    ));
    let rows = run.rows();
    assert_eq!(rows.len(), 1 + superseded.len());
    let PredecessorMigration::Imported { key, tally, .. } = &rows[0] else {
        panic!("the newest predecessor imported, got {:?}", rows[0])
    };
    assert_eq!(key, newest);
    assert!(tally.offered() > 0 && tally.is_clean(), "{tally:?}");
    assert_eq!(
        tally.written,
        tally.offered(),
        "a fresh successor writes everything"
    );
    for (row, older) in rows[1..].iter().zip(superseded) {
        assert!(
            matches!(row, PredecessorMigration::Superseded { key, .. } if key == *older),
            "{row:?}"
        );
    }
    assert!(run.walk.as_ref().unwrap().journal_error.is_none());
    assert!(run.is_complete(), "journal complete: {:?}", run.status());
    assert_eq!((run.offered, run.written), (tally.offered(), tally.written));
}

/// Wait until the owner's room is at secret `version`, made by one rotation and held by
/// `holders_after` and the owner, and `follower` (the delegate that should have rotated)
/// has run on that very state and owes nothing.
async fn rotated_by(
    room: &mut Room,
    follower: &mut BrookApp,
    version: u32,
    holders_after: &[&SigningKey],
    since: Instant,
) -> RoomState {
    let owner = room.owner;
    let mut seen = vec![];
    let state = loop {
        let s = status(follower, owner).await;
        if let Some(run) = &s.last_run {
            if seen.last() != Some(&run.outcome) {
                seen.push(run.outcome.clone());
            }
        }
        let bytes = room.state_bytes().await;
        let state = wire::decode_state(&bytes).unwrap();
        let hash = *blake3::hash(&bytes).as_bytes();
        if state.secrets.current_version() == Some(version)
            && s.last_run.as_ref().is_some_and(|r| r.state_hash == hash)
        {
            assert_eq!(
                s.contract,
                Some(room.key.id().as_bytes().try_into().unwrap())
            );
            assert!(s.owner);
            assert_eq!(s.pending_version, None, "nothing owed");
            break state;
        }
        assert!(since.elapsed() < ROOM_WAIT, "no rotation to v{version}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!(
        "v{version} published and run on by the newest delegate: {:.0} ms; its runs seen: {seen:?}",
        since.elapsed().as_secs_f64() * 1e3
    );
    assert!(
        seen.iter().all(|o| !matches!(o, RunOutcome::Failed(_))),
        "{seen:?}"
    );
    assert_eq!(
        rotations_of(&state, version, owner),
        1,
        "one rotation of v{version}"
    );
    assert_eq!(
        holders(&state, version),
        members_and_owner(holders_after, owner)
    );
    state
}

/// Every retired delegate's status of the room is what it answered when it stood down:
/// it has not run on the room since.
async fn stood_down(owner: MemberKey, retired: &mut [(&mut BrookApp, &Response)]) {
    for (app, then) in retired.iter_mut() {
        assert_eq!(
            room_status(app, owner).await,
            **then,
            "a retired delegate ran on the room"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn data_moves_from_a_to_b_to_c_and_only_the_newest_delegate_rotates() {
    let story = Instant::now();
    let node = Node::start().await.expect("node starts");
    let web_app = publish_web_app(&node, &PublisherKey::generate())
        .await
        .unwrap();
    let (wasm_a, wasm_b, wasm_c) = (
        guest_wasm("chat_delegate.wasm"),
        guest_wasm("chat_delegate_gen_b.wasm"),
        guest_wasm("chat_delegate_gen_c.wasm"),
    );
    let (key_a, key_b, key_c) = (
        delegate_key(&wasm_a, &[]),
        delegate_key(&wasm_b, &[]),
        delegate_key(&wasm_c, &[]),
    );
    assert!(key_a != key_b && key_b != key_c && key_a != key_c);
    let url = web_app_socket_url(&node, &web_app).await.unwrap();
    let (alice, bob, carol) = (
        signing_key("alice", 1),
        signing_key("bob", 2),
        signing_key("carol", 3),
    );

    // A: an owned private room it follows (v0 published by A), a member identity in
    // someone else's room, a stored value.
    let mut app_a = BrookApp::connect(&url, &wasm_a).await.unwrap();
    assert_eq!(ping(&mut app_a).await, 1);
    let mut room = Room::create(&node, &mut app_a, &alice, &[&alice, &bob, &carol]).await;
    let owner = room.owner;
    room.wait_until("v0 published by A", |s| {
        s.secrets.current_version() == Some(0)
    })
    .await;
    let elsewhere = member_key(&signing_key("zoe", 9));
    let answer = app_a
        .ask(Request::CreateIdentity {
            room: Some(elsewhere),
        })
        .await
        .unwrap();
    assert!(matches!(answer, Response::Identity { room, .. } if room == elsewhere));
    let put = Request::StorePut {
        key: VALUES[0].into(),
        value: b"theme=dark".to_vec(),
        expected_generation: 0,
    };
    assert!(matches!(
        app_a.ask(put).await.unwrap(),
        Response::Stored { .. }
    ));
    let in_a = holdings(&mut app_a).await;
    assert_eq!(in_a.rooms.len(), 2);
    assert!(in_a.values[0].1.is_some());

    // B takes over from A.
    let start = Instant::now();
    let run = carry_forward(&node, &web_app, &wasm_b, std::slice::from_ref(&key_a))
        .await
        .unwrap();
    println!(
        "carry forward A -> B: {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    print_run("A -> B", &run);
    assert_imported(&run, &key_a, &[]);
    assert_eq!(
        run.retired,
        vec![(key_a.clone(), Retirement::Retired { rooms: 1 })]
    );
    let a_stood_down = room_status(&mut app_a, owner).await;
    println!("A's status of the room after Retire: {a_stood_down:?}");

    let mut app_b = BrookApp::connect(&url, &wasm_b).await.unwrap();
    assert_eq!(ping(&mut app_b).await, 2);
    assert_eq!(holdings(&mut app_b).await, in_a, "B holds what A held");
    // B follows the room; a moderator's ban is rotated away by B (A stood down).
    room.follow(&mut app_b).await;
    let banned = Instant::now();
    room.ban_by(&alice, &member_key(&carol)).await;
    rotated_by(&mut room, &mut app_b, 1, &[&alice, &bob], banned).await;
    stood_down(owner, &mut [(&mut app_a, &a_stood_down)]).await;
    // Something only B ever held.
    let put = Request::StorePut {
        key: VALUES[1].into(),
        value: b"half a thought".to_vec(),
        expected_generation: 0,
    };
    assert!(matches!(
        app_b.ask(put).await.unwrap(),
        Response::Stored { .. }
    ));
    let in_b = holdings(&mut app_b).await;

    // C takes over from B (newest) and A.
    let predecessors = [key_b.clone(), key_a.clone()];
    let start = Instant::now();
    let run = carry_forward(&node, &web_app, &wasm_c, &predecessors)
        .await
        .unwrap();
    println!(
        "carry forward B, A -> C: {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    print_run("B, A -> C", &run);
    assert_imported(&run, &key_b, &[&key_a]);
    assert_eq!(
        run.retired,
        vec![
            (key_b.clone(), Retirement::Retired { rooms: 1 }),
            (key_a.clone(), Retirement::Retired { rooms: 0 }),
        ]
    );
    let b_stood_down = room_status(&mut app_b, owner).await;
    assert_eq!(room_status(&mut app_a, owner).await, a_stood_down);

    let mut app_c = BrookApp::connect(&url, &wasm_c).await.unwrap();
    assert_eq!(ping(&mut app_c).await, 3);
    let in_c = holdings(&mut app_c).await;
    assert_eq!(in_c, in_b, "C holds what B held");
    assert_eq!(
        (in_c.rooms, in_c.public_keys),
        (in_a.rooms, in_a.public_keys)
    );
    // A ban while no delegate follows the room: B and A stood down, so nothing rotates
    // (each rotated within a second above) until C follows and catches up.
    room.ban_by(&alice, &member_key(&bob)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let state = room.state().await;
    assert_eq!(
        state.secrets.current_version(),
        Some(1),
        "no delegate rotated"
    );
    stood_down(
        owner,
        &mut [(&mut app_b, &b_stood_down), (&mut app_a, &a_stood_down)],
    )
    .await;
    let followed = Instant::now();
    room.follow(&mut app_c).await;
    rotated_by(&mut room, &mut app_c, 2, &[&alice], followed).await;
    stood_down(
        owner,
        &mut [(&mut app_b, &b_stood_down), (&mut app_a, &a_stood_down)],
    )
    .await;

    // Again: the journal is complete, so nothing is walked or written; the predecessors
    // are only told again to stand down, which changes nothing.
    let start = Instant::now();
    let run = carry_forward(&node, &web_app, &wasm_c, &predecessors)
        .await
        .unwrap();
    println!(
        "carry forward again: {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    print_run("again", &run);
    assert!(run.already_migrated() && run.is_complete());
    assert!(run.walk.is_none());
    assert_eq!((run.offered, run.written), (0, 0));
    assert_eq!(
        run.retired,
        vec![
            (key_b.clone(), Retirement::Retired { rooms: 0 }),
            (key_a.clone(), Retirement::Retired { rooms: 0 }),
        ]
    );
    assert_eq!(
        holdings(&mut app_c).await,
        in_b,
        "nothing lost, nothing doubled"
    );

    // A predecessor this node never had (a newer build, say, installed elsewhere): the
    // node's typed "not installed" keeps it pending (absence is no proof of nothing);
    // the walk goes on past it, finds B already carried, writes nothing, and tells
    // only the resolved predecessors to stand down.
    let elsewhere_build = delegate_key(b"a chat delegate build this node never ran", &[]);
    let lineage = [elsewhere_build.clone(), key_b.clone(), key_a.clone()];
    let run = carry_forward(&node, &web_app, &wasm_c, &lineage)
        .await
        .unwrap();
    print_run("with a build this node never had", &run);
    let rows = run.rows();
    assert!(
        matches!(&rows[0], PredecessorMigration::Unresponsive { key, error: Some(e), .. }
            if *key == elsewhere_build && e.contains("not installed")),
        "{:?}",
        rows[0]
    );
    assert!(matches!(&rows[1], PredecessorMigration::AlreadyMigrated { key, .. } if *key == key_b));
    assert!(matches!(&rows[2], PredecessorMigration::Superseded { key, .. } if *key == key_a));
    let status = run.status().expect("journal stored");
    assert!(!status.is_complete() && !status.interrupted_import());
    assert!(status.pending_all_absent(1));
    assert_eq!((run.offered, run.written), (0, 0));
    assert_eq!(
        run.retired,
        vec![
            (key_b.clone(), Retirement::Retired { rooms: 0 }),
            (key_a.clone(), Retirement::Retired { rooms: 0 }),
        ]
    );
    assert_eq!(holdings(&mut app_c).await, in_b);

    drop((app_a, app_b, app_c, room));
    assert!(node.stop().await.expect("node stops").success());
    println!("upgrade story: {:.1} s", story.elapsed().as_secs_f64());
}
