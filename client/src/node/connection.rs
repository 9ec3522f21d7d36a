//! One client of the node's native WebSocket API (`freenet_stdlib` `WebApi`): contracts
//! (PUT, GET, UPDATE, SUBSCRIBE and notifications) and delegates (register, messages).
//!
//! The node does not answer strictly in request order: an `UpdateNotification` can
//! overtake the `UpdateResponse` it was caused by. So every helper waits for the
//! answer by *type and key*, and anything else that arrives meanwhile is buffered
//! and handed to whichever later wait it matches ([`super::replies`]). Requests are
//! sequential (`&mut self`), so an error reply from the node is attributed to the
//! request in flight.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use freenet_stdlib::client_api::{
    ClientRequest, ContractRequest, ContractResponse, DelegateRequest, HostResponse, WebApi,
};
use freenet_stdlib::prelude::{
    ApplicationMessage, ContractCode, ContractContainer, ContractKey, ContractWasmAPIVersion,
    Delegate, DelegateCode, DelegateContainer, DelegateKey, DelegateWasmAPIVersion,
    InboundDelegateMsg, OutboundDelegateMsg, Parameters, RelatedContracts, State, StateDelta,
    UpdateData, WrappedContract, WrappedState,
};
use futures::StreamExt;

use super::error::{NodeError as Error, Result};
use super::replies::{Pick, Replies};
use super::supervisor::Node;

/// Default deadline for every wait; a loopback node answers in well under a second.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Key of the contract `wasm` + `params`, computed locally exactly as the node does.
pub fn contract_key(wasm: &[u8], params: &[u8]) -> ContractKey {
    ContractKey::from_params_and_code(Parameters::from(params), ContractCode::from(wasm.to_vec()))
}

/// Key of the delegate `wasm` + `params`, computed locally exactly as the node does.
pub fn delegate_key(wasm: &[u8], params: &[u8]) -> DelegateKey {
    Delegate::from((&DelegateCode::from(wasm), &Parameters::from(params)))
        .key()
        .clone()
}

/// What a subscription delivered: the node sends either the whole new state or a delta.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notified {
    State(Vec<u8>),
    Delta(Vec<u8>),
    StateAndDelta { state: Vec<u8>, delta: Vec<u8> },
}

impl Notified {
    /// The full new state, when the notification carries one.
    pub fn state(&self) -> Option<&[u8]> {
        match self {
            Notified::State(s) | Notified::StateAndDelta { state: s, .. } => Some(s),
            Notified::Delta(_) => None,
        }
    }
}

/// One WebSocket connection to a node.
pub struct Connection {
    api: WebApi,
    /// Answers and notifications that arrived while waiting for something else.
    replies: Replies<HostResponse>,
    /// Parameters of delegates registered through this client; `ApplicationMessages`
    /// must repeat them.
    delegate_params: HashMap<DelegateKey, Vec<u8>>,
    timeout: Duration,
}

impl Connection {
    /// Connects to `node`'s native-encoding endpoint, with no auth token (origin `None`).
    pub async fn connect(node: &Node) -> Result<Connection> {
        Connection::connect_url(&node.ws_url()).await
    }

