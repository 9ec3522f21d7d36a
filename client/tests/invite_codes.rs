//! Invite codes end to end: the text and link forms round-trip, every malformed input
//! is refused with the error that names it, the secrets never print, and an acceptance
//! built from a parsed code is admitted by a real room (docs/design.md §9).
//!
//! The text form is checked against an independent base32 (the `data-encoding` crate)
//! and a CBOR layout written out here, so the documented format is what is tested.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_client::invite::{
    grant_body, CHECKSUM_CONTEXT, CHECKSUM_LEN, FORMAT_VERSION, MAX_INPUT, PREFIX,
};
use brook_client::{parse_link, InviteCode, InviteError};
use brook_common::ids::MemberKey;
use brook_common::room::config::Privacy;
use brook_common::room::members::{Grant, GrantRecord, MemberRecord};
use brook_common::room::{RoomDelta, Signed};
use brook_common::secret::RoomSecret;
use brook_common::sign::{member_key, Sig};
use brook_common::testkit::{signing_key, TestRoom};
use data_encoding::BASE32_NOPAD;
use ed25519_dalek::SigningKey;
use minicbor::Encoder;
use proptest::prelude::*;
use std::convert::Infallible;

const APP: [u8; 32] = [0xa7; 32];
const NODE: &str = "http://127.0.0.1:7509";
const APP_TEXT: &str = "7BzqZWSSNAgUMkq6ezfS8Ru5Yw7BTMvU9NXjv1TRaWDc";

fn seed(n: u8) -> [u8; 32] {
    *blake3::hash(&[n]).as_bytes()
}

/// A grant the room's owner signs for the invitation key of `seed`.
fn owner_grant(room: &TestRoom, seed: &[u8; 32]) -> GrantRecord {
    let body = grant_body(room.owner_key(), seed);
    Signed::sign(&room.owner_key(), body, &room.owner).unwrap()
}

fn public_code(room: &TestRoom) -> InviteCode {
    let grant = owner_grant(room, &seed(1));
    InviteCode::new(Some(APP), room.owner_key(), grant, &seed(1), None).unwrap()
}

/// The text form of `payload`, framed independently of the crate under test.
fn frame(payload: &[u8]) -> String {
    let mut bytes = payload.to_vec();
    bytes.extend_from_slice(&blake3::derive_key(CHECKSUM_CONTEXT, payload)[..CHECKSUM_LEN]);
    format!("{PREFIX}{}", BASE32_NOPAD.encode(&bytes).to_lowercase())
}

/// The CBOR inside a code's text (checksum dropped), read independently.
fn unframe(text: &str) -> Vec<u8> {
    let body = text.strip_prefix(PREFIX).unwrap().to_uppercase();
    let mut bytes = BASE32_NOPAD.decode(body.as_bytes()).unwrap();
    bytes.truncate(bytes.len() - CHECKSUM_LEN);
    bytes
}

/// The CBOR of a code as the format documents it, for any (possibly invalid) fields.
fn payload(
    version: u64,
    app: Option<[u8; 32]>,
    room: MemberKey,
    grant: &GrantRecord,
    seed: &[u8; 32],
    room_secret: Option<(u32, [u8; 32])>,
) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    e.array(6).unwrap().u64(version).unwrap();
    match app {
        Some(app) => e.bytes(&app).unwrap(),
        None => e.null().unwrap(),
    };
    e.bytes(room.as_bytes()).unwrap();
    e.encode(grant).unwrap();
    e.bytes(seed).unwrap();
    match room_secret {
        Some((version, secret)) => e.array(2).unwrap().u32(version).unwrap().bytes(&secret),
        None => e.null(),
    }
    .unwrap();
    e.into_writer()
}

fn parsed(text: &str) -> Result<InviteCode, InviteError> {
    InviteCode::from_text(text)
}

// ---- round trips ----

