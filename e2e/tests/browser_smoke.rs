//! Brook's page in a real browser, served by a real node: headless Chromium loads the
//! web container's URL and the page's own JavaScript has run.
//!
//! The gateway serves a shell page that loads the app in a sandboxed iframe. The app's
//! script writes its line into its own DOM and into `document.title`; the node's shell
//! copies the frame's title to the tab (its title-sync script), so the line reaching the
//! top document's title proves the script ran inside the node's frame. The test polls
//! for it in real time ([`brook_e2e::browser`] says why not `--dump-dom`).
//!
//! On failure a screenshot is saved under `target/test-artifacts/` and its path printed.

use std::time::Duration;

use brook_e2e::brook_cli::keyfile::PublisherKey;
use brook_e2e::brook_cli::publish::{Method, VersionChoice};
use brook_e2e::browser::Browser;
use brook_e2e::{
    http_get_with_headers, placeholder_ui_dir, publish_ui, web_url, workspace_root, Node,
};

/// The page loads in ~1 s; a loaded CI machine may need far more.
const PAGE_TIMEOUT: Duration = Duration::from_secs(60);

/// Asserts the page at `url` ran its script (its line reached the tab title); on
/// failure saves a screenshot first.
async fn assert_page_script_ran(url: &str, expected: &str, shot: &str) {
    let mut browser = Browser::launch().await.expect("Chromium starts");
    let page = browser.open(url).await.expect("Chromium opens the page");
    let started = std::time::Instant::now();
    let condition = format!("document.title.includes({expected:?})");
    let outcome = browser
        .wait_for(&page, &condition, "the tab title", PAGE_TIMEOUT)
        .await;
    eprintln!("chromium {url}: {:?}, {outcome:?}", started.elapsed());
    if outcome.is_ok() {
        return;
    }
    let title = browser.eval(&page, "document.title").await;
    let dir = workspace_root().join("target/test-artifacts");
    std::fs::create_dir_all(&dir).expect("create target/test-artifacts");
    let png = dir
        .canonicalize()
        .expect("target/test-artifacts")
        .join(shot);
    let saved = browser.screenshot(&page, &png).await;
    panic!(
        "{expected:?} never reached the tab title of {url} within {PAGE_TIMEOUT:?} (title: \
         {title:?}); screenshot: {} ({saved:?})",
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
