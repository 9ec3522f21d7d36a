//! The node simulated around one delegate and one room, shared by the native pipeline
//! and hostile-origin tests: the delegate's effects are performed on a real room state
//! (the contract's own apply) and the node's answers and notifications fed back.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic, dead_code)]

use brook_common::delegate_api::{Request, Response, RoomStatus};
use brook_common::ids::MemberKey;
use brook_common::room::config::Privacy;
use brook_common::room::{wire, RoomParams};
use brook_common::sign::member_key;
use brook_common::testkit::TestRoom;
use chat_delegate::effects::Effect;
use chat_delegate::events::{handle_event, Event};
use chat_delegate::sim::MemoryHost;
use ed25519_dalek::SigningKey;

pub const APP: [u8; 32] = [1; 32];
pub const CODE_HASH: [u8; 32] = [7; 32];

/// The node around one delegate and one room.
pub struct Sim {
    pub host: MemoryHost,
    pub room: TestRoom,
    pub contract: [u8; 32],
    pub replies: Vec<Response>,
    /// Room deltas the delegate emitted, in order.
    pub emitted: Vec<Vec<u8>>,
    /// For each emitted delta, whether the delegate's store held those exact bytes (a
    /// pending marker) when it left.
    pub marked: Vec<bool>,
    /// While set, the node refuses every update with this reason and keeps its state.
    pub refuse: Option<String>,
}

impl Sim {
    /// A private room whose owner key the delegate holds, with `members` invited by the
    /// owner, followed by the delegate.
    pub fn new(members: usize) -> (Sim, Vec<SigningKey>) {
        Sim::new_in(Privacy::Private, members)
    }

    /// As [`Sim::new`], for a room of the given privacy.
    pub fn new_in(privacy: Privacy, members: usize) -> (Sim, Vec<SigningKey>) {
        let mut room = TestRoom::new(privacy);
        let keys = room.add_members(members, false);
        let contract = RoomParams {
            owner: room.owner_key(),
        }
        .contract_id(&CODE_HASH);
        let mut host = MemoryHost::default();
        host.now_ms = 1_000_000;
        let mut sim = Sim {
            host,
            room,
            contract,
            replies: vec![],
            emitted: vec![],
            marked: vec![],
            refuse: None,
        };
        sim.sync_state();
        let owner = sim.room.owner.clone();
        let imported = sim.ask(Request::ImportIdentity {
            room: sim.room.owner_key(),
            seed: owner.to_bytes(),
        });
        assert!(matches!(imported, Response::Identity { .. }));
        (sim, keys)
    }

    pub fn sync_state(&mut self) {
        self.host
            .states
            .insert(self.contract, self.room.state_bytes());
    }

    pub fn ask(&mut self, request: Request) -> Response {
        self.ask_as(APP, request)
    }

    /// A request from web app `origin`.
    pub fn ask_as(&mut self, origin: [u8; 32], request: Request) -> Response {
        self.send(origin, request);
        assert_eq!(self.replies.len(), 1, "one response per request");
        self.replies.pop().expect("a response")
    }

    /// Deliver a request from web app `origin`, whatever it leads to (a crash: no reply).
    pub fn send(&mut self, origin: [u8; 32], request: Request) {
        self.replies.clear();
        self.deliver(Event::App {
            origin: Some(origin),
            payload: request.encode().unwrap(),
        });
    }

    /// Deliver an event and perform everything it leads to, as the node does; a
    /// crash drops the run's effects.
    pub fn deliver(&mut self, event: Event) {
        let mut queue = vec![event];
        while let Some(event) = queue.pop() {
            let Ok(effects) = handle_event(&mut self.host, event) else {
                continue; // crashed: outbound messages lost
            };
            for effect in effects {
                match effect {
                    Effect::Reply(r) => self.replies.push(r),
                    Effect::Subscribe { contract, context } => queue.push(Event::Subscribed {
                        contract,
                        result: Ok(()),
                        context,
                    }),
                    Effect::Update {
                        contract,
                        delta,
                        context,
                    } => {
                        assert_eq!(contract, self.contract);
                        let marked = self.stored(&delta);
                        self.marked.push(marked);
                        self.emitted.push(delta.clone());
                        if let Some(reason) = self.refuse.clone() {
                            queue.push(Event::Updated {
                                contract,
                                result: Err(reason),
                                context,
                            });
                            continue;
                        }
                        let before = self.room.state_bytes();
                        self.room
                            .apply(wire::decode_delta(&delta).expect("delta decodes"));
                        self.sync_state();
                        // The node notifies subscribers after it answered the update.
                        if self.room.state_bytes() != before {
                            queue.push(Event::Notified { contract });
                        }
                        queue.push(Event::Updated {
                            contract,
                            result: Ok(()),
                            context,
                        });
                    }
                }
            }
        }
    }

    /// A change made by someone else (a member's client), notified to the delegate.
    pub fn external(&mut self, delta: brook_common::room::RoomDelta) {
        self.room.apply(delta);
        self.sync_state();
        self.deliver(Event::Notified {
            contract: self.contract,
        });
    }

    /// The owner bans `target` from a member's client while the node refuses updates:
    /// the delegate's rotation is owed (not landed). Returns the owed delta's bytes.
    pub fn owe_a_rotation(&mut self, target: &SigningKey) -> Vec<u8> {
        self.refuse = Some("busy".into());
        let owner = self.room.owner.clone();
        let ban = self.room.ban(&owner, &member_key(target));
        self.external(ban);
        self.emitted.last().expect("the rotation was sent").clone()
    }

    pub fn follow(&mut self) {
        let owner = self.room.owner_key();
        let answer = self.ask(Request::EnsureRoomSubscription {
            room: owner,
            room_contract: CODE_HASH,
        });
        assert_eq!(
            answer,
            Response::Subscribed {
                room: owner,
                contract: self.contract
            }
        );
    }

    /// Whether a record in the delegate's store ends with `bytes` (a pending marker is
    /// a short header, then the exact delta).
    pub fn stored(&self, bytes: &[u8]) -> bool {
        self.host
            .store
            .entries
            .values()
            .any(|value| value.ends_with(bytes))
    }

    pub fn status(&mut self) -> RoomStatus {
        let room = self.room.owner_key();
        match self.ask(Request::RoomStatus { room }) {
            Response::Status(status) => status,
            other => panic!("status, got {other:?}"),
        }
    }

    /// A minute passes and the hourly wake-up runs the pipeline.
    pub fn wake(&mut self) {
        self.host.now_ms += 60_000;
        self.deliver(Event::Wakeup);
    }

    pub fn batches_of(&self, version: u32) -> usize {
        let secrets = &self.room.state.secrets;
        secrets
            .batches
            .iter()
            .filter(|b| b.body.version == version)
            .count()
    }

    pub fn holders(&self, version: u32) -> Vec<MemberKey> {
        let mut h: Vec<MemberKey> = self.room.state.secrets.holders(version).copied().collect();
        h.sort();
        h
    }
}

pub fn keys_of(keys: &[SigningKey]) -> Vec<MemberKey> {
    keys.iter().map(member_key).collect()
}

pub fn sorted(mut keys: Vec<MemberKey>) -> Vec<MemberKey> {
    keys.sort();
    keys
}