#[test]
fn public_code_round_trips_through_text_in_the_documented_format() {
    let room = TestRoom::new(Privacy::Public);
    let code = public_code(&room);
    let text = code.to_text();
    assert!(text.starts_with("brook1"));
    assert!(text[PREFIX.len()..]
        .chars()
        .all(|c| c.is_ascii_lowercase() || ('2'..='7').contains(&c)));
    assert_eq!(text.len(), 398, "a public room's code with an app id");

    let back = parsed(&text).unwrap();
    assert_eq!(back, code);
    assert_eq!(back.to_text(), text);
    assert_eq!(back.app(), Some(APP));
    assert_eq!(back.room(), room.owner_key());
    assert_eq!(back.inviter(), room.owner_key());
    assert_eq!(
        back.invite_key(),
        member_key(&SigningKey::from_bytes(&seed(1)))
    );
    assert_eq!(back.grant(), &owner_grant(&room, &seed(1)));
    assert!(back.room_secret().is_none());

    // Byte for byte the documented layout, framed by an independent base32.
    let expected = payload(
        FORMAT_VERSION,
        Some(APP),
        room.owner_key(),
        &owner_grant(&room, &seed(1)),
        &seed(1),
        None,
    );
    assert_eq!(unframe(&text), expected);
    assert_eq!(frame(&expected), text);
}

#[test]
fn private_code_round_trips_through_text_and_link() {
    let room = TestRoom::new(Privacy::Private);
    let grant = owner_grant(&room, &seed(2));
    let secret = RoomSecret::from_bytes([0x3c; 32]);
    let code = InviteCode::new(None, room.owner_key(), grant, &seed(2), Some((7, secret))).unwrap();

    let back = parsed(&code.to_text()).unwrap();
    assert_eq!(back, code);
    assert_eq!(
        code.to_text().len(),
        402,
        "a private room's code without an app id"
    );
    let (version, secret) = back.room_secret().unwrap();
    assert_eq!(version, 7);
    assert_eq!(secret.expose_secret(), &[0x3c; 32]);
    assert_eq!(back.app(), None);

    let link = code.link(NODE, APP_TEXT);
    assert_eq!(
        link,
        format!(
            "{NODE}/v1/contract/web/{APP_TEXT}/?invitation={}",
            code.to_text()
        )
    );
    assert_eq!(code.link(&format!("{NODE}/"), APP_TEXT), link);
    assert_eq!(parse_link(&link).unwrap(), code);
    assert_eq!(link.parse::<InviteCode>().unwrap(), code);

    // The largest code: an app id and a room secret of the largest version.
    let grant = owner_grant(&room, &seed(2));
    let secret = Some((u32::MAX, RoomSecret::from_bytes([0x3c; 32])));
    let largest = InviteCode::new(Some(APP), room.owner_key(), grant, &seed(2), secret).unwrap();
    assert_eq!(largest.to_text().len(), 461);
    assert_eq!(parsed(&largest.to_text()).unwrap(), largest);
}

#[test]
fn parse_link_takes_a_bare_code_pasted_whitespace_and_other_parameters() {
    let room = TestRoom::new(Privacy::Public);
    let code = public_code(&room);
    let text = code.to_text();
    assert_eq!(parse_link(&text).unwrap(), code);
    assert_eq!(parse_link(&format!("  {text}\n")).unwrap(), code);
    assert_eq!(parsed(&format!("{text}\r\n")).unwrap(), code);
    let busy = format!("{NODE}/v1/contract/web/{APP_TEXT}/?lang=en&invitation={text}&x=1#top");
    assert_eq!(parse_link(&busy).unwrap(), code);
    let fragment = format!("{NODE}/v1/contract/web/{APP_TEXT}/?invitation={text}#top");
    assert_eq!(parse_link(&fragment).unwrap(), code);
}

// ---- every refusal, named ----

#[test]
fn input_without_the_prefix_is_not_an_invite() {
    for input in [
        "",
        "hello",
        "brook",
        "BROOK1abc",
        "river1abcd",
        "brook 1abcd",
    ] {
        assert_eq!(
            parse_link(input).unwrap_err(),
            InviteError::NotAnInvite,
            "{input:?}"
        );
    }
    assert_eq!(parsed("xbrook1aaaa").unwrap_err(), InviteError::NotAnInvite);
    // A bare code must be bare: from_text does not read links.
    let code = public_code(&TestRoom::new(Privacy::Public));
    let link = code.link(NODE, APP_TEXT);
    assert_eq!(parsed(&link).unwrap_err(), InviteError::NotAnInvite);
}

