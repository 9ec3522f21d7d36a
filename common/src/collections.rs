//! Hash maps and sets with a fixed, keyless hasher.
//!
//! WASM guests have no randomness source for `RandomState`, and nothing here iterates a
//! map into output (everything emitted is sorted first), so a deterministic hasher is
//! both safe and reproducible. Collections stay small (bounded by the room's limits), so
//! hash flooding cannot cost more than a few hundred comparisons.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, DefaultHasher};

pub type Map<K, V> = HashMap<K, V, BuildHasherDefault<DefaultHasher>>;
pub type Set<K> = HashSet<K, BuildHasherDefault<DefaultHasher>>;
