//! Batch signature verification: the one acceptance rule for every signature in a room.
//!
//! **The rule.** `verify_strict`'s strictness — `s` canonical, `A` and `R` canonically
//! encoded and not of small order — with the *cofactored* verification equation
//! `[8]([s]B − R − [k]A) = 0`, `k = SHA-512(R ‖ A ‖ M)`. For every signature an honest
//! RFC 8032 signer makes, this accepts exactly what `verify_strict` accepts (tested).
//! They differ only on points with a torsion component, which only the key holder can
//! craft; and the cofactored form is the one whose batch and single verdicts agree
//! (ZIP 215's reasoning), so whether a record arrives alone in a delta or among a
//! thousand in a state, every node reaches the same verdict.
//!
//! **Why batch.** The node runs guest WASM without optimisation and re-validates the
//! whole state after every update, so signature cost decides how large a room can be.
//! One multi-scalar multiplication checks a whole state: random 128-bit weights `z_i`
//! (derived from all inputs, so deterministic) combine the equations, the `R` terms
//! share one Pippenger pass, and signatures by the same key (the owner's invitations,
//! one author's messages) share one `A` term. If the combined check fails, each
//! signature is checked alone to find the culprits.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use minicbor::Encode;
use sha2::{Digest, Sha512};

use crate::codec;
use crate::collections::{Map, Set};
use crate::ids::MemberKey;
use crate::protocol::{RecordKind, BATCH_WEIGHTS_CONTEXT};
use crate::sign::{signing_input, Sig, SigError};

/// A verifier's memory across batches: each distinct signer key is decompressed and
/// checked once.
#[derive(Default)]
pub struct KeyCache {
    keys: Map<MemberKey, Option<EdwardsPoint>>,
}

impl KeyCache {
    /// Whether `key` is a key this rule accepts a signature from: canonically encoded and
    /// not of small order — the same test as `ecies::can_wrap_for`, so a room's MEM-6
    /// check through this cache costs the batch nothing more.
    pub fn accepts(&mut self, key: &MemberKey) -> bool {
        self.point(key).is_some()
    }

    /// The key's point if it is canonically encoded and not of small order.
    fn point(&mut self, key: &MemberKey) -> Option<EdwardsPoint> {
        *self
            .keys
            .entry(*key)
            .or_insert_with(|| strict_point(key.as_bytes()))
    }
}

/// Decompress a point, refusing non-canonical encodings and small-order points: the keys
/// signatures are accepted from, and (`ecies::can_wrap_for`) the keys secrets are
/// wrapped for, so the room's MEM-6 is exactly this test.
pub(crate) fn strict_point(bytes: &[u8; 32]) -> Option<EdwardsPoint> {
    if !canonical_y(bytes) {
        return None;
    }
    let point = CompressedEdwardsY(*bytes).decompress()?;
    (!point.is_small_order()).then_some(point)
}

/// Whether the encoded y-coordinate is below p = 2^255 − 19. (x = 0 with the sign bit
/// set only occurs for small-order points, which are refused anyway.)
pub(crate) fn canonical_y(bytes: &[u8; 32]) -> bool {
    let top = bytes[31] & 0x7f;
    !(top == 0x7f && bytes[1..31].iter().all(|&b| b == 0xff) && bytes[0] >= 0xed)
}

/// One signature waiting for the batch: `s`, `R`, `k` and whose it is.
struct Pending {
    group: usize,
    signer: MemberKey,
    r_bytes: [u8; 32],
    s: Scalar,
    k: Scalar,
}

/// Signatures to check together. Each belongs to a *group* (a record, or a record plus
/// the evidence it carries); a group passes only if all its signatures verify.
#[derive(Default)]
pub struct SignatureBatch {
    pending: Vec<Pending>,
    failed: Set<usize>,
}

