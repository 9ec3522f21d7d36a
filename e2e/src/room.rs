//! A private room in the real node, as the rotation and upgrade stories drive it: the
//! owner acts through a chat delegate ([`BrookApp`]); every other member is a test key
//! on a plain socket (their clients are not under test, the owner's delegate is).
//!
//! These are test helpers: they panic with what failed rather than return errors.

use std::time::{Duration, Instant};

use brook_common::delegate_api::{RecordToSign, Request, Response, RoomStatus};
use brook_common::ecies;
use brook_common::ids::MemberKey;
use brook_common::room::bans::Ban;
use brook_common::room::config::{Privacy, RoomConfig};
use brook_common::room::members::{Grant, GrantRecord, MemberRecord};
use brook_common::room::messages::Message;
use brook_common::room::text::RoomText;
use brook_common::room::{wire, RoomDelta, RoomParams, RoomState, Signed};
use brook_common::seal::{self, SealContext, SealedField};
use brook_common::secret::RoomSecret;
use brook_common::sign::member_key;
use ed25519_dalek::SigningKey;

use crate::{room_contract_wasm, BrookApp, Client, ContractKey, Node};

/// How long a story waits for the delegate to act on a room change.
pub const ROOM_WAIT: Duration = Duration::from_secs(120);

/// A private room owned by a delegate's key, as seen from a plain member socket.
pub struct Room {
    pub owner: MemberKey,
    pub key: ContractKey,
    pub members: Client,
    clock: u64,
}

