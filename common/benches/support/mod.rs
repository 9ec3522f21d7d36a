//! Timing helpers shared by the benchmark tables: medians of repeated runs, after one
//! warm-up run.

use std::time::{Duration, Instant};

pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The median of `iterations` timed runs of `f`.
pub fn time(iterations: usize, mut f: impl FnMut()) -> Duration {
    f();
    median(
        (0..iterations)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

/// A benchmark binary's `main`: criterion over `benches` (unless `--table-only`), then
/// the markdown table of medians.
pub fn run(benches: fn(), table: fn()) {
    if !std::env::args().any(|a| a == "--table-only") {
        benches();
        criterion::Criterion::default()
            .configure_from_args()
            .final_summary();
    }
    table();
}
