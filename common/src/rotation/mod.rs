//! The rotation decision, sans-IO: a room view, the owner's keys and the time in; what
//! the owner's delegate must publish out. It knows nothing of the delegate, WASM or the
//! network; the delegate performs what it returns (docs/design.md §6).
//!
//! Rules:
//! - ROT-1: only private rooms have secrets to rotate.
//! - ROT-2: rotate (new version, wrapped for the owner and every current member) when a
//!   holder of the current version is no longer a member, when the policy period since the
//!   current version was issued has elapsed, or when no version exists yet (version 0).
//! - ROT-3: otherwise back-fill the current version for members who lack it.
//! - ROT-4: version `u32::MAX` is a hard stop, never a wrap-around.
//! - ROT-5: a plan's bytes depend only on the room state and the owner's key — never on
//!   a clock: secrets come from the KDF, wraps are deterministic, and a batch carries no
//!   time. So two devices of one owner produce the same rotation, and a retry re-creates
//!   the very same bytes. The clock only decides *when* a scheduled rotation is due
//!   ([`Clock`]: measured from when the owner's delegate first saw the current version).
//! - ROT-6: a member the secret cannot be wrapped for (a key that is not a full-order
//!   ed25519 point; the room refuses such invitations, rule MEM-6) never blocks a
//!   rotation or back-fill for everyone else: it is left out and named in the plan, so
//!   the run reports it.

pub mod view;

use ed25519_dalek::SigningKey;
use minicbor::Encoder;

use crate::ecies::{self, EciesError};
use crate::ids::MemberKey;
use crate::kdf;
use crate::room::bans::BanRecord;
use crate::room::config::Privacy;
use crate::room::secrets::{SecretBatch, SecretBatchRecord, WrappedSecret};
use crate::room::Signed;
use crate::secret::OwnerSeed;
use crate::sign::member_key;
pub use view::RotationView;

/// What the owner must publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    Nothing,
    /// Wrap the current version for members who lack it (rule ROT-3).
    Backfill(SecretsDelta),
    /// Publish a new version for everyone (rule ROT-2).
    Rotate(SecretsDelta),
}

/// One owner-signed secret batch and its wrapped secrets: a room delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretsDelta {
    pub batch: SecretBatchRecord,
    pub blobs: Vec<WrappedSecret>,
    /// Recipients the secret could not be wrapped for, left out (rule ROT-6).
    pub unreachable: Vec<MemberKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RotationError {
    #[error("secret versions are exhausted (u32::MAX reached); the room must be upgraded")]
    VersionsExhausted,
    #[error("a member key is not a valid ed25519 point: {0}")]
    BadMember(EciesError),
    #[error("the batch could not be signed")]
    Signing,
}

/// The owner's keys, as the delegate holds them.
pub struct OwnerKeys {
    pub signing: SigningKey,
}

impl OwnerKeys {
    pub fn public(&self) -> MemberKey {
        member_key(&self.signing)
    }

    fn seed(&self) -> OwnerSeed {
        OwnerSeed::from_bytes(self.signing.to_bytes())
    }
}

/// The owner's clock as rotation sees it: it decides only whether a scheduled rotation is
/// due (rule ROT-2), never what a plan contains (ROT-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub now_ms: u64,
    /// When the owner's delegate first saw the current version as current; `None` when
    /// it has not (no period has started running).
    pub current_since_ms: Option<u64>,
}

impl Clock {
    /// `now_ms` with no period running: decides everything but a scheduled rotation.
    pub fn at(now_ms: u64) -> Clock {
        Clock {
            now_ms,
            current_since_ms: None,
        }
    }
}

/// What the owner owes, decided from the view alone: no key is needed and no public-key
/// operation is done, so a notification that changes nothing costs only the decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Nothing,
    /// Wrap `version` for `recipients` (rule ROT-3).
    Backfill {
        version: u32,
        recipients: Vec<MemberKey>,
    },
    /// Publish `version` for `recipients`, everyone (rule ROT-2).
    Rotate {
        version: u32,
        recipients: Vec<MemberKey>,
    },
}

/// Decide what the room's owner `owner` must publish (rules ROT-1..ROT-4).
pub fn decide(
    view: &RotationView,
    owner: &MemberKey,
    clock: Clock,
) -> Result<Decision, RotationError> {
    if view.privacy != Privacy::Private {
        return Ok(Decision::Nothing); // rule ROT-1
    }
    let everyone = everyone(view, owner);

    let Some(current) = view.secrets.current_version() else {
        let recipients = everyone;
        return Ok(Decision::Rotate {
            version: 0,
            recipients,
        }); // rule ROT-2
    };
    let mut holders: Vec<MemberKey> = view.secrets.holders(current).copied().collect();
    holders.sort_unstable();
    let departed = holders.iter().any(|h| everyone.binary_search(h).is_err());
    let period_ms = view.rotation_period_secs.saturating_mul(1000);
    let due = period_ms > 0
        && clock
            .current_since_ms
            .is_some_and(|since| clock.now_ms.saturating_sub(since) >= period_ms);
    if departed || due {
        let version = current
            .checked_add(1)
            .ok_or(RotationError::VersionsExhausted)?; // rule ROT-4
        return Ok(Decision::Rotate {
            version,
            recipients: everyone,
        });
    }
    // Only members lacking the current version pay the point check (rule ROT-6), so an
    // unchanged room costs no curve operation.
    let mut recipients: Vec<MemberKey> = everyone
        .into_iter()
        .filter(|m| holders.binary_search(m).is_err() && ecies::can_wrap_for(m))
        .collect();
    if recipients.is_empty() {
        return Ok(Decision::Nothing);
    }
    // The owner's leaf anchors every batch (rule SEC-2); its blob is byte-identical.
    if let Err(at) = recipients.binary_search(owner) {
        recipients.insert(at, *owner);
    }
    Ok(Decision::Backfill {
        version: current,
        recipients,
    })
}

