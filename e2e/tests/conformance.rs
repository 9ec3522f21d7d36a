//! freenet's own merge-law verifier (`fdev verify-merge`, the code the network's shadow
//! checker runs) over a replay bundle per room kind: many divergent states of one room,
//! plus deltas, summaries and transitions, against the shipped contract WASM in wasmtime.
//! Loose states alone would leave the delta laws unchecked; the bundle carries them.

use brook_common::room::config::Privacy;
use brook_common::testkit::corpus::build;
use brook_e2e::bundle::{BundleTransition, ReplayBundle};
use brook_e2e::fdev::{verify_bundle, VerifyReport};
use brook_e2e::room_contract_wasm;

/// Cases fdev may build per bundle (its default is 512).
const MAX_CASES: usize = 4000;

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
    let report = verify_bundle(label, &bundle, MAX_CASES);
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
        cases >= 500,
        "only {cases} cases ran: the corpus is too thin to say much"
    );
}
