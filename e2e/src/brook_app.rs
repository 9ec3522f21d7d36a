//! Brook's web app as the tests drive it: a WebSocket that carries a web container's
//! auth token (so the chat delegate sees `MessageOrigin::WebApp`), with the chat
//! delegate registered on it, speaking the delegate's CBOR protocol.

use brook_cli::keyfile::PublisherKey;
use brook_cli::publish::VersionChoice;
use brook_common::delegate_api::{RecordToSign, Request, Response};
use brook_common::ids::MemberKey;
use brook_common::sign::Sig;
use freenet_stdlib::prelude::{ContractInstanceId, DelegateKey};

use crate::{fetch_page, placeholder_ui_dir, publish_ui, Client, Error, Node, Result};

/// Publish a web container signed by `publisher` and return its id.
pub async fn publish_web_app(node: &Node, publisher: &PublisherKey) -> Result<ContractInstanceId> {
    let choice = VersionChoice::Next { floor: 1 };
    let published = publish_ui(node, publisher, &placeholder_ui_dir(), choice)
        .await
        .map_err(|e| Error::Unexpected {
            request: "publishing the web container".into(),
            detail: e.to_string(),
        })?;
    Ok(*published.key.id())
}

/// A WebSocket URL carrying a fresh auth token for web app `app` (the node mints one
/// per page load; a token does not survive a node restart).
pub async fn web_app_socket_url(node: &Node, app: &ContractInstanceId) -> Result<String> {
    let page = fetch_page(node, app).await?;
    let token = page.header_token().ok_or_else(|| Error::Unexpected {
        request: "the web app's page".into(),
        detail: "no auth token in the response".into(),
    })?;
    Ok(format!("{}&authToken={token}", node.ws_url()))
}

/// A connection with the chat delegate registered on it.
pub struct BrookApp {
    pub client: Client,
    pub delegate: DelegateKey,
}

impl BrookApp {
    /// Connect to `url` (a web app socket, or a plain one) and register `wasm`.
    pub async fn connect(url: &str, wasm: &[u8]) -> Result<BrookApp> {
        let mut client = Client::connect_url(url).await?;
        let delegate = client.register_delegate(wasm, vec![]).await?;
        Ok(BrookApp { client, delegate })
    }

    /// Send one request; the delegate answers exactly one response.
    pub async fn ask(&mut self, request: Request) -> Result<Response> {
        let payload = request.encode().map_err(|e| Error::Unexpected {
            request: format!("{request:?}"),
            detail: format!("the request does not encode: {e}"),
        })?;
        let answers = self.send_raw(payload).await?;
        let [answer] = answers.as_slice() else {
            return Err(Error::Unexpected {
                request: format!("{request:?}"),
                detail: format!("{} responses instead of one", answers.len()),
            });
        };
        Response::decode(answer).map_err(|e| Error::Unexpected {
            request: format!("{request:?}"),
            detail: format!("the response does not decode: {e}"),
        })
    }

    /// Send raw payload bytes; every application message the delegate answered.
    pub async fn send_raw(&mut self, payload: Vec<u8>) -> Result<Vec<Vec<u8>>> {
        self.client
            .send_delegate_message(&self.delegate, payload)
            .await
    }

    /// Have the delegate sign `record` as this user in `room`.
    pub async fn sign(&mut self, room: MemberKey, record: RecordToSign) -> Result<Sig> {
        match self.ask(Request::Sign { room, record }).await? {
            Response::Signature(sig) => Ok(sig),
            other => Err(Error::Unexpected {
                request: "Sign".into(),
                detail: format!("{other:?}"),
            }),
        }
    }
}