/// Members of a private room who lack its current version and cannot be wrapped for
/// (rule ROT-6): what every run reports until they leave the room. Only non-holders
/// pay the point check.
pub fn unreachable(view: &RotationView) -> Vec<MemberKey> {
    if view.privacy != Privacy::Private {
        return Vec::new();
    }
    let current = view.secrets.current_version();
    view.members
        .iter()
        .filter(|m| current.is_none_or(|v| view.secrets.blob_for(m, v).is_none()))
        .filter(|m| !ecies::can_wrap_for(m))
        .copied()
        .collect()
}

/// The owner and every member, sorted: who a new version is wrapped for.
pub fn everyone(view: &RotationView, owner: &MemberKey) -> Vec<MemberKey> {
    let mut everyone = view.members.clone();
    everyone.push(*owner);
    everyone.sort_unstable();
    everyone.dedup();
    everyone
}

/// Carry out a decision with the owner's keys (rule ROT-5). `Nothing` builds nothing.
pub fn carry_out(decision: &Decision, owner: &OwnerKeys) -> Result<Plan, RotationError> {
    Ok(match decision {
        Decision::Nothing => Plan::Nothing,
        Decision::Backfill {
            version,
            recipients,
        } => Plan::Backfill(build(owner, *version, recipients)?),
        Decision::Rotate {
            version,
            recipients,
        } => Plan::Rotate(build(owner, *version, recipients)?),
    })
}

/// Decide and carry out in one step (rules ROT-1..ROT-5).
pub fn plan_rotation(
    view: &RotationView,
    owner: &OwnerKeys,
    clock: Clock,
) -> Result<Plan, RotationError> {
    carry_out(&decide(view, &owner.public(), clock)?, owner)
}

/// One batch of `version` wrapped for `recipients` (sorted, owner included).
fn build(
    owner: &OwnerKeys,
    version: u32,
    recipients: &[MemberKey],
) -> Result<SecretsDelta, RotationError> {
    let owner_key = owner.public();
    let secret = kdf::derive_room_secret(&owner.seed(), &owner_key, version);
    let mut blobs = Vec::with_capacity(recipients.len());
    let mut unreachable = Vec::new();
    for member in recipients {
        match ecies::wrap(&secret, member, version) {
            Ok(ciphertext) => blobs.push(WrappedSecret {
                version,
                member: *member,
                ciphertext,
            }),
            // The owner's own key always wraps; without its leaf no batch is valid.
            Err(e) if *member == owner_key => return Err(RotationError::BadMember(e)),
            Err(_) => unreachable.push(*member), // rule ROT-6
        }
    }
    let leaves = blobs.iter().map(|b| b.leaf()).collect();
    let body = SecretBatch { version, leaves };
    let batch =
        Signed::sign(&owner_key, body, &owner.signing).map_err(|_| RotationError::Signing)?;
    Ok(SecretsDelta {
        batch,
        blobs,
        unreachable,
    })
}

impl SecretsDelta {
    /// The room delta carrying this batch (see [`encode_owner_delta`]).
    pub fn encode(&self) -> Vec<u8> {
        encode_owner_delta(None, Some(self))
    }

    /// How many members this batch wraps the secret for.
    pub fn recipients(&self) -> usize {
        self.blobs.len()
    }
}

/// A room delta of an owner's ban and/or secret batch, encoded without linking the codecs
/// of the room's other records: `[null, [], [ban?], [], [], [batch?], blobs, []]`
/// (config, members, bans, leaves, member info, batches, blobs, messages), exactly the
/// canonical encoding of that `RoomDelta` (rule CAN-1: a trailing `None` is left out,
/// tested).
pub fn encode_owner_delta(ban: Option<&BanRecord>, secrets: Option<&SecretsDelta>) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = (|| -> Result<(), minicbor::encode::Error<core::convert::Infallible>> {
        e.array(8)?.null()?.array(0)?;
        match ban {
            Some(ban) => e.array(1)?.encode(ban)?,
            None => e.array(0)?,
        };
        e.array(0)?.array(0)?;
        match secrets {
            Some(s) => e.array(1)?.encode(&s.batch)?.encode(&s.blobs)?,
            None => e.array(0)?.array(0)?,
        };
        e.array(0)?;
        Ok(())
    })();
    e.into_writer()
}
