//! Domain-separated, room-bound signatures.
//!
//! Every signed record is signed over
//! `len(tag) ‖ tag ‖ room_owner_vk ‖ canonical CBOR(record body)`. The tag names the
//! record type and protocol version; the owner key names the room. So a signature is
//! never valid for another record type or another room, and the length prefix keeps one
//! tag from being read as a prefix of another. Signing is plain ed25519; what counts as
//! a valid signature is decided in one place, [`crate::batch_verify`], which builds
//! on this module (never the other way round).

use ed25519_dalek::{Signer, SigningKey};
use minicbor::Encode;
use serde::{Deserialize, Serialize};

use crate::codec;
use crate::ids::MemberKey;
use crate::protocol::RecordKind;

/// A 64-byte ed25519 signature as carried in records.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Sig(#[serde(with = "serde_bytes")] pub [u8; 64]);

crate::ids::cbor_bytes!(Sig, 64);

impl core::fmt::Debug for Sig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Sig({:02x}{:02x}{:02x}{:02x}…)",
            self.0[0], self.0[1], self.0[2], self.0[3]
        )
    }
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigError {
    #[error("signature does not verify")]
    BadSignature,
    #[error("record body cannot be encoded")]
    Encoding,
}

/// The exact bytes a record's signature covers.
pub fn signing_input(kind: RecordKind, room: &MemberKey, body_cbor: &[u8]) -> Vec<u8> {
    let tag = kind.domain_tag().as_bytes();
    let mut input = Vec::with_capacity(1 + tag.len() + 32 + body_cbor.len());
    // Tags are short ASCII constants; the length prefix makes the framing unambiguous.
    input.push(u8::try_from(tag.len()).unwrap_or(u8::MAX)); // every tag fits (test below)
    input.extend_from_slice(tag);
    input.extend_from_slice(room.as_bytes());
    input.extend_from_slice(body_cbor);
    input
}

/// Sign `body` as a record of `kind` in the room owned by `room`.
pub fn sign_body<T: Encode<()>>(
    kind: RecordKind,
    room: &MemberKey,
    body: &T,
    key: &SigningKey,
) -> Result<Sig, SigError> {
    let cbor = codec::to_vec(body).map_err(|_| SigError::Encoding)?;
    Ok(Sig(key.sign(&signing_input(kind, room, &cbor)).to_bytes()))
}

/// The public key of a signing key, as a member identity.
pub fn member_key(key: &SigningKey) -> MemberKey {
    MemberKey(key.verifying_key().to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch_verify::Verifier;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    #[test]
    fn every_domain_tag_length_fits_its_one_byte_prefix() {
        use RecordKind::*;
        for kind in [
            Config, Member, Grant, Admit, Ban, Leave, MemberInfo, Message, Secrets, Upgrade,
        ] {
            assert!(kind.domain_tag().len() < usize::from(u8::MAX), "{kind:?}");
        }
    }

    #[test]
    fn signature_verifies_for_its_own_kind_and_room() {
        let signer = key(1);
        let room = member_key(&key(9));
        let sig = sign_body(RecordKind::Message, &room, &"hello", &signer).unwrap();
        let mut v = Verifier::new();
        assert_eq!(
            v.verify(
                RecordKind::Message,
                &room,
                &member_key(&signer),
                &"hello",
                &sig
            ),
            Ok(())
        );
    }

    #[test]
    fn signature_from_another_room_is_rejected() {
        // rule SIG-2: the room owner's key is inside every signature.
        let signer = key(1);
        let sig = sign_body(RecordKind::Message, &member_key(&key(9)), &"hi", &signer).unwrap();
        let mut v = Verifier::new();
        let other_room = member_key(&key(10));
        assert_eq!(
            v.verify(
                RecordKind::Message,
                &other_room,
                &member_key(&signer),
                &"hi",
                &sig
            ),
            Err(SigError::BadSignature)
        );
    }

    #[test]
    fn signature_for_another_record_kind_is_rejected() {
        // rule SIG-1: one domain tag per record kind.
        let signer = key(1);
        let room = member_key(&key(9));
        let sig = sign_body(RecordKind::Member, &room, &"x", &signer).unwrap();
        let mut v = Verifier::new();
        for kind in [RecordKind::MemberInfo, RecordKind::Ban, RecordKind::Message] {
            assert_eq!(
                v.verify(kind, &room, &member_key(&signer), &"x", &sig),
                Err(SigError::BadSignature)
            );
        }
    }

    #[test]
    fn forged_and_tampered_signatures_are_rejected() {
        let signer = key(1);
        let room = member_key(&key(9));
        let mut sig = sign_body(RecordKind::Message, &room, &"a", &signer).unwrap();
        let mut v = Verifier::new();
        assert!(v
            .verify(RecordKind::Message, &room, &member_key(&key(2)), &"a", &sig)
            .is_err());
        assert!(v
            .verify(RecordKind::Message, &room, &member_key(&signer), &"b", &sig)
            .is_err());
        sig.0[10] ^= 1;
        assert!(v
            .verify(RecordKind::Message, &room, &member_key(&signer), &"a", &sig)
            .is_err());
    }

    #[test]
    fn small_order_key_is_rejected_strictly() {
        // The identity point (small order) with an all-zero signature verifies under the
        // lax rules for every message; verify_strict refuses it.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let sig = Sig([0u8; 64]);
        let mut v = Verifier::new();
        let room = member_key(&key(9));
        assert!(v
            .verify(RecordKind::Message, &room, &MemberKey(identity), &"a", &sig)
            .is_err());
    }

    #[test]
    fn tags_are_distinct_and_length_prefixed() {
        let kinds = [
            RecordKind::Config,
            RecordKind::Member,
            RecordKind::Ban,
            RecordKind::MemberInfo,
            RecordKind::Message,
            RecordKind::Secrets,
            RecordKind::Upgrade,
        ];
        let room = MemberKey([3; 32]);
        let inputs: Vec<_> = kinds
            .iter()
            .map(|k| signing_input(*k, &room, b""))
            .collect();
        for (i, a) in inputs.iter().enumerate() {
            for b in &inputs[i + 1..] {
                assert!(!a.starts_with(b) && !b.starts_with(a));
            }
        }
    }
}
