//! `brook dev run` (what `cargo make run` runs): a local node with Brook's web container
//! published, in the foreground until Ctrl-C.
//!
//! Everything lives under one project-local state dir (`.brook/`): the node's dirs in
//! `node/`, its output in `node/node.log`, its PID in `node/node.pid`, and the publisher
//! key in `publisher.key` (created once, mode 0600). A second run therefore finds the same
//! contract on the node, under the same key, and publishes the next version.
//!
//! The node runs in its own process group, so Ctrl-C reaches only this process, which
//! stops the node with SIGTERM and waits for it; should this process die first, the
//! kernel sends the node SIGTERM (`PR_SET_PDEATHSIG`).

use std::fs::{self, File};
use std::io::Write;
use std::net::{TcpListener, UdpSocket};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::error::{CliError, Result};
use crate::freenet::{find_binary, gateway_command, NodeDirs, FREENET_VERSION};
use crate::keyfile::PublisherKey;
use crate::node_api::{command_url, web_url, NodeApi};
use crate::pack::pack_dir;
use crate::publish::{publish, read_floor, record_published, Method, VersionChoice};

/// The node answers ~2 s after spawn; 60 s leaves room for a loaded machine.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// A clean stop takes ~2 s; after this the node is killed.
const STOP_GRACE: Duration = Duration::from_secs(15);

/// What `brook dev run` needs.
#[derive(Debug, Clone)]
pub struct DevRun {
    /// Project-local state dir (`.brook`).
    pub state_dir: PathBuf,
    pub ws_port: u16,
    pub network_port: u16,
    /// The directory served as the UI.
    pub ui_dir: PathBuf,
    /// The web container contract.
    pub wasm: PathBuf,
}

/// Runs until SIGINT/SIGTERM/SIGHUP (then stops the node and returns `Ok`) or until the
/// node fails.
pub async fn run(opts: &DevRun) -> Result<()> {
    let binary = find_binary()?;
    // Read every input before anything is started.
    let wasm = fs::read(&opts.wasm).map_err(CliError::io(format!(
        "read the web container contract {} (build it with `cargo make build-wasm`)",
        opts.wasm.display()
    )))?;
    let archive = pack_dir(&opts.ui_dir)?;
    create_private_dir(&opts.state_dir)?;
    let key_path = opts.state_dir.join("publisher.key");
    let (publisher, created) = PublisherKey::load_or_create(&key_path)?;
    let dirs = NodeDirs::new(opts.state_dir.join("node"));
    dirs.create()?;
    ensure_ports_free(opts, &dirs)?;
    let mut signals = Signals::new()?;

    println!(
        "brook: publisher key {} ({})",
        key_path.display(),
        if created { "created" } else { "existing" }
    );
    println!(
        "brook: starting freenet {FREENET_VERSION} on 127.0.0.1:{} (data in {}, output in {})",
        opts.ws_port,
        dirs.root().display(),
        log_path(&dirs).display()
    );
    let started = Instant::now();
    let mut node = DevNode::spawn(&binary, &dirs, opts)?;

    let startup = async {
        let mut api = node.wait_ready(opts.ws_port).await?;
        println!(
            "brook: node ready in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let floor = read_floor(&key_path)?;
        let published = publish(
            &mut api,
            &wasm,
            &publisher,
            archive,
            VersionChoice::Next { floor },
        )
        .await?;
        record_published(&key_path, published.version)?;
        Ok::<_, CliError>(published)
    };
    let published = tokio::select! {
        published = startup => published,
        name = signals.recv() => {
            println!("brook: {name} during startup; stopping the node");
            node.stop().await?;
            return Ok(());
        }
    };
    let published = match published {
        Ok(p) => p,
        Err(e) => {
            let _ = node.stop().await;
            return Err(e);
        }
    };

    let authority = format!("127.0.0.1:{}", opts.ws_port);
    let how = match (published.method, published.previous) {
        (Method::Put, _) => "PUT, first publish on this node".to_owned(),
        (Method::Update, Some(v)) => format!("UPDATE, the node had version {v}"),
        (Method::Update, None) => "UPDATE".to_owned(),
    };
    println!(
        "brook: published web container {} version {} ({how})",
        published.key.id(),
        published.version
    );
    println!("brook: the node runs until Ctrl-C");
    println!();
    println!("  Open Brook: {}", web_url(&authority, published.key.id()));
    println!();

    tokio::select! {
        name = signals.recv() => println!("brook: {name} received; stopping the node"),
        status = node.child.wait() => {
            let status = status.map_err(CliError::io("wait for the node"))?;
            return Err(CliError::Node(format!(
                "exited on its own with {status}; see {}",
                log_path(&dirs).display()
            )));
        }
    }
    let stopping = Instant::now();
    let status = node.stop().await?;
    if !status.success() {
        return Err(CliError::Node(format!(
            "stopped with {status}; see {}",
            log_path(&dirs).display()
        )));
    }
    println!(
        "brook: node stopped cleanly ({status}) in {:.1} s",
        stopping.elapsed().as_secs_f64()
    );
    Ok(())
}

fn log_path(dirs: &NodeDirs) -> PathBuf {
    dirs.root().join("node.log")
}

fn pid_path(dirs: &NodeDirs) -> PathBuf {
    dirs.root().join("node.pid")
}

/// `mkdir -p` with mode 0700 for a newly created dir: it will hold the publisher key.
fn create_private_dir(dir: &Path) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(CliError::io(format!("create {}", dir.display())))
}

