//! Crash injection for real-node tests, compiled only with the `test-hooks` feature
//! (a separate WASM, `chat_delegate_test_hooks.wasm`, never shipped).
//!
//! A web app arms a crash with the payload `brook-test-hook/crash-at/<step>`; the next
//! run that reaches that step stops there with an error, as if the node died: its
//! secret writes stay, its outbound messages are lost. The hook disarms as it fires;
//! `brook-test-hook/armed` answers the step still armed, or `none`.

use freenet_stdlib::prelude::*;

use crate::host::{Crashed, Step};
use crate::store::SecretStore;

const ARM: &[u8] = b"brook-test-hook/crash-at/";
const QUERY: &[u8] = b"brook-test-hook/armed";
const ARMED_AT: &[u8] = b"t/crash-at";

/// Answer an arming message; `None` for every other message.
pub fn intercept(
    ctx: &mut DelegateCtx,
    origin: &Option<MessageOrigin>,
    message: &InboundDelegateMsg<'_>,
) -> Option<Vec<OutboundDelegateMsg>> {
    let InboundDelegateMsg::ApplicationMessage(message) = message else {
        return None;
    };
    let answer = if message.payload == QUERY {
        ctx.get_secret(ARMED_AT).unwrap_or_else(|| b"none".to_vec())
    } else {
        let step = message.payload.strip_prefix(ARM)?;
        let armed = matches!(origin, Some(MessageOrigin::WebApp(_)))
            && Step::from_name(step).is_some()
            && ctx.set_secret(ARMED_AT, step);
        let answer: &[u8] = if armed { b"armed" } else { b"refused" };
        answer.to_vec()
    };
    Some(vec![OutboundDelegateMsg::ApplicationMessage(
        ApplicationMessage::new(answer).processed(true),
    )])
}

/// Crash here if armed for `step`.
pub fn checkpoint(store: &mut dyn SecretStore, step: Step) -> Result<(), Crashed> {
    match store.get(ARMED_AT) {
        Some(armed) if armed == step.name().as_bytes() => {
            store.remove(ARMED_AT);
            Err(Crashed(step))
        }
        _ => Ok(()),
    }
}
