//! Invite codes: everything a newcomer needs to join a room, with no round trip to the
//! inviter (docs/design.md §9).
//!
//! **A code is a bearer credential for one person.** Whoever holds it can join the room
//! once, as a new member placed below the inviter: share it privately, with the one
//! person it is for. It carries the inviter's signed [`Grant`] and the secret seed of the
//! grant's one-time *invitation key*, and a grant admits one member (rule MEM-7 in
//! `common/src/room/members.rs`): if two people use one code, only one of them stays in.
//! In a private room it also carries a room secret, so whoever holds it can read what
//! that secret sealed.
//!
//! **Making a code** (the inviter's client):
//! 1. take a fresh 32-byte seed from the platform's CSPRNG (this crate does no I/O and
//!    draws no randomness);
//! 2. [`grant_body`]`(inviter, &seed)` is the grant; the inviter's delegate signs it
//!    (`RecordToSign::Grant`);
//! 3. [`InviteCode::new`] with the signed grant, the seed and, in a private room, the
//!    current room secret; then [`InviteCode::to_text`] or [`InviteCode::link`].
//!
//! **Using a code** (the newcomer's client): [`parse_link`] reads a code or a link; the
//! newcomer's delegate makes a member key; [`InviteCode::acceptance_body`] signs the
//! admit with the invitation key; the delegate signs the acceptance
//! (`RecordToSign::Acceptance`), and the client sends it to the room.
//!
//! **Text form**: `brook1` followed by base32 (RFC 4648's alphabet in lowercase, no
//! padding: `a`–`z`, `2`–`7`) of the code's canonical CBOR and a 4-byte checksum, the
//! first 4 bytes of `blake3::derive_key(CHECKSUM_CONTEXT, cbor)`. The CBOR is the array
//! `[version, app, room, grant, invite_secret, room_secret]`: `version` is
//! [`FORMAT_VERSION`]; `app` a 32-byte web container id or null; `room` the owner's key;
//! `grant` the signed grant record as the room holds it; `invite_secret` 32 bytes;
//! `room_secret` null or `[secret version, 32 bytes]`. **Link form**:
//! `{base}/v1/contract/web/{app id}/?invitation={code}`.

mod base32;

use brook_common::batch_verify::{KeyCache, Verifier};
use brook_common::codec;
use brook_common::ids::MemberKey;
use brook_common::room::members::{self, Acceptance, Grant, GrantRecord};
use brook_common::secret::RoomSecret;
use brook_common::sign::member_key;
use ed25519_dalek::SigningKey;
use minicbor::data::Type;
use minicbor::encode::Write;
use minicbor::{Decode, Decoder, Encode, Encoder};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// What every invite code's text starts with.
pub const PREFIX: &str = "brook1";

/// The format version this client writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// blake3 `derive_key` context of the text form's checksum. A constant of the invite
/// format: changing it invalidates every code. It lives here, not among brook-common's
/// protocol constants (`common/src/protocol.rs`), because only clients make and read
/// invite codes; no contract or delegate ever sees one.
pub const CHECKSUM_CONTEXT: &str = "brook v1 2026-12 invite-code checksum";

/// Bytes of checksum after the CBOR.
pub const CHECKSUM_LEN: usize = 4;

/// The longest input [`parse_link`] and [`InviteCode::from_text`] read, in bytes. A code
/// is 346 to 461 characters (the app id and room secret are optional), a link about a
/// hundred more.
pub const MAX_INPUT: usize = 4096;

/// Room for a code's CBOR (at most 280 bytes): allocated once, so the buffer holding the
/// secrets is never reallocated (a reallocation leaves an unwiped copy behind).
const PAYLOAD_CAPACITY: usize = 512;

