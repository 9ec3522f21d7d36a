//! The rotation pipeline (docs/design.md §6): for a room this user owns, read the room's state,
//! decide with [`super::core::next`], and publish what is owed. This module owns
//! what is persisted (the pending marker, the last run's report) and when; the decision
//! itself is pure and lives in `core`.
//!
//! Rules:
//! - PIPE-1: the pipeline reads the state this node holds for the room (validated by the
//!   room contract), never state bytes handed to the delegate: a notification is only a
//!   prompt to look.
//! - PIPE-2: a rotation is stored as a *pending marker* (its exact delta bytes) before it
//!   is emitted, and re-emitted byte for byte on every look until the room's state holds
//!   its version. So a crash or a failed update anywhere never loses the rotation.
//! - PIPE-3: only a state holding the marker's version clears the marker (not the node's
//!   answer to the update, which another web app could forge).
//! - PIPE-4: a version is signed once, with one set of bytes. Before a rotation's marker
//!   is stored, its version is recorded as the highest this origin signed for the room;
//!   every later rotation takes a version above it. Only the node's refusals of the
//!   marker count as attempts (looks and notifications do not); after `MAX_ATTEMPTS`
//!   the marker is dropped and a new, higher version planned, so a delta the room
//!   refuses is not retried forever and its version is never signed again.
//! - PIPE-5: back-fills need no marker: they are deterministic (ROT-5), so a retry
//!   re-creates the same bytes.
//! - PIPE-6: the owner's ban never lets the banned reach a later secret (see `owner`).
//! - PIPE-7: the owner's rotate-now publishes a new version for every current member,
//!   above every version signed and any owed one, through the same marker (see `owner`).
//!
//! Every record here is the owning origin's own (rule ORG-1): another web app's status
//! request reads only its own, absent, records.

use brook_common::delegate_api::{Response, RoomStatus, RunOutcome, RunReport};
use brook_common::ids::MemberKey;
use brook_common::rotation::{carry_out, unreachable, Clock, OwnerKeys, Plan, RotationView};
use brook_common::sign::member_key;

use super::core::{landed, next, Action, MarkerChange};
use super::follow::{followed_contract, owning_follower};
use crate::effects::{Effect, Flow};
use crate::host::{Crashed, Host, Step};
use crate::identity::{identity, owner_key};
use crate::records::{decode_report, encode_report, PendingRotation};
use crate::store::{room_key, RoomKind, SecretStore};

pub use super::core::MAX_ATTEMPTS;

pub fn load_pending(
    store: &dyn SecretStore,
    contract: &[u8; 32],
    origin: &[u8; 32],
) -> Option<PendingRotation> {
    PendingRotation::decode(&store.get(&room_key(contract, RoomKind::Pending, Some(origin)))?)
}

/// Record `p.version` as signed and store the marker (rules PIPE-2, PIPE-4); `false` if
/// the store failed, and then nothing may be emitted.
pub fn store_pending(
    store: &mut dyn SecretStore,
    contract: &[u8; 32],
    origin: &[u8; 32],
    p: &PendingRotation,
) -> bool {
    let signed = room_key(contract, RoomKind::Signed, Some(origin));
    let high = load_signed(store, contract, origin).map_or(p.version, |h| h.max(p.version));
    store.set(&signed, &high.to_be_bytes())
        && store.set(
            &room_key(contract, RoomKind::Pending, Some(origin)),
            &p.encode(),
        )
}

