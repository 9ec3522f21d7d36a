//! The chat delegate's room-secret rotation in the real node (issue 4's stories): the
//! owner's delegate, with no tab of the owner open, rotates away from a member banned by
//! someone else, back-fills a newcomer, survives a node restart and a crash at every
//! pipeline step, and publishes the owner's own ban and its rotation as one delta.
//!
//! Members other than the owner are played by test keys over plain sockets: their
//! clients are not under test here, the owner's delegate is.

use std::time::{Duration, Instant};

use brook_common::delegate_api::RecordToSign;
use brook_common::delegate_api::{Request, Response, RoomStatus, RunOutcome};
use brook_common::ecies;
use brook_common::ids::MemberKey;
use brook_common::room::bans::Ban;
use brook_common::room::config::{Privacy, RoomConfig};
use brook_common::room::members::{Invitation, MemberRecord};
use brook_common::room::messages::Message;
use brook_common::room::text::RoomText;
use brook_common::room::{wire, RoomDelta, RoomParams, RoomState, Signed};
use brook_common::seal::{self, SealContext, SealedField};
use brook_common::secret::RoomSecret;
use brook_common::sign::member_key;
use brook_common::testkit::signing_key;
use brook_e2e::brook_cli::keyfile::PublisherKey;
use brook_e2e::{
    allow_background, guest_wasm, publish_web_app, room_contract_wasm, web_app_socket_url,
    BrookApp, Client, ContractKey, Node,
};
use ed25519_dalek::SigningKey;

const WAIT: Duration = Duration::from_secs(120);

/// A private room owned by the delegate's key, as seen from a plain member socket.
struct Room {
    owner: MemberKey,
    key: ContractKey,
    members: Client,
    clock: u64,
}

