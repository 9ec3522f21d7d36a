//! Brook's web container on a test node: publish a UI directory with the publisher code
//! `brook` itself runs ([`brook_cli::publish`]), and read what the node's web gateway
//! answers (the page and the app-identity auth token it mints for it) through the client
//! core ([`brook_client::node::web`]), here for a [`Node`].

use std::path::{Path, PathBuf};

use brook_cli::keyfile::PublisherKey;
use brook_cli::pack::pack_dir;
use brook_cli::publish::{self, Published, VersionChoice};
use brook_client::node::{app_socket_url, WebPage};
use freenet_stdlib::prelude::ContractInstanceId;

use crate::artifacts::{guest_wasm, workspace_root};
use crate::{Error, Node, Result};

/// The web container contract as it ships.
pub fn web_container_wasm() -> Vec<u8> {
    guest_wasm("web_container.wasm")
}

/// The UI directory `cargo make run` publishes today.
pub fn placeholder_ui_dir() -> PathBuf {
    workspace_root().join("ui/placeholder")
}

/// Packs `ui_dir` and publishes it on `node` as `choice`, signed by `publisher`.
pub async fn publish_ui(
    node: &Node,
    publisher: &PublisherKey,
    ui_dir: &Path,
    choice: VersionChoice,
) -> brook_cli::Result<Published> {
    let archive = pack_dir(ui_dir)?;
    let mut api = publish::connect(&node.ws_url()).await?;
    publish::publish(&mut api, &web_container_wasm(), publisher, archive, choice).await
}

/// Publish the placeholder UI as a web container signed by `publisher` and return its id.
pub async fn publish_web_app(node: &Node, publisher: &PublisherKey) -> Result<ContractInstanceId> {
    let choice = VersionChoice::Next { floor: 1 };
    let published = publish_ui(node, publisher, &placeholder_ui_dir(), choice)
        .await
        .map_err(|e| Error::Unexpected {
            request: "publishing the web container".into(),
            detail: e.to_string(),
        })?;
    Ok(*published.key.id())
}

/// `127.0.0.1:PORT` of the node's client API.
pub fn node_authority(node: &Node) -> String {
    node.authority()
}

/// Where the gateway serves web container `id` (the shell page).
pub fn web_url(node: &Node, id: &ContractInstanceId) -> String {
    node.web_url(id)
}

/// The page the gateway serves for `id`, which also mints an auth token for it.
pub async fn fetch_page(node: &Node, id: &ContractInstanceId) -> Result<WebPage> {
    brook_client::node::fetch_page(&node.http_base(), id).await
}

/// A WebSocket URL carrying a fresh auth token for web app `app` (the node mints one
/// per page load; a token does not survive a node restart).
pub async fn web_app_socket_url(node: &Node, app: &ContractInstanceId) -> Result<String> {
    app_socket_url(&node.ws_url(), &node.http_base(), app).await
}
