//! How Brook runs the freenet node: which binary (the pinned release, nothing else) and
//! with which flags (docs/runtime.md). One place, shared by `brook dev run` and the
//! end-to-end harness, so both start exactly the same node.
//!
//! The node is a network-mode gateway that never joins anything (`--is-gateway
//! --skip-load-from-network`) and listens on 127.0.0.1 only: network mode because only
//! it services delegate contract requests and notifications; loopback because the node
//! mints an app-identity token for any contract to any client that can reach it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{CliError, Result};

/// The node release Brook runs against (wire format and host ABI are exact).
pub const FREENET_VERSION: &str = "0.2.154";

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
    Err(CliError::Node(format!(
        "need the freenet node {FREENET_VERSION}; {seen}. Install it with \
         `bash tools/install-tools.sh freenet` (or `cargo install freenet --version \
         {FREENET_VERSION}`, without --locked; see docs/runtime.md)"
    )))
}

/// A node's directories under one root: `config/`, `data/` (contracts, delegates,
/// secrets), `logs/` and `webapp_cache/` (unpacked web apps).
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
            std::fs::create_dir_all(&dir)
                .map_err(CliError::io(format!("create {}", dir.display())))?;
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
}
