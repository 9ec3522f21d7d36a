//! A wrapped room secret opens in an independent ecies.org implementation: Python's
//! `eciespy` decrypts what Brook's deterministic wrap produces, with the member's seed.
//! (The Rust `ecies` crate check lives beside the code, in `common/src/ecies.rs`.)

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use std::process::Command;

use brook_common::ecies::wrap;
use brook_common::kdf::derive_room_secret;
use brook_common::secret::OwnerSeed;
use brook_common::sign::member_key;
use ed25519_dalek::SigningKey;

#[test]
fn python_eciespy_opens_our_wrapped_secret() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/eciespy_decrypt.py"
    );
    let owner = SigningKey::from_bytes(&[11; 32]);
    let owner_key = member_key(&owner);
    let secret = derive_room_secret(&OwnerSeed::from_bytes(owner.to_bytes()), &owner_key, 4);
    for n in [1u8, 2, 200] {
        let member = SigningKey::from_bytes(&[n; 32]);
        let blob = wrap(&secret, &member_key(&member), 4).expect("wraps");
        let out = Command::new("python3")
            .arg(script)
            .arg(hex::encode(member.to_bytes()))
            .arg(hex::encode(&blob))
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "eciespy failed (install it: pip install eciespy==0.4.7): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            hex::encode(secret.expose_secret())
        );
    }
}
