//! CBOR encoding shared by records, states, deltas, summaries and the delegate protocol.
//!
//! minicbor with derived, index-numbered fields: structs are CBOR arrays, integers are
//! minimal-length, and every collection we encode is a sorted `Vec`, so the encoding of
//! a value is unique. That is what lets a signature cover "the CBOR of a record".

use minicbor::{Decode, Encode};

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

pub fn to_vec<T: Encode<()>>(value: &T) -> Result<Vec<u8>, CodecError> {
    minicbor::to_vec(value).map_err(|_| CodecError::Encode("value cannot be encoded".into()))
}

/// Decode `bytes`, refusing inputs over `max` bytes and trailing garbage.
pub fn from_slice<T: for<'b> Decode<'b, ()>>(bytes: &[u8], max: usize) -> Result<T, CodecError> {
    if bytes.len() > max {
        return Err(CodecError::TooLarge {
            len: bytes.len(),
            max,
        });
    }
    let mut decoder = minicbor::Decoder::new(bytes);
    let value = decoder
        .decode()
        .map_err(|e| CodecError::Malformed(describe(&e)))?;
    let rest = bytes.len() - decoder.position();
    if rest != 0 {
        return Err(CodecError::Malformed(format!("{rest} trailing bytes")));
    }
    Ok(value)
}

/// A short description of a decode error. minicbor's own `Display` pulls float
/// formatting into the WASM guests for a message nobody needs; what helps a reader is
/// what went wrong and where.
pub fn describe(err: &minicbor::decode::Error) -> String {
    let what = if err.is_end_of_input() {
        "unexpected end of input"
    } else if err.is_type_mismatch() {
        "unexpected type"
    } else if err.is_unknown_variant() {
        "unknown variant"
    } else if err.is_missing_value() {
        "missing field"
    } else {
        "invalid value"
    };
    match err.position() {
        Some(at) => format!("{what} at byte {at}"),
        None => what.to_string(),
    }
}
