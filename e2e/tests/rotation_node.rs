//! The chat delegate's room-secret rotation in the real node (issue 4's stories): the
//! owner's delegate, with no tab of the owner open, rotates away from a member banned by
//! someone else, back-fills a newcomer, survives a node restart and a crash at every
//! pipeline step, and publishes the owner's own ban and its rotation as one delta.
//!
//! Members other than the owner are played by test keys over plain sockets: their
//! clients are not under test here, the owner's delegate is.

use std::time::{Duration, Instant};

use brook_common::delegate_api::{Request, Response, RunOutcome};
use brook_common::ecies;
use brook_common::room::bans::Ban;
use brook_common::room::text::RoomText;
use brook_common::room::wire;
use brook_common::seal::{self, SealContext, SealedField};
use brook_common::sign::member_key;
use brook_common::testkit::signing_key;
use brook_e2e::brook_cli::keyfile::PublisherKey;
use brook_e2e::room::{
    holders, members_and_owner, rotations_of, status, unwrap_secret, Room, ROOM_WAIT,
};
use brook_e2e::{
    allow_background, guest_wasm, publish_web_app, web_app_socket_url, BrookApp, Client, Node,
};

/// Stories 1, 2 and 4 on one room.
#[tokio::test(flavor = "multi_thread")]
async fn the_owner_delegate_rotates_backfills_and_bans_atomically() {
    let node = Node::start().await.expect("node starts");
    let web_app = publish_web_app(&node, &PublisherKey::generate())
        .await
        .unwrap();
    let wasm = guest_wasm("chat_delegate.wasm");
    let url = web_app_socket_url(&node, &web_app).await.unwrap();
    let mut owner_app = BrookApp::connect(&url, &wasm)
        .await
        .expect("delegate registers");
    let (alice, bob, carol) = (
        signing_key("alice", 1),
        signing_key("bob", 2),
        signing_key("carol", 3),
    );

    // Story 1: a private room, three members, v0 wrapped for all four.
    let mut room = Room::create(&node, &mut owner_app, &alice, &[&alice, &bob, &carol]).await;
    let owner = room.owner;
    let state = room
        .wait_until("v0 published", |s| s.secrets.current_version() == Some(0))
        .await;
    assert_eq!(
        holders(&state, 0),
        members_and_owner(&[&alice, &bob, &carol], owner)
    );
    for m in [&alice, &bob, &carol] {
        assert!(
            unwrap_secret(&state, m, 0).is_some(),
            "every member opens v0"
        );
    }

    // The owner's UI closes; Alice (a moderator, not the owner's client) bans Carol.
    drop(owner_app);
    room.ban_by(&alice, &member_key(&carol)).await;
    let state = room
        .wait_for_rotation("the owner's delegate rotated to v1", 1, &[&alice, &bob])
        .await;
    assert!(unwrap_secret(&state, &carol, 1).is_none());
    for blob in state.secrets.blobs.iter().filter(|b| b.version == 1) {
        assert!(
            ecies::unwrap(&carol.to_bytes(), &blob.ciphertext).is_err(),
            "Carol opens no v1 blob"
        );
    }
    // A message sealed under v1 opens for Alice and Bob, not for Carol.
    room.post(&alice, "after the ban").await;
    let state = room.state().await;
    let message = state.messages.last().expect("posted");
    let RoomText::Sealed(sealed) = &message.body.body else {
        panic!("sealed")
    };
    assert_eq!(sealed.secret_version, 1);
    let ctx = SealContext {
        room: &owner,
        author: &message.body.author,
        field: SealedField::MessageBody,
    };
    for m in [&alice, &bob] {
        let secret = unwrap_secret(&state, m, 1).expect("holds v1");
        assert_eq!(seal::open(&secret, &ctx, sealed).unwrap(), b"after the ban");
    }
    let carols_old = unwrap_secret(&state, &carol, 0);
    if let Some(old) = carols_old {
        assert!(
            seal::open(&old, &ctx, sealed).is_err(),
            "v0 does not open v1 text"
        );
    }

    // Story 2: Bob invites Dave; the delegate back-fills v1 for Dave, no rotation.
    let dave = signing_key("dave", 4);
    room.invite_by(&bob, &dave).await;
    let state = room
        .wait_until("Dave back-filled", |s| {
            s.secrets.blob_for(&member_key(&dave), 1).is_some()
        })
        .await;
    assert_eq!(state.secrets.current_version(), Some(1), "no rotation");
    assert_eq!(rotations_of(&state, 1, owner), 1);
    assert!(unwrap_secret(&state, &dave, 1).is_some());

    // Story 4: the owner bans Bob; one delta bans and rotates.
    let url = web_app_socket_url(&node, &web_app).await.unwrap();
    let mut owner_app = BrookApp::connect(&url, &wasm).await.unwrap();
    let ban = Ban {
        target: member_key(&bob),
        issuer: owner,
    };
    let answer = owner_app
        .ask(Request::BanMember { room: owner, ban })
        .await
        .unwrap();
    let Response::Banned { delta, rotated_to } = answer else {
        panic!("banned, got {answer:?}")
    };
    assert_eq!(rotated_to, Some(2));
    let delta = wire::decode_delta(&delta).unwrap();
    assert_eq!((delta.bans.len(), delta.secret_batches.len()), (1, 1));
    let state = room.state().await;
    assert!(state.bans.iter().any(|b| b.body.target == member_key(&bob)));
    assert_eq!(state.secrets.current_version(), Some(2));
    // Bob's whole subtree (Dave) left with him.
    assert_eq!(holders(&state, 2), members_and_owner(&[&alice], owner));
    // The notification of that delta reaches the delegate, which publishes nothing.
    let bytes = room.state_bytes().await;
    let hash = *blake3::hash(&bytes).as_bytes();
    let start = Instant::now();
    loop {
        let s = status(&mut owner_app, owner).await;
        if let Some(run) = s.last_run.filter(|r| r.state_hash == hash) {
            assert_eq!(run.outcome, RunOutcome::UpToDate);
            break;
        }
        assert!(
            start.elapsed() < ROOM_WAIT,
            "the delegate never ran on the ban's state"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        room.state_bytes().await,
        bytes,
        "byte-identical: nothing new"
    );
    drop((owner_app, room));
    assert!(node.stop().await.expect("node stops").success());
}

async fn arm(app: &mut BrookApp, step: &str) {
    let answer = app
        .send_raw(format!("brook-test-hook/crash-at/{step}").into_bytes())
        .await
        .expect("hook answered");
    assert_eq!(answer, vec![b"armed".to_vec()]);
}

/// Wait until the armed crash has fired.
async fn crashed(app: &mut BrookApp) {
    let start = Instant::now();
    loop {
        let armed = app
            .send_raw(b"brook-test-hook/armed".to_vec())
            .await
            .expect("hook answered");
        if armed == vec![b"none".to_vec()] {
            return;
        }
        assert!(start.elapsed() < ROOM_WAIT, "the armed crash never fired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Story 3: a restart between the ban and the rotation, and a crash at each step.
#[tokio::test(flavor = "multi_thread")]
async fn rotation_survives_a_restart_and_a_crash_at_every_step() {
    let mut node = Node::start().await.expect("node starts");
    let web_app = publish_web_app(&node, &PublisherKey::generate())
        .await
        .unwrap();
    let wasm = guest_wasm("chat_delegate_test_hooks.wasm");
    let url = web_app_socket_url(&node, &web_app).await.unwrap();
    let mut app = BrookApp::connect(&url, &wasm).await.unwrap();
    // The user lets Brook run in the background (NodeStarted, wake-ups).
    allow_background(&node, Duration::from_secs(30))
        .await
        .expect("granted");
    let (alice, bob, carol, dave) = (
        signing_key("alice", 1),
        signing_key("bob", 2),
        signing_key("carol", 3),
        signing_key("dave", 4),
    );
    let mut room = Room::create(&node, &mut app, &alice, &[&alice, &bob, &carol]).await;
    let owner = room.owner;
    room.wait_until("v0", |s| s.secrets.current_version() == Some(0))
        .await;

    // Crash after the marker is stored, before the update leaves; then restart.
    arm(&mut app, "marked").await;
    room.ban_by(&alice, &member_key(&carol)).await;
    crashed(&mut app).await;
    assert_eq!(
        status(&mut app, owner).await.pending_version,
        Some(1),
        "marker stored"
    );
    assert_eq!(
        room.state().await.secrets.current_version(),
        Some(0),
        "crashed before emitting"
    );
    drop((app, room.members));
    node.restart().await.expect("node restarts");
    room.members = Client::connect(&node).await.unwrap();
    room.wait_for_rotation("v1 after the restart (NodeStarted)", 1, &[&alice, &bob])
        .await;

    // Crash after planning, before anything is stored: the next change recovers.
    let url = web_app_socket_url(&node, &web_app).await.unwrap();
    let mut app = BrookApp::connect(&url, &wasm).await.unwrap();
    room.invite_by(&alice, &dave).await;
    room.wait_until("Dave back-filled", |s| {
        s.secrets.blob_for(&member_key(&dave), 1).is_some()
    })
    .await;
    arm(&mut app, "planned").await;
    room.ban_by(&alice, &member_key(&bob)).await;
    crashed(&mut app).await;
    assert_eq!(
        status(&mut app, owner).await.pending_version,
        None,
        "nothing stored"
    );
    let state = room.state().await;
    assert_eq!(
        state.secrets.current_version(),
        Some(1),
        "crashed before emitting"
    );
    room.post(&alice, "wake up").await;
    room.wait_for_rotation("v2 after the next change", 2, &[&alice, &dave])
        .await;

    // Crash after the node applied the update, before the answer is handled: the
    // notification of the applied state settles it.
    arm(&mut app, "answered").await;
    room.ban_by(&alice, &member_key(&dave)).await;
    crashed(&mut app).await;
    let state = room
        .wait_until("v3", |s| s.secrets.current_version() == Some(3))
        .await;
    assert_eq!(holders(&state, 3), members_and_owner(&[&alice], owner));
    let start = Instant::now();
    while status(&mut app, owner).await.pending_version.is_some() {
        assert!(start.elapsed() < ROOM_WAIT, "the marker was never cleared");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    room.post(&alice, "quiet now").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let state = room.state().await;
    assert_eq!(state.secrets.current_version(), Some(3), "nothing more");
    for v in 0..=3 {
        assert_eq!(rotations_of(&state, v, owner), 1, "one rotation of v{v}");
    }
    drop((app, room));
    assert!(node.stop().await.expect("node stops").success());
}
