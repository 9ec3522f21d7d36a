//! Background runs of a web app's delegate, in the real node: registering a delegate
//! whose manifest asks for lifecycle events and wake-ups over a WebApp-attested socket
//! raises the node's `Background` prompt; answered `Allow`, the grant is remembered
//! (across a restart too) and the node runs the delegate on its own after it starts
//! (`NodeStarted`, smeared over 5–65 s) and on its wake-up schedule. A delegate
//! registered over a plain socket (origin `None`) is never asked about and never run
//! on its own.
//!
//! The delegate is the `lifecycle-delegate` test fixture: it appends one line per
//! lifecycle event or wake-up to a secret (and one per `note …` message) and answers
//! any application message with that log.

use std::time::{Duration, Instant};

use brook_e2e::brook_cli::keyfile::PublisherKey;
use brook_e2e::brook_cli::publish::VersionChoice;
use brook_e2e::freenet_stdlib::prelude::{ContractInstanceId, MessageOrigin};
use brook_e2e::permission::{self, PromptTab, BACKGROUND};
use brook_e2e::{
    allow_background_for, fetch_page, guest_wasm, placeholder_ui_dir, publish_ui, Client,
    DelegateKey, Node,
};

/// How long the prompt may take to appear after a registration.
const PROMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// NodeStarted comes 5 s + up to 60 s after a start, and so does the first wake-up
/// (`NODE_STARTED_MIN_DELAY`, `NODE_STARTED_SMEAR`, `first_wakeup_delay`); the rest
/// is slack for a loaded machine.
const AFTER_START_TIMEOUT: Duration = Duration::from_secs(80);
/// How often the test reads the delegate's log while it waits.
const POLL: Duration = Duration::from_secs(1);
/// How long "no prompt" is watched for.
const NO_PROMPT_WATCH: Duration = Duration::from_secs(2);

/// A WebApp socket URL for web container `id`: fetch its page (which mints a token
/// the node keeps in memory only) and present the token.
async fn app_socket_url(node: &Node, id: &ContractInstanceId) -> String {
    let page = fetch_page(node, id).await.expect("page served");
    let token = page.header_token().expect("auth token").to_owned();
    format!("{}&authToken={token}", node.ws_url())
}

/// The fixture's log, one event per line.
async fn events(client: &mut Client, key: &DelegateKey) -> Vec<String> {
    log_after(client, key, b"log?".to_vec()).await
}

