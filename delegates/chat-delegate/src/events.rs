//! Everything that makes the delegate run, as one enum, and where each goes: a web
//! app's request, the node's answer to a contract request the delegate made, a
//! notification of a followed room, the node starting, a wake-up. Dispatch only: what
//! each event means is decided in `handler`, `migration` and `rotation`.

use brook_common::delegate_api::{ApiError, Request, Response};
use brook_common::ids::MemberKey;
use brook_common::sign::member_key;

use crate::effects::{Effect, Flow};
use crate::handler::handle;
use crate::host::{Crashed, Host};
use crate::identity::identity;
use crate::rotation::follow::{follow, followed_contracts, owning_follower};
use crate::rotation::{owner, pipeline};

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
        Request::BanMember { room, ban } => owner::request(host, origin, room, Some(ban)),
        Request::RotateNow { room } => owner::request(host, origin, room, None),
        Request::RoomStatus { room } => Ok(reply(pipeline::status(host, origin, &room))),
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
        Ok(contract) => vec![Effect::subscribe(
            contract,
            Flow::Ensure {
                room,
                origin: *origin,
            },
        )],
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
        (Some(Flow::Ensure { room, .. }), Ok(())) => reply(Response::Subscribed {
            room: *room,
            contract: *contract,
        }),
        (Some(Flow::Ensure { .. }), Err(reason)) => reply(Response::Error(
            ApiError::SubscriptionRefused(reason.clone()),
        )),
        _ => vec![],
    };
    // Catch up at once: a new room gets its first secret, a missed ban its rotation. Only
    // the owning origin's own subscription, or the node's restart, prompts a run: another
    // web app's subscription to the same room never chooses when the owner's pipeline
    // runs (rule ORG-1).
    let prompts_owner = match &flow {
        Some(Flow::Ensure { origin, .. }) => {
            owning_follower(host, contract).is_some_and(|(owner, _)| owner == *origin)
        }
        _ => true,
    };
    if result.is_ok() && prompts_owner {
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
    // The owner's own request: its answer, and the rotation it carries, if any.
    let (origin, rotation, applied) = match flow {
        Some(Flow::Ban {
            origin,
            delta,
            rotated_to,
        }) => {
            let applied = Response::Banned {
                delta: delta.clone(),
                rotated_to,
            };
            (origin, rotated_to.map(|_| delta), applied)
        }
        Some(Flow::RotateNow {
            origin,
            delta,
            version,
        }) => (origin, Some(delta), Response::Rotated { version }),
        Some(Flow::Publish) => return pipeline::on_published(host, contract, result),
        _ => return Ok(vec![]),
    };
    owner::answered(
        host,
        contract,
        &origin,
        result,
        rotation.as_deref(),
        applied,
    )
}
