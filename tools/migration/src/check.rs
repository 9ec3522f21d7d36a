//! The hash guard: does a fresh build replace a committed artifact, and may it?
//!
//! A committed artifact may be replaced by different bytes only when its own code hash is
//! recorded in its manifest, so the successor can still reach what users keep under the
//! old key (freenet-migrate-build's `check_migration_guard`, the rule River's and Delta's
//! CI scripts share). The committed tree is what ships: an artifact with no manifest
//! (the web container) must always equal the build.

use std::path::Path;

use freenet_migrate_build::{check_migration_guard, GuardOutcome};

use crate::artifacts::{code_hash, Artifact, Kind};
use crate::manifest::{self, Manifest};

/// What comparing one artifact's committed copy with the build found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The build is byte-identical to the committed artifact.
    Unchanged,
    /// Identical, yet the manifest lists it as a replaced build: the walk would try to
    /// migrate the current delegate from itself.
    CurrentListedAsLegacy { version: String },
    /// Different, and the committed build is recorded (generation `generation`): safe to
    /// replace with `sync-wasm`.
    ChangedRecorded { generation: usize, version: String },
    /// Different, and nothing records the committed build.
    ChangedUnrecorded,
    /// No committed artifact yet.
    NotCommitted,
}

impl Verdict {
    pub fn passes(&self) -> bool {
        matches!(self, Verdict::Unchanged | Verdict::ChangedRecorded { .. })
    }
}

/// One artifact's committed and built code hashes and the verdict on them.
#[derive(Clone, Debug)]
pub struct Finding {
    pub artifact: Artifact,
    pub committed: Option<[u8; 32]>,
    pub built: [u8; 32],
    pub verdict: Verdict,
}

/// Loads an artifact's manifest, if it has one.
pub fn load_manifest(root: &Path, artifact: Artifact) -> Result<Option<Manifest>, String> {
    artifact
        .manifest()
        .map(|file| manifest::load(&root.join(file), artifact.kind))
        .transpose()
}

/// Compares the committed copy of `artifact` under `root` with its build.
pub fn judge(root: &Path, artifact: Artifact) -> Result<Finding, String> {
    let built_path = artifact.built(root);
    let built = std::fs::read(&built_path).map_err(|e| {
        format!(
            "cannot read the build {} ({e}): `cargo make build-wasm`",
            built_path.display()
        )
    })?;
    let built = code_hash(&built);
    let committed = match std::fs::read(artifact.committed(root)) {
        Ok(bytes) => code_hash(&bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Finding {
                artifact,
                committed: None,
                built,
                verdict: Verdict::NotCommitted,
            })
        }
        Err(e) => return Err(format!("cannot read the committed {}: {e}", artifact.file)),
    };
    let verdict = match load_manifest(root, artifact)? {
        None if committed == built => Verdict::Unchanged,
        None => Verdict::ChangedUnrecorded,
        Some(manifest) => {
            let recorded = manifest.find(&committed);
            let guard = check_migration_guard(
                manifest.component(),
                &hex::encode(committed),
                &hex::encode(built),
                &manifest.registry,
            )
            .map_err(|e| e.to_string())?;
            match (guard, recorded) {
                (GuardOutcome::Unchanged, None) => Verdict::Unchanged,
                (GuardOutcome::Unchanged, Some((_, entry))) => Verdict::CurrentListedAsLegacy {
                    version: entry.version.clone(),
                },
                (GuardOutcome::PredecessorRegistered { .. }, Some((generation, entry))) => {
                    Verdict::ChangedRecorded {
                        generation,
                        version: entry.version.clone(),
                    }
                }
                (GuardOutcome::PredecessorMissing { .. }, None) => Verdict::ChangedUnrecorded,
                (guard, recorded) => {
                    return Err(format!(
                        "{}: freenet-migrate-build's guard ({guard:?}) and the manifest \
                         ({recorded:?}) disagree; this is a bug in brook-migration",
                        artifact.file
                    ))
                }
            }
        }
    };
    Ok(Finding {
        artifact,
        committed: Some(committed),
        built,
        verdict,
    })
}

/// The explanation `check-migration` prints for a finding that fails, naming the fix.
pub fn advice(finding: &Finding) -> String {
    let file = finding.artifact.file;
    let committed = finding.committed.map(hex::encode).unwrap_or_default();
    let built = hex::encode(finding.built);
    match (&finding.verdict, finding.artifact.kind) {
        (Verdict::Unchanged, _) => format!("{file}: the build equals the committed artifact"),
        (
            Verdict::ChangedRecorded {
                version,
                generation,
            },
            _,
        ) => format!(
            "{file}: the build differs from the committed artifact, which {} records as \
             {version:?} (generation {generation}); commit the new build with\n    \
             cargo make sync-wasm",
            finding.artifact.manifest().unwrap_or_default()
        ),
        (Verdict::NotCommitted, _) => {
            format!("{file}: not committed yet; commit the build with\n    cargo make sync-wasm")
        }
        (Verdict::CurrentListedAsLegacy { version }, _) => format!(
            "{file}: the committed artifact (blake3 {committed}) equals the build but {} \
             lists it as the replaced build {version:?}; a build is recorded only once \
             another replaces it: remove that entry, or, if the code was meant to change, \
             rebuild and `cargo make sync-wasm`",
            finding.artifact.manifest().unwrap_or_default()
        ),
        (Verdict::ChangedUnrecorded, Kind::Unguarded) => format!(
            "{file}: the build (blake3 {built}) differs from the committed artifact \
             (blake3 {committed}). Commit the new build with\n    cargo make sync-wasm\n\
             If the committed one shipped, this changes Brook's URL and the web-app origin \
             under which the chat delegate keeps each user's data (README, \"Upgrading the \
             delegate\")."
        ),
        (Verdict::ChangedUnrecorded, _) => {
            let manifest = finding.artifact.manifest().unwrap_or_default();
            let what = match finding.artifact.kind {
                Kind::Delegate => "the users' keys and rooms would be stranded under its key",
                _ => "every room made with it would be lost to clients",
            };
            format!(
                "{file}: the build (blake3 {built}) differs from the committed artifact \
                 (blake3 {committed}), and {manifest} does not record the committed one.\n\
                 If the committed {file} shipped ({what}), record it, then commit the new build:\n    \
                 cargo make add-migration --version <label> --description \"<what changed>\"\n    \
                 cargo make sync-wasm\n\
                 If it never shipped (a development build), only:\n    \
                 cargo make sync-wasm"
            )
        }
    }
}
