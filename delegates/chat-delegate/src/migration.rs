//! Carry-forward of a web app's data across delegate versions (docs/design.md §10).
//!
//! Every version answers both sides: as a predecessor it exports what the web app stored
//! (`MigrationExport`) and stands down when its successor took over (`Retire`); as a
//! successor it imports one entry at a time through its own rules and keeps the
//! markers and journal of freenet-migrate's journaled walk, which runs in the client.
//!
//! Rules:
//! - MIG-1: everything is scoped by the calling web app: it exports only its own
//!   entries and imports only into its own scope.
//! - MIG-2: an import never overwrites: what the successor already holds wins (an
//!   identity is never replaced, a stored value never rolled back).
//! - MIG-3: a follower record is imported only if it names the room contract its own
//!   fields derive, and its owner flag is never taken from the entry: it is recomputed
//!   from the identity this origin holds for the room, now and again when that identity
//!   is imported later (entries arrive in any order; rule ORG-1). Imports count against
//!   the origin's shares like the requests that create the same records (rule ORG-2).
//! - MIG-4: markers are kept apart (in progress / done), and an in-progress marker that
//!   saw data is never downgraded.
//! - MIG-5: the walk's own bookkeeping (markers, journal) is never exported.
//! - MIG-6: a retired web app's rooms are neither followed nor rotated by this delegate
//!   any more, but nothing of it is deleted: a predecessor stays frozen as exported.
//!   The web app asking to follow a room again undoes it.

use brook_common::delegate_api::{ApiError, MigrationMarker, Response, StoredEntry};
use brook_common::ids::MemberKey;
use brook_common::room::RoomParams;

use crate::identity::{identity_count, owner_key};
use crate::quota::{self, MAX_IDENTITIES_PER_ORIGIN, MAX_VALUES_PER_ORIGIN, MAX_VALUE_BYTES};
use crate::records::Follow;
use crate::retirement::{is_retired, mark_retired};
use crate::rotation::follow::{check_follow_quota, contracts_of, reprove_ownership};
use crate::store::{key, prefix, room_key, Kind, RoomKind, SecretStore};

/// Relative names of exported entries.
const IDENTITY: &[u8] = b"id/";
const VALUE: &[u8] = b"kv/";
const ROOM_CONTRACT: &[u8] = b"rc/";
const FOLLOWER: &[u8] = b"f/";

