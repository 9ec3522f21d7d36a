//! The delegate's request logic, free of the host: one request in, one response out.
//!
//! Rules:
//! - DEL-1: keys never leave except through `ExportIdentity` with its acknowledgement.
//! - DEL-2: a record is signed only if this user's key for the room is the record's
//!   signer (config and upgrade: only the owner's key); the record kind's domain tag and
//!   the room are bound into the signature (see `brook_common::sign`).
//! - DEL-3: storage writes succeed only at the expected generation (compare-and-swap),
//!   so two tabs of the UI never silently overwrite each other.

use brook_common::delegate_api::{
    ApiError, RecordToSign, Request, Response, RoomIdentity, StoredValue,
};
use brook_common::ids::MemberKey;
use brook_common::room::RecordBody;
use brook_common::sign::{member_key, sign_body, Sig};
use ed25519_dalek::SigningKey;
use zeroize::Zeroizing;

use crate::host::Host;
use crate::migration;

/// Which build this is, as `Ping` answers (the upgrade story builds three).
pub const GENERATION: u32 = if cfg!(feature = "generation-c") {
    3
} else if cfg!(feature = "generation-b") {
    2
} else {
    1
};
use crate::store::{key, prefix, Kind, SecretStore};

/// Handle one request from the web app `origin` that the delegate answers at once
/// (requests that wait on the node are in `events`).
pub fn handle(host: &mut dyn Host, origin: &[u8; 32], request: Request) -> Response {
    // Only a new identity needs randomness: ask the host for it only then.
    let fresh = matches!(request, Request::CreateIdentity { .. })
        .then(|| Zeroizing::new(host.random_seed()));
    let store: &mut dyn SecretStore = host;
    let result = match (request, fresh) {
        (Request::CreateIdentity { room }, Some(seed)) => {
            create_identity(store, origin, room, seed)
        }
        (request, _) => answer(store, origin, request),
    };
    result.unwrap_or_else(Response::Error)
}

fn answer(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    request: Request,
) -> Result<Response, ApiError> {
    match request {
        Request::CreateIdentity { .. } => Err(ApiError::Storage),
        Request::ImportIdentity { room, seed } => {
            import_identity(store, origin, room, Zeroizing::new(seed))
        }
        Request::PublicKey { room } => {
            identity(store, origin, &room).map(|key| Response::Identity {
                room,
                key: member_key(&key),
            })
        }
        Request::Sign { room, record } => {
            sign(store, origin, &room, &record).map(Response::Signature)
        }
        Request::ListRooms => Ok(list_rooms(store, origin)),
        Request::ExportIdentity {
            room,
            acknowledge: _,
        } => identity(store, origin, &room).map(|key| Response::ExportedIdentity {
            room,
            seed: key.to_bytes(),
        }), // rule DEL-1
        Request::StoreGet { key: name } => Ok(Response::Stored {
            value: read_value(store, origin, &name),
        }),
        Request::StorePut {
            key: name,
            value,
            expected_generation,
        } => put_value(store, origin, &name, value, expected_generation),
        Request::MigrationExport => Ok(migration::export(store, origin)),
        Request::MigrationImport { entry, .. } => migration::import(store, origin, entry),
        Request::MigrationMarkers { predecessor } => {
            Ok(migration::markers(store, origin, &predecessor))
        }
        Request::RecordMigrationMarker {
            predecessor,
            marker,
        } => migration::record_marker(store, origin, &predecessor, marker),
        Request::MigrationJournal => Ok(migration::journal(store, origin)),
        Request::StoreMigrationJournal { journal } => {
            migration::store_journal(store, origin, journal)
        }
        Request::Retire => migration::retire(store, origin),
        Request::Ping => Ok(Response::Pong {
            generation: GENERATION,
        }),
        Request::EnsureRoomSubscription { .. }
        | Request::BanMember { .. }
        | Request::RoomStatus { .. } => Err(ApiError::MalformedRequest(
            "this request is answered by the event loop".into(),
        )),
    }
}

/// This origin's signing key for `room`.
pub fn identity(
    store: &dyn SecretStore,
    origin: &[u8; 32],
    room: &MemberKey,
) -> Result<SigningKey, ApiError> {
    let seed = Zeroizing::new(
        store
            .get(&key(origin, Kind::Identity, room.as_bytes()))
            .ok_or(ApiError::NoIdentity)?,
    );
    let seed: [u8; 32] = seed.as_slice().try_into().map_err(|_| ApiError::Storage)?;
    Ok(SigningKey::from_bytes(&seed))
}

