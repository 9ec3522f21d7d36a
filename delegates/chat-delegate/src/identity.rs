//! This user's keys, per web app and room: the only module that reads or writes an
//! identity seed. A seed never leaves except through `ExportIdentity` (rule DEL-1, in
//! `handler`), and is wiped from memory as soon as the key is made, or, when secrets
//! wrapped for it are opened (rule DEL-4, in `handler`), as soon as the [`Opener`] is
//! dropped.

use brook_common::delegate_api::{ApiError, Response, RoomIdentity};
use brook_common::ecies;
use brook_common::ids::MemberKey;
use brook_common::secret::RoomSecret;
use brook_common::sign::member_key;
use ed25519_dalek::SigningKey;
use zeroize::Zeroizing;

use crate::quota::{self, MAX_IDENTITIES_PER_ORIGIN};
use crate::store::{key, prefix, Kind, SecretStore};

/// This origin's identity seed for `room`, wiped when dropped. Private: the seed is used
/// only in this module.
fn identity_seed(
    store: &dyn SecretStore,
    origin: &[u8; 32],
    room: &MemberKey,
) -> Result<Zeroizing<[u8; 32]>, ApiError> {
    let stored = Zeroizing::new(
        store
            .get(&key(origin, Kind::Identity, room.as_bytes()))
            .ok_or(ApiError::NoIdentity)?,
    );
    // A seed that is not 32 bytes is a damaged write: the store's fault.
    let bytes: &[u8; 32] = stored
        .as_slice()
        .try_into()
        .map_err(|_| ApiError::Storage)?;
    let mut seed = Zeroizing::new([0u8; 32]);
    *seed = *bytes;
    Ok(seed)
}

/// This origin's signing key for `room`.
pub fn identity(
    store: &dyn SecretStore,
    origin: &[u8; 32],
    room: &MemberKey,
) -> Result<SigningKey, ApiError> {
    identity_seed(store, origin, room).map(|seed| SigningKey::from_bytes(&seed))
}

/// Opens room secrets wrapped for one identity: holds that identity's seed, never hands
/// it out, and wipes it when dropped (rule DEL-4, in `handler`).
pub struct Opener {
    seed: Zeroizing<[u8; 32]>,
}

impl Opener {
    /// The secret in `blob`, if it was wrapped for this identity and is intact.
    pub fn open(&self, blob: &[u8]) -> Option<RoomSecret> {
        ecies::unwrap(&self.seed, blob).ok()
    }
}

/// The opener of this origin's own identity for `room`: `NoIdentity` when this origin
/// holds none there, whatever another web app holds (rule ORG-1's scope).
pub fn opener(
    store: &dyn SecretStore,
    origin: &[u8; 32],
    room: &MemberKey,
) -> Result<Opener, ApiError> {
    identity_seed(store, origin, room).map(|seed| Opener { seed })
}

/// The owner's signing key for a room `origin` holds as its owner: the one public-key
/// operation of a rotation run, done only when something must be signed.
pub fn owner_key(
    store: &dyn SecretStore,
    origin: &[u8; 32],
    room: &MemberKey,
) -> Option<SigningKey> {
    let key = identity(store, origin, room).ok()?;
    (member_key(&key) == *room).then_some(key)
}

fn store_identity(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    room: &MemberKey,
    signing: &SigningKey,
) -> Result<(), ApiError> {
    let name = key(origin, Kind::Identity, room.as_bytes());
    if store.get(&name).is_some() {
        return Err(ApiError::IdentityExists);
    }
    // rule ORG-2
    quota::check(
        "room identities",
        identity_count(store, origin),
        MAX_IDENTITIES_PER_ORIGIN,
    )?;
    let seed = Zeroizing::new(signing.to_bytes());
    if store.set(&name, seed.as_slice()) {
        Ok(())
    } else {
        Err(ApiError::Storage)
    }
}

/// A new identity from `seed` (the host's randomness); a new room is named by its
/// owner's key.
pub fn create_identity(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    room: Option<MemberKey>,
    seed: Zeroizing<[u8; 32]>,
) -> Result<Response, ApiError> {
    let signing = SigningKey::from_bytes(&seed);
    let public = member_key(&signing);
    let room = room.unwrap_or(public);
    store_identity(store, origin, &room, &signing)?;
    Ok(Response::Identity { room, key: public })
}

pub fn import_identity(
    store: &mut dyn SecretStore,
    origin: &[u8; 32],
    room: MemberKey,
    seed: Zeroizing<[u8; 32]>,
) -> Result<Response, ApiError> {
    let signing = SigningKey::from_bytes(&seed);
    store_identity(store, origin, &room, &signing)?;
    Ok(Response::Identity {
        room,
        key: member_key(&signing),
    })
}

/// How many room identities `origin` holds.
pub fn identity_count(store: &dyn SecretStore, origin: &[u8; 32]) -> usize {
    store.list(&prefix(origin, Kind::Identity)).len()
}

/// Every room `origin` holds an identity for, sorted.
pub fn list_rooms(store: &dyn SecretStore, origin: &[u8; 32]) -> Response {
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