fn exported_kinds() -> [(Kind, &'static [u8]); 3] {
    [
        (Kind::Identity, IDENTITY),
        (Kind::Value, VALUE),
        (Kind::RoomContract, ROOM_CONTRACT),
    ]
}

/// Rules MIG-1, MIG-5.
pub fn export(store: &dyn SecretStore, origin: &[u8; 32]) -> Response {
    let mut entries = vec![];
    for (kind, relative) in exported_kinds() {
        let scope = prefix(origin, kind);
        for full in store.list(&scope) {
            if let (Some(name), Some(value)) = (full.get(scope.len()..), store.get(&full)) {
                entries.push(StoredEntry {
                    name: [relative, name].concat(),
                    value,
                });
            }
        }
    }
    for contract in contracts_of(store, origin) {
        let follower = room_key(&contract, RoomKind::Follower, Some(origin));
        if let Some(value) = store.get(&follower) {
            entries.push(StoredEntry {
                name: [FOLLOWER, &contract[..]].concat(),
                value,
            });
        }
    }
    // In store order: the walk offers entries one at a time, in any order (rule MIG-3).
    Response::Exported { entries }
}

/// Rules MIG-1..MIG-3: one entry, through this delegate's own rules.
pub fn import(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    entry: StoredEntry,
) -> Result<Response, ApiError> {
    let bad = |why: &str| ApiError::BadImport(why.into());
    let mut proven_owner: Option<MemberKey> = None;
    let (target, value) = if let Some(room) = entry.name.strip_prefix(IDENTITY) {
        let (Ok(room), Ok(_)) = (
            <[u8; 32]>::try_from(room),
            <[u8; 32]>::try_from(entry.value.as_slice()),
        ) else {
            return Err(bad("an identity is a 32-byte room and a 32-byte seed"));
        };
        let target = key(origin, Kind::Identity, &room);
        if store.get(&target).is_none() {
            quota::check(
                "room identities",
                identity_count(store, origin),
                MAX_IDENTITIES_PER_ORIGIN,
            )?;
        }
        proven_owner = Some(MemberKey(room));
        (target, entry.value)
    } else if let Some(name) = entry.name.strip_prefix(VALUE) {
        let stored = entry.value.len().saturating_sub(8);
        if entry.value.len() < 8 || stored > MAX_VALUE_BYTES {
            return Err(bad(
                "a stored value is its 8-byte generation and at most 64 KiB",
            ));
        }
        let target = key(origin, Kind::Value, name);
        if store.get(&target).is_none() {
            let held = store.list(&prefix(origin, Kind::Value)).len();
            quota::check("stored values", held, MAX_VALUES_PER_ORIGIN)?;
        }
        (target, entry.value)
    } else if let Some(room) = entry.name.strip_prefix(ROOM_CONTRACT) {
        if room.len() != 32 || entry.value.len() != 32 {
            return Err(bad("a room contract entry is a 32-byte room and code hash"));
        }
        (key(origin, Kind::RoomContract, room), entry.value)
    } else if let Some(contract) = entry.name.strip_prefix(FOLLOWER) {
        let contract: [u8; 32] = contract
            .try_into()
            .map_err(|_| bad("a follower entry names a 32-byte contract"))?;
        let mut follow =
            Follow::decode(&entry.value).ok_or_else(|| bad("damaged follower record"))?;
        // rule MIG-3
        if (RoomParams { owner: follow.room }).contract_id(&follow.code_hash) != contract {
            return Err(bad("the follower record names another contract"));
        }
        check_follow_quota(store, origin, &contract)?; // rule ORG-2
                                                       // rule ORG-1: ownership is proven by the key this origin holds, not claimed.
        follow.owner = owner_key(store, origin, &follow.room).is_some();
        let target = room_key(&contract, RoomKind::Follower, Some(origin));
        (target, follow.encode())
    } else {
        return Err(bad("unknown entry kind"));
    };
    // rule MIG-2
    if store.get(&target).is_some() {
        return Ok(Response::Imported { written: false });
    }
    if !store.set(&target, &value) {
        return Err(ApiError::Storage);
    }
    if let Some(room) = proven_owner {
        // rule ORG-1: a follower record imported before this identity learns it now.
        let owner = owner_key(store, origin, &room).is_some();
        reprove_ownership(store, origin, &room, owner);
    }
    Ok(Response::Imported { written: true })
}

fn marker_key(origin: &[u8; 32], predecessor: &[u8; 32], done: bool) -> Vec<u8> {
    let mut name = b"mg/".to_vec();
    name.extend_from_slice(predecessor);
    name.extend_from_slice(if done { b"/done" } else { b"/wip" });
    key(origin, Kind::Migration, &name)
}

fn read_marker(store: &dyn SecretStore, key: &[u8]) -> Option<MigrationMarker> {
    match store.get(key)?.as_slice() {
        [0, saw] => Some(MigrationMarker::InProgress {
            saw_data: *saw == 1,
        }),
        [1, had] => Some(MigrationMarker::Done {
            had_data: *had == 1,
        }),
        _ => None,
    }
}

pub fn markers(store: &dyn SecretStore, origin: &[u8; 32], predecessor: &[u8; 32]) -> Response {
    Response::Markers {
        in_progress: read_marker(store, &marker_key(origin, predecessor, false)),
        done: read_marker(store, &marker_key(origin, predecessor, true)),
    }
}

/// Rule MIG-4.
pub fn record_marker(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    predecessor: &[u8; 32],
    marker: MigrationMarker,
) -> Result<Response, ApiError> {
    let (target, bytes) = match marker {
        MigrationMarker::InProgress { saw_data } => {
            let target = marker_key(origin, predecessor, false);
            let stored_saw = matches!(
                read_marker(store, &target),
                Some(MigrationMarker::InProgress { saw_data: true })
            );
            (target, [0, u8::from(saw_data || stored_saw)])
        }
        MigrationMarker::Done { had_data } => (
            marker_key(origin, predecessor, true),
            [1, u8::from(had_data)],
        ),
    };
    if !store.set(&target, &bytes) {
        return Err(ApiError::Storage);
    }
    Ok(markers(store, origin, predecessor))
}

fn journal_key(origin: &[u8; 32]) -> Vec<u8> {
    key(origin, Kind::Migration, b"journal")
}

pub fn journal(store: &dyn SecretStore, origin: &[u8; 32]) -> Response {
    Response::Journal {
        journal: store.get(&journal_key(origin)),
    }
}

pub fn store_journal(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    journal: Vec<u8>,
) -> Result<Response, ApiError> {
    if !store.set(&journal_key(origin), &journal) {
        return Err(ApiError::Storage);
    }
    Ok(Response::Journal {
        journal: Some(journal),
    })
}

/// Stop acting for this web app's rooms: its successor follows them now (rule MIG-6).
/// Answers how many rooms were stood down by this call (0 when already retired).
/// Nothing is deleted, so what a later walk exports stays what the first one counted.
pub fn retire(store: &mut dyn SecretStore, origin: &[u8; 32]) -> Result<Response, ApiError> {
    if is_retired(store, origin) {
        return Ok(Response::Retired { rooms: 0 }); // nothing more stood down
    }
    let rooms = contracts_of(store, origin).len();
    let rooms = u32::try_from(rooms).map_err(|_| ApiError::Internal("room count".into()))?;
    if !mark_retired(store, origin) {
        return Err(ApiError::Storage);
    }
    Ok(Response::Retired { rooms })
}

/// The room this delegate follows for `origin` under `contract`, if any (tests).
pub fn follows(
    store: &dyn SecretStore,
    origin: &[u8; 32],
    contract: &[u8; 32],
) -> Option<MemberKey> {
    let bytes = store.get(&room_key(contract, RoomKind::Follower, Some(origin)))?;
    Follow::decode(&bytes).map(|f| f.room)
}