fn store_identity(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    room: &MemberKey,
    key: &SigningKey,
) -> Result<(), ApiError> {
    let name = crate::store::key(origin, Kind::Identity, room.as_bytes());
    if store.get(&name).is_some() {
        return Err(ApiError::IdentityExists);
    }
    let seed = Zeroizing::new(key.to_bytes());
    if store.set(&name, seed.as_slice()) {
        Ok(())
    } else {
        Err(ApiError::Storage)
    }
}

fn create_identity(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    room: Option<MemberKey>,
    seed: Zeroizing<[u8; 32]>,
) -> Result<Response, ApiError> {
    let key = SigningKey::from_bytes(&seed);
    let public = member_key(&key);
    // A new room is named by its owner's key.
    let room = room.unwrap_or(public);
    store_identity(store, origin, &room, &key)?;
    Ok(Response::Identity { room, key: public })
}

fn import_identity(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    room: MemberKey,
    seed: Zeroizing<[u8; 32]>,
) -> Result<Response, ApiError> {
    let key = SigningKey::from_bytes(&seed);
    store_identity(store, origin, &room, &key)?;
    Ok(Response::Identity {
        room,
        key: member_key(&key),
    })
}

/// Rule DEL-2.
fn sign(
    store: &dyn SecretStore,
    origin: &[u8; 32],
    room: &MemberKey,
    record: &RecordToSign,
) -> Result<Sig, ApiError> {
    let key = identity(store, origin, room)?;
    match record {
        RecordToSign::Member(body) => sign_as_signer(body, room, &key),
        RecordToSign::Ban(body) => sign_as_signer(body, room, &key),
        RecordToSign::MemberInfo(body) => sign_as_signer(body, room, &key),
        RecordToSign::Message(body) => sign_as_signer(body, room, &key),
        RecordToSign::Config(body) => sign_as_signer(body, room, &key),
        RecordToSign::Upgrade(body) => sign_as_signer(body, room, &key),
    }
}

/// Sign `body` only if `key` is the signer its kind requires in `room`.
fn sign_as_signer<T: RecordBody>(
    body: &T,
    room: &MemberKey,
    key: &SigningKey,
) -> Result<Sig, ApiError> {
    if body.signer(room) != member_key(key) {
        return Err(ApiError::NotYourRecord);
    }
    sign_body(T::KIND, room, body, key).map_err(|_| ApiError::Storage)
}

fn list_rooms(store: &dyn SecretStore, origin: &[u8; 32]) -> Response {
    let prefix = prefix(origin, Kind::Identity);
    let mut rooms: Vec<MemberKey> = store
        .list(&prefix)
        .into_iter()
        .filter_map(|k| Some(MemberKey(k.get(prefix.len()..)?.try_into().ok()?)))
        .collect();
    rooms.sort_unstable();
    Response::Rooms(
        rooms
            .into_iter()
            .map(|room| RoomIdentity {
                room,
                // A damaged entry is listed without its key, never dropped.
                key: identity(store, origin, &room).ok().map(|k| member_key(&k)),
            })
            .collect(),
    )
}

fn read_value(store: &dyn SecretStore, origin: &[u8; 32], name: &str) -> Option<StoredValue> {
    let bytes = store.get(&key(origin, Kind::Value, name.as_bytes()))?;
    let generation = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
    Some(StoredValue {
        generation,
        value: bytes[8..].to_vec(),
    })
}

/// Rule DEL-3.
fn put_value(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    name: &str,
    value: Vec<u8>,
    expected: u64,
) -> Result<Response, ApiError> {
    let current = read_value(store, origin, name).map_or(0, |v| v.generation);
    if current != expected {
        return Err(ApiError::Conflict { current });
    }
    let generation = current + 1;
    let mut bytes = generation.to_be_bytes().to_vec();
    bytes.extend_from_slice(&value);
    if !store.set(&key(origin, Kind::Value, name.as_bytes()), &bytes) {
        return Err(ApiError::Storage);
    }
    Ok(Response::Stored {
        value: Some(StoredValue { generation, value }),
    })
}
