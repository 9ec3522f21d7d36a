//! The room secrets this identity holds, by version, and the rule for sealing with them.
//!
//! Secrets arrive two ways: from an invite code (the inviter's current secret, so a
//! newcomer reads at once) and from the member's own chat delegate, which opens the
//! blobs the room holds for its identity (`Request::OpenSecrets`). Content is sealed
//! and opened here in the client; the identity key never leaves the delegate.

use std::collections::BTreeMap;

use brook_common::secret::RoomSecret;

/// Room secrets by version. Secrets wipe themselves when dropped.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    secrets: BTreeMap<u32, RoomSecret>,
}

impl Keyring {
    pub fn new() -> Keyring {
        Keyring::default()
    }

    /// Keep `secret` as version `version`. A version already held is kept as it is (a
    /// version's secret never changes: the owner derives it, rule ROT-1).
    pub fn insert(&mut self, version: u32, secret: RoomSecret) {
        self.secrets.entry(version).or_insert(secret);
    }

    pub fn get(&self, version: u32) -> Option<&RoomSecret> {
        self.secrets.get(&version)
    }

    pub fn contains(&self, version: u32) -> bool {
        self.secrets.contains_key(&version)
    }

    /// The newest version held.
    pub fn newest(&self) -> Option<u32> {
        self.secrets.keys().next_back().copied()
    }

    /// Versions held, oldest first.
    pub fn versions(&self) -> impl Iterator<Item = u32> + '_ {
        self.secrets.keys().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// The version new content must be sealed under: the room's current version, which
    /// this keyring must hold. A client never seals under an older version than the
    /// newest the room (or the keyring) has: what a departed member may still hold is
    /// exactly the older versions.
    pub fn sealing_version(&self, room_current: Option<u32>) -> Result<u32, SealingRefusal> {
        self.sealing_secret(room_current)
            .map(|(version, _)| version)
    }

    /// [`Keyring::sealing_version`] with the secret of that version.
    pub fn sealing_secret(
        &self,
        room_current: Option<u32>,
    ) -> Result<(u32, &RoomSecret), SealingRefusal> {
        let newest_known = match (room_current, self.newest()) {
            (Some(room), Some(mine)) => room.max(mine),
            (Some(room), None) => room,
            (None, Some(mine)) => mine,
            (None, None) => return Err(SealingRefusal::NoSecretYet),
        };
        self.get(newest_known)
            .map(|secret| (newest_known, secret))
            .ok_or(SealingRefusal::LacksVersion {
                version: newest_known,
                newest_held: self.newest(),
            })
    }
}

/// Why nothing can be sealed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealingRefusal {
    /// The private room has no secret yet: the owner's delegate has not published
    /// version 0 (it does within seconds of the room's creation, while its node runs).
    #[error("the room has no secret yet: the owner's node has not published one")]
    NoSecretYet,
    /// The room moved to a version this identity does not hold (yet, or ever: a banned
    /// member never gets it).
    #[error("no key for secret version {version} yet (newest held: {})", newest_held.map_or("none".to_string(), |v| v.to_string()))]
    LacksVersion {
        version: u32,
        newest_held: Option<u32>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(b: u8) -> RoomSecret {
        RoomSecret::from_bytes([b; 32])
    }

    #[test]
    fn seals_under_the_rooms_current_version_only_when_held() {
        let mut ring = Keyring::new();
        assert_eq!(ring.sealing_version(None), Err(SealingRefusal::NoSecretYet));
        assert_eq!(
            ring.sealing_version(Some(0)),
            Err(SealingRefusal::LacksVersion {
                version: 0,
                newest_held: None
            })
        );
        ring.insert(0, secret(1));
        ring.insert(1, secret(2));
        assert_eq!(ring.sealing_version(Some(1)), Ok(1));
        // Never an older version than the room's current one.
        assert_eq!(
            ring.sealing_version(Some(2)),
            Err(SealingRefusal::LacksVersion {
                version: 2,
                newest_held: Some(1)
            })
        );
        // A state older than the keyring (a stale node) does not pull sealing back.
        assert_eq!(ring.sealing_version(Some(0)), Ok(1));
    }

    #[test]
    fn a_held_version_is_never_replaced() {
        let mut ring = Keyring::new();
        ring.insert(3, secret(1));
        ring.insert(3, secret(9));
        assert_eq!(ring.get(3), Some(&secret(1)));
        assert_eq!(ring.versions().collect::<Vec<_>>(), vec![3]);
    }
}