/// The highest rotation version `origin` signed for the room (rule PIPE-4).
pub fn load_signed(store: &dyn SecretStore, contract: &[u8; 32], origin: &[u8; 32]) -> Option<u32> {
    let bytes = store.get(&room_key(contract, RoomKind::Signed, Some(origin)))?;
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

fn clear_pending(store: &mut dyn SecretStore, contract: &[u8; 32], origin: &[u8; 32]) {
    store.remove(&room_key(contract, RoomKind::Pending, Some(origin)));
}

/// Clear the marker if `view` holds its version (rule PIPE-3). Returns the marker
/// still owed, if any.
pub fn settle_pending(
    store: &mut dyn SecretStore,
    contract: &[u8; 32],
    origin: &[u8; 32],
    view: &RotationView,
) -> Option<PendingRotation> {
    let pending = load_pending(store, contract, origin)?;
    if landed(view, &pending) {
        clear_pending(store, contract, origin);
        return None;
    }
    Some(pending)
}

/// Settle the marker against the state this node holds now, if it decodes.
pub fn settle_from_local_state(host: &mut dyn Host, contract: &[u8; 32], origin: &[u8; 32]) {
    if let Some(view) = host
        .contract_state(contract)
        .and_then(|s| RotationView::decode(&s).ok())
    {
        settle_pending(host, contract, origin, &view);
    }
}

/// Drop the marker of a delta the node refused, only if it is this very delta: an
/// answer is forgeable, the signed bytes are not. Its version stays signed (PIPE-4).
pub fn forget_refused(
    store: &mut dyn SecretStore,
    contract: &[u8; 32],
    origin: &[u8; 32],
    delta: &[u8],
) {
    if load_pending(store, contract, origin).is_some_and(|p| p.delta == delta) {
        clear_pending(store, contract, origin);
    }
}

/// The clock for a run over `view` (rule ROT-2): now, and since when this origin has seen
/// the view's current version as current — recorded the first time it does, so a
/// scheduled rotation's period runs from there. The room's bytes carry no time (ROT-5).
pub fn current_clock(
    host: &mut dyn Host,
    contract: &[u8; 32],
    origin: &[u8; 32],
    view: &RotationView,
) -> Clock {
    let now_ms = host.now_ms();
    let Some(current) = view.secrets.current_version() else {
        return Clock::at(now_ms);
    };
    let key = room_key(contract, RoomKind::Since, Some(origin));
    let stored = host.get(&key).and_then(|bytes| {
        let (version, since) = bytes.split_first_chunk::<4>()?;
        let since: [u8; 8] = since.try_into().ok()?;
        Some((u32::from_be_bytes(*version), u64::from_be_bytes(since)))
    });
    let since = match stored {
        Some((version, since)) if version == current => since,
        _ => {
            let mut record = current.to_be_bytes().to_vec();
            record.extend_from_slice(&now_ms.to_be_bytes());
            host.set(&key, &record);
            now_ms
        }
    };
    Clock {
        now_ms,
        current_since_ms: Some(since),
    }
}

/// Count one refusal of the stored marker (rule PIPE-4).
fn count_refusal(store: &mut dyn SecretStore, contract: &[u8; 32], origin: &[u8; 32]) {
    if let Some(mut pending) = load_pending(store, contract, origin) {
        pending.attempts = pending.attempts.saturating_add(1);
        store.set(
            &room_key(contract, RoomKind::Pending, Some(origin)),
            &pending.encode(),
        );
    }
}

pub fn last_run(
    store: &dyn SecretStore,
    contract: &[u8; 32],
    origin: &[u8; 32],
) -> Option<RunReport> {
    decode_report(&store.get(&room_key(contract, RoomKind::LastRun, Some(origin)))?)
}

/// The run's report, kept for `RoomStatus`.
struct Reporter {
    contract: [u8; 32],
    origin: [u8; 32],
    state_hash: [u8; 32],
}

impl Reporter {
    fn new(contract: &[u8; 32], origin: &[u8; 32], state: &[u8]) -> Self {
        Reporter {
            contract: *contract,
            origin: *origin,
            state_hash: *blake3::hash(state).as_bytes(),
        }
    }

    fn report(&self, host: &mut dyn Host, outcome: RunOutcome, unreachable: Vec<MemberKey>) {
        let report = RunReport {
            state_hash: self.state_hash,
            outcome,
            unreachable,
        };
        // Without timestamps, a run that changes nothing rewrites identical bytes,
        // which the node does not store again.
        host.set(
            &room_key(&self.contract, RoomKind::LastRun, Some(&self.origin)),
            &encode_report(&report),
        );
    }
}

/// Recipients as a report counts them (a room holds at most a few hundred).
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Run the pipeline for `contract` over the state this node holds (rule PIPE-1).
pub fn run(host: &mut dyn Host, contract: &[u8; 32]) -> Result<Vec<Effect>, Crashed> {
    let Some((origin, follow)) = owning_follower(host, contract) else {
        return Ok(vec![]); // not a room this user owns
    };
    let Some(state) = host.contract_state(contract) else {
        return Ok(vec![]); // the node holds no state yet; its notification will come
    };
    let reporter = Reporter::new(contract, &origin, &state);
    let view = match RotationView::decode(&state) {
        Ok(view) => view,
        Err(e) => {
            reporter.report(host, RunOutcome::Failed(e.to_string()), vec![]);
            return Ok(vec![]);
        }
    };
    let clock = current_clock(host, contract, &origin, &view);
    let pending = load_pending(host, contract, &origin);
    let signed = load_signed(host, contract, &origin);
    let decided = next(&view, pending, signed, &follow.room, clock);
    match decided.marker {
        MarkerChange::Keep => {}
        MarkerChange::Clear | MarkerChange::Drop => clear_pending(host, contract, &origin),
    }
    let decision = match decided.action {
        Action::Republish { version, delta } => {
            reporter.report(host, RunOutcome::Republished { version }, vec![]);
            return Ok(vec![Effect::update(*contract, delta, Flow::Publish)]);
        }
        Action::UpToDate => {
            reporter.report(host, RunOutcome::UpToDate, unreachable(&view));
            return Ok(vec![]);
        }
        Action::Failed(reason) => {
            reporter.report(host, RunOutcome::Failed(reason), vec![]);
            return Ok(vec![]);
        }
        Action::Sign(decision) => decision,
    };
    // Something must be signed: only now is the owner's key loaded.
    let Some(signing) = owner_key(host, &origin, &follow.room) else {
        let failed = RunOutcome::Failed("the owner's key is not readable".into());
        reporter.report(host, failed, vec![]);
        return Ok(vec![]);
    };
    let (delta, outcome, unreachable) = match carry_out(&decision, &OwnerKeys { signing }) {
        Err(e) => {
            reporter.report(host, RunOutcome::Failed(e.to_string()), vec![]);
            return Ok(vec![]);
        }
        Ok(Plan::Nothing) => return Ok(vec![]),
        Ok(Plan::Backfill(d)) => {
            let outcome = RunOutcome::BackFilled {
                version: d.batch.body.version,
                members: count(d.recipients()),
            };
            (d.encode(), outcome, d.unreachable) // rule PIPE-5
        }
        Ok(Plan::Rotate(d)) => {
            let version = d.batch.body.version;
            host.checkpoint(Step::Planned)?;
            let pending = PendingRotation {
                version,
                delta: d.encode(),
                attempts: 0,
            };
            if !store_pending(host, contract, &origin, &pending) {
                let failed = RunOutcome::Failed("the secret store refused the marker".into());
                reporter.report(host, failed, vec![]);
                return Ok(vec![]);
            }
            host.checkpoint(Step::Marked)?;
            let members = count(d.recipients());
            let outcome = RunOutcome::Rotated { version, members };
            (pending.delta, outcome, d.unreachable)
        }
    };
    reporter.report(host, outcome, unreachable);
    Ok(vec![Effect::update(*contract, delta, Flow::Publish)])
}

/// The node answered a pipeline update. Success needs no bookkeeping: the state holding
/// the version clears the marker (rule PIPE-3), on this run or the notification that
/// follows. A refusal is counted against the marker (rule PIPE-4) and reported.
pub fn on_published(
    host: &mut dyn Host,
    contract: &[u8; 32],
    result: Result<(), String>,
) -> Result<Vec<Effect>, Crashed> {
    host.checkpoint(Step::Answered)?;
    let Some((origin, _)) = owning_follower(host, contract) else {
        return Ok(vec![]);
    };
    match result {
        Ok(()) => settle_from_local_state(host, contract, &origin),
        Err(reason) => {
            count_refusal(host, contract, &origin);
            // The report names the state it was made over; none held hashes as empty.
            let state = host.contract_state(contract).unwrap_or_default();
            let failed = RunOutcome::Failed(format!("the node refused the update: {reason}"));
            Reporter::new(contract, &origin, &state).report(host, failed, vec![]);
        }
    }
    Ok(vec![])
}

/// `RoomStatus`: whether `origin` owns `room`, and its pipeline's marker and last run.
pub fn status(store: &dyn SecretStore, origin: &[u8; 32], room: &MemberKey) -> Response {
    let owner = match identity(store, origin, room) {
        Ok(key) => member_key(&key) == *room,
        Err(e) => return Response::Error(e),
    };
    let contract = followed_contract(store, origin, room);
    // rule ORG-1: only this origin's own records, which exist only if it owns the room.
    let (pending_version, last_run) = match &contract {
        Some(c) => (
            load_pending(store, c, origin).map(|p| p.version),
            last_run(store, c, origin),
        ),
        None => (None, None),
    };
    Response::Status(RoomStatus {
        contract,
        owner,
        pending_version,
        last_run,
    })
}
