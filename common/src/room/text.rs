//! Text fields that are plaintext in public rooms and sealed in private ones.

use minicbor::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::limits::SEAL_TAG_BYTES;
use crate::seal::Sealed;

/// A user-visible text field as stored in the room.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Encode, Decode,
)]
pub enum RoomText {
    #[n(0)]
    Plain(#[n(0)] String),
    #[n(1)]
    Sealed(#[n(0)] Sealed),
}

impl RoomText {
    pub fn is_sealed(&self) -> bool {
        matches!(self, RoomText::Sealed(_))
    }

    /// Whether the field fits `max_plain` plaintext bytes (sealed: plus the AEAD tag).
    pub fn fits(&self, max_plain: usize) -> bool {
        match self {
            RoomText::Plain(text) => text.len() <= max_plain,
            RoomText::Sealed(sealed) => sealed.ciphertext.len() <= max_plain + SEAL_TAG_BYTES,
        }
    }

    pub fn empty() -> Self {
        RoomText::Plain(String::new())
    }
}
