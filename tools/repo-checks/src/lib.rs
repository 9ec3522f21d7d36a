//! Checks of the repository's own text, run as tests by `cargo make test-native`: each
//! `tests/*.rs` file is one check (doc references, rule ids, import cycles). This library
//! holds what they share: finding the repository root and walking its tracked files.

use std::path::{Path, PathBuf};

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Every file under `dir` (relative to the repository root) whose name ends in one of
/// `extensions`, skipping build output (`target/`), dependencies (`node_modules/`) and
/// hidden folders. Sorted, as paths relative to the root.
pub fn files_under(dir: &str, extensions: &[&str]) -> Vec<PathBuf> {
    let root = repo_root();
    let mut out = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(path) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                if name == "target" || name == "node_modules" || name.starts_with('.') {
                    continue;
                }
                stack.push(p);
            } else if extensions.iter().any(|ext| name.ends_with(ext)) {
                if let Ok(rel) = p.strip_prefix(&root) {
                    out.push(rel.to_path_buf());
                }
            }
        }
    }
    out.sort();
    out
}

/// The text of `rel` (relative to the root), or an empty string when unreadable.
pub fn read(rel: &Path) -> String {
    std::fs::read_to_string(repo_root().join(rel)).unwrap_or_default()
}