#[test]
fn links_without_exactly_one_invitation_are_refused() {
    let text = public_code(&TestRoom::new(Privacy::Public)).to_text();
    for link in [
        format!("{NODE}/v1/contract/web/{APP_TEXT}/"),
        format!("{NODE}/v1/contract/web/{APP_TEXT}/?lang=en"),
        format!("{NODE}/v1/contract/web/{APP_TEXT}/?invite={text}"),
        format!("{NODE}/v1/contract/web/{APP_TEXT}/#invitation={text}"),
    ] {
        assert_eq!(
            parse_link(&link).unwrap_err(),
            InviteError::NoInvitationInLink,
            "{link}"
        );
    }
    let twice = format!("{NODE}/?invitation={text}&invitation={text}");
    assert_eq!(
        parse_link(&twice).unwrap_err(),
        InviteError::SeveralInvitationsInLink
    );
    let empty = format!("{NODE}/?invitation=");
    assert_eq!(parse_link(&empty).unwrap_err(), InviteError::NotAnInvite);
}

#[test]
fn a_character_outside_the_alphabet_is_named_with_its_position() {
    let text = public_code(&TestRoom::new(Privacy::Public)).to_text();
    for (at, bad) in [
        (6, '0'),
        (10, '1'),
        (40, '8'),
        (100, 'A'),
        (text.len() - 1, '='),
    ] {
        let mut chars: Vec<char> = text.chars().collect();
        chars[at] = bad;
        let typo: String = chars.into_iter().collect();
        assert_eq!(
            parsed(&typo).unwrap_err(),
            InviteError::BadCharacter {
                character: bad,
                position: at + 1
            },
            "{bad:?} at {at}"
        );
    }
    let spaced = format!("{} {}", &text[..50], &text[50..]);
    assert_eq!(
        parsed(&spaced).unwrap_err(),
        InviteError::BadCharacter {
            character: ' ',
            position: 51
        }
    );
    // A digit typed for a look-alike letter (`0` for `o`) is named, with the alphabet.
    let error = parsed(&format!("{}0{}", &text[..20], &text[21..])).unwrap_err();
    assert!(error.to_string().contains("a-z and 2-7"), "{error}");
}

#[test]
fn a_truncated_code_is_refused_at_every_length() {
    let text = public_code(&TestRoom::new(Privacy::Public)).to_text();
    assert_eq!(parsed("brook1").unwrap_err(), InviteError::Truncated);
    assert_eq!(parsed("brook1abc").unwrap_err(), InviteError::Truncated);
    assert_eq!(parsed("brook1aaaaaaa").unwrap_err(), InviteError::Truncated); // 4 bytes: a checksum alone
    for len in PREFIX.len()..text.len() {
        let error = parsed(&text[..len]).unwrap_err();
        assert!(
            matches!(
                error,
                InviteError::Truncated | InviteError::ChecksumMismatch
            ),
            "{len}: {error:?}"
        );
    }
    // One dropped character is a length no encoder writes, or misses the checksum.
    let error = parsed(&text[..text.len() - 1]).unwrap_err();
    assert!(matches!(
        error,
        InviteError::Truncated | InviteError::ChecksumMismatch
    ));
}

#[test]
fn one_changed_character_anywhere_fails_the_checksum() {
    let text = public_code(&TestRoom::new(Privacy::Public)).to_text();
    let chars: Vec<char> = text.chars().collect();
    // Every position but the last, whose low bits may be padding (refused as truncated).
    for at in PREFIX.len()..chars.len() - 1 {
        let mut typo = chars.clone();
        typo[at] = if chars[at] == 'q' { 'r' } else { 'q' };
        let typo: String = typo.into_iter().collect();
        assert_eq!(
            parsed(&typo).unwrap_err(),
            InviteError::ChecksumMismatch,
            "at {at}"
        );
    }
    let mut last = chars.clone();
    let end = last.len() - 1;
    last[end] = if chars[end] == 'z' { 'y' } else { 'z' };
    let error = parsed(&last.into_iter().collect::<String>()).unwrap_err();
    assert!(matches!(
        error,
        InviteError::ChecksumMismatch | InviteError::Truncated
    ));
}

