//! The room-secret KDF (docs/design.md §3), byte-exact:
//!
//! ```text
//! root     = blake3::derive_key(KDF_ROOT_CONTEXT, owner_seed32)
//! secret_v = blake3::keyed_hash(root, owner_vk(32) ‖ v.to_le_bytes() (u32))
//! ```
//!
//! Every version, 0 included, is re-derivable from the owner's seed, so any of the
//! owner's devices (and any client implementing this v1 derivation) computes the same
//! secret for the same version. Trusts nothing: it is a pure function.

use crate::ids::MemberKey;
use crate::protocol::KDF_ROOT_CONTEXT;
use crate::secret::{OwnerSeed, RoomSecret, SecretRoot};

/// Phase one: the per-owner secret root.
pub fn secret_root(seed: &OwnerSeed) -> SecretRoot {
    SecretRoot::from_bytes(blake3::derive_key(KDF_ROOT_CONTEXT, seed.expose_secret()))
}

/// Phase two: the room secret of `version`.
pub fn room_secret(root: &SecretRoot, owner: &MemberKey, version: u32) -> RoomSecret {
    let mut input = [0u8; 36];
    input[..32].copy_from_slice(owner.as_bytes());
    input[32..].copy_from_slice(&version.to_le_bytes());
    RoomSecret::from_bytes(*blake3::keyed_hash(root.expose_secret(), &input).as_bytes())
}

/// Both phases in one call, for callers that hold the seed.
pub fn derive_room_secret(seed: &OwnerSeed, owner: &MemberKey, version: u32) -> RoomSecret {
    room_secret(&secret_root(seed), owner, version)
}