/// Why an invite code or link was refused. Each message says what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InviteError {
    #[error("the input is {len} bytes, more than an invite ({max} bytes at most): paste only the invite code or link")]
    TooLong { len: usize, max: usize },
    #[error("this is not a Brook invite: a code starts with `brook1`; paste the whole code or invite link")]
    NotAnInvite,
    #[error("this link carries no invitation (no `invitation=` parameter): ask the inviter for the whole invite link")]
    NoInvitationInLink,
    #[error("this link carries more than one invitation: ask the inviter for the link again")]
    SeveralInvitationsInLink,
    #[error("character {character:?} at position {position} cannot be in an invite code (codes use only a-z and 2-7): correct it, or copy the code again")]
    BadCharacter { character: char, position: usize },
    #[error(
        "the invite code is incomplete (cut short, or its end mistyped): copy the whole code again"
    )]
    Truncated,
    #[error("the invite code's checksum does not match, so it was mistyped or cut short: copy the whole code again")]
    ChecksumMismatch,
    #[error("this invite code has format version {found} and this Brook reads version {supported}: update Brook, or ask the inviter for a code this version reads")]
    UnknownVersion { found: u64, supported: u64 },
    #[error("the invite code's content is malformed ({0}): ask the inviter for a new code")]
    Malformed(String),
    #[error("the room the invite code names is not a valid key: ask the inviter for a new code")]
    BadRoomKey,
    #[error(
        "the inviter the invite code names is not a valid key: ask the inviter for a new code"
    )]
    BadInviterKey,
    #[error("the invitation's signature does not verify for this room (someone else signed it, or it is for another room): ask the inviter for a new code")]
    BadGrantSignature,
    #[error("the invitation names another invitation key than the secret the code carries: ask the inviter for a new code")]
    WrongInvitationKey,
    #[error("this key is already in the room (it is the room's owner or this invitation's inviter): an invitation is used with a newcomer's new key")]
    AlreadyMember,
    #[error("the invitation could not be encoded: this is a bug in Brook, please report it")]
    Encoding,
}

/// The grant the inviter's delegate signs (`RecordToSign::Grant`) for an invitation whose
/// one-time key has the secret `invite_seed`: `inviter` lets the holder of that secret
/// join once, below `inviter` (rule MEM-7: a grant admits one member). `invite_seed`
/// must be fresh from a CSPRNG, used for this invitation only.
pub fn grant_body(inviter: MemberKey, invite_seed: &[u8; 32]) -> Grant {
    Grant {
        inviter,
        invite_key: InviteSecret::from_seed(invite_seed).public_key(),
    }
}

/// Read an invite from what a newcomer pasted: a bare code (`brook1…`) or a link
/// carrying one in its `invitation` query parameter (other parameters, the path and a
/// `#fragment` are ignored). Surrounding whitespace is ignored.
pub fn parse_link(input: &str) -> Result<InviteCode, InviteError> {
    check_size(input)?;
    let input = input.trim();
    if input.starts_with(PREFIX) {
        return InviteCode::from_text(input);
    }
    let without_fragment = input.split('#').next().unwrap_or_default();
    let Some((_, query)) = without_fragment.split_once('?') else {
        return Err(if input.contains("://") {
            InviteError::NoInvitationInLink
        } else {
            InviteError::NotAnInvite
        });
    };
    let mut codes = query
        .split('&')
        .filter_map(|pair| pair.strip_prefix("invitation="));
    match (codes.next(), codes.next()) {
        (Some(code), None) => InviteCode::from_text(code),
        (Some(_), Some(_)) => Err(InviteError::SeveralInvitationsInLink),
        (None, _) => Err(InviteError::NoInvitationInLink),
    }
}

/// An invite code: a bearer credential for one person, who can join the room once with
/// it as a new member (share it privately; a grant admits one member, rule MEM-7). Every
/// value of this type has a grant whose signature verifies for its room and names the
/// key of the secret it carries.
///
/// `Debug` never shows the secrets. There is deliberately no `Display`: the text form
/// is the credential, produced only by the explicit [`Self::to_text`] and [`Self::link`].
#[derive(Clone)]
pub struct InviteCode {
    app: Option<[u8; 32]>,
    room: MemberKey,
    grant: GrantRecord,
    invite_secret: InviteSecret,
    room_secret: Option<(u32, RoomSecret)>,
    /// The canonical CBOR of all of the above (the text form without prefix or checksum).
    payload: Zeroizing<Vec<u8>>,
}

