//! Publishing the web container (docs/design.md §7): sign a UI archive as the next version and
//! PUT it (first publish) or UPDATE it (later ones) on a node.
//!
//! Which version: an explicit one when asked, otherwise one above both the version the
//! node holds and the local floor — the last version this key published, remembered in
//! `<key file>.version`, so a node that lost its data never makes the publisher reuse a
//! version that peers may already hold at higher.
//!
//! How: a node that holds the contract gets an UPDATE whose delta is a *publication*
//! ([`publication`]), which the contract applies only if it is signed and newer than
//! what it holds and otherwise refuses with its reason (rule WEB-3), so a refusal
//! reaches the publisher as [`CliError::PublicationRefused`]. A plain state would be
//! merged instead, and a merge ignores an older version without a word (rule WEB-2).
//! A node without the contract gets a PUT; PUT merges too, so after it the state is read
//! back, which catches the contract arriving between the GET and the PUT.
//!
//! What it trusts: the node's answer to GET for the current version.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use brook_client::node::{Connection, NodeError};
use brook_common::web_container::{publication, WebContainer, MAX_WEB_STATE_BYTES};
use freenet_stdlib::prelude::{ContractCode, ContractKey, Parameters};

use crate::error::{CliError, Result};
use crate::keyfile::PublisherKey;

/// Deadline of every wait of a publisher's connection: a loopback node answers in well
/// under a second, but the first PUT of a contract compiles its WASM.
pub const PUBLISH_TIMEOUT: Duration = Duration::from_secs(60);

/// A connection to the node at `url` (`brook_client::node::command_url`) that waits
/// [`PUBLISH_TIMEOUT`] for each answer.
pub async fn connect(url: &str) -> Result<Connection> {
    let mut api = Connection::connect_url(url).await?;
    api.set_timeout(PUBLISH_TIMEOUT);
    Ok(api)
}

/// The web container's key: `blake3(blake3(wasm) ‖ params)` with params = the
/// publisher's verifying key, computed locally exactly as the node does.
pub fn contract_key(wasm: &[u8], publisher: &PublisherKey) -> ContractKey {
    ContractKey::from_params_and_code(
        Parameters::from(publisher.params().to_vec()),
        ContractCode::from(wasm.to_vec()),
    )
}

/// How to pick the version to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionChoice {
    /// Exactly this version (refused if the node holds this version or a newer one).
    Exact(u64),
    /// The smallest version above the node's and at least `floor`.
    Next { floor: u64 },
}

impl VersionChoice {
    /// The version to sign, given the version the node holds (if any).
    pub fn resolve(self, on_node: Option<u64>) -> Result<u64> {
        match self {
            VersionChoice::Exact(v) => Ok(v),
            VersionChoice::Next { floor } => {
                let above_node = match on_node {
                    Some(v) => v.checked_add(1).ok_or_else(|| {
                        CliError::Usage("the node holds version u64::MAX; nothing is newer".into())
                    })?,
                    None => 1,
                };
                Ok(above_node.max(floor))
            }
        }
    }
}

/// How the web container got onto the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Put,
    Update,
}

/// What a publish did.
#[derive(Debug, Clone)]
pub struct Published {
    pub key: ContractKey,
    pub version: u64,
    /// The version the node held before, if it had the contract.
    pub previous: Option<u64>,
    pub method: Method,
}

/// The version of the web container `key` that the node holds, `None` if it has none.
pub async fn version_on_node(api: &mut Connection, key: &ContractKey) -> Result<Option<u64>> {
    let Some(state) = api.get(key).await? else {
        return Ok(None);
    };
    let container = WebContainer::decode(&state).map_err(|e| NodeError::Unexpected {
        request: format!("GET of web container {}", key.id()),
        detail: format!("the node's state is not a web container: {e}"),
    })?;
    Ok(Some(container.metadata.version))
}

