//! The edge: the node's `DelegateCtx` as a [`Host`], inbound messages as
//! [`Event`]s, [`Effect`]s as outbound messages, and the `#[delegate]` entry point. No
//! decision is made here; everything it calls is tested natively against `sim`.

use freenet_stdlib::prelude::*;

use brook_common::delegate_api::{ApiError, Response};

use crate::effects::Effect;
use crate::events::{handle_event, Event};
use crate::host::{Crashed, Host};
use crate::store::SecretStore;
#[cfg(feature = "test-hooks")]
use crate::{host::Step, test_hooks};

pub struct ChatDelegate;

/// The node, as the delegate's logic sees it.
struct NodeHost<'a>(&'a mut DelegateCtx);

impl SecretStore for NodeHost<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.get_secret(key)
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> bool {
        self.0.set_secret(key, value)
    }

    fn remove(&mut self, key: &[u8]) -> bool {
        self.0.remove_secret(key)
    }

    fn list(&self, prefix: &[u8]) -> Vec<Vec<u8>> {
        self.0.list_secrets(prefix)
    }
}

impl Host for NodeHost<'_> {
    fn random_seed(&mut self) -> [u8; 32] {
        let mut seed = [0u8; 32];
        let bytes = freenet_stdlib::rand::rand_bytes(32);
        for (to, from) in seed.iter_mut().zip(bytes.iter()) {
            *to = *from;
        }
        seed
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(freenet_stdlib::time::now().timestamp_millis()).unwrap_or(0)
    }

    fn contract_state(&self, contract: &[u8; 32]) -> Option<Vec<u8>> {
        self.0.get_contract_state(contract)
    }

    #[cfg(feature = "test-hooks")]
    fn checkpoint(&mut self, step: Step) -> Result<(), Crashed> {
        test_hooks::checkpoint(self, step)
    }
}

fn origin_id(origin: Option<MessageOrigin>) -> Option<[u8; 32]> {
    match origin {
        Some(MessageOrigin::WebApp(app)) => app.as_bytes().try_into().ok(),
        _ => None,
    }
}

fn instance_bytes(id: &ContractInstanceId) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    for (to, from) in bytes.iter_mut().zip(id.as_bytes()) {
        *to = *from;
    }
    bytes
}

/// The event an inbound message is, if the delegate acts on it.
fn event_of(origin: Option<MessageOrigin>, message: InboundDelegateMsg<'_>) -> Option<Event> {
    Some(match message {
        InboundDelegateMsg::ApplicationMessage(message) => Event::App {
            origin: origin_id(origin),
            payload: message.payload,
        },
        InboundDelegateMsg::SubscribeContractResponse(r) => Event::Subscribed {
            contract: instance_bytes(&r.contract_id),
            result: r.result,
            context: r.context.as_ref().to_vec(),
        },
        InboundDelegateMsg::UpdateContractResponse(r) => Event::Updated {
            contract: instance_bytes(&r.contract_id),
            result: r.result,
            context: r.context.as_ref().to_vec(),
        },
        InboundDelegateMsg::ContractNotification(n) => Event::Notified {
            contract: instance_bytes(&n.contract_id),
        },
        InboundDelegateMsg::Lifecycle(LifecycleEvent::NodeStarted { .. }) => Event::NodeStarted,
        InboundDelegateMsg::WakeupFired { .. } => Event::Wakeup,
        _ => return None,
    })
}

/// A reply's bytes. A response that would not encode is the delegate's own fault: the
/// app is told so in a response that does.
fn reply_bytes(response: &Response) -> Result<Vec<u8>, DelegateError> {
    response.encode().or_else(|e| {
        Response::Error(ApiError::Internal(format!(
            "a response did not encode: {e}"
        )))
        .encode()
        .map_err(|e| DelegateError::Other(format!("a response did not encode: {e}")))
    })
}

fn outbound(effect: Effect) -> Result<OutboundDelegateMsg, DelegateError> {
    Ok(match effect {
        Effect::Reply(response) => OutboundDelegateMsg::ApplicationMessage(
            ApplicationMessage::new(reply_bytes(&response)?).processed(true),
        ),
        Effect::Subscribe { contract, context } => {
            let mut request = SubscribeContractRequest::new(ContractInstanceId::new(contract));
            request.context = DelegateContext::new(context);
            OutboundDelegateMsg::SubscribeContractRequest(request)
        }
        Effect::Update {
            contract,
            delta,
            context,
        } => {
            let update = UpdateData::Delta(StateDelta::from(delta));
            let mut request = UpdateContractRequest::new(ContractInstanceId::new(contract), update);
            request.context = DelegateContext::new(context);
            OutboundDelegateMsg::UpdateContractRequest(request)
        }
    })
}

#[cfg_attr(
    feature = "freenet-main-delegate",
    delegate(manifest(
        lifecycle = [NodeStarted],
        capabilities = [Background],
        // Hourly: each room's own rotation period (7 days by default) is honoured to
        // the hour, and a check of an unchanged room costs under a millisecond.
        wakeups = [rotation_check = 3600]
    ))
)]
impl DelegateInterface for ChatDelegate {
    fn process(
        ctx: &mut DelegateCtx,
        _parameters: Parameters<'static>,
        origin: Option<MessageOrigin>,
        message: InboundDelegateMsg,
    ) -> Result<Vec<OutboundDelegateMsg>, DelegateError> {
        #[cfg(feature = "test-hooks")]
        if let Some(reply) = test_hooks::intercept(ctx, &origin, &message) {
            return Ok(reply);
        }
        let Some(event) = event_of(origin, message) else {
            return Ok(vec![]);
        };
        match handle_event(&mut NodeHost(ctx), event) {
            Ok(effects) => effects.into_iter().map(outbound).collect(),
            // Only test builds crash on purpose: the run's outbound messages are lost,
            // its secret writes stay, exactly as if the node died here.
            Err(Crashed(step)) => Err(DelegateError::Other(format!(
                "test hook: crashed at step {}",
                step.name()
            ))),
        }
    }
}
