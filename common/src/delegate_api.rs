//! The chat delegate's protocol: what the UI (and the CLI) ask of it and what it answers,
//! CBOR in `ApplicationMessage` payloads (docs/design.md §6).
//!
//! Variants are numbered and only ever appended: an old UI talking to a newer delegate
//! (or the reverse) never misreads a request. Every request gets exactly one response;
//! a failure is a typed [`ApiError`], never silence.

use minicbor::{Decode, Encode};

use crate::ids::MemberKey;
use crate::room::bans::{Ban, Leave};
use crate::room::config::RoomConfig;
use crate::room::member_info::MemberInfo;
use crate::room::members::{Acceptance, Grant};
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
    /// Make sure the delegate follows this room, so it rotates the room secret for the
    /// rooms this user owns even with no tab open. `room_contract` is the code hash of
    /// the room contract the UI ships; the delegate derives the room's contract id from
    /// it and the owner key, and answers only after the node confirmed the
    /// subscription.
    #[n(8)]
    EnsureRoomSubscription {
        #[n(0)]
        room: MemberKey,
        #[cbor(with = "minicbor::bytes")]
        #[n(1)]
        room_contract: [u8; 32],
    },
    /// The owner bans a member: the delegate signs the ban and, in the same delta,
    /// rotates the room secret away from the banned subtree, publishes that one delta
    /// and answers with it. `ban.issuer` must be the owner's key.
    #[n(9)]
    BanMember {
        #[n(0)]
        room: MemberKey,
        #[n(1)]
        ban: Ban,
    },
    /// What the delegate knows about a room it follows: its subscription, a rotation it
    /// still owes, and the outcome of its latest run.
    #[n(10)]
    RoomStatus {
        #[n(0)]
        room: MemberKey,
    },
    /// Carry-forward (docs/design.md §10), predecessor side: everything this web app stored,
    /// for its successor delegate. Keys are named relative to the web app's scope. It
    /// carries the identity seeds, so, like `ExportIdentity`, it needs the caller's
    /// explicit acknowledgement (rule DEL-1).
    #[n(11)]
    MigrationExport {
        #[n(0)]
        acknowledge: ExportAcknowledgement,
    },
    /// Carry-forward, successor side: take one entry exported by `predecessor` (a
    /// delegate key) through this delegate's own import rules: what this delegate
    /// already holds always wins.
    #[n(12)]
    MigrationImport {
        #[cbor(with = "minicbor::bytes")]
        #[n(0)]
        predecessor: [u8; 32],
        #[n(1)]
        entry: StoredEntry,
    },
    /// The migration markers recorded for `predecessor`.
    #[n(13)]
    MigrationMarkers {
        #[cbor(with = "minicbor::bytes")]
        #[n(0)]
        predecessor: [u8; 32],
    },
    /// Record a migration marker for `predecessor` (durable when answered).
    #[n(14)]
    RecordMigrationMarker {
        #[cbor(with = "minicbor::bytes")]
        #[n(0)]
        predecessor: [u8; 32],
        #[n(1)]
        marker: MigrationMarker,
    },
    /// The migration journal this web app stored, if any.
    #[n(15)]
    MigrationJournal,
    /// Replace the migration journal.
    #[n(16)]
    StoreMigrationJournal {
        #[cbor(with = "minicbor::bytes")]
        #[n(0)]
        journal: Vec<u8>,
    },
    /// Stop following every room of this web app: its successor delegate took over.
    /// Identities and stored values stay (nothing is deleted).
    #[n(17)]
    Retire,
    /// A no-op that always answers: which build generation this is.
    #[n(18)]
    Ping,
    /// Open room secrets wrapped for this user's identity in `room` (the blobs the room's
    /// state holds for this user's key). The identity key never leaves the delegate; the
    /// room secrets it opens go to the caller, which seals and opens the room's content
    /// (docs/design.md §3). At most [`MAX_SECRETS_TO_OPEN`] blobs per request.
    #[n(19)]
    OpenSecrets {
        #[n(0)]
        room: MemberKey,
        #[n(1)]
        wrapped: Vec<WrappedForMe>,
    },
    /// The owner rotates the room secret now: a new version for every member, published
    /// by the delegate like a ban's rotation (same marker, same retries), answered once
    /// the node applied it.
    #[n(20)]
    RotateNow {
        #[n(0)]
        room: MemberKey,
    },
}

/// Most wrapped secrets one `OpenSecrets` request may carry: every version a room keeps.
pub const MAX_SECRETS_TO_OPEN: usize = crate::limits::MAX_SECRET_VERSIONS as usize;