impl SignatureBatch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Queue `sig` by `signer` over a record of `kind` in room `room`, for `group`.
    pub fn add<T: Encode<()>>(
        &mut self,
        group: usize,
        kind: RecordKind,
        room: &MemberKey,
        signer: &MemberKey,
        body: &T,
        sig: &Sig,
    ) {
        match codec::to_vec(body) {
            Ok(cbor) => self.add_encoded(group, kind, room, signer, &cbor, sig),
            Err(_) => {
                self.failed.insert(group);
            }
        }
    }

    /// Queue a signature over raw `message` bytes that carry their own domain tag (for
    /// signatures outside rooms, e.g. a web container's publisher metadata).
    pub fn add_raw(&mut self, group: usize, signer: &MemberKey, message: &[u8], sig: &Sig) {
        self.push(group, signer, message, sig);
    }

    /// [`Self::add`] for an already encoded body (one copy of this code for every
    /// record type keeps the guest WASM small).
    #[inline(never)]
    pub fn add_encoded(
        &mut self,
        group: usize,
        kind: RecordKind,
        room: &MemberKey,
        signer: &MemberKey,
        cbor: &[u8],
        sig: &Sig,
    ) {
        self.push(group, signer, &signing_input(kind, room, cbor), sig);
    }

    fn push(&mut self, group: usize, signer: &MemberKey, message: &[u8], sig: &Sig) {
        let mut r_bytes = [0u8; 32];
        r_bytes.copy_from_slice(&sig.0[..32]);
        let mut s_bytes = [0u8; 32];
        s_bytes.copy_from_slice(&sig.0[32..]);
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
            self.failed.insert(group);
            return;
        };
        let mut hash = Sha512::new();
        hash.update(r_bytes);
        hash.update(signer.as_bytes());
        hash.update(message);
        let k = Scalar::from_bytes_mod_order_wide(&hash.finalize().into());
        self.pending.push(Pending {
            group,
            signer: *signer,
            r_bytes,
            s,
            k,
        });
    }

    /// Verify everything queued; returns the groups that failed.
    pub fn verify(self, keys: &mut KeyCache) -> Set<usize> {
        let mut failed = self.failed;
        let mut ready: Vec<(&Pending, EdwardsPoint, EdwardsPoint)> =
            Vec::with_capacity(self.pending.len());
        for item in &self.pending {
            match (keys.point(&item.signer), strict_point(&item.r_bytes)) {
                (Some(a), Some(r)) => ready.push((item, r, a)),
                _ => {
                    failed.insert(item.group);
                }
            }
        }
        ready.retain(|(item, _, _)| !failed.contains(&item.group));
        if ready.is_empty() || equation_holds(&ready) {
            return failed;
        }
        for one in &ready {
            if !equation_holds(std::slice::from_ref(one)) {
                failed.insert(one.0.group);
            }
        }
        failed
    }
}

/// `[8](Σ z_i([k_i]A_i + R_i) − [Σ z_i s_i]B) = 0`, with `z = 1` for a single signature.
fn equation_holds(items: &[(&Pending, EdwardsPoint, EdwardsPoint)]) -> bool {
    let weights = weights(items);
    let mut scalars: Vec<Scalar> = Vec::with_capacity(items.len() * 2 + 1);
    let mut points: Vec<EdwardsPoint> = Vec::with_capacity(items.len() * 2 + 1);
    let mut b_coefficient = Scalar::ZERO;
    // Signatures by one key share one A term.
    let mut a_terms: Map<MemberKey, usize> = Map::default();
    let mut a_scalars: Vec<Scalar> = Vec::new();
    let mut a_points: Vec<EdwardsPoint> = Vec::new();
    for ((item, r, a), z) in items.iter().zip(&weights) {
        b_coefficient += z * item.s;
        scalars.push(*z);
        points.push(*r);
        let slot = *a_terms.entry(item.signer).or_insert_with(|| {
            a_scalars.push(Scalar::ZERO);
            a_points.push(*a);
            a_points.len() - 1
        });
        // `slot` indexes `a_scalars`, pushed beside `a_points` just above.
        if let Some(a_scalar) = a_scalars.get_mut(slot) {
            *a_scalar += z * item.k;
        }
    }
    scalars.extend(a_scalars);
    points.extend(a_points);
    scalars.push(-b_coefficient);
    points.push(ED25519_BASEPOINT_POINT);
    EdwardsPoint::vartime_multiscalar_mul(scalars, points)
        .mul_by_cofactor()
        .is_identity()
}

