//! Turns the migration manifests at the repository root (docs/design.md §10) into the constants in
//! `brook_common::legacy`, so a malformed manifest fails the build: freenet-migrate-build
//! parses each file, decodes every hash and checks every delegate key is
//! `blake3(code_hash ‖ params)`. The stricter rules (MAN-1 … MAN-8) are checked by
//! `cargo make check-migration` and by brook-migration's tests.

use freenet_migrate_build::{codegen, Component};

/// A malformed manifest fails the build with the file and the parser's reason.
fn main() -> Result<(), String> {
    codegen()
        .entry_registry("../legacy_delegates.toml", Component::Delegate)
        .canonical_consts(false)
        .delegate_pair_view("LEGACY_DELEGATES")
        .out_file("legacy_delegates.rs")
        .emit()
        .map_err(|e| format!("legacy_delegates.toml: {e}"))?;
    codegen()
        .entry_registry("../legacy_room_contracts.toml", Component::Contract)
        .canonical_consts(false)
        .contract_hash_view("LEGACY_ROOM_CONTRACT_CODE_HASHES")
        .out_file("legacy_room_contracts.rs")
        .emit()
        .map_err(|e| format!("legacy_room_contracts.toml: {e}"))?;
    Ok(())
}
