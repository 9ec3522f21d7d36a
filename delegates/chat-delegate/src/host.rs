//! What the delegate's logic needs from the node, as one trait: the secret store, the
//! node's RNG and clock, a local read of a contract's state, and crash points.
//!
//! The node implements it in `lib.rs`; native tests implement it in memory, including a
//! host that "crashes" at a chosen step, to prove the rotation pipeline survives a crash
//! anywhere.

use crate::store::SecretStore;

/// The pipeline steps at which a crash is simulated (see [`Host::checkpoint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A rotation was planned; nothing is stored or emitted yet.
    Planned,
    /// The pending marker is stored; the update is not emitted yet.
    Marked,
    /// The node answered the update; the marker is not cleared yet.
    Answered,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Planned, Step::Marked, Step::Answered];

    pub fn name(self) -> &'static str {
        match self {
            Step::Planned => "planned",
            Step::Marked => "marked",
            Step::Answered => "answered",
        }
    }

    pub fn from_name(name: &[u8]) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name().as_bytes() == name)
    }
}

/// A simulated crash: the run stops here, its writes so far stay, its outbound
/// messages are lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crashed(pub Step);

pub trait Host: SecretStore {
    /// 32 fresh random bytes.
    fn random_seed(&mut self) -> [u8; 32];
    /// The node's clock, ms since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// The state this node holds for a contract instance, if any.
    fn contract_state(&self, contract: &[u8; 32]) -> Option<Vec<u8>>;
    /// Called at each pipeline step; `Err` aborts the run there. Always `Ok` in the
    /// shipped delegate.
    fn checkpoint(&mut self, step: Step) -> Result<(), Crashed> {
        let _ = step;
        Ok(())
    }
}

/// A node in memory, for native tests: a secret store, room states by contract id, a
/// settable clock, deterministic seeds and an optional one-shot crash.
#[derive(Debug, Default, Clone)]
pub struct MemoryHost {
    pub store: crate::store::MemoryStore,
    pub states: std::collections::BTreeMap<[u8; 32], Vec<u8>>,
    pub now_ms: u64,
    /// Crash once, at this step.
    pub crash_at: Option<Step>,
    seeds: u64,
}

impl MemoryHost {
    /// Have web app `origin` import the owner seed `owner_seed` of the room whose state
    /// is `state` and follow it under the room contract hashing to `code_hash`, as the
    /// UI does; the node confirms the subscription. Returns the room's contract id.
    /// (Benchmarks, fuzzing and tests start from here.)
    pub fn own_and_follow(
        &mut self,
        origin: [u8; 32],
        owner_seed: [u8; 32],
        code_hash: [u8; 32],
        state: Vec<u8>,
    ) -> [u8; 32] {
        use brook_common::delegate_api::Request;
        use brook_common::room::RoomParams;

        use crate::effects::Effect;
        use crate::events::{handle_event, Event};

        let owner =
            brook_common::sign::member_key(&ed25519_dalek::SigningKey::from_bytes(&owner_seed));
        let contract = RoomParams { owner }.contract_id(&code_hash);
        self.states.insert(contract, state);
        let mut pending = vec![
            Event::App {
                origin: Some(origin),
                payload: Request::ImportIdentity {
                    room: owner,
                    seed: owner_seed,
                }
                .encode(),
            },
            Event::App {
                origin: Some(origin),
                payload: Request::EnsureRoomSubscription {
                    room: owner,
                    room_contract: code_hash,
                }
                .encode(),
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
        contract
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
        self.seeds += 1;
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
