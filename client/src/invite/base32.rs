//! Base32 as RFC 4648 §6 defines it, in lowercase and without padding: the alphabet
//! `a`–`z`, `2`–`7`, five bits per character, most significant bit first. Lowercase
//! because links and chat clients keep it as typed; with no `0`, `1`, `8` or `9`, an `o`
//! or an `l` is always the letter. Decoding is strict: only the 32 symbols, only the
//! lengths an encoder produces, and the unused low bits of the last character zero, so
//! every byte string has exactly one text.

/// The 32 symbols, in value order.
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// Why text is not base32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Base32Error {
    /// `character` at `index` (0-based, in characters) is not one of the 32 symbols.
    BadCharacter { character: char, index: usize },
    /// The text stops where no encoder stops, or its last character carries bits that
    /// are not zero: it was cut short (or its end mistyped).
    Incomplete,
}

/// Append the base32 text of `bytes` to `out`.
pub(super) fn encode(bytes: &[u8], out: &mut String) {
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            push_symbol(buffer >> bits, out);
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        push_symbol(buffer << (5 - bits), out);
    }
}

/// The symbol for the low five bits of `value`.
fn push_symbol(value: u32, out: &mut String) {
    let symbol = usize::try_from(value & 0x1f)
        .ok()
        .and_then(|index| ALPHABET.get(index));
    if let Some(symbol) = symbol {
        out.push(char::from(*symbol));
    }
}

/// The value of one symbol.
fn value_of(character: char) -> Option<u32> {
    match character {
        'a'..='z' => Some(u32::from(character) - u32::from('a')),
        '2'..='7' => Some(u32::from(character) - u32::from('2') + 26),
        _ => None,
    }
}

/// Append the bytes `text` encodes to `out`.
pub(super) fn decode(text: &str, out: &mut Vec<u8>) -> Result<(), Base32Error> {
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    let mut count = 0usize;
    for (index, character) in text.chars().enumerate() {
        let value = value_of(character).ok_or(Base32Error::BadCharacter { character, index })?;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.extend(u8::try_from((buffer >> bits) & 0xff).ok());
            buffer &= (1 << bits) - 1;
        }
        count += 1;
    }
    // 8 characters carry 5 bytes; a tail of 1, 3 or 6 characters is no byte count's.
    if matches!(count % 8, 1 | 3 | 6) || buffer != 0 {
        return Err(Base32Error::Incomplete);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(bytes: &[u8]) -> String {
        let mut out = String::new();
        encode(bytes, &mut out);
        out
    }

    fn decoded(text: &str) -> Result<Vec<u8>, Base32Error> {
        let mut out = Vec::new();
        decode(text, &mut out).map(|()| out)
    }

    #[test]
    fn rfc_4648_test_vectors_in_lowercase_without_padding() {
        let vectors = [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ];
        for (plain, text) in vectors {
            assert_eq!(encoded(plain.as_bytes()), text, "{plain}");
            assert_eq!(decoded(text).unwrap(), plain.as_bytes(), "{text}");
        }
    }

    #[test]
    fn every_length_round_trips() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        for len in 0..40 {
            let text = encoded(&bytes[..len]);
            assert_eq!(decoded(&text).unwrap(), &bytes[..len]);
        }
    }

    #[test]
    fn refuses_foreign_symbols_impossible_lengths_and_stray_bits() {
        for (text, index) in [("mzxw0", 4), ("MZXW6", 0), ("mz w6", 2), ("mzx=", 3)] {
            assert!(
                matches!(decoded(text), Err(Base32Error::BadCharacter { index: i, .. }) if i == index),
                "{text}"
            );
        }
        // Lengths 1, 3 and 6 (mod 8) are no encoder's output.
        for text in ["m", "mzx", "mzxw6y"] {
            assert_eq!(decoded(text), Err(Base32Error::Incomplete), "{text}");
        }
        // "my" is "f"; "mz" sets a bit below the last whole byte.
        assert_eq!(decoded("mz"), Err(Base32Error::Incomplete));
    }
}
