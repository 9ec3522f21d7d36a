//! Brook's page in a real browser, served by a real node: headless Chromium loads the
//! web container's URL and the page's own JavaScript has run.
//!
//! The gateway serves a shell page that loads the app in a sandboxed iframe, and
//! `--dump-dom` prints only the top document. The app's script writes its line into its
//! own DOM and into `document.title`; the node's shell copies the frame's title to the
//! tab (its title-sync script), so the line reaching the dumped `<title>` proves the
//! script ran inside the node's frame.
//!
//! On failure a screenshot is saved under `target/test-artifacts/` and its path printed.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use brook_e2e::brook_cli::keyfile::PublisherKey;
use brook_e2e::brook_cli::publish::{Method, VersionChoice};
use brook_e2e::{
    http_get_with_headers, placeholder_ui_dir, publish_ui, web_url, workspace_root, Node,
};

/// Debian's package; `tools/install-tools.sh` installs it. Override with `BROOK_CHROMIUM`.
const CHROMIUM: &str = "/usr/bin/chromium";
/// A load with a 10 s virtual-time budget ends in ~1 s; a loaded machine may need more.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

fn chromium() -> PathBuf {
    let path = std::env::var_os("BROOK_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(CHROMIUM));
    assert!(
        path.is_file(),
        "the browser test needs Chromium at {} (Debian: `apt-get install chromium`, or \
         `bash tools/install-tools.sh chromium`; elsewhere set BROOK_CHROMIUM)",
        path.display()
    );
    path
}

/// Runs headless Chromium (docs/ui-build.md flags) on `url` with `extra` arguments and
/// returns its stdout.
async fn chromium_run(url: &str, extra: &[String]) -> String {
    let profile = tempfile::tempdir().expect("browser profile dir");
    let mut command = tokio::process::Command::new(chromium());
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let started = Instant::now();
    let output = tokio::time::timeout(BROWSER_TIMEOUT, command.output())
        .await
        .unwrap_or_else(|_| panic!("Chromium did not finish {url} within {BROWSER_TIMEOUT:?}"))
        .expect("Chromium runs");
    eprintln!(
        "chromium {} {url}: {:?}, {}",
        extra.join(" "),
        started.elapsed(),
        output.status
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Asserts the page at `url` ran its script; on failure saves a screenshot first.
async fn assert_page_script_ran(url: &str, expected: &str, shot: &str) {
    let dom = chromium_run(url, &["--dump-dom".to_owned()]).await;
    if dom.contains(expected) {
        return;
    }
    let dir = workspace_root().join("target/test-artifacts");
    std::fs::create_dir_all(&dir).expect("create target/test-artifacts");
    let dir = dir.canonicalize().expect("target/test-artifacts");
    let png = dir.join(shot);
    chromium_run(
        url,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,800".to_owned(),
        ],
    )
    .await;
    panic!(
        "{expected:?} is not in the DOM Chromium built from {url}; screenshot: {}\n\
         --- dumped DOM ---\n{dom}",
        png.display()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn chromium_runs_the_page_the_node_serves_across_republishing() {
    let node = Node::start().await.expect("node starts");
    let publisher = PublisherKey::generate();
    let ui = placeholder_ui_dir();
    let expected = format!(
        "Served by your Freenet node at 127.0.0.1:{}",
        node.ws_port()
    );

    let first = publish_ui(&node, &publisher, &ui, VersionChoice::Next { floor: 1 })
        .await
        .expect("first publish");
    assert_eq!((first.method, first.version), (Method::Put, 1));
    let url = web_url(&node, first.key.id());
    assert_page_script_ran(&url, &expected, "browser_smoke_v1.png").await;

    // The sandboxed frame's own document (what the browser fetched for the iframe)
    // is the placeholder with the node's scripts injected.
    let frame = http_get_with_headers(
        &format!("{url}?__sandbox=1"),
        &[("Sec-Fetch-Dest", "iframe")],
    )
    .await
    .expect("frame content");
    assert_eq!(frame.status, 200, "{}", frame.text());
    assert!(
        frame.text().contains("id=\"served-by\""),
        "{}",
        frame.text()
    );

    // Republish the same directory: same contract, next version, still served.
    let second = publish_ui(&node, &publisher, &ui, VersionChoice::Next { floor: 1 })
        .await
        .expect("second publish");
    assert_eq!(
        second.key, first.key,
        "same publisher + same WASM = same contract"
    );
    assert_eq!((second.method, second.previous), (Method::Update, Some(1)));
    assert!(
        second.version > first.version,
        "{} > {}",
        second.version,
        first.version
    );
    eprintln!(
        "web container {}: version {} then {}",
        second.key.id(),
        first.version,
        second.version
    );
    assert_page_script_ran(&url, &expected, "browser_smoke_v2.png").await;

    let status = node.stop().await.expect("node stops");
    assert!(status.success(), "{status}");
}
