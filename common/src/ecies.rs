//! Wrapping a room secret for one member: ECIES in the `ecies` crate's ed25519 format
//! (ecies.org), produced deterministically (docs/design.md §3).
//!
//! Format: `ephemeral_pk (32) ‖ nonce (16) ‖ tag (16) ‖ AES-256-GCM(ciphertext)`, where
//! the ephemeral key pair is an ed25519 key pair, the shared point is
//! `[clamp(H(ephemeral_seed))] · member_pk`, and the AES key is
//! `HKDF-SHA256(ikm = ephemeral_pk ‖ compress(shared point), salt none, info empty)`.
//! Any ecies.org implementation (Rust `ecies`, Python `eciespy`, JS `eciesjs`) opens a
//! blob with the member's ed25519 seed; tests prove it for the Rust crate and Python.
//!
//! The delegate cannot link the `ecies` crate (it pulls getrandom/wasm-bindgen into
//! wasm32) and has no business using randomness here anyway: the ephemeral seed and the
//! nonce are derived from (secret, recipient, version) under their own domain strings,
//! so every owner device wraps a given version for a given member to the same bytes.

use aes_gcm::aead::consts::U16;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::aes::Aes256;
use aes_gcm::{AesGcm, Nonce};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::clamp_integer;
use hkdf::Hkdf;
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

use crate::ids::MemberKey;
use crate::protocol::{ECIES_EPHEMERAL_CONTEXT, ECIES_NONCE_CONTEXT};
use crate::secret::RoomSecret;

type Aes256Gcm16 = AesGcm<Aes256, U16>;

/// Bytes a wrapped 32-byte secret takes: 32 + 16 + 16 + 32.
pub const WRAPPED_LEN: usize = 96;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EciesError {
    #[error("recipient key is not a valid, full-order ed25519 point")]
    BadRecipient,
    #[error("wrapped secret is malformed or does not open with this key")]
    OpenFailed,
}

/// Whether a secret can be wrapped for `key`: it is the canonical encoding of an
/// ed25519 point that is not of small order (the room's rule MEM-6 admits no other).
pub fn can_wrap_for(key: &MemberKey) -> bool {
    crate::batch_verify::strict_point(key.as_bytes()).is_some()
}

/// The clamped scalar of an ed25519 seed, as ed25519 and `ecies` use it: the first half
/// of SHA-512(seed), clamped. (Computed directly: `SigningKey::from_bytes` would also
/// derive the public key, a scalar multiplication this path does not need.)
fn seed_scalar(seed: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let hash = Zeroizing::new(<[u8; 64]>::from(Sha512::digest(seed)));
    let mut scalar = Zeroizing::new([0u8; 32]);
    // The zip stops after the scalar's 32 bytes: the hash's first half.
    for (to, from) in scalar.iter_mut().zip(hash.iter()) {
        *to = *from;
    }
    Zeroizing::new(clamp_integer(*scalar))
}

/// The AES-256-GCM cipher of one exchange.
fn cipher(ephemeral_pk: &[u8; 32], shared: &EdwardsPoint) -> Result<Aes256Gcm16, EciesError> {
    let mut ikm = Zeroizing::new(Vec::with_capacity(64));
    ikm.extend_from_slice(ephemeral_pk);
    ikm.extend_from_slice(shared.compress().as_bytes());
    let mut key = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's output limit, so expand cannot fail.
    Hkdf::<Sha256>::new(None, ikm.as_slice())
        .expand(&[], key.as_mut_slice())
        .map_err(|_| EciesError::OpenFailed)?;
    Aes256Gcm16::new_from_slice(key.as_slice()).map_err(|_| EciesError::OpenFailed)
}

/// Wrap `secret` (of `version`) for `recipient`, deterministically.
pub fn wrap(
    secret: &RoomSecret,
    recipient: &MemberKey,
    version: u32,
) -> Result<Vec<u8>, EciesError> {
    let recipient_point =
        crate::batch_verify::strict_point(recipient.as_bytes()).ok_or(EciesError::BadRecipient)?;
    let mut material = Zeroizing::new(Vec::with_capacity(68));
    material.extend_from_slice(secret.expose_secret());
    material.extend_from_slice(recipient.as_bytes());
    material.extend_from_slice(&version.to_le_bytes());
    let ephemeral_seed = Zeroizing::new(blake3::derive_key(
        ECIES_EPHEMERAL_CONTEXT,
        material.as_slice(),
    ));
    let nonce_material = blake3::derive_key(ECIES_NONCE_CONTEXT, material.as_slice());
    let (nonce, _) = nonce_material
        .split_first_chunk::<16>()
        .ok_or(EciesError::OpenFailed)?;

    let scalar = seed_scalar(&ephemeral_seed);
    let ephemeral_pk = EdwardsPoint::mul_base_clamped(*scalar)
        .compress()
        .to_bytes();
    let shared = recipient_point.mul_clamped(*scalar);
    let sealed = cipher(&ephemeral_pk, &shared)?
        .encrypt(
            Nonce::<U16>::from_slice(nonce),
            secret.expose_secret().as_slice(),
        )
        .map_err(|_| EciesError::OpenFailed)?;
    // aes-gcm appends the tag; ecies puts it before the ciphertext.
    let (ciphertext, tag) = sealed
        .split_last_chunk::<16>()
        .ok_or(EciesError::OpenFailed)?;
    let mut out = Vec::with_capacity(WRAPPED_LEN);
    out.extend_from_slice(&ephemeral_pk);
    out.extend_from_slice(nonce);
    out.extend_from_slice(tag);
    out.extend_from_slice(ciphertext);
    Ok(out)
}

