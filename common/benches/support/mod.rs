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
