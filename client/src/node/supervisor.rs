//! How Brook runs the freenet node: which binary (the pinned release, nothing else), with
//! which flags (docs/runtime.md), in which dirs and on which ports, and how it is waited
//! for, stopped and restarted. One place, shared by `brook dev run` and the end-to-end
//! tests, so both start exactly the same node.
//!
//! The node is a network-mode gateway that never joins anything (`--is-gateway
//! --skip-load-from-network`) and listens on 127.0.0.1 only: network mode because only
//! it services delegate-issued contract requests and notifications; loopback because the
//! node mints an app-identity token for any contract to any client that can reach it.
//!
//! [`Node::start`] is the tests' node: a fresh temp dir (kept on failure or with
//! [`KEEP_DIRS_ENV`]) and ports picked fresh for it. [`Node::launch`] with
//! [`NodeOptions`] is any other, e.g. `brook dev run`'s (fixed dir and ports, its own
//! process group, a PID file, dying with its parent).
//!
//! What it trusts: only a binary whose `--version` names [`FREENET_VERSION`]; a wrong or
//! missing binary is an error ([`NodeError::Binary`]) that says how to install the right one.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Write;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use freenet_stdlib::prelude::ContractInstanceId;
use tempfile::TempDir;

use super::error::{NodeError as Error, Result};
use super::http::http_get;
use super::process::{send_signal, terminate_with_parent, Signal};

/// The node release Brook runs against (wire format and host ABI are exact).
pub const FREENET_VERSION: &str = "0.2.154";
/// Set this variable (to anything) to keep every temp-dir node's dir, not only failed ones.
pub const KEEP_DIRS_ENV: &str = "BROOK_E2E_KEEP";
/// The node answers `/v1/version` ~2 s after spawn; 30 s leaves room for a loaded box.
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a SIGTERM may take before the supervisor falls back to SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(15);
/// Shorter grace in `Drop`, which blocks the thread.
const DROP_GRACE: Duration = Duration::from_secs(5);
/// Lines of node output shown when something fails.
const LOG_TAIL_LINES: usize = 60;