impl Room {
    /// The owner (through its delegate) creates a private room naming `moderator` a
    /// moderator and invites `invitees` (the delegate signs each grant, each invitee
    /// accepts with its invite code); then asks the delegate to follow it.
    pub async fn create(
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
            let invite = invite_key(&owner, invitee);
            let body = Grant {
                inviter: owner,
                invite_key: member_key(&invite),
            };
            let sig = app
                .sign(owner, RecordToSign::Grant(body.clone()))
                .await
                .expect("grant signed");
            let grant = Signed {
                body,
                signature: sig,
            };
            delta.members.push(accept(owner, grant, &invite, invitee));
        }
        room.update(delta).await;
        room.follow(app).await;
        room
    }

    /// Ask `app`'s delegate to follow this room (`EnsureRoomSubscription`); it must
    /// derive the room's contract id and the node must confirm.
    pub async fn follow(&self, app: &mut BrookApp) {
        let code_hash = *blake3::hash(&room_contract_wasm()).as_bytes();
        let answer = app
            .ask(Request::EnsureRoomSubscription {
                room: self.owner,
                room_contract: code_hash,
            })
            .await
            .expect("ensure answered");
        assert_eq!(
            answer,
            Response::Subscribed {
                room: self.owner,
                contract: self.key.id().as_bytes().try_into().unwrap()
            },
            "the delegate derived the room's contract id and the node confirmed"
        );
    }

    /// The next timestamp of a record made by the test's members.
    pub fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    pub async fn update(&mut self, delta: RoomDelta) {
        self.members
            .update_delta(&self.key, wire::encode_delta(&delta).unwrap())
            .await
            .expect("update accepted");
    }

    pub async fn state(&mut self) -> RoomState {
        wire::decode_state(&self.state_bytes().await).expect("state decodes")
    }

    pub async fn state_bytes(&mut self) -> Vec<u8> {
        self.members
            .get(&self.key)
            .await
            .expect("GET")
            .expect("room held")
    }

    /// Poll until `done` holds for the room's state.
    pub async fn wait_until(&mut self, what: &str, done: impl Fn(&RoomState) -> bool) -> RoomState {
        let start = Instant::now();
        loop {
            let state = self.state().await;
            if done(&state) {
                println!("{what}: after {:.1} s", start.elapsed().as_secs_f64());
                return state;
            }
            assert!(start.elapsed() < ROOM_WAIT, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Wait until the room's secret is at `version`, then check it was published once,
    /// for exactly `members` and the owner.
    pub async fn wait_for_rotation(
        &mut self,
        what: &str,
        version: u32,
        members: &[&SigningKey],
    ) -> RoomState {
        let state = self
            .wait_until(what, |s| s.secrets.current_version() == Some(version))
            .await;
        let owner = self.owner;
        assert_eq!(
            holders(&state, version),
            members_and_owner(members, owner),
            "{what}"
        );
        assert_eq!(
            rotations_of(&state, version, self.owner),
            1,
            "{what}: one rotation"
        );
        state
    }

    /// `banner` (a moderator or an ancestor, not the owner's client) bans `target`. The
    /// ban names its issuer and target only: the room's tree is its evidence (BAN-2).
    pub async fn ban_by(&mut self, banner: &SigningKey, target: &MemberKey) {
        let body = Ban {
            target: *target,
            issuer: member_key(banner),
        };
        let ban = Signed::sign(&self.owner, body, banner).unwrap();
        self.update(RoomDelta {
            bans: vec![ban],
            ..Default::default()
        })
        .await;
    }

    /// `inviter` grants a place to a fresh invitation key and `invitee` accepts it.
    pub async fn invite_by(&mut self, inviter: &SigningKey, invitee: &SigningKey) {
        let invite = invite_key(&member_key(inviter), invitee);
        let body = Grant {
            inviter: member_key(inviter),
            invite_key: member_key(&invite),
        };
        let grant = Signed::sign(&self.owner, body, inviter).unwrap();
        let record = accept(self.owner, grant, &invite, invitee);
        self.update(RoomDelta {
            members: vec![record],
            ..Default::default()
        })
        .await;
    }

    /// `author` posts `text` sealed under the current secret, which it unwraps itself.
    pub async fn post(&mut self, author: &SigningKey, text: &str) {
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

/// The one-time invitation key of `inviter`'s invite code for `invitee` (deterministic,
/// distinct per pair, as random invite codes would be).
pub fn invite_key(inviter: &MemberKey, invitee: &SigningKey) -> SigningKey {
    let mut hasher = blake3::Hasher::new_derive_key("brook e2e 2026-11 invitation key");
    hasher.update(inviter.as_bytes());
    hasher.update(member_key(invitee).as_bytes());
    SigningKey::from_bytes(hasher.finalize().as_bytes())
}

/// The invitee's side of an invite code: the invitation key admits `invitee` through
/// `grant` and `invitee` signs its acceptance (rule MEM-1).
pub fn accept(
    room: MemberKey,
    grant: GrantRecord,
    invite: &SigningKey,
    invitee: &SigningKey,
) -> MemberRecord {
    brook_common::room::members::accept(&room, grant, invite, invitee).unwrap()
}

/// `member`'s copy of secret `version`, if one is wrapped for it.
pub fn unwrap_secret(state: &RoomState, member: &SigningKey, version: u32) -> Option<RoomSecret> {
    let blob = state.secrets.blob_for(&member_key(member), version)?;
    ecies::unwrap(&member.to_bytes(), &blob.ciphertext).ok()
}

/// Who holds secret `version`, sorted.
pub fn holders(state: &RoomState, version: u32) -> Vec<MemberKey> {
    let mut h: Vec<MemberKey> = state.secrets.holders(version).copied().collect();
    h.sort();
    h
}

/// The keys of `members` and `owner`, sorted (what [`holders`] should answer).
pub fn members_and_owner(members: &[&SigningKey], owner: MemberKey) -> Vec<MemberKey> {
    let mut k: Vec<MemberKey> = members.iter().map(|s| member_key(s)).collect();
    k.push(owner);
    k.sort();
    k
}

/// How many rotations produced `version` in `owner`'s room: the most batches of that
/// version wrapping it for one member other than the owner (a back-fill wraps only
/// members no earlier batch did; a second rotation would wrap them again). Batches carry
/// no time (rule ROT-5), so this is what tells the two apart.
pub fn rotations_of(state: &RoomState, version: u32, owner: MemberKey) -> usize {
    let mut wrapped: Vec<MemberKey> = state
        .secrets
        .batches
        .iter()
        .filter(|b| b.body.version == version)
        .flat_map(|b| b.body.leaves.iter().map(|l| l.member))
        .filter(|m| *m != owner)
        .collect();
    wrapped.sort();
    let mut most = 0;
    for group in wrapped.chunk_by(|a, b| a == b) {
        most = most.max(group.len());
    }
    let any_batch = state
        .secrets
        .batches
        .iter()
        .any(|b| b.body.version == version);
    most.max(usize::from(any_batch))
}

/// The delegate's `RoomStatus` answer for `room` (a status, or the error it answered).
pub async fn room_status(app: &mut BrookApp, room: MemberKey) -> Response {
    app.ask(Request::RoomStatus { room }).await.expect("status")
}

/// The delegate's status of a room it follows.
pub async fn status(app: &mut BrookApp, room: MemberKey) -> RoomStatus {
    match room_status(app, room).await {
        Response::Status(status) => status,
        other => panic!("status expected, got {other:?}"),
    }
}
