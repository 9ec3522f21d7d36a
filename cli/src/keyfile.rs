//! The publisher's signing key on disk. The web container's parameters are this key's
//! public half, so the key *is* the web container's identity: losing it means the next
//! publish lands at a new contract id, leaking it lets anyone replace the UI.
//!
//! File format: comment lines starting with `#`, then one line of 64 hex digits (the
//! ed25519 seed). Files are created with mode 0600, never overwritten, and refused when
//! group or others can read them (as ssh does).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use ed25519_dalek::SigningKey;
use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::Zeroizing;

use crate::error::{CliError, Result};

/// Mode of a key file: owner read/write only.
pub const KEY_FILE_MODE: u32 = 0o600;
const HEADER: &str = "# Brook web container publisher key (ed25519 seed, hex). Keep it secret.\n";

/// An ed25519 key that signs web container versions.
pub struct PublisherKey(SigningKey);

impl std::fmt::Debug for PublisherKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublisherKey([redacted])")
    }
}

impl PublisherKey {
    /// A fresh key from the operating system's randomness.
    pub fn generate() -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(seed.as_mut());
        PublisherKey(SigningKey::from_bytes(&seed))
    }

    /// Generates a key and writes it to `path` (mode 0600). Fails without touching the
    /// file when it already exists.
    pub fn create(path: &Path) -> Result<Self> {
        let key = PublisherKey::generate();
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(KEY_FILE_MODE)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => CliError::WouldOverwrite(path.to_owned()),
                _ => CliError::io(format!("create {}", path.display()))(e),
            })?;
        let hex_seed = Zeroizing::new(hex::encode(key.0.to_bytes()));
        let written = file
            .write_all(HEADER.as_bytes())
            .and_then(|()| file.write_all(hex_seed.as_bytes()))
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all());
        if let Err(e) = written {
            // Leave no half-written key behind for the next run to trip over.
            let _ = fs::remove_file(path);
            return Err(CliError::io(format!("write {}", path.display()))(e));
        }
        Ok(key)
    }

    /// Reads a key file written by [`PublisherKey::create`].
    pub fn load(path: &Path) -> Result<Self> {
        let problem = |problem: String| CliError::KeyFile {
            path: path.to_owned(),
            problem,
        };
        let meta = fs::metadata(path).map_err(CliError::io(format!("read {}", path.display())))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(problem(format!(
                "mode {mode:03o} lets others read it; run `chmod 600 {}`",
                path.display()
            )));
        }
        let text = Zeroizing::new(
            fs::read_to_string(path).map_err(CliError::io(format!("read {}", path.display())))?,
        );
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .ok_or_else(|| problem("no key line".into()))?;
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(line, seed.as_mut())
            .map_err(|_| problem("the key line is not 64 hex digits".into()))?;
        Ok(PublisherKey(SigningKey::from_bytes(&seed)))
    }

    /// [`PublisherKey::load`] when `path` exists, otherwise [`PublisherKey::create`].
    /// The flag says whether the key was created now.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool)> {
        if path.exists() {
            Ok((PublisherKey::load(path)?, false))
        } else {
            Ok((PublisherKey::create(path)?, true))
        }
    }

    /// The key that signs.
    pub fn signing_key(&self) -> &SigningKey {
        &self.0
    }

    /// The web container's parameters: the 32-byte verifying key.
    pub fn params(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_writes_mode_0600_and_load_reads_the_same_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("publisher.key");
        let created = PublisherKey::create(&path).expect("create");
        let mode = fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, KEY_FILE_MODE);
        let loaded = PublisherKey::load(&path).expect("load");
        assert_eq!(loaded.params(), created.params());
        assert_eq!(format!("{loaded:?}"), "PublisherKey([redacted])");
    }

    #[test]
    fn create_refuses_to_overwrite() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("publisher.key");
        let first = PublisherKey::create(&path).expect("create");
        let before = fs::read(&path).expect("read");
        let err = PublisherKey::create(&path).expect_err("second create must fail");
        assert!(
            matches!(err, CliError::WouldOverwrite(ref p) if *p == path),
            "{err}"
        );
        assert_eq!(fs::read(&path).expect("read"), before);
        let (again, created) = PublisherKey::load_or_create(&path).expect("load_or_create");
        assert!(!created);
        assert_eq!(again.params(), first.params());
    }

    #[test]
    fn load_refuses_readable_or_malformed_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("publisher.key");
        PublisherKey::create(&path).expect("create");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = PublisherKey::load(&path).expect_err("0644 must be refused");
        assert!(err.to_string().contains("chmod 600"), "{err}");

        fs::write(&path, "# only a comment\nnot hex\n").expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(matches!(
            PublisherKey::load(&path),
            Err(CliError::KeyFile { .. })
        ));
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(
            PublisherKey::generate().params(),
            PublisherKey::generate().params()
        );
    }
}
