//! `brook dev run` (what `cargo make run` runs), as a user runs it: it starts a node,
//! publishes the placeholder UI and prints the URL; the page serves; the node listens on
//! loopback only; Ctrl-C (SIGINT) stops the node cleanly; a second run reuses the node's
//! data and the publisher key, so the contract id stays and the version goes up.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use brook_client::node::process::{send_signal, Signal};
use brook_e2e::{http_get, listening_addrs, placeholder_ui_dir, workspace_root};

/// Start to URL: node start (~2 s) plus the first PUT; generous for a loaded machine.
const URL_TIMEOUT: Duration = Duration::from_secs(120);
/// SIGINT to exit: the node stops in ~2 s, `brook` waits at most 15 s before SIGKILL.
const EXIT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the `brook` binary and returns its path (cargo reports where it put it).
fn brook_binary() -> PathBuf {
    let out = Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "brook-cli", "--bin", "brook"])
        .arg("--message-format=json")
        .current_dir(workspace_root())
        .stderr(Stdio::inherit())
        .output()
        .expect("run cargo build");
    assert!(out.status.success(), "cargo build -p brook-cli failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find_map(|msg| msg["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported the brook executable")
}

/// A free TCP port (client API) and a free UDP port (peer network) on loopback.
fn free_ports() -> (u16, u16) {
    let tcp = TcpListener::bind("127.0.0.1:0").expect("probe TCP port");
    let udp = UdpSocket::bind("127.0.0.1:0").expect("probe UDP port");
    (
        tcp.local_addr().expect("addr").port(),
        udp.local_addr().expect("addr").port(),
    )
}

/// One `brook dev run` process and the lines it printed.
struct DevRun {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl DevRun {
    fn start(binary: &Path, state_dir: &Path, (ws, net): (u16, u16)) -> DevRun {
        let mut child = Command::new(binary)
            .args(["dev", "run", "--state-dir"])
            .arg(state_dir)
            .args([
                "--ws-port",
                &ws.to_string(),
                "--network-port",
                &net.to_string(),
            ])
            .arg("--ui")
            .arg(placeholder_ui_dir())
            .current_dir(workspace_root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start brook dev run");
        let stdout = child.stdout.take().expect("piped stdout");
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                eprintln!("  | {line}");
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        DevRun {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for the line containing `needle` and returns it.
    fn wait_for(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(e) => panic!("no line with {needle:?} ({e:?}); printed: {:#?}", self.seen),
            }
        }
    }

    /// Ctrl-C: SIGINT to `brook` alone (the node has its own process group), then waits.
    fn interrupt(&mut self) -> ExitStatus {
        send_signal(self.child.id(), Signal::Interrupt);
        let deadline = Instant::now() + EXIT_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll brook") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "brook still running {EXIT_TIMEOUT:?} after SIGINT"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for DevRun {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            // SIGINT lets brook stop its node; SIGKILL would leave that to PDEATHSIG.
            send_signal(self.child.id(), Signal::Interrupt);
            let _ = self.child.wait();
        }
    }
}

fn node_pid(state_dir: &Path) -> u32 {
    let text = std::fs::read_to_string(state_dir.join("node/node.pid")).expect("node.pid");
    text.trim().parse().expect("a PID")
}

/// One run: start, check the page and the sockets, Ctrl-C, check the node is gone.
/// Returns the URL and the publish line.
async fn run_once(binary: &Path, state_dir: &Path, ports: (u16, u16)) -> (String, String) {
    let started = Instant::now();
    let mut run = DevRun::start(binary, state_dir, ports);
    let published = run.wait_for("published web container", URL_TIMEOUT);
    let url_line = run.wait_for("Open Brook: ", URL_TIMEOUT);
    eprintln!("URL after {:?}", started.elapsed());
    let url = url_line
        .split("Open Brook: ")
        .nth(1)
        .expect("URL")
        .trim()
        .to_owned();

    let page = http_get(&url).await.expect("GET the page");
    assert_eq!(page.status, 200, "{url}: {}", page.text());
    assert!(
        page.text().contains("freenetBridge(\""),
        "not the gateway's shell page"
    );

    let pid = node_pid(state_dir);
    let addrs = listening_addrs(pid).expect("the node's sockets");
    assert!(
        addrs.iter().any(|a| a.port() == ports.0),
        "API port not in {addrs:?}"
    );
    assert!(
        addrs.iter().all(|a| a.ip().is_loopback()),
        "beyond loopback: {addrs:?}"
    );

    let stopping = Instant::now();
    let status = run.interrupt();
    eprintln!(
        "brook exited {status} {:?} after SIGINT",
        stopping.elapsed()
    );
    assert!(status.success(), "brook dev run exited with {status}");
    run.wait_for("node stopped cleanly", Duration::from_secs(5));
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists(),
        "node {pid} still running"
    );
    assert!(!state_dir.join("node/node.pid").exists(), "stale node.pid");
    (url, published)
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_run_serves_the_page_stops_on_ctrl_c_and_republishes_higher() {
    let binary = brook_binary();
    let state = tempfile::tempdir().expect("state dir");
    let state_dir = state.path().join(".brook");
    let ports = free_ports();

    let (url, first) = run_once(&binary, &state_dir, ports).await;
    assert!(
        first.ends_with("version 1 (PUT, first publish on this node)"),
        "{first}"
    );
    let key = state_dir.join("publisher.key");
    let mode = std::fs::metadata(&key).expect("key").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "publisher key mode");

    let (again, second) = run_once(&binary, &state_dir, ports).await;
    assert_eq!(
        again, url,
        "same node data and key: same contract id, same URL"
    );
    assert!(
        second.ends_with("version 2 (UPDATE, the node had version 1)"),
        "{second}"
    );
}
