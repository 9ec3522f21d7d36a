//! The owner's own ban (`BanMember`): the ban and the rotation it makes owed, signed by
//! the owner's key and sent as one delta, so the room never holds the ban without the
//! secret that excludes the banned member. A ban issued by anyone else reaches the
//! pipeline as an ordinary change of the room.
//!
//! Rule PIPE-6: with a rotation still owed, that owed delta may wrap the secret for the
//! member now banned; it is never sent again. The ban carries a new, higher version for
//! everyone who stays, and its marker replaces the owed one (`core::plan_for_ban`).

use brook_common::delegate_api::{ApiError, Response};
use brook_common::ids::MemberKey;
use brook_common::room::bans::Ban;
use brook_common::room::Signed;
use brook_common::rotation::{carry_out, encode_owner_delta, OwnerKeys, Plan, RotationView};
use brook_common::sign::member_key;

use super::core::plan_for_ban;
use super::follow::followed_contract;
use super::pipeline::{
    current_clock, forget_refused, load_signed, settle_from_local_state, settle_pending,
    store_pending,
};
use crate::effects::{Effect, Flow, MAX_CONTEXT_BYTES};
use crate::host::{Crashed, Host, Step};
use crate::identity::identity;
use crate::records::PendingRotation;

/// Room for the context's own framing beside the delta it carries.
const CONTEXT_OVERHEAD: usize = 1024;

/// `BanMember` from web app `origin`: the update to send, or the refusal.
pub fn ban_member(
    host: &mut dyn Host,
    origin: &[u8; 32],
    room: MemberKey,
    ban: Ban,
) -> Result<Vec<Effect>, Crashed> {
    let OwnerBan {
        contract,
        delta,
        rotated_to,
    } = match prepare_ban(host, origin, room, ban) {
        Ok(prepared) => prepared,
        Err(e) => return Ok(vec![Effect::Reply(Response::Error(e))]),
    };
    if let Some(version) = rotated_to {
        host.checkpoint(Step::Planned)?;
        let pending = PendingRotation {
            version,
            delta: delta.clone(),
            attempts: 0,
        };
        if !store_pending(host, &contract, origin, &pending) {
            return Ok(vec![Effect::Reply(Response::Error(ApiError::Storage))]);
        }
        host.checkpoint(Step::Marked)?;
    }
    let flow = Flow::Ban {
        origin: *origin,
        delta: delta.clone(),
        rotated_to,
    };
    Ok(vec![Effect::update(contract, delta, flow)])
}

/// The node answered the owner's ban delta: tell the web app.
pub fn ban_answered(
    host: &mut dyn Host,
    contract: &[u8; 32],
    origin: &[u8; 32],
    result: Result<(), String>,
    delta: Vec<u8>,
    rotated_to: Option<u32>,
) -> Result<Vec<Effect>, Crashed> {
    host.checkpoint(Step::Answered)?;
    let response = match result {
        Ok(()) => {
            settle_from_local_state(host, contract, origin);
            Response::Banned { delta, rotated_to }
        }
        Err(reason) => {
            // The node refused the delta, so nothing of it applies: the user is told and
            // no rotation of it stays owed.
            if rotated_to.is_some() {
                forget_refused(host, contract, origin, &delta);
            }
            Response::Error(ApiError::UpdateRejected(reason))
        }
    };
    Ok(vec![Effect::Reply(response)])
}

/// The owner's ban, ready to publish.
struct OwnerBan {
    contract: [u8; 32],
    /// The ban and, when one is owed, the rotation (or back-fill) as one room delta.
    delta: Vec<u8>,
    rotated_to: Option<u32>,
}

/// Check the ban is the owner's to issue, sign it and plan the rotation it makes owed.
fn prepare_ban(
    host: &mut dyn Host,
    origin: &[u8; 32],
    room: MemberKey,
    ban: Ban,
) -> Result<OwnerBan, ApiError> {
    let contract = followed_contract(host, origin, &room).ok_or(ApiError::NotSubscribed)?;
    let key = identity(host, origin, &room)?;
    if member_key(&key) != room {
        return Err(ApiError::NotOwner);
    }
    if ban.issuer != room {
        return Err(ApiError::BadBan(
            "the owner must be the ban's issuer".into(),
        ));
    }
    if ban.target == room {
        return Err(ApiError::BadBan("the owner cannot be banned".into()));
    }
    let state = host
        .contract_state(&contract)
        .ok_or(ApiError::RoomUnavailable)?;
    let view = RotationView::decode(&state).map_err(|e| ApiError::BadRoomState(e.to_string()))?;
    let target = ban.target;
    let ban = Signed::sign(&room, ban, &key).map_err(|e| ApiError::Internal(e.to_string()))?;
    let owed = settle_pending(host, &contract, origin, &view);
    let signed = load_signed(host, &contract, origin);
    let without = view.without_subtree(&target);
    let clock = current_clock(host, &contract, origin, &view);
    let decision =
        plan_for_ban(&without, owed.as_ref(), signed, &room, clock).map_err(ApiError::Rotation)?; // rule PIPE-6
    let plan = carry_out(&decision, &OwnerKeys { signing: key })
        .map_err(|e| ApiError::Rotation(e.to_string()))?;
    let (secrets, rotated_to) = match &plan {
        Plan::Nothing => (None, None),
        Plan::Backfill(d) => (Some(d), None),
        Plan::Rotate(d) => (Some(d), Some(d.batch.body.version)),
    };
    let delta = encode_owner_delta(Some(&ban), secrets);
    if delta.len().saturating_add(CONTEXT_OVERHEAD) > MAX_CONTEXT_BYTES {
        return Err(ApiError::Rotation(
            "the delta is too large for one request".into(),
        ));
    }
    Ok(OwnerBan {
        contract,
        delta,
        rotated_to,
    })
}