impl Room {
    /// The owner (through its delegate) creates a private room naming `moderator` a
    /// moderator and invites `invitees`; then asks the delegate to follow it.
    async fn create(
        node: &Node,
        app: &mut BrookApp,
        moderator: &SigningKey,
        invitees: &[&SigningKey],
    ) -> Room {
        let Response::Identity { room: owner, .. } = app
            .ask(Request::CreateIdentity { room: None })
            .await
            .expect("identity")
        else {
            panic!("owner identity created")
        };
        let mut config = RoomConfig::new(Privacy::Private, RoomText::Plain("story".into()));
        config.moderators = vec![member_key(moderator)];
        let sig = app
            .sign(owner, RecordToSign::Config(config.clone()))
            .await
            .expect("config signed");
        let state = RoomState::new(Signed {
            body: config,
            signature: sig,
        });
        let params = wire::encode_params(&RoomParams { owner }).unwrap();
        let mut members = Client::connect(node).await.expect("plain socket");
        let key = members
            .put(
                &room_contract_wasm(),
                params,
                wire::encode_state(&state).unwrap(),
            )
            .await
            .expect("room PUT");
        let mut room = Room {
            owner,
            key,
            members,
            clock: 1_000,
        };
        let mut delta = RoomDelta::default();
        for invitee in invitees {
            let body = Invitation {
                invitee: member_key(invitee),
                inviter: owner,
                invited_at: room.tick(),
            };
            let sig = app
                .sign(owner, RecordToSign::Member(body.clone()))
                .await
                .expect("invitation signed");
            delta.members.push(Signed {
                body,
                signature: sig,
            });
        }
        room.update(delta).await;

        let code_hash = *blake3::hash(&room_contract_wasm()).as_bytes();
        let answer = app
            .ask(Request::EnsureRoomSubscription {
                room: owner,
                room_contract: code_hash,
            })
            .await
            .expect("ensure answered");
        assert_eq!(
            answer,
            Response::Subscribed {
                room: owner,
                contract: room.key.id().as_bytes().try_into().unwrap()
            },
            "the delegate derived the room's contract id and the node confirmed"
        );
        room
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    async fn update(&mut self, delta: RoomDelta) {
        self.members
            .update_delta(&self.key, wire::encode_delta(&delta).unwrap())
            .await
            .expect("update accepted");
    }

    async fn state(&mut self) -> RoomState {
        let bytes = self
            .members
            .get(&self.key)
            .await
            .expect("GET")
            .expect("room held");
        wire::decode_state(&bytes).expect("state decodes")
    }

    async fn state_bytes(&mut self) -> Vec<u8> {
        self.members
            .get(&self.key)
            .await
            .expect("GET")
            .expect("room held")
    }

    /// Poll until `done` holds for the room's state.
    async fn wait_until(&mut self, what: &str, done: impl Fn(&RoomState) -> bool) -> RoomState {
        let start = Instant::now();
        loop {
            let state = self.state().await;
            if done(&state) {
                println!("{what}: after {:.1} s", start.elapsed().as_secs_f64());
                return state;
            }
            assert!(start.elapsed() < WAIT, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    fn chain(state: &RoomState, target: &MemberKey) -> Vec<MemberRecord> {
        let mut chain = vec![];
        let mut current = *target;
        while let Some(r) = state.members.iter().find(|r| r.body.invitee == current) {
            chain.push(r.clone());
            current = r.body.inviter;
        }
        chain.reverse();
        chain
    }

    /// `banner` (a moderator or an ancestor, not the owner's client) bans `target`.
    async fn ban_by(&mut self, banner: &SigningKey, target: &MemberKey) {
        let state = self.state().await;
        let body = Ban {
            target: *target,
            banned_by: member_key(banner),
            banned_at: self.tick(),
            chain: Self::chain(&state, target),
        };
        let ban = Signed::sign(&self.owner, body, banner).unwrap();
        self.update(RoomDelta {
            bans: vec![ban],
            ..Default::default()
        })
        .await;
    }

    async fn invite_by(&mut self, inviter: &SigningKey, invitee: &SigningKey) {
        let body = Invitation {
            invitee: member_key(invitee),
            inviter: member_key(inviter),
            invited_at: self.tick(),
        };
        let record = Signed::sign(&self.owner, body, inviter).unwrap();
        self.update(RoomDelta {
            members: vec![record],
            ..Default::default()
        })
        .await;
    }

    /// `author` posts `text` sealed under the current secret, which it unwraps itself.
    async fn post(&mut self, author: &SigningKey, text: &str) {
        let state = self.state().await;
        let version = state.secrets.current_version().expect("a secret exists");
        let secret = unwrap_secret(&state, author, version).expect("author holds it");
        let author_key = member_key(author);
        let ctx = SealContext {
            room: &self.owner,
            author: &author_key,
            field: SealedField::MessageBody,
        };
        let nonce = *blake3::hash(text.as_bytes()).as_bytes();
        let sealed = seal::seal(
            &secret,
            version,
            &ctx,
            nonce[..12].try_into().unwrap(),
            text.as_bytes(),
        )
        .unwrap();
        let body = Message {
            author: author_key,
            sent_at: self.tick(),
            body: RoomText::Sealed(sealed),
        };
        let record = Signed::sign(&self.owner, body, author).unwrap();
        self.update(RoomDelta {
            messages: vec![record],
            ..Default::default()
        })
        .await;
    }
}

fn unwrap_secret(state: &RoomState, member: &SigningKey, version: u32) -> Option<RoomSecret> {
    let blob = state.secrets.blob_for(&member_key(member), version)?;
    ecies::unwrap(&member.to_bytes(), &blob.ciphertext).ok()
}

fn holders(state: &RoomState, version: u32) -> Vec<MemberKey> {
    let mut h: Vec<MemberKey> = state.secrets.holders(version).copied().collect();
    h.sort();
    h
}

fn keys(list: &[&SigningKey], owner: MemberKey) -> Vec<MemberKey> {
    let mut k: Vec<MemberKey> = list.iter().map(|s| member_key(s)).collect();
    k.push(owner);
    k.sort();
    k
}

/// One rotation per version: every batch of `version` carries the same `issued_at`
/// (a back-fill repeats it; a second rotation would not).
fn rotations_of(state: &RoomState, version: u32) -> usize {
    let mut issued: Vec<u64> = state
        .secrets
        .batches
        .iter()
        .filter(|b| b.body.version == version)
        .map(|b| b.body.issued_at)
        .collect();
    issued.sort();
    issued.dedup();
    issued.len()
}

async fn status(app: &mut BrookApp, room: MemberKey) -> RoomStatus {
    match app.ask(Request::RoomStatus { room }).await.expect("status") {
        Response::Status(status) => status,
        other => panic!("status expected, got {other:?}"),
    }
}

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
    assert_eq!(holders(&state, 0), keys(&[&alice, &bob, &carol], owner));
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
        .wait_until("the owner's delegate rotated to v1", |s| {
            s.secrets.current_version() == Some(1)
        })
        .await;
    assert_eq!(holders(&state, 1), keys(&[&alice, &bob], owner));
    assert_eq!(rotations_of(&state, 1), 1);
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
    assert_eq!(rotations_of(&state, 1), 1);
    assert!(unwrap_secret(&state, &dave, 1).is_some());

    // Story 4: the owner bans Bob; one delta bans and rotates.
    let url = web_app_socket_url(&node, &web_app).await.unwrap();
    let mut owner_app = BrookApp::connect(&url, &wasm).await.unwrap();
    let ban = Ban {
        target: member_key(&bob),
        banned_by: owner,
        banned_at: room.tick(),
        chain: vec![],
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
    assert_eq!(holders(&state, 2), keys(&[&alice], owner));
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
            start.elapsed() < WAIT,
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
        assert!(start.elapsed() < WAIT, "the armed crash never fired");
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
    let state = room
        .wait_until("v1 after the restart (NodeStarted)", |s| {
            s.secrets.current_version() == Some(1)
        })
        .await;
    assert_eq!(holders(&state, 1), keys(&[&alice, &bob], owner));
    assert_eq!(rotations_of(&state, 1), 1);

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
    let state = room
        .wait_until("v2 after the next change", |s| {
            s.secrets.current_version() == Some(2)
        })
        .await;
    assert_eq!(holders(&state, 2), keys(&[&alice, &dave], owner));
    assert_eq!(rotations_of(&state, 2), 1);

    // Crash after the node applied the update, before the answer is handled: the
    // notification of the applied state settles it.
    arm(&mut app, "answered").await;
    room.ban_by(&alice, &member_key(&dave)).await;
    crashed(&mut app).await;
    let state = room
        .wait_until("v3", |s| s.secrets.current_version() == Some(3))
        .await;
    assert_eq!(holders(&state, 3), keys(&[&alice], owner));
    let start = Instant::now();
    while status(&mut app, owner).await.pending_version.is_some() {
        assert!(start.elapsed() < WAIT, "the marker was never cleared");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    room.post(&alice, "quiet now").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let state = room.state().await;
    assert_eq!(state.secrets.current_version(), Some(3), "nothing more");
    for v in 0..=3 {
        assert_eq!(rotations_of(&state, v), 1, "one rotation of v{v}");
    }
    drop((app, room));
    assert!(node.stop().await.expect("node stops").success());
}