#[test]
fn an_unknown_version_is_named() {
    let room = TestRoom::new(Privacy::Public);
    let grant = owner_grant(&room, &seed(1));
    for version in [0, 2, 1000] {
        let bytes = payload(version, None, room.owner_key(), &grant, &seed(1), None);
        assert_eq!(
            parsed(&frame(&bytes)).unwrap_err(),
            InviteError::UnknownVersion {
                found: version,
                supported: 1
            }
        );
    }
    // Whatever shape the rest has: the version is read first.
    let mut future = Encoder::new(Vec::new());
    future
        .array(2)
        .unwrap()
        .u64(2)
        .unwrap()
        .str("new field")
        .unwrap();
    assert!(matches!(
        parsed(&frame(&future.into_writer())).unwrap_err(),
        InviteError::UnknownVersion { found: 2, .. }
    ));
}

/// CBOR written by `write`.
fn cbor(
    write: impl FnOnce(&mut Encoder<Vec<u8>>) -> Result<(), minicbor::encode::Error<Infallible>>,
) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    write(&mut e).unwrap();
    e.into_writer()
}

#[test]
fn malformed_content_behind_a_good_checksum_is_refused() {
    let room = TestRoom::new(Privacy::Public);
    let grant = owner_grant(&room, &seed(1));
    let owner = room.owner_key();
    let good = payload(1, None, owner, &grant, &seed(1), None);
    let mut trailing = good.clone();
    trailing.push(0);
    let mut five = good.clone();
    five[0] = 0x85; // a 5-field array around 6 fields
    let mut long_version = good.clone();
    long_version.splice(1..2, [0x18, 0x01]); // version 1 in a non-minimal head
    let short_app = cbor(|e| {
        e.array(6)?.u64(1)?.bytes(&[1; 31])?;
        Ok(())
    });
    let short_secret = cbor(|e| {
        e.array(6)?.u64(1)?.null()?.bytes(owner.as_bytes())?;
        e.encode(&grant)?.bytes(&seed(1))?;
        e.array(2)?.u32(1)?.bytes(&[0; 16])?;
        Ok(())
    });
    // The grant's body with a third field: it decodes to the same grant, whose signature
    // verifies, but it is not the encoding this client writes.
    let padded_grant = cbor(|e| {
        e.array(6)?.u64(1)?.null()?.bytes(owner.as_bytes())?;
        e.array(2)?.array(3)?.bytes(grant.body.inviter.as_bytes())?;
        e.bytes(grant.body.invite_key.as_bytes())?.u8(0)?;
        e.bytes(&grant.signature.0)?.bytes(&seed(1))?.null()?;
        Ok(())
    });
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("junk", b"not cbor at all".to_vec()),
        ("a bare integer", vec![0x01]),
        ("a version alone", vec![0x81, 0x01]),
        ("trailing bytes", trailing),
        ("a 31-byte app id", short_app),
        ("a 5-field array", five),
        ("a non-minimal head", long_version),
        ("a 16-byte room secret", short_secret),
        ("a grant body with an extra field", padded_grant.clone()),
    ];
    for (what, bytes) in cases {
        let error = parsed(&frame(&bytes)).unwrap_err();
        assert!(
            matches!(error, InviteError::Malformed(_)),
            "{what}: {error:?}"
        );
    }
    // The extra field is caught by re-encoding, after everything else passed.
    assert_eq!(
        parsed(&frame(&padded_grant)).unwrap_err(),
        InviteError::Malformed("not in canonical form".into())
    );
}

