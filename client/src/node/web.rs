//! The node's addresses, and Brook's web container as the node's web gateway serves it:
//! the page and the app-identity auth token the node mints with it. A WebSocket URL that
//! carries such a token ([`app_socket_url`]) is how a client connects *as the Brook web
//! app*, so the chat delegate sees the same origin (`MessageOrigin::WebApp`) as the UI.

use freenet_stdlib::prelude::ContractInstanceId;

use super::error::{NodeError as Error, Result};
use super::http::{http_get, HttpResponse};

/// Path of the client API on the node's HTTP port.
const COMMAND_PATH: &str = "/v1/contract/command";

/// `host:port` of a node given as `ws://host:port[/…]`, `http://host:port[/…]` or
/// `host:port`; `None` when there is no `host:port` in it.
pub fn node_authority(node: &str) -> Option<&str> {
    let rest = ["ws://", "http://"]
        .iter()
        .find_map(|scheme| node.strip_prefix(scheme))
        .unwrap_or(node);
    let authority = rest.split('/').next().unwrap_or_default();
    (!authority.is_empty() && authority.contains(':')).then_some(authority)
}

/// The native-encoding WebSocket endpoint of the node at `authority` (`host:port`).
pub fn command_url(authority: &str) -> String {
    format!("ws://{authority}{COMMAND_PATH}?encodingProtocol=native")
}

/// Where the node's gateway at `authority` serves the web container `id`.
pub fn web_url(authority: &str, id: &ContractInstanceId) -> String {
    format!("http://{authority}/v1/contract/web/{id}/")
}

/// The page the gateway at `http_base` (`http://127.0.0.1:PORT`) serves for web
/// container `id`, which also mints an auth token for it.
pub async fn fetch_page(http_base: &str, id: &ContractInstanceId) -> Result<WebPage> {
    let url = format!("{http_base}/v1/contract/web/{id}/");
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

/// `ws_url` (a node's [`command_url`]) carrying a fresh auth token for web app `app`,
/// fetched from the page at `http_base`: a connection to it speaks as that web app. The
/// node mints one per page load; a token does not survive a node restart.
pub async fn app_socket_url(
    ws_url: &str,
    http_base: &str,
    app: &ContractInstanceId,
) -> Result<String> {
    let page = fetch_page(http_base, app).await?;
    let token = page.header_token().ok_or_else(|| Error::Unexpected {
        request: "the web app's page".into(),
        detail: "no auth token in the response".into(),
    })?;
    let separator = if ws_url.contains('?') { '&' } else { '?' };
    Ok(format!("{ws_url}{separator}authToken={token}"))
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
        let (_, after) = text.split_once(CALL)?;
        let (token, _) = after.split_once('"')?;
        Some(token.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_flag_forms() {
        for form in [
            "ws://127.0.0.1:7509",
            "ws://127.0.0.1:7509/v1/contract/command?encodingProtocol=native",
            "http://127.0.0.1:7509/",
            "127.0.0.1:7509",
        ] {
            assert_eq!(node_authority(form), Some("127.0.0.1:7509"), "{form}");
        }
        assert_eq!(node_authority("ws://"), None);
        assert_eq!(node_authority("localhost"), None);
        assert_eq!(
            command_url("127.0.0.1:1"),
            "ws://127.0.0.1:1/v1/contract/command?encodingProtocol=native"
        );
    }

    fn page(headers: &[(&str, &str)], body: &str) -> WebPage {
        WebPage {
            response: HttpResponse {
                status: 200,
                headers: headers
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                    .collect(),
                body: body.as_bytes().to_vec(),
            },
        }
    }

    #[test]
    fn the_token_is_found_in_header_cookie_and_page() {
        let page = page(
            &[
                ("Authorization", "Bearer abc"),
                ("Set-Cookie", "other=1"),
                ("set-cookie", "authorization=\"Bearer%20abc\"; Path=/"),
            ],
            "<script>freenetBridge(\"abc\", 1)</script>",
        );
        assert_eq!(page.header_token(), Some("abc"));
        assert_eq!(page.cookie_token().as_deref(), Some("abc"));
        assert_eq!(page.embedded_token().as_deref(), Some("abc"));
        let bare = self::page(&[], "no bridge");
        assert_eq!(
            (
                bare.header_token(),
                bare.cookie_token(),
                bare.embedded_token()
            ),
            (None, None, None)
        );
    }
}
