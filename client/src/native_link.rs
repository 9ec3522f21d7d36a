//! The native [`NodeLink`]: a WebSocket to the user's own node as the Brook web app (the
//! socket carries the app page's auth token, so the chat delegate sees the app's
//! origin), with the committed chat delegate registered on it.

use std::time::Duration;

use brook_common::delegate_api::{Request, Response};
use brook_common::ids::MemberKey;
use brook_common::room::RoomParams;
use freenet_stdlib::prelude::{ContractInstanceId, ContractKey};
use rand::RngCore;

use crate::error::{Error, Result};
use crate::link::{NodeLink, RoomChange};
use crate::node::{app_socket_url, command_url, contract_key, BrookApp, NodeError, Notified};

impl From<NodeError> for Error {
    fn from(e: NodeError) -> Error {
        if let Some(reason) = e.contract_reason() {
            return Error::UpdateRefused { reason };
        }
        let fault = e.fault();
        let mut detail = e.to_string();
        if fault == crate::Fault::Network {
            detail.push_str(
                "\n(is your node running? start it with `cargo make run`, or point --node at it)",
            );
        }
        Error::Link { fault, detail }
    }
}

/// A connection to a node as one Brook web app.
pub struct NativeLink {
    app: BrookApp,
    app_id: ContractInstanceId,
    authority: String,
    room_wasm: Vec<u8>,
    room_code_hash: [u8; 32],
}

impl NativeLink {
    /// Connect to the node at `authority` (`host:port`) as web app `app_id`, and
    /// register `delegate_wasm`; rooms run `room_wasm`.
    pub async fn connect(
        authority: &str,
        app_id: ContractInstanceId,
        delegate_wasm: &[u8],
        room_wasm: &[u8],
    ) -> Result<NativeLink> {
        let http_base = format!("http://{authority}");
        let url = app_socket_url(&command_url(authority), &http_base, &app_id)
            .await
            .map_err(|e| match e {
                NodeError::Http { ref detail, .. } if detail.starts_with("status 404") => {
                    Error::NotFound(format!(
                        "the node at {authority} does not serve a Brook app {app_id} \
                         (pass --app with the id your node serves Brook at)"
                    ))
                }
                other => Error::from(other),
            })?;
        let app = BrookApp::connect(&url, delegate_wasm).await?;
        Ok(NativeLink {
            app,
            app_id,
            authority: authority.to_owned(),
            room_wasm: room_wasm.to_vec(),
            room_code_hash: *blake3::hash(room_wasm).as_bytes(),
        })
    }

    /// [`NativeLink::connect`] with the committed delegate and room contract.
    pub async fn connect_committed(authority: &str, app_id: ContractInstanceId) -> Result<Self> {
        NativeLink::connect(
            authority,
            app_id,
            crate::artifacts::CHAT_DELEGATE_WASM,
            crate::artifacts::ROOM_CONTRACT_WASM,
        )
        .await
    }

    fn room_key(&self, room: &MemberKey) -> ContractKey {
        contract_key(&self.room_wasm, &RoomParams { owner: *room }.to_bytes())
    }

    /// The node's HTTP base, `http://host:port`.
    pub fn http_base(&self) -> String {
        format!("http://{}", self.authority)
    }

    /// The app's id as the node prints it.
    pub fn app_id_text(&self) -> String {
        self.app_id.to_string()
    }

    /// The underlying connection, for what the client core does not cover.
    pub fn app(&mut self) -> &mut BrookApp {
        &mut self.app
    }
}

impl NodeLink for NativeLink {
    async fn ask(&mut self, request: &Request) -> Result<Response> {
        Ok(self.app.ask(request.clone()).await?)
    }

    async fn get_room(&mut self, room: &MemberKey) -> Result<Option<Vec<u8>>> {
        let key = self.room_key(room);
        Ok(self.app.connection.get(&key).await?)
    }

    async fn put_room(&mut self, room: &MemberKey, state: Vec<u8>) -> Result<()> {
        let params = RoomParams { owner: *room }.to_bytes();
        let wasm = self.room_wasm.clone();
        self.app.connection.put(&wasm, params, state).await?;
        Ok(())
    }

    async fn update_room(&mut self, room: &MemberKey, delta: Vec<u8>) -> Result<()> {
        let key = self.room_key(room);
        Ok(self.app.connection.update_delta(&key, delta).await?)
    }

    async fn subscribe_room(&mut self, room: &MemberKey) -> Result<()> {
        let key = self.room_key(room);
        Ok(self.app.connection.subscribe(&key).await?)
    }

    async fn next_change(
        &mut self,
        room: &MemberKey,
        wait: Duration,
    ) -> Result<Option<RoomChange>> {
        let key = self.room_key(room);
        match self.app.connection.next_notification(&key, wait).await {
            Ok(Notified::State(s)) | Ok(Notified::StateAndDelta { state: s, .. }) => {
                Ok(Some(RoomChange::State(s)))
            }
            Ok(Notified::Delta(d)) => Ok(Some(RoomChange::Delta(d))),
            Err(NodeError::Timeout { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn room_code_hash(&self) -> [u8; 32] {
        self.room_code_hash
    }

    fn app_id(&self) -> Option<[u8; 32]> {
        Some(*self.app_id.as_bytes().first_chunk::<32>()?)
    }

    fn fill_random(&mut self, out: &mut [u8]) -> Result<()> {
        rand::rngs::OsRng
            .try_fill_bytes(out)
            .map_err(|e| Error::Link {
                fault: crate::Fault::Local,
                detail: format!("the system's random number generator failed: {e}"),
            })
    }

    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}
