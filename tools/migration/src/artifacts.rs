//! The guest WASM Brook ships, where each copy lives, and how its bytes become keys.
//!
//! Every key the node derives from a WASM is `blake3(code_hash ‖ params)` with
//! `code_hash = blake3(wasm)`, so any byte change re-keys it (docs/runtime.md, "Keys"). What
//! that strands differs per artifact, and so does what guards the change (docs/design.md §10):
//!
//! | artifact | params | a change re-keys | guarded by |
//! |---|---|---|---|
//! | `chat_delegate.wasm` | empty | the delegate: its secrets (users' keys, rooms) stay under the old key | `legacy_delegates.toml` |
//! | `room_contract.wasm` | the owner's verifying key | every room: clients must find old rooms under the old id | `legacy_room_contracts.toml` |
//! | `web_container.wasm` | the publisher's key | Brook's URL, and the web-app origin the delegate scopes stored data by | nothing: a change fails until synced |

use std::path::{Path, PathBuf};

/// Where the shipped artifacts are committed, relative to the repository root: the UI's
/// public directory, so the UI bundle carries the exact WASM whose keys it uses.
pub const COMMITTED_DIR: &str = "ui/public/contracts";

/// Where `tools/build-wasm.sh` leaves a fresh build, relative to the repository root.
pub const BUILD_DIR: &str = "target/brook-wasm";

/// The chat delegate's parameters: none. Its key is `blake3(code_hash)`.
pub const CHAT_DELEGATE_PARAMS: &[u8] = &[];

/// The manifest of every shipped chat delegate that has been replaced.
pub const DELEGATE_MANIFEST: &str = "legacy_delegates.toml";

/// The manifest of every shipped room contract that has been replaced.
pub const ROOM_CONTRACT_MANIFEST: &str = "legacy_room_contracts.toml";

/// Which manifest (if any) keeps an artifact's predecessors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Keyed by `blake3(code_hash ‖ params)` with fixed params: one key per build.
    Delegate,
    /// Keyed per instance (per room): the manifest records code hashes only.
    RoomContract,
    /// No manifest: a change must be synced, never silently shipped.
    Unguarded,
}

/// One shipped guest WASM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Artifact {
    /// File name, the same in [`COMMITTED_DIR`] and [`BUILD_DIR`].
    pub file: &'static str,
    pub kind: Kind,
}

pub const CHAT_DELEGATE: Artifact = Artifact {
    file: "chat_delegate.wasm",
    kind: Kind::Delegate,
};
pub const ROOM_CONTRACT: Artifact = Artifact {
    file: "room_contract.wasm",
    kind: Kind::RoomContract,
};
pub const WEB_CONTAINER: Artifact = Artifact {
    file: "web_container.wasm",
    kind: Kind::Unguarded,
};

/// Every shipped artifact, in the order the tools report them.
pub const ALL: [Artifact; 3] = [CHAT_DELEGATE, ROOM_CONTRACT, WEB_CONTAINER];

impl Artifact {
    pub fn committed(&self, root: &Path) -> PathBuf {
        root.join(COMMITTED_DIR).join(self.file)
    }

    pub fn built(&self, root: &Path) -> PathBuf {
        root.join(BUILD_DIR).join(self.file)
    }

    /// The manifest that must record this artifact before a shipped copy is replaced.
    pub fn manifest(&self) -> Option<&'static str> {
        match self.kind {
            Kind::Delegate => Some(DELEGATE_MANIFEST),
            Kind::RoomContract => Some(ROOM_CONTRACT_MANIFEST),
            Kind::Unguarded => None,
        }
    }
}

/// `blake3(wasm)`: the code hash the node computes (`CodeHash::from_code`).
pub fn code_hash(wasm: &[u8]) -> [u8; 32] {
    *blake3::hash(wasm).as_bytes()
}

/// `blake3(code_hash ‖ params)`: a delegate key, or a contract instance id.
pub fn instance_key(code_hash: &[u8; 32], params: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(code_hash);
    hasher.update(params);
    *hasher.finalize().as_bytes()
}

/// Base58 (Bitcoin alphabet): how the node and fdev print keys.
pub fn base58(bytes: &[u8; 32]) -> String {
    bs58::encode(bytes)
        .with_alphabet(bs58::Alphabet::BITCOIN)
        .into_string()
}
