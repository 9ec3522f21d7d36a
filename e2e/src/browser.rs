//! Headless Chromium driven over the DevTools protocol, for tests that must wait for what
//! a page *does*, not for a fixed time.
//!
//! Why not `chromium --dump-dom --virtual-time-budget`: the node serves Brook's page
//! inside a sandboxed frame (an opaque origin, which Chromium runs out of process), and
//! what the frame did reaches the top document only by a cross-process `postMessage`
//! (the shell's title sync). Virtual time does not wait for that message, so a dump
//! could be taken before it arrived — the browser smoke test failed that way once in CI
//! (the tab title still the page's static `<title>`). Here a test polls a JavaScript
//! condition in real time until it holds or a generous deadline passes.
//!
//! One browser per test, one page per [`Browser::open`]; sessions use the protocol's
//! flat mode over the browser's own WebSocket.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Debian's package; `tools/install-tools.sh chromium` installs it. `BROOK_CHROMIUM`
/// overrides it.
pub const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";
/// How long one protocol call may take before the browser counts as stuck.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// How long Chromium may take to print its DevTools address.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(60);
/// Between two polls of a condition.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "no Chromium at {0} (Debian: `apt-get install chromium`, or `bash tools/install-tools.sh \
         chromium`; elsewhere set BROOK_CHROMIUM)"
    )]
    Missing(PathBuf),
    #[error("Chromium: {0}")]
    Launch(String),
    #[error("DevTools connection: {0}")]
    Connection(String),
    #[error("DevTools call {method}: {message}")]
    Call { method: String, message: String },
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A headless Chromium with its own throwaway profile; killed when dropped.
pub struct Browser {
    _child: tokio::process::Child,
    _profile: tempfile::TempDir,
    socket: Socket,
    next_id: u64,
}

/// One tab, named by its protocol session.
#[derive(Debug, Clone)]
pub struct Page {
    session: String,
}

/// The Chromium binary the tests use.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("BROOK_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CHROMIUM))
}

impl Browser {
    /// Starts headless Chromium (the flags docs/ui-build.md lists) and connects to it.
    pub async fn launch() -> Result<Browser, BrowserError> {
        let binary = chromium_path();
        if !binary.is_file() {
            return Err(BrowserError::Missing(binary));
        }
        let profile = tempfile::tempdir().map_err(|e| BrowserError::Launch(e.to_string()))?;
        let mut child = tokio::process::Command::new(&binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=1280,800",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| BrowserError::Launch(format!("{}: {e}", binary.display())))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| BrowserError::Launch("no stderr pipe".into()))?;
        let address = tokio::time::timeout(LAUNCH_TIMEOUT, devtools_address(stderr))
            .await
            .map_err(|_| BrowserError::Timeout(LAUNCH_TIMEOUT, "the DevTools address".into()))??;
        let (socket, _) = tokio_tungstenite::connect_async(address.as_str())
            .await
            .map_err(|e| BrowserError::Connection(e.to_string()))?;
        Ok(Browser {
            _child: child,
            _profile: profile,
            socket,
            next_id: 0,
        })
    }

    /// Opens `url` in a new tab.
    pub async fn open(&mut self, url: &str) -> Result<Page, BrowserError> {
        let target = self
            .call(None, "Target.createTarget", json!({ "url": url }))
            .await?;
        let target_id = target["targetId"].clone();
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target_id, "flatten": true }),
            )
            .await?;
        let session = attached["sessionId"]
            .as_str()
            .ok_or_else(|| BrowserError::Call {
                method: "Target.attachToTarget".into(),
                message: format!("no sessionId in {attached}"),
            })?
            .to_owned();
        Ok(Page { session })
    }

    /// Evaluates `expression` in the page's top document and returns its JSON value.
    pub async fn eval(&mut self, page: &Page, expression: &str) -> Result<Value, BrowserError> {
        let result = self
            .call(
                Some(&page.session),
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await?;
        if let Some(exception) = result.get("exceptionDetails") {
            return Err(BrowserError::Call {
                method: "Runtime.evaluate".into(),
                message: format!("{expression}: {exception}"),
            });
        }
        Ok(result["result"]["value"].clone())
    }

    /// Polls `expression` until it is truthy; returns that value. `what` names the
    /// condition in the timeout error.
    pub async fn wait_for(
        &mut self,
        page: &Page,
        expression: &str,
        what: &str,
        timeout: Duration,
    ) -> Result<Value, BrowserError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let value = self.eval(page, expression).await?;
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return Ok(value);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(BrowserError::Timeout(timeout, what.to_owned()));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Saves a PNG of the page's viewport to `path`.
    pub async fn screenshot(&mut self, page: &Page, path: &Path) -> Result<(), BrowserError> {
        use base64::Engine as _;
        let shot = self
            .call(
                Some(&page.session),
                "Page.captureScreenshot",
                json!({ "format": "png" }),
            )
            .await?;
        let data = shot["data"].as_str().unwrap_or_default();
        let png = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| BrowserError::Call {
                method: "Page.captureScreenshot".into(),
                message: e.to_string(),
            })?;
        std::fs::write(path, png).map_err(|e| BrowserError::Call {
            method: "Page.captureScreenshot".into(),
            message: format!("{}: {e}", path.display()),
        })
    }

    /// One protocol call; events that arrive meanwhile are skipped.
    async fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, BrowserError> {
        self.next_id += 1;
        let id = self.next_id;
        let mut request = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            request["sessionId"] = json!(session);
        }
        let failed = |message: String| BrowserError::Call {
            method: method.to_owned(),
            message,
        };
        self.socket
            .send(Message::text(request.to_string()))
            .await
            .map_err(|e| failed(e.to_string()))?;
        let answer = tokio::time::timeout(CALL_TIMEOUT, async {
            while let Some(message) = self.socket.next().await {
                let message = message.map_err(|e| failed(e.to_string()))?;
                let Message::Text(text) = message else {
                    continue;
                };
                let value: Value =
                    serde_json::from_str(text.as_str()).map_err(|e| failed(e.to_string()))?;
                if value["id"] == json!(id) {
                    return Ok(value);
                }
            }
            Err(failed("the browser closed the connection".into()))
        })
        .await
        .map_err(|_| BrowserError::Timeout(CALL_TIMEOUT, format!("the answer to {method}")))??;
        if let Some(error) = answer.get("error") {
            return Err(failed(error.to_string()));
        }
        Ok(answer["result"].clone())
    }
}

/// Reads Chromium's stderr until it prints `DevTools listening on ws://…`.
async fn devtools_address(stderr: tokio::process::ChildStderr) -> Result<String, BrowserError> {
    const PREFIX: &str = "DevTools listening on ";
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = Vec::new();
    while let Some(line) = lines
        .next_line()
        .await
        .map_err(|e| BrowserError::Launch(e.to_string()))?
    {
        if let Some(address) = line.trim().strip_prefix(PREFIX) {
            // Keep draining stderr so Chromium never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Ok(address.to_owned());
        }
        seen.push(line);
    }
    Err(BrowserError::Launch(format!(
        "exited before printing its DevTools address:\n{}",
        seen.join("\n")
    )))
}
