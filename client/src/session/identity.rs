//! Identities: export (the one way a key leaves the delegate) and import.
//!
//! The export block is text, one line per room:
//! `brook-identity1 <room key hex> <seed hex>`. It reveals the keys: whoever holds it
//! can act as this user in those rooms.

use brook_common::delegate_api::{ExportAcknowledgement, Request, Response};
use brook_common::ids::MemberKey;
use zeroize::Zeroizing;

use super::Session;
use crate::error::{Error, Result};
use crate::link::NodeLink;
use crate::names::{hex_of, key_hex, parse_key};

/// What every line of an identity export starts with.
pub const IDENTITY_PREFIX: &str = "brook-identity1";

/// One room's identity, as exported. The seed wipes itself when dropped.
pub struct ExportedIdentity {
    pub room: MemberKey,
    seed: Zeroizing<[u8; 32]>,
}

impl core::fmt::Debug for ExportedIdentity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "ExportedIdentity {{ room: {:?}, seed: [redacted] }}",
            self.room
        )
    }
}

impl ExportedIdentity {
    /// The export line: the credential itself.
    pub fn to_line(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "{IDENTITY_PREFIX} {} {}",
            key_hex(&self.room),
            hex_of(self.seed.as_slice())
        ))
    }

    /// Read every identity of an export block; blank lines and `#` comments are
    /// skipped, anything else that is not an identity line is refused.
    pub fn parse_block(text: &str) -> Result<Vec<ExportedIdentity>> {
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || {
                Error::BadInput(format!(
                    "line {}: not an identity line (\"{IDENTITY_PREFIX} <room> <seed>\")",
                    n + 1
                ))
            };
            let mut parts = line.split_whitespace();
            if parts.next() != Some(IDENTITY_PREFIX) {
                return Err(bad());
            }
            let room = parts.next().and_then(parse_key).ok_or_else(bad)?;
            let seed = parts.next().and_then(parse_key).ok_or_else(bad)?;
            if parts.next().is_some() {
                return Err(bad());
            }
            out.push(ExportedIdentity {
                room,
                seed: Zeroizing::new(seed.0),
            });
        }
        if out.is_empty() {
            return Err(Error::BadInput("no identity lines in the input".into()));
        }
        Ok(out)
    }
}

impl<L: NodeLink> Session<L> {
    /// Export this app's identity for `room`, or for every room (`None`).
    pub async fn export_identities(
        &mut self,
        room: Option<&MemberKey>,
    ) -> Result<Vec<ExportedIdentity>> {
        let rooms: Vec<MemberKey> = match room {
            Some(room) => vec![*room],
            None => self.rooms().await?.into_iter().map(|r| r.room).collect(),
        };
        let mut out = Vec::with_capacity(rooms.len());
        for room in rooms {
            let request = Request::ExportIdentity {
                room,
                acknowledge: ExportAcknowledgement::IUnderstandThisRevealsMySecretKey,
            };
            match self.ask("ExportIdentity", request).await? {
                Response::ExportedIdentity { room, seed } => out.push(ExportedIdentity {
                    room,
                    seed: Zeroizing::new(seed),
                }),
                other => return Err(Error::protocol("ExportIdentity", format!("{other:?}"))),
            }
        }
        Ok(out)
    }

    /// Import identities (an export block, parsed). Returns each room and key imported.
    pub async fn import_identities(
        &mut self,
        identities: &[ExportedIdentity],
    ) -> Result<Vec<(MemberKey, MemberKey)>> {
        let mut out = Vec::with_capacity(identities.len());
        for identity in identities {
            let request = Request::ImportIdentity {
                room: identity.room,
                seed: *identity.seed,
            };
            match self.ask("ImportIdentity", request).await? {
                Response::Identity { room, key } => out.push((room, key)),
                other => return Err(Error::protocol("ImportIdentity", format!("{other:?}"))),
            }
        }
        Ok(out)
    }
}
