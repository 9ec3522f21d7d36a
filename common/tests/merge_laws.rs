//! The merge laws over the conformance corpus, natively and exhaustively: fdev samples
//! about sixty associativity triples per run, so every triple is checked here.
//!
//! Laws (as freenet's verifier states them): merge is idempotent and commutative;
//! associativity holds or heals — the two groupings converge after one exchange and
//! merging any of the three inputs back in changes nothing; applying a delta twice is a
//! no-op; summaries and deltas are deterministic.

// Test code: outside the lint fence (Cargo.toml [workspace.lints]).
#![allow(clippy::restriction, clippy::pedantic)]

use brook_common::room::config::Privacy;
use brook_common::room::wire::{self, Update};
use brook_common::testkit::corpus::{build, Corpus};

fn merge(params: &[u8], a: &[u8], b: &[u8]) -> Vec<u8> {
    wire::update(params, a, &[Update::State(b)])
        .expect("corpus states merge")
        .0
}

fn check(corpus: &Corpus) -> (usize, usize) {
    let p = &corpus.params;
    let states = &corpus.states;
    for s in states {
        wire::validate(p, s).expect("every corpus state is valid");
        assert_eq!(&merge(p, s, s), s, "idempotence");
    }
    // Pair merges once, then every ordered triple: 2·n³ merges.
    let pairs: Vec<Vec<Vec<u8>>> = states
        .iter()
        .map(|a| states.iter().map(|b| merge(p, a, b)).collect())
        .collect();
    let (mut strict, mut healed) = (0, 0);
    for (i, a) in states.iter().enumerate() {
        for (j, b) in states.iter().enumerate() {
            for (k, c) in states.iter().enumerate() {
                let left = merge(p, &pairs[i][j], c);
                let right = merge(p, a, &pairs[j][k]);
                if left == right {
                    strict += 1;
                    continue;
                }
                let healed_left = merge(p, &left, &right);
                assert_eq!(
                    healed_left,
                    merge(p, &right, &left),
                    "groupings converge in one exchange"
                );
                for input in [a, b, c, &left, &right] {
                    assert_eq!(
                        merge(p, &healed_left, input),
                        healed_left,
                        "healed state is a fixpoint"
                    );
                }
                healed += 1;
            }
        }
    }
    for (i, row) in pairs.iter().enumerate() {
        for (j, ab) in row.iter().enumerate() {
            assert_eq!(ab, &pairs[j][i], "commutativity");
        }
    }
    for t in &corpus.transitions {
        let once = wire::update(p, &t.base, &[Update::Delta(&t.delta)])
            .unwrap()
            .0;
        assert_eq!(once, t.result, "transition replays deterministically");
        let twice = wire::update(p, &once, &[Update::Delta(&t.delta)])
            .unwrap()
            .0;
        assert_eq!(twice, once, "delta idempotence");
        assert_eq!(
            wire::summarize(p, &t.base).unwrap(),
            t.summary,
            "summary determinism"
        );
        let delta = wire::delta(p, &t.result, &t.summary).unwrap();
        assert_eq!(
            delta,
            wire::delta(p, &t.result, &t.summary).unwrap(),
            "delta determinism"
        );
        let caught_up = wire::update(p, &t.base, &[Update::Delta(&delta)])
            .unwrap()
            .0;
        assert_eq!(
            merge(p, &caught_up, &t.result),
            merge(p, &t.result, &caught_up)
        );
    }
    (strict, healed)
}

#[test]
fn merge_laws_hold_for_every_triple_public() {
    let corpus = build(Privacy::Public, 3, 12);
    let (strict, healed) = check(&corpus);
    println!(
        "public: {} states, {strict} triples strictly associative, {healed} healed",
        corpus.states.len()
    );
    assert!(corpus.states.len() >= 12);
}

#[test]
fn merge_laws_hold_for_every_triple_private() {
    let corpus = build(Privacy::Private, 3, 12);
    let (strict, healed) = check(&corpus);
    println!(
        "private: {} states, {strict} triples strictly associative, {healed} healed",
        corpus.states.len()
    );
    assert!(corpus.states.len() >= 12);
}
