//! Every chat delegate and room contract that shipped and was replaced, as constants
//! generated at build time from `legacy_delegates.toml` and `legacy_room_contracts.toml`
//! (docs/design.md §10; `build.rs`), oldest first:
//!
//! - `LEGACY_DELEGATES: &[([u8; 32], [u8; 32])]`: `(delegate_key, code_hash)` of each
//!   replaced chat delegate, where its users' secrets stay until migrated;
//! - `LEGACY_ROOM_CONTRACT_CODE_HASHES: &[[u8; 32]]`: each replaced room contract, from
//!   which a client re-derives a room's earlier id `blake3(code_hash ‖ owner's key)`.
//!
//! The current artifacts are never listed: their hashes come from the bundled WASM.

include!(concat!(env!("OUT_DIR"), "/legacy_delegates.rs"));
include!(concat!(env!("OUT_DIR"), "/legacy_room_contracts.rs"));
