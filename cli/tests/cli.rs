//! The `brook publish` commands that need no node, run as the user runs them: keygen
//! (mode 0600, never overwrites), pack (same directory, same bytes), id (the contract id
//! computed from the key file and the WASM).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use brook_cli::keyfile::PublisherKey;
use brook_cli::publish::contract_key;

fn brook(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_brook"))
        .args(args)
        .output()
        .expect("run brook")
}

fn ok(args: &[&str]) -> String {
    let out = brook(args);
    assert!(
        out.status.success(),
        "brook {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

#[test]
fn keygen_writes_0600_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("publisher.key");
    let said = ok(&["publish", "keygen", "--out", path(&key)]);
    assert!(said.contains("mode 0600"), "{said}");
    let mode = std::fs::metadata(&key).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let before = std::fs::read(&key).expect("read");

    let again = brook(&["publish", "keygen", "--out", path(&key)]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("refusing to overwrite"), "{err}");
    assert_eq!(std::fs::read(&key).expect("read"), before, "key untouched");
}

#[test]
fn pack_twice_gives_identical_archives() {
    let dir = tempfile::tempdir().expect("dir");
    let ui = dir.path().join("ui");
    std::fs::create_dir_all(ui.join("js")).expect("mkdir");
    std::fs::write(ui.join("index.html"), "<script src=js/a.js></script>").expect("write");
    std::fs::write(ui.join("js/a.js"), "document.title = 'x'").expect("write");
    let (a, b) = (dir.path().join("a.tar.xz"), dir.path().join("b.tar.xz"));
    ok(&["publish", "pack", path(&ui), "--out", path(&a)]);
    ok(&["publish", "pack", path(&ui), "--out", path(&b)]);
    let bytes = std::fs::read(&a).expect("read a");
    assert_eq!(bytes, std::fs::read(&b).expect("read b"));
    // The xz magic: what the node's gateway expects.
    assert_eq!(&bytes[..6], b"\xfd7zXZ\0");
}

#[test]
fn id_is_the_contract_id_of_key_and_wasm() {
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("publisher.key");
    let wasm = dir.path().join("web_container.wasm");
    std::fs::write(&wasm, b"\0asm any bytes hash the same way").expect("write");
    ok(&["publish", "keygen", "--out", path(&key)]);
    let printed = ok(&["publish", "id", "--key", path(&key), "--wasm", path(&wasm)]);
    let publisher = PublisherKey::load(&key).expect("load");
    let expected = contract_key(&std::fs::read(&wasm).expect("read"), &publisher);
    assert_eq!(printed.trim(), expected.id().to_string());
}
