//! Brook's shipped guest WASM and its migration manifests (docs/design.md §10): what is committed
//! in `ui/public/contracts/`, what keys it has, whether a fresh build may replace it, and
//! recording a shipped build before it is replaced.
//!
//! Trusts the files it is pointed at and nothing else: hashes are recomputed from bytes,
//! delegate keys from hashes, and the manifests are re-validated on every command.
//! `cargo make wasm-info`, `check-migration`, `add-migration` and `sync-wasm` call the
//! commands below; `tools/check-migration.sh` and `tools/migration-story.sh` drive them.

pub mod artifacts;
pub mod check;
pub mod manifest;

use std::fmt::Write as _;
use std::path::Path;

use artifacts::{base58, code_hash, instance_key, Kind, CHAT_DELEGATE_PARAMS};
use check::{advice, judge, load_manifest, Verdict};
use manifest::{DelegateFields, Entry};

/// `wasm-info`: each committed artifact's size, code hash and key, and whether the build
/// in `target/brook-wasm/` (if any) equals it.
pub fn info(root: &Path) -> Result<String, String> {
    let mut out = String::new();
    for artifact in artifacts::ALL {
        let path = artifact.committed(root);
        let Ok(wasm) = std::fs::read(&path) else {
            let _ = writeln!(
                out,
                "{}: not committed (`cargo make sync-wasm`)\n",
                path.display()
            );
            continue;
        };
        let hash = code_hash(&wasm);
        let build = match std::fs::read(artifact.built(root)) {
            Ok(built) if built == wasm => "equals the build in target/brook-wasm",
            Ok(_) => "differs from the build in target/brook-wasm: `cargo make check-migration`",
            Err(_) => "no build in target/brook-wasm to compare",
        };
        let _ = writeln!(
            out,
            "{}/{}  {} bytes, {build}",
            artifacts::COMMITTED_DIR,
            artifact.file,
            wasm.len()
        );
        let _ = writeln!(
            out,
            "  code hash     {}  (base58 {})",
            hex::encode(hash),
            base58(&hash)
        );
        match artifact.kind {
            Kind::Delegate => {
                let key = instance_key(&hash, CHAT_DELEGATE_PARAMS);
                let _ = writeln!(
                    out,
                    "  delegate key  {}  (base58 {})\n                = blake3(code hash ‖ params), params empty",
                    hex::encode(key),
                    base58(&key)
                );
            }
            Kind::RoomContract => {
                let _ = writeln!(
                    out,
                    "  room id       blake3(code hash ‖ owner's verifying key), one per room"
                );
            }
            Kind::Unguarded => {
                let _ = writeln!(
                    out,
                    "  contract id   blake3(code hash ‖ publisher's key): `brook publish id --key <publisher.key>`"
                );
            }
        }
        out.push('\n');
    }
    for artifact in [artifacts::CHAT_DELEGATE, artifacts::ROOM_CONTRACT] {
        if let Some(manifest) = load_manifest(root, artifact)? {
            let _ = writeln!(
                out,
                "{}: {} replaced build(s){}",
                artifact.manifest().unwrap_or_default(),
                manifest.entries.len(),
                manifest
                    .entries
                    .iter()
                    .map(|e| format!(", {} ({})", e.version, e.date))
                    .collect::<String>()
            );
        }
    }
    Ok(out)
}

/// `check-migration`'s guard: `Ok(report)` when every artifact passes, `Err(report)`
/// naming the fix otherwise.
pub fn check(root: &Path) -> Result<String, String> {
    let mut report = String::new();
    let mut ok = true;
    for artifact in artifacts::ALL {
        let finding = judge(root, artifact)?;
        ok &= finding.verdict.passes();
        let _ = writeln!(
            report,
            "{} {}",
            if finding.verdict.passes() {
                "ok"
            } else {
                "FAILED"
            },
            advice(&finding)
        );
    }
    if ok {
        Ok(report)
    } else {
        Err(report)
    }
}

/// `add-migration`: records every committed artifact that the build would replace and
/// that its manifest does not yet record, under one label. Returns what was recorded.
pub fn add(root: &Path, version: &str, date: &str, description: &str) -> Result<String, String> {
    let mut report = String::new();
    for artifact in [artifacts::CHAT_DELEGATE, artifacts::ROOM_CONTRACT] {
        let finding = judge(root, artifact)?;
        let manifest_file = artifact.manifest().unwrap_or_default();
        let (Verdict::ChangedUnrecorded, Some(code_hash)) = (&finding.verdict, finding.committed)
        else {
            continue;
        };
        let entry = Entry {
            version: version.to_owned(),
            date: date.to_owned(),
            description: description.to_owned(),
            code_hash,
            delegate: (artifact.kind == Kind::Delegate).then(|| DelegateFields {
                key: instance_key(&code_hash, CHAT_DELEGATE_PARAMS),
                params: CHAT_DELEGATE_PARAMS.to_vec(),
            }),
        };
        let manifest = manifest::append(&root.join(manifest_file), artifact.kind, &entry)?;
        let _ = writeln!(
            report,
            "{manifest_file}: recorded the committed {} as {version:?} (generation {}, code hash {})",
            artifact.file,
            manifest.entries.len() - 1,
            hex::encode(code_hash)
        );
    }
    if report.is_empty() {
        return Err(
            "nothing to record: the build replaces no committed chat_delegate.wasm or \
             room_contract.wasm that the manifests do not already record (`cargo make \
             check-migration` shows what differs)"
                .into(),
        );
    }
    report.push_str(
        "next: cargo make sync-wasm, then commit the manifest and ui/public/contracts/\n",
    );
    Ok(report)
}

/// `sync-wasm`: copies the build over the committed artifacts. Says which changed, and
/// warns when a replaced delegate or room contract is not recorded (fine for a build
/// that never shipped).
pub fn sync(root: &Path) -> Result<String, String> {
    let mut report = String::new();
    std::fs::create_dir_all(root.join(artifacts::COMMITTED_DIR))
        .map_err(|e| format!("cannot create {}: {e}", artifacts::COMMITTED_DIR))?;
    for artifact in artifacts::ALL {
        let finding = judge(root, artifact)?;
        let built = hex::encode(finding.built);
        let line = match &finding.verdict {
            Verdict::Unchanged | Verdict::CurrentListedAsLegacy { .. } => {
                format!("{}: unchanged ({built})", artifact.file)
            }
            Verdict::NotCommitted => format!("{}: added ({built})", artifact.file),
            Verdict::ChangedRecorded { version, .. } => format!(
                "{}: updated to {built}; the replaced build is recorded as {version:?}",
                artifact.file
            ),
            Verdict::ChangedUnrecorded => {
                let old = finding.committed.map(hex::encode).unwrap_or_default();
                match artifact.manifest() {
                    Some(manifest) => format!(
                        "{}: updated to {built}; the replaced {old} is NOT in {manifest}: \
                         fine if it never shipped; if it did, restore it (`git checkout -- \
                         {}/{}`) and `cargo make add-migration` first",
                        artifact.file,
                        artifacts::COMMITTED_DIR,
                        artifact.file
                    ),
                    None => format!("{}: updated to {built} (was {old})", artifact.file),
                }
            }
        };
        if finding.committed != Some(finding.built) {
            std::fs::copy(artifact.built(root), artifact.committed(root))
                .map_err(|e| format!("cannot copy {}: {e}", artifact.file))?;
        }
        report.push_str(&line);
        report.push('\n');
    }
    Ok(report)
}
