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
//! kernel sends the node SIGTERM (`PR_SET_PDEATHSIG`). The node itself is run by
//! `brook_client::node::Node`, the supervisor the end-to-end tests use too; this module
//! keeps the CLI's part: inputs, the port check, publishing, printing, signals.

use std::fs;
use std::net::{TcpListener, UdpSocket};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use brook_client::node::{freenet_binary, Node, NodeDirs, NodeError, NodeOptions, FREENET_VERSION};
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::error::{CliError, Result};
use crate::keyfile::PublisherKey;
use crate::pack::pack_dir;
use crate::publish::{self, publish, read_floor, record_published, Method, VersionChoice};

/// The node answers ~2 s after spawn; 60 s leaves room for a loaded machine.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Lines of the node's output shown when it fails.
const LOG_TAIL_LINES: usize = 60;

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
    let binary = freenet_binary()?;
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
        dirs.log_file().display()
    );
    let started = Instant::now();
    let mut node = Node::launch(NodeOptions {
        root: Some(dirs.root().to_path_buf()),
        ws_port: Some(opts.ws_port),
        network_port: Some(opts.network_port),
        binary: Some(binary),
        ready_timeout: READY_TIMEOUT,
        label: "brook dev run".into(),
        own_process_group: true,
        terminate_with_parent: true,
        pid_file: true,
    })?;

    let startup = async {
        node.wait_ready().await?;
        let mut api = publish::connect(&node.ws_url()).await?;
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
    println!("  Open Brook: {}", node.web_url(published.key.id()));
    println!();

    tokio::select! {
        name = signals.recv() => println!("brook: {name} received; stopping the node"),
        status = node.exited() => {
            let status = status?;
            return Err(node
                .failure(format!("exited on its own with {status}"))
                .into());
        }
    }
    let stopping = Instant::now();
    let status = node.stop().await?;
    if !status.success() {
        return Err(NodeError::Node {
            what: format!("on 127.0.0.1:{} stopped with {status}", opts.ws_port),
            log_tail: dirs.log_tail(LOG_TAIL_LINES),
        }
        .into());
    }
    println!(
        "brook: node stopped cleanly ({status}) in {:.1} s",
        stopping.elapsed().as_secs_f64()
    );
    Ok(())
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
        CliError::PortTaken(format!(
            "127.0.0.1:{port} ({what}) is in use. Is a Brook node still running (PID in {})? \
             Otherwise pick another port with {env}=…",
            dirs.pid_file().display()
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
