//! The node's permission prompts, answered the way a user at the gateway page would.
//!
//! freenet 0.2.154 asks the user before it lets a web app's delegate run on its own
//! (lifecycle events, wake-ups): when a delegate whose manifest wants background runs
//! is registered over a WebApp-attested socket and that app holds no `Background`
//! grant yet, the node raises a node-authored "Freenet asks" prompt with the buttons
//! `Allow` and `Not now`, and remembers the answer per app
//! (`contract/delegate_capabilities.rs`). The routes (all loopback-only,
//! `server/client_api/permission_prompts.rs`):
//!
//! - `GET /permission/pending`: JSON array of
//!   `{nonce, author: "node"|"delegate", message, labels, delegate_key,
//!   caller: {kind: "webapp"|"none", hash}}`. A request with no `Origin`, or a
//!   loopback one, sees the real list; a foreign `Origin` gets `[]`.
//! - `POST /permission/{nonce}/respond` with `Content-Type: application/json` and
//!   body `{"index": N}` (the button's position in `labels`). CSRF guard: an `Origin`
//!   header is REQUIRED (403 `missing origin` without it) and must be loopback (or a
//!   same-IP LAN / allowed-host origin); `Origin: null` is refused. 200 `{"ok":true}`;
//!   404 `expired or already answered`; 400 `invalid index`.
//! - `GET /permission/grants`: `{grants: [{app, capability, description, state,
//!   at_ms, until_ms}], error, stats}`; trusted when `Host` names loopback.
//! - `POST /permission/grants/revoke` with `{"app", "capability"}`; same CSRF guard
//!   as `respond`.
//! - `GET /permission/events/ws`: the WebSocket every open gateway tab holds; see
//!   [`PromptTab`].
//!
//! **Registration does not wait for the answer.** The node sends the registration
//! response first and raises the prompt from a spawned task (`finish_capability_hook`
//! → `spawn_capability_prompt` in `contract.rs`), which waits up to 60 s
//! (`USER_INPUT_TIMEOUT`) for a click. So a test may register and then answer, in
//! sequence, or run both at once (`tokio::join!`); either works. An unanswered
//! prompt stores nothing (the next registration asks again); while one is open for
//! an app, further registrations by that app do not raise a second one.

use std::time::Duration;

use freenet_stdlib::prelude::ContractInstanceId;
use futures::StreamExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::{http_get, http_post, Error, HttpResponse, Node, Result};

/// The label of the button that grants (the node's `CapabilityPrompt::labels()[0]`).
pub const ALLOW_LABEL: &str = "Allow";

/// The capability's manifest name, as `/permission/grants` lists it.
pub const BACKGROUND: &str = "background";

/// Words of the node's own description of `Background`, which its prompt quotes
/// (`capability_description`).
const BACKGROUND_WORDING: &str = "each time Freenet starts";

/// How often [`allow_background`] looks at `/permission/pending`.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How long the node may take to store a grant after the click was acknowledged.
const GRANT_RECORDED_TIMEOUT: Duration = Duration::from_secs(5);

/// Lines of node log shown when a prompt never appears.
const LOG_TAIL_LINES: usize = 40;

/// Who the node says raised a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptCaller {
    /// No attested app (a plain socket).
    None,
    /// A web app, by its container contract's instance id (base58).
    WebApp(String),
}

/// One entry of `/permission/pending`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPrompt {
    /// The prompt's one-time id; answering needs it.
    pub nonce: String,
    /// `"node"` for the node's own capability prompts, `"delegate"` for a delegate's
    /// `RequestUserInput`.
    pub author: String,
    pub message: String,
    /// Button labels, in index order.
    pub labels: Vec<String>,
    /// The delegate key the prompt is about (display form).
    pub delegate_key: String,
    pub caller: PromptCaller,
}

impl PendingPrompt {
    /// Whether this is the node's `Background` capability prompt (for any app).
    pub fn is_background_request(&self) -> bool {
        self.author == "node"
            && self.message.contains(BACKGROUND_WORDING)
            && self.labels.iter().any(|l| l == ALLOW_LABEL)
    }

