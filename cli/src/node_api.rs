//! The few node requests publishing needs (GET, PUT, UPDATE of a contract) over the
//! node's native WebSocket API, freenet-stdlib's `WebApi`.
//!
//! Requests are sequential. Replies are not strictly ordered with notifications
//! (docs/runtime.md), so each wait takes the first response of the right type and key
//! and drops anything else: this client never subscribes, so nothing else is for it.
//! An error reply is attributed to the request in flight.

use std::sync::Arc;
use std::time::Duration;

use freenet_stdlib::client_api::{
    ClientError, ClientRequest, ContractRequest, ContractResponse, HostResponse, WebApi,
};
use freenet_stdlib::prelude::{
    ContractCode, ContractContainer, ContractInstanceId, ContractKey, ContractWasmAPIVersion,
    Parameters, RelatedContracts, StateDelta, UpdateData, WrappedContract, WrappedState,
};
use futures::StreamExt;

use crate::error::{CliError, Result};

/// Deadline of every wait; a loopback node answers in well under a second, but the
/// first PUT of a contract compiles its WASM.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Path of the client API on the node's HTTP port.
const COMMAND_PATH: &str = "/v1/contract/command";

/// `host:port` of a node given as `ws://host:port[/…]`, `http://host:port[/…]` or
/// `host:port`.
pub fn node_authority(node: &str) -> Result<&str> {
    let rest = ["ws://", "http://"]
        .iter()
        .find_map(|scheme| node.strip_prefix(scheme))
        .unwrap_or(node);
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() || !authority.contains(':') {
        return Err(CliError::Usage(format!(
            "--node {node:?}: expected ws://127.0.0.1:PORT"
        )));
    }
    Ok(authority)
}

/// The native-encoding WebSocket endpoint of the node at `authority` (`host:port`).
pub fn command_url(authority: &str) -> String {
    format!("ws://{authority}{COMMAND_PATH}?encodingProtocol=native")
}

/// Where the node's gateway serves the web container `id`.
pub fn web_url(authority: &str, id: &ContractInstanceId) -> String {
    format!("http://{authority}/v1/contract/web/{id}/")
}

/// What the contract itself said when it refused an update, found in the node's error
/// text. freenet 0.2.154 answers a client UPDATE that the contract refused with
/// `InvalidUpdateWithInfo { reason }` by an operation error whose text ends in
/// stdlib's `invalid contract update, reason: <reason>`; `None` when the refusal has
/// another cause (malformed bytes, the node itself).
pub fn contract_reason(detail: &str) -> Option<&str> {
    const MARKER: &str = "invalid contract update, reason: ";
    detail
        .find(MARKER)
        .map(|at| detail[at + MARKER.len()..].trim())
}

/// One WebSocket connection to a node.
pub struct NodeApi {
    api: WebApi,
}

impl NodeApi {
    /// Connects to `url` (see [`command_url`]).
    pub async fn connect(url: &str) -> Result<NodeApi> {
        let (stream, _) =
            tokio::time::timeout(REQUEST_TIMEOUT, tokio_tungstenite::connect_async(url))
                .await
                .map_err(|_| CliError::Timeout {
                    waiting_for: format!("the WebSocket handshake with {url}"),
                    after: REQUEST_TIMEOUT,
                })?
                .map_err(|e| CliError::Connection {
                    during: format!("connect to {url}"),
                    detail: e.to_string(),
                })?;
        Ok(NodeApi {
            api: WebApi::start(stream),
        })
    }

    /// The state of contract `id`, `None` when the node does not have it.
    pub async fn get(&mut self, id: ContractInstanceId) -> Result<Option<Vec<u8>>> {
        let request = ContractRequest::Get {
            key: id,
            return_contract_code: false,
            subscribe: false,
            blocking_subscribe: false,
        };
        self.request(request, &format!("GET of contract {id}"), |r| match r {
            HostResponse::ContractResponse(ContractResponse::GetResponse {
                key, state, ..
            }) if *key.id() == id => Some(Some(state.to_vec())),
            HostResponse::ContractResponse(ContractResponse::NotFound { instance_id })
                if instance_id == id =>
            {
                Some(None)
            }
            _ => None,
        })
        .await
    }

