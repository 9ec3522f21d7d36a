//! Where the delegate keeps things: the node's per-delegate secret store, behind a trait
//! so the logic runs natively in tests against an in-memory store (natively the host's
//! secret calls are stubs).
//!
//! A web app's own records are scoped by its contract id, so another web app can neither
//! read nor overwrite them: `o/<origin 32 B>/<kind>/<name>`. What the node-driven runs
//! (notifications, lifecycle, wake-ups — they carry no origin) need is kept per room
//! contract *and* origin: `r/<contract 32 B>/<kind>/<origin 32 B>`. So every record
//! belongs to exactly one origin (rule ORG-1, in `rotation/follow.rs`).

use std::collections::BTreeMap;

/// The secret store the node gives a delegate.
pub trait SecretStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
    fn set(&mut self, key: &[u8], value: &[u8]) -> bool;
    fn remove(&mut self, key: &[u8]) -> bool;
    /// Keys starting with `prefix`.
    fn list(&self, prefix: &[u8]) -> Vec<Vec<u8>>;
}

/// The kinds of record a web app keeps.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A room identity's seed, named by the room's owner key.
    Identity,
    /// A value of the UI's own key-value storage.
    Value,
    /// The room contract code hash this origin follows a room under, named by the
    /// room's owner key (the contract id is derived from both, never stored).
    RoomContract,
    /// Carry-forward bookkeeping: markers and the journal (never exported).
    Migration,
}

/// A storage key scoped to one origin.
pub fn key(origin: &[u8; 32], kind: Kind, name: &[u8]) -> Vec<u8> {
    let mut key = prefix(origin, kind);
    key.extend_from_slice(name);
    key
}

/// The prefix of every key of `kind` for `origin`.
pub fn prefix(origin: &[u8; 32], kind: Kind) -> Vec<u8> {
    let mut key = Vec::with_capacity(2 + 32 + 4 + 64);
    key.extend_from_slice(b"o/");
    key.extend_from_slice(origin);
    key.extend_from_slice(match kind {
        Kind::Identity => b"/id/",
        Kind::Value => b"/kv/",
        Kind::RoomContract => b"/rc/",
        Kind::Migration => b"/mg/",
    });
    key
}

/// The kinds of record kept per followed room contract, each for one origin: what one
/// web app's pipeline keeps is never read or written for another (rule ORG-1).
#[derive(Debug, Clone, Copy)]
pub enum RoomKind {
    /// That the origin follows the room: `r/<contract>/f/<origin>`.
    Follower,
    /// A rotation published but not yet seen in the state: `r/<contract>/p/<origin>`.
    Pending,
    /// The latest run's report: `r/<contract>/l/<origin>`.
    LastRun,
    /// The highest rotation version the origin ever signed: `r/<contract>/s/<origin>`.
    Signed,
    /// Since when the origin has seen the current version as current (its scheduled
    /// rotation's clock): `r/<contract>/t/<origin>`.
    Since,
}

/// Every per-room key starts with this.
pub const ROOMS_PREFIX: &[u8] = b"r/";
/// Bytes of `r/<contract>/x/`, where the origin starts.
pub const ROOM_KEY_ORIGIN_AT: usize = 2 + 32 + 3;

/// The key of a per-room record of `origin` (`None`: the prefix of every origin's).
pub fn room_key(contract: &[u8; 32], kind: RoomKind, origin: Option<&[u8; 32]>) -> Vec<u8> {
    let mut key = Vec::with_capacity(ROOM_KEY_ORIGIN_AT + 32);
    key.extend_from_slice(ROOMS_PREFIX);
    key.extend_from_slice(contract);
    key.extend_from_slice(match kind {
        RoomKind::Follower => b"/f/",
        RoomKind::Pending => b"/p/",
        RoomKind::LastRun => b"/l/",
        RoomKind::Signed => b"/s/",
        RoomKind::Since => b"/t/",
    });
    if let Some(origin) = origin {
        key.extend_from_slice(origin);
    }
    key
}

/// The origin a per-room key belongs to.
pub fn origin_of(key: &[u8]) -> Option<[u8; 32]> {
    key.get(ROOM_KEY_ORIGIN_AT..)?.try_into().ok()
}

/// Whether a per-room key is a follower record.
pub fn is_follower_key(key: &[u8]) -> bool {
    key.get(34..ROOM_KEY_ORIGIN_AT) == Some(b"/f/".as_slice())
}

/// The contract a per-room key belongs to.
pub fn contract_of(key: &[u8]) -> Option<[u8; 32]> {
    key.strip_prefix(ROOMS_PREFIX)?.get(..32)?.try_into().ok()
}

/// An in-memory store, for native tests.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    pub entries: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.entries.get(key).cloned()
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> bool {
        self.entries.insert(key.to_vec(), value.to_vec());
        true
    }

    fn remove(&mut self, key: &[u8]) -> bool {
        self.entries.remove(key);
        true
    }

    fn list(&self, prefix: &[u8]) -> Vec<Vec<u8>> {
        self.entries
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect()
    }
}
