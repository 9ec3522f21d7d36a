//! Canonical orders as byte keys.
//!
//! Every canonical order in a room sorts by a few fixed-size fields; packing them
//! big-endian into one byte array makes "compare the tuple" "compare the bytes". Keys are
//! computed once per record (some fields are hashes), and every sort in the room sorts
//! the same `(SortKey, index)` type, so the guest WASM carries one sort routine rather
//! than one per record type.

use crate::ids::{MemberKey, RecordId};

/// Wide enough for the longest order: `(version u32, member 32 B, hash 32 B)`.
pub type SortKey = [u8; 72];

/// Builds a [`SortKey`] field by field, most significant first.
#[derive(Clone, Copy)]
pub struct Key {
    bytes: SortKey,
    len: usize,
}

impl Key {
    pub fn new() -> Self {
        Key {
            bytes: [0; 72],
            len: 0,
        }
    }

    fn put(mut self, field: &[u8]) -> Self {
        let end = self.len.saturating_add(field.len());
        // Every order's fields fit the key (`widest_order_fits` checks the widest).
        debug_assert!(end <= self.bytes.len(), "sort key overflow");
        if let Some(slot) = self.bytes.get_mut(self.len..end) {
            slot.copy_from_slice(field);
            self.len = end;
        }
        self
    }

    pub fn u64(self, v: u64) -> Self {
        self.put(&v.to_be_bytes())
    }

    /// `v` in descending order.
    pub fn u64_desc(self, v: u64) -> Self {
        self.u64(!v)
    }

    pub fn u32(self, v: u32) -> Self {
        self.put(&v.to_be_bytes())
    }

    pub fn member(self, m: &MemberKey) -> Self {
        self.put(m.as_bytes())
    }

    pub fn id(self, id: &RecordId) -> Self {
        self.put(&id.0)
    }

    /// `id` in descending order.
    pub fn id_desc(self, id: &RecordId) -> Self {
        let mut flipped = id.0;
        flipped.iter_mut().for_each(|b| *b = !*b);
        self.put(&flipped)
    }

    /// The first 40 bytes of a signature: all of `R` and part of `s`. Two signatures
    /// that share them are the same for every purpose an order serves (finding one
    /// would take 2^160 work).
    pub fn sig_prefix(self, sig: &crate::sign::Sig) -> Self {
        self.put(sig.0.get(..40).unwrap_or(&[]))
    }

    pub fn hash(self, h: &[u8; 32]) -> Self {
        self.put(h)
    }

    pub fn done(self) -> SortKey {
        self.bytes
    }
}

impl Default for Key {
    fn default() -> Self {
        Self::new()
    }
}

/// Sort `items` by `key` (computed once each), returning them with their keys.
pub fn sorted_by<T>(items: Vec<T>, key: impl Fn(&T) -> SortKey) -> Vec<(SortKey, T)> {
    let mut order: Vec<(SortKey, usize)> =
        items.iter().enumerate().map(|(i, t)| (key(t), i)).collect();
    order.sort_unstable();
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(k, i)| slots.get_mut(i)?.take().map(|t| (k, t)))
        .collect()
}

/// Sort `items` by `key`, dropping the keys.
pub fn sort_by<T>(items: Vec<T>, key: impl Fn(&T) -> SortKey) -> Vec<T> {
    sorted_by(items, key).into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widest_order_fits() {
        // (version u32, member 32 B, hash 32 B), the widest order the rooms use:
        // every field lands, in order.
        let key = Key::new()
            .u32(7)
            .member(&MemberKey([1; 32]))
            .member(&MemberKey([2; 32]))
            .done();
        assert!(4 + 32 + 32 <= key.len());
        assert_eq!(key[..4], 7u32.to_be_bytes()[..]);
        assert_eq!(key[4..36], [1; 32]);
        assert_eq!(key[36..68], [2; 32]);
    }

    #[test]
    fn byte_order_matches_tuple_order() {
        let pairs = [(1u64, 5u32), (1, 4), (0, 9), (u64::MAX, 0), (2, 2)];
        let mut by_tuple = pairs.to_vec();
        by_tuple.sort();
        let by_key = sort_by(pairs.to_vec(), |(a, b)| Key::new().u64(*a).u32(*b).done());
        assert_eq!(by_key, by_tuple);
        let mut desc = pairs.to_vec();
        desc.sort_by_key(|p| std::cmp::Reverse(p.0));
        let by_desc = sort_by(pairs.to_vec(), |(a, _)| Key::new().u64_desc(*a).done());
        assert_eq!(
            by_desc.iter().map(|p| p.0).collect::<Vec<_>>(),
            desc.iter().map(|p| p.0).collect::<Vec<_>>()
        );
    }
}
