//! One isolated Freenet node per test: a network-mode gateway that never joins
//! anything (`--is-gateway --skip-load-from-network`), listening on loopback only,
//! on ports picked fresh for it, with its config, data, logs and web-app cache in a
//! temp dir.
//! Network mode rather than `freenet local` because only network mode services
//! delegate-issued contract requests and notifications (docs/runtime.md).
//!
//! The harness trusts the binary it finds only after `--version` names the exact
//! release the project is pinned to; a wrong or missing binary is a loud panic,
//! never a skipped test.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Write;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use brook_cli::freenet::{self, NodeDirs};
use tempfile::TempDir;

use crate::error::{Error, Result};
use crate::http::http_get;

/// The node release every test runs against (wire format and host ABI are exact).
pub use brook_cli::freenet::FREENET_VERSION;
/// The node answers `/v1/version` ~2 s after spawn; 30 s leaves room for a loaded box.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a SIGTERM may take before the harness falls back to SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(15);
/// Shorter grace in `Drop`, which blocks the test thread.
const DROP_GRACE: Duration = Duration::from_secs(5);
/// Lines of node output shown when something fails.
const LOG_TAIL_LINES: usize = 60;
/// Set this variable (to anything) to keep every node's temp dir, not only failed ones.
pub const KEEP_DIRS_ENV: &str = "BROOK_E2E_KEEP";

/// The `freenet` binary to run: the first of `$PATH/freenet`, `$CARGO_HOME/bin/freenet`,
/// `~/.cargo/bin/freenet` whose `--version` mentions [`FREENET_VERSION`]
/// ([`brook_cli::freenet::find_binary`], the same search `brook dev run` makes).
///
/// # Panics
/// When none qualifies, with the command that installs the right one.
pub fn freenet_binary() -> PathBuf {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            freenet::find_binary()
                .unwrap_or_else(|e| panic!("the end-to-end tests need the node: {e}"))
        })
        .clone()
}

/// A running (or stopped-between-restarts) node. Dropping it stops the process; if
/// the thread is panicking the temp dir is kept and the log tail printed.
pub struct Node {
    dir: Option<TempDir>,
    root: PathBuf,
    ws_port: u16,
    network_port: u16,
    child: Option<Child>,
    starts: u32,
}

impl Node {
    /// Spawns a fresh node and waits until it answers `GET /v1/version`.
    pub async fn start() -> Result<Node> {
        let binary = freenet_binary();
        let dir = tempfile::Builder::new()
            .prefix("brook-e2e-node-")
            .tempdir()
            .map_err(Error::io("create the node's temp dir"))?;
        let root = dir.path().to_path_buf();
        let dirs = NodeDirs::new(&root);
        for sub in [dirs.config(), dirs.data(), dirs.logs(), dirs.webapp_cache()] {
            fs::create_dir(&sub).map_err(Error::io(format!("create {}", sub.display())))?;
        }
        let mut node = Node {
            dir: Some(dir),
            root,
            ws_port: fresh_port(free_tcp_port)?,
            network_port: fresh_port(free_udp_port)?,
            child: None,
            starts: 0,
        };
        node.spawn(&binary)?;
        node.wait_ready().await?;
        Ok(node)
    }

    /// Stops the node (SIGTERM, SIGKILL after 15 s) and starts it again on the same
    /// ports and directories, so whatever it stored must still be there.
    pub async fn restart(&mut self) -> Result<()> {
        let status = self.terminate().await?;
        if !status.success() {
            return Err(self.failure(format!("exited with {status} when stopped for a restart")));
        }
        self.spawn(&freenet_binary())?;
        self.wait_ready().await
    }

    /// Stops the node (SIGTERM, SIGKILL after 15 s) and returns how it exited.
    /// The temp dir is removed afterwards unless [`KEEP_DIRS_ENV`] is set.
    pub async fn stop(mut self) -> Result<ExitStatus> {
        self.terminate().await
    }

    /// Port of the WebSocket/HTTP client API on 127.0.0.1.
    pub fn ws_port(&self) -> u16 {
        self.ws_port
    }

    /// UDP port of the (unused, loopback-only) peer network.
    pub fn network_port(&self) -> u16 {
        self.network_port
    }

