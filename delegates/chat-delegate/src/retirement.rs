//! Whether a web app stood down in favour of its successor delegate (rule MIG-6, whose
//! carry-forward side is in `migration`): a retired web app's rooms are neither followed
//! nor rotated by this delegate, and nothing of it is deleted.

use crate::store::{key, Kind, SecretStore};

fn retired_key(origin: &[u8; 32]) -> Vec<u8> {
    key(origin, Kind::Migration, b"retired")
}

/// Whether `origin`'s successor delegate took over its rooms (rule MIG-6).
pub fn is_retired(store: &dyn SecretStore, origin: &[u8; 32]) -> bool {
    store.get(&retired_key(origin)).is_some()
}

/// Record that `origin` stood down; `false` if the store failed.
pub fn mark_retired(store: &mut dyn SecretStore, origin: &[u8; 32]) -> bool {
    store.set(&retired_key(origin), &[1])
}

/// This web app asked to follow a room again: it uses this delegate again.
pub fn unretire(store: &mut dyn SecretStore, origin: &[u8; 32]) {
    if is_retired(store, origin) {
        store.remove(&retired_key(origin));
    }
}
