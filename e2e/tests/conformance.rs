//! freenet's own merge-law verifier (`fdev verify-merge`, the code the network's shadow
//! checker runs) over a replay bundle per room kind: many divergent states of one room,
//! plus deltas, summaries and transitions, against the shipped contract WASM in wasmtime.
//! Loose states alone would leave the delta laws unchecked; the bundle carries them.

use brook_common::room::config::Privacy;
use brook_common::testkit::corpus::build;
use brook_e2e::bundle::{BundleTransition, ReplayBundle};
use brook_e2e::fdev::{verify_bundle, VerifyReport};
use brook_e2e::room_contract_wasm;

/// Cases fdev runs per bundle by default (its own default is 512): two bundles make the
/// 8,000 room cases CI always runs, about 4 minutes on 2 cores. A longer run on demand:
/// `BROOK_CONFORMANCE_CASES=20000 cargo make conformance` (never fewer than this).
const CASES_PER_BUNDLE: usize = 4000;

/// Room cases a run must reach, whatever the corpus.
const MIN_ROOM_CASES: u64 = 8000;

fn cases_per_bundle() -> usize {
    std::env::var("BROOK_CONFORMANCE_CASES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(CASES_PER_BUNDLE, |n| n.max(CASES_PER_BUNDLE))
}

fn verify(privacy: Privacy, label: &str) -> VerifyReport {
    let corpus = build(privacy, 5, 14);
    let bundle = ReplayBundle {
        code: room_contract_wasm(),
        parameters: corpus.params.clone(),
        states: corpus.states.clone(),
        deltas: corpus.deltas.clone(),
        summaries: corpus.summaries.clone(),
        transitions: corpus
            .transitions
            .iter()
            .map(|t| BundleTransition {
                base_state: t.base.clone(),
                delta: Some(t.delta.clone()),
                summary: Some(t.summary.clone()),
                result_state: t.result.clone(),
            })
            .collect(),
        note: Some(format!("brook {label} room corpus")),
    };
    let report = verify_bundle(label, &bundle, cases_per_bundle());
    report.assert_clean(label);
    report
}

#[test]
fn room_contract_obeys_freenets_merge_laws() {
    let public = verify(Privacy::Public, "public");
    let private = verify(Privacy::Private, "private");
    let cases = public.cases + private.cases;
    println!(
        "conformance: {cases} cases, {} violations, {} inconclusive",
        public.violations + private.violations,
        public.inconclusive + private.inconclusive
    );
    assert!(
        cases >= MIN_ROOM_CASES,
        "only {cases} cases ran, fewer than {MIN_ROOM_CASES}: the corpus is too thin"
    );
}
