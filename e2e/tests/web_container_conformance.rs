//! The web container contract against freenet's merge laws: `fdev verify-merge` over a
//! replay bundle of one publisher's states (the shipped WASM in wasmtime), and the same
//! laws natively over every triple of the corpus, since fdev samples only some.
//!
//! The corpus is what replicas of one UI contract hold: versions 1..8 of the bundle, two
//! or three different archives published at the same version, archives from empty to
//! 48 KiB, and `u64::MAX`. Deltas are whole states (the contract's only delta form) plus
//! the empty "up to date" delta; transitions are every `base + delta(other) → result`.

use brook_common::testkit::signing_key;
use brook_common::web_container::WebContainer;
use brook_e2e::bundle::{BundleTransition, ReplayBundle};
use brook_e2e::fdev::verify_bundle;
use brook_e2e::freenet_stdlib::prelude::*;
use brook_e2e::guest_wasm;
use web_container::WebContainerContract as Web;

/// Cases fdev may build (its default is 512).
const MAX_CASES: usize = 2000;

struct Corpus {
    params: Vec<u8>,
    states: Vec<Vec<u8>>,
    deltas: Vec<Vec<u8>>,
    summaries: Vec<Vec<u8>>,
    transitions: Vec<BundleTransition>,
}

fn params(corpus: &Corpus) -> Parameters<'static> {
    Parameters::from(corpus.params.clone())
}

fn update(p: &Parameters<'static>, base: &[u8], data: UpdateData<'static>) -> Vec<u8> {
    Web::update_state(p.clone(), State::from(base.to_vec()), vec![data])
        .expect("corpus updates apply")
        .new_state
        .expect("update returns a state")
        .into_bytes()
}

fn merge(p: &Parameters<'static>, a: &[u8], b: &[u8]) -> Vec<u8> {
    update(p, a, UpdateData::State(State::from(b.to_vec())))
}

fn apply(p: &Parameters<'static>, base: &[u8], delta: &[u8]) -> Vec<u8> {
    update(p, base, UpdateData::Delta(StateDelta::from(delta.to_vec())))
}

fn summarize(p: &Parameters<'static>, state: &[u8]) -> Vec<u8> {
    Web::summarize_state(p.clone(), State::from(state.to_vec()))
        .expect("corpus states summarize")
        .into_bytes()
}

fn delta(p: &Parameters<'static>, state: &[u8], summary: &[u8]) -> Vec<u8> {
    Web::get_state_delta(
        p.clone(),
        State::from(state.to_vec()),
        StateSummary::from(summary.to_vec()),
    )
    .expect("corpus deltas compute")
    .into_bytes()
}

/// Deterministic archive bytes of `len` bytes, different per `seed`.
fn archive(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

fn build() -> Corpus {
    let publisher = signing_key("web-publisher", 0);
    let params = publisher.verifying_key().to_bytes().to_vec();
    let sizes = [0, 1, 17, 300, 4096, 1000, 48 * 1024, 64];
    let mut published: Vec<(u64, Vec<u8>)> = (1..=8u64)
        .zip(sizes)
        .map(|(v, len)| (v, archive(v as u8, len)))
        .collect();
    // Concurrent publishes of one version (rule WEB-2's tie-break decides).
    published.extend([
        (3, archive(0xa3, 17)),
        (5, Vec::new()),
        (8, archive(0xb8, 64)),
        (8, archive(0xc8, 65)),
        (u64::MAX, archive(0xff, 5)),
    ]);
    let states: Vec<Vec<u8>> = published
        .into_iter()
        .map(|(v, a)| WebContainer::publish(&publisher, v, a).encode().unwrap())
        .collect();
    let mut corpus = Corpus {
        params,
        summaries: Vec::new(),
        deltas: states.clone(),
        states,
        transitions: Vec::new(),
    };
    let p = self::params(&corpus);
    corpus.deltas.push(Vec::new());
    corpus.summaries = corpus.states.iter().map(|s| summarize(&p, s)).collect();
    for base in &corpus.states {
        let summary = summarize(&p, base);
        for other in &corpus.states {
            let d = delta(&p, other, &summary);
            corpus.transitions.push(BundleTransition {
                base_state: base.clone(),
                result_state: apply(&p, base, &d),
                delta: Some(d),
                summary: Some(summary.clone()),
            });
        }
    }
    corpus
}

#[test]
fn merge_laws_hold_natively_for_every_triple() {
    let corpus = build();
    let p = params(&corpus);
    let states = &corpus.states;
    for s in states {
        let verdict = Web::validate_state(p.clone(), State::from(s.clone()), Default::default());
        assert_eq!(
            verdict.unwrap(),
            ValidateResult::Valid,
            "corpus state valid"
        );
        assert_eq!(&merge(&p, s, s), s, "idempotence");
    }
    let pairs: Vec<Vec<Vec<u8>>> = states
        .iter()
        .map(|a| states.iter().map(|b| merge(&p, a, b)).collect())
        .collect();
    for (i, row) in pairs.iter().enumerate() {
        for (j, ab) in row.iter().enumerate() {
            assert_eq!(ab, &pairs[j][i], "commutativity ({i}, {j})");
            assert!(ab == &states[i] || ab == &states[j], "merge picks an input");
        }
    }
    // Rule WEB-2 is a total order, so associativity holds strictly (no healing).
    let mut triples = 0;
    for (i, a) in states.iter().enumerate() {
        for (j, ab) in pairs[i].iter().enumerate() {
            for (k, c) in states.iter().enumerate() {
                let left = merge(&p, ab, c);
                let right = merge(&p, a, &pairs[j][k]);
                assert_eq!(left, right, "associativity ({i}, {j}, {k})");
                triples += 1;
            }
        }
    }
    for s in states {
        for d in &corpus.deltas {
            let once = apply(&p, s, d);
            assert_eq!(apply(&p, &once, d), once, "delta idempotence");
        }
    }
    for t in &corpus.transitions {
        let d = t.delta.as_deref().expect("transitions carry deltas");
        assert_eq!(apply(&p, &t.base_state, d), t.result_state, "replay");
        assert_eq!(
            merge(&p, &t.base_state, &t.result_state),
            t.result_state,
            "transition path agreement"
        );
        let summary = summarize(&p, &t.base_state);
        assert_eq!(Some(&summary), t.summary.as_ref(), "summary determinism");
        assert!(delta(&p, &t.base_state, &summary).is_empty(), "self delta");
    }
    println!(
        "web container natively: {} states, {triples} triples strictly associative, \
         {} deltas × states idempotent, {} transitions replayed",
        states.len(),
        corpus.deltas.len(),
        corpus.transitions.len()
    );
}

#[test]
fn web_container_obeys_freenets_merge_laws() {
    let corpus = build();
    let bundle = ReplayBundle {
        code: guest_wasm("web_container.wasm"),
        parameters: corpus.params.clone(),
        states: corpus.states.clone(),
        deltas: corpus.deltas.clone(),
        summaries: corpus.summaries.clone(),
        transitions: corpus.transitions.clone(),
        note: Some("brook web container corpus (one publisher)".into()),
    };
    let report = verify_bundle("web container", &bundle, MAX_CASES);
    report.assert_clean("web container");
    let cases = report.cases;
    assert!(
        cases >= 300,
        "only {cases} cases ran: the corpus is too thin"
    );
}
