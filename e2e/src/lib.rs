//! Harness for Brook's end-to-end tests: every test that needs the real Freenet node
//! starts one through [`Node`] (isolated, loopback-only, temp dirs, fresh ports) and
//! talks to it through [`Client`] (the node's native WebSocket API) or [`http_get`].
//!
//! What it trusts: only the pinned `freenet` release ([`FREENET_VERSION`]); a missing
//! or different binary makes tests fail loudly rather than skip.

mod artifacts;
mod brook_app;
pub mod browser;
pub mod bundle;
mod client;
mod error;
pub mod fdev;
mod http;
pub mod migration;
mod node;
pub mod permission;
pub mod room;
mod sockets;
mod web;

pub use artifacts::{fdev_binary, guest_wasm, room_contract_wasm, workspace_root, FDEV_VERSION};
pub use brook_app::{publish_web_app, web_app_socket_url, BrookApp};
pub use client::{contract_key, delegate_key, Client, Notified, DEFAULT_TIMEOUT};
pub use error::{Error, Result};
pub use http::{http_get, http_get_with_headers, http_post, HttpResponse};
pub use node::{freenet_binary, Node, FREENET_VERSION, KEEP_DIRS_ENV};
pub use permission::{allow_background, allow_background_for, PromptTab};
pub use sockets::listening_addrs;
pub use web::{
    fetch_page, node_authority, placeholder_ui_dir, publish_ui, web_container_wasm, web_url,
    WebPage,
};

/// The publisher code under test, re-exported so tests use the very same types.
pub use brook_cli;
/// The migration walk this harness drives, so tests use the very same types.
pub use freenet_migrate;
/// The stdlib this harness speaks, so tests use the very same types.
pub use freenet_stdlib;
pub use freenet_stdlib::prelude::{ContractKey, DelegateKey};
