//! A user's session with their own node: the chat delegate's protocol, typed, and every
//! room action built on it. Generic over [`NodeLink`], so the CLI, the tests and the
//! browser drive the same code.
//!
//! Each action builds its record, has the delegate sign it (the identity key never
//! leaves the delegate), sends the delta and reports the node's answer. Before anything
//! is signed, the action checks what the client can check (standing, authority, sizes),
//! so a refusal is explained and nothing half-done is left behind.

mod actions;
mod identity;
mod keys;
mod rooms;

pub use actions::{check_ban_authority, Banned, Invitation, Joined, Posted};
pub use identity::{ExportedIdentity, IDENTITY_PREFIX};
pub use rooms::{LoadedRoom, RoomSummary};

use brook_common::delegate_api::{ApiError, RecordToSign, Request, Response};
use brook_common::ids::MemberKey;
use brook_common::room::RoomState;
use brook_common::sign::Sig;

use crate::error::{Error, Result};
use crate::link::NodeLink;
use crate::view::ViewCache;

/// One user of one Brook app on one node.
pub struct Session<L: NodeLink> {
    link: L,
    /// What earlier views opened, per room.
    caches: std::collections::HashMap<MemberKey, ViewCache>,
}

impl<L: NodeLink> Session<L> {
    pub fn new(link: L) -> Session<L> {
        Session {
            link,
            caches: std::collections::HashMap::new(),
        }
    }

    pub fn link(&mut self) -> &mut L {
        &mut self.link
    }

    pub fn into_link(self) -> L {
        self.link
    }

    /// One request to the delegate; an error answer becomes [`Error::Delegate`].
    async fn ask(&mut self, what: &'static str, request: Request) -> Result<Response> {
        match self.link.ask(&request).await? {
            Response::Error(error) => Err(Error::Delegate {
                request: what,
                error,
            }),
            answer => Ok(answer),
        }
    }

    /// This identity's key in `room`, if the delegate holds one.
    pub async fn my_key(&mut self, room: &MemberKey) -> Result<Option<MemberKey>> {
        match self.link.ask(&Request::PublicKey { room: *room }).await? {
            Response::Identity { key, .. } => Ok(Some(key)),
            Response::Error(ApiError::NoIdentity) => Ok(None),
            Response::Error(error) => Err(Error::Delegate {
                request: "PublicKey",
                error,
            }),
            other => Err(Error::protocol("PublicKey", format!("{other:?}"))),
        }
    }

    /// Have the delegate sign `record` as this user in `room`.
    async fn sign(&mut self, room: &MemberKey, record: RecordToSign) -> Result<Sig> {
        match self
            .ask(
                "Sign",
                Request::Sign {
                    room: *room,
                    record,
                },
            )
            .await?
        {
            Response::Signature(sig) => Ok(sig),
            other => Err(Error::protocol("Sign", format!("{other:?}"))),
        }
    }

    /// The room's current state on this node.
    pub async fn state(&mut self, room: &MemberKey) -> Result<RoomState> {
        let bytes = self
            .link
            .get_room(room)
            .await?
            .ok_or_else(|| Error::no_room(room))?;
        brook_common::room::wire::decode_state(&bytes)
            .map_err(|e| Error::protocol("GET of the room", e))
    }

    /// Send `delta` to the room.
    async fn send(
        &mut self,
        room: &MemberKey,
        delta: &brook_common::room::RoomDelta,
    ) -> Result<()> {
        let bytes = brook_common::room::wire::encode_delta(delta)
            .map_err(|e| Error::protocol("encoding a delta", e))?;
        self.link.update_room(room, bytes).await
    }

    /// Ask the delegate to follow `room` (it rotates for rooms this user owns, with no
    /// client running); answered once the node confirmed the delegate's subscription.
    pub async fn ensure_followed(&mut self, room: &MemberKey) -> Result<()> {
        let request = Request::EnsureRoomSubscription {
            room: *room,
            room_contract: self.link.room_code_hash(),
        };
        match self.ask("EnsureRoomSubscription", request).await? {
            Response::Subscribed { .. } => Ok(()),
            other => Err(Error::protocol(
                "EnsureRoomSubscription",
                format!("{other:?}"),
            )),
        }
    }

    /// The delegate's view of a room it follows (a rotation owed, its last run).
    pub async fn delegate_status(
        &mut self,
        room: &MemberKey,
    ) -> Result<brook_common::delegate_api::RoomStatus> {
        match self
            .ask("RoomStatus", Request::RoomStatus { room: *room })
            .await?
        {
            Response::Status(status) => Ok(status),
            other => Err(Error::protocol("RoomStatus", format!("{other:?}"))),
        }
    }

    fn random<const N: usize>(&mut self) -> Result<zeroize::Zeroizing<[u8; N]>> {
        let mut out = zeroize::Zeroizing::new([0u8; N]);
        self.link.fill_random(out.as_mut_slice())?;
        Ok(out)
    }
}
