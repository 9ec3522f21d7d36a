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
//!   is emitted, and re-emitted byte for byte until the room's state holds its version.
//!   So a crash or a failed update anywhere never yields a second, different record of
//!   the same version, and never loses the rotation.
//! - PIPE-3: only a state holding the marker's version clears the marker (not the node's
//!   answer to the update, which another web app could forge).
//! - PIPE-4: a marker re-emitted `MAX_ATTEMPTS` times without landing is dropped and the
//!   rotation planned afresh, so a delta the room refuses is not retried forever.
//! - PIPE-5: back-fills need no marker: they are deterministic (ROT-5), so a retry
//!   re-creates the same bytes.

use brook_common::delegate_api::{Response, RoomStatus, RunOutcome, RunReport};
use brook_common::ids::MemberKey;
use brook_common::rotation::{carry_out, OwnerKeys, Plan, RotationView};
use brook_common::sign::member_key;

use super::core::{landed, next, Action, MarkerChange};
use super::follow::{followed_contract, owning_follower};
use crate::effects::{Effect, Flow};
use crate::host::{Crashed, Host, Step};
use crate::identity::{identity, owner_key};
use crate::records::{decode_report, encode_report, PendingRotation};
use crate::store::{room_key, RoomKind, SecretStore};

pub use super::core::MAX_ATTEMPTS;

pub fn load_pending(store: &dyn SecretStore, contract: &[u8; 32]) -> Option<PendingRotation> {
    PendingRotation::decode(&store.get(&room_key(contract, RoomKind::Pending, None))?)
}

/// Store the marker (rule PIPE-2); `false` if the store failed, and then nothing may be
/// emitted.
pub fn store_pending(
    store: &mut dyn SecretStore,
    contract: &[u8; 32],
    p: &PendingRotation,
) -> bool {
    store.set(&room_key(contract, RoomKind::Pending, None), &p.encode())
}

fn clear_pending(store: &mut dyn SecretStore, contract: &[u8; 32]) {
    store.remove(&room_key(contract, RoomKind::Pending, None));
}

/// Clear the marker if `view` holds its version (rule PIPE-3). Returns the marker
/// still owed, if any.
pub fn settle_pending(
    store: &mut dyn SecretStore,
    contract: &[u8; 32],
    view: &RotationView,
) -> Option<PendingRotation> {
    let pending = load_pending(store, contract)?;
    if landed(view, &pending) {
        clear_pending(store, contract);
        return None;
    }
    Some(pending)
}

/// Settle the marker against the state this node holds now, if it decodes.
pub fn settle_from_local_state(host: &mut dyn Host, contract: &[u8; 32]) {
    if let Some(view) = host
        .contract_state(contract)
        .and_then(|s| RotationView::decode(&s).ok())
    {
        settle_pending(host, contract, &view);
    }
}

/// Drop the marker of a delta the node refused, only if it is this very delta: an
/// answer is forgeable, the signed bytes are not.
pub fn forget_refused(store: &mut dyn SecretStore, contract: &[u8; 32], delta: &[u8]) {
    if load_pending(store, contract).is_some_and(|p| p.delta == delta) {
        clear_pending(store, contract);
    }
}

pub fn last_run(store: &dyn SecretStore, contract: &[u8; 32]) -> Option<RunReport> {
    decode_report(&store.get(&room_key(contract, RoomKind::LastRun, None))?)
}

fn report(host: &mut dyn Host, contract: &[u8; 32], state: &[u8], outcome: RunOutcome) {
    let report = RunReport {
        state_hash: *blake3::hash(state).as_bytes(),
        outcome,
    };
    // Without timestamps, a run that changes nothing rewrites identical bytes, which the
    // node does not store again.
    host.set(
        &room_key(contract, RoomKind::LastRun, None),
        &encode_report(&report),
    );
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
    let view = match RotationView::decode(&state) {
        Ok(view) => view,
        Err(e) => {
            report(host, contract, &state, RunOutcome::Failed(e.to_string()));
            return Ok(vec![]);
        }
    };
    let now = host.now_ms();
    let decided = next(&view, load_pending(host, contract), &follow.room, now);
    match decided.marker {
        MarkerChange::Keep => {}
        MarkerChange::Clear | MarkerChange::Drop => clear_pending(host, contract),
        MarkerChange::Count(pending) => {
            if !store_pending(host, contract, &pending) {
                return Ok(vec![]); // rule PIPE-2: nothing leaves without its marker
            }
        }
    }
    let decision = match decided.action {
        Action::Republish { version, delta } => {
            report(host, contract, &state, RunOutcome::Republished { version });
            return Ok(vec![Effect::update(*contract, delta, Flow::Publish)]);
        }
        Action::UpToDate => {
            report(host, contract, &state, RunOutcome::UpToDate);
            return Ok(vec![]);
        }
        Action::Failed(reason) => {
            report(host, contract, &state, RunOutcome::Failed(reason));
            return Ok(vec![]);
        }
        Action::Sign(decision) => decision,
    };
    // Something must be signed: only now is the owner's key loaded.
    let Some(signing) = owner_key(host, &origin, &follow.room) else {
        let failed = RunOutcome::Failed("the owner's key is not readable".into());
        report(host, contract, &state, failed);
        return Ok(vec![]);
    };
    let (delta, outcome) = match carry_out(&decision, &OwnerKeys { signing }, now) {
        Err(e) => {
            report(host, contract, &state, RunOutcome::Failed(e.to_string()));
            return Ok(vec![]);
        }
        Ok(Plan::Nothing) => return Ok(vec![]),
        Ok(Plan::Backfill(d)) => {
            let outcome = RunOutcome::BackFilled {
                version: d.batch.body.version,
                members: count(d.recipients()),
            };
            (d.encode(), outcome) // rule PIPE-5
        }
        Ok(Plan::Rotate(d)) => {
            let version = d.batch.body.version;
            host.checkpoint(Step::Planned)?;
            let pending = PendingRotation {
                version,
                delta: d.encode(),
                attempts: 1,
            };
            if !store_pending(host, contract, &pending) {
                let failed = RunOutcome::Failed("the secret store refused the marker".into());
                report(host, contract, &state, failed);
                return Ok(vec![]);
            }
            host.checkpoint(Step::Marked)?;
            let members = count(d.recipients());
            (pending.delta, RunOutcome::Rotated { version, members })
        }
    };
    report(host, contract, &state, outcome);
    Ok(vec![Effect::update(*contract, delta, Flow::Publish)])
}

/// The node answered a pipeline update. Success needs no bookkeeping: the state holding
/// the version clears the marker (rule PIPE-3), on this run or the notification that
/// follows. A refusal is reported; the marker stays for the next run.
pub fn on_published(
    host: &mut dyn Host,
    contract: &[u8; 32],
    result: Result<(), String>,
) -> Result<Vec<Effect>, Crashed> {
    host.checkpoint(Step::Answered)?;
    match result {
        Ok(()) => settle_from_local_state(host, contract),
        Err(reason) => {
            // The report names the state it was made over; none held hashes as empty.
            let state = host.contract_state(contract).unwrap_or_default();
            let failed = RunOutcome::Failed(format!("the node refused the update: {reason}"));
            report(host, contract, &state, failed);
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
    let (pending_version, last_run) = match &contract {
        Some(c) => (
            load_pending(store, c).map(|p| p.version),
            last_run(store, c),
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