    /// Stores contract `wasm` + `params` with its first `state`.
    pub async fn put(&mut self, wasm: &[u8], params: &[u8], state: Vec<u8>) -> Result<ContractKey> {
        let code = ContractCode::from(wasm.to_vec());
        let params = Parameters::from(params.to_vec());
        let key = ContractKey::from_params_and_code(&params, &code);
        let contract = ContractContainer::Wasm(ContractWasmAPIVersion::V1(WrappedContract::new(
            Arc::new(code),
            params,
        )));
        let request = ContractRequest::Put {
            contract,
            state: WrappedState::new(state),
            related_contracts: RelatedContracts::new(),
            subscribe: false,
            blocking_subscribe: false,
        };
        self.request(request, &format!("PUT of contract {key}"), |r| match r {
            HostResponse::ContractResponse(ContractResponse::PutResponse { key: k })
                if k == key =>
            {
                Some(k)
            }
            _ => None,
        })
        .await
    }

    /// Sends contract `key` the delta `delta`; the contract decides what it does (for the
    /// web container, a publication replaces the state or is refused, rule WEB-3).
    pub async fn update_delta(&mut self, key: &ContractKey, delta: Vec<u8>) -> Result<()> {
        let key = *key;
        let request = ContractRequest::Update {
            key,
            data: UpdateData::Delta(StateDelta::from(delta)),
        };
        self.request(request, &format!("UPDATE of contract {key}"), |r| match r {
            HostResponse::ContractResponse(ContractResponse::UpdateResponse { key: k, .. })
                if k == key =>
            {
                Some(())
            }
            _ => None,
        })
        .await
    }

    async fn request<T>(
        &mut self,
        request: ContractRequest<'static>,
        what: &str,
        mut pick: impl FnMut(HostResponse) -> Option<T>,
    ) -> Result<T> {
        self.api
            .send(ClientRequest::from(request))
            .await
            .map_err(|e| CliError::Connection {
                during: format!("sending the {what}"),
                detail: e.to_string(),
            })?;
        let deadline = tokio::time::Instant::now() + REQUEST_TIMEOUT;
        loop {
            match next_reply(&mut self.api, deadline).await {
                NextReply::Response(response) => {
                    if let Some(value) = pick(*response) {
                        return Ok(value);
                    }
                }
                NextReply::Refused(error) => {
                    return Err(CliError::NodeRefused {
                        request: what.to_owned(),
                        detail: error.to_string(),
                    })
                }
                NextReply::Closed => {
                    return Err(CliError::Connection {
                        during: format!("waiting for the answer to the {what}"),
                        detail: "the node closed the connection".into(),
                    })
                }
                NextReply::TimedOut => {
                    return Err(CliError::Timeout {
                        waiting_for: format!("the answer to the {what}"),
                        after: REQUEST_TIMEOUT,
                    })
                }
            }
        }
    }
}

/// How waiting for the node's next message on a `WebApi` ended.
#[derive(Debug)]
pub enum NextReply {
    /// Boxed: a response is far larger than the other outcomes.
    Response(Box<HostResponse>),
    /// The node answered with an error (attributed to the request in flight).
    Refused(ClientError),
    Closed,
    TimedOut,
}

/// The node's next message on `api`, waiting until `deadline`. Reads the `Stream` side
/// of `WebApi`, which keeps partial streamed responses inside it, so timing out is
/// safe. Both of Brook's node clients (this one and the test harness's) wait here.
pub async fn next_reply(api: &mut WebApi, deadline: tokio::time::Instant) -> NextReply {
    match tokio::time::timeout_at(deadline, api.next()).await {
        Err(_) => NextReply::TimedOut,
        Ok(None) => NextReply::Closed,
        Ok(Some(Err(error))) => NextReply::Refused(error),
        Ok(Some(Ok(response))) => NextReply::Response(Box::new(response)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_flag_forms() {
        for form in [
            "ws://127.0.0.1:7509",
            "ws://127.0.0.1:7509/v1/contract/command?encodingProtocol=native",
            "http://127.0.0.1:7509/",
            "127.0.0.1:7509",
        ] {
            assert_eq!(node_authority(form).expect(form), "127.0.0.1:7509");
        }
        assert!(node_authority("ws://").is_err());
        assert!(node_authority("localhost").is_err());
        assert_eq!(
            command_url("127.0.0.1:1"),
            "ws://127.0.0.1:1/v1/contract/command?encodingProtocol=native"
        );
    }

    #[test]
    fn contract_reason_is_the_text_after_the_marker() {
        // As freenet 0.2.154 words it (e2e/tests/web_publish.rs sees the real one).
        let detail = "client error: error while executing operation in the network: \
                      UPDATE failed: update error for contract X, reason: execution error: \
                      invalid contract update, reason: publication of version 2 refused (rule WEB-3)";
        assert_eq!(
            contract_reason(detail),
            Some("publication of version 2 refused (rule WEB-3)")
        );
        assert_eq!(
            contract_reason("UPDATE failed: de/serialization error: x"),
            None
        );
    }
}