/// Deterministic 128-bit weights bound to every input of the batch.
fn weights(items: &[(&Pending, EdwardsPoint, EdwardsPoint)]) -> Vec<Scalar> {
    if items.len() == 1 {
        return vec![Scalar::ONE];
    }
    let mut hasher = blake3::Hasher::new_derive_key(BATCH_WEIGHTS_CONTEXT);
    for (item, _, _) in items {
        hasher.update(&item.r_bytes);
        hasher.update(item.s.as_bytes());
        hasher.update(item.signer.as_bytes());
        hasher.update(item.k.as_bytes());
    }
    let mut xof = hasher.finalize_xof();
    items
        .iter()
        .map(|_| {
            let mut z = [0u8; 16];
            xof.fill(&mut z);
            Scalar::from(u128::from_le_bytes(z) | 1)
        })
        .collect()
}

/// Checks one signature at a time under the room's acceptance rule (this module's); states and deltas use [`SignatureBatch`] directly.
#[derive(Default)]
pub struct Verifier {
    keys: KeyCache,
}

impl Verifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Verify `sig` by `signer` over a record of `kind` in room `room`.
    pub fn verify<T: Encode<()>>(
        &mut self,
        kind: RecordKind,
        room: &MemberKey,
        signer: &MemberKey,
        body: &T,
        sig: &Sig,
    ) -> Result<(), SigError> {
        let mut batch = SignatureBatch::new();
        batch.add(0, kind, room, signer, body, sig);
        if batch.verify(&mut self.keys).is_empty() {
            Ok(())
        } else {
            Err(SigError::BadSignature)
        }
    }
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
mod tests {
    use super::*;
    use crate::sign::{member_key, sign_body};
    use ed25519_dalek::{Signature, SigningKey};

    const ROOM: MemberKey = MemberKey([42; 32]);

    #[test]
    fn mem_6_the_cache_accepts_real_keys_and_refuses_every_bad_kind() {
        // The room checks MEM-6 through this cache: real keys pass; the identity, the
        // all-zero (order 4) encoding and a non-canonical y do not.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut cache = KeyCache::default();
        for n in 0..8 {
            assert!(cache.accepts(&member_key(&signer(n))));
        }
        for bad in [identity, [0; 32], [0xff; 32]] {
            assert!(!cache.accepts(&MemberKey(bad)), "{bad:?}");
            assert!(!crate::ecies::can_wrap_for(&MemberKey(bad)), "{bad:?}");
        }
    }

