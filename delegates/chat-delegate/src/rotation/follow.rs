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

use crate::records::Follow;
use crate::retirement::{is_retired, unretire};
use crate::store::{
    contract_of, key as key_of, room_key, Kind, RoomKind, SecretStore, ROOMS_PREFIX,
};

/// Record that `origin`, whose key for `room` is `key`, follows `room` under the room
/// contract hashing to `code_hash`; returns the room's contract id.
pub fn follow(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    room: MemberKey,
    key: MemberKey,
    code_hash: [u8; 32],
) -> Result<[u8; 32], ApiError> {
    let contract = RoomParams { owner: room }.contract_id(&code_hash);
    let record = Follow {
        room,
        code_hash,
        owner: key == room,
    }
    .encode();
    let by_room = key_of(origin, Kind::RoomContract, room.as_bytes());
    // Asking to follow is this web app using this delegate again (rule MIG-6).
    unretire(store, origin);
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
        .get(&key_of(origin, Kind::RoomContract, room.as_bytes()))?
        .try_into()
        .ok()
}

/// Every room contract followed for a web app that is not retired (rule MIG-6), each
/// once: the rooms node-driven runs look at.
pub fn followed_contracts(store: &dyn SecretStore) -> Vec<[u8; 32]> {
    contracts_with_followers(store, true)
}

/// Every room contract with a follower record, retired or not, each once. (At most a
/// few hundred: the node allows a delegate 256 subscriptions, so the quadratic dedup
/// costs less code than a sort.)
pub fn contracts_with_followers(store: &dyn SecretStore, active_only: bool) -> Vec<[u8; 32]> {
    let mut contracts: Vec<[u8; 32]> = vec![];
    for k in store.list(ROOMS_PREFIX) {
        let origin: Option<[u8; 32]> = k.get(37..).and_then(|o| o.try_into().ok());
        let (Some(contract), Some(origin)) = (contract_of(&k), origin) else {
            continue;
        };
        let is_follower = k.get(34..37) == Some(b"/f/".as_slice());
        let active = !active_only || !is_retired(store, &origin);
        if is_follower && active && !contracts.contains(&contract) {
            contracts.push(contract);
        }
    }
    contracts
}

/// The origin that owns a followed room: the first following origin (by origin id, so
/// every run picks the same one) that followed it as its owner. A damaged record, or
/// one naming another contract, is never trusted.
pub fn owning_follower(store: &dyn SecretStore, contract: &[u8; 32]) -> Option<([u8; 32], Follow)> {
    let prefix = room_key(contract, RoomKind::Follower, None);
    store
        .list(&prefix)
        .iter()
        .filter_map(|k| {
            let origin: [u8; 32] = k.get(prefix.len()..)?.try_into().ok()?;
            if is_retired(store, &origin) {
                return None; // rule MIG-6: its successor rotates
            }
            let follow = Follow::decode(&store.get(k)?)?;
            let named = RoomParams { owner: follow.room }.contract_id(&follow.code_hash);
            (follow.owner && named == *contract).then_some((origin, follow))
        })
        .min_by_key(|(origin, _)| *origin)
}