    /// Whether the prompt was raised for web app `app`.
    pub fn is_from_app(&self, app: &ContractInstanceId) -> bool {
        matches!(&self.caller, PromptCaller::WebApp(id) if *id == app.to_string())
    }

    /// Index of the button labelled `label`.
    pub fn index_of(&self, label: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == label)
    }
}

/// One remembered answer of `/permission/grants`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The app's contract instance id (base58).
    pub app: String,
    /// The capability's manifest name, e.g. [`BACKGROUND`].
    pub capability: String,
    /// `"granted"` or `"denied"` (a "Not now", which expires at `until_ms`).
    pub state: String,
    pub at_ms: u64,
    pub until_ms: Option<u64>,
}

/// The whole answer of `/permission/grants`.
#[derive(Debug, Clone, PartialEq)]
pub struct Grants {
    pub grants: Vec<Grant>,
    /// The node's capability counters (lifecycle runs delivered, deferred, dropped,
    /// wake-ups, budget refusals), as it reports them; `null` when the node has no
    /// capability store.
    pub stats: serde_json::Value,
}

impl Grants {
    /// Whether `app` holds `capability` (e.g. [`BACKGROUND`]) as granted.
    pub fn is_granted(&self, app: &ContractInstanceId, capability: &str) -> bool {
        let app = app.to_string();
        self.grants
            .iter()
            .any(|g| g.app == app && g.capability == capability && g.state == "granted")
    }

    /// A counter of [`Grants::stats`] by name (e.g. `lifecycle_delivered`), if present.
    pub fn stat(&self, name: &str) -> Option<u64> {
        self.stats.get(name)?.as_u64()
    }
}

/// `http://127.0.0.1:PORT`: the `Origin` the gateway's own page sends.
fn page_origin(node: &Node) -> String {
    node.http_base()
}

/// The prompts waiting for an answer, as the gateway page sees them.
pub async fn pending_prompts(node: &Node) -> Result<Vec<PendingPrompt>> {
    let url = format!("{}/permission/pending", node.http_base());
    let json = expect_json(&url, "GET", http_get(&url).await?)?;
    let entries = json.as_array().ok_or_else(|| unexpected(&url, &json))?;
    entries
        .iter()
        .map(|e| parse_prompt(e).ok_or_else(|| unexpected(&url, e)))
        .collect()
}

/// Clicks button `index` of prompt `nonce`, exactly as the gateway page does: a
/// same-origin `POST /permission/{nonce}/respond` (so with `Origin`) of
/// `{"index": index}`.
pub async fn respond(node: &Node, nonce: &str, index: usize) -> Result<()> {
    let url = format!("{}/permission/{nonce}/respond", node.http_base());
    let origin = page_origin(node);
    let body = serde_json::json!({ "index": index }).to_string();
    let response = http_post(
        &url,
        &[
            ("Content-Type", "application/json"),
            ("Origin", &origin),
            ("Sec-Fetch-Site", "same-origin"),
        ],
        body.as_bytes(),
    )
    .await?;
    let json = expect_json(&url, "POST", response)?;
    if json.get("ok") == Some(&serde_json::Value::Bool(true)) {
        Ok(())
    } else {
        Err(unexpected(&url, &json))
    }
}

/// Waits until the node's `Background` prompt appears and answers it `Allow`.
///
/// Answers the first such prompt from any web app; use [`allow_background_for`] to
/// pick one app's. Registration does not wait for this answer (see the module
/// docs), so either order works:
///
/// ```no_run
/// # use std::time::Duration;
/// # use brook_e2e::{allow_background, Client, Node};
/// # async fn example(node: &Node, client: &mut Client, wasm: Vec<u8>) -> brook_e2e::Result<()> {
/// client.register_delegate(&wasm, vec![]).await?;
/// allow_background(node, Duration::from_secs(20)).await?;
/// # Ok(())
/// # }
/// ```
///
/// (or both at once, with `tokio::join!`).
///
/// Returns once `/permission/grants` lists the grant: the node stores it from the
/// prompt's task just AFTER the click is acknowledged, so this waits for it (briefly)
/// and the caller can rely on it. Fails with [`Error::Node`] (carrying the node log
/// tail) when no such prompt appears within `timeout`, e.g. because the app already
/// holds the grant, declined it within the last 7 days, or the socket was not
/// WebApp-attested (a plain socket is never asked).
pub async fn allow_background(node: &Node, timeout: Duration) -> Result<()> {
    let prompt = wait_for_prompt(node, timeout, "a Background permission prompt", |p| {
        p.is_background_request() && matches!(p.caller, PromptCaller::WebApp(_))
    })
    .await?;
    answer_allow(node, &prompt).await
}

