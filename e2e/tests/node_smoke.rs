//! The harness itself, against the real node: it starts, answers, restarts on the
//! same port with the same data dir, stops cleanly, and two nodes coexist.

use std::time::{Duration, Instant};

use brook_e2e::{contract_key, http_get, Client, Node, FREENET_VERSION};

/// Clean stop measured at ~2 s (docs/runtime.md); 5 s leaves room on a loaded box.
const STOP_BUDGET: Duration = Duration::from_secs(5);

/// `/v1/version` answers 200 with the pinned release in its JSON body.
async fn assert_answers_version(node: &Node) {
    let url = format!("{}/v1/version", node.http_base());
    let response = http_get(&url).await.expect("GET /v1/version");
    assert_eq!(response.status, 200, "{url}: {}", response.text());
    assert!(
        response.text().contains(FREENET_VERSION),
        "{url} answered {:?}",
        response.text()
    );
}

/// The node must be reachable from this machine only: every socket it listens on
/// is bound to a loopback address.
fn assert_loopback_only(node: &Node) {
    let addrs = node.listening_addrs().expect("read the node's sockets");
    assert!(
        addrs.iter().any(|a| a.port() == node.ws_port()),
        "the client API port is not among {addrs:?}"
    );
    assert!(
        addrs.iter().all(|a| a.ip().is_loopback()),
        "the node listens beyond loopback: {addrs:?}"
    );
}

/// A key no contract can have: its "code" is not even a WASM module.
fn unknown_key() -> brook_e2e::ContractKey {
    contract_key(b"\0asm this is not a contract", &[])
}

#[tokio::test(flavor = "multi_thread")]
async fn node_answers_restarts_on_same_port_and_stops_cleanly() {
    let started = Instant::now();
    let mut node = Node::start().await.expect("node starts");
    eprintln!("start: {:?}", started.elapsed());
    assert_answers_version(&node).await;
    assert_loopback_only(&node);

    let mut client = Client::connect(&node).await.expect("client connects");
    let got = client
        .get(&unknown_key())
        .await
        .expect("GET of an unknown key");
    assert_eq!(got, None, "an unknown contract is NotFound in network mode");
    drop(client);

    let (port, data_dir) = (node.ws_port(), node.data_dir());
    let restarted = Instant::now();
    node.restart().await.expect("node restarts");
    eprintln!("restart (stop + start): {:?}", restarted.elapsed());
    assert_eq!((node.ws_port(), node.data_dir()), (port, data_dir));
    assert_answers_version(&node).await;
    assert_loopback_only(&node);
    let mut client = Client::connect(&node).await.expect("client reconnects");
    let got = client.get(&unknown_key()).await.expect("GET after restart");
    assert_eq!(got, None);
    drop(client);

    let stopping = Instant::now();
    let status = node.stop().await.expect("node stops");
    let took = stopping.elapsed();
    eprintln!("stop: {took:?}, {status}");
    assert!(
        status.success(),
        "SIGTERM should end the node with 0, got {status}"
    );
    assert!(took < STOP_BUDGET, "stop took {took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_run_side_by_side_on_distinct_ports() {
    let started = Instant::now();
    let (a, b) = tokio::join!(Node::start(), Node::start());
    let (a, b) = (a.expect("node a starts"), b.expect("node b starts"));
    eprintln!("two concurrent starts: {:?}", started.elapsed());

    assert_ne!(a.ws_port(), b.ws_port());
    assert_ne!(a.network_port(), b.network_port());
    assert_ne!(a.data_dir(), b.data_dir());
    for node in [&a, &b] {
        assert_answers_version(node).await;
        assert_loopback_only(node);
        let mut client = Client::connect(node).await.expect("client connects");
        assert_eq!(client.get(&unknown_key()).await.expect("GET"), None);
    }

    for node in [a, b] {
        let status = node.stop().await.expect("node stops");
        assert!(status.success(), "exit status {status}");
    }
}