/// Sends `payload` to the fixture and returns the log it answers with.
async fn log_after(client: &mut Client, key: &DelegateKey, payload: Vec<u8>) -> Vec<String> {
    let answers = client
        .send_delegate_message(key, payload)
        .await
        .expect("the fixture answers");
    assert_eq!(answers.len(), 1, "one answer per message: {answers:?}");
    String::from_utf8(answers[0].clone())
        .expect("UTF-8 log")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn count(log: &[String], prefix: &str) -> usize {
    log.iter().filter(|l| l.starts_with(prefix)).count()
}

/// No prompt at all is pending now, nor appears within [`NO_PROMPT_WATCH`].
async fn assert_no_prompt(node: &Node, after: &str) {
    let until = Instant::now() + NO_PROMPT_WATCH;
    while Instant::now() < until {
        let pending = permission::pending_prompts(node)
            .await
            .expect("pending prompts");
        assert!(pending.is_empty(), "{after}: {pending:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_granted_web_app_delegate_is_run_by_the_node_after_a_restart() {
    let started = Instant::now();
    let wasm = guest_wasm("lifecycle_delegate.wasm");
    let mut node = Node::start().await.expect("node starts");
    // An open gateway tab, so the node does not try to open a browser for the prompt.
    let tab = PromptTab::open(&node).await.expect("permission socket");

    let published = publish_ui(
        &node,
        &PublisherKey::generate(),
        &placeholder_ui_dir(),
        VersionChoice::Next { floor: 1 },
    )
    .await
    .expect("web container published");
    let app = *published.key.id();

    // A plain socket (origin None): the registration binds no app, so nobody is asked.
    // Other parameters, so it is a different delegate from the web app's below.
    let mut plain = Client::connect(&node).await.expect("plain socket");
    let plain_key = plain
        .register_delegate(&wasm, b"plain".to_vec())
        .await
        .expect("plain registration");
    assert_no_prompt(&node, "a plain-socket registration raised a prompt").await;

    // The web app registers. The node answers the registration at once and asks the
    // user from a task of its own (it would wait 60 s for a click), so registering
    // and then answering in sequence works, as does both at once (`tokio::join!`).
    let app_url = app_socket_url(&node, &app).await;
    let mut web = Client::connect_url(&app_url).await.expect("app socket");
    let asked = Instant::now();
    let key = web
        .register_delegate(&wasm, vec![])
        .await
        .expect("web app registration");
    let registered_in = asked.elapsed();
    let waiting = permission::wait_for_prompt(&node, PROMPT_TIMEOUT, "the prompt", |p| {
        p.is_background_request() && p.is_from_app(&app)
    })
    .await
    .expect("a Background prompt, still open after the registration returned");
    eprintln!(
        "registration returned in {:.2}s with the prompt unanswered: {waiting:?}",
        registered_in.as_secs_f64()
    );
    assert!(registered_in < Duration::from_secs(10), "{registered_in:?}");
    // The user clicks Allow.
    let prompt = allow_background_for(&node, &app, PROMPT_TIMEOUT)
        .await
        .expect("the Background prompt, answered Allow");
    assert_eq!(prompt.nonce, waiting.nonce);
    assert_eq!(prompt.delegate_key, key.to_string());
    let grants = permission::grants(&node).await.expect("grants");
    assert!(grants.is_granted(&app, BACKGROUND), "{grants:?}");
    eprintln!("grants: {grants:?}");

    // Registering again: the grant is remembered, nobody is asked twice.
    web.register_delegate(&wasm, vec![])
        .await
        .expect("second registration");
    assert_no_prompt(&node, "a granted app was asked again").await;
    // A known line, to see the delegate's secrets survive the restart.
    let before = log_after(&mut web, &key, b"note before the restart".to_vec()).await;
    eprintln!("log before the restart: {before:?}");
    assert_eq!(
        before.last().map(String::as_str),
        Some(
            format!(
                "note before the restart origin={:?}",
                Some(MessageOrigin::WebApp(app))
            )
            .as_str()
        ),
        "{before:?}"
    );

    drop((web, plain, tab));
    node.restart().await.expect("node restarts");
    let restarted = Instant::now();
    let tab = PromptTab::open(&node).await.expect("permission socket");

    // The grant survived the restart.
    let grants = permission::grants(&node).await.expect("grants");
    assert!(grants.is_granted(&app, BACKGROUND), "{grants:?}");

    // The token of the first start is gone (the node keeps tokens in memory only).
    let mut stale = Client::connect_url(&app_url).await.expect("stale socket");
    let refused = stale.register_delegate(&wasm, vec![]).await;
    assert!(
        refused.is_err(),
        "a pre-restart token still works: {refused:?}"
    );
    eprintln!("pre-restart token: {}", refused.unwrap_err());
    drop(stale);

    // A fresh page fetch (no re-publish) gives a working token. A page registers its
    // delegate on every load; that asks nothing now.
    let mut web = Client::connect_url(&app_socket_url(&node, &app).await)
        .await
        .expect("app socket after the restart");
    web.register_delegate(&wasm, vec![])
        .await
        .expect("registration after the restart");
    let mut plain = Client::connect(&node).await.expect("plain socket");
    plain
        .register_delegate(&wasm, b"plain".to_vec())
        .await
        .expect("plain registration after the restart");
    assert_no_prompt(&node, "a registration after the restart raised a prompt").await;

    // Wait for NodeStarted and the first wake-up of this start.
    let ticks_before = count(&before, "WakeupFired");
    let (mut node_started_at, mut tick_at) = (None, None);
    let mut log = Vec::new();
    while restarted.elapsed() < AFTER_START_TIMEOUT {
        log = events(&mut web, &key).await;
        if node_started_at.is_none() && count(&log, "NodeStarted") > 0 {
            node_started_at = Some(restarted.elapsed());
        }
        if tick_at.is_none() && count(&log, "WakeupFired") > ticks_before {
            tick_at = Some(restarted.elapsed());
        }
        if node_started_at.is_some() && tick_at.is_some() {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    eprintln!("log after the restart: {log:?}");
    let node_started_at = node_started_at.unwrap_or_else(|| {
        panic!(
            "no NodeStarted within {AFTER_START_TIMEOUT:?} of the restart; log {log:?}\n\
             grants {:?}\n--- node log tail ---\n{}",
            grants,
            node.log_tail(40)
        )
    });
    eprintln!(
        "NodeStarted recorded {:.1}s after the restarted node answered (±{POLL:?} polling)",
        node_started_at.as_secs_f64()
    );
    let tick_at = tick_at.unwrap_or_else(|| {
        panic!("no wake-up within {AFTER_START_TIMEOUT:?} of the restart; log {log:?}")
    });
    eprintln!(
        "first wake-up `tick` recorded {:.1}s after the restart",
        tick_at.as_secs_f64()
    );
    // Exactly one NodeStarted per start, and the log written before the restart is
    // still there (delegate secrets survive it).
    assert_eq!(count(&log, "NodeStarted"), 1, "{log:?}");
    assert_eq!(&log[..before.len()], &before[..], "log rewritten: {log:?}");
    // Runs the node starts on its own carry no origin.
    assert!(
        log.iter()
            .filter(|l| !l.starts_with("note "))
            .all(|l| l.ends_with("origin=None")),
        "an unprompted run with an origin: {log:?}"
    );
    let grants = permission::grants(&node).await.expect("grants");
    eprintln!("capability stats after the restart: {}", grants.stats);

    // The plain socket's delegate was never run by the node.
    let plain_log = events(&mut plain, &plain_key).await;
    assert!(
        plain_log.is_empty(),
        "a delegate registered with no app was run on its own: {plain_log:?}"
    );

    drop((web, plain, tab));
    assert!(node.stop().await.expect("node stops").success());
    eprintln!("test took {:.1}s", started.elapsed().as_secs_f64());
}
