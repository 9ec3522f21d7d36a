//! The `brook` chat commands against a real node, as two (and more) people: each user is
//! a Brook web app of its own (a web container published by its own publisher, so its
//! chat delegate storage is its own), driven through the real `brook` binary with
//! `--format json`, exactly as a script would.
//!
//! Stories: a private room made, an invite accepted, messages posted and read by both,
//! decrypted; `message follow` printing the other user's message; the owner's ban
//! rotating the secret away from the banned member, who can no longer read or post; a
//! code made before a rotation and accepted after it; the inviter never holding the
//! invitee's key; and bad input refused with a clear error, a non-zero exit and no
//! partial state.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use brook_e2e::brook_cli::keyfile::PublisherKey;
use brook_e2e::{publish_web_app, workspace_root, Node};
use ed25519_dalek::SigningKey;
use serde_json::Value;

/// The `brook` binary, built once per test run with the profile of this test.
fn brook_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "brook-cli", "--bin", "brook"])
            .current_dir(workspace_root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building brook failed");
        // target/<profile>/deps/<this test> → target/<profile>/brook
        let exe = std::env::current_exe().expect("test executable");
        let profile_dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
        profile_dir.join("brook")
    })
    .clone()
}

/// One user: a Brook app of its own on the shared node.
struct User {
    name: &'static str,
    node: String,
    app: String,
}

