//! Brook's client core: the one library the CLI, the UI and the tests share to act as a
//! user of a room (docs/design.md §9).
//!
//! Decisions live in plain code that does no I/O and builds for
//! `wasm32-unknown-unknown`: invite codes ([`invite`]), the room secrets an identity
//! holds ([`keyring`]) and sealing with them ([`content`]), the view model ([`view`]),
//! naming rooms and members ([`names`]), and every action ([`session`], generic over
//! the [`NodeLink`] seam). The transport is a thin layer: with the `native` feature,
//! [`node`] (the WebSocket client, the node supervisor, the carry-forward walk) and
//! [`native_link::NativeLink`]; the browser implements [`NodeLink`] over its socket.

pub mod artifacts;
pub mod content;
pub mod error;
pub mod fault;
pub mod hex;
pub mod invite;
pub mod keyring;
pub mod link;
pub mod names;
#[cfg(feature = "native")]
pub mod native_link;
/// The node client and supervisor; all but [`node::replies`] need the `native` feature.
pub mod node;
pub mod session;
pub mod view;

pub use error::{Error, Result};
pub use fault::Fault;
pub use invite::{parse_link, InviteCode, InviteError};
pub use link::{NodeLink, RoomChange};
pub use session::Session;
