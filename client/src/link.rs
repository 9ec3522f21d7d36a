//! What the client core needs from a node: the one seam between its decisions (plain,
//! natively tested code) and a transport. The native transport is
//! `brook_client::node::NativeLink` (feature `native`); the browser's implements the same
//! trait over its WebSocket.

use std::time::Duration;

use brook_common::delegate_api::{Request, Response};
use brook_common::ids::MemberKey;

use crate::error::Result;

/// A change of a followed room, as the node delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomChange {
    /// The room's whole new state.
    State(Vec<u8>),
    /// Records added to the room (apply to the state held).
    Delta(Vec<u8>),
}

/// A connection to the user's own node, as the Brook web app, with the chat delegate
/// registered. Rooms are named by their owner's key; the link knows the room contract's
/// code and derives each room's contract key.
#[allow(
    async_fn_in_trait,
    reason = "used generically, never as a trait object; the browser's futures are not Send"
)]
pub trait NodeLink {
    /// One request to the chat delegate and its one response.
    async fn ask(&mut self, request: &Request) -> Result<Response>;
    /// The room's state bytes, `None` when the node holds no such room.
    async fn get_room(&mut self, room: &MemberKey) -> Result<Option<Vec<u8>>>;
    /// Publish a new room's first state.
    async fn put_room(&mut self, room: &MemberKey, state: Vec<u8>) -> Result<()>;
    /// Send a delta; `Err(Error::UpdateRefused)` when the room contract refuses it.
    async fn update_room(&mut self, room: &MemberKey, delta: Vec<u8>) -> Result<()>;
    /// Be told of the room's changes ([`NodeLink::next_change`]).
    async fn subscribe_room(&mut self, room: &MemberKey) -> Result<()>;
    /// The next change of a subscribed room within `wait`; `Ok(None)` if none came.
    async fn next_change(&mut self, room: &MemberKey, wait: Duration)
        -> Result<Option<RoomChange>>;
    /// blake3 of the room contract's code: the delegate derives room contract ids from it.
    fn room_code_hash(&self) -> [u8; 32];
    /// The web container id this link speaks as (the Brook app), if known.
    fn app_id(&self) -> Option<[u8; 32]>;
    /// Fill `out` from the platform's CSPRNG (invitation keys, nonces).
    fn fill_random(&mut self, out: &mut [u8]) -> Result<()>;
    /// The local clock, ms since the epoch (a message's `sent_at`).
    fn now_ms(&self) -> u64;
}
