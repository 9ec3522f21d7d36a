//! Deterministic room builders for tests, benchmarks, conformance corpora and the e2e
//! suite. Keys come from labels, timestamps from a counter, nonces from a counter: the
//! same calls always produce the same bytes.
//!
//! Wrapped secrets are real: the room secret from the owner's seed (the KDF), wrapped
//! for each member with the deterministic ECIES of [`crate::ecies`].

pub mod corpus;
pub mod scenario;

use ed25519_dalek::SigningKey;

use crate::ids::MemberKey;
use crate::kdf;
use crate::room::bans::{Ban, Leave};
use crate::room::config::{Privacy, RoomConfig};
use crate::room::member_info::MemberInfo;
use crate::room::members::{Grant, MemberRecord};
use crate::room::messages::Message;
use crate::room::secrets::{SecretBatch, WrappedSecret};
use crate::room::text::RoomText;
use crate::room::upgrade::Upgrade;
use crate::room::wire;
use crate::room::{
    verify_state, ApplyReport, RoomDelta, RoomParams, RoomState, Signed, VerifiedState,
};
use crate::seal::{self, SealContext, SealedField};
use crate::secret::OwnerSeed;
use crate::sign::member_key;

/// A signing key derived from a label and an index.
pub fn signing_key(label: &str, index: u64) -> SigningKey {
    let mut hasher = blake3::Hasher::new_derive_key("brook testkit 2026-11 signing key");
    hasher.update(label.as_bytes());
    hasher.update(&index.to_le_bytes());
    SigningKey::from_bytes(hasher.finalize().as_bytes())
}

/// A room and its owner, with helpers that build signed deltas.
#[derive(Clone)]
pub struct TestRoom {
    pub owner: SigningKey,
    pub params: RoomParams,
    pub state: RoomState,
    clock: u64,
    nonce: u64,
    invites: u64,
}

impl TestRoom {
    pub fn new(privacy: Privacy) -> Self {
        Self::with_owner(signing_key("owner", 0), privacy)
    }

    pub fn with_owner(owner: SigningKey, privacy: Privacy) -> Self {
        let params = RoomParams {
            owner: member_key(&owner),
        };
        let config = RoomConfig::new(privacy, RoomText::Plain("test room".into()));
        let config = Signed::sign(&params.owner, config, &owner).expect("config signs");
        TestRoom {
            owner,
            params,
            state: RoomState::new(config),
            clock: 1_000,
            nonce: 0,
            invites: 0,
        }
    }

    pub fn owner_key(&self) -> MemberKey {
        self.params.owner
    }

    pub fn private(&self) -> bool {
        self.state.config.body.privacy == Privacy::Private
    }

    /// A fresh, strictly increasing timestamp.
    pub fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// A fresh one-time invitation key (what an invite code carries).
    pub fn invite_key(&mut self) -> SigningKey {
        self.invites += 1;
        signing_key("invite", self.invites)
    }

    /// `invitee`'s acceptance of a grant `inviter` signs for a fresh invitation key: the
    /// whole invite-code exchange, each key signing only what is its own to sign. The
    /// invitation key is derived from both keys, so replicas that invite different people
    /// never share one (as random invite codes would not).
    pub fn acceptance(&mut self, inviter: &SigningKey, invitee: &SigningKey) -> MemberRecord {
        let mut label = blake3::Hasher::new();
        label.update(member_key(inviter).as_bytes());
        label.update(member_key(invitee).as_bytes());
        let seed = label.finalize();
        let index = u64::from_le_bytes(seed.as_bytes()[..8].try_into().unwrap());
        let invite = signing_key("invite", index);
        self.acceptance_with(inviter, &invite, invitee)
    }

    /// [`Self::acceptance`] with a given invitation key (to use one twice, MEM-7).
    pub fn acceptance_with(
        &self,
        inviter: &SigningKey,
        invite: &SigningKey,
        invitee: &SigningKey,
    ) -> MemberRecord {
        let grant = Grant {
            inviter: member_key(inviter),
            invite_key: member_key(invite),
        };
        let grant = Signed::sign(&self.params.owner, grant, inviter).expect("grant signs");
        accept(&self.params.owner, grant, invite, invitee)
    }

    /// An acceptance, carrying the inviter's own chain so it applies on any replica.
    pub fn invite(&mut self, inviter: &SigningKey, invitee: &SigningKey) -> RoomDelta {
        let record = self.acceptance(inviter, invitee);
        let mut delta = self.with_chain(RoomDelta::default(), &member_key(inviter));
        delta.members.push(record);
        delta
    }