#[test]
fn a_grant_signed_by_someone_else_is_refused() {
    let room = TestRoom::new(Privacy::Public);
    let forger = signing_key("forger", 0);
    // The body names the owner as inviter; the forger signs it.
    let forged = Signed::sign(
        &room.owner_key(),
        grant_body(room.owner_key(), &seed(1)),
        &forger,
    )
    .unwrap();
    assert_eq!(
        InviteCode::new(None, room.owner_key(), forged.clone(), &seed(1), None).unwrap_err(),
        InviteError::BadGrantSignature
    );
    let bytes = payload(1, None, room.owner_key(), &forged, &seed(1), None);
    assert_eq!(
        parsed(&frame(&bytes)).unwrap_err(),
        InviteError::BadGrantSignature
    );
    // A signature bit flipped.
    let mut tampered = owner_grant(&room, &seed(1));
    tampered.signature.0[40] ^= 1;
    let bytes = payload(1, None, room.owner_key(), &tampered, &seed(1), None);
    assert_eq!(
        parsed(&frame(&bytes)).unwrap_err(),
        InviteError::BadGrantSignature
    );
}

#[test]
fn a_grant_for_another_room_is_refused() {
    let room = TestRoom::new(Privacy::Public);
    let other = TestRoom::with_owner(signing_key("other owner", 0), Privacy::Public);
    // The owner of `room` signs, but in `other`'s signature domain.
    let body = grant_body(room.owner_key(), &seed(1));
    let elsewhere = Signed::sign(&other.owner_key(), body, &room.owner).unwrap();
    assert_eq!(
        InviteCode::new(None, room.owner_key(), elsewhere.clone(), &seed(1), None).unwrap_err(),
        InviteError::BadGrantSignature
    );
    // The code names another room than its grant was signed for.
    let grant = owner_grant(&room, &seed(1));
    let bytes = payload(1, None, other.owner_key(), &grant, &seed(1), None);
    assert_eq!(
        parsed(&frame(&bytes)).unwrap_err(),
        InviteError::BadGrantSignature
    );
}

#[test]
fn a_seed_that_is_not_the_grants_invitation_key_is_refused() {
    let room = TestRoom::new(Privacy::Public);
    let grant = owner_grant(&room, &seed(1));
    assert_eq!(
        InviteCode::new(None, room.owner_key(), grant.clone(), &seed(2), None).unwrap_err(),
        InviteError::WrongInvitationKey
    );
    let bytes = payload(1, None, room.owner_key(), &grant, &seed(2), None);
    assert_eq!(
        parsed(&frame(&bytes)).unwrap_err(),
        InviteError::WrongInvitationKey
    );
}

#[test]
fn an_inviter_or_room_that_is_not_a_valid_key_is_refused() {
    let room = TestRoom::new(Privacy::Public);
    let mut identity = [0u8; 32];
    identity[0] = 1; // the identity point: small order
    let non_canonical = [0xff; 32]; // y ≥ p
    for bad in [identity, non_canonical] {
        let grant = Signed {
            body: Grant {
                inviter: MemberKey(bad),
                invite_key: member_key(&SigningKey::from_bytes(&seed(1))),
            },
            signature: Sig([0; 64]),
        };
        let bytes = payload(1, None, room.owner_key(), &grant, &seed(1), None);
        assert_eq!(
            parsed(&frame(&bytes)).unwrap_err(),
            InviteError::BadInviterKey
        );
        assert_eq!(
            InviteCode::new(None, room.owner_key(), grant, &seed(1), None).unwrap_err(),
            InviteError::BadInviterKey
        );
        let bytes = payload(
            1,
            None,
            MemberKey(bad),
            &owner_grant(&room, &seed(1)),
            &seed(1),
            None,
        );
        assert_eq!(parsed(&frame(&bytes)).unwrap_err(), InviteError::BadRoomKey);
    }
}

#[test]
fn oversize_input_is_refused_before_decoding() {
    let huge = format!("brook1{}", "a".repeat(MAX_INPUT));
    let error = parsed(&huge).unwrap_err();
    assert_eq!(
        error,
        InviteError::TooLong {
            len: MAX_INPUT + 6,
            max: MAX_INPUT
        }
    );
    assert_eq!(parse_link(&huge).unwrap_err(), error);
    let link = format!("{NODE}/?pad={}&invitation=brook1aa", "x".repeat(MAX_INPUT));
    assert!(matches!(
        parse_link(&link).unwrap_err(),
        InviteError::TooLong { .. }
    ));
    // Whitespace counts: the limit is on what was handed over.
    let padded = format!(
        "{}{}",
        " ".repeat(MAX_INPUT),
        public_code(&TestRoom::new(Privacy::Public)).to_text()
    );
    assert!(matches!(
        parse_link(&padded).unwrap_err(),
        InviteError::TooLong { .. }
    ));
}

