//! Content sealing for private rooms (docs/design.md §3): AES-256-GCM under the room secret of
//! a stated version, with a random 96-bit nonce chosen by the client (the delegate never
//! seals content). The associated data binds room, secret version, author and field, so
//! a sealed value cannot be replayed into another room, under another name, or as
//! another field.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::ids::MemberKey;
use crate::protocol::SEAL_AAD_TAG;
use crate::secret::RoomSecret;

/// Which field a sealed value belongs to; part of the associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum SealedField {
    MessageBody = 1,
    Nickname = 2,
    RoomName = 3,
    RoomDescription = 4,
}

/// A sealed value as it travels in room state.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
pub struct Sealed {
    #[n(0)]
    pub secret_version: u32,
    #[serde(with = "serde_bytes")]
    #[cbor(with = "minicbor::bytes")]
    #[n(1)]
    pub nonce: [u8; 12],
    #[serde(with = "serde_bytes")]
    #[cbor(with = "minicbor::bytes")]
    #[n(2)]
    pub ciphertext: Vec<u8>,
}

/// Where a sealed value is bound: everything the associated data names.
#[derive(Debug, Clone, Copy)]
pub struct SealContext<'a> {
    pub room: &'a MemberKey,
    pub author: &'a MemberKey,
    pub field: SealedField,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    #[error("sealed value does not open under this secret and binding")]
    OpenFailed,
    #[error("encryption failed")]
    SealFailed,
}

fn aad(ctx: &SealContext<'_>, version: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(SEAL_AAD_TAG.len() + 32 + 4 + 32 + 1);
    out.extend_from_slice(SEAL_AAD_TAG);
    out.extend_from_slice(ctx.room.as_bytes());
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(ctx.author.as_bytes());
    out.push(ctx.field as u8);
    out
}

/// Seal `plaintext` under `secret` (of `version`) with the caller's random `nonce`.
pub fn seal(
    secret: &RoomSecret,
    version: u32,
    ctx: &SealContext<'_>,
    nonce: [u8; 12],
    plaintext: &[u8],
) -> Result<Sealed, SealError> {
    let cipher = Aes256Gcm::new(secret.expose_secret().into());
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad(ctx, version),
            },
        )
        .map_err(|_| SealError::SealFailed)?;
    Ok(Sealed {
        secret_version: version,
        nonce,
        ciphertext,
    })
}

/// Open a sealed value; any mismatch (secret, room, author, field, bytes) is an error.
pub fn open(
    secret: &RoomSecret,
    ctx: &SealContext<'_>,
    sealed: &Sealed,
) -> Result<Vec<u8>, SealError> {
    let cipher = Aes256Gcm::new(secret.expose_secret().into());
    cipher
        .decrypt(
            Nonce::from_slice(&sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad: &aad(ctx, sealed.secret_version),
            },
        )
        .map_err(|_| SealError::OpenFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: MemberKey = MemberKey([1; 32]);
    const ALICE: MemberKey = MemberKey([2; 32]);
    const BOB: MemberKey = MemberKey([3; 32]);

    fn ctx<'a>(room: &'a MemberKey, author: &'a MemberKey, field: SealedField) -> SealContext<'a> {
        SealContext {
            room,
            author,
            field,
        }
    }

    #[test]
    fn round_trip() {
        let secret = RoomSecret::from_bytes([7; 32]);
        let c = ctx(&ROOM, &ALICE, SealedField::MessageBody);
        let sealed = seal(&secret, 3, &c, [9; 12], b"hello").unwrap();
        assert_eq!(sealed.ciphertext.len(), 5 + crate::limits::SEAL_TAG_BYTES);
        assert_eq!(open(&secret, &c, &sealed).unwrap(), b"hello");
    }

    #[test]
    fn binding_is_enforced() {
        // rule SEAL-1: room, version, author and field are all bound.
        let secret = RoomSecret::from_bytes([7; 32]);
        let c = ctx(&ROOM, &ALICE, SealedField::MessageBody);
        let sealed = seal(&secret, 3, &c, [9; 12], b"hello").unwrap();
        let other_room = MemberKey([4; 32]);
        assert!(open(
            &secret,
            &ctx(&other_room, &ALICE, SealedField::MessageBody),
            &sealed
        )
        .is_err());
        assert!(open(
            &secret,
            &ctx(&ROOM, &BOB, SealedField::MessageBody),
            &sealed
        )
        .is_err());
        assert!(open(&secret, &ctx(&ROOM, &ALICE, SealedField::Nickname), &sealed).is_err());
        let mut relabelled = sealed.clone();
        relabelled.secret_version = 4;
        assert!(open(&secret, &c, &relabelled).is_err());
        assert!(open(&RoomSecret::from_bytes([8; 32]), &c, &sealed).is_err());
        let mut garbage = sealed;
        garbage.ciphertext.truncate(3);
        assert_eq!(open(&secret, &c, &garbage), Err(SealError::OpenFailed));
    }
}
