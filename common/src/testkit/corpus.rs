//! A conformance corpus: many divergent states of ONE room, as real peers would hold
//! them, plus the deltas, summaries and `base + delta → result` transitions between
//! them. Fed to freenet's merge-law verifier (`fdev verify-merge --bundle`) and to the
//! native every-triple associativity check.
//!
//! Replicas author concurrent streams of operations from a shared base: messages that
//! overflow a small window, invitations, bans by the owner, by inviters, by a moderator
//! and by members without authority, nickname and config bumps, upgrade pointers, and in
//! private rooms rotations — including two owner devices rotating to the same version
//! with different member sets.

use super::scenario::{author, base_room, key_pool, Op};
use super::TestRoom;
use crate::room::config::Privacy;
use crate::room::wire;
use crate::room::RoomDelta;
use crate::sign::member_key;

/// One `base + delta → result` step a peer took.
#[derive(Debug, Clone)]
pub struct Transition {
    pub base: Vec<u8>,
    pub delta: Vec<u8>,
    pub summary: Vec<u8>,
    pub result: Vec<u8>,
}

/// States, deltas, summaries and transitions of one room (same parameters).
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub params: Vec<u8>,
    pub states: Vec<Vec<u8>>,
    pub deltas: Vec<Vec<u8>>,
    pub summaries: Vec<Vec<u8>>,
    pub transitions: Vec<Transition>,
}

/// Deterministic op streams: splitmix64 from `seed`.
fn ops(seed: u64, count: usize) -> Vec<Op> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            (z as u8, (z >> 8) as u8, (z >> 16) as u8)
        })
        .collect()
}

fn encode(delta: &RoomDelta) -> Vec<u8> {
    wire::encode_delta(delta).expect("delta encodes")
}

/// Build the corpus of `replicas` divergent replicas of one room.
pub fn build(privacy: Privacy, replicas: usize, ops_per_replica: usize) -> Corpus {
    let base = base_room(privacy, 12);
    let mut pool = key_pool();
    let mut corpus = Corpus {
        params: base.params_bytes(),
        ..Corpus::default()
    };
    corpus.states.push(base.state_bytes());

    let mut finals: Vec<TestRoom> = Vec::new();
    for r in 0..replicas {
        let mut replica = base.clone();
        let label = format!("replica{r}");
        let deltas = author(
            &mut replica,
            &label,
            &ops(r as u64 * 7919 + 1, ops_per_replica),
            &mut pool,
        );
        // Intermediate states are states peers really held.
        let mut midway = base.clone();
        for (i, delta) in deltas.iter().enumerate() {
            let before = midway.state_bytes();
            let summary = summary_bytes(&midway);
            midway.apply(delta.clone());
            if i % 3 == 2 {
                corpus.transitions.push(Transition {
                    base: before,
                    delta: encode(delta),
                    summary,
                    result: midway.state_bytes(),
                });
                corpus.states.push(midway.state_bytes());
            }
            corpus.deltas.push(encode(delta));
        }
        corpus.states.push(replica.state_bytes());
        finals.push(replica);
    }

    if privacy == Privacy::Private {
        // Two owner devices rotate concurrently to the same version for different
        // member sets (each saw a different membership).
        let mut device_a = finals[0].clone();
        let mut device_b = finals[1 % finals.len()].clone();
        let version = device_a
            .state
            .secrets
            .current_version()
            .max(device_b.state.secrets.current_version())
            .map_or(0, |v| v + 1);
        let members_a: Vec<_> = device_a
            .state
            .members
            .iter()
            .map(|r| r.body.member)
            .collect();
        let members_b: Vec<_> = device_b
            .state
            .members
            .iter()
            .map(|r| r.body.member)
            .collect();
        let rotation_a = device_a.secret_batch(version, &members_a);
        let rotation_b = device_b.secret_batch(version, &members_b[..members_b.len() / 2]);
        device_a.apply(rotation_a.clone());
        device_b.apply(rotation_b.clone());
        corpus.deltas.push(encode(&rotation_a));
        corpus.deltas.push(encode(&rotation_b));
        corpus.states.push(device_a.state_bytes());
        corpus.states.push(device_b.state_bytes());
        finals.push(device_a);
        finals.push(device_b);
    }

    // Pairwise syncs: what each replica sends another, and the state it reaches.
    for (i, a) in finals.iter().enumerate() {
        for b in finals.iter().skip(i + 1).take(2) {
            let summary = b.state.summarize();
            let delta = a.state.delta_since(&summary);
            let mut merged = b.clone();
            merged.apply(delta.clone());
            corpus.transitions.push(Transition {
                base: b.state_bytes(),
                delta: encode(&delta),
                summary: summary_bytes(b),
                result: merged.state_bytes(),
            });
            corpus.states.push(merged.state_bytes());
        }
    }

    // A window-overflow state and a ban-heavy state from the base.
    let mut crowded = base.clone();
    let speakers = key_pool();
    let mut flood = RoomDelta::default();
    for i in 0..40 {
        let author = &speakers[i % speakers.len()];
        flood
            .messages
            .extend(crowded.message(author, &format!("crowd {i}")).messages);
    }
    crowded.apply(flood.clone());
    corpus.deltas.push(encode(&flood));
    corpus.states.push(crowded.state_bytes());
    let mut banned = base.clone();
    let owner = banned.owner.clone();
    let mut bans = RoomDelta::default();
    for key in speakers.iter().skip(1) {
        bans.bans.extend(banned.ban(&owner, &member_key(key)).bans);
    }
    banned.apply(bans.clone());
    corpus.deltas.push(encode(&bans));
    corpus.states.push(banned.state_bytes());

    corpus.summaries = corpus
        .states
        .iter()
        .map(|s| summary_of(&corpus.params, s))
        .collect();
    corpus.states.sort();
    corpus.states.dedup();
    corpus.deltas.sort();
    corpus.deltas.dedup();
    corpus.summaries.sort();
    corpus.summaries.dedup();
    corpus
}

fn summary_of(params: &[u8], state: &[u8]) -> Vec<u8> {
    wire::summarize(params, state).expect("corpus states summarize")
}

fn summary_bytes(room: &TestRoom) -> Vec<u8> {
    summary_of(&room.params_bytes(), &room.state_bytes())
}
