//! The `brook` tool's library: everything the binary does, so tests (and the end-to-end
//! harness) drive the same code the user runs.
//!
//! - [`keyfile`]: the publisher key on disk;
//! - [`pack`]: the deterministic tar.xz of a UI directory;
//! - [`publish`]: signing a version and putting it on a node ([`node_api`] talks to it);
//! - [`freenet`]: which node binary and which flags (shared with `e2e/`);
//! - [`dev`]: `brook dev run`, a local node serving Brook until Ctrl-C.

pub mod dev;
mod error;
pub mod freenet;
pub mod keyfile;
pub mod node_api;
pub mod pack;
pub mod process;
pub mod publish;

pub use error::{CliError, Result};
