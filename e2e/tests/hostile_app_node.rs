//! A second web app on the owner's node, in the real node: it shares the chat delegate
//! (same delegate key, its own origin) and tries the moves of the delegate-hardening
//! review — an imported claim to own the owner's room, a room-contract entry, following
//! the room, asking its status, banning in it. The owner's ban still rotates, and the
//! second app learns nothing of the owner's pipeline (rules ORG-1, ORG-2).

use brook_common::delegate_api::{ApiError, Request, Response, StoredEntry};
use brook_common::room::bans::Ban;
use brook_common::sign::member_key;
use brook_common::testkit::signing_key;
use brook_e2e::brook_cli::keyfile::PublisherKey;
use brook_e2e::room::{holders, members_and_owner, room_status, status, Room};
use brook_e2e::{
    guest_wasm, publish_web_app, room_contract_wasm, web_app_socket_url, BrookApp, Node,
};

#[tokio::test(flavor = "multi_thread")]
async fn another_web_app_cannot_stop_the_owner_s_rotation_nor_read_its_pipeline() {
    let node = Node::start().await.expect("node starts");
    let wasm = guest_wasm("chat_delegate.wasm");
    let owner_web = publish_web_app(&node, &PublisherKey::generate())
        .await
        .unwrap();
    let hostile_web = publish_web_app(&node, &PublisherKey::generate())
        .await
        .unwrap();
    assert_ne!(owner_web, hostile_web, "two web apps, two origins");
    let mut owner_app =
        BrookApp::connect(&web_app_socket_url(&node, &owner_web).await.unwrap(), &wasm)
            .await
            .expect("the owner's app registers the delegate");
    let mut hostile = BrookApp::connect(
        &web_app_socket_url(&node, &hostile_web).await.unwrap(),
        &wasm,
    )
    .await
    .expect("the second app reaches the same delegate");

    let (alice, bob) = (signing_key("alice", 1), signing_key("bob", 2));
    let mut room = Room::create(&node, &mut owner_app, &alice, &[&alice, &bob]).await;
    let owner = room.owner;
    room.wait_until("v0 published", |s| s.secrets.current_version() == Some(0))
        .await;
    let contract: [u8; 32] = room.key.id().as_bytes().try_into().unwrap();
    let code_hash = *blake3::hash(&room_contract_wasm()).as_bytes();

    // The second app's moves.
    let created = hostile
        .ask(Request::CreateIdentity { room: Some(owner) })
        .await
        .unwrap();
    assert!(matches!(created, Response::Identity { key, .. } if key != owner));
    let mut follower = vec![1];
    follower.extend_from_slice(owner.as_bytes());
    follower.extend_from_slice(&code_hash);
    follower.push(1); // "I own it"
    for entry in [
        StoredEntry {
            name: [b"f/".as_slice(), &contract[..]].concat(),
            value: follower,
        },
        StoredEntry {
            name: [b"rc/".as_slice(), owner.as_bytes()].concat(),
            value: code_hash.to_vec(),
        },
    ] {
        let answer = hostile
            .ask(Request::MigrationImport {
                predecessor: [9; 32],
                entry,
            })
            .await
            .unwrap();
        assert!(matches!(answer, Response::Imported { .. }), "{answer:?}");
    }
    let followed = hostile
        .ask(Request::EnsureRoomSubscription {
            room: owner,
            room_contract: code_hash,
        })
        .await
        .unwrap();
    assert!(
        matches!(followed, Response::Subscribed { .. }),
        "{followed:?}"
    );
    let ban = Ban {
        target: member_key(&bob),
        issuer: owner,
    };
    let refused = hostile
        .ask(Request::BanMember {
            room: owner,
            ban: ban.clone(),
        })
        .await
        .unwrap();
    assert_eq!(refused, Response::Error(ApiError::NotOwner));
    let seen = status(&mut hostile, owner).await;
    assert!(!seen.owner);
    assert_eq!(
        (seen.pending_version, seen.last_run),
        (None, None),
        "the second app sees nothing of the owner's pipeline"
    );

    // The owner bans Bob: the ban and its rotation land, as without the second app.
    let answer = owner_app
        .ask(Request::BanMember { room: owner, ban })
        .await
        .unwrap();
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
    let state = room
        .wait_until("v1 published", |s| s.secrets.current_version() == Some(1))
        .await;
    assert_eq!(holders(&state, 1), members_and_owner(&[&alice], owner));
    let mine = status(&mut owner_app, owner).await;
    assert!(mine.owner && mine.last_run.is_some());

    // Still nothing for the second app, even now that the owner's pipeline ran.
    let Response::Status(seen) = room_status(&mut hostile, owner).await else {
        panic!("status");
    };
    assert_eq!((seen.pending_version, seen.last_run), (None, None));
    drop((owner_app, hostile, room));
    assert!(node.stop().await.expect("node stops").success());
}
