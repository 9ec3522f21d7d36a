//! The repository's migration manifests and committed artifacts (docs/design.md §10), and the
//! guard's whole story on a scratch repository: a changed build fails until the committed
//! build is recorded, then `add` + `sync` make it pass.

use std::path::{Path, PathBuf};

use brook_migration::artifacts::{self, code_hash, instance_key, Kind};
use brook_migration::check::{judge, Verdict};
use brook_migration::manifest;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn blake3_concat(a: &[u8], b: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(a);
    h.update(b);
    *h.finalize().as_bytes()
}

#[test]
fn the_delegate_manifest_is_valid_and_every_key_recomputes() {
    let path = repo().join(artifacts::DELEGATE_MANIFEST);
    let m = manifest::load(&path, Kind::Delegate).unwrap_or_else(|e| panic!("{e}"));
    // The raw file, read without the validator: each stated key is blake3(code_hash ‖ params).
    let raw: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let rows = raw.get("entry").and_then(|e| e.as_array()).cloned();
    let rows = rows.unwrap_or_default();
    assert_eq!(rows.len(), m.entries.len());
    for row in rows {
        let field = |k: &str| row.get(k).and_then(|v| v.as_str()).unwrap().to_owned();
        let code_hash = hex::decode(field("code_hash")).unwrap();
        let params = hex::decode(field("params_hex")).unwrap();
        assert_eq!(
            hex::encode(blake3_concat(&code_hash, &params)),
            field("delegate_key"),
            "entry {:?}",
            field("version")
        );
    }
}

#[test]
fn the_room_contract_manifest_is_valid() {
    let path = repo().join(artifacts::ROOM_CONTRACT_MANIFEST);
    manifest::load(&path, Kind::RoomContract).unwrap_or_else(|e| panic!("{e}"));
}

/// brook-common's build script generated its constants from these same files.
#[test]
fn the_generated_constants_match_the_manifests() {
    let delegates = manifest::load(&repo().join(artifacts::DELEGATE_MANIFEST), Kind::Delegate)
        .unwrap()
        .entries
        .iter()
        .map(|e| (e.delegate.as_ref().unwrap().key, e.code_hash))
        .collect::<Vec<_>>();
    assert_eq!(brook_common::legacy::LEGACY_DELEGATES, delegates.as_slice());
    let rooms = manifest::load(
        &repo().join(artifacts::ROOM_CONTRACT_MANIFEST),
        Kind::RoomContract,
    )
    .unwrap()
    .entries
    .iter()
    .map(|e| e.code_hash)
    .collect::<Vec<_>>();
    assert_eq!(
        brook_common::legacy::LEGACY_ROOM_CONTRACT_CODE_HASHES,
        rooms.as_slice()
    );
}

/// The keys `wasm-info` prints and the manifests record are the ones the node derives.
#[test]
fn keys_agree_with_freenet_stdlib() {
    use freenet_stdlib::prelude::{
        ContractCode, ContractInstanceId, Delegate, DelegateCode, Parameters,
    };
    let wasm = std::fs::read(artifacts::CHAT_DELEGATE.committed(&repo()))
        .expect("the committed chat delegate (`cargo make sync-wasm`)");
    let params = Parameters::from(artifacts::CHAT_DELEGATE_PARAMS.to_vec());
    let delegate = Delegate::from((&DelegateCode::from(wasm.clone()), &params));
    let ours = instance_key(&code_hash(&wasm), artifacts::CHAT_DELEGATE_PARAMS);
    assert_eq!(delegate.key().bytes(), ours);
    assert_eq!(delegate.key().encode(), artifacts::base58(&ours));

    let wasm = std::fs::read(artifacts::ROOM_CONTRACT.committed(&repo()))
        .expect("the committed room contract (`cargo make sync-wasm`)");
    let owner = [0x42u8; 32];
    let id = ContractInstanceId::from_params_and_code(
        Parameters::from(owner.to_vec()),
        ContractCode::from(wasm.clone()),
    );
    assert_eq!(id.as_bytes(), instance_key(&code_hash(&wasm), &owner));
}

/// A scratch repository: manifests, committed artifacts and a build.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for file in [
            artifacts::DELEGATE_MANIFEST,
            artifacts::ROOM_CONTRACT_MANIFEST,
        ] {
            std::fs::copy(repo().join(file), dir.path().join(file)).unwrap();
        }
        std::fs::create_dir_all(dir.path().join(artifacts::COMMITTED_DIR)).unwrap();
        std::fs::create_dir_all(dir.path().join(artifacts::BUILD_DIR)).unwrap();
        let scratch = Scratch { dir };
        for a in artifacts::ALL {
            scratch.build(a.file, a.file.as_bytes());
        }
        brook_migration::sync(scratch.root()).unwrap();
        scratch
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn build(&self, file: &str, bytes: &[u8]) {
        std::fs::write(self.root().join(artifacts::BUILD_DIR).join(file), bytes).unwrap();
    }
}

