//! Who the node says is calling a delegate: over a WebSocket that presents the auth token
//! the gateway minted for Brook's web container page, a delegate sees
//! `MessageOrigin::WebApp(<web container id>)`; over a plain socket it sees `None`; on
//! a socket with a token the node never minted, requests are refused.
//!
//! The delegate is the `origin-delegate` test fixture: it answers every application
//! message with the `Debug` text of the origin it received.

use brook_e2e::brook_cli::keyfile::PublisherKey;
use brook_e2e::brook_cli::publish::VersionChoice;
use brook_e2e::freenet_stdlib::prelude::MessageOrigin;
use brook_e2e::{fetch_page, guest_wasm, placeholder_ui_dir, publish_ui, Client, Node};

/// Asks the origin delegate (registered through `client`) who is calling.
async fn origin_seen_over(client: &mut Client, delegate: &[u8]) -> String {
    let key = client
        .register_delegate(delegate, vec![])
        .await
        .expect("delegate registers");
    let answers = client
        .send_delegate_message(&key, b"who is calling?".to_vec())
        .await
        .expect("delegate answers");
    assert_eq!(answers.len(), 1, "one answer per message: {answers:?}");
    String::from_utf8(answers[0].clone()).expect("the fixture answers UTF-8")
}

#[tokio::test(flavor = "multi_thread")]
async fn delegate_sees_the_web_app_origin_only_through_the_page_token() {
    let node = Node::start().await.expect("node starts");
    let publisher = PublisherKey::generate();
    let published = publish_ui(
        &node,
        &publisher,
        &placeholder_ui_dir(),
        VersionChoice::Next { floor: 1 },
    )
    .await
    .expect("web container published");
    let id = *published.key.id();

    // The gateway hands the token out three ways; they must agree.
    let page = fetch_page(&node, &id).await.expect("page served");
    let token = page
        .header_token()
        .expect("an `Authorization: Bearer` header")
        .to_owned();
    eprintln!(
        "auth token: {} chars, alphanumeric: {}",
        token.len(),
        token.chars().all(|c| c.is_ascii_alphanumeric())
    );
    assert!(!token.is_empty());
    assert_eq!(
        page.cookie_token().as_deref(),
        Some(token.as_str()),
        "cookie {:?}",
        page.response
            .headers_named("set-cookie")
            .collect::<Vec<_>>()
    );
    assert_eq!(page.embedded_token().as_deref(), Some(token.as_str()));

    let delegate = guest_wasm("origin_delegate.wasm");
    let mut plain = Client::connect(&node).await.expect("plain socket");
    assert_eq!(origin_seen_over(&mut plain, &delegate).await, "None");

    let app_url = format!("{}&authToken={token}", node.ws_url());
    let mut app = Client::connect_url(&app_url).await.expect("app socket");
    let expected = format!("{:?}", Some(MessageOrigin::WebApp(id)));
    assert_eq!(origin_seen_over(&mut app, &delegate).await, expected);
    eprintln!("origin over the page's token: {expected}");

    // The plain socket is unaffected by the app socket's token.
    assert_eq!(origin_seen_over(&mut plain, &delegate).await, "None");

    // A token the node never minted earns no origin at all: the node accepts the socket
    // but refuses every request on it.
    let forged = format!("{}&authToken={}", node.ws_url(), "1".repeat(token.len()));
    let outcome = forged_token_outcome(&forged, &delegate).await;
    eprintln!("a forged token: {outcome}");
    assert!(
        outcome.starts_with("registration failed") && outcome.contains("AUTH_TOKEN_INVALID"),
        "a forged token: {outcome}"
    );

    let status = node.stop().await.expect("node stops");
    assert!(status.success(), "{status}");
}

/// What happens to a delegate call over a socket with a token the node never minted.
async fn forged_token_outcome(url: &str, delegate: &[u8]) -> String {
    let mut client = match Client::connect_url(url).await {
        Ok(client) => client,
        Err(e) => return format!("connection refused: {e}"),
    };
    let key = match client.register_delegate(delegate, vec![]).await {
        Ok(key) => key,
        Err(e) => return format!("registration failed: {e}"),
    };
    match client.send_delegate_message(&key, b"?".to_vec()).await {
        Ok(answers) => format!(
            "delegate saw {:?}",
            answers
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
        ),
        Err(e) => format!("message failed: {e}"),
    }
}
