//! Where the delegate keeps things: the node's per-delegate secret store, behind a trait
//! so the request logic runs natively in tests against an in-memory store (natively the
//! host's secret calls are stubs).
//!
//! Every key is scoped by the calling web app's contract id, so another web app can
//! neither read nor overwrite what this one stored: `o/<origin 32 B>/<kind>/<name>`.

use std::collections::BTreeMap;

/// The secret store the node gives a delegate.
pub trait SecretStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
    fn set(&mut self, key: &[u8], value: &[u8]) -> bool;
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
    });
    key
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

    fn list(&self, prefix: &[u8]) -> Vec<Vec<u8>> {
        self.entries
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect()
    }
}
