//! Which rooms the delegate follows, and for which web app.
//!
//! Node-driven runs (a contract notification, `NodeStarted`, a wake-up) carry no origin,
//! so the delegate keeps, per room contract, the origins that asked it to follow that
//! room (`r/<contract>/f/<origin>` → the room's owner key and contract code hash). The
//! contract id is derived here from the owner key and code hash, never taken from the
//! caller: a notification for a followed id therefore comes from the room contract the
//! UI ships, which the node already ran over that state.

use brook_common::delegate_api::ApiError;
use brook_common::ids::MemberKey;
use brook_common::room::RoomParams;
use brook_common::sign::member_key;
use ed25519_dalek::SigningKey;

use crate::handler::identity;
pub use crate::records::Follow;
use crate::store::{key, room_key, Kind, RoomKind, SecretStore, ROOMS_PREFIX};

/// Record that `origin` follows `room` under the room contract hashing to `code_hash`;
/// returns the room's contract id.
pub fn follow(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    room: MemberKey,
    code_hash: [u8; 32],
) -> Result<[u8; 32], ApiError> {
    let contract = RoomParams { owner: room }.contract_id(&code_hash);
    let record = Follow { room, code_hash }.encode();
    let by_room = key(origin, Kind::RoomContract, room.as_bytes());
    let ok = store.set(
        &room_key(&contract, RoomKind::Follower, Some(origin)),
        &record,
    ) && store.set(&by_room, &contract);
    ok.then_some(contract).ok_or(ApiError::Storage)
}

/// The contract id of `room`, if `origin` follows it.
pub fn followed_contract(
    store: &dyn SecretStore,
    origin: &[u8; 32],
    room: &MemberKey,
) -> Option<[u8; 32]> {
    store
        .get(&key(origin, Kind::RoomContract, room.as_bytes()))?
        .try_into()
        .ok()
}

/// Every followed room contract, each once, in key order.
pub fn followed_contracts(store: &dyn SecretStore) -> Vec<[u8; 32]> {
    let mut contracts: Vec<[u8; 32]> = store
        .list(ROOMS_PREFIX)
        .iter()
        .filter(|k| k.get(34..37) == Some(b"/f/".as_slice()))
        .filter_map(|k| crate::store::contract_of(k))
        .collect();
    contracts.sort_unstable();
    contracts.dedup();
    contracts
}

/// The owner of a followed room, as this delegate holds them.
pub struct Owner {
    pub origin: [u8; 32],
    pub room: MemberKey,
    pub key: SigningKey,
}

/// The owner key this delegate holds for `contract`: the first following origin (by
/// origin id, so every run picks the same one) whose identity for the room is the
/// room's owner key. `None` when no follower owns the room.
pub fn owner_of(store: &dyn SecretStore, contract: &[u8; 32]) -> Option<Owner> {
    let prefix = room_key(contract, RoomKind::Follower, None);
    let mut origins: Vec<[u8; 32]> = store
        .list(&prefix)
        .iter()
        .filter_map(|k| k.get(prefix.len()..)?.try_into().ok())
        .collect();
    origins.sort_unstable();
    origins.into_iter().find_map(|origin| {
        let bytes = store.get(&room_key(contract, RoomKind::Follower, Some(&origin)))?;
        let follow = Follow::decode(&bytes)?;
        // The record must name this very contract: a damaged record is never trusted.
        if (RoomParams { owner: follow.room }).contract_id(&follow.code_hash) != *contract {
            return None;
        }
        let key = identity(store, &origin, &follow.room).ok()?;
        (member_key(&key) == follow.room).then_some(Owner {
            origin,
            room: follow.room,
            key,
        })
    })
}