/// Signs `archive` as the chosen version and stores it on the node behind `api`.
pub async fn publish(
    api: &mut Connection,
    wasm: &[u8],
    publisher: &PublisherKey,
    archive: Vec<u8>,
    choice: VersionChoice,
) -> Result<Published> {
    let key = contract_key(wasm, publisher);
    let previous = version_on_node(api, &key).await?;
    let version = choice.resolve(previous)?;
    let state = WebContainer::publish(publisher.signing_key(), version, archive)
        .encode()
        .map_err(|e| CliError::Internal(e.to_string()))?;
    if state.len() > MAX_WEB_STATE_BYTES {
        return Err(CliError::Usage(format!(
            "the web container would be {} bytes; the node stores at most {MAX_WEB_STATE_BYTES}",
            state.len()
        )));
    }
    let method = match previous {
        None => {
            api.put(wasm, publisher.params().to_vec(), state).await?;
            let kept = version_on_node(api, &key).await?;
            if kept != Some(version) {
                return Err(CliError::NotApplied {
                    id: key.id().to_string(),
                    published: version,
                    kept: kept.unwrap_or(0),
                });
            }
            Method::Put
        }
        Some(_) => {
            // rule WEB-3: the contract takes a publication only if it is newer.
            api.update_delta(&key, publication(&state))
                .await
                .map_err(|e| refused_publication(e, &key, version))?;
            Method::Update
        }
    };
    Ok(Published {
        key,
        version,
        previous,
        method,
    })
}

/// The node's refusal of a publication as the contract's reason, when it gave one.
fn refused_publication(err: NodeError, key: &ContractKey, version: u64) -> CliError {
    match err.contract_reason() {
        Some(reason) => CliError::PublicationRefused {
            id: key.id().to_string(),
            version,
            reason,
        },
        None => CliError::Node(err),
    }
}

/// Where the last version published with `key_file` is remembered.
pub fn floor_path(key_file: &Path) -> PathBuf {
    let mut name = key_file.as_os_str().to_owned();
    name.push(".version");
    PathBuf::from(name)
}

/// The lowest version the next default publish with `key_file` may use: one above the
/// last one it published (1 when it never did).
pub fn read_floor(key_file: &Path) -> Result<u64> {
    let path = floor_path(key_file);
    match fs::read_to_string(&path) {
        Ok(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .and_then(|last| last.checked_add(1))
            .ok_or_else(|| CliError::KeyFile {
                path,
                problem: format!("expected the last published version, found {text:?}"),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(1),
        Err(e) => Err(CliError::io(format!("read {}", path.display()))(e)),
    }
}

/// Remembers `version` as the last one published with `key_file` (never lowering it).
pub fn record_published(key_file: &Path, version: u64) -> Result<()> {
    if version < read_floor(key_file)?.saturating_sub(1) {
        return Ok(());
    }
    let path = floor_path(key_file);
    let tmp = PathBuf::from(format!("{}.tmp", path.display()));
    fs::write(&tmp, format!("{version}\n"))
        .and_then(|()| fs::rename(&tmp, &path))
        .map_err(CliError::io(format!("write {}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_version_is_above_node_and_floor() {
        let next = |floor, node| {
            VersionChoice::Next { floor }
                .resolve(node)
                .expect("resolve")
        };
        assert_eq!(next(1, None), 1);
        assert_eq!(next(1, Some(1)), 2);
        assert_eq!(next(5, Some(1)), 5);
        assert_eq!(next(2, Some(7)), 8);
        assert_eq!(VersionChoice::Exact(3).resolve(Some(9)).expect("exact"), 3);
        assert!(VersionChoice::Next { floor: 1 }
            .resolve(Some(u64::MAX))
            .is_err());
    }

    #[test]
    fn floor_follows_the_highest_recorded_version() {
        let dir = tempfile::tempdir().expect("dir");
        let key = dir.path().join("publisher.key");
        assert_eq!(read_floor(&key).expect("no file"), 1);
        record_published(&key, 4).expect("record 4");
        assert_eq!(read_floor(&key).expect("floor"), 5);
        record_published(&key, 2).expect("record 2");
        assert_eq!(read_floor(&key).expect("floor"), 5, "never lowered");
        assert_eq!(floor_path(&key), dir.path().join("publisher.key.version"));
        fs::write(floor_path(&key), "x").expect("write");
        assert!(read_floor(&key).is_err());
    }

    #[test]
    fn contract_id_is_blake3_of_code_hash_and_params() {
        let publisher = PublisherKey::generate();
        let wasm = b"\0asm stand-in";
        let mut hasher = blake3::Hasher::new();
        hasher.update(blake3::hash(wasm).as_bytes());
        hasher.update(&publisher.params());
        let key = contract_key(wasm, &publisher);
        assert_eq!(key.id().as_bytes(), hasher.finalize().as_bytes());
    }

    #[test]
    fn contract_key_depends_on_wasm_and_publisher() {
        let (a, b) = (PublisherKey::generate(), PublisherKey::generate());
        assert_eq!(contract_key(b"w", &a), contract_key(b"w", &a));
        assert_ne!(contract_key(b"w", &a), contract_key(b"w", &b));
        assert_ne!(contract_key(b"w", &a), contract_key(b"v", &a));
    }
}