    /// Native-encoding WebSocket endpoint for [`crate::Client::connect_url`].
    pub fn ws_url(&self) -> String {
        format!(
            "ws://127.0.0.1:{}/v1/contract/command?encodingProtocol=native",
            self.ws_port
        )
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn http_base(&self) -> String {
        format!("http://127.0.0.1:{}", self.ws_port)
    }

    /// The node's `--data-dir` (contracts, delegates, secrets).
    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// The node's `--config-dir`.
    pub fn config_dir(&self) -> PathBuf {
        self.root.join("config")
    }

    /// File receiving the node's stdout and stderr, across restarts.
    pub fn log_path(&self) -> PathBuf {
        self.root.join("node.log")
    }

    /// Last `lines` lines of the node's output.
    pub fn log_tail(&self, lines: usize) -> String {
        log_tail(&self.log_path(), lines)
    }

    /// Addresses the node process listens on (TCP listeners, bound UDP sockets), read
    /// from Linux `/proc`, so a test can check they are all loopback.
    pub fn listening_addrs(&self) -> Result<Vec<SocketAddr>> {
        let child = self
            .child
            .as_ref()
            .ok_or_else(|| Error::ApiMisuse("the node is not running".into()))?;
        crate::sockets::listening_addrs(child.id())
    }

    fn spawn(&mut self, binary: &Path) -> Result<()> {
        self.starts += 1;
        let log_path = self.log_path();
        let mut log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(Error::io(format!("open {}", log_path.display())))?;
        writeln!(log, "===== brook-e2e: start #{} =====", self.starts)
            .map_err(Error::io("write the node log"))?;
        let stderr = log.try_clone().map_err(Error::io("clone the log handle"))?;
        let child = freenet::gateway_command(
            binary,
            &NodeDirs::new(&self.root),
            self.ws_port,
            self.network_port,
        )
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(stderr)
        .spawn()
        .map_err(Error::io(format!("spawn {}", binary.display())))?;
        self.child = Some(child);
        Ok(())
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let url = format!("{}/v1/version", self.http_base());
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.try_wait()? {
                return Err(self.failure(format!("exited with {status} before it was ready")));
            }
            if matches!(http_get(&url).await, Ok(r) if r.status == 200) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.failure(format!("did not answer {url} within {READY_TIMEOUT:?}")));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        match self.child.as_mut() {
            Some(child) => child.try_wait().map_err(Error::io("poll the node process")),
            None => Ok(None),
        }
    }

    /// SIGTERM, wait up to [`STOP_GRACE`], then SIGKILL. Leaves `child` empty.
    async fn terminate(&mut self) -> Result<ExitStatus> {
        let Some(mut child) = self.child.take() else {
            return Err(Error::ApiMisuse("the node is not running".into()));
        };
        sigterm(&child);
        let deadline = Instant::now() + STOP_GRACE;
        loop {
            if let Some(status) = child.try_wait().map_err(Error::io("wait for the node"))? {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        eprintln!("brook-e2e: node ignored SIGTERM for {STOP_GRACE:?}; sending SIGKILL");
        child.kill().map_err(Error::io("SIGKILL the node"))?;
        child.wait().map_err(Error::io("reap the killed node"))
    }

    fn failure(&self, what: String) -> Error {
        Error::Node {
            what: format!(
                "on 127.0.0.1:{} ({}) {what}",
                self.ws_port,
                self.root.display()
            ),
            log_tail: self.log_tail(LOG_TAIL_LINES),
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            sigterm(&child);
            let deadline = Instant::now() + DROP_GRACE;
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        let panicking = std::thread::panicking();
        if panicking || std::env::var_os(KEEP_DIRS_ENV).is_some() {
            if let Some(dir) = self.dir.take() {
                let kept = dir.keep();
                eprintln!("brook-e2e: kept node dir {}", kept.display());
                if panicking {
                    eprintln!(
                        "--- last {LOG_TAIL_LINES} lines of {} ---\n{}",
                        self.log_path().display(),
                        self.log_tail(LOG_TAIL_LINES)
                    );
                }
            }
        }
    }
}

fn sigterm(child: &Child) {
    brook_cli::process::send_signal(child.id(), brook_cli::process::Signal::Terminate);
}

/// Returns a port from `pick` that this process has not handed out before, so two
/// nodes started at once never race for the same port (the OS may reuse a port
/// as soon as the probing socket is closed).
fn fresh_port(pick: fn() -> std::io::Result<u16>) -> Result<u16> {
    static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    for _ in 0..100 {
        let port = pick().map_err(Error::io("probe for a free loopback port"))?;
        let mut used = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
        if used.insert(port) {
            return Ok(port);
        }
    }
    Err(Error::ApiMisuse(
        "no unused loopback port after 100 tries".into(),
    ))
}

fn free_tcp_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn free_udp_port() -> std::io::Result<u16> {
    Ok(UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn log_tail(path: &Path, lines: usize) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(no log at {}: {e})", path.display()),
    }
}
