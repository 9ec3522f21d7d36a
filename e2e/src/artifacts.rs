//! Where tests find what the build produced and the tools they drive: the shipped guest
//! WASM (built by `cargo make build-wasm`) and the pinned `fdev`.

use std::path::PathBuf;
use std::process::Command;

/// The fdev release whose `verify-merge` the conformance test runs.
pub const FDEV_VERSION: &str = "0.3.316";

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A shipped guest WASM by file name, from `target/brook-wasm/`. Panics with the command
/// that builds it: a real-node test never runs against a stale or missing build silently.
pub fn guest_wasm(file: &str) -> Vec<u8> {
    let path = workspace_root().join("target/brook-wasm").join(file);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); build the guest WASM first: `cargo make build-wasm`",
            path.display()
        )
    })
}

/// The room contract as it ships.
pub fn room_contract_wasm() -> Vec<u8> {
    guest_wasm("room_contract.wasm")
}

/// `fdev` at [`FDEV_VERSION`] from PATH or `~/.cargo/bin`; panics with the install command
/// otherwise (tests never skip for a missing tool).
pub fn fdev_binary() -> PathBuf {
    let mut candidates = vec![PathBuf::from("fdev")];
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cargo/bin/fdev"));
    }
    for candidate in candidates {
        if let Ok(out) = Command::new(&candidate).arg("--version").output() {
            if String::from_utf8_lossy(&out.stdout).contains(FDEV_VERSION) {
                return candidate;
            }
        }
    }
    panic!("fdev {FDEV_VERSION} not found: `cargo install fdev --version {FDEV_VERSION}` (no --locked), or `cargo make install-tools`")
}
