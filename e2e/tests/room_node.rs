//! The room contract inside the real node: PUT, concurrent updates from two client
//! connections, subscription notifications, identical GETs, a rejected update, and the
//! room surviving a node restart.

use std::time::Duration;

use brook_common::room::config::Privacy;
use brook_common::room::wire;
use brook_common::sign::member_key;
use brook_common::testkit::{signing_key, TestRoom};
use brook_e2e::{room_contract_wasm, Client, Node};

#[tokio::test(flavor = "multi_thread")]
async fn room_lives_in_the_real_node() {
    let wasm = room_contract_wasm();
    let mut node = Node::start().await.expect("node starts");
    let mut alice_conn = Client::connect(&node).await.expect("first connection");
    let mut bob_conn = Client::connect(&node).await.expect("second connection");

    // A private room: owner, three members, secret version 0 for all.
    let mut room = TestRoom::new(Privacy::Private);
    let members = room.add_members(3, false);
    let recipients: Vec<_> = members.iter().map(member_key).collect();
    let v0 = room.secret_batch(0, &recipients);
    room.apply(v0);
    let key = alice_conn
        .put(&wasm, room.params_bytes(), room.state_bytes())
        .await
        .expect("PUT accepted");
    bob_conn.subscribe(&key).await.expect("subscribed");

    // Concurrent updates from two connections: an invitation and a message on one, a
    // message and a ban on the other.
    let owner = room.owner.clone();
    let newcomer = signing_key("node-test", 1);
    let mut from_alice = room.invite(&owner, &newcomer);
    from_alice
        .messages
        .extend(room.message(&members[0], "hello from alice").messages);
    let mut from_bob = room.message(&members[1], "hello from bob");
    from_bob.bans.extend(room.ban(&owner, &recipients[2]).bans);
    let (a, b) = tokio::join!(
        alice_conn.update_delta(&key, wire::encode_delta(&from_alice).unwrap()),
        bob_conn.update_delta(&key, wire::encode_delta(&from_bob).unwrap()),
    );
    a.expect("alice's update accepted");
    b.expect("bob's update accepted");

    // The subscriber hears about the changes.
    let notified = bob_conn
        .next_notification(&key, Duration::from_secs(30))
        .await
        .expect("a notification arrives");
    if let Some(state) = notified.state() {
        wire::validate(&room.params_bytes(), state).expect("notified state is valid");
    }

    // Both connections read the same bytes, holding both clients' changes.
    let seen_by_alice = alice_conn
        .get(&key)
        .await
        .unwrap()
        .expect("alice finds the room");
    let seen_by_bob = bob_conn
        .get(&key)
        .await
        .unwrap()
        .expect("bob finds the room");
    assert_eq!(
        seen_by_alice, seen_by_bob,
        "both connections read identical state"
    );
    wire::validate(&room.params_bytes(), &seen_by_alice).expect("valid");
    let state = wire::decode_state(&seen_by_alice).unwrap();
    let in_room = |k| state.members.iter().any(|r| r.body.member == k);
    assert!(in_room(member_key(&newcomer)), "the invitation landed");
    assert!(!in_room(recipients[2]), "the ban landed");
    assert_eq!(state.messages.len(), 2, "both messages landed");
    // The banned member's blob of the current version stays until the owner rotates: it
    // is the evidence the owner's delegate diffs against membership.
    assert!(state.secrets.blob_for(&recipients[2], 0).is_some());

    // Garbage is rejected with an error and changes nothing.
    let err = alice_conn
        .update_delta(&key, b"\xffnot a delta".to_vec())
        .await;
    assert!(err.is_err(), "garbage delta must be refused");
    let after = alice_conn.get(&key).await.unwrap().unwrap();
    assert_eq!(after, seen_by_alice);

    // The room survives a restart.
    drop(alice_conn);
    drop(bob_conn);
    node.restart().await.expect("node restarts");
    let mut again = Client::connect(&node).await.expect("reconnect");
    let restored = again
        .get(&key)
        .await
        .unwrap()
        .expect("room still there after restart");
    assert_eq!(restored, seen_by_alice);
    drop(again);
    let status = node.stop().await.expect("node stops");
    assert!(status.success(), "node exits cleanly: {status:?}");
}