/// The first of `$PATH/freenet`, `$CARGO_HOME/bin/freenet`, `~/.cargo/bin/freenet` whose
/// `--version` names [`FREENET_VERSION`]; otherwise an error with the install command.
pub fn find_binary() -> Result<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join("freenet"))
                .collect()
        })
        .unwrap_or_default();
    if let Some(cargo_home) = std::env::var_os("CARGO_HOME") {
        candidates.push(PathBuf::from(cargo_home).join("bin/freenet"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cargo/bin/freenet"));
    }
    let mut rejected = Vec::new();
    for candidate in candidates.iter().filter(|c| c.is_file()) {
        match Command::new(candidate).arg("--version").output() {
            // Prints `Freenet version: 0.2.154 (unknown)`; compare whole words.
            Ok(out)
                if String::from_utf8_lossy(&out.stdout)
                    .split_whitespace()
                    .any(|word| word == FREENET_VERSION) =>
            {
                return Ok(candidate.clone());
            }
            Ok(out) => rejected.push(format!(
                "{} reports {:?}",
                candidate.display(),
                String::from_utf8_lossy(&out.stdout).trim()
            )),
            Err(e) => rejected.push(format!("{} does not run: {e}", candidate.display())),
        }
    }
    let seen = if rejected.is_empty() {
        "there is no `freenet` on PATH or in ~/.cargo/bin".to_owned()
    } else {
        format!("rejected: {}", rejected.join("; "))
    };
    Err(Error::Binary(format!(
        "need the freenet node {FREENET_VERSION}; {seen}. Install it with \
         `bash tools/install-tools.sh freenet` (or `cargo install freenet --version \
         {FREENET_VERSION}`, without --locked; see docs/runtime.md)"
    )))
}

/// [`find_binary`], searched once per process (a failed search is repeated).
pub fn freenet_binary() -> Result<PathBuf> {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    if let Some(found) = FOUND.get() {
        return Ok(found.clone());
    }
    let found = find_binary()?;
    Ok(FOUND.get_or_init(|| found).clone())
}

/// A node's files under one root: `config/`, `data/` (contracts, delegates, secrets),
/// `logs/`, `webapp_cache/` (unpacked web apps), `node.log` (its output) and, for a node
/// that keeps one, `node.pid`.
#[derive(Debug, Clone)]
pub struct NodeDirs {
    root: PathBuf,
}

impl NodeDirs {
    const SUBDIRS: [&'static str; 4] = ["config", "data", "logs", "webapp_cache"];

    pub fn new(root: impl Into<PathBuf>) -> Self {
        NodeDirs { root: root.into() }
    }

    /// Creates the root and every subdirectory that is missing (the node needs its
    /// config dir to exist).
    pub fn create(&self) -> Result<()> {
        for sub in Self::SUBDIRS {
            let dir = self.root.join(sub);
            fs::create_dir_all(&dir).map_err(Error::io(format!("create {}", dir.display())))?;
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn config(&self) -> PathBuf {
        self.root.join("config")
    }

    pub fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }

    pub fn webapp_cache(&self) -> PathBuf {
        self.root.join("webapp_cache")
    }

    /// The node's stdout and stderr, across restarts.
    pub fn log_file(&self) -> PathBuf {
        self.root.join("node.log")
    }

    /// The running node's PID ([`NodeOptions::pid_file`]).
    pub fn pid_file(&self) -> PathBuf {
        self.root.join("node.pid")
    }

    /// Last `lines` lines of the node's output ([`NodeDirs::log_file`]).
    pub fn log_tail(&self, lines: usize) -> String {
        log_tail(&self.log_file(), lines)
    }
}

/// The command that starts `binary` as a loopback-only gateway on `ws_port` (client API,
/// HTTP + WebSocket) and `network_port` (UDP, unused), storing everything under `dirs`.
/// Telemetry off, no auto-update, logs to stderr; stdio is left to the caller.
pub fn gateway_command(binary: &Path, dirs: &NodeDirs, ws_port: u16, network_port: u16) -> Command {
    let (ws, net) = (ws_port.to_string(), network_port.to_string());
    let mut command = Command::new(binary);
    command
        .args(["network", "--is-gateway", "--skip-load-from-network"])
        .args(["--network-address", "127.0.0.1"])
        .args(["--public-network-address", "127.0.0.1"])
        .args(["--network-port", &net, "--public-network-port", &net])
        .args(["--ws-api-address", "127.0.0.1", "--ws-api-port", &ws])
        .arg("--config-dir")
        .arg(dirs.config())
        .arg("--data-dir")
        .arg(dirs.data())
        .arg("--log-dir")
        .arg(dirs.logs())
        .args(["--disable-auto-update", "--shutdown-drain-secs", "0"])
        .env("FREENET_LOG_TO_STDERR", "1")
        // Only the environment switches telemetry off (the flag takes no value).
        .env("FREENET_TELEMETRY_ENABLED", "false")
        .env("RUST_LOG", "info")
        // Plain text in log files.
        .env("NO_COLOR", "1")
        // Otherwise it is ~/.cache/freenet/webapp_cache, shared by every node of the
        // user and swept by each of them.
        .env("FREENET_WEBAPP_CACHE_DIR", dirs.webapp_cache());
    command
}

/// How to run a node. The default is the tests' node: a fresh temp dir, fresh ports,
/// [`READY_TIMEOUT`], the caller's process group.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    /// The node's dir ([`NodeDirs`]); `None`: a fresh temp dir, removed when the node is
    /// dropped unless the thread is panicking or [`KEEP_DIRS_ENV`] is set.
    pub root: Option<PathBuf>,
    /// Client API port (HTTP + WebSocket) on 127.0.0.1; `None`: a free one.
    pub ws_port: Option<u16>,
    /// Peer network port (UDP, unused by a lone gateway) on 127.0.0.1; `None`: a free one.
    pub network_port: Option<u16>,
    /// The node binary; `None`: [`freenet_binary`].
    pub binary: Option<PathBuf>,
    /// How long [`Node::wait_ready`] waits.
    pub ready_timeout: Duration,
    /// Who runs the node, in the log and in messages (`brook dev run`, `brook`).
    pub label: String,
    /// Run the node in its own process group, so a terminal's Ctrl-C reaches only the
    /// caller, which then stops the node.
    pub own_process_group: bool,
    /// Have the kernel send the node SIGTERM when the thread that started it dies
    /// (`PR_SET_PDEATHSIG`), so a node never outlives the tool that started it.
    pub terminate_with_parent: bool,
    /// Write the node's PID to [`NodeDirs::pid_file`] while it runs.
    pub pid_file: bool,
}

impl Default for NodeOptions {
    fn default() -> Self {
        NodeOptions {
            root: None,
            ws_port: None,
            network_port: None,
            binary: None,
            ready_timeout: READY_TIMEOUT,
            label: "brook".into(),
            own_process_group: false,
            terminate_with_parent: false,
            pid_file: false,
        }
    }
}

/// A running (or stopped-between-restarts) node. Dropping it stops the process; a temp
/// dir is then removed, unless the thread is panicking (then the log tail is printed) or
/// [`KEEP_DIRS_ENV`] is set.
pub struct Node {
    dir: Option<TempDir>,
    dirs: NodeDirs,
    binary: PathBuf,
    ws_port: u16,
    network_port: u16,
    options: NodeOptions,
    child: Option<Child>,
    starts: u32,
}

impl Node {
    /// Spawns a fresh isolated node ([`NodeOptions::default`]) and waits until it
    /// answers `GET /v1/version`.
    pub async fn start() -> Result<Node> {
        Node::start_with(NodeOptions::default()).await
    }

    /// Spawns a node run as `options` says and waits until it answers.
    pub async fn start_with(options: NodeOptions) -> Result<Node> {
        let mut node = Node::launch(options)?;
        node.wait_ready().await?;
        Ok(node)
    }

    /// Spawns a node run as `options` says, without waiting for it
    /// ([`Node::wait_ready`]).
    pub fn launch(options: NodeOptions) -> Result<Node> {
        let binary = match &options.binary {
            Some(binary) => binary.clone(),
            None => freenet_binary()?,
        };
        let (dir, root) = match &options.root {
            Some(root) => (None, root.clone()),
            None => {
                let dir = tempfile::Builder::new()
                    .prefix("brook-node-")
                    .tempdir()
                    .map_err(Error::io("create the node's temp dir"))?;
                let root = dir.path().to_path_buf();
                (Some(dir), root)
            }
        };
        let dirs = NodeDirs::new(root);
        dirs.create()?;
        let mut node = Node {
            dir,
            dirs,
            binary,
            ws_port: options
                .ws_port
                .map_or_else(|| fresh_port(free_tcp_port), Ok)?,
            network_port: options
                .network_port
                .map_or_else(|| fresh_port(free_udp_port), Ok)?,
            options,
            child: None,
            starts: 0,
        };
        node.spawn()?;
        Ok(node)
    }

    /// Stops the node (SIGTERM, SIGKILL after 15 s) and starts it again on the same
    /// ports and directories, so whatever it stored must still be there.
    pub async fn restart(&mut self) -> Result<()> {
        let status = self.terminate().await?;
        if !status.success() {
            return Err(self.failure(format!("exited with {status} when stopped for a restart")));
        }
        self.spawn()?;
        self.wait_ready().await
    }

    /// Stops the node (SIGTERM, SIGKILL after 15 s) and returns how it exited.
    /// A temp dir is removed afterwards unless [`KEEP_DIRS_ENV`] is set.
    pub async fn stop(mut self) -> Result<ExitStatus> {
        self.terminate().await
    }

    /// Waits until the node answers `GET /v1/version` (within
    /// [`NodeOptions::ready_timeout`]); fails, with the log tail, if it exits first.
    pub async fn wait_ready(&mut self) -> Result<()> {
        let url = format!("{}/v1/version", self.http_base());
        let timeout = self.options.ready_timeout;
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait()? {
                return Err(self.failure(format!("exited with {status} before it was ready")));
            }
            if matches!(http_get(&url).await, Ok(r) if r.status == 200) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.failure(format!("did not answer {url} within {timeout:?}")));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the node process exits on its own and returns how (cancel-safe: for
    /// `select!` against a signal).
    pub async fn exited(&mut self) -> Result<ExitStatus> {
        loop {
            if let Some(status) = self.try_wait()? {
                self.child = None;
                self.remove_pid_file();
                return Ok(status);
            }
            if self.child.is_none() {
                return Err(Error::ApiMisuse("the node is not running".into()));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Port of the WebSocket/HTTP client API on 127.0.0.1.
    pub fn ws_port(&self) -> u16 {
        self.ws_port
    }

    /// UDP port of the (unused, loopback-only) peer network.
    pub fn network_port(&self) -> u16 {
        self.network_port
    }

    /// `127.0.0.1:PORT` of the client API.
    pub fn authority(&self) -> String {
        format!("127.0.0.1:{}", self.ws_port)
    }

    /// Native-encoding WebSocket endpoint for
    /// [`Connection::connect_url`](super::connection::Connection::connect_url).
    pub fn ws_url(&self) -> String {
        super::web::command_url(&self.authority())
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn http_base(&self) -> String {
        format!("http://{}", self.authority())
    }

    /// Where the node's gateway serves web container `id` (the shell page).
    pub fn web_url(&self, id: &ContractInstanceId) -> String {
        super::web::web_url(&self.authority(), id)
    }

    /// The node's dirs.
    pub fn dirs(&self) -> &NodeDirs {
        &self.dirs
    }

    /// The node's `--data-dir` (contracts, delegates, secrets).
    pub fn data_dir(&self) -> PathBuf {
        self.dirs.data()
    }

    /// The node's `--config-dir`.
    pub fn config_dir(&self) -> PathBuf {
        self.dirs.config()
    }

    /// File receiving the node's stdout and stderr, across restarts.
    pub fn log_path(&self) -> PathBuf {
        self.dirs.log_file()
    }

    /// Last `lines` lines of the node's output.
    pub fn log_tail(&self, lines: usize) -> String {
        self.dirs.log_tail(lines)
    }

    /// The node process's id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Addresses the node process listens on (TCP listeners, bound UDP sockets), read
    /// from Linux `/proc`, so a test can check they are all loopback.
    pub fn listening_addrs(&self) -> Result<Vec<SocketAddr>> {
        let pid = self
            .pid()
            .ok_or_else(|| Error::ApiMisuse("the node is not running".into()))?;
        super::sockets::listening_addrs(pid)
    }

    /// An error about this node: `what` happened, with where it runs and its log tail.
    pub fn failure(&self, what: String) -> Error {
        Error::Node {
            what: format!(
                "on 127.0.0.1:{} ({}) {what}",
                self.ws_port,
                self.dirs.root().display()
            ),
            log_tail: self.log_tail(LOG_TAIL_LINES),
        }
    }

    fn spawn(&mut self) -> Result<()> {
        self.starts += 1;
        let log_path = self.log_path();
        let mut log = File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(Error::io(format!("open {}", log_path.display())))?;
        writeln!(
            log,
            "===== {}: node start #{} =====",
            self.options.label, self.starts
        )
        .map_err(Error::io(format!("write {}", log_path.display())))?;
        let stderr = log.try_clone().map_err(Error::io("clone the log handle"))?;
        let mut command =
            gateway_command(&self.binary, &self.dirs, self.ws_port, self.network_port);
        command.stdin(Stdio::null()).stdout(log).stderr(stderr);
        if self.options.own_process_group {
            // Own process group: the terminal's Ctrl-C goes to the caller, not the node.
            command.process_group(0);
        }
        if self.options.terminate_with_parent {
            terminate_with_parent(&mut command);
        }
        let child = command
            .spawn()
            .map_err(Error::io(format!("spawn {}", self.binary.display())))?;
        let pid = child.id();
        self.child = Some(child);
        if self.options.pid_file {
            let pid_file = self.dirs.pid_file();
            fs::write(&pid_file, format!("{pid}\n"))
                .map_err(Error::io(format!("write {}", pid_file.display())))?;
        }
        Ok(())
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
        send_signal(child.id(), Signal::Terminate);
        let deadline = Instant::now() + STOP_GRACE;
        let status = loop {
            if let Some(status) = child.try_wait().map_err(Error::io("wait for the node"))? {
                break status;
            }
            if Instant::now() >= deadline {
                eprintln!(
                    "{}: the node ignored SIGTERM for {STOP_GRACE:?}; sending SIGKILL",
                    self.options.label
                );
                child.kill().map_err(Error::io("SIGKILL the node"))?;
                break child.wait().map_err(Error::io("reap the killed node"))?;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        self.remove_pid_file();
        Ok(status)
    }

    fn remove_pid_file(&self) {
        if self.options.pid_file {
            // Gone already is fine: nothing else removes it, and a stale one only
            // misleads.
            let _ = fs::remove_file(self.dirs.pid_file());
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            send_signal(child.id(), Signal::Terminate);
            let deadline = Instant::now() + DROP_GRACE;
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.kill();
            }
            let _ = child.wait();
            self.remove_pid_file();
        }
        let panicking = std::thread::panicking();
        if panicking || std::env::var_os(KEEP_DIRS_ENV).is_some() {
            if let Some(dir) = self.dir.take() {
                let kept = dir.keep();
                eprintln!("{}: kept node dir {}", self.options.label, kept.display());
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
    Err(Error::Io {
        context: "pick a loopback port".into(),
        source: std::io::Error::other("no unused loopback port after 100 tries"),
    })
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
            let skip = all.len().saturating_sub(lines);
            all.iter()
                .skip(skip)
                .copied()
                .collect::<Vec<_>>()
                .join("\n")
        }
        Err(e) => format!("(no log at {}: {e})", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_listens_on_loopback_only_with_telemetry_off() {
        let dirs = NodeDirs::new("/tmp/brook-node");
        let command = gateway_command(Path::new("freenet"), &dirs, 7509, 7510);
        let args: Vec<String> = command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let value_of = |flag: &str| {
            let i = args.iter().position(|a| a == flag).expect(flag);
            args[i + 1].clone()
        };
        assert_eq!(value_of("--ws-api-address"), "127.0.0.1");
        assert_eq!(value_of("--network-address"), "127.0.0.1");
        assert_eq!(value_of("--ws-api-port"), "7509");
        assert_eq!(value_of("--network-port"), "7510");
        assert_eq!(value_of("--data-dir"), "/tmp/brook-node/data");
        assert!(command
            .get_envs()
            .any(|(k, v)| k == "FREENET_TELEMETRY_ENABLED" && v.is_some_and(|v| v == "false")));
    }

    #[test]
    fn log_tail_keeps_the_last_lines() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("node.log");
        fs::write(&path, "a\nb\nc\n").expect("write");
        assert_eq!(log_tail(&path, 2), "b\nc");
        assert_eq!(log_tail(&path, 9), "a\nb\nc");
        assert!(log_tail(&dir.path().join("none"), 2).starts_with("(no log at "));
    }

    #[test]
    fn fresh_ports_are_never_handed_out_twice() {
        let ports: BTreeSet<u16> = (0..20)
            .map(|_| fresh_port(free_tcp_port).expect("port"))
            .collect();
        assert_eq!(ports.len(), 20);
    }
}
