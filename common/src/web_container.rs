//! The web container: the contract state that holds Brook's UI bundle (docs/design.md §7).
//!
//! Layout, as the node's web gateway serves it at `/v1/contract/web/<id>/`:
//! `[u64 BE metadata length][metadata][u64 BE archive length][tar.xz archive]`.
//! The metadata is CBOR [`WebMetadata`]: a version and the publisher's signature over
//! `len(tag) ‖ tag ‖ version (u64 BE) ‖ blake3(archive)`. Parameters are the publisher's
//! 32-byte ed25519 verifying key, so the contract id names the publisher.
//!
//! Rules:
//! - WEB-1: the signature verifies under the parameters' key (strict checks, see
//!   [`crate::batch_verify`]) and covers exactly this version and this archive.
//! - WEB-2: an update replaces the state only with a strictly higher version; at the same
//!   version the state with the smaller blake3 hash of its signature and archive wins
//!   (together they determine the state), so replicas that saw two
//!   different publishes of one version still converge. An older state is ignored, not
//!   refused: merging is what peers do with each other's states, and freenet's merge
//!   laws need a merge that never fails for being late (lagging peers exchange stale
//!   states).
//! - WEB-3: a *publication* — the publisher's command "make this the UI", a delta
//!   `PUBLICATION_MARK ‖ state` made by [`publication`] — must verify (WEB-1) and carry a
//!   version strictly higher than the state the contract holds, or it is refused with the
//!   reason. Publications are client commands, not merge deltas: the node applies a
//!   client's UPDATE locally and sends peers the resulting state, and a peer's delta
//!   (what `get_state_delta` produces) is always a plain state, so no merge ever meets
//!   the mark and WEB-2 keeps its laws.

use ed25519_dalek::{Signer, SigningKey};
use minicbor::{Decode, Encode};

use crate::batch_verify::{KeyCache, SignatureBatch};
use crate::codec;
use crate::ids::MemberKey;
use crate::protocol::WEB_CONTAINER_TAG;
use crate::sign::Sig;

/// Largest web container state: the node caps states at 50 MiB.
pub const MAX_WEB_STATE_BYTES: usize = 50 * 1024 * 1024;

/// The eight bytes that open a publication (rule WEB-3). Unambiguous: a state opens with
/// its metadata length, and a length of `u64::MAX` cannot frame anything in a state of at
/// most [`MAX_WEB_STATE_BYTES`], so no state begins with this mark.
pub const PUBLICATION_MARK: [u8; 8] = [0xFF; 8];

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct WebMetadata {
    #[n(0)]
    pub version: u64,
    #[n(1)]
    pub signature: Sig,
}

/// A decoded web container state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebContainer {
    pub metadata: WebMetadata,
    pub archive: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    #[error("malformed web container: {0}")]
    Malformed(&'static str),
    #[error("parameters must be the publisher's 32-byte verifying key")]
    BadParameters,
    /// Our own fault: the metadata did not encode.
    #[error("the web container's metadata did not encode: {0}")]
    Encode(String),
    #[error("publisher signature does not verify for this version and archive")]
    BadSignature,
    /// Rule WEB-3: a publication at or below the version the contract holds.
    #[error("publication of version {published} refused: this contract holds version {held}; a publication must be newer (rule WEB-3)")]
    NotNewer { published: u64, held: u64 },
    /// Rule WEB-3: a publication of exactly the state the contract holds.
    #[error("publication of version {version} refused: already published (this contract holds exactly this state); a publication must be newer (rule WEB-3)")]
    AlreadyPublished { version: u64 },
}

/// The publication of `state` (rule WEB-3): the delta the publisher sends to replace the
/// UI, refused unless it is newer than what the contract holds.
pub fn publication(state: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(PUBLICATION_MARK.len() + state.len());
    out.extend_from_slice(&PUBLICATION_MARK);
    out.extend_from_slice(state);
    out
}

/// The state inside `delta` when it is a publication, `None` when it is a plain state
/// (or anything else, which then fails to decode as one).
pub fn open_publication(delta: &[u8]) -> Option<&[u8]> {
    delta.strip_prefix(&PUBLICATION_MARK[..])
}

