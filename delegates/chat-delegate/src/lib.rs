//! Brook's chat delegate (DESIGN §6): runs inside the user's own node, keeps their
//! signing keys in the node's secret store, and signs for the UI.
//!
//! This file is the shell: it admits only web apps served by the node (origin policy),
//! decodes the request, hands it to [`handler::handle`] with the node's secret store and
//! random source, and encodes the one response. All logic is in `handler` and `store`,
//! tested natively.

pub mod handler;
pub mod store;

use brook_common::delegate_api::{ApiError, Request, Response};
use freenet_stdlib::prelude::*;

use crate::store::SecretStore;

pub struct ChatDelegate;

/// The node's secret store for this delegate.
struct HostStore<'a>(&'a mut DelegateCtx);

impl SecretStore for HostStore<'_> {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.get_secret(key)
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> bool {
        self.0.set_secret(key, value)
    }

    fn list(&self, prefix: &[u8]) -> Vec<Vec<u8>> {
        self.0.list_secrets(prefix)
    }
}

fn host_random_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    let bytes = freenet_stdlib::rand::rand_bytes(32);
    let n = bytes.len().min(32);
    seed[..n].copy_from_slice(&bytes[..n]);
    seed
}

/// Answer one application message (the origin policy is here: WebApp callers only).
pub fn answer(ctx: &mut DelegateCtx, origin: Option<MessageOrigin>, payload: &[u8]) -> Response {
    let Some(MessageOrigin::WebApp(app)) = origin else {
        return Response::Error(ApiError::NotAWebApp);
    };
    let mut origin_id = [0u8; 32];
    origin_id.copy_from_slice(app.as_bytes());
    match Request::decode(payload) {
        Ok(request) => handler::handle(
            &mut HostStore(ctx),
            &origin_id,
            request,
            &mut host_random_seed,
        ),
        Err(error) => Response::Error(error),
    }
}

#[cfg_attr(feature = "freenet-main-delegate", delegate)]
impl DelegateInterface for ChatDelegate {
    fn process(
        ctx: &mut DelegateCtx,
        _parameters: Parameters<'static>,
        origin: Option<MessageOrigin>,
        message: InboundDelegateMsg,
    ) -> Result<Vec<OutboundDelegateMsg>, DelegateError> {
        match message {
            InboundDelegateMsg::ApplicationMessage(message) => {
                let response = answer(ctx, origin, &message.payload);
                let reply = ApplicationMessage::new(response.encode()).processed(true);
                Ok(vec![OutboundDelegateMsg::ApplicationMessage(reply)])
            }
            _ => Ok(vec![]),
        }
    }
}
