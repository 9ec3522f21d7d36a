//! Brook's one client of the node and its one node supervisor (docs/design.md §9), shared
//! by the `brook` CLI, the end-to-end tests and (for [`replies`]) the web UI.
//!
//! - [`replies`]: matching the node's answers to requests, transport-independent (it
//!   builds without the `native` feature, for the browser's transport);
//!
//! and, with the `native` feature:
//!
//! - [`connection`]: [`Connection`], one WebSocket to a node (contracts and delegates);
//! - [`app`]: [`BrookApp`], a connection as the Brook web app with the chat delegate
//!   registered, speaking its protocol;
//! - [`web`]: a web container's page and auth token, and the URL of a socket that
//!   carries one ([`app_socket_url`]); node URLs; [`http`], the loopback HTTP client;
//! - [`supervisor`]: [`Node`], one loopback gateway node (the pinned binary, its dirs,
//!   ports, readiness, stop, restart, log tail), for `brook dev run` and the tests;
//! - [`migration`]: the delegate carry-forward walk;
//! - [`error`]: [`NodeError`], whose [`NodeError::fault`] says whose fault it is.

pub mod replies;

#[cfg(feature = "native")]
pub mod app;
#[cfg(feature = "native")]
pub mod connection;
#[cfg(feature = "native")]
pub mod error;
#[cfg(feature = "native")]
pub mod http;
#[cfg(feature = "native")]
pub mod migration;
#[cfg(feature = "native")]
pub mod process;
#[cfg(feature = "native")]
pub mod sockets;
#[cfg(feature = "native")]
pub mod supervisor;
#[cfg(feature = "native")]
pub mod web;

#[cfg(feature = "native")]
pub use app::BrookApp;
#[cfg(feature = "native")]
pub use connection::{contract_key, delegate_key, Connection, Notified, DEFAULT_TIMEOUT};
#[cfg(feature = "native")]
pub use error::{contract_reason, NodeError, Result};
#[cfg(feature = "native")]
pub use http::{http_get, http_get_with_headers, http_post, HttpResponse};
#[cfg(feature = "native")]
pub use sockets::listening_addrs;
#[cfg(feature = "native")]
pub use supervisor::{
    find_binary, freenet_binary, Node, NodeDirs, NodeOptions, FREENET_VERSION, KEEP_DIRS_ENV,
};
#[cfg(feature = "native")]
pub use web::{app_socket_url, command_url, fetch_page, node_authority, web_url, WebPage};
