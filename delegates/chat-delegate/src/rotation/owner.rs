//! The owner's own requests that publish a rotation: `BanMember` (the ban and the
//! rotation it makes owed) and `RotateNow` (a rotation alone). Both take one path: check
//! the request is the owner's, plan over the room as this node holds it, sign with the
//! owner's key, store the marker (◆Planned, ◆Marked, rules PIPE-2, PIPE-4), send one
//! delta, and answer once the node applied it (◆Answered). A ban issued by anyone else
//! reaches the pipeline as an ordinary change of the room.
//!
//! Rule PIPE-6: the ban and its rotation are one delta, so the room never holds the ban
//! without the secret that excludes the banned member. With a rotation still owed, that
//! owed delta may wrap the secret for the member now banned; it is never sent again. The
//! ban carries a new, higher version for everyone who stays, and its marker replaces the
//! owed one (`core::plan_for_ban`).
//!
//! Rule PIPE-7: the owner's rotate-now publishes a new version of a private room's secret
//! for every current member, above every version signed and above an owed rotation,
//! which it supersedes like the ban (`core::plan_rotate_now`).

use brook_common::delegate_api::{ApiError, Response};
use brook_common::ids::MemberKey;
use brook_common::room::bans::Ban;
use brook_common::room::Signed;
use brook_common::rotation::{carry_out, encode_owner_delta, OwnerKeys, Plan, RotationView};
use brook_common::sign::member_key;

use super::core::{plan_for_ban, plan_rotate_now};
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

/// `BanMember { room, ban }` (with `ban`) or `RotateNow { room }` (without) from web app
/// `origin`: the update to send, or the refusal.
pub fn request(
    host: &mut dyn Host,
    origin: &[u8; 32],
    room: MemberKey,
    ban: Option<Ban>,
) -> Result<Vec<Effect>, Crashed> {
    let rotate_now = ban.is_none();
    let prepared = prepare(host, origin, room, ban);
    publish(host, origin, prepared, rotate_now)
}

/// Store the marker of the rotation `prepared` carries (rules PIPE-2, PIPE-4), then send
/// it; a refusal is answered at once.
fn publish(
    host: &mut dyn Host,
    origin: &[u8; 32],
    prepared: Result<OwnerDelta, ApiError>,
    rotate_now: bool,
) -> Result<Vec<Effect>, Crashed> {
    let OwnerDelta {
        contract,
        delta,
        rotated_to,
    } = match prepared {
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
    let (origin, context) = (*origin, delta.clone());
    let flow = match rotated_to {
        Some(version) if rotate_now => Flow::RotateNow {
            origin,
            delta: context,
            version,
        },
        _ => Flow::Ban {
            origin,
            delta: context,
            rotated_to,
        },
    };
    Ok(vec![Effect::update(contract, delta, flow)])
}

/// The node answered the owner's delta (`rotation`: the delta, if it carries a
/// rotation): tell the web app, with `applied` if the node applied it.
pub fn answered(
    host: &mut dyn Host,
    contract: &[u8; 32],
    origin: &[u8; 32],
    result: Result<(), String>,
    rotation: Option<&[u8]>,
    applied: Response,
) -> Result<Vec<Effect>, Crashed> {
    host.checkpoint(Step::Answered)?;
    let response = match result {
        Ok(()) => {
            settle_from_local_state(host, contract, origin);
            applied
        }
        Err(reason) => {
            // The node refused the delta, so nothing of it applies: the user is told and
            // no rotation of it stays owed.
            if let Some(delta) = rotation {
                forget_refused(host, contract, origin, delta);
            }
            Response::Error(ApiError::UpdateRejected(reason))
        }
    };
    Ok(vec![Effect::Reply(response)])
}

/// The owner's delta, ready to publish.
struct OwnerDelta {
    contract: [u8; 32],
    /// The ban and/or the rotation (or back-fill) as one room delta.
    delta: Vec<u8>,
    rotated_to: Option<u32>,
}

/// Check the request is the owner's to make, in a room `origin` follows; sign the ban,
/// if any, and plan the rotation: the one the ban makes owed (rule PIPE-6), or the
/// rotate-now (rule PIPE-7).
fn prepare(
    host: &mut dyn Host,
    origin: &[u8; 32],
    room: MemberKey,
    ban: Option<Ban>,
) -> Result<OwnerDelta, ApiError> {
    let contract = followed_contract(host, origin, &room).ok_or(ApiError::NotSubscribed)?;
    let key = identity(host, origin, &room)?;
    if member_key(&key) != room {
        return Err(ApiError::NotOwner);
    }
    let state = host
        .contract_state(&contract)
        .ok_or(ApiError::RoomUnavailable)?;
    let view = RotationView::decode(&state).map_err(|e| ApiError::BadRoomState(e.to_string()))?;
    // The rotation still owed (a landed marker is cleared here: rule PIPE-3), and the
    // highest version this origin signed (rule PIPE-4).
    let owed = settle_pending(host, &contract, origin, &view);
    let signed = load_signed(host, &contract, origin);
    let (ban, decision) = match ban {
        None => (None, plan_rotate_now(&view, owed.as_ref(), signed, &room)), // rule PIPE-7
        Some(ban) => {
            if ban.issuer != room {
                return Err(ApiError::BadBan(
                    "the owner must be the ban's issuer".into(),
                ));
            }
            if ban.target == room {
                return Err(ApiError::BadBan("the owner cannot be banned".into()));
            }
            let without = view.without_subtree(&ban.target);
            let clock = current_clock(host, &contract, origin, &view);
            let decision = plan_for_ban(&without, owed.as_ref(), signed, &room, clock); // rule PIPE-6
            let ban =
                Signed::sign(&room, ban, &key).map_err(|e| ApiError::Internal(e.to_string()))?;
            (Some(ban), decision)
        }
    };
    let decision = decision.map_err(ApiError::Rotation)?;
    // Rule ROT-5: the bytes depend on the room and the owner's key, never on a clock.
    let plan = carry_out(&decision, &OwnerKeys { signing: key })
        .map_err(|e| ApiError::Rotation(e.to_string()))?;
    let (secrets, rotated_to) = match &plan {
        Plan::Nothing => (None, None),
        Plan::Backfill(d) => (Some(d), None),
        Plan::Rotate(d) => (Some(d), Some(d.batch.body.version)),
    };
    let delta = encode_owner_delta(ban.as_ref(), secrets);
    if delta.len().saturating_add(CONTEXT_OVERHEAD) > MAX_CONTEXT_BYTES {
        return Err(ApiError::Rotation(
            "the delta is too large for one request".into(),
        ));
    }
    Ok(OwnerDelta {
        contract,
        delta,
        rotated_to,
    })
}
