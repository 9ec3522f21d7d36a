//! A node in memory, for native tests, benchmarks and fuzzing: the secret store, the
//! room states this node holds, a settable clock, deterministic seeds and a one-shot
//! crash at a chosen pipeline step. Everything the shipped delegate does runs against it
//! unchanged; only `node.rs` differs.

use std::collections::BTreeMap;

use brook_common::codec::CodecError;
use brook_common::delegate_api::Request;
use brook_common::room::RoomParams;
use brook_common::sign::member_key;
use ed25519_dalek::SigningKey;

use crate::effects::Effect;
use crate::events::{handle_event, Event};
use crate::host::{Crashed, Host, Step};
use crate::store::{MemoryStore, SecretStore};

/// A node in memory, for native tests: a secret store, room states by contract id, a
/// settable clock, deterministic seeds and an optional one-shot crash.
#[derive(Debug, Default, Clone)]
pub struct MemoryHost {
    pub store: MemoryStore,
    pub states: BTreeMap<[u8; 32], Vec<u8>>,
    pub now_ms: u64,
    /// Crash once, at this step.
    pub crash_at: Option<Step>,
    seeds: u64,
}

impl MemoryHost {
    /// Have web app `origin` import the owner seed `owner_seed` of the room whose state
    /// is `state` and follow it under the room contract hashing to `code_hash`, as the
    /// UI does; the node confirms the subscription. Returns the room's contract id.
    /// (Benchmarks, fuzzing and tests start from here.) Fails only if a request does not
    /// encode.
    pub fn own_and_follow(
        &mut self,
        origin: [u8; 32],
        owner_seed: [u8; 32],
        code_hash: [u8; 32],
        state: Vec<u8>,
    ) -> Result<[u8; 32], CodecError> {
        let owner = member_key(&SigningKey::from_bytes(&owner_seed));
        let contract = RoomParams { owner }.contract_id(&code_hash);
        self.states.insert(contract, state);
        let mut pending = vec![
            Event::App {
                origin: Some(origin),
                payload: Request::ImportIdentity {
                    room: owner,
                    seed: owner_seed,
                }
                .encode()?,
            },
            Event::App {
                origin: Some(origin),
                payload: Request::EnsureRoomSubscription {
                    room: owner,
                    room_contract: code_hash,
                }
                .encode()?,
            },
        ];
        pending.reverse();
        while let Some(event) = pending.pop() {
            let Ok(effects) = handle_event(self, event) else {
                continue;
            };
            for effect in effects {
                if let Effect::Subscribe { contract, context } = effect {
                    pending.push(Event::Subscribed {
                        contract,
                        result: Ok(()),
                        context,
                    });
                }
            }
        }
        Ok(contract)
    }
}

impl SecretStore for MemoryHost {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.store.get(key)
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> bool {
        self.store.set(key, value)
    }

    fn remove(&mut self, key: &[u8]) -> bool {
        self.store.remove(key)
    }

    fn list(&self, prefix: &[u8]) -> Vec<Vec<u8>> {
        self.store.list(prefix)
    }
}

impl Host for MemoryHost {
    fn random_seed(&mut self) -> [u8; 32] {
        self.seeds = self.seeds.wrapping_add(1); // a test counter: wrapping is harmless
        *blake3::hash(&self.seeds.to_le_bytes()).as_bytes()
    }

    fn now_ms(&self) -> u64 {
        self.now_ms
    }

    fn contract_state(&self, contract: &[u8; 32]) -> Option<Vec<u8>> {
        self.states.get(contract).cloned()
    }

    fn checkpoint(&mut self, step: Step) -> Result<(), Crashed> {
        if self.crash_at == Some(step) {
            self.crash_at = None;
            return Err(Crashed(step));
        }
        Ok(())
    }
}
