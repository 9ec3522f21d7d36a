//! Running freenet's merge-law verifier (`fdev verify-merge`) over a replay bundle, the
//! way every conformance test does: write the bundle, run fdev with `--json`, print the
//! per-law coverage, and hand back the verdict.

use std::process::Command;

use crate::artifacts::fdev_binary;
use crate::bundle::ReplayBundle;

/// The laws a replay bundle exists to exercise (loose states leave them unchecked).
pub const BUNDLE_LAWS: [&str; 4] = [
    "state_associativity",
    "delta_idempotence",
    "delta_permutation_invariance",
    "transition_path_agreement",
];

/// What fdev found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub cases: u64,
    pub violations: u64,
    pub inconclusive: u64,
    /// Laws that ran at least one case.
    pub laws_checked: Vec<String>,
    /// Laws whose verdict was `violated`.
    pub laws_violated: Vec<String>,
    pub fdev_succeeded: bool,
}

/// Run `fdev verify-merge` over `bundle` (at most `max_cases` cases) and print its report
/// under `label`. Panics, as a test helper, when fdev runs but prints no report.
pub fn verify_bundle(label: &str, bundle: &ReplayBundle, max_cases: usize) -> VerifyReport {
    let dir = tempfile::tempdir().expect("temp dir for the bundle");
    let path = dir.path().join("corpus.bundle");
    std::fs::write(&path, bundle.encode()).expect("bundle written");
    let output = Command::new(fdev_binary())
        .args(["verify-merge", "--bundle"])
        .arg(&path)
        .args(["--max-cases", &max_cases.to_string(), "--json"])
        .output()
        .expect("fdev runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "fdev printed no JSON report ({e}); exit {:?}\nstderr:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let count = |field: &str| {
        report[field]
            .as_u64()
            .unwrap_or_else(|| panic!("fdev report lacks {field}"))
    };
    let mut result = VerifyReport {
        cases: count("cases_run"),
        violations: count("violations"),
        inconclusive: count("inconclusive"),
        laws_checked: Vec::new(),
        laws_violated: Vec::new(),
        fdev_succeeded: output.status.success(),
    };
    println!(
        "{label}: {} states, {} deltas, {} summaries, {} transitions in the corpus; \
         {} cases run, {} held, {} violations, {} inconclusive",
        count("corpus_states"),
        count("corpus_deltas"),
        count("corpus_summaries"),
        count("corpus_transitions"),
        result.cases,
        count("holds"),
        result.violations,
        result.inconclusive,
    );
    for p in report["properties"].as_array().into_iter().flatten() {
        let name = p["property"].as_str().unwrap_or("?").to_string();
        let verdict = p["verdict"].as_str().unwrap_or("?");
        println!(
            "  {name:<30} {verdict:<13} run {:>5}  held {:>5}  inconclusive {:>3}  skipped (budget {}, size {}), not sampled {}",
            p["cases_run"], p["holds"], p["inconclusive"], p["cases_skipped_budget"],
            p["cases_skipped_oversized"], p["cases_not_sampled"]
        );
        if verdict == "violated" {
            result.laws_violated.push(name.clone());
        }
        if p["cases_run"].as_u64().unwrap_or(0) > 0 {
            result.laws_checked.push(name);
        }
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
    result
}

impl VerifyReport {
    /// Assert the verdict every conformance test requires: fdev succeeded, no law was
    /// violated, and each of [`BUNDLE_LAWS`] actually ran.
    pub fn assert_clean(&self, label: &str) {
        assert!(self.fdev_succeeded, "{label}: fdev reported a failure");
        assert!(
            self.laws_violated.is_empty(),
            "{label}: violated {:?}",
            self.laws_violated
        );
        assert_eq!(self.violations, 0, "{label}: merge-law violations");
        for law in BUNDLE_LAWS {
            assert!(
                self.laws_checked.iter().any(|c| c == law),
                "{label}: {law} ran no case"
            );
        }
    }
}
