//! What the delegate's logic asks the node to do, and the context that rides along a
//! contract request so its answer is understood.
//!
//! The logic returns [`Effect`]s; `lib.rs` turns them into `OutboundDelegateMsg`s. The
//! node hands a request's context back with its answer; it is a [`Flow`]: a kind byte
//! and its fields.

use brook_common::delegate_api::Response;
use brook_common::ids::MemberKey;

/// Largest context the node carries (`DelegateContext::MAX_SIZE` is 409,600 bytes).
pub const MAX_CONTEXT_BYTES: usize = 400 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Answer the web app that asked.
    Reply(Response),
    Subscribe {
        contract: [u8; 32],
        context: Vec<u8>,
    },
    Update {
        contract: [u8; 32],
        delta: Vec<u8>,
        context: Vec<u8>,
    },
}

impl Effect {
    pub fn subscribe(contract: [u8; 32], flow: Flow) -> Effect {
        Effect::Subscribe {
            contract,
            context: flow.encode(),
        }
    }

    pub fn update(contract: [u8; 32], delta: Vec<u8>, flow: Flow) -> Effect {
        Effect::Update {
            contract,
            delta,
            context: flow.encode(),
        }
    }
}

/// Why a contract request was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flow {
    /// A web app's `EnsureRoomSubscription`: answer it when the node confirms.
    Ensure { room: MemberKey, origin: [u8; 32] },
    /// Re-subscribing after the node started: nobody waits for the answer.
    Resubscribe,
    /// The rotation pipeline's update.
    Publish,
    /// The owner's `BanMember`: answer with the delta once the node applied it.
    Ban {
        origin: [u8; 32],
        delta: Vec<u8>,
        rotated_to: Option<u32>,
    },
    /// The owner's `RotateNow`: answer with the version once the node applied it.
    RotateNow {
        origin: [u8; 32],
        delta: Vec<u8>,
        version: u32,
    },
}

impl Flow {
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Flow::Ensure { room, origin } => [&[0u8][..], room.as_bytes(), origin].concat(),
            Flow::Resubscribe => vec![1],
            Flow::Publish => vec![2],
            Flow::Ban {
                origin,
                delta,
                rotated_to,
            } => owner_flow(3, *rotated_to, origin, delta),
            Flow::RotateNow {
                origin,
                delta,
                version,
            } => owner_flow(4, Some(*version), origin, delta),
        }
    }

    pub fn decode(context: &[u8]) -> Option<Flow> {
        let (kind, rest) = context.split_first()?;
        match (kind, rest.len()) {
            (0, 64) => {
                let (room, origin) = rest.split_first_chunk::<32>()?;
                Some(Flow::Ensure {
                    room: MemberKey(*room),
                    origin: origin.try_into().ok()?,
                })
            }
            (1, 0) => Some(Flow::Resubscribe),
            (2, 0) => Some(Flow::Publish),
            (3 | 4, 37..) => {
                let (has_version, rest) = rest.split_first()?;
                let (version, rest) = rest.split_first_chunk::<4>()?;
                let (origin, delta) = rest.split_first_chunk::<32>()?;
                let (origin, delta) = (*origin, delta.to_vec());
                let version = u32::from_be_bytes(*version);
                Some(match (kind, has_version) {
                    (3, _) => Flow::Ban {
                        origin,
                        rotated_to: (*has_version == 1).then_some(version),
                        delta,
                    },
                    (_, 1) => Flow::RotateNow {
                        origin,
                        delta,
                        version,
                    },
                    _ => return None,
                })
            }
            _ => None,
        }
    }
}

/// An owner's request (`kind` 3: ban, 4: rotate-now): whether it rotates and to which
/// version, the web app, the delta.
fn owner_flow(kind: u8, rotated_to: Option<u32>, origin: &[u8; 32], delta: &[u8]) -> Vec<u8> {
    let mut out = vec![kind, u8::from(rotated_to.is_some())];
    out.extend_from_slice(&rotated_to.unwrap_or(0).to_be_bytes());
    out.extend_from_slice(origin);
    out.extend_from_slice(delta);
    out
}
