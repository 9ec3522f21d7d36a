//! The room-secret KDF against known answers computed by an independent implementation
//! (Python's `blake3` package; see `vectors/gen_kdf_vectors.py`).

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_common::ids::MemberKey;
use brook_common::kdf;
use brook_common::protocol::KDF_ROOT_CONTEXT;
use brook_common::secret::OwnerSeed;
use ed25519_dalek::SigningKey;

fn hex32(value: &serde_json::Value) -> [u8; 32] {
    let bytes = hex::decode(value.as_str().expect("hex string")).expect("valid hex");
    bytes.try_into().expect("32 bytes")
}

#[test]
fn kdf_matches_independent_vectors() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/kdf.json"
    ))
    .expect("vector file");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(doc["context"], KDF_ROOT_CONTEXT);
    let vectors = doc["vectors"].as_array().expect("vectors");
    assert!(
        vectors.len() >= 32,
        "expected a real vector set, got {}",
        vectors.len()
    );
    for v in vectors {
        let seed = OwnerSeed::from_bytes(hex32(&v["seed"]));
        let owner = MemberKey(hex32(&v["owner_vk"]));
        // The owner key in the file came from Python's ed25519; ours must agree.
        assert_eq!(
            SigningKey::from_bytes(seed.expose_secret())
                .verifying_key()
                .to_bytes(),
            owner.0
        );
        let version = v["version"].as_u64().expect("version") as u32;
        assert_eq!(kdf::secret_root(&seed).expose_secret(), &hex32(&v["root"]));
        let secret = kdf::derive_room_secret(&seed, &owner, version);
        assert_eq!(
            secret.expose_secret(),
            &hex32(&v["secret"]),
            "version {version}"
        );
    }
}

#[test]
fn versions_and_rooms_give_distinct_secrets() {
    let seed = OwnerSeed::from_bytes([5; 32]);
    let owner = MemberKey([6; 32]);
    let other = MemberKey([7; 32]);
    let v0 = kdf::derive_room_secret(&seed, &owner, 0);
    assert_ne!(v0, kdf::derive_room_secret(&seed, &owner, 1));
    assert_ne!(v0, kdf::derive_room_secret(&seed, &other, 0));
    assert_eq!(v0, kdf::derive_room_secret(&seed, &owner, 0));
}