/// The bytes the publisher signs for `version` of `archive`.
pub fn signed_bytes(version: u64, archive: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + WEB_CONTAINER_TAG.len() + 8 + 32);
    // The tag is a protocol constant well under 255 bytes (`tag_length_fits_a_byte`).
    out.push(u8::try_from(WEB_CONTAINER_TAG.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(WEB_CONTAINER_TAG.as_bytes());
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(blake3::hash(archive).as_bytes());
    out
}

/// A frame's length prefix: u64 big-endian (a `usize` always fits).
fn frame_len(len: usize) -> [u8; 8] {
    u64::try_from(len).unwrap_or(u64::MAX).to_be_bytes()
}

impl WebContainer {
    /// Sign `archive` as `version` with the publisher's key.
    pub fn publish(key: &SigningKey, version: u64, archive: Vec<u8>) -> Self {
        let signature = Sig(key.sign(&signed_bytes(version, &archive)).to_bytes());
        WebContainer {
            metadata: WebMetadata { version, signature },
            archive,
        }
    }

    pub fn encode(&self) -> Result<Vec<u8>, WebError> {
        let metadata =
            codec::to_vec(&self.metadata).map_err(|e| WebError::Encode(e.to_string()))?;
        let mut out = Vec::with_capacity(16 + metadata.len() + self.archive.len());
        out.extend_from_slice(&frame_len(metadata.len()));
        out.extend_from_slice(&metadata);
        out.extend_from_slice(&frame_len(self.archive.len()));
        out.extend_from_slice(&self.archive);
        Ok(out)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, WebError> {
        if bytes.len() > MAX_WEB_STATE_BYTES {
            return Err(WebError::Malformed("state larger than 50 MiB"));
        }
        let (metadata, rest) = take_framed(bytes).ok_or(WebError::Malformed("metadata frame"))?;
        let (archive, rest) = take_framed(rest).ok_or(WebError::Malformed("archive frame"))?;
        if !rest.is_empty() {
            return Err(WebError::Malformed("trailing bytes after the archive"));
        }
        let decoded =
            codec::from_slice(metadata, 1024).map_err(|_| WebError::Malformed("metadata CBOR"))?;
        // One byte form per state: the decoder accepts non-minimal CBOR, and a second
        // encoding of the same value would break merge idempotence and the WEB-2 tie-break.
        if codec::to_vec(&decoded).ok().as_deref() != Some(metadata) {
            return Err(WebError::Malformed("non-canonical metadata CBOR"));
        }
        Ok(WebContainer {
            metadata: decoded,
            archive: archive.to_vec(),
        })
    }

    /// Rule WEB-1.
    pub fn verify(&self, publisher: &MemberKey) -> Result<(), WebError> {
        let mut batch = SignatureBatch::new();
        let message = signed_bytes(self.metadata.version, &self.archive);
        batch.add_raw(0, publisher, &message, &self.metadata.signature);
        if batch.verify(&mut KeyCache::default()).is_empty() {
            Ok(())
        } else {
            Err(WebError::BadSignature)
        }
    }

    /// Rule WEB-2: which of two valid containers a replica keeps: the higher version,
    /// and between two of one version the smaller [`tie_break`].
    pub fn newer(self, other: Self) -> Self {
        let rank = |c: &Self| (c.metadata.version, std::cmp::Reverse(tie_break(c)));
        if rank(&other) > rank(&self) {
            other
        } else {
            self
        }
    }

    /// Rule WEB-3: the state after publishing `publication` over `self`, the state the
    /// contract holds. Unlike a merge (WEB-2), a publication that would not replace the
    /// state is an error, so the publisher learns that nothing changed and why.
    pub fn accept_publication(
        self,
        publication: Self,
        publisher: &MemberKey,
    ) -> Result<Self, WebError> {
        let held = self.metadata.version;
        let published = publication.metadata.version;
        // Decoding is canonical, so equal values are equal bytes.
        if publication == self {
            return Err(WebError::AlreadyPublished { version: held });
        }
        // rule WEB-1 first: a forgery is refused as one, whatever version it claims.
        publication.verify(publisher)?;
        if published <= held {
            return Err(WebError::NotNewer { published, held });
        }
        Ok(publication)
    }
}

/// Orders two containers of one version, the same on every replica: a hash over the
/// signature and the archive (together they determine the whole state).
fn tie_break(c: &WebContainer) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&c.metadata.signature.0);
    hasher.update(&c.archive);
    *hasher.finalize().as_bytes()
}

/// Parameters: the publisher's key.
pub fn decode_params(bytes: &[u8]) -> Result<MemberKey, WebError> {
    <[u8; 32]>::try_from(bytes)
        .map(MemberKey)
        .map_err(|_| WebError::BadParameters)
}

