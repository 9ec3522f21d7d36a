//! Limits and defaults, in one place, each with the reason for its value.
//!
//! Hard limits bound what any state may hold, whatever its config says: they keep every
//! contract call inside the node's 5 s budget and every state well under its 50 MiB cap.
//! Defaults are what a new room's config starts with; the owner may lower them (never
//! raise them above the hard limit).

/// Members a room may hold (docs/design.md §4 default). Each costs one signature check per
/// validation, which is what bounds validation time.
pub const MAX_MEMBERS: u32 = 500;
/// Messages retained in the window (docs/design.md §4 default).
pub const MAX_MESSAGES: u32 = 500;
/// Largest message body in bytes, plaintext or sealed (docs/design.md §4 default: 4 KB).
pub const MAX_MESSAGE_BYTES: u32 = 4096;
/// Bans a room may hold (docs/design.md §4 default). Bans are never displaced by newer ones
/// (rule BAN-5), so this is a ceiling on bans, not a window.
pub const MAX_BANS: u32 = 1000;
/// Share of the message window one author may occupy, as a divisor of the window: no
/// member can push everyone else out (e.g. with future-dated messages).
pub const AUTHOR_SHARE_DIVISOR: u32 = 5;
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
