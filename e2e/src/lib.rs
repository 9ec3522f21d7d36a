//! Harness for Brook's end-to-end tests: every test that needs the real Freenet node
//! starts one through [`Node`] (isolated, loopback-only, temp dirs, fresh ports) and
//! talks to it through [`Client`] (the node's native WebSocket API) or [`http_get`].
//! The node supervisor and client are the client core's ([`brook_client::node`]), the
//! very code `brook` runs; this crate adds the test artifacts, the stories' helpers
//! (rooms, permission prompts, a browser, conformance bundles) and [`Node`]-taking
//! shorthands.
//!
//! What it trusts: only the pinned `freenet` release ([`FREENET_VERSION`]); a missing
//! or different binary makes tests fail loudly rather than skip.

mod artifacts;
pub mod browser;
pub mod bundle;
pub mod fdev;
pub mod migration;
pub mod permission;
pub mod room;
mod web;

use std::path::PathBuf;

pub use artifacts::{fdev_binary, guest_wasm, room_contract_wasm, workspace_root, FDEV_VERSION};
pub use brook_client::node::{
    contract_key, delegate_key, http_get, http_get_with_headers, http_post, listening_addrs,
    BrookApp, Connection as Client, HttpResponse, Node, NodeError as Error, Notified, WebPage,
    DEFAULT_TIMEOUT, FREENET_VERSION, KEEP_DIRS_ENV,
};
pub use permission::{allow_background, allow_background_for, PromptTab};
pub use web::{
    fetch_page, node_authority, placeholder_ui_dir, publish_ui, publish_web_app,
    web_app_socket_url, web_container_wasm, web_url,
};

/// Result alias used throughout the harness.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The publisher code under test, re-exported so tests use the very same types.
pub use brook_cli;
/// The client core whose node client and supervisor this harness drives.
pub use brook_client;
/// The migration walk this harness drives, so tests use the very same types.
pub use freenet_migrate;
/// The stdlib this harness speaks, so tests use the very same types.
pub use freenet_stdlib;
pub use freenet_stdlib::prelude::{ContractKey, DelegateKey};

/// The `freenet` binary to run ([`brook_client::node::freenet_binary`], the same search
/// `brook dev run` makes).
///
/// # Panics
/// When none qualifies, with the command that installs the right one.
pub fn freenet_binary() -> PathBuf {
    brook_client::node::freenet_binary()
        .unwrap_or_else(|e| panic!("the end-to-end tests need the node: {e}"))
}
