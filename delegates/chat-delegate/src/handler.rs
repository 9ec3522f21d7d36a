//! The delegate's request logic, free of the host: one request in, one response out.
//!
//! Rules:
//! - DEL-1: keys never leave except through `ExportIdentity` with its acknowledgement.
//! - DEL-2: a record is signed only if this user's key for the room is the record's
//!   signer (config and upgrade: only the owner's key); the record kind's domain tag and
//!   the room are bound into the signature (see `brook_common::sign`).
//! - DEL-3: storage writes succeed only at the expected generation (compare-and-swap),
//!   so two tabs of the UI never silently overwrite each other.
//! - DEL-4: a web app opens only secrets wrapped for its own identity; the identity key
//!   never leaves. `OpenSecrets` uses the caller's own identity for the room (its origin
//!   scope: another web app's is never used, the caller gets `NoIdentity`), answers the
//!   room secrets its blobs hold and which versions did not open, never the seed.

use brook_common::delegate_api::{
    ApiError, OpenedSecret, RecordToSign, Request, Response, StoredValue, WrappedForMe,
    MAX_SECRETS_TO_OPEN,
};
use brook_common::ids::MemberKey;
use brook_common::room::RecordBody;
use brook_common::sign::{member_key, sign_body, Sig};
use ed25519_dalek::SigningKey;
use zeroize::Zeroizing;

use crate::host::Host;
use crate::identity::{create_identity, identity, import_identity, list_rooms, opener};
use crate::migration;
use crate::quota::{self, MAX_VALUES_PER_ORIGIN, MAX_VALUE_BYTES};
use crate::rotation::follow::reprove_ownership;
use crate::store::{key, prefix, Kind, SecretStore};

/// Which build this is, as `Ping` answers (the upgrade story builds three).
pub const GENERATION: u32 = if cfg!(feature = "generation-c") {
    3
} else if cfg!(feature = "generation-b") {
    2
} else {
    1
};

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
        // `handle` answers it with the host's randomness before getting here.
        Request::CreateIdentity { .. } => Err(ApiError::Internal(
            "an identity request reached the handler without a seed".into(),
        )),
        Request::ImportIdentity { room, seed } => {
            let response = import_identity(store, origin, room, Zeroizing::new(seed))?;
            // rule ORG-1: a room this origin already follows learns whether it owns it.
            if let Response::Identity { room, key } = &response {
                reprove_ownership(store, origin, room, key == room);
            }
            Ok(response)
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
        // rule DEL-1: the acknowledgement is part of the request; without it the
        // request does not decode.
        Request::MigrationExport { acknowledge: _ } => Ok(migration::export(store, origin)),
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
        Request::OpenSecrets { room, wrapped } => open_secrets(store, origin, &room, wrapped),
        Request::EnsureRoomSubscription { .. }
        | Request::BanMember { .. }
        | Request::RoomStatus { .. }
        | Request::RotateNow { .. } => Err(ApiError::MalformedRequest(
            "this request is answered by the event loop".into(),
        )),
    }
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
        RecordToSign::Grant(body) => sign_as_signer(body, room, &key),
        RecordToSign::Acceptance(body) => sign_as_signer(body, room, &key),
        RecordToSign::Leave(body) => sign_as_signer(body, room, &key),
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
    sign_body(T::KIND, room, body, key).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Rule DEL-4: open the room secrets wrapped for this origin's own identity in `room`.
/// Each version is answered once, in version order: opened if any of its blobs opens
/// with this identity's key, else unopened (wrapped for another key, or damaged).
fn open_secrets(
    store: &dyn SecretStore,
    origin: &[u8; 32],
    room: &MemberKey,
    mut wrapped: Vec<WrappedForMe>,
) -> Result<Response, ApiError> {
    if wrapped.len() > MAX_SECRETS_TO_OPEN {
        return Err(ApiError::MalformedRequest(format!(
            "OpenSecrets carries {} wrapped secrets; at most {MAX_SECRETS_TO_OPEN} per request",
            wrapped.len()
        )));
    }
    // rule DEL-4: only the caller's own identity for the room, looked up in its own scope
    // (rule ORG-1); the seed stays inside the opener and is wiped with it.
    let opener = opener(store, origin, room)?;
    // Stable: a version's blobs stay in request order, and lie next to each other.
    wrapped.sort_by_key(|w| w.version);
    // Sized once, never grown: a reallocation would leave an unwiped copy of the secrets.
    let mut opened: Vec<OpenedSecret> = Vec::with_capacity(wrapped.len());
    let mut unopened: Vec<u32> = Vec::new();
    for blob in &wrapped {
        let version = blob.version;
        if opened.last().is_some_and(|o| o.version == version) {
            continue;
        }
        match opener.open(&blob.ciphertext) {
            Some(secret) => {
                if unopened.last() == Some(&version) {
                    unopened.pop();
                }
                opened.push(OpenedSecret {
                    version,
                    secret: *secret.expose_secret(),
                });
            }
            None if unopened.last() == Some(&version) => {}
            None => unopened.push(version),
        }
    }
    Ok(Response::Secrets { opened, unopened })
}

fn read_value(store: &dyn SecretStore, origin: &[u8; 32], name: &str) -> Option<StoredValue> {
    let bytes = store.get(&key(origin, Kind::Value, name.as_bytes()))?;
    let (generation, value) = bytes.split_first_chunk::<8>()?;
    Some(StoredValue {
        generation: u64::from_be_bytes(*generation),
        value: value.to_vec(),
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
    let held = read_value(store, origin, name);
    let current = held.as_ref().map_or(0, |v| v.generation);
    if current != expected {
        return Err(ApiError::Conflict { current });
    }
    // rule ORG-2
    if value.len() > MAX_VALUE_BYTES {
        return Err(ApiError::QuotaExceeded {
            what: "bytes in one stored value".into(),
            limit: u32::try_from(MAX_VALUE_BYTES).unwrap_or(u32::MAX),
        });
    }
    if held.is_none() {
        let count = store.list(&prefix(origin, Kind::Value)).len();
        quota::check("stored values", count, MAX_VALUES_PER_ORIGIN)?;
    }
    // rule DEL-3: a generation at u64::MAX (only an import can put it there) is never
    // wrapped back to "absent".
    let generation = current
        .checked_add(1)
        .ok_or(ApiError::GenerationExhausted)?;
    let mut bytes = generation.to_be_bytes().to_vec();
    bytes.extend_from_slice(&value);
    if !store.set(&key(origin, Kind::Value, name.as_bytes()), &bytes) {
        return Err(ApiError::Storage);
    }
    Ok(Response::Stored {
        value: Some(StoredValue { generation, value }),
    })
}