#[test]
fn a_changed_delegate_fails_until_recorded_then_add_and_sync_pass() {
    let s = Scratch::new();
    brook_migration::check(s.root()).unwrap();
    let shipped = code_hash(b"chat_delegate.wasm");

    s.build("chat_delegate.wasm", b"chat_delegate.wasm, changed");
    let report = brook_migration::check(s.root()).unwrap_err();
    assert!(
        report.contains("FAILED chat_delegate.wasm")
            && report.contains("cargo make add-migration --version")
            && report.contains("cargo make sync-wasm")
            && report.contains(&hex::encode(shipped)),
        "{report}"
    );

    let added = brook_migration::add(s.root(), "0.1.0", "2026-11-21", "first release").unwrap();
    assert!(
        added.contains("recorded the committed chat_delegate.wasm"),
        "{added}"
    );
    // Recorded but not yet synced: passes, and says what to run next.
    let report = brook_migration::check(s.root()).unwrap();
    assert!(report.contains("cargo make sync-wasm"), "{report}");
    let m = manifest::load(&s.root().join(artifacts::DELEGATE_MANIFEST), Kind::Delegate).unwrap();
    assert_eq!(m.entries.len(), 1);
    assert_eq!(m.entries[0].code_hash, shipped);
    assert_eq!(
        m.entries[0].delegate.as_ref().unwrap().key,
        instance_key(&shipped, &[])
    );

    brook_migration::sync(s.root()).unwrap();
    brook_migration::check(s.root()).unwrap();
    // Only the changed artifact was recorded.
    let rooms = manifest::load(
        &s.root().join(artifacts::ROOM_CONTRACT_MANIFEST),
        Kind::RoomContract,
    )
    .unwrap();
    assert!(rooms.entries.is_empty());
}

#[test]
fn a_changed_room_contract_is_guarded_the_same_way() {
    let s = Scratch::new();
    s.build("room_contract.wasm", b"room_contract.wasm, changed");
    let report = brook_migration::check(s.root()).unwrap_err();
    assert!(report.contains("FAILED room_contract.wasm"), "{report}");
    brook_migration::add(s.root(), "0.1.0", "2026-11-21", "first release").unwrap();
    brook_migration::sync(s.root()).unwrap();
    brook_migration::check(s.root()).unwrap();
    let rooms = manifest::load(
        &s.root().join(artifacts::ROOM_CONTRACT_MANIFEST),
        Kind::RoomContract,
    )
    .unwrap();
    assert_eq!(rooms.entries[0].code_hash, code_hash(b"room_contract.wasm"));
}

#[test]
fn a_changed_web_container_fails_until_synced_and_add_records_nothing() {
    let s = Scratch::new();
    s.build("web_container.wasm", b"web_container.wasm, changed");
    let report = brook_migration::check(s.root()).unwrap_err();
    assert!(
        report.contains("FAILED web_container.wasm") && report.contains("cargo make sync-wasm"),
        "{report}"
    );
    let err = brook_migration::add(s.root(), "0.1.0", "2026-11-21", "x").unwrap_err();
    assert!(err.contains("nothing to record"), "{err}");
    brook_migration::sync(s.root()).unwrap();
    brook_migration::check(s.root()).unwrap();
}

#[test]
fn the_current_build_listed_as_legacy_fails() {
    let s = Scratch::new();
    s.build("chat_delegate.wasm", b"v2");
    brook_migration::add(s.root(), "0.1.0", "2026-11-21", "first release").unwrap();
    // Back to the recorded bytes without syncing: the current delegate is now "legacy".
    s.build("chat_delegate.wasm", b"chat_delegate.wasm");
    assert_eq!(
        judge(s.root(), artifacts::CHAT_DELEGATE).unwrap().verdict,
        Verdict::CurrentListedAsLegacy {
            version: "0.1.0".into()
        }
    );
    assert!(brook_migration::check(s.root()).is_err());
}

#[test]
fn a_missing_committed_artifact_fails_and_sync_adds_it() {
    let s = Scratch::new();
    std::fs::remove_file(artifacts::CHAT_DELEGATE.committed(s.root())).unwrap();
    let report = brook_migration::check(s.root()).unwrap_err();
    assert!(report.contains("not committed yet"), "{report}");
    brook_migration::sync(s.root()).unwrap();
    brook_migration::check(s.root()).unwrap();
}