/// A clear error instead of a node that dies on a taken port.
fn ensure_ports_free(opts: &DevRun, dirs: &NodeDirs) -> Result<()> {
    let taken = |what: &str, port: u16, env: &str| {
        CliError::Node(format!(
            "127.0.0.1:{port} ({what}) is in use. Is a Brook node still running (PID in {})? \
             Otherwise pick another port with {env}=…",
            pid_path(dirs).display()
        ))
    };
    TcpListener::bind(("127.0.0.1", opts.ws_port))
        .map_err(|_| taken("client API, TCP", opts.ws_port, "BROOK_WS_PORT"))?;
    UdpSocket::bind(("127.0.0.1", opts.network_port))
        .map_err(|_| taken("peer network, UDP", opts.network_port, "BROOK_NETWORK_PORT"))?;
    Ok(())
}

/// The signals that end a dev run.
struct Signals {
    interrupt: Signal,
    terminate: Signal,
    hangup: Signal,
}

impl Signals {
    fn new() -> Result<Self> {
        let listen = |kind| signal(kind).map_err(CliError::io("install a signal handler"));
        Ok(Signals {
            interrupt: listen(SignalKind::interrupt())?,
            terminate: listen(SignalKind::terminate())?,
            hangup: listen(SignalKind::hangup())?,
        })
    }

    /// Waits for the next one and names it.
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.hangup.recv() => "SIGHUP",
        }
    }
}

struct DevNode {
    child: tokio::process::Child,
    pid: u32,
    pid_file: PathBuf,
}

impl DevNode {
    fn spawn(binary: &Path, dirs: &NodeDirs, opts: &DevRun) -> Result<DevNode> {
        let log = log_path(dirs);
        let mut out = File::options()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(CliError::io(format!("open {}", log.display())))?;
        writeln!(out, "===== brook dev run: starting the node =====")
            .map_err(CliError::io(format!("write {}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(CliError::io("clone the log handle"))?;
        let mut command = gateway_command(binary, dirs, opts.ws_port, opts.network_port);
        command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // Own process group: the terminal's Ctrl-C goes to us, not to the node.
            .process_group(0);
        crate::process::terminate_with_parent(&mut command);
        let child = tokio::process::Command::from(command)
            .spawn()
            .map_err(CliError::io(format!("start {}", binary.display())))?;
        let pid = child
            .id()
            .ok_or_else(|| CliError::Node("exited before it could be tracked".into()))?;
        let pid_file = pid_path(dirs);
        fs::write(&pid_file, format!("{pid}\n"))
            .map_err(CliError::io(format!("write {}", pid_file.display())))?;
        Ok(DevNode {
            child,
            pid,
            pid_file,
        })
    }

    /// Connects to the client API once it answers; fails if the node exits first.
    async fn wait_ready(&mut self, ws_port: u16) -> Result<NodeApi> {
        let url = command_url(&format!("127.0.0.1:{ws_port}"));
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self
                .child
                .try_wait()
                .map_err(CliError::io("poll the node"))?
            {
                return Err(CliError::Node(format!(
                    "exited with {status} before it was ready"
                )));
            }
            match NodeApi::connect(&url).await {
                Ok(api) => return Ok(api),
                Err(e) if Instant::now() >= deadline => {
                    return Err(CliError::Node(format!(
                        "did not answer within {READY_TIMEOUT:?}: {e}"
                    )))
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// SIGTERM, wait up to [`STOP_GRACE`], then SIGKILL.
    async fn stop(&mut self) -> Result<ExitStatus> {
        crate::process::send_signal(self.pid, crate::process::Signal::Terminate);
        let status = match tokio::time::timeout(STOP_GRACE, self.child.wait()).await {
            Ok(status) => status.map_err(CliError::io("wait for the node"))?,
            Err(_) => {
                eprintln!("brook: the node ignored SIGTERM for {STOP_GRACE:?}; killing it");
                self.child
                    .kill()
                    .await
                    .map_err(CliError::io("kill the node"))?;
                self.child
                    .wait()
                    .await
                    .map_err(CliError::io("reap the node"))?
            }
        };
        let _ = fs::remove_file(&self.pid_file);
        Ok(status)
    }
}
