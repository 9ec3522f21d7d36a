//! Naming rooms and members on a command line or in a search box: by an unambiguous
//! prefix of the key in hex, or by an exact name or nickname. Ambiguity is an error
//! that lists the candidates; it is never resolved by guessing.

use brook_common::ids::MemberKey;

use crate::error::Error;
pub use crate::hex::{hex_of, key_hex, parse_key, short_key, SHORT_HEX};

/// Shortest prefix a reference may be (so a stray digit does not match everything).
pub const MIN_PREFIX: usize = 4;

/// Resolve `reference` among `candidates` (`(key, name)` pairs): an exact name match,
/// else a hex prefix of at least [`MIN_PREFIX`] digits. `what` names the kind ("room",
/// "member") in errors.
pub fn resolve<'a, T>(
    what: &str,
    reference: &str,
    candidates: impl IntoIterator<Item = (&'a MemberKey, Option<&'a str>, T)>,
) -> Result<(MemberKey, T), Error> {
    let reference = reference.trim();
    let lower = reference.to_ascii_lowercase();
    let is_hex = lower.len() >= MIN_PREFIX && lower.bytes().all(|b| b.is_ascii_hexdigit());
    let mut by_name = Vec::new();
    let mut by_prefix = Vec::new();
    for (key, name, item) in candidates {
        if name == Some(reference) {
            by_name.push((*key, name.map(str::to_owned), item));
        } else if is_hex && key_hex(key).starts_with(&lower) {
            by_prefix.push((*key, name.map(str::to_owned), item));
        }
    }
    // An exact name wins over prefixes; within one kind, more than one is ambiguous.
    let matches = if by_name.is_empty() {
        by_prefix
    } else {
        by_name
    };
    let mut matches = matches.into_iter();
    match (matches.next(), matches.next()) {
        (Some((key, _, item)), None) => Ok((key, item)),
        (None, _) => Err(Error::NotFound(format!(
            "no {what} matches \"{reference}\" (use an exact name or at least {MIN_PREFIX} hex digits of its key)"
        ))),
        (Some(first), Some(second)) => {
            let describe = |(key, name, _): &(MemberKey, Option<String>, T)| match name {
                Some(name) => format!("{} ({name})", short_key(key)),
                None => short_key(key),
            };
            let mut candidates = vec![describe(&first), describe(&second)];
            candidates.extend(matches.map(|m| describe(&m)));
            Err(Error::Ambiguous {
                what: format!("{what} \"{reference}\""),
                candidates,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(first: u8, second: u8) -> MemberKey {
        let mut k = [0x11; 32];
        k[0] = first;
        k[1] = second;
        MemberKey(k)
    }

    #[test]
    fn hex_round_trips() {
        let k = key(0xab, 0xcd);
        assert_eq!(parse_key(&key_hex(&k)), Some(k));
        assert!(key_hex(&k).starts_with("abcd1111"));
        assert_eq!(short_key(&k).len(), SHORT_HEX);
        assert_eq!(parse_key("abcd"), None);
        assert_eq!(parse_key(&"zz".repeat(32)), None);
    }

    #[test]
    fn a_unique_prefix_or_exact_name_resolves() {
        let (a, b) = (key(0xab, 0xcd), key(0xab, 0xef));
        let rooms = [(&a, Some("design"), 1), (&b, Some("ops"), 2)];
        assert_eq!(resolve("room", "abcd", rooms).unwrap(), (a, 1));
        assert_eq!(resolve("room", "ABEF", rooms).unwrap(), (b, 2));
        assert_eq!(resolve("room", "ops", rooms).unwrap(), (b, 2));
    }

    #[test]
    fn ambiguity_lists_every_candidate_and_unknown_says_how_to_name() {
        let (a, b) = (key(0xab, 0xcd), key(0xab, 0xef));
        let rooms = [(&a, Some("x"), ()), (&b, Some("x"), ())];
        match resolve("room", "abab", rooms) {
            Err(Error::NotFound(msg)) => assert!(msg.contains("hex digits"), "{msg}"),
            other => panic!("{other:?}"),
        }
        match resolve("room", "ab11", [(&a, None, ()), (&b, None, ())]) {
            Err(Error::NotFound(_)) => {}
            other => panic!("{other:?}"),
        }
        match resolve("room", "x", rooms) {
            Err(Error::Ambiguous { candidates, .. }) => assert_eq!(candidates.len(), 2),
            other => panic!("{other:?}"),
        }
        // Too short a prefix matches nothing rather than everything.
        assert!(matches!(
            resolve("room", "ab", rooms),
            Err(Error::NotFound(_))
        ));
    }

    #[test]
    fn an_exact_name_wins_over_a_prefix() {
        let (a, b) = (key(0xab, 0xcd), key(0xbe, 0xef));
        // b's nickname looks like a's prefix.
        let members = [(&a, None, 'a'), (&b, Some("abcd"), 'b')];
        assert_eq!(resolve("member", "abcd", members).unwrap(), (b, 'b'));
    }
}