/// [`allow_background`] for web app `app` only; returns the prompt it answered.
pub async fn allow_background_for(
    node: &Node,
    app: &ContractInstanceId,
    timeout: Duration,
) -> Result<PendingPrompt> {
    let what = format!("a Background permission prompt for web app {app}");
    let prompt = wait_for_prompt(node, timeout, &what, |p| {
        p.is_background_request() && p.is_from_app(app)
    })
    .await?;
    answer_allow(node, &prompt).await?;
    Ok(prompt)
}

/// Clicks `Allow` on a Background prompt, then waits until the grant is stored.
async fn answer_allow(node: &Node, prompt: &PendingPrompt) -> Result<()> {
    let index = prompt
        .index_of(ALLOW_LABEL)
        .ok_or_else(|| Error::Unexpected {
            request: "the Background permission prompt".into(),
            detail: format!("no {ALLOW_LABEL:?} button: {:?}", prompt.labels),
        })?;
    respond(node, &prompt.nonce, index).await?;
    let PromptCaller::WebApp(app) = &prompt.caller else {
        return Ok(());
    };
    let deadline = tokio::time::Instant::now() + GRANT_RECORDED_TIMEOUT;
    loop {
        let now = grants(node).await?;
        if now
            .grants
            .iter()
            .any(|g| g.app == *app && g.capability == BACKGROUND && g.state == "granted")
        {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::Node {
                what: format!(
                    "accepted Allow for web app {app} but listed no Background grant within \
                     {GRANT_RECORDED_TIMEOUT:?}: {:?}",
                    now.grants
                ),
                log_tail: node.log_tail(LOG_TAIL_LINES),
            });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The first pending prompt `matches` accepts, polling until `timeout`.
pub async fn wait_for_prompt(
    node: &Node,
    timeout: Duration,
    what: &str,
    mut matches: impl FnMut(&PendingPrompt) -> bool,
) -> Result<PendingPrompt> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let pending = pending_prompts(node).await?;
        if let Some(prompt) = pending.iter().find(|p| matches(p)) {
            return Ok(prompt.clone());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::Node {
                what: format!("showed no {what} within {timeout:?}; pending prompts: {pending:?}"),
                log_tail: node.log_tail(LOG_TAIL_LINES),
            });
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// The node's remembered capability answers (`GET /permission/grants`).
pub async fn grants(node: &Node) -> Result<Grants> {
    let url = format!("{}/permission/grants", node.http_base());
    let json = expect_json(&url, "GET", http_get(&url).await?)?;
    if let Some(error) = json.get("error").and_then(|e| e.as_str()) {
        return Err(Error::Unexpected {
            request: format!("GET {url}"),
            detail: format!("the node says: {error}"),
        });
    }
    let rows = json
        .get("grants")
        .and_then(|g| g.as_array())
        .ok_or_else(|| unexpected(&url, &json))?;
    let grants = rows
        .iter()
        .map(|row| parse_grant(row).ok_or_else(|| unexpected(&url, row)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Grants {
        grants,
        stats: json.get("stats").cloned().unwrap_or_default(),
    })
}

/// Forgets `app`'s answer for `capability` (e.g. [`BACKGROUND`]), as the node's
/// "Apps and permissions" page does. Lifecycle runs stop at once; the app is asked
/// again at its next registration.
pub async fn revoke_grant(node: &Node, app: &ContractInstanceId, capability: &str) -> Result<()> {
    let url = format!("{}/permission/grants/revoke", node.http_base());
    let origin = page_origin(node);
    let body = serde_json::json!({ "app": app.to_string(), "capability": capability });
    let response = http_post(
        &url,
        &[("Content-Type", "application/json"), ("Origin", &origin)],
        body.to_string().as_bytes(),
    )
    .await?;
    let json = expect_json(&url, "POST", response)?;
    if json.get("ok") == Some(&serde_json::Value::Bool(true)) {
        Ok(())
    } else {
        Err(unexpected(&url, &json))
    }
}

/// Stands in for an open gateway tab: holds `/permission/events/ws` open, as the
/// shell page does, and discards what arrives.
///
/// Why a test wants one: when a prompt is raised and NO tab is subscribed, the node
/// tries to open the standalone prompt page in the desktop browser (`xdg-open
/// http://…/permission/<nonce>`). Harmless on a headless box, a browser window per
/// test on a developer's desktop. Open the tab before the registration that
/// prompts; dropping it closes the socket.
pub struct PromptTab {
    reader: tokio::task::JoinHandle<()>,
}

impl PromptTab {
    /// Opens the socket with the page's own `Origin` (the endpoint refuses any
    /// handshake whose `Origin` is not exactly its `Host`).
    pub async fn open(node: &Node) -> Result<PromptTab> {
        let url = format!("ws://127.0.0.1:{}/permission/events/ws", node.ws_port());
        let fail = |detail: String| Error::Connection {
            during: format!("connect to {url}"),
            detail,
        };
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| fail(e.to_string()))?;
        let origin = HeaderValue::from_str(&page_origin(node)).map_err(|e| fail(e.to_string()))?;
        request.headers_mut().insert("Origin", origin);
        let (socket, _) = tokio::time::timeout(
            crate::DEFAULT_TIMEOUT,
            tokio_tungstenite::connect_async(request),
        )
        .await
        .map_err(|_| fail("no handshake answer".into()))?
        .map_err(|e| fail(e.to_string()))?;
        // Reading is what answers the node's pings; the events themselves are not
        // needed (`pending_prompts` is the source of truth).
        let reader = tokio::spawn(async move {
            let mut socket = socket;
            while let Some(Ok(_)) = socket.next().await {}
        });
        Ok(PromptTab { reader })
    }
}

impl Drop for PromptTab {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

fn expect_json(
    url: &str,
    method: &'static str,
    response: HttpResponse,
) -> Result<serde_json::Value> {
    if response.status != 200 {
        return Err(Error::Http {
            method,
            url: url.to_owned(),
            detail: format!("status {}: {}", response.status, response.text()),
        });
    }
    serde_json::from_slice(&response.body).map_err(|e| Error::Http {
        method,
        url: url.to_owned(),
        detail: format!("not JSON ({e}): {}", response.text()),
    })
}

fn unexpected(url: &str, json: &serde_json::Value) -> Error {
    Error::Unexpected {
        request: url.to_owned(),
        detail: json.to_string(),
    }
}

fn parse_prompt(e: &serde_json::Value) -> Option<PendingPrompt> {
    let text = |name: &str| e.get(name)?.as_str().map(str::to_owned);
    let caller = e.get("caller")?;
    let caller = match caller.get("kind")?.as_str()? {
        "webapp" => PromptCaller::WebApp(caller.get("hash")?.as_str()?.to_owned()),
        _ => PromptCaller::None,
    };
    Some(PendingPrompt {
        nonce: text("nonce")?,
        author: text("author")?,
        message: text("message")?,
        labels: e
            .get("labels")?
            .as_array()?
            .iter()
            .map(|l| l.as_str().map(str::to_owned))
            .collect::<Option<_>>()?,
        delegate_key: text("delegate_key")?,
        caller,
    })
}

fn parse_grant(row: &serde_json::Value) -> Option<Grant> {
    Some(Grant {
        app: row.get("app")?.as_str()?.to_owned(),
        capability: row.get("capability")?.as_str()?.to_owned(),
        state: row.get("state")?.as_str()?.to_owned(),
        at_ms: row.get("at_ms")?.as_u64()?,
        until_ms: row.get("until_ms").and_then(|u| u.as_u64()),
    })
}
