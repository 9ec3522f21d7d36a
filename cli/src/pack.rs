//! Packs a directory into the tar.xz the node's web gateway unpacks and serves.
//!
//! The archive is a function of the directory's file names and contents only: entries in
//! byte order of their `/`-separated relative paths, every header with the same mtime,
//! owner, group and mode, no directory entries, one xz stream with fixed options. So the
//! same directory always gives the same bytes, and a republished unchanged UI changes
//! only the signed version, never the archive hash.
//!
//! What the gateway refuses is refused here first, with a clearer message: symlinks
//! (it rejects link entries), special files, names that are not UTF-8, and a bundle
//! without `index.html` at its root (the page the gateway serves).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use lzma_rust2::{XzOptions, XzWriter};

use crate::error::{CliError, Result};

/// mtime of every entry (the gateway does not preserve mtimes anyway).
pub const FIXED_MTIME: u64 = 0;
/// Mode of every entry: world-readable regular file.
pub const FIXED_MODE: u32 = 0o644;
/// xz preset: 6 is xz(1)'s default, a good size/speed balance for a UI bundle.
pub const XZ_PRESET: u32 = 6;
/// The page the gateway serves at `/v1/contract/web/<id>/`.
pub const INDEX: &str = "index.html";

/// The deterministic tar.xz of `dir`.
pub fn pack_dir(dir: &Path) -> Result<Vec<u8>> {
    let files = bundle_files(dir)?;
    let mut tar = tar::Builder::new(Vec::new());
    for (name, path) in &files {
        let data = fs::read(path).map_err(CliError::io(format!("read {}", path.display())))?;
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(data.len() as u64);
        header.set_mode(FIXED_MODE);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(FIXED_MTIME);
        tar.append_data(&mut header, name, data.as_slice())
            .map_err(CliError::io(format!("add {name} to the archive")))?;
    }
    let tar = tar
        .into_inner()
        .map_err(CliError::io("finish the tar archive"))?;
    xz(&tar).map_err(CliError::io("xz-compress the archive"))
}

fn xz(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut writer = XzWriter::new(Vec::new(), XzOptions::with_preset(XZ_PRESET))?;
    writer.write_all(data)?;
    writer.finish()
}

/// Every regular file under `dir` as (relative `/`-separated name, path), sorted by name.
fn bundle_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let refuse = |problem: String| CliError::Pack {
        dir: dir.to_owned(),
        problem,
    };
    let mut files = Vec::new();
    let mut pending = vec![(String::new(), dir.to_path_buf())];
    while let Some((prefix, path)) = pending.pop() {
        let entries =
            fs::read_dir(&path).map_err(CliError::io(format!("list {}", path.display())))?;
        for entry in entries {
            let entry = entry.map_err(CliError::io(format!("list {}", path.display())))?;
            let name = entry
                .file_name()
                .into_string()
                .map_err(|raw| refuse(format!("{raw:?} in {} is not UTF-8", path.display())))?;
            let name = format!("{prefix}{name}");
            let kind = entry
                .file_type()
                .map_err(CliError::io(format!("stat {}", entry.path().display())))?;
            if kind.is_dir() {
                pending.push((format!("{name}/"), entry.path()));
            } else if kind.is_file() {
                files.push((name, entry.path()));
            } else {
                return Err(refuse(format!(
                    "{name} is a symlink or special file; the node only serves regular files"
                )));
            }
        }
    }
    files.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    if !files.iter().any(|(name, _)| name == INDEX) {
        return Err(refuse(format!("no {INDEX} at its root")));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn write(dir: &Path, name: &str, body: &str) {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(path, body).expect("write");
    }

    fn sample(dir: &Path) {
        write(dir, "index.html", "<p>hi</p>");
        write(dir, "b.js", "console.log(1)");
        write(dir, "assets/z.css", "p{}");
        write(dir, "assets/a/deep.txt", "deep");
    }

    /// (name, mode, mtime, uid, body) of every entry, via the same `tar` reader the
    /// node's gateway uses, after undoing the xz layer.
    fn entries(archive: &[u8]) -> Vec<(String, u32, u64, u64, String)> {
        let mut tar = Vec::new();
        lzma_rust2::XzReader::new(archive, false)
            .read_to_end(&mut tar)
            .expect("valid xz");
        let mut reader = tar::Archive::new(tar.as_slice());
        let mut out = Vec::new();
        for entry in reader.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            let header = entry.header().clone();
            let mut body = String::new();
            entry.read_to_string(&mut body).expect("body");
            out.push((
                entry.path().expect("path").display().to_string(),
                header.mode().expect("mode"),
                header.mtime().expect("mtime"),
                header.uid().expect("uid"),
                body,
            ));
        }
        out
    }

    #[test]
    fn same_directory_gives_same_bytes() {
        let (a, b) = (
            tempfile::tempdir().expect("dir"),
            tempfile::tempdir().expect("dir"),
        );
        sample(a.path());
        // Same content written in another order, at another time, with other modes.
        write(b.path(), "assets/a/deep.txt", "deep");
        std::thread::sleep(std::time::Duration::from_millis(1100));
        write(b.path(), "index.html", "<p>hi</p>");
        write(b.path(), "assets/z.css", "p{}");
        write(b.path(), "b.js", "console.log(1)");
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(b.path().join("b.js"), fs::Permissions::from_mode(0o755))
            .expect("chmod");

        let first = pack_dir(a.path()).expect("pack a");
        assert_eq!(first, pack_dir(a.path()).expect("pack a again"));
        assert_eq!(first, pack_dir(b.path()).expect("pack b"));

        write(b.path(), "b.js", "console.log(2)");
        assert_ne!(first, pack_dir(b.path()).expect("pack changed b"));
    }

    #[test]
    fn entries_are_sorted_with_fixed_metadata() {
        let dir = tempfile::tempdir().expect("dir");
        sample(dir.path());
        let got = entries(&pack_dir(dir.path()).expect("pack"));
        let names: Vec<&str> = got.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            names,
            ["assets/a/deep.txt", "assets/z.css", "b.js", "index.html"]
        );
        for (name, mode, mtime, uid, _) in &got {
            assert_eq!(
                (*mode, *mtime, *uid),
                (FIXED_MODE, FIXED_MTIME, 0),
                "{name}"
            );
        }
        assert_eq!(got[3].4, "<p>hi</p>");
    }

    #[test]
    fn compresses_repetitive_content() {
        let dir = tempfile::tempdir().expect("dir");
        write(dir.path(), "index.html", &"<p>Brook</p>\n".repeat(10_000));
        let archive = pack_dir(dir.path()).expect("pack");
        assert!(
            archive.len() < 2_000,
            "130 kB of one line packed to {} bytes",
            archive.len()
        );
    }

    #[test]
    fn refuses_what_the_gateway_would_not_serve() {
        let dir = tempfile::tempdir().expect("dir");
        write(dir.path(), "page.html", "no index");
        let err = pack_dir(dir.path()).expect_err("no index.html");
        assert!(err.to_string().contains("no index.html"), "{err}");

        write(dir.path(), "index.html", "ok");
        std::os::unix::fs::symlink("index.html", dir.path().join("link.html")).expect("symlink");
        let err = pack_dir(dir.path()).expect_err("symlink");
        assert!(err.to_string().contains("link.html is a symlink"), "{err}");
    }
}