impl User {
    async fn new(node: &Node, name: &'static str) -> User {
        let app = publish_web_app(node, &PublisherKey::generate())
            .await
            .expect("web app published");
        User {
            name,
            node: node.authority(),
            app: app.to_string(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(brook_binary());
        c.args(["--node", &self.node, "--app", &self.app, "--format", "json"])
            .args(args)
            .stdin(Stdio::null());
        c
    }

    fn output(&self, args: &[&str]) -> Output {
        let start = Instant::now();
        let out = self.command(args).output().expect("brook runs");
        println!(
            "{} $ brook {} ({:.0} ms, exit {:?})",
            self.name,
            args.join(" "),
            start.elapsed().as_secs_f64() * 1e3,
            out.status.code()
        );
        out
    }

    /// Run a command that must succeed; its JSON lines.
    fn ok(&self, args: &[&str]) -> Vec<Value> {
        let out = self.output(args);
        assert!(
            out.status.success(),
            "{}: brook {args:?} failed: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        json_lines(&out.stdout)
    }

    /// Run a command that must fail with `code`; the JSON error it printed.
    fn fails(&self, args: &[&str], code: i32) -> Value {
        let out = self.output(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}: brook {args:?}: stdout {} stderr {}",
            self.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "a failure prints nothing on stdout");
        let error = json_lines(&out.stderr)
            .pop()
            .expect("a JSON error on stderr");
        assert_eq!(error["type"], "error");
        assert_eq!(error["error"]["exit_code"], code);
        error
    }

    fn rooms(&self) -> Vec<Value> {
        self.ok(&["room", "list"])
    }

    fn messages(&self, room: &str) -> Vec<Value> {
        self.ok(&["message", "list", room])
    }
}

fn json_lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn is_hex(v: &Value, digits: usize) -> bool {
    v.as_str()
        .is_some_and(|s| s.len() == digits && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// docs/cli.md's `message` object.
fn assert_message_schema(m: &Value) {
    assert_eq!(m["type"], "message");
    assert!(is_hex(&m["room"], 64), "{m}");
    assert!(is_hex(&m["id"], 32), "{m}");
    assert!(is_hex(&m["author"], 64), "{m}");
    assert!(m["sent_at"].is_u64(), "{m}");
    assert!(m["mine"].is_boolean(), "{m}");
    assert!(m["author_nickname"].is_string() || m["author_nickname"].is_null());
    match (&m["text"], &m["unreadable"]) {
        (Value::String(_), Value::Null) => {}
        (Value::Null, Value::Object(why)) => {
            assert!(["no_key", "unopenable"].contains(&why["reason"].as_str().unwrap()));
            assert!(why["version"].is_u64());
        }
        other => panic!("text xor unreadable: {other:?}"),
    }
}

fn texts(messages: &[Value]) -> Vec<Option<String>> {
    messages
        .iter()
        .map(|m| m["text"].as_str().map(str::to_owned))
        .collect()
}

/// Poll `check` (a brook command's result) until it holds.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    println!("{what}: after {:.1} s", start.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread")]
async fn two_users_chat_privately_and_a_ban_shuts_one_out() {
    let node = Node::start().await.expect("node");
    let alice = User::new(&node, "alice").await;
    let bob = User::new(&node, "bob").await;

    // Alice creates a private room and invites Bob.
    let created = alice.ok(&["room", "create", "story", "--nickname", "alice"]);
    assert_eq!(created[0]["type"], "room_created");
    assert_eq!(created[0]["privacy"], "private");
    let room = created[0]["room"].as_str().unwrap().to_owned();
    let invite = alice.ok(&["invite", "create", "story"]);
    let code = invite[0]["code"].as_str().unwrap().to_owned();
    assert!(code.starts_with("brook1"));
    assert!(invite[0]["link"].as_str().unwrap().contains(&format!(
        "/v1/contract/web/{}/?invitation=brook1",
        alice.app
    )));

    // Bob joins with his own delegate's key.
    let joined = bob.ok(&["invite", "accept", &code, "--nickname", "bob"]);
    assert_eq!(joined[0]["type"], "joined");
    assert_eq!(joined[0]["room"], room.as_str());
    let bob_key = joined[0]["me"].as_str().unwrap().to_owned();

    // The inviter never holds the invitee's key: not in Alice's delegate (neither her
    // identities nor her export), not in the code.
    let alice_rooms = alice.ok(&["identity", "whoami"]);
    assert!(alice_rooms.iter().all(|r| r["me"] != bob_key.as_str()));
    let export = alice.ok(&["identity", "export", "--i-understand-this-reveals-my-keys"]);
    for line in &export {
        let seed_hex = line["line"].as_str().unwrap().split(' ').nth(2).unwrap();
        let seed = brook_client::hex::parse_key(seed_hex)
            .expect("a 32-byte seed")
            .0;
        let public = SigningKey::from_bytes(&seed).verifying_key();
        assert_ne!(
            brook_client::hex::hex_of(public.as_bytes()),
            bob_key,
            "alice holds bob's key"
        );
    }
    assert!(!code.contains(&bob_key));

    // Both post; both read both, decrypted, with nicknames.
    alice.ok(&["message", "send", "story", "hello from alice"]);
    let prefix = &room[..8];
    bob.ok(&["message", "send", prefix, "hello from bob"]);
    for user in [&alice, &bob] {
        let messages = user.messages(prefix);
        messages.iter().for_each(assert_message_schema);
        assert_eq!(
            texts(&messages),
            vec![
                Some("hello from alice".to_owned()),
                Some("hello from bob".to_owned())
            ],
            "{} reads both",
            user.name
        );
        let mine: Vec<bool> = messages
            .iter()
            .map(|m| m["mine"].as_bool().unwrap())
            .collect();
        assert_eq!(mine, vec![user.name == "alice", user.name == "bob"]);
        assert_eq!(messages[1]["author_nickname"], "bob");
    }
    let members = alice.ok(&["member", "list", "story"]);
    let bob_row = members
        .iter()
        .find(|m| m["key"] == bob_key.as_str())
        .unwrap();
    assert_eq!(bob_row["roles"], serde_json::json!(["invited_by_you"]));
    assert_eq!(bob_row["nickname"], "bob");

    // `message follow` prints what the other user posts.
    let follower = bob
        .command(&[
            "message",
            "follow",
            prefix,
            "--count",
            "1",
            "--timeout",
            "120",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("follow runs");
    std::thread::sleep(Duration::from_secs(3)); // let it subscribe
    let sent = Instant::now();
    alice.ok(&["message", "send", "story", "are you there?"]);
    let followed = follower.wait_with_output().expect("follow ends");
    println!(
        "follow printed the message {:.0} ms after alice's send began",
        sent.elapsed().as_secs_f64() * 1e3
    );
    assert!(
        followed.status.success(),
        "{}",
        String::from_utf8_lossy(&followed.stderr)
    );
    let printed = json_lines(&followed.stdout);
    assert_eq!(printed.len(), 1);
    assert_message_schema(&printed[0]);
    assert_eq!(printed[0]["text"], "are you there?");

    // Alice bans Bob: her delegate bans and rotates in one update.
    let banned = alice.ok(&["member", "ban", "story", "bob"]);
    assert_eq!(banned[0]["member"], bob_key.as_str());
    let version = banned[0]["rotated_to"]
        .as_u64()
        .expect("the owner's ban rotates");
    alice.ok(&["message", "send", "story", "after the ban"]);
    let for_alice = alice.messages("story");
    assert_eq!(
        for_alice.last().unwrap()["text"],
        "after the ban",
        "alice reads her new message"
    );
    let for_bob = bob.messages(prefix);
    let last = for_bob.last().unwrap();
    assert_message_schema(last);
    assert_eq!(last["text"], Value::Null);
    assert_eq!(last["unreadable"]["reason"], "no_key");
    assert_eq!(
        last["unreadable"]["version"], version,
        "bob is told which version he lacks"
    );
    let info = bob.ok(&["room", "info", prefix]);
    assert_eq!(info[0]["standing"]["state"], "banned");
    // A banned member's messages leave with him (rule MSG-1).
    let before = texts(&alice.messages("story"));
    assert_eq!(
        before,
        vec![
            Some("hello from alice".into()),
            Some("are you there?".into()),
            Some("after the ban".into())
        ]
    );
    let error = bob.fails(&["message", "send", prefix, "let me in"], 3);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("banned"),
        "{error}"
    );
    assert_eq!(
        texts(&alice.messages("story")),
        before,
        "bob's post did not land"
    );

    node.stop().await.expect("node stops");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_from_before_a_rotation_reads_the_old_at_once_and_the_new_after_the_backfill() {
    let node = Node::start().await.expect("node");
    let owner = User::new(&node, "owner").await;
    let dave = User::new(&node, "dave").await;
    let carol = User::new(&node, "carol").await;

    let created = owner.ok(&["room", "create", "rotating"]);
    let room = created[0]["room"].as_str().unwrap().to_owned();
    // Wait for the room's first secret (the owner's delegate publishes version 0).
    eventually("secret version 0", || {
        owner.ok(&["room", "info", "rotating"])[0]["newest_secret_held"] == 0
    });
    let carol_code = owner.ok(&["invite", "create", "rotating"])[0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let dave_code = owner.ok(&["invite", "create", "rotating"])[0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    dave.ok(&["invite", "accept", &dave_code]);
    owner.ok(&["message", "send", "rotating", "before the rotation"]);
    // A ban moves the secret on (version 1), after Carol's code was made.
    let banned = owner.ok(&["member", "ban", "rotating", &dave_key(&dave, &room)]);
    let v1 = banned[0]["rotated_to"].as_u64().expect("rotated");
    owner.ok(&["message", "send", "rotating", "after the rotation"]);

    // Carol joins with the old code: the old message opens with the code's secret at
    // once (the room wraps no version-0 secret for her), the new one once the owner's
    // delegate back-fills version 1 for her; meanwhile it is marked with the version.
    carol.ok(&["invite", "accept", &carol_code]);
    let first = carol.messages(&room[..8]);
    assert_eq!(first[0]["text"], "before the rotation");
    match first[1]["text"].as_str() {
        Some(text) => {
            assert_eq!(text, "after the rotation");
            println!("the back-fill landed before carol's first read");
        }
        None => {
            assert_eq!(first[1]["unreadable"]["reason"], "no_key");
            assert_eq!(first[1]["unreadable"]["version"], v1);
            println!("carol saw the new message marked unreadable until the back-fill");
        }
    }
    eventually("the back-fill of version 1 for carol", || {
        carol.messages(&room[..8])[1]["text"] == "after the rotation"
    });
    let again = carol.messages(&room[..8]);
    assert_eq!(
        again[0]["text"], "before the rotation",
        "the code's secret still reads v0"
    );
    carol.ok(&["message", "send", &room[..8], "hi from carol"]);
    assert_eq!(owner.messages("rotating")[2]["text"], "hi from carol");

    // The owner rotates now: a new version wrapped for every member, Carol included, in
    // the one update; a member cannot.
    carol.fails(&["room", "rotate", &room[..8]], 3);
    let rotated = owner.ok(&["room", "rotate", "rotating"]);
    assert_eq!(rotated[0]["version"], v1 + 1);
    owner.ok(&["message", "send", "rotating", "after rotate-now"]);
    let last = carol.messages(&room[..8]).pop().unwrap();
    assert_eq!(last["text"], "after rotate-now");
    let info = carol.ok(&["room", "info", &room[..8]]);
    assert_eq!(info[0]["secret_version"], v1 + 1);
    assert_eq!(info[0]["newest_secret_held"], v1 + 1);
    node.stop().await.expect("node stops");
}

fn dave_key(dave: &User, room: &str) -> String {
    dave.ok(&["identity", "whoami"])
        .iter()
        .find(|r| r["room"] == room)
        .and_then(|r| r["me"].as_str())
        .expect("dave's identity")[..12]
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_clearly_and_leaves_nothing_behind() {
    let node = Node::start().await.expect("node");
    let alice = User::new(&node, "alice").await;
    let bob = User::new(&node, "bob").await;
    let eve = User::new(&node, "eve").await;
    let created = alice.ok(&["room", "create", "guarded", "--public"]);
    let room = created[0]["room"].as_str().unwrap().to_owned();
    let code = alice.ok(&["invite", "create", "guarded"])[0]["code"]
        .as_str()
        .unwrap()
        .to_owned();

    // Malformed and truncated codes: refused before anything is made.
    let e = bob.fails(&["invite", "accept", "brook1notacode"], 3);
    println!("malformed: {}", e["error"]["message"]);
    let e = bob.fails(&["invite", "accept", &code[..code.len() - 9]], 3);
    println!("truncated: {}", e["error"]["message"]);
    let e = bob.fails(&["invite", "accept", "hello"], 3);
    assert!(e["error"]["message"].as_str().unwrap().contains("invite"));
    // A code for a room this node's room contract does not hold (another contract, or
    // another app's rooms): made here for a room that was never published.
    let foreign = foreign_code();
    let e = bob.fails(&["invite", "accept", &foreign], 3);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("room"),
        "{e}"
    );
    assert!(
        bob.rooms().is_empty(),
        "no identity was made for refused codes"
    );

    // The code works once; a second person is refused before an identity is made.
    bob.ok(&["invite", "accept", &code]);
    let e = eve.fails(&["invite", "accept", &code], 3);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{e}"
    );
    assert!(eve.rooms().is_empty());
    // Revoking is refused (explained) rather than pretended.
    eve.fails(&["invite", "revoke", &code], 3);

    // Unknown room prefix, and an oversize message: nothing sent.
    let e = alice.fails(&["message", "send", "0000ffff", "hi"], 3);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("no room"),
        "{e}"
    );
    let long = "x".repeat(5000);
    let e = alice.fails(&["message", "send", "guarded", &long], 3);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("at most"),
        "{e}"
    );
    assert!(alice.messages(&room[..8]).is_empty());
    // Bob may not ban Alice's other invitees, nor Alice.
    bob.fails(&["member", "ban", &room[..8], &room[..12]], 3);

    // The node down: a clear error saying how to start it, exit 4.
    node.stop().await.expect("node stops");
    let e = alice.fails(&["room", "list"], 4);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cargo make run"),
        "{e}"
    );
}

/// A well-formed code for a room no node holds.
fn foreign_code() -> String {
    use brook_client::invite::{grant_body, InviteCode};
    use brook_common::room::Signed;
    let owner = SigningKey::from_bytes(&[9; 32]);
    let room = brook_common::sign::member_key(&owner);
    let seed = [7u8; 32];
    let grant = Signed::sign(&room, grant_body(room, &seed), &owner).unwrap();
    InviteCode::new(None, room, grant, &seed, None)
        .unwrap()
        .to_text()
}
