//! Everything that makes the delegate run, as one enum, and where each goes: a web
//! app's request, the node's answer to a contract request the delegate made, a
//! notification of a followed room, the node starting, a wake-up.

use brook_common::delegate_api::{ApiError, Request, Response, RoomStatus};
use brook_common::ids::MemberKey;
use brook_common::room::bans::Ban;
use brook_common::room::Signed;
use brook_common::rotation::{encode_owner_delta, plan_rotation, OwnerKeys, Plan, RotationView};
use brook_common::sign::member_key;

use crate::effects::{Effect, Flow, MAX_CONTEXT_BYTES};
use crate::handler::{handle, identity};
use crate::host::{Crashed, Host, Step};
use crate::pipeline::{self, settle_pending, store_pending, PendingRotation};
use crate::rooms::{follow, followed_contract, followed_contracts};
use crate::store::{room_key, RoomKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A message from an app; `origin` is the web app's contract id, `None` for any
    /// other caller.
    App {
        origin: Option<[u8; 32]>,
        payload: Vec<u8>,
    },
    Subscribed {
        contract: [u8; 32],
        result: Result<(), String>,
        context: Vec<u8>,
    },
    Updated {
        contract: [u8; 32],
        result: Result<(), String>,
        context: Vec<u8>,
    },
    /// A followed room's state changed (the notified bytes are not used: rule PIPE-1).
    Notified {
        contract: [u8; 32],
    },
    NodeStarted,
    Wakeup,
}

/// Handle one event. `Err` is a simulated crash (test hosts only).
pub fn handle_event(host: &mut dyn Host, event: Event) -> Result<Vec<Effect>, Crashed> {
    match event {
        Event::App { origin, payload } => {
            let Some(origin) = origin else {
                return Ok(reply(Response::Error(ApiError::NotAWebApp)));
            };
            match Request::decode(&payload) {
                Ok(request) => app_request(host, &origin, request),
                Err(error) => Ok(reply(Response::Error(error))),
            }
        }
        Event::Subscribed {
            contract,
            result,
            context,
        } => subscribed(host, &contract, result, Flow::decode(&context)),
        Event::Updated {
            contract,
            result,
            context,
        } => updated(host, &contract, result, Flow::decode(&context)),
        Event::Notified { contract } => pipeline::run(host, &contract),
        Event::NodeStarted => {
            // Re-ensure every subscription and catch up on what changed while down.
            let mut effects = vec![];
            for contract in followed_contracts(host) {
                effects.push(Effect::subscribe(contract, Flow::Resubscribe));
                effects.extend(pipeline::run(host, &contract)?);
            }
            Ok(effects)
        }
        Event::Wakeup => {
            let mut effects = vec![];
            for contract in followed_contracts(host) {
                effects.extend(pipeline::run(host, &contract)?);
            }
            Ok(effects)
        }
    }
}

fn reply(response: Response) -> Vec<Effect> {
    vec![Effect::Reply(response)]
}

fn app_request(
    host: &mut dyn Host,
    origin: &[u8; 32],
    request: Request,
) -> Result<Vec<Effect>, Crashed> {
    match request {
        Request::EnsureRoomSubscription {
            room,
            room_contract,
        } => Ok(ensure(host, origin, room, room_contract)),
        Request::BanMember { room, ban } => ban_member(host, origin, room, ban),
        Request::RoomStatus { room } => Ok(reply(status(host, origin, &room))),
        other => Ok(reply(handle(host, origin, other))),
    }
}

/// Follow the room and subscribe; the answer waits for the node's confirmation.
fn ensure(
    host: &mut dyn Host,
    origin: &[u8; 32],
    room: MemberKey,
    code_hash: [u8; 32],
) -> Vec<Effect> {
    let key = match identity(host, origin, &room) {
        Ok(key) => member_key(&key),
        Err(e) => return reply(Response::Error(e)),
    };
    match follow(host, origin, room, key, code_hash) {
        Ok(contract) => vec![Effect::subscribe(contract, Flow::Ensure { room })],
        Err(e) => reply(Response::Error(e)),
    }
}

