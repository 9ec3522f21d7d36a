//! Identities and ids.
//!
//! A member *is* their ed25519 verifying key ([`MemberKey`], 32 bytes); records name
//! members by full key, never by a short id. Short ids exist only where bytes matter
//! (summaries, display) and are blake3 hashes of at least 16 bytes, so no id can be
//! forged for another key or record.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::protocol::MEMBER_ID_CONTEXT;

/// An ed25519 verifying key in its 32-byte compressed form: a member's identity.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MemberKey(#[serde(with = "serde_bytes")] pub [u8; 32]);

impl MemberKey {
    /// The short, collision-resistant id of this member.
    pub fn id(&self) -> MemberId {
        MemberId(truncate(blake3::derive_key(MEMBER_ID_CONTEXT, &self.0)))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for MemberKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MemberKey({})", hex8(&self.0))
    }
}

/// A member's 16-byte id: `blake3::derive_key(MEMBER_ID_CONTEXT, key)[..16]`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MemberId(#[serde(with = "serde_bytes")] pub [u8; 16]);

impl fmt::Debug for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MemberId({})", hex8(&self.0))
    }
}

/// A signed record's 16-byte id: the first 16 bytes of its signature (of `R`, the
/// signer's commitment).
///
/// Under `verify_strict` ed25519 signatures are strongly unforgeable: a signature that
/// verifies determines its message, so the signature names the whole record. `R` is
/// `r·B` for a nonce no one else controls: matching another signer's id takes ~2^128
/// work, and a signer colliding two of its own records (~2^64) only hides one of them
/// from summaries — as grinding a hash of the signature would. No hash is needed, and
/// ids are taken on every summary, delta and update the node runs.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RecordId(#[serde(with = "serde_bytes")] pub [u8; 16]);

impl RecordId {
    pub fn of_signature(signature: &[u8; 64]) -> Self {
        let mut id = [0u8; 16];
        for (to, from) in id.iter_mut().zip(signature) {
            *to = *from;
        }
        RecordId(id)
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({})", hex8(&self.0))
    }
}

/// CBOR for fixed-size byte ids: a definite-length byte string of exactly `N` bytes.
macro_rules! cbor_bytes {
    ($name:ident, $len:expr) => {
        impl<C> minicbor::Encode<C> for $name {
            fn encode<W: minicbor::encode::Write>(
                &self,
                e: &mut minicbor::Encoder<W>,
                _ctx: &mut C,
            ) -> Result<(), minicbor::encode::Error<W::Error>> {
                e.bytes(&self.0)?;
                Ok(())
            }
        }

        impl<'b, C> minicbor::Decode<'b, C> for $name {
            fn decode(
                d: &mut minicbor::Decoder<'b>,
                _ctx: &mut C,
            ) -> Result<Self, minicbor::decode::Error> {
                let bytes = d.bytes()?;
                <[u8; $len]>::try_from(bytes).map($name).map_err(|_| {
                    minicbor::decode::Error::message(concat!(
                        stringify!($name),
                        " has the wrong length"
                    ))
                })
            }
        }
    };
}
pub(crate) use cbor_bytes;

cbor_bytes!(MemberKey, 32);
cbor_bytes!(MemberId, 16);
cbor_bytes!(RecordId, 16);

fn truncate(hash: [u8; 32]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&hash[..16]);
    out
}

fn hex8(bytes: &[u8]) -> String {
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_ids_are_keyed_hashes_not_prefixes() {
        // rule ID-1: a short id is a cryptographic hash of the whole key, so two keys
        // that share a prefix (the cheap collision River's 8-byte ids allowed) differ.
        let a = MemberKey([7u8; 32]);
        let mut b_bytes = [7u8; 32];
        b_bytes[31] = 8;
        let b = MemberKey(b_bytes);
        assert_ne!(a.id(), b.id());
        assert_ne!(&a.id().0[..], &a.0[..16]);
        assert_eq!(
            a.id().0[..],
            blake3::derive_key(MEMBER_ID_CONTEXT, &a.0)[..16]
        );
    }

    #[test]
    fn debug_shows_only_a_prefix() {
        let text = format!("{:?}", MemberKey([0xab; 32]));
        assert_eq!(text, "MemberKey(abababababababab)");
    }
}
