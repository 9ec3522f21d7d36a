//! Brook's shared core.
//!
//! Everything a room contract, the chat delegate, the UI and the CLI must agree on byte
//! for byte lives here: identities and signatures ([`ids`], [`sign`]), the room-secret
//! KDF ([`kdf`]), content sealing ([`seal`]), secret-bearing types ([`secret`]) and the
//! room CRDT itself ([`room`]). The WASM crates are thin shells over this crate.

pub mod batch_verify;
pub mod codec;
pub mod collections;
pub mod delegate_api;
pub mod ecies;
pub mod ids;
pub mod kdf;
pub mod legacy;
pub mod limits;
pub mod protocol;
pub mod room;
pub mod rotation;
pub mod seal;
pub mod secret;
pub mod sign;

// The test kit builds signed rooms for tests, benchmarks and fuzzing. No guest enables
// its feature, so, like `#[cfg(test)]` code, it stands outside the lint fence.
#[cfg(any(test, feature = "testkit"))]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]
pub mod testkit;
pub mod web_container;