fn subscribed(
    host: &mut dyn Host,
    contract: &[u8; 32],
    result: Result<(), String>,
    flow: Option<Flow>,
) -> Result<Vec<Effect>, Crashed> {
    let mut effects = match (&flow, &result) {
        (Some(Flow::Ensure { room }), Ok(())) => reply(Response::Subscribed {
            room: *room,
            contract: *contract,
        }),
        (Some(Flow::Ensure { .. }), Err(reason)) => reply(Response::Error(
            ApiError::SubscriptionRefused(reason.clone()),
        )),
        _ => vec![],
    };
    if result.is_ok() {
        // Catch up at once: a new room gets its first secret, a missed ban its rotation.
        effects.extend(pipeline::run(host, contract)?);
    }
    Ok(effects)
}

fn updated(
    host: &mut dyn Host,
    contract: &[u8; 32],
    result: Result<(), String>,
    flow: Option<Flow>,
) -> Result<Vec<Effect>, Crashed> {
    match flow {
        Some(Flow::Ban { delta, rotated_to }) => {
            host.checkpoint(Step::Answered)?;
            Ok(reply(match result {
                Ok(()) => {
                    settle_from_local_state(host, contract);
                    Response::Banned { delta, rotated_to }
                }
                Err(reason) => {
                    // The node refused the delta, so nothing of it applies: the user is
                    // told and no rotation of it stays owed. Only the marker of this very
                    // delta goes: an answer is forgeable, the signed bytes are not.
                    let ours =
                        pipeline::load_pending(host, contract).is_some_and(|p| p.delta == delta);
                    if rotated_to.is_some() && ours {
                        host.remove(&room_key(contract, RoomKind::Pending, None));
                    }
                    Response::Error(ApiError::UpdateRejected(reason))
                }
            }))
        }
        Some(Flow::Publish) => pipeline::on_published(host, contract, result),
        _ => Ok(vec![]),
    }
}

fn settle_from_local_state(host: &mut dyn Host, contract: &[u8; 32]) {
    if let Some(view) = host
        .contract_state(contract)
        .and_then(|s| RotationView::decode(&s).ok())
    {
        settle_pending(host, contract, &view);
    }
}

/// The owner's ban, with the rotation it makes owed, as one delta.
fn ban_member(
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
        Err(e) => return Ok(reply(Response::Error(e))),
    };
    if let Some(version) = rotated_to {
        host.checkpoint(Step::Planned)?;
        let pending = PendingRotation {
            version,
            delta: delta.clone(),
            attempts: 1,
        };
        if !store_pending(host, &contract, &pending) {
            return Ok(reply(Response::Error(ApiError::Storage)));
        }
        host.checkpoint(Step::Marked)?;
    }
    let flow = Flow::Ban {
        delta: delta.clone(),
        rotated_to,
    };
    Ok(vec![Effect::update(contract, delta, flow)])
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
    if ban.banned_by != room {
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
    let ban = Signed::sign(&room, ban, &key).map_err(|_| ApiError::Storage)?;
    let owed_earlier = settle_pending(host, &contract, &view).is_some();
    let keys = OwnerKeys { signing: key };
    let plan = if owed_earlier {
        // A rotation already owed has not landed: this delta bans only, and the owed
        // one (re-emitted by the next run) is followed by a fresh rotation, so no
        // version is ever signed twice.
        Plan::Nothing
    } else {
        plan_rotation(&view.without_subtree(&target), &keys, host.now_ms())
            .map_err(|e| ApiError::Rotation(e.to_string()))?
    };
    let (secrets, rotated_to) = match &plan {
        Plan::Nothing => (None, None),
        Plan::Backfill(d) => (Some(d), None),
        Plan::Rotate(d) => (Some(d), Some(d.batch.body.version)),
    };
    let delta = encode_owner_delta(Some(&ban), secrets);
    if delta.len() + 1024 > MAX_CONTEXT_BYTES {
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

fn status(host: &dyn Host, origin: &[u8; 32], room: &MemberKey) -> Response {
    let owner = match identity(host, origin, room) {
        Ok(key) => member_key(&key) == *room,
        Err(e) => return Response::Error(e),
    };
    let contract = followed_contract(host, origin, room);
    let (pending_version, last_run) = match &contract {
        Some(c) => (
            pipeline::load_pending(host, c).map(|p| p.version),
            pipeline::last_run(host, c),
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
