//! Real-node benchmark (a report, not a timed test): PUT, then UPDATE with one message,
//! rooms of the shapes the contract must handle — up to the most expensive state one
//! member can build within the rules ([`worst_case`]) — timed from the client, median of
//! three fresh contracts each. The node re-runs `validate_state` on the whole state after
//! every UPDATE, so per-signature cost inside WASM is what decides how big a room can be.
//!
//! Run: `cargo make bench-node` (a bench target, so `cargo test` never runs it).

use std::time::{Duration, Instant};

use brook_common::room::config::Privacy;
use brook_common::room::{wire, RoomDelta};
use brook_common::testkit::{populated_room_owned_by, signing_key, TestRoom};
use brook_e2e::{room_contract_wasm, Client, Node};
use ed25519_dalek::SigningKey;

#[path = "../../common/benches/support/worst_case.rs"]
mod worst_case;

/// How a shape's room is built.
enum Build {
    /// [`populated_room_owned_by`]: members flat or as one chain, messages spread over them.
    Populated {
        privacy: Privacy,
        members: usize,
        messages: usize,
        chain: bool,
    },
    /// [`worst_case::worst_case_room`]; its UPDATE is a message of the largest size.
    WorstCase,
}

struct Shape {
    name: &'static str,
    build: Build,
    target: Duration,
}

impl Shape {
    fn chain(&self) -> bool {
        matches!(self.build, Build::Populated { chain: true, .. })
    }

    /// A fresh room of this shape owned by `owner`, and the one-message UPDATE delta.
    fn room(&self, owner: SigningKey) -> (TestRoom, RoomDelta) {
        match self.build {
            Build::Populated {
                privacy,
                members,
                messages,
                chain,
            } => {
                let (mut room, keys) =
                    populated_room_owned_by(owner, privacy, members, messages, chain);
                let author = keys.last().cloned().unwrap_or_else(|| room.owner.clone());
                let delta = room.message(&author, "one more message");
                (room, delta)
            }
            Build::WorstCase => {
                let (mut room, keys) = worst_case::worst_case_room(owner);
                let author = keys.last().cloned().expect("members");
                let delta = worst_case::one_more_message(&mut room, &author);
                (room, delta)
            }
        }
    }
}

const SHAPES: [Shape; 4] = [
    Shape {
        name: "private, flat invitations, 500 members, 100 messages",
        build: Build::Populated {
            privacy: Privacy::Private,
            members: 500,
            messages: 100,
            chain: false,
        },
        target: Duration::from_millis(100),
    },
    Shape {
        name: "public, one invitation chain of depth 200",
        build: Build::Populated {
            privacy: Privacy::Public,
            members: 200,
            messages: 0,
            chain: true,
        },
        target: Duration::from_millis(50),
    },
    Shape {
        name: "public, one invitation chain of depth 500",
        build: Build::Populated {
            privacy: Privacy::Public,
            members: 500,
            messages: 0,
            chain: true,
        },
        target: Duration::from_millis(120),
    },
    Shape {
        name: worst_case::SHAPE,
        build: Build::WorstCase,
        target: Duration::from_millis(1000),
    },
];

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Whether the row named `name` runs: all of them, or with `cargo bench --bench node --
/// <filter>` those whose name contains the filter.
fn selected(name: &str) -> bool {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    filter.is_none_or(|f| name.contains(&f))
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` asks a custom harness for its benches
    }
    tokio::runtime::Runtime::new()
        .expect("tokio runtime")
        .block_on(bench_room_contract_in_the_node());
}

async fn bench_room_contract_in_the_node() {
    let wasm = room_contract_wasm();
    let node = Node::start().await.expect("node starts");
    let mut client = Client::connect(&node).await.expect("connects");
    println!("\n## Real-node benchmark (median of 3 fresh contracts)\n");
    println!(
        "| room | state (KB) | signatures | PUT (ms) | UPDATE (ms) | target (ms) | ms / signature (UPDATE) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let mut chains: Vec<(usize, Duration)> = Vec::new();
    for (s, shape) in SHAPES.iter().enumerate() {
        if !selected(shape.name) {
            continue;
        }
        let (mut puts, mut updates, mut signatures, mut bytes) = (Vec::new(), Vec::new(), 0, 0);
        for i in 0..3 {
            let owner = signing_key("bench-node-owner", (s * 10 + i) as u64);
            let (room, delta) = shape.room(owner);
            signatures = room.state.signature_count() + 1;
            let state = room.state_bytes();
            bytes = state.len();
            let start = Instant::now();
            let key = client
                .put(&wasm, room.params_bytes(), state)
                .await
                .expect("PUT accepted");
            puts.push(start.elapsed());
            let start = Instant::now();
            client
                .update_delta(&key, wire::encode_delta(&delta).unwrap())
                .await
                .expect("UPDATE accepted");
            updates.push(start.elapsed());
        }
        let (put, update) = (median(puts), median(updates));
        if shape.chain() {
            chains.push((signatures, update));
        }
        println!(
            "| {} | {:.1} | {} | {:.1} | {:.1} | {} | {:.3} |",
            shape.name,
            bytes as f64 / 1e3,
            signatures,
            put.as_secs_f64() * 1e3,
            update.as_secs_f64() * 1e3,
            shape.target.as_millis(),
            update.as_secs_f64() * 1e3 / signatures as f64,
        );
    }
    // Fixed costs (instantiation, decoding, the call itself) cancel in the difference
    // between the two chains: what remains is the cost of one more signature in WASM.
    if let [(small_sigs, small), (big_sigs, big)] = chains[..] {
        let per_signature =
            (big.as_secs_f64() - small.as_secs_f64()) * 1e3 / (big_sigs - small_sigs) as f64;
        println!("\nmarginal cost in WASM: {per_signature:.3} ms per signature (chain 500 vs chain 200, UPDATE)");
    }
    if selected(OUTSIDER) {
        outsider_delta(&mut client, &wasm).await;
    }
    drop(client);
    node.stop().await.expect("node stops");
}

const OUTSIDER: &str = "an outsider's delta";

/// Rule VER-1 in the node: an outsider's UPDATE of 20,000 validly signed messages by
/// keys nobody invited, against the private 500-member room. Every record is dropped
/// before a signature is checked; the node still re-validates the whole state.
async fn outsider_delta(client: &mut Client, wasm: &[u8]) {
    let mut times = Vec::new();
    let mut bytes = 0;
    for i in 0..3u64 {
        let owner = signing_key("bench-node-outsider", i);
        let (mut room, _) = populated_room_owned_by(owner, Privacy::Private, 500, 100, false);
        let key = client
            .put(wasm, room.params_bytes(), room.state_bytes())
            .await
            .expect("PUT accepted");
        let flood = wire::encode_delta(&room.outsider_flood(20_000)).unwrap();
        bytes = flood.len();
        let start = Instant::now();
        // Nothing changes, which the node may answer either way; only the time counts.
        let _ = client.update_delta(&key, flood).await;
        times.push(start.elapsed());
    }
    println!(
        "
{OUTSIDER} (20,000 messages by uninvited keys, {:.1} MB) against the private \
         500-member room: UPDATE {:.1} ms (median of 3; target 1000 ms)",
        bytes as f64 / 1e6,
        median(times).as_secs_f64() * 1e3
    );
}