    fn signer(n: u64) -> SigningKey {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&n.to_le_bytes());
        SigningKey::from_bytes(&seed)
    }

    fn strict(key: &SigningKey, body: &String, sig: &Sig) -> bool {
        let input = signing_input(RecordKind::Message, &ROOM, &codec::to_vec(body).unwrap());
        key.verifying_key()
            .verify_strict(&input, &Signature::from_bytes(&sig.0))
            .is_ok()
    }

    #[test]
    fn batch_accepts_exactly_the_honest_signatures_and_names_the_bad_ones() {
        let mut batch = SignatureBatch::new();
        let mut expected_bad = Set::default();
        for i in 0..64u64 {
            let key = signer(i % 7); // shared keys exercise the merged A terms
            let body = format!("message {i}");
            let mut sig = sign_body(RecordKind::Message, &ROOM, &body, &key).unwrap();
            if i % 13 == 5 {
                sig.0[3] ^= 0x10; // corrupt R
                expected_bad.insert(i as usize);
            }
            let claimed = if i == 40 {
                "tampered".to_string()
            } else {
                body.clone()
            };
            if i == 40 {
                expected_bad.insert(40);
            }
            assert_eq!(
                strict(&key, &claimed, &sig),
                !expected_bad.contains(&(i as usize))
            );
            batch.add(
                i as usize,
                RecordKind::Message,
                &ROOM,
                &member_key(&key),
                &claimed,
                &sig,
            );
        }
        assert_eq!(batch.verify(&mut KeyCache::default()), expected_bad);
    }

    #[test]
    fn all_good_batch_passes_and_single_verdicts_agree() {
        let mut batch = SignatureBatch::new();
        for i in 0..200u64 {
            let key = signer(i);
            let body = format!("m{i}");
            let sig = sign_body(RecordKind::Message, &ROOM, &body, &key).unwrap();
            assert!(strict(&key, &body, &sig));
            batch.add(
                i as usize,
                RecordKind::Message,
                &ROOM,
                &member_key(&key),
                &body,
                &sig,
            );
        }
        assert!(batch.verify(&mut KeyCache::default()).is_empty());
    }

    #[test]
    fn non_canonical_s_is_rejected() {
        let key = signer(1);
        let body = "x".to_string();
        let mut sig = sign_body(RecordKind::Message, &ROOM, &body, &key).unwrap();
        // s + l: the same scalar mod l, but not canonically encoded.
        let mut s = [0u8; 32];
        s.copy_from_slice(&sig.0[32..]);
        // l = 2^252 + 27742317777372353535851937790883648493, little-endian.
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = s[i] as u16 + l[i] as u16 + carry;
            s[i] = sum as u8;
            carry = sum >> 8;
        }
        sig.0[32..].copy_from_slice(&s);
        assert!(!strict(&key, &body, &sig));
        let mut batch = SignatureBatch::new();
        batch.add(
            0,
            RecordKind::Message,
            &ROOM,
            &member_key(&key),
            &body,
            &sig,
        );
        assert!(batch.verify(&mut KeyCache::default()).contains(&0));
    }

    #[test]
    fn small_order_key_and_r_are_rejected() {
        // The identity as key and as R with s = 0 satisfies the equation for every
        // message; the strict checks refuse both.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut sig = Sig([0u8; 64]);
        sig.0[..32].copy_from_slice(&identity);
        let mut batch = SignatureBatch::new();
        batch.add(
            0,
            RecordKind::Message,
            &ROOM,
            &MemberKey(identity),
            &"any".to_string(),
            &sig,
        );
        let honest = signer(3);
        batch.add(
            1,
            RecordKind::Message,
            &ROOM,
            &member_key(&honest),
            &"any".to_string(),
            &sig,
        );
        let failed = batch.verify(&mut KeyCache::default());
        assert!(failed.contains(&0) && failed.contains(&1));
    }

    #[test]
    fn non_canonical_y_encodings_are_refused() {
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert!(!canonical_y(&p)); // p itself
        let mut p_minus_1 = p;
        p_minus_1[0] = 0xec;
        assert!(canonical_y(&p_minus_1));
        let mut above = p;
        above[0] = 0xff;
        assert!(!canonical_y(&above));
        let mut signed = p_minus_1;
        signed[31] |= 0x80; // the sign bit is not part of y
        assert!(canonical_y(&signed));
    }

    #[test]
    fn a_group_fails_when_any_of_its_signatures_fails() {
        let key = signer(5);
        let good = sign_body(RecordKind::Message, &ROOM, &"a".to_string(), &key).unwrap();
        let bad = sign_body(RecordKind::Message, &ROOM, &"b".to_string(), &key).unwrap();
        let mut batch = SignatureBatch::new();
        batch.add(
            0,
            RecordKind::Message,
            &ROOM,
            &member_key(&key),
            &"a".to_string(),
            &good,
        );
        batch.add(
            0,
            RecordKind::Message,
            &ROOM,
            &member_key(&key),
            &"not b".to_string(),
            &bad,
        );
        batch.add(
            1,
            RecordKind::Message,
            &ROOM,
            &member_key(&key),
            &"a".to_string(),
            &good,
        );
        assert_eq!(batch.verify(&mut KeyCache::default()), Set::from_iter([0]));
    }
}
