//! Which rooms the delegate follows, and for which web app.
//!
//! Node-driven runs (a contract notification, `NodeStarted`, a wake-up) carry no origin,
//! so the delegate keeps, per room contract and origin, that the origin follows the room
//! (`r/<contract>/f/<origin>` → the room's owner key, the contract code hash, and whether
//! the origin holds the owner's key). The contract id is derived here from the owner key
//! and code hash, never taken from the caller: a notification for a followed id
//! therefore comes from the room contract the UI ships, which the node already ran over
//! that state.
//!
//! Rules:
//! - ORG-1: every record belongs to exactly one origin, and no request of another origin
//!   reads it, changes it, learns whether it exists, or changes what this origin's
//!   pipeline does. Ownership of a room is proven by holding the owner's key, never
//!   claimed: the follower record's owner flag is computed from the identity this
//!   origin holds, at follow time and again when either is imported (`migration`).
//! - ORG-2: an origin follows at most `MAX_FOLLOWS_PER_ORIGIN` rooms, and the delegate
//!   at most the node's `MAX_FOLLOWED_CONTRACTS` in all (see `quota`).

use brook_common::delegate_api::ApiError;
use brook_common::ids::MemberKey;
use brook_common::room::RoomParams;

use crate::quota::{self, MAX_FOLLOWED_CONTRACTS, MAX_FOLLOWS_PER_ORIGIN};
use crate::records::Follow;
use crate::retirement::{is_retired, unretire};
use crate::store::{
    contract_of, is_follower_key, key as key_of, origin_of, room_key, Kind, RoomKind, SecretStore,
    ROOMS_PREFIX,
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
    let follower = room_key(&contract, RoomKind::Follower, Some(origin));
    check_follow_quota(store, origin, &contract)?;
    let record = Follow {
        room,
        code_hash,
        owner: key == room, // rule ORG-1: from the key this origin holds
    }
    .encode();
    // Asking to follow is this web app using this delegate again (rule MIG-6).
    unretire(store, origin);
    let by_room = key_of(origin, Kind::RoomContract, room.as_bytes());
    let ok = store.set(&follower, &record) && store.set(&by_room, &code_hash);
    ok.then_some(contract).ok_or(ApiError::Storage)
}

/// Rule ORG-2: a new follower record of `origin` for `contract` fits its share.
pub fn check_follow_quota(
    store: &dyn SecretStore,
    origin: &[u8; 32],
    contract: &[u8; 32],
) -> Result<(), ApiError> {
    if store
        .get(&room_key(contract, RoomKind::Follower, Some(origin)))
        .is_some()
    {
        return Ok(()); // following again takes nothing new
    }
    quota::check(
        "followed rooms",
        contracts_of(store, origin).len(),
        MAX_FOLLOWS_PER_ORIGIN,
    )?;
    let all = contracts_with_followers(store, false);
    if all.contains(contract) {
        return Ok(()); // the node's subscription is shared
    }
    quota::check(
        "the node's subscriptions",
        all.len(),
        MAX_FOLLOWED_CONTRACTS,
    )
}

/// The contract id of `room`, if `origin` follows it: derived from the code hash the
/// origin followed it under, and only if its follower record is there.
pub fn followed_contract(
    store: &dyn SecretStore,
    origin: &[u8; 32],
    room: &MemberKey,
) -> Option<[u8; 32]> {
    let code_hash: [u8; 32] = store
        .get(&key_of(origin, Kind::RoomContract, room.as_bytes()))?
        .try_into()
        .ok()?;
    let contract = RoomParams { owner: *room }.contract_id(&code_hash);
    let follow = follow_record(store, &contract, origin)?;
    (follow.room == *room).then_some(contract)
}

/// `origin`'s follower record of `contract`, if it is there and names that contract.
pub fn follow_record(
    store: &dyn SecretStore,
    contract: &[u8; 32],
    origin: &[u8; 32],
) -> Option<Follow> {
    let follow =
        Follow::decode(&store.get(&room_key(contract, RoomKind::Follower, Some(origin)))?)?;
    let named = RoomParams { owner: follow.room }.contract_id(&follow.code_hash);
    (named == *contract).then_some(follow)
}

/// Every follower record's contract and origin.
fn follower_records(store: &dyn SecretStore) -> impl Iterator<Item = ([u8; 32], [u8; 32])> {
    store
        .list(ROOMS_PREFIX)
        .into_iter()
        .filter(|k| is_follower_key(k))
        .filter_map(|k| Some((contract_of(&k)?, origin_of(&k)?)))
}

/// Every room contract followed for a web app that is not retired (rule MIG-6), each
/// once: the rooms node-driven runs look at.
pub fn followed_contracts(store: &dyn SecretStore) -> Vec<[u8; 32]> {
    contracts_with_followers(store, true)
}

/// Every room contract with a follower record, retired or not, each once. (At most
/// `MAX_FOLLOWED_CONTRACTS`, so the quadratic dedup costs less code than a sort.)
pub fn contracts_with_followers(store: &dyn SecretStore, active_only: bool) -> Vec<[u8; 32]> {
    let mut contracts: Vec<[u8; 32]> = vec![];
    for (contract, origin) in follower_records(store) {
        let active = !active_only || !is_retired(store, &origin);
        if active && !contracts.contains(&contract) {
            contracts.push(contract);
        }
    }
    contracts
}

/// Contracts `origin` follows (its export, its retirement count).
pub fn contracts_of(store: &dyn SecretStore, origin: &[u8; 32]) -> Vec<[u8; 32]> {
    follower_records(store)
        .filter(|(_, o)| o == origin)
        .map(|(contract, _)| contract)
        .collect()
}

/// The origin that owns a followed room: the first following origin (by origin id, so
/// every run picks the same one) whose owner flag its own key proved (rule ORG-1). A
/// damaged record, or one naming another contract, is never trusted.
pub fn owning_follower(store: &dyn SecretStore, contract: &[u8; 32]) -> Option<([u8; 32], Follow)> {
    let prefix = room_key(contract, RoomKind::Follower, None);
    store
        .list(&prefix)
        .iter()
        .filter_map(|k| {
            let origin = origin_of(k)?;
            if is_retired(store, &origin) {
                return None; // rule MIG-6: its successor rotates
            }
            let follow = follow_record(store, contract, &origin)?;
            follow.owner.then_some((origin, follow))
        })
        .min_by_key(|(origin, _)| *origin)
}

/// Recompute the owner flag of `origin`'s follower records of `room` after its identity
/// for the room changed (an import): `owner` is whether that identity is the room's key.
pub fn reprove_ownership(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    room: &MemberKey,
    owner: bool,
) {
    for contract in contracts_of(store, origin) {
        let Some(mut follow) = follow_record(store, &contract, origin) else {
            continue;
        };
        if follow.room == *room && follow.owner != owner {
            follow.owner = owner;
            store.set(
                &room_key(&contract, RoomKind::Follower, Some(origin)),
                &follow.encode(),
            );
        }
    }
}