    /// Add `member`'s chain of acceptances to `delta`: the records a replica that missed
    /// them needs to accept what `member` authored (deltas built here are causally
    /// complete, as a client sending its own records would make them).
    pub fn with_chain(&self, mut delta: RoomDelta, member: &MemberKey) -> RoomDelta {
        delta.members.extend(self.chain_of(member));
        delta
    }

    /// `target`'s chain of acceptances as the current state holds it, owner first.
    pub fn chain_of(&self, target: &MemberKey) -> Vec<MemberRecord> {
        let held: Vec<&MemberRecord> = self
            .state
            .members
            .iter()
            .chain(&self.state.departed)
            .collect();
        let mut chain = Vec::new();
        let mut current = *target;
        while let Some(record) = held.iter().find(|r| r.body.member == current) {
            chain.push((*record).clone());
            current = record.body.inviter();
            if chain.len() > held.len() {
                break;
            }
        }
        chain.reverse();
        chain
    }

    pub fn ban(&mut self, banner: &SigningKey, target: &MemberKey) -> RoomDelta {
        let body = Ban {
            target: *target,
            issuer: member_key(banner),
        };
        let ban = Signed::sign(&self.params.owner, body, banner).expect("ban signs");
        let banner_key = member_key(banner);
        let delta = RoomDelta {
            bans: vec![ban],
            ..Default::default()
        };
        let mut delta = self.with_chain(self.with_chain(delta, target), &banner_key);
        if self.state.config.body.moderators.contains(&banner_key) {
            delta.config = Some(self.state.config.clone()); // the appointment it relies on
        }
        delta
    }

    /// `member` leaves (LEAVE-1).
    pub fn leave(&mut self, member: &SigningKey) -> RoomDelta {
        let key = member_key(member);
        let leave =
            Signed::sign(&self.params.owner, Leave { member: key }, member).expect("leave signs");
        self.with_chain(
            RoomDelta {
                leaves: vec![leave],
                ..Default::default()
            },
            &key,
        )
    }

    fn text(&mut self, author: &MemberKey, field: SealedField, plain: &str) -> RoomText {
        if !self.private() {
            return RoomText::Plain(plain.to_string());
        }
        let version = self.state.secrets.current_version().unwrap_or(0);
        let seed = OwnerSeed::from_bytes(self.owner.to_bytes());
        let secret = kdf::derive_room_secret(&seed, &self.params.owner, version);
        self.nonce += 1;
        let mut nonce = [0u8; 12];
        nonce[..8].copy_from_slice(&self.nonce.to_le_bytes());
        let ctx = SealContext {
            room: &self.params.owner,
            author,
            field,
        };
        RoomText::Sealed(
            seal::seal(&secret, version, &ctx, nonce, plain.as_bytes()).expect("seals"),
        )
    }

    pub fn message_at(&mut self, author: &SigningKey, text: &str, sent_at: u64) -> RoomDelta {
        let author_key = member_key(author);
        let body = Message {
            author: author_key,
            sent_at,
            body: self.text(&author_key, SealedField::MessageBody, text),
        };
        let message = Signed::sign(&self.params.owner, body, author).expect("message signs");
        self.with_chain(
            RoomDelta {
                messages: vec![message],
                ..Default::default()
            },
            &author_key,
        )
    }

    /// An outsider's flood, rule VER-1's worst case: `count` messages, each signed (validly)
    /// by its own key that nobody invited.
    pub fn outsider_flood(&mut self, count: u64) -> RoomDelta {
        let mut delta = RoomDelta::default();
        for n in 0..count {
            let key = signing_key("outsider", n);
            let author = member_key(&key);
            let body = Message {
                author,
                sent_at: n,
                body: self.text(&author, SealedField::MessageBody, "flood"),
            };
            let message = Signed::sign(&self.params.owner, body, &key).expect("message signs");
            delta.messages.push(message);
        }
        delta
    }

    pub fn message(&mut self, author: &SigningKey, text: &str) -> RoomDelta {
        let at = self.tick();
        self.message_at(author, text, at)
    }

    pub fn nickname(&mut self, member: &SigningKey, version: u64, nickname: &str) -> RoomDelta {
        let key = member_key(member);
        let body = MemberInfo {
            member: key,
            version,
            nickname: self.text(&key, SealedField::Nickname, nickname),
        };
        let info = Signed::sign(&self.params.owner, body, member).expect("info signs");
        self.with_chain(
            RoomDelta {
                member_info: vec![info],
                ..Default::default()
            },
            &key,
        )
    }

    /// A new config version signed by `signer` (the owner, unless testing forgery).
    pub fn config_change(
        &self,
        signer: &SigningKey,
        change: impl FnOnce(&mut RoomConfig),
    ) -> RoomDelta {
        let mut config = self.state.config.body.clone();
        config.version += 1;
        change(&mut config);
        let record = Signed::sign(&self.params.owner, config, signer).expect("config signs");
        RoomDelta {
            config: Some(record),
            ..Default::default()
        }
    }

