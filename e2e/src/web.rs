//! Brook's web container on a test node: publish a UI directory with the publisher code
//! `brook` itself runs ([`brook_cli::publish`]), and read what the node's web gateway
//! answers (the page and the app-identity auth token it mints for it).

use std::path::{Path, PathBuf};

use brook_cli::keyfile::PublisherKey;
use brook_cli::node_api::{command_url, NodeApi};
use brook_cli::pack::pack_dir;
use brook_cli::publish::{self, Published, VersionChoice};
use freenet_stdlib::prelude::ContractInstanceId;

use crate::artifacts::{guest_wasm, workspace_root};
use crate::error::{Error, Result};
use crate::http::{http_get, HttpResponse};
use crate::node::Node;

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
    let mut api = NodeApi::connect(&command_url(&node_authority(node))).await?;
    publish::publish(&mut api, &web_container_wasm(), publisher, archive, choice).await
}

/// `127.0.0.1:PORT` of the node's client API.
pub fn node_authority(node: &Node) -> String {
    format!("127.0.0.1:{}", node.ws_port())
}

/// Where the gateway serves web container `id` (the shell page).
pub fn web_url(node: &Node, id: &ContractInstanceId) -> String {
    brook_cli::node_api::web_url(&node_authority(node), id)
}

/// The page the gateway serves for `id`, which also mints an auth token for it.
pub async fn fetch_page(node: &Node, id: &ContractInstanceId) -> Result<WebPage> {
    let url = web_url(node, id);
    let response = http_get(&url).await?;
    if response.status != 200 {
        return Err(Error::Http {
            method: "GET",
            url,
            detail: format!("status {}: {}", response.status, response.text()),
        });
    }
    Ok(WebPage { response })
}

/// The gateway's answer to a page GET and the three places it hands out the token.
#[derive(Debug, Clone)]
pub struct WebPage {
    pub response: HttpResponse,
}

impl WebPage {
    /// The token of the `Authorization: Bearer <token>` response header.
    pub fn header_token(&self) -> Option<&str> {
        self.response
            .header("authorization")?
            .strip_prefix("Bearer ")
    }

    /// The token of the `authorization` cookie (`Bearer <token>`, possibly quoted).
    pub fn cookie_token(&self) -> Option<String> {
        self.response
            .headers_named("set-cookie")
            .find_map(|cookie| {
                let (name, rest) = cookie.split_once('=')?;
                if !name.trim().eq_ignore_ascii_case("authorization") {
                    return None;
                }
                let value = rest.split(';').next()?.trim().trim_matches('"');
                let value = value.replace("%20", " ");
                value.strip_prefix("Bearer ").map(str::to_owned)
            })
    }

    /// The token the shell page hands its WebSocket bridge: `freenetBridge("<token>"`.
    pub fn embedded_token(&self) -> Option<String> {
        const CALL: &str = "freenetBridge(\"";
        let text = self.response.text();
        let start = text.find(CALL)? + CALL.len();
        let len = text[start..].find('"')?;
        Some(text[start..start + len].to_owned())
    }
}