impl InviteCode {
    /// The inviter's side: a code for `grant` (signed by its inviter, for the room owned
    /// by `room`), which must name the key of `invite_seed`. `app` is the web container
    /// id the inviter uses, a hint for the newcomer's client; `room_secret`, in a private
    /// room, the current secret and its version. Refused if the grant's signature does
    /// not verify for `room` or names another invitation key.
    pub fn new(
        app: Option<[u8; 32]>,
        room: MemberKey,
        grant: GrantRecord,
        invite_seed: &[u8; 32],
        room_secret: Option<(u32, RoomSecret)>,
    ) -> Result<Self, InviteError> {
        let invite_secret = InviteSecret::from_seed(invite_seed);
        let mut payload = Zeroizing::new(Vec::with_capacity(PAYLOAD_CAPACITY));
        let parts = Parts {
            app: app.as_ref(),
            room: &room,
            grant: &grant,
            invite_secret: &invite_secret,
            room_secret: room_secret
                .as_ref()
                .map(|(version, secret)| (*version, secret)),
        };
        write_payload(&mut Encoder::new(&mut *payload), &parts)
            .map_err(|_| InviteError::Encoding)?;
        let code = InviteCode {
            app,
            room,
            grant,
            invite_secret,
            room_secret,
            payload,
        };
        code.check()?;
        Ok(code)
    }

    /// Read a bare code (`brook1…`; surrounding whitespace is ignored). For what a user
    /// pasted, which may be a link, use [`parse_link`].
    pub fn from_text(text: &str) -> Result<Self, InviteError> {
        check_size(text)?;
        let text = text.trim();
        let body = text.strip_prefix(PREFIX).ok_or(InviteError::NotAnInvite)?;
        // Sized for the whole input, so the buffer is never reallocated (see above).
        let mut bytes = Zeroizing::new(Vec::with_capacity(body.len() / 8 * 5 + 5));
        base32::decode(body, &mut bytes).map_err(|e| match e {
            base32::Base32Error::BadCharacter { character, index } => InviteError::BadCharacter {
                character,
                position: PREFIX.len() + index + 1,
            },
            base32::Base32Error::Incomplete => InviteError::Truncated,
        })?;
        let split = bytes
            .len()
            .checked_sub(CHECKSUM_LEN)
            .filter(|at| *at > 0)
            .ok_or(InviteError::Truncated)?;
        let (payload, sum) = bytes
            .split_at_checked(split)
            .ok_or(InviteError::Truncated)?;
        if checksum(payload) != sum {
            return Err(InviteError::ChecksumMismatch);
        }
        Self::from_payload(payload)
    }

    /// The text form, `brook1…`: the credential itself.
    pub fn to_text(&self) -> String {
        let mut text = String::with_capacity(PREFIX.len() + (self.payload.len() + 8) * 8 / 5);
        text.push_str(PREFIX);
        let mut framed = Zeroizing::new(Vec::with_capacity(self.payload.len() + CHECKSUM_LEN));
        framed.extend_from_slice(&self.payload);
        framed.extend_from_slice(&checksum(&self.payload));
        base32::encode(&framed, &mut text);
        text
    }

    /// The link form: `{base}/v1/contract/web/{app_id_text}/?invitation={code}`, where
    /// `base` is a node's address (`http://127.0.0.1:7509`; a trailing `/` is dropped)
    /// and `app_id_text` the web container's contract id as the node prints it. Like the
    /// code, the link is a credential: share it privately.
    pub fn link(&self, base: &str, app_id_text: &str) -> String {
        format!(
            "{}/v1/contract/web/{}/?invitation={}",
            base.trim_end_matches('/'),
            app_id_text,
            self.to_text()
        )
    }

    /// The newcomer's side: the acceptance body for `member` (a key the newcomer's
    /// delegate just made), with the invitation key's admit signature. The delegate signs
    /// it (`RecordToSign::Acceptance`). Only one member is admitted per grant (rule MEM-7),
    /// and nobody invites themselves (rule MEM-5): the room owner's and the inviter's own
    /// keys are refused with [`InviteError::AlreadyMember`].
    pub fn acceptance_body(&self, member: MemberKey) -> Result<Acceptance, InviteError> {
        if member == self.room || member == self.grant.body.inviter {
            return Err(InviteError::AlreadyMember);
        }
        let invite = self.invite_secret.signing_key();
        members::admit(&self.room, self.grant.clone(), &invite, member)
            .map_err(|_| InviteError::Encoding)
    }