/// One wrapped room secret, as the room's state holds it for this user's key.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct WrappedForMe {
    #[n(0)]
    pub version: u32,
    #[cbor(with = "minicbor::bytes")]
    #[n(1)]
    pub ciphertext: Vec<u8>,
}

/// One opened room secret. Its bytes are wiped when it is dropped.
#[derive(Clone, PartialEq, Eq, Encode, Decode, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct OpenedSecret {
    #[n(0)]
    pub version: u32,
    #[cbor(with = "minicbor::bytes")]
    #[n(1)]
    pub secret: [u8; 32],
}

impl core::fmt::Debug for OpenedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "OpenedSecret {{ version: {}, secret: [redacted] }}",
            self.version
        )
    }
}

/// One stored entry of a web app, named relative to the web app's scope.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct StoredEntry {
    #[cbor(with = "minicbor::bytes")]
    #[n(0)]
    pub name: Vec<u8>,
    #[cbor(with = "minicbor::bytes")]
    #[n(1)]
    pub value: Vec<u8>,
}

/// A carry-forward marker, as freenet-migrate's journaled walk records them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Encode, Decode)]
pub enum MigrationMarker {
    #[n(0)]
    InProgress {
        #[n(0)]
        saw_data: bool,
    },
    #[n(1)]
    Done {
        #[n(0)]
        had_data: bool,
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
    // n(0), the pre-acceptance invitation, is retired (never reused).
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
    /// An invitation: this user grants the holder of `invite_key` one place below them.
    #[n(6)]
    Grant(#[n(0)] Grant),
    /// This user's acceptance of a grant, carrying the invitation key's admit signature
    /// (made by the client from the invite code; the member key stays in the delegate).
    #[n(7)]
    Acceptance(#[n(0)] Acceptance),
    /// This user leaves the room.
    #[n(8)]
    Leave(#[n(0)] Leave),
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
    /// The node confirmed the delegate's subscription to the room's contract.
    #[n(6)]
    Subscribed {
        #[n(0)]
        room: MemberKey,
        #[cbor(with = "minicbor::bytes")]
        #[n(1)]
        contract: [u8; 32],
    },
    /// The owner's ban (with its rotation, when one is owed) was applied by the node;
    /// `delta` is the room delta that carried it.
    #[n(7)]
    Banned {
        #[cbor(with = "minicbor::bytes")]
        #[n(0)]
        delta: Vec<u8>,
        /// The secret version the delta introduced, if it rotated.
        #[n(1)]
        rotated_to: Option<u32>,
    },
    #[n(8)]
    Status(#[n(0)] RoomStatus),
    #[n(9)]
    Exported {
        #[n(0)]
        entries: Vec<StoredEntry>,
    },
    /// `written: false` when this delegate already held the entry (it wins).
    #[n(10)]
    Imported {
        #[n(0)]
        written: bool,
    },
    /// The markers recorded for a predecessor: the in-progress one and the done one are
    /// kept apart, so recording one never erases the other.
    #[n(11)]
    Markers {
        #[n(0)]
        in_progress: Option<MigrationMarker>,
        #[n(1)]
        done: Option<MigrationMarker>,
    },
    #[n(12)]
    Journal {
        #[cbor(with = "minicbor::bytes")]
        #[n(0)]
        journal: Option<Vec<u8>>,
    },
    /// How many rooms this web app stopped following.
    #[n(13)]
    Retired {
        #[n(0)]
        rooms: u32,
    },
    #[n(14)]
    Pong {
        #[n(0)]
        generation: u32,
    },
    /// The secrets `OpenSecrets` could open, and the versions whose blob did not open
    /// with this user's key (wrapped for another key, or damaged).
    #[n(15)]
    Secrets {
        #[n(0)]
        opened: Vec<OpenedSecret>,
        #[n(1)]
        unopened: Vec<u32>,
    },
    /// `RotateNow` was applied by the node: the room's secret is now `version`.
    #[n(16)]
    Rotated {
        #[n(0)]
        version: u32,
    },
}

/// The delegate's view of one room it follows.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct RoomStatus {
    /// The room contract's id, once a subscription was requested.
    #[cbor(with = "minicbor::bytes")]
    #[n(0)]
    pub contract: Option<[u8; 32]>,
    /// Whether this user is the room's owner (only owners rotate).
    #[n(1)]
    pub owner: bool,
    /// A rotation published but not yet seen in the room's state.
    #[n(2)]
    pub pending_version: Option<u32>,
    /// The latest run of the rotation pipeline.
    #[n(3)]
    pub last_run: Option<RunReport>,
}

/// One run of the rotation pipeline over one room state.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct RunReport {
    /// blake3 of the state bytes the run read.
    #[cbor(with = "minicbor::bytes")]
    #[n(0)]
    pub state_hash: [u8; 32],
    #[n(1)]
    pub outcome: RunOutcome,
    /// Members the secret could not be wrapped for (not full-order ed25519 points), left
    /// out of this run's batch (rule ROT-6).
    #[n(2)]
    pub unreachable: Vec<MemberKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub enum RunOutcome {
    /// Every member holds the current secret; nothing to publish.
    #[n(0)]
    UpToDate,
    /// Wrapped the current version for members who lacked it.
    #[n(1)]
    BackFilled {
        #[n(0)]
        version: u32,
        #[n(1)]
        members: u32,
    },
    /// Published a new version.
    #[n(2)]
    Rotated {
        #[n(0)]
        version: u32,
        #[n(1)]
        members: u32,
    },
    /// Re-published a rotation that was owed (a retry after a failure or crash).
    #[n(3)]
    Republished {
        #[n(0)]
        version: u32,
    },
    /// The run could not decide (undecodable state, exhausted versions, …).
    #[n(4)]
    Failed(#[n(0)] String),
}

#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode)]
pub struct RoomIdentity {
    #[n(0)]
    pub room: MemberKey,
    /// This user's key in the room; `None` when the stored identity is damaged (it is
    /// listed anyway, so a room is never silently dropped).
    #[n(1)]
    pub key: Option<MemberKey>,
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
    /// The node refused the subscription (its reason).
    #[error("the node refused the subscription: {0}")]
    #[n(8)]
    SubscriptionRefused(#[n(0)] String),
    /// The request needs the room followed first (`EnsureRoomSubscription`).
    #[error("the delegate does not follow this room yet")]
    #[n(9)]
    NotSubscribed,
    /// Only the room's owner may do this.
    #[error("only the room's owner may do this")]
    #[n(10)]
    NotOwner,
    /// This node holds no state for the room yet.
    #[error("this node holds no state for the room yet")]
    #[n(11)]
    RoomUnavailable,
    #[error("the room state does not decode: {0}")]
    #[n(12)]
    BadRoomState(#[n(0)] String),
    #[error("the room secret could not be rotated: {0}")]
    #[n(13)]
    Rotation(#[n(0)] String),
    /// The node did not apply the delta (its reason).
    #[error("the node did not apply the update: {0}")]
    #[n(14)]
    UpdateRejected(#[n(0)] String),
    /// The ban's target is the owner, or its issuer is not the owner.
    #[error("the ban is not one the owner can issue: {0}")]
    #[n(15)]
    BadBan(#[n(0)] String),
    /// An imported entry this delegate cannot take (unknown kind or damaged value).
    #[error("cannot import this entry: {0}")]
    #[n(16)]
    BadImport(#[n(0)] String),
    /// The delegate's own fault: an invariant it keeps did not hold (a damaged stored
    /// record, a value that would not encode). Never the caller's input.
    #[error("internal error in the chat delegate: {0}")]
    #[n(17)]
    Internal(#[n(0)] String),
    /// This web app already holds its share of a limit the node sets for the delegate
    /// (subscriptions, identities, stored values or their size).
    #[error("this web app reached its share of {what}: at most {limit}")]
    #[n(18)]
    QuotaExceeded {
        #[n(0)]
        what: String,
        #[n(1)]
        limit: u32,
    },
    /// A stored value's generation counter is at its maximum: it cannot change again.
    #[error("this stored value's generation is exhausted; store it under a new name")]
    #[n(19)]
    GenerationExhausted,
}

impl Request {
    pub fn encode(&self) -> Result<Vec<u8>, crate::codec::CodecError> {
        crate::codec::to_vec(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ApiError> {
        crate::codec::from_slice(bytes, MAX_REQUEST_BYTES)
            .map_err(|e| ApiError::MalformedRequest(e.to_string()))
    }
}

impl Response {
    pub fn encode(&self) -> Result<Vec<u8>, crate::codec::CodecError> {
        crate::codec::to_vec(self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ApiError> {
        crate::codec::from_slice(bytes, MAX_REQUEST_BYTES)
            .map_err(|e| ApiError::MalformedRequest(e.to_string()))
    }
}
