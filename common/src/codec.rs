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

/// Deepest nesting of arrays and maps any Brook value has (a room state is 7 deep).
pub const MAX_DEPTH: usize = 16;

/// Decode `bytes` after [`check_shape`]: what the room contract decodes from the network.
pub fn from_canonical_slice<T: for<'b> Decode<'b, ()>>(
    bytes: &[u8],
    max: usize,
) -> Result<T, CodecError> {
    if bytes.len() > max {
        return Err(CodecError::TooLarge {
            len: bytes.len(),
            max,
        });
    }
    check_shape(bytes)?;
    from_slice(bytes, max)
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
    let rest = bytes.len().saturating_sub(decoder.position());
    if rest != 0 {
        return Err(CodecError::Malformed(format!("{rest} trailing bytes")));
    }
    Ok(value)
}

/// Rule CAN-1's cheap half: `bytes` are one CBOR item in the shape Brook's encoder writes —
/// every length definite, every head minimal, no tags, no floats or simple values but
/// `false`, `true` and `null`, nesting at most [`MAX_DEPTH`], nothing after the item. One
/// linear pass that allocates only its depth stack, run before anything is decoded, so
/// junk costs neither decoding time nor memory. (The other half — the bytes are exactly
/// the encoding of what they decode to — is checked by re-encoding, `room::wire`.)
pub fn check_shape(bytes: &[u8]) -> Result<(), CodecError> {
    let bad = |what: &str, at: usize| CodecError::Malformed(format!("{what} at byte {at}"));
    let mut pos = 0usize;
    // Items still to read at each open level; the outermost holds the one top-level item.
    let mut levels: Vec<u64> = Vec::with_capacity(MAX_DEPTH + 1);
    levels.push(1);
    while let Some(remaining) = levels.last_mut() {
        if *remaining == 0 {
            levels.pop();
            continue;
        }
        *remaining -= 1;
        let at = pos;
        let (major, arg, next) = head(bytes, pos).ok_or_else(|| bad("a non-canonical head", at))?;
        pos = next;
        match major {
            0 | 1 => {}
            2 | 3 => {
                pos = usize::try_from(arg)
                    .ok()
                    .and_then(|len| pos.checked_add(len))
                    .filter(|end| *end <= bytes.len())
                    .ok_or_else(|| bad("a string past the end", at))?;
            }
            4 | 5 => {
                let items = if major == 5 {
                    arg.checked_mul(2)
                } else {
                    Some(arg)
                };
                let items = items.ok_or_else(|| bad("a map too large", at))?;
                if items > 0 {
                    if levels.len() > MAX_DEPTH {
                        return Err(bad("nesting too deep", at));
                    }
                    levels.push(items);
                }
            }
            _ => return Err(bad("a tag, float or simple value", at)),
        }
    }
    if pos != bytes.len() {
        return Err(bad("trailing bytes", pos));
    }
    Ok(())
}

/// One item head at `pos`: its major type, argument, and where its content starts. `None`
/// for an indefinite length, a reserved code, a non-minimal argument, or the end of input.
/// Major type 7 passes only as `false`, `true` or `null`, with no argument (reported as
/// major 0, an item without content).
fn head(bytes: &[u8], pos: usize) -> Option<(u8, u64, usize)> {
    let initial = *bytes.get(pos)?;
    let (major, info) = (initial >> 5, initial & 0x1f);
    let start = pos.checked_add(1)?;
    if major == 7 {
        return matches!(info, 20..=22).then_some((0, 0, start));
    }
    let (width, minimum): (usize, u64) = match info {
        0..=23 => return Some((major, u64::from(info), start)),
        24 => (1, 24),
        25 => (2, 0x100),
        26 => (4, 0x1_0000),
        27 => (8, 0x1_0000_0000),
        _ => return None, // reserved, or 31: an indefinite length
    };
    let end = start.checked_add(width)?;
    let mut arg = 0u64;
    for byte in bytes.get(start..end)? {
        arg = (arg << 8) | u64::from(*byte);
    }
    (arg >= minimum).then_some((major, arg, end))
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