    /// The web container id the inviter uses: a hint, not a requirement.
    pub fn app(&self) -> Option<[u8; 32]> {
        self.app
    }

    /// The room, named by its owner's key.
    pub fn room(&self) -> MemberKey {
        self.room
    }

    /// The inviter's signed grant.
    pub fn grant(&self) -> &GrantRecord {
        &self.grant
    }

    /// Who invited: the newcomer's parent in the member tree.
    pub fn inviter(&self) -> MemberKey {
        self.grant.body.inviter
    }

    /// The one-time invitation key (public; its secret stays inside the code).
    pub fn invite_key(&self) -> MemberKey {
        self.grant.body.invite_key
    }

    /// In a private room, the room secret the inviter shared and its version.
    pub fn room_secret(&self) -> Option<(u32, &RoomSecret)> {
        self.room_secret
            .as_ref()
            .map(|(version, secret)| (*version, secret))
    }

    /// Decode and check canonical CBOR whose checksum matched.
    fn from_payload(payload: &[u8]) -> Result<Self, InviteError> {
        let malformed = |e: minicbor::decode::Error| InviteError::Malformed(codec::describe(&e));
        codec::check_shape(payload).map_err(|e| match e {
            codec::CodecError::Malformed(what) => InviteError::Malformed(what),
            other => InviteError::Malformed(other.to_string()),
        })?;
        let mut d = Decoder::new(payload);
        let fields = d.array().map_err(malformed)?;
        let found = d.u64().map_err(malformed)?;
        if found != FORMAT_VERSION {
            return Err(InviteError::UnknownVersion {
                found,
                supported: FORMAT_VERSION,
            });
        }
        if fields != Some(6) {
            return Err(InviteError::Malformed(
                "a version 1 code has 6 fields".into(),
            ));
        }
        let app = nullable(&mut d, |d| bytes32(d)).map_err(malformed)?;
        let room = MemberKey::decode(&mut d, &mut ()).map_err(malformed)?;
        let grant = GrantRecord::decode(&mut d, &mut ()).map_err(malformed)?;
        let invite_secret = bytes32(&mut d).map_err(malformed)?;
        let room_secret = nullable(&mut d, |d| {
            if d.array()? != Some(2) {
                return Err(minicbor::decode::Error::message(
                    "room secret is [version, secret]",
                ));
            }
            let version = d.u32()?;
            Ok((version, RoomSecret::from_bytes(*bytes32(d)?)))
        })
        .map_err(malformed)?;
        let code = Self::new(
            app.map(|app| *app),
            room,
            grant,
            &invite_secret,
            room_secret,
        )?;
        // Only the encoding this client writes: one text per code (canonical form).
        if code.payload.as_slice() != payload {
            return Err(InviteError::Malformed("not in canonical form".into()));
        }
        Ok(code)
    }

    /// The invariant of every value: keys valid, the grant names the carried secret's
    /// key, and its inviter signed it for this room.
    fn check(&self) -> Result<(), InviteError> {
        let mut keys = KeyCache::default();
        if !keys.accepts(&self.room) {
            return Err(InviteError::BadRoomKey);
        }
        if !keys.accepts(&self.grant.body.inviter) {
            return Err(InviteError::BadInviterKey);
        }
        if self.invite_secret.public_key() != self.grant.body.invite_key {
            return Err(InviteError::WrongInvitationKey);
        }
        self.grant
            .verify(&mut Verifier::new(), &self.room)
            .map_err(|_| InviteError::BadGrantSignature)
    }
}

impl core::str::FromStr for InviteCode {
    type Err = InviteError;

    /// [`parse_link`]: a bare code or a link.
    fn from_str(input: &str) -> Result<Self, InviteError> {
        parse_link(input)
    }
}

