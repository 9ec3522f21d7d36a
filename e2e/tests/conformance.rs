//! freenet's own merge-law verifier (`fdev verify-merge`, the code the network's shadow
//! checker runs) over a replay bundle per room kind: many divergent states of one room,
//! plus deltas, summaries and transitions, against the shipped contract WASM in wasmtime.
//! Loose states alone would leave the delta laws unchecked; the bundle carries them.

use std::process::Command;

use brook_common::room::config::Privacy;
use brook_common::testkit::corpus::build;
use brook_e2e::bundle::{BundleTransition, ReplayBundle};
use brook_e2e::{fdev_binary, room_contract_wasm};

/// Cases fdev may build per bundle (its default is 512).
const MAX_CASES: usize = 4000;

struct Outcome {
    cases: u64,
    violations: u64,
    inconclusive: u64,
}

fn verify(privacy: Privacy, label: &str) -> Outcome {
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
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(format!("{label}.bundle"));
    std::fs::write(&path, bundle.encode()).expect("bundle written");

    let output = Command::new(fdev_binary())
        .args(["verify-merge", "--bundle"])
        .arg(&path)
        .args(["--max-cases", &MAX_CASES.to_string(), "--json"])
        .output()
        .expect("fdev runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "fdev printed no JSON report ({e}); exit {:?}\nstderr:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let count = |field: &str| {
        report[field]
            .as_u64()
            .unwrap_or_else(|| panic!("report lacks {field}"))
    };
    let outcome = Outcome {
        cases: count("cases_run"),
        violations: count("violations"),
        inconclusive: count("inconclusive"),
    };
    println!(
        "{label}: {} states, {} deltas, {} summaries, {} transitions in the corpus; \
         {} cases run, {} held, {} violations, {} inconclusive",
        count("corpus_states"),
        count("corpus_deltas"),
        count("corpus_summaries"),
        count("corpus_transitions"),
        outcome.cases,
        count("holds"),
        outcome.violations,
        outcome.inconclusive,
    );
    let mut checked = Vec::new();
    for p in report["properties"].as_array().into_iter().flatten() {
        let name = p["property"].as_str().unwrap_or("?");
        let verdict = p["verdict"].as_str().unwrap_or("?");
        println!(
            "  {name:<30} {verdict:<13} run {:>5}  held {:>5}  inconclusive {:>3}  skipped (budget {}, size {}), not sampled {}",
            p["cases_run"], p["holds"], p["inconclusive"], p["cases_skipped_budget"],
            p["cases_skipped_oversized"], p["cases_not_sampled"]
        );
        assert_ne!(verdict, "violated", "{label}: {name} violated");
        if p["cases_run"].as_u64().unwrap_or(0) > 0 {
            checked.push(name.to_string());
        }
    }
    // The delta laws are the reason to feed a bundle rather than loose states.
    for law in [
        "delta_idempotence",
        "delta_permutation_invariance",
        "transition_path_agreement",
        "state_associativity",
    ] {
        assert!(
            checked.iter().any(|c| c == law),
            "{label}: {law} ran no case"
        );
    }
    for reason in report["inconclusive_reasons"]
        .as_array()
        .into_iter()
        .flatten()
    {
        println!("  inconclusive: {reason}");
    }
    for finding in report["findings"].as_array().into_iter().flatten() {
        println!("  FINDING: {finding}");
    }
    assert!(
        output.status.success(),
        "fdev reported a failure: {:?}",
        output.status
    );
    assert_eq!(
        outcome.violations, 0,
        "merge-law violations in the {label} corpus"
    );
    outcome
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
