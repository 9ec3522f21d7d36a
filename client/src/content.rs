//! Sealing and opening a room's text fields (message bodies, nicknames, room name and
//! description) in the client: AES-256-GCM under the room secret of the stated version,
//! the associated data binding room, version, author and field (`brook_common::seal`).

use brook_common::ids::MemberKey;
use brook_common::room::text::RoomText;
use brook_common::seal::{self, SealContext, SealedField};

use crate::keyring::{Keyring, SealingRefusal};

/// A text field as this identity sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// Readable: plaintext in a public room, or opened with a held secret.
    Readable(String),
    /// Sealed under a secret version this identity does not hold.
    NoKey { version: u32 },
    /// Sealed under a held version but it does not open (or is not UTF-8): damaged, or
    /// sealed for another room, author or field. Never shown as text.
    Unopenable { version: u32 },
}

impl Text {
    pub fn readable(&self) -> Option<&str> {
        match self {
            Text::Readable(text) => Some(text),
            _ => None,
        }
    }

    /// The secret version a sealed field was sealed under (None: plaintext or opened).
    pub fn missing_version(&self) -> Option<u32> {
        match self {
            Text::NoKey { version } => Some(*version),
            _ => None,
        }
    }
}

/// Open `text`, a `field` written by `author` in `room`.
pub fn open(
    keyring: &Keyring,
    room: &MemberKey,
    author: &MemberKey,
    field: SealedField,
    text: &RoomText,
) -> Text {
    match text {
        RoomText::Plain(plain) => Text::Readable(plain.clone()),
        RoomText::Sealed(sealed) => {
            let version = sealed.secret_version;
            let Some(secret) = keyring.get(version) else {
                return Text::NoKey { version };
            };
            let ctx = SealContext {
                room,
                author,
                field,
            };
            match seal::open(secret, &ctx, sealed)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
            {
                Some(text) => Text::Readable(text),
                None => Text::Unopenable { version },
            }
        }
    }
}

/// Why a field could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealFailure {
    #[error(transparent)]
    Refused(#[from] SealingRefusal),
    #[error("the cipher failed to seal")]
    Cipher,
}

/// The field as the room must hold it: plaintext in a public room; in a private room
/// sealed under the room's current secret version (which the keyring must hold), with
/// the caller's fresh random `nonce`.
pub fn seal_for_room(
    keyring: &Keyring,
    private: bool,
    room_current: Option<u32>,
    ctx: &SealContext<'_>,
    nonce: [u8; 12],
    plaintext: &str,
) -> Result<RoomText, SealFailure> {
    if !private {
        return Ok(RoomText::Plain(plaintext.to_owned()));
    }
    let (version, secret) = keyring.sealing_secret(room_current)?;
    seal::seal(secret, version, ctx, nonce, plaintext.as_bytes())
        .map(RoomText::Sealed)
        .map_err(|_| SealFailure::Cipher)
}

#[cfg(test)]
mod tests {
    use super::*;
    use brook_common::secret::RoomSecret;

    const ROOM: MemberKey = MemberKey([1; 32]);
    const ALICE: MemberKey = MemberKey([2; 32]);
    const BOB: MemberKey = MemberKey([3; 32]);

    fn ctx(author: &MemberKey, field: SealedField) -> SealContext<'_> {
        SealContext {
            room: &ROOM,
            author,
            field,
        }
    }

    fn ring(versions: &[u32]) -> Keyring {
        let mut ring = Keyring::new();
        for &v in versions {
            let b = u8::try_from(v).unwrap_or(0).wrapping_add(7);
            ring.insert(v, RoomSecret::from_bytes([b; 32]));
        }
        ring
    }

    fn sealed(ring: &Keyring, current: u32, text: &str) -> RoomText {
        seal_for_room(
            ring,
            true,
            Some(current),
            &ctx(&ALICE, SealedField::MessageBody),
            [5; 12],
            text,
        )
        .unwrap()
    }

    #[test]
    fn a_sealed_field_opens_with_the_version_it_names() {
        let writer = ring(&[0, 1]);
        let text = sealed(&writer, 1, "hello");
        let RoomText::Sealed(s) = &text else {
            panic!("private rooms seal")
        };
        assert_eq!(s.secret_version, 1);
        assert_eq!(
            open(&writer, &ROOM, &ALICE, SealedField::MessageBody, &text),
            Text::Readable("hello".into())
        );
        // A reader holding only version 0 is told which version it lacks.
        assert_eq!(
            open(&ring(&[0]), &ROOM, &ALICE, SealedField::MessageBody, &text),
            Text::NoKey { version: 1 }
        );
    }

    #[test]
    fn a_field_bound_elsewhere_does_not_open() {
        let writer = ring(&[0]);
        let text = sealed(&writer, 0, "hello");
        // Claimed by another author, or read as another field: refused, not shown.
        assert_eq!(
            open(&writer, &ROOM, &BOB, SealedField::MessageBody, &text),
            Text::Unopenable { version: 0 }
        );
        assert_eq!(
            open(&writer, &ROOM, &ALICE, SealedField::Nickname, &text),
            Text::Unopenable { version: 0 }
        );
    }

    #[test]
    fn public_rooms_keep_plaintext_and_private_rooms_refuse_without_the_current_key() {
        let public = seal_for_room(
            &Keyring::new(),
            false,
            None,
            &ctx(&ALICE, SealedField::MessageBody),
            [0; 12],
            "hi",
        );
        assert_eq!(public, Ok(RoomText::Plain("hi".into())));
        let refused = seal_for_room(
            &ring(&[0]),
            true,
            Some(1),
            &ctx(&ALICE, SealedField::MessageBody),
            [0; 12],
            "hi",
        );
        assert_eq!(
            refused,
            Err(SealFailure::Refused(SealingRefusal::LacksVersion {
                version: 1,
                newest_held: Some(0)
            }))
        );
    }
}