/// Open a wrapped secret with the member's ed25519 seed.
pub fn unwrap(seed: &[u8; 32], blob: &[u8]) -> Result<RoomSecret, EciesError> {
    if blob.len() != WRAPPED_LEN {
        return Err(EciesError::OpenFailed);
    }
    let (ephemeral_pk, rest) = blob
        .split_first_chunk::<32>()
        .ok_or(EciesError::OpenFailed)?;
    let (nonce, rest) = rest
        .split_first_chunk::<16>()
        .ok_or(EciesError::OpenFailed)?;
    let (tag, ciphertext) = rest
        .split_first_chunk::<16>()
        .ok_or(EciesError::OpenFailed)?;
    let ephemeral =
        crate::batch_verify::strict_point(ephemeral_pk).ok_or(EciesError::OpenFailed)?;
    let shared = ephemeral.mul_clamped(*seed_scalar(seed));
    let mut sealed = Zeroizing::new(Vec::with_capacity(48));
    sealed.extend_from_slice(ciphertext);
    sealed.extend_from_slice(tag);
    let plain = Zeroizing::new(
        cipher(ephemeral_pk, &shared)?
            .decrypt(Nonce::<U16>::from_slice(nonce), sealed.as_slice())
            .map_err(|_| EciesError::OpenFailed)?,
    );
    let bytes: [u8; 32] = plain
        .as_slice()
        .try_into()
        .map_err(|_| EciesError::OpenFailed)?;
    Ok(RoomSecret::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::member_key;
    use ed25519_dalek::SigningKey;

    fn member(n: u8) -> (SigningKey, MemberKey) {
        let key = SigningKey::from_bytes(&[n; 32]);
        let public = member_key(&key);
        (key, public)
    }

    #[test]
    fn the_ecies_crate_opens_what_we_wrap() {
        // The interop promise of docs/design.md §3: any ecies.org implementation reads our blobs.
        let secret = RoomSecret::from_bytes([0x5a; 32]);
        for n in 1..8u8 {
            let (key, public) = member(n);
            let blob = wrap(&secret, &public, u32::from(n)).unwrap();
            assert_eq!(blob.len(), WRAPPED_LEN);
            let opened = ecies::decrypt(&key.to_bytes(), &blob).expect("ecies crate decrypts");
            assert_eq!(opened, secret.expose_secret());
        }
    }

    #[test]
    fn we_open_what_the_ecies_crate_wraps() {
        let (key, public) = member(9);
        let blob = ecies::encrypt(public.as_bytes(), &[7u8; 32]).unwrap();
        assert_eq!(
            unwrap(&key.to_bytes(), &blob).unwrap().expose_secret(),
            &[7u8; 32]
        );
    }

    #[test]
    fn wrapping_is_deterministic_per_secret_recipient_and_version() {
        let secret = RoomSecret::from_bytes([1; 32]);
        let (_, alice) = member(1);
        let (_, bob) = member(2);
        assert_eq!(
            wrap(&secret, &alice, 3).unwrap(),
            wrap(&secret, &alice, 3).unwrap()
        );
        assert_ne!(
            wrap(&secret, &alice, 3).unwrap(),
            wrap(&secret, &alice, 4).unwrap()
        );
        assert_ne!(
            wrap(&secret, &alice, 3).unwrap(),
            wrap(&secret, &bob, 3).unwrap()
        );
    }

    #[test]
    fn only_the_recipient_opens_it() {
        let secret = RoomSecret::from_bytes([1; 32]);
        let (alice_key, alice) = member(1);
        let (bob_key, _) = member(2);
        let blob = wrap(&secret, &alice, 0).unwrap();
        assert_eq!(unwrap(&alice_key.to_bytes(), &blob).unwrap(), secret);
        assert_eq!(
            unwrap(&bob_key.to_bytes(), &blob),
            Err(EciesError::OpenFailed)
        );
    }

    #[test]
    fn small_order_points_and_garbage_are_refused() {
        let secret = RoomSecret::from_bytes([1; 32]);
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            wrap(&secret, &MemberKey(identity), 0),
            Err(EciesError::BadRecipient)
        );
        let (key, alice) = member(1);
        let mut blob = wrap(&secret, &alice, 0).unwrap();
        blob[..32].copy_from_slice(&identity);
        assert_eq!(unwrap(&key.to_bytes(), &blob), Err(EciesError::OpenFailed));
        for garbage in [&[][..], &[0u8; 95], &[0xff; 96], &[0u8; 200]] {
            assert_eq!(
                unwrap(&key.to_bytes(), garbage),
                Err(EciesError::OpenFailed)
            );
        }
    }
}
