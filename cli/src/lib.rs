//! The `brook` tool's library: everything the binary does, so tests (and the end-to-end
//! harness) drive the same code the user runs.
//!
//! - [`keyfile`]: the publisher key on disk;
//! - [`pack`]: the deterministic tar.xz of a UI directory;
//! - [`publish`]: signing a version and putting it on a node (over
//!   `brook_client::node::Connection`);
//! - [`chat`]: the chat commands (rooms, invites, messages, members, identities) over
//!   the client core, `brook_client::Session`;
//! - [`dev`]: `brook dev run`, a local node serving Brook until Ctrl-C (the node itself
//!   is `brook_client::node::Node`, the supervisor the tests use too).

pub mod chat;
pub mod dev;
mod error;
pub mod keyfile;
pub mod pack;
pub mod publish;

pub use error::{CliError, Result};
