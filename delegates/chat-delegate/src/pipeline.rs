//! The rotation pipeline (DESIGN §6): for a room this user owns, read the room's state,
//! decide with [`brook_common::rotation::plan_rotation`], and publish what is owed.
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

use brook_common::delegate_api::{RunOutcome, RunReport};
use brook_common::rotation::{carry_out, decide, Decision, OwnerKeys, Plan, RotationView};

use crate::effects::{Effect, Flow};
use crate::host::{Crashed, Host, Step};
pub use crate::records::PendingRotation;
use crate::records::{decode_report, encode_report};
use crate::rooms::{owner_key, owning_follower};
use crate::store::{room_key, RoomKind, SecretStore};

/// Re-emissions of one pending rotation before it is planned afresh (rule PIPE-4).
pub const MAX_ATTEMPTS: u32 = 8;

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

/// Clear the marker if `state` holds its version (rule PIPE-3). Returns the marker
/// still owed, if any.
pub fn settle_pending(
    store: &mut dyn SecretStore,
    contract: &[u8; 32],
    view: &RotationView,
) -> Option<PendingRotation> {
    let pending = load_pending(store, contract)?;
    if view.secrets.current_version() >= Some(pending.version) {
        store.remove(&room_key(contract, RoomKind::Pending, None));
        return None;
    }
    Some(pending)
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
    if let Some(mut pending) = settle_pending(host, contract, &view) {
        if pending.attempts < MAX_ATTEMPTS {
            pending.attempts += 1;
            if !store_pending(host, contract, &pending) {
                return Ok(vec![]);
            }
            let version = pending.version;
            report(host, contract, &state, RunOutcome::Republished { version });
            return Ok(vec![Effect::update(
                *contract,
                pending.delta,
                Flow::Publish,
            )]);
        }
        host.remove(&room_key(contract, RoomKind::Pending, None)); // rule PIPE-4
    }
    let now = host.now_ms();
    let decision = match decide(&view, &follow.room, now) {
        Ok(Decision::Nothing) => {
            report(host, contract, &state, RunOutcome::UpToDate);
            return Ok(vec![]);
        }
        Ok(decision) => decision,
        Err(e) => {
            report(host, contract, &state, RunOutcome::Failed(e.to_string()));
            return Ok(vec![]);
        }
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
                members: d.recipients() as u32,
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
            let members = d.recipients() as u32;
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
        Ok(()) => {
            if let Some(state) = host.contract_state(contract) {
                if let Ok(view) = RotationView::decode(&state) {
                    settle_pending(host, contract, &view);
                }
            }
        }
        Err(reason) => {
            let state = host.contract_state(contract).unwrap_or_default();
            let failed = RunOutcome::Failed(format!("the node refused the update: {reason}"));
            report(host, contract, &state, failed);
        }
    }
    Ok(vec![])
}
