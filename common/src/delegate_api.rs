//! The chat delegate's protocol: what the UI (and the CLI) ask of it and what it answers,
//! CBOR in `ApplicationMessage` payloads (DESIGN §6).
//!
//! Variants are numbered and only ever appended: an old UI talking to a newer delegate
//! (or the reverse) never misreads a request. Every request gets exactly one response;
//! a failure is a typed [`ApiError`], never silence.

use minicbor::{Decode, Encode};

use crate::ids::MemberKey;
use crate::room::bans::Ban;
use crate::room::config::RoomConfig;
use crate::room::member_info::MemberInfo;
use crate::room::members::Invitation;
use crate::room::messages::Message;
use crate::room::upgrade::Upgrade;
use crate::sign::Sig;

/// Largest request payload the delegate decodes.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// Requests to the chat delegate.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum Request {
    /// Create a signing identity. `room: None` creates a new room's owner key (the room is
    /// then named by that key); `Some(owner)` creates this user's key for that room.
    #[n(0)]
    CreateIdentity {
        #[n(0)]
        room: Option<MemberKey>,
    },
    /// Import an existing identity for `room` from its 32-byte seed (a backup).
    #[n(1)]
    ImportIdentity {
        #[n(0)]
        room: MemberKey,
        #[cbor(with = "minicbor::bytes")]
        #[n(1)]
        seed: [u8; 32],
    },
    /// This user's public key in `room`.
    #[n(2)]
    PublicKey {
        #[n(0)]
        room: MemberKey,
    },
    /// Sign `record` as this user in `room`. The delegate checks the record is this
    /// user's to sign there, then applies the record's domain tag.
    #[n(3)]
    Sign {
        #[n(0)]
        room: MemberKey,
        #[n(1)]
        record: RecordToSign,
    },
    /// Every room this web app holds an identity for.
    #[n(4)]
    ListRooms,
    /// Hand out the identity's seed: the one way a key leaves the delegate. The
    /// acknowledgement is the caller's explicit statement that it wants the secret.
    #[n(5)]
    ExportIdentity {
        #[n(0)]
        room: MemberKey,
        #[n(1)]
        acknowledge: ExportAcknowledgement,
    },
    /// Read a value of the UI's own storage.
    #[n(6)]
    StoreGet {
        #[n(0)]
        key: String,
    },
    /// Write a value if its generation is still `expected_generation` (0: absent).
    #[n(7)]
    StorePut {
        #[n(0)]
        key: String,
        #[cbor(with = "minicbor::bytes")]
        #[n(1)]
        value: Vec<u8>,
        #[n(2)]
        expected_generation: u64,
    },
}

/// The explicit "yes, give me the secret key" of an export request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
#[cbor(index_only)]
pub enum ExportAcknowledgement {
    #[n(0)]
    IUnderstandThisRevealsMySecretKey,
}

/// A record for the delegate to sign, typed so it can check whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum RecordToSign {
    #[n(0)]
    Member(#[n(0)] Invitation),
    #[n(1)]
    Ban(#[n(0)] Ban),
    #[n(2)]
    MemberInfo(#[n(0)] MemberInfo),
    #[n(3)]
    Message(#[n(0)] Message),
    #[n(4)]
    Config(#[n(0)] RoomConfig),
    #[n(5)]
    Upgrade(#[n(0)] Upgrade),
}

/// Responses, one per request.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum Response {
    #[n(0)]
    Identity {
        #[n(0)]
        room: MemberKey,
        #[n(1)]
        key: MemberKey,
    },
    #[n(1)]
    Signature(#[n(0)] Sig),
    #[n(2)]
    Rooms(#[n(0)] Vec<RoomIdentity>),
    #[n(3)]
    ExportedIdentity {
        #[n(0)]
        room: MemberKey,
        #[cbor(with = "minicbor::bytes")]
        #[n(1)]
        seed: [u8; 32],
    },
    #[n(4)]
    Stored {
        #[n(0)]
        value: Option<StoredValue>,
    },
    #[n(5)]
    Error(#[n(0)] ApiError),
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct RoomIdentity {
    #[n(0)]
    pub room: MemberKey,
    #[n(1)]
    pub key: MemberKey,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StoredValue {
    #[n(0)]
    pub generation: u64,
    #[cbor(with = "minicbor::bytes")]
    #[n(1)]
    pub value: Vec<u8>,
}

/// Why a request failed, saying whose fault it is.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Only web apps served by the node (`MessageOrigin::WebApp`) may use the delegate.
    #[error("the caller is not a web app served by this node")]
    #[n(0)]
    NotAWebApp,
    #[error("the request does not decode: {0}")]
    #[n(1)]
    MalformedRequest(#[n(0)] String),
    #[error("no identity for this room")]
    #[n(2)]
    NoIdentity,
    #[error("an identity for this room already exists")]
    #[n(3)]
    IdentityExists,
    /// The record names another signer than this user's key for the room.
    #[error("this record is not yours to sign in this room")]
    #[n(4)]
    NotYourRecord,
    #[error("stored value changed: generation is now {current}")]
    #[n(5)]
    Conflict {
        #[n(0)]
        current: u64,
    },
    #[error("the node's secret store failed")]
    #[n(6)]
    Storage,
    #[error("the identity seed is not a valid ed25519 key")]
    #[n(7)]
    BadSeed,
}

impl Request {
    pub fn encode(&self) -> Vec<u8> {
        crate::codec::to_vec(self).unwrap_or_default()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ApiError> {
        crate::codec::from_slice(bytes, MAX_REQUEST_BYTES)
            .map_err(|e| ApiError::MalformedRequest(e.to_string()))
    }
}

impl Response {
    pub fn encode(&self) -> Vec<u8> {
        crate::codec::to_vec(self).unwrap_or_default()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ApiError> {
        crate::codec::from_slice(bytes, MAX_REQUEST_BYTES)
            .map_err(|e| ApiError::MalformedRequest(e.to_string()))
    }
}