    /// A secret batch of `version` for the owner and `recipients`, really wrapped.
    pub fn secret_batch(&self, version: u32, recipients: &[MemberKey]) -> RoomDelta {
        let seed = OwnerSeed::from_bytes(self.owner.to_bytes());
        let secret = kdf::derive_room_secret(&seed, &self.params.owner, version);
        let mut members: Vec<MemberKey> = recipients.to_vec();
        members.push(self.params.owner);
        members.sort();
        members.dedup();
        let blobs: Vec<WrappedSecret> = members
            .iter()
            .map(|m| WrappedSecret {
                version,
                member: *m,
                ciphertext: crate::ecies::wrap(&secret, m, version)
                    .expect("testkit keys are valid points"),
            })
            .collect();
        let batch = SecretBatch {
            version,
            leaves: blobs.iter().map(|b| b.leaf()).collect(),
        };
        let batch = Signed::sign(&self.params.owner, batch, &self.owner).expect("batch signs");
        let delta = RoomDelta {
            secret_batches: vec![batch],
            secret_blobs: blobs,
            ..Default::default()
        };
        members
            .iter()
            .fold(delta, |delta, m| self.with_chain(delta, m))
    }

    pub fn upgrade(&self, version: u64, successor: [u8; 32]) -> RoomDelta {
        let record = Signed::sign(
            &self.params.owner,
            Upgrade { version, successor },
            &self.owner,
        )
        .expect("signs");
        RoomDelta {
            upgrade: Some(record),
            ..Default::default()
        }
    }

    /// Apply `delta` the way the contract does (the current state is trusted).
    pub fn apply(&mut self, delta: RoomDelta) -> ApplyReport {
        let current = VerifiedState::trust_node_validated(&self.params, self.state.clone());
        let (next, report) = current.apply(delta);
        self.state = next.into_state();
        report
    }

    /// Full validation, as `validate_state` runs it.
    pub fn validate(&self) -> Result<(), crate::room::RoomError> {
        verify_state(&self.params, self.state.clone()).map(|_| ())
    }

    pub fn params_bytes(&self) -> Vec<u8> {
        wire::encode_params(&self.params).expect("params encode")
    }

    pub fn state_bytes(&self) -> Vec<u8> {
        wire::encode_state(&self.state).expect("state encodes")
    }

    /// Invite `count` members: flat (all by the owner) or as one chain.
    pub fn add_members(&mut self, count: usize, chain: bool) -> Vec<SigningKey> {
        let mut keys: Vec<SigningKey> = Vec::with_capacity(count);
        let mut delta = RoomDelta::default();
        for i in 0..count {
            let key = signing_key("member", i as u64);
            let inviter = if chain && i > 0 {
                keys[i - 1].clone()
            } else {
                self.owner.clone()
            };
            delta.members.push(self.acceptance(&inviter, &key));
            keys.push(key);
        }
        self.apply(delta);
        keys
    }
}

/// The invitee's side of an invite code (see [`crate::room::members::accept`]).
pub fn accept(
    room: &MemberKey,
    grant: Signed<Grant>,
    invite: &SigningKey,
    invitee: &SigningKey,
) -> MemberRecord {
    crate::room::members::accept(room, grant, invite, invitee).expect("acceptance signs")
}

/// The benchmark shapes: `members` members (flat or one chain), `messages` messages
/// spread over the members, and in private rooms one rotation wrapped for everyone.
pub fn populated_room(
    privacy: Privacy,
    members: usize,
    messages: usize,
    chain: bool,
) -> (TestRoom, Vec<SigningKey>) {
    populated_room_owned_by(signing_key("owner", 0), privacy, members, messages, chain)
}

/// [`populated_room`] for a given owner (a different owner is a different contract).
pub fn populated_room_owned_by(
    owner: SigningKey,
    privacy: Privacy,
    members: usize,
    messages: usize,
    chain: bool,
) -> (TestRoom, Vec<SigningKey>) {
    let mut room = TestRoom::with_owner(owner, privacy);
    let keys = room.add_members(members, chain);
    if privacy == Privacy::Private {
        let recipients: Vec<MemberKey> = keys.iter().map(member_key).collect();
        let batch = room.secret_batch(0, &recipients);
        room.apply(batch);
    }
    let mut delta = RoomDelta::default();
    for i in 0..messages {
        let author = if keys.is_empty() {
            room.owner.clone()
        } else {
            keys[i % keys.len()].clone()
        };
        delta.messages.extend(
            room.message(&author, &format!("message number {i}: hello, room"))
                .messages,
        );
    }
    room.apply(delta);
    (room, keys)
}
