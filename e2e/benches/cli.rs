//! `brook` end to end against a warm real node, as a script would run it: the time of
//! one `brook message send` (process start, connecting as the Brook app, loading the
//! room, opening the secrets, sealing, the delegate's signature, the node's UPDATE),
//! and how long after the other user's send `brook message follow` prints the message.
//!
//! `cargo make bench-node` runs it after the room benchmark and prints a markdown table.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use brook_e2e::brook_cli::keyfile::PublisherKey;
use brook_e2e::{publish_web_app, workspace_root, Node};

const SENDS: usize = 21;
const FOLLOWED: usize = 11;

fn brook_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "-q",
            "--release",
            "-p",
            "brook-cli",
            "--bin",
            "brook",
        ])
        .current_dir(workspace_root())
        .status()
        .expect("cargo runs");
    assert!(status.success());
    let exe = std::env::current_exe().expect("bench executable");
    exe.parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .join("brook")
}

struct User {
    bin: PathBuf,
    node: String,
    app: String,
}

impl User {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        c.args(["--node", &self.node, "--app", &self.app, "--format", "json"])
            .args(args)
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> serde_json::Value {
        let out = self.command(args).output().expect("brook runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        serde_json::from_str(text.lines().next().unwrap_or("null")).expect("JSON")
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let at = ((samples.len() - 1) as f64 * p).round() as usize;
    samples[at]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let bin = brook_binary();
    let node = Node::start().await.expect("node");
    let mut users = Vec::new();
    for _ in 0..2 {
        let app = publish_web_app(&node, &PublisherKey::generate())
            .await
            .expect("app");
        users.push(User {
            bin: bin.clone(),
            node: node.authority(),
            app: app.to_string(),
        });
    }
    let (alice, bob) = (&users[0], &users[1]);
    let room = alice.run(&["room", "create", "bench"])["room"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = alice.run(&["invite", "create", &room[..12]])["code"]
        .as_str()
        .unwrap()
        .to_owned();
    bob.run(&["invite", "accept", &code]);
    alice.run(&["message", "send", &room[..12], "warm-up"]);

    let mut sends: Vec<Duration> = (0..SENDS)
        .map(|i| {
            let start = Instant::now();
            alice.run(&["message", "send", &room[..12], &format!("send {i}")]);
            start.elapsed()
        })
        .collect();

    // Bob follows; Alice sends one message at a time, waiting for Bob's line.
    let mut follower = bob
        .command(&[
            "message",
            "follow",
            &room[..12],
            "--count",
            &FOLLOWED.to_string(),
            "--timeout",
            "120",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("follow runs");
    let mut lines = BufReader::new(follower.stdout.take().expect("stdout")).lines();
    std::thread::sleep(Duration::from_secs(2));
    let mut latencies = Vec::new();
    for i in 0..FOLLOWED {
        let start = Instant::now();
        alice.run(&["message", "send", &room[..12], &format!("followed {i}")]);
        let line = lines.next().expect("a line").expect("readable");
        latencies.push(start.elapsed());
        assert!(line.contains(&format!("followed {i}")), "{line}");
    }
    follower.wait().expect("follow ends");
    node.stop().await.expect("node stops");

    let median_send = percentile(&mut sends, 0.5);
    let median_follow = percentile(&mut latencies, 0.5);
    let p90_follow = percentile(&mut latencies, 0.9);
    println!();
    println!("| `brook` against a warm node (one machine, two Brook apps) | median | p90 |");
    println!("|---|---:|---:|");
    println!(
        "| `brook message send`, end to end ({SENDS} runs) | {:.0} ms | {:.0} ms |",
        ms(median_send),
        ms(percentile(&mut sends, 0.9))
    );
    println!(
        "| `brook message follow`: printed after the other user's send began ({FOLLOWED} messages) | {:.0} ms | {:.0} ms |",
        ms(median_follow),
        ms(p90_follow)
    );
}