#[test]
fn every_error_says_what_to_do() {
    let errors = [
        InviteError::TooLong {
            len: 5000,
            max: MAX_INPUT,
        },
        InviteError::NotAnInvite,
        InviteError::NoInvitationInLink,
        InviteError::SeveralInvitationsInLink,
        InviteError::BadCharacter {
            character: '0',
            position: 9,
        },
        InviteError::Truncated,
        InviteError::ChecksumMismatch,
        InviteError::UnknownVersion {
            found: 2,
            supported: 1,
        },
        InviteError::Malformed("x".into()),
        InviteError::BadRoomKey,
        InviteError::BadInviterKey,
        InviteError::BadGrantSignature,
        InviteError::WrongInvitationKey,
        InviteError::AlreadyMember,
    ];
    for error in errors {
        let text = error.to_string();
        assert!(text.contains(':'), "{text}");
        let advice = text.rsplit(':').next().unwrap();
        assert!(
            ["paste", "ask", "copy", "correct", "update", "used with"]
                .iter()
                .any(|verb| advice.contains(verb)),
            "{text}"
        );
    }
}

// ---- secrets ----

#[test]
fn debug_never_shows_the_secrets() {
    let room = TestRoom::new(Privacy::Private);
    let invite_seed = [0x5d; 32];
    let room_secret = [0xc4; 32];
    let grant = owner_grant(&room, &invite_seed);
    let code = InviteCode::new(
        Some(APP),
        room.owner_key(),
        grant,
        &invite_seed,
        Some((1, RoomSecret::from_bytes(room_secret))),
    )
    .unwrap();
    for text in [format!("{code:?}"), format!("{code:#?}")] {
        for secret in [invite_seed, room_secret] {
            let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
            let upper = hex.to_uppercase();
            let decimal = format!("{:?}", secret);
            let byte = format!("{:02x}{:02x}", secret[0], secret[1]);
            for leak in [&hex[..16], &upper[..16], &decimal[..20], &byte] {
                assert!(!text.contains(leak), "{leak} in {text}");
            }
        }
        assert!(text.contains("InviteSecret([redacted])"), "{text}");
        assert!(text.contains("RoomSecret([redacted])"), "{text}");
        assert!(!text.contains(&code.to_text()[6..30]), "{text}");
    }
}

// ---- a real room admits what a parsed code builds ----

/// The newcomer's side: parse the text, build the acceptance for a fresh member key,
/// sign it as the member's delegate would.
fn join(room: &TestRoom, text: &str, member: &SigningKey) -> MemberRecord {
    let code = parse_link(text).unwrap();
    let body = code.acceptance_body(member_key(member)).unwrap();
    Signed::sign(&room.owner_key(), body, member).unwrap()
}

fn is_member(room: &TestRoom, key: &SigningKey) -> bool {
    room.state
        .members
        .iter()
        .any(|record| record.body.member == member_key(key))
}

#[test]
fn an_acceptance_from_a_parsed_code_is_admitted_by_the_room() {
    for privacy in [Privacy::Public, Privacy::Private] {
        let mut room = TestRoom::new(privacy);
        let link = public_code(&room).link(NODE, APP_TEXT);
        let newcomer = signing_key("newcomer", 0);
        let record = join(&room, &link, &newcomer);
        let report = room.apply(RoomDelta {
            members: vec![record],
            ..Default::default()
        });
        assert_eq!((report.admitted, report.rejected), (1, 0), "{privacy:?}");
        assert!(is_member(&room, &newcomer), "{privacy:?}");
        let admitted = room
            .state
            .members
            .iter()
            .find(|r| r.body.member == member_key(&newcomer));
        assert_eq!(admitted.unwrap().body.inviter(), room.owner_key());
        room.validate().unwrap();
    }
}

