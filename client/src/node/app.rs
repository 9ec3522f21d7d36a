//! Brook's web app as a native client speaks it: a [`Connection`] (usually on a socket
//! that carries a web container's auth token, [`super::web::app_socket_url`], so the
//! chat delegate sees `MessageOrigin::WebApp`) with the chat delegate registered on it,
//! speaking the delegate's CBOR protocol (`brook_common::delegate_api`).

use brook_common::delegate_api::{RecordToSign, Request, Response};
use brook_common::ids::MemberKey;
use brook_common::sign::Sig;
use freenet_stdlib::prelude::DelegateKey;

use super::connection::Connection;
use super::error::{NodeError as Error, Result};

/// A connection with the chat delegate registered on it.
pub struct BrookApp {
    pub connection: Connection,
    pub delegate: DelegateKey,
}

impl BrookApp {
    /// Connect to `url` (a web app socket, or a plain one) and register `wasm`.
    pub async fn connect(url: &str, wasm: &[u8]) -> Result<BrookApp> {
        let mut connection = Connection::connect_url(url).await?;
        let delegate = connection.register_delegate(wasm, vec![]).await?;
        Ok(BrookApp {
            connection,
            delegate,
        })
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
        self.connection
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
