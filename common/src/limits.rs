//! Limits and defaults, in one place, each with the reason for its value.
//!
//! Hard limits bound what any state may hold, whatever its config says: they keep every
//! contract call inside the node's 5 s budget and every state well under its 50 MiB cap.
//! Defaults are what a new room's config starts with; the owner may lower them (never
//! raise them above the hard limit).

/// Member room (docs/design.md §4 default), divided down the invitation tree (MEM-4).
/// Each member costs three signature checks per validation (MEM-1), which is what bounds
/// validation time.
pub const MAX_MEMBERS: u32 = 500;
/// Messages retained in the window (docs/design.md §4 default).
pub const MAX_MESSAGES: u32 = 500;
/// Largest message body in bytes, plaintext or sealed (docs/design.md §4 default: 4 KB).
pub const MAX_MESSAGE_BYTES: u32 = 4096;
/// The departure pool: banned members a room keeps as evidence, divided down the tree
/// like member room (rule BAN-5), so no member's bans can push out another's. Each costs
/// four signature checks (the ban and the target's acceptance).
pub const MAX_BANS: u32 = 500;
/// Largest nickname, plaintext bytes. Sealed nicknames may add the AEAD tag.
pub const MAX_NICKNAME_BYTES: usize = 64;
/// Largest room name, plaintext bytes.
pub const MAX_ROOM_NAME_BYTES: usize = 128;
/// Largest room description, plaintext bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 1024;
/// Moderators the owner may appoint.
pub const MAX_MODERATORS: usize = 32;
/// Bytes of one wrapped room secret (an ECIES blob of a 32-byte secret is ~96).
pub const MAX_WRAPPED_SECRET_BYTES: usize = 256;
/// Secret versions retained; older versions' records and blobs are pruned so the
/// secrets component cannot grow without bound.
pub const MAX_SECRET_VERSIONS: u32 = 16;
/// Largest state the contract will decode. The node caps states at 50 MiB; a room at
/// every limit above is ~3 MiB, so anything near this is garbage or an attack.
pub const MAX_STATE_BYTES: usize = 16 * 1024 * 1024;
/// Default rotation period for private rooms: 7 days (docs/design.md §6).
pub const DEFAULT_ROTATION_PERIOD_SECS: u64 = 7 * 24 * 60 * 60;
/// AES-GCM tag length added to every sealed field.
pub const SEAL_TAG_BYTES: usize = 16;