#[test]
fn a_member_can_invite_with_a_code_too() {
    let mut room = TestRoom::new(Privacy::Public);
    let inviter = room.add_members(1, false).remove(0);
    let body = grant_body(member_key(&inviter), &seed(9));
    let grant = Signed::sign(&room.owner_key(), body, &inviter).unwrap();
    let code = InviteCode::new(Some(APP), room.owner_key(), grant, &seed(9), None).unwrap();
    let newcomer = signing_key("newcomer", 1);
    let record = join(&room, &code.to_text(), &newcomer);
    room.apply(RoomDelta {
        members: vec![record],
        ..Default::default()
    });
    let admitted = room
        .state
        .members
        .iter()
        .find(|r| r.body.member == member_key(&newcomer));
    assert_eq!(admitted.unwrap().body.inviter(), member_key(&inviter));
}

#[test]
fn mem_7_one_code_admits_one_member() {
    let mut room = TestRoom::new(Privacy::Public);
    let text = public_code(&room).to_text();
    let (first, second) = (signing_key("newcomer", 2), signing_key("newcomer", 3));
    let records = vec![join(&room, &text, &first), join(&room, &text, &second)];
    room.apply(RoomDelta {
        members: records,
        ..Default::default()
    });
    assert_eq!(room.state.members.len(), 1);
    // rule MEM-7: of the keys one grant admitted, the smallest stays.
    let winner = if member_key(&first) < member_key(&second) {
        &first
    } else {
        &second
    };
    assert!(is_member(&room, winner));
    // Applied one after the other, the outcome is the same.
    let mut sequential = TestRoom::new(Privacy::Public);
    for key in [&second, &first] {
        let record = join(&sequential, &text, key);
        sequential.apply(RoomDelta {
            members: vec![record],
            ..Default::default()
        });
    }
    assert_eq!(sequential.state.members, room.state.members);
}

#[test]
fn the_owner_or_the_inviter_cannot_use_the_code() {
    let mut room = TestRoom::new(Privacy::Public);
    let inviter = room.add_members(1, false).remove(0);
    let body = grant_body(member_key(&inviter), &seed(4));
    let grant = Signed::sign(&room.owner_key(), body, &inviter).unwrap();
    let code = InviteCode::new(None, room.owner_key(), grant, &seed(4), None).unwrap();
    for key in [room.owner_key(), member_key(&inviter)] {
        assert_eq!(
            code.acceptance_body(key).unwrap_err(),
            InviteError::AlreadyMember
        );
    }
}

// ---- the parser never panics ----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic_the_parser(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_link(&text);
        let _ = InviteCode::from_text(&text);
        let _ = parse_link(&format!("brook1{text}"));
    }

    #[test]
    fn random_strings_never_panic_the_parser(text in "\\PC{0,600}") {
        let _ = parse_link(&text);
        let _ = parse_link(&format!("{NODE}/?invitation={text}"));
    }

    #[test]
    fn random_codes_in_the_alphabet_are_refused(body in "[a-z2-7]{0,600}") {
        let text = format!("brook1{body}");
        prop_assert!(parse_link(&text).is_err());
    }

    #[test]
    fn random_content_behind_a_good_checksum_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 1..400),
    ) {
        prop_assert!(parsed(&frame(&bytes)).is_err());
    }

    #[test]
    fn a_changed_byte_behind_a_good_checksum_never_panics(at in 0usize..400, value in any::<u8>()) {
        let room = TestRoom::new(Privacy::Private);
        let grant = owner_grant(&room, &seed(1));
        let mut bytes = payload(1, Some(APP), room.owner_key(), &grant, &seed(1), Some((3, [9; 32])));
        let at = at % bytes.len();
        bytes[at] = value;
        // The app id and room secret are the code's, not the grant's: a change there is
        // another valid code; anything else is refused.
        if let Ok(code) = parsed(&frame(&bytes)) {
            prop_assert_eq!(code.to_text(), frame(&bytes));
        }
    }
}
