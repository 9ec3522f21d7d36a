//! Protocol constants: every string that domain-separates a hash, a signature or a
//! derivation. Changing any of these is a protocol break.
//!
//! | constant | used by | purpose |
//! |---|---|---|
//! | [`KDF_ROOT_CONTEXT`] | [`crate::kdf`] | blake3 `derive_key` context for the per-room secret root |
//! | [`MEMBER_ID_CONTEXT`] | [`crate::ids`] | blake3 `derive_key` context for short member ids |
//! | [`RecordKind::domain_tag`] | [`crate::sign`] | signature domain, one per record type |
//! | [`SEAL_AAD_TAG`] | [`crate::seal`] | AES-GCM associated-data prefix for sealed content |
//! | [`WEB_CONTAINER_TAG`] | [`crate::web_container`] | signature domain of the UI bundle's publisher metadata |
//! | [`WRAPPED_SECRET_CONTEXT`] | [`crate::room::secrets`] | blake3 `derive_key` context for a wrapped secret's leaf hash |

/// blake3 `derive_key` context of the room-secret root (docs/design.md §3). Kept byte-exact as
/// the seed document gives it so every implementation of this v1 derivation agrees.
pub const KDF_ROOT_CONTEXT: &str = "river-rotate v1 2026-04 room-secret-root";

/// blake3 `derive_key` context of a member's short id.
pub const MEMBER_ID_CONTEXT: &str = "brook v1 2026-11 member-id";

/// Prefix of the associated data bound into every sealed field.
pub const SEAL_AAD_TAG: &[u8] = b"brook/v1/seal";

/// The signed record types. Each has its own signature domain, so a signature over one
/// kind of record is never valid for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Config,
    Member,
    Grant,
    Admit,
    Ban,
    Leave,
    MemberInfo,
    Message,
    Secrets,
    Upgrade,
}

impl RecordKind {
    /// The domain tag signed in front of the room key and the record's CBOR.
    pub const fn domain_tag(self) -> &'static str {
        match self {
            RecordKind::Config => "brook/v1/config",
            RecordKind::Member => "brook/v1/acceptance",
            RecordKind::Grant => "brook/v1/grant",
            RecordKind::Admit => "brook/v1/admit",
            RecordKind::Ban => "brook/v1/ban",
            RecordKind::Leave => "brook/v1/leave",
            RecordKind::MemberInfo => "brook/v1/member-info",
            RecordKind::Message => "brook/v1/message",
            RecordKind::Secrets => "brook/v1/secrets",
            RecordKind::Upgrade => "brook/v1/upgrade",
        }
    }
}

/// blake3 `derive_key` context of a wrapped secret's hash (a secret batch's leaf).
pub const WRAPPED_SECRET_CONTEXT: &str = "brook v1 2026-11 wrapped-secret";

/// blake3 `derive_key` context of the batch-verification weights.
pub const BATCH_WEIGHTS_CONTEXT: &str = "brook v1 2026-11 batch-verify weights";

/// Signature domain of a web container's publisher metadata.
pub const WEB_CONTAINER_TAG: &str = "brook/v1/web-container";

/// blake3 `derive_key` context of a wrap's deterministic ephemeral seed.
pub const ECIES_EPHEMERAL_CONTEXT: &str = "brook v1 2026-11 ecies ephemeral seed";

/// blake3 `derive_key` context of a wrap's deterministic nonce.
pub const ECIES_NONCE_CONTEXT: &str = "brook v1 2026-11 ecies nonce";
