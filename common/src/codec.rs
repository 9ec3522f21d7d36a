//! CBOR encoding shared by records, states, deltas and summaries.
//!
//! Encoding is deterministic because every collection is a sorted `Vec` and ciborium
//! writes struct fields in declaration order with minimal-length integers.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why bytes could not be decoded or encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    #[error("input is {len} bytes, more than the {max}-byte limit")]
    TooLarge { len: usize, max: usize },
    #[error("malformed CBOR: {0}")]
    Malformed(String),
    #[error("cannot encode: {0}")]
    Encode(String),
}

pub fn to_vec<T: Serialize>(value: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| CodecError::Encode(e.to_string()))?;
    Ok(out)
}

/// Decode `bytes`, refusing inputs over `max` bytes and trailing garbage.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8], max: usize) -> Result<T, CodecError> {
    if bytes.len() > max {
        return Err(CodecError::TooLarge { len: bytes.len(), max });
    }
    let mut reader = bytes;
    // ciborium bounds recursion (default 256 levels), so deep nesting is an error, not
    // a stack overflow.
    let value = ciborium::from_reader(&mut reader).map_err(|e| CodecError::Malformed(e.to_string()))?;
    if !reader.is_empty() {
        return Err(CodecError::Malformed(format!("{} trailing bytes", reader.len())));
    }
    Ok(value)
}