/// `[u64 BE length][bytes]` → (bytes, rest), refusing lengths past the end.
fn take_framed(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let len: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
    let len = usize::try_from(u64::from_be_bytes(len)).ok()?;
    let end = 8usize.checked_add(len)?;
    Some((bytes.get(8..end)?, bytes.get(end..)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::member_key;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[3; 32])
    }

    #[test]
    fn tag_length_fits_a_byte() {
        assert!(WEB_CONTAINER_TAG.len() < usize::from(u8::MAX));
    }

    #[test]
    fn round_trip_and_verify() {
        let c = WebContainer::publish(&key(), 7, b"archive bytes".to_vec());
        let decoded = WebContainer::decode(&c.encode().unwrap()).unwrap();
        assert_eq!(decoded, c);
        decoded.verify(&member_key(&key())).unwrap();
    }

    #[test]
    fn tampered_archive_version_or_key_fails() {
        let c = WebContainer::publish(&key(), 7, b"archive bytes".to_vec());
        let mut archive = c.clone();
        archive.archive[0] ^= 1;
        assert_eq!(
            archive.verify(&member_key(&key())),
            Err(WebError::BadSignature)
        );
        let mut version = c.clone();
        version.metadata.version = 8;
        assert_eq!(
            version.verify(&member_key(&key())),
            Err(WebError::BadSignature)
        );
        let other = member_key(&SigningKey::from_bytes(&[4; 32]));
        assert_eq!(c.verify(&other), Err(WebError::BadSignature));
    }

    #[test]
    fn garbage_is_an_error() {
        for bytes in [
            &b""[..],
            &[0xff; 8],
            &[0, 0, 0, 0, 0, 0, 0, 1],
            &[0, 0, 0, 0, 0, 0, 0, 0, 0],
        ] {
            assert!(WebContainer::decode(bytes).is_err());
        }
        let mut trailing = WebContainer::publish(&key(), 1, vec![1, 2])
            .encode()
            .unwrap();
        trailing.push(0);
        assert!(WebContainer::decode(&trailing).is_err());
        assert_eq!(decode_params(&[1; 31]), Err(WebError::BadParameters));
        // The version 1 as a 9-byte CBOR integer: the same value, a second byte form.
        let c = WebContainer::publish(&key(), 1, vec![]);
        let mut metadata = vec![0x82, 0x1b, 0, 0, 0, 0, 0, 0, 0, 1, 0x58, 64];
        metadata.extend_from_slice(&c.metadata.signature.0);
        let mut bytes = (metadata.len() as u64).to_be_bytes().to_vec();
        bytes.extend_from_slice(&metadata);
        bytes.extend_from_slice(&[0; 8]);
        assert_eq!(
            WebContainer::decode(&bytes),
            Err(WebError::Malformed("non-canonical metadata CBOR"))
        );
    }

    #[test]
    fn higher_version_wins_and_ties_break_deterministically() {
        let v1 = WebContainer::publish(&key(), 1, b"a".to_vec());
        let v2 = WebContainer::publish(&key(), 2, b"b".to_vec());
        assert_eq!(v1.clone().newer(v2.clone()), v2);
        assert_eq!(v2.clone().newer(v1.clone()), v2);
        let other = WebContainer::publish(&key(), 2, b"c".to_vec());
        assert_eq!(v2.clone().newer(other.clone()), other.clone().newer(v2));
    }

    #[test]
    fn publication_round_trips_and_never_looks_like_a_state() {
        let state = WebContainer::publish(&key(), 1, b"a".to_vec())
            .encode()
            .unwrap();
        let wrapped = publication(&state);
        assert_eq!(open_publication(&wrapped), Some(&state[..]));
        assert_eq!(open_publication(&state), None);
        assert!(WebContainer::decode(&wrapped).is_err());
    }

    #[test]
    fn publication_must_be_newer_and_signed() {
        // rule WEB-3.
        let publisher = member_key(&key());
        let (v2, v3) = (
            WebContainer::publish(&key(), 2, b"b".to_vec()),
            WebContainer::publish(&key(), 3, b"c".to_vec()),
        );
        assert_eq!(
            v2.clone().accept_publication(v3.clone(), &publisher),
            Ok(v3.clone())
        );
        assert_eq!(
            v3.clone().accept_publication(v2.clone(), &publisher),
            Err(WebError::NotNewer {
                published: 2,
                held: 3
            })
        );
        assert_eq!(
            v3.clone().accept_publication(v3.clone(), &publisher),
            Err(WebError::AlreadyPublished { version: 3 })
        );
        let mut forged = WebContainer::publish(&key(), 4, b"d".to_vec());
        forged.archive[0] ^= 1;
        assert_eq!(
            v3.accept_publication(forged, &publisher),
            Err(WebError::BadSignature)
        );
    }
}