/// Codes are equal when their canonical encodings are (compared in constant time).
impl PartialEq for InviteCode {
    fn eq(&self, other: &Self) -> bool {
        self.payload
            .as_slice()
            .ct_eq(other.payload.as_slice())
            .into()
    }
}

impl Eq for InviteCode {}

impl core::fmt::Debug for InviteCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InviteCode")
            .field("version", &FORMAT_VERSION)
            .field("app", &self.app.as_ref().map(Hex8))
            .field("room", &self.room)
            .field("grant", &self.grant)
            .field("invite_secret", &self.invite_secret)
            .field("room_secret", &self.room_secret)
            .finish()
    }
}

/// The first 8 bytes of a public id, in hex (as `MemberKey`'s `Debug` shows keys).
struct Hex8<'a>(&'a [u8; 32]);

impl core::fmt::Debug for Hex8<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0
            .iter()
            .take(8)
            .try_for_each(|b| write!(f, "{b:02x}"))?;
        write!(f, "…")
    }
}

/// The invitation key's 32-byte ed25519 seed: wiped on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
struct InviteSecret([u8; 32]);

impl InviteSecret {
    fn from_seed(seed: &[u8; 32]) -> Self {
        InviteSecret(*seed)
    }

    /// The signing key (ed25519-dalek wipes it on drop too).
    fn signing_key(&self) -> SigningKey {
        SigningKey::from_bytes(&self.0)
    }

    fn public_key(&self) -> MemberKey {
        member_key(&self.signing_key())
    }
}

impl core::fmt::Debug for InviteSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "InviteSecret([redacted])")
    }
}

/// The fields of a code, borrowed, in encoding order.
struct Parts<'a> {
    app: Option<&'a [u8; 32]>,
    room: &'a MemberKey,
    grant: &'a GrantRecord,
    invite_secret: &'a InviteSecret,
    room_secret: Option<(u32, &'a RoomSecret)>,
}

/// The canonical CBOR of a code: `[version, app, room, grant, invite_secret, room_secret]`.
fn write_payload<W: Write>(
    e: &mut Encoder<W>,
    parts: &Parts<'_>,
) -> Result<(), minicbor::encode::Error<W::Error>> {
    e.array(6)?.u64(FORMAT_VERSION)?;
    match parts.app {
        Some(app) => e.bytes(app)?,
        None => e.null()?,
    };
    parts.room.encode(e, &mut ())?;
    parts.grant.encode(e, &mut ())?;
    e.bytes(&parts.invite_secret.0)?;
    match parts.room_secret {
        Some((version, secret)) => e.array(2)?.u32(version)?.bytes(secret.expose_secret())?,
        None => e.null()?,
    };
    Ok(())
}

/// The checksum of a code's CBOR.
fn checksum(payload: &[u8]) -> [u8; CHECKSUM_LEN] {
    let hash = blake3::derive_key(CHECKSUM_CONTEXT, payload);
    let mut out = [0u8; CHECKSUM_LEN];
    for (to, from) in out.iter_mut().zip(hash) {
        *to = from;
    }
    out
}

fn check_size(input: &str) -> Result<(), InviteError> {
    if input.len() > MAX_INPUT {
        return Err(InviteError::TooLong {
            len: input.len(),
            max: MAX_INPUT,
        });
    }
    Ok(())
}

/// A 32-byte byte string, copied straight into wiped memory.
fn bytes32(d: &mut Decoder<'_>) -> Result<Zeroizing<[u8; 32]>, minicbor::decode::Error> {
    let bytes = d.bytes()?;
    let mut out = Zeroizing::new([0u8; 32]);
    if bytes.len() != out.len() {
        return Err(minicbor::decode::Error::message("expected 32 bytes"));
    }
    out.copy_from_slice(bytes);
    Ok(out)
}

/// `null`, or what `item` reads.
fn nullable<'b, T>(
    d: &mut Decoder<'b>,
    item: impl FnOnce(&mut Decoder<'b>) -> Result<T, minicbor::decode::Error>,
) -> Result<Option<T>, minicbor::decode::Error> {
    if d.datatype()? == Type::Null {
        d.null()?;
        return Ok(None);
    }
    item(d).map(Some)
}
