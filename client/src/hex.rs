//! Keys and ids as text: lowercase hex, in full or shortened for display.

use brook_common::ids::MemberKey;

/// Hex digits of a key shown by default: 12 (48 bits) tell a room's members apart.
pub const SHORT_HEX: usize = 12;

/// A key in full lowercase hex.
pub fn key_hex(key: &MemberKey) -> String {
    hex_of(key.as_bytes())
}

/// The first [`SHORT_HEX`] hex digits of a key.
pub fn short_key(key: &MemberKey) -> String {
    let mut hex = key_hex(key);
    hex.truncate(SHORT_HEX);
    hex
}

pub fn hex_of(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0x0f] {
            if let Some(&d) = DIGITS.get(usize::from(nibble)) {
                out.push(char::from(d));
            }
        }
    }
    out
}

/// A key from its full 64-digit hex.
pub fn parse_key(hex: &str) -> Option<MemberKey> {
    let hex = hex.trim();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = hex.get(i * 2..i * 2 + 2)?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(MemberKey(out))
}