    /// Connects to any WebSocket URL, e.g. one carrying `&authToken=…`.
    pub async fn connect_url(url: &str) -> Result<Connection> {
        let connection =
            tokio::time::timeout(DEFAULT_TIMEOUT, tokio_tungstenite::connect_async(url))
                .await
                .map_err(|_| Error::Timeout {
                    waiting_for: format!("WebSocket handshake with {url}"),
                    after: DEFAULT_TIMEOUT,
                })?
                .map_err(|e| Error::Connection {
                    during: format!("connect to {url}"),
                    detail: e.to_string(),
                })?;
        Ok(Connection {
            api: WebApi::start(connection.0),
            replies: Replies::new(),
            delegate_params: HashMap::new(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// Changes the deadline of every later wait (default [`DEFAULT_TIMEOUT`]).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// PUTs a contract with its initial state, without subscribing.
    pub async fn put(
        &mut self,
        wasm: &[u8],
        params: Vec<u8>,
        state: Vec<u8>,
    ) -> Result<ContractKey> {
        let code = ContractCode::from(wasm.to_vec());
        let params = Parameters::from(params);
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
        let what = format!("PUT of contract {key}");
        self.send(request.into(), &what).await?;
        self.wait_for(&what, |r| match r {
            HostResponse::ContractResponse(ContractResponse::PutResponse { key: k })
                if k == key =>
            {
                Pick::Match(k)
            }
            other => Pick::Other(other),
        })
        .await
    }

    /// GETs a contract's state (without its code); `None` when the node reports NotFound.
    pub async fn get(&mut self, key: &ContractKey) -> Result<Option<Vec<u8>>> {
        let id = *key.id();
        let request = ContractRequest::Get {
            key: id,
            return_contract_code: false,
            subscribe: false,
            blocking_subscribe: false,
        };
        let what = format!("GET of contract {id}");
        self.send(request.into(), &what).await?;
        self.wait_for(&what, |r| match r {
            HostResponse::ContractResponse(ContractResponse::GetResponse {
                key, state, ..
            }) if *key.id() == id => Pick::Match(Some(state.to_vec())),
            HostResponse::ContractResponse(ContractResponse::NotFound { instance_id })
                if instance_id == id =>
            {
                Pick::Match(None)
            }
            other => Pick::Other(other),
        })
        .await
    }

    /// UPDATEs a contract with a delta; a rejection by the contract is `Err(NodeRefused)`.
    pub async fn update_delta(&mut self, key: &ContractKey, delta: Vec<u8>) -> Result<()> {
        self.update(key, UpdateData::Delta(StateDelta::from(delta)), "delta")
            .await
    }

    /// UPDATEs a contract with a full state; a rejection is `Err(NodeRefused)`.
    pub async fn update_state(&mut self, key: &ContractKey, state: Vec<u8>) -> Result<()> {
        self.update(key, UpdateData::State(State::from(state)), "state")
            .await
    }

    async fn update(
        &mut self,
        key: &ContractKey,
        data: UpdateData<'static>,
        kind: &str,
    ) -> Result<()> {
        let key = *key;
        let what = format!("UPDATE ({kind}) of contract {key}");
        self.send(ContractRequest::Update { key, data }.into(), &what)
            .await?;
        self.wait_for(&what, |r| match r {
            HostResponse::ContractResponse(ContractResponse::UpdateResponse { key: k, .. })
                if k == key =>
            {
                Pick::Match(())
            }
            other => Pick::Other(other),
        })
        .await
    }

    /// SUBSCRIBEs to a contract and checks the node confirmed it.
    pub async fn subscribe(&mut self, key: &ContractKey) -> Result<()> {
        let id = *key.id();
        let what = format!("SUBSCRIBE to contract {id}");
        let request = ContractRequest::Subscribe {
            key: id,
            summary: None,
        };
        self.send(request.into(), &what).await?;
        let subscribed = self
            .wait_for(&what, |r| match r {
                HostResponse::ContractResponse(ContractResponse::SubscribeResponse {
                    key,
                    subscribed,
                }) if *key.id() == id => Pick::Match(subscribed),
                other => Pick::Other(other),
            })
            .await?;
        if subscribed {
            Ok(())
        } else {
            Err(Error::Unexpected {
                request: what,
                detail: "the node answered subscribed: false".into(),
            })
        }
    }

    /// Next update notification for `key` (buffered ones first), within `timeout`.
    pub async fn next_notification(
        &mut self,
        key: &ContractKey,
        timeout: Duration,
    ) -> Result<Notified> {
        let key = *key;
        let what = format!("an update notification for contract {key}");
        let update = self
            .wait_within(&what, timeout, |r| match r {
                HostResponse::ContractResponse(ContractResponse::UpdateNotification {
                    key: k,
                    update,
                }) if k == key => Pick::Match(update),
                other => Pick::Other(other),
            })
            .await?;
        match update {
            UpdateData::State(s) => Ok(Notified::State(s.into_bytes())),
            UpdateData::Delta(d) => Ok(Notified::Delta(d.into_bytes())),
            UpdateData::StateAndDelta { state, delta } => Ok(Notified::StateAndDelta {
                state: state.into_bytes(),
                delta: delta.into_bytes(),
            }),
            other => Err(Error::Unexpected {
                request: what,
                detail: format!("a notification about a related contract: {other:?}"),
            }),
        }
    }

    /// Registers a delegate (cipher and nonce are ignored by the node, zeros are sent).
    pub async fn register_delegate(&mut self, wasm: &[u8], params: Vec<u8>) -> Result<DelegateKey> {
        let code = DelegateCode::from(wasm.to_vec());
        let delegate = Delegate::from((&code, &Parameters::from(params.clone())));
        let key = delegate.key().clone();
        let what = format!("registration of delegate {key}");
        let request = DelegateRequest::RegisterDelegate {
            delegate: DelegateContainer::Wasm(DelegateWasmAPIVersion::V1(delegate)),
            cipher: [0; 32],
            nonce: [0; 24],
        };
        self.send(request.into(), &what).await?;
        let registered = key.clone();
        self.wait_for(&what, |r| match r {
            HostResponse::DelegateResponse { key: k, .. } if k == registered => Pick::Match(()),
            other => Pick::Other(other),
        })
        .await?;
        self.delegate_params.insert(key.clone(), params);
        Ok(key)
    }

    /// Address a delegate this client did not register (another connection or an
    /// earlier session did, or nobody): later messages go to `key` with `params`, and a
    /// node that does not have it answers `DelegateError::Missing`. Migration walks use
    /// this for predecessors, which must never be registered by their successor.
    pub fn address_delegate(&mut self, key: DelegateKey, params: Vec<u8>) {
        self.delegate_params.insert(key, params);
    }

    /// Sends one application message to a delegate registered through this client and
    /// returns the payloads of the application messages it answered with.
    pub async fn send_delegate_message(
        &mut self,
        key: &DelegateKey,
        payload: Vec<u8>,
    ) -> Result<Vec<Vec<u8>>> {
        let inbound = vec![InboundDelegateMsg::ApplicationMessage(
            ApplicationMessage::new(payload),
        )];
        let outbound = self.delegate_messages(key, inbound).await?;
        Ok(outbound
            .into_iter()
            .filter_map(|m| match m {
                OutboundDelegateMsg::ApplicationMessage(m) => Some(m.payload),
                _ => None,
            })
            .collect())
    }

    /// Sends raw inbound messages to a delegate registered through this client and
    /// returns everything the node sent back for it.
    pub async fn delegate_messages(
        &mut self,
        key: &DelegateKey,
        inbound: Vec<InboundDelegateMsg<'static>>,
    ) -> Result<Vec<OutboundDelegateMsg>> {
        let params = self.delegate_params.get(key).cloned().ok_or_else(|| {
            Error::ApiMisuse(format!(
                "delegate {key} was not registered through this client; call register_delegate first"
            ))
        })?;
        let what = format!("application messages to delegate {key}");
        let request = DelegateRequest::ApplicationMessages {
            key: key.clone(),
            params: Parameters::from(params),
            inbound,
        };
        self.send(request.into(), &what).await?;
        self.wait_for(&what, |r| match r {
            HostResponse::DelegateResponse { key: k, values } if k == *key => Pick::Match(values),
            other => Pick::Other(other),
        })
        .await
    }

    async fn send(&mut self, request: ClientRequest<'static>, what: &str) -> Result<()> {
        self.api.send(request).await.map_err(|e| Error::Connection {
            during: format!("sending {what}"),
            detail: e.to_string(),
        })
    }

    async fn wait_for<T>(
        &mut self,
        what: &str,
        pick: impl FnMut(HostResponse) -> Pick<T, HostResponse>,
    ) -> Result<T> {
        self.wait_within(what, self.timeout, pick).await
    }

    /// Core of every helper: the first buffered or incoming response `pick` accepts;
    /// rejected ones are buffered in arrival order ([`Replies::wait`]).
    async fn wait_within<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        pick: impl FnMut(HostResponse) -> Pick<T, HostResponse>,
    ) -> Result<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        let api = &mut self.api;
        self.replies
            .wait(pick, async || match next_reply(api, deadline).await {
                NextReply::Response(response) => Ok(*response),
                NextReply::Refused(error) => Err(Error::NodeRefused {
                    request: what.to_owned(),
                    error,
                }),
                NextReply::Closed => Err(Error::Connection {
                    during: format!("waiting for {what}"),
                    detail: "the node closed the connection".into(),
                }),
                NextReply::TimedOut => Err(Error::Timeout {
                    waiting_for: what.to_owned(),
                    after: timeout,
                }),
            })
            .await
    }
}

/// How waiting for the node's next message on a `WebApi` ended.
enum NextReply {
    /// Boxed: a response is far larger than the other outcomes.
    Response(Box<HostResponse>),
    /// The node answered with an error (attributed to the request in flight).
    Refused(freenet_stdlib::client_api::ClientError),
    Closed,
    TimedOut,
}

/// The node's next message on `api`, waiting until `deadline`. Reads the `Stream` side
/// of `WebApi`, which keeps partial streamed responses inside it, so timing out is
/// safe.
async fn next_reply(api: &mut WebApi, deadline: tokio::time::Instant) -> NextReply {
    match tokio::time::timeout_at(deadline, api.next()).await {
        Err(_) => NextReply::TimedOut,
        Ok(None) => NextReply::Closed,
        Ok(Some(Err(error))) => NextReply::Refused(error),
        Ok(Some(Ok(response))) => NextReply::Response(Box::new(response)),
    }
}
