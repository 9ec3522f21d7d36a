//! The web container contract guarding Brook's UI inside the real node: a state whose
//! archive was altered after signing, or that someone other than the publisher signed,
//! is refused on PUT and on UPDATE (rule WEB-1); a publication of a version that is not
//! newer is refused by the contract, and its reason reaches the publisher (rule WEB-3).

use brook_common::web_container::{publication, WebContainer};
use brook_e2e::brook_cli::keyfile::PublisherKey;
use brook_e2e::brook_cli::pack::pack_dir;
use brook_e2e::brook_cli::publish::{contract_key, version_on_node, VersionChoice};
use brook_e2e::brook_cli::CliError;
use brook_e2e::{placeholder_ui_dir, publish_ui, web_container_wasm, Client, Error, Node};

/// A signed state for `version` whose archive then had one byte flipped.
fn tampered(publisher: &PublisherKey, version: u64, archive: &[u8]) -> Vec<u8> {
    let mut container = WebContainer::publish(publisher.signing_key(), version, archive.to_vec());
    let last = container.archive.len() - 1;
    container.archive[last] ^= 1;
    container.encode().unwrap()
}

/// A state for `version` signed by `impostor` (the parameters name the real publisher).
fn signed_by(impostor: &PublisherKey, version: u64, archive: &[u8]) -> Vec<u8> {
    WebContainer::publish(impostor.signing_key(), version, archive.to_vec())
        .encode()
        .unwrap()
}

/// How many states the contract has rejected so far: it logs each one (the node's reply
/// to the client says only "invalid put").
fn contract_rejections(node: &Node) -> usize {
    std::fs::read_to_string(node.log_path())
        .expect("read the node log")
        .matches("web container state rejected: publisher signature does not verify")
        .count()
}

/// Asserts the node refused the request with `needle` in its error, and that the
/// contract itself was the one to reject the state.
fn assert_refused(
    node: &Node,
    rejected_before: &mut usize,
    result: Result<impl std::fmt::Debug, Error>,
    what: &str,
    needle: &str,
) {
    match result {
        Err(Error::NodeRefused { error, .. }) => {
            let message = error.to_string();
            eprintln!("{what}: refused: {message}");
            assert!(message.contains(needle), "{what}: {message}");
        }
        other => panic!("{what}: expected the node to refuse, got {other:?}"),
    }
    let now = contract_rejections(node);
    assert!(
        now > *rejected_before,
        "{what}: the contract logged no rejection"
    );
    *rejected_before = now;
}

#[tokio::test(flavor = "multi_thread")]
async fn node_refuses_tampered_and_forged_states_and_keeps_the_newest() {
    let node = Node::start().await.expect("node starts");
    let wasm = web_container_wasm();
    let publisher = PublisherKey::generate();
    let impostor = PublisherKey::generate();
    let params = publisher.params().to_vec();
    let archive = pack_dir(&placeholder_ui_dir()).expect("pack the placeholder");
    let key = contract_key(&wasm, &publisher);
    let mut client = Client::connect(&node).await.expect("client connects");
    let mut rejected = contract_rejections(&node);

    // Nothing stored yet: a PUT must carry a valid first state.
    assert_refused(
        &node,
        &mut rejected,
        client
            .put(&wasm, params.clone(), tampered(&publisher, 1, &archive))
            .await,
        "PUT of a tampered archive",
        "invalid",
    );
    assert_refused(
        &node,
        &mut rejected,
        client
            .put(&wasm, params.clone(), signed_by(&impostor, 1, &archive))
            .await,
        "PUT signed by another key",
        "invalid",
    );
    assert_eq!(client.get(&key).await.expect("GET"), None, "nothing stored");

    let third = VersionChoice::Exact(3);
    let published = publish_ui(&node, &publisher, &placeholder_ui_dir(), third)
        .await
        .expect("valid publish");
    assert_eq!((published.key, published.version), (key, 3));

    // Once stored, an UPDATE must carry the publisher's signature over this archive.
    assert_refused(
        &node,
        &mut rejected,
        client
            .update_state(&key, tampered(&publisher, 4, &archive))
            .await,
        "UPDATE with a tampered archive",
        "UPDATE failed",
    );
    assert_refused(
        &node,
        &mut rejected,
        client
            .update_state(&key, signed_by(&impostor, 4, &archive))
            .await,
        "UPDATE signed by another key",
        "UPDATE failed",
    );

    // rule WEB-3: the publisher sends a publication, which the contract refuses unless it
    // is newer; the contract's reason reaches the publisher through the node.
    for (version, needle) in [(2, "holds version 3"), (3, "already published")] {
        let refused = publish_ui(
            &node,
            &publisher,
            &placeholder_ui_dir(),
            VersionChoice::Exact(version),
        )
        .await
        .expect_err("a publication that is not newer is refused");
        eprintln!("publish of version {version} over 3: {refused}");
        match &refused {
            CliError::PublicationRefused {
                id,
                version: v,
                reason,
            } => {
                assert_eq!((id.as_str(), *v), (key.id().to_string().as_str(), version));
                assert!(reason.contains(needle), "{reason}");
                assert!(
                    reason.contains(&format!("publication of version {version} refused")),
                    "{reason}"
                );
                assert!(reason.ends_with("(rule WEB-3)"), "{reason}");
            }
            other => panic!("expected PublicationRefused, got {other:?}"),
        }
    }
    // Another build under the held version is not newer either.
    let rebuilt = WebContainer::publish(publisher.signing_key(), 3, b"another build".to_vec());
    let refused = client
        .update_delta(&key, publication(&rebuilt.encode().unwrap()))
        .await
        .expect_err("the held version is not newer");
    eprintln!("publication of another build of version 3: {refused}");
    assert!(refused.to_string().contains("holds version 3"), "{refused}");
    // rule WEB-1 inside WEB-3: a tampered publication is refused as a forgery.
    let refused = client
        .update_delta(&key, publication(&tampered(&publisher, 4, &archive)))
        .await
        .expect_err("a tampered publication is refused");
    eprintln!("tampered publication of version 4: {refused}");
    assert!(
        refused
            .to_string()
            .contains("rejected publication: publisher signature does not verify"),
        "{refused}"
    );
    // A stale *plain* state is still merged as a no-op (rule WEB-2): peers exchange those.
    let stale = WebContainer::publish(publisher.signing_key(), 1, archive.clone())
        .encode()
        .unwrap();
    client
        .update_state(&key, stale)
        .await
        .expect("a stale plain state merges without error");

    let mut api = Client::connect(&node).await.expect("publisher connects");
    let kept = version_on_node(&mut api, &key).await.expect("GET");
    assert_eq!(
        kept,
        Some(3),
        "every refused or stale state left version 3 in place"
    );

    let status = node.stop().await.expect("node stops");
    assert!(status.success(), "{status}");
}
