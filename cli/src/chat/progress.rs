//! A spinner on a terminal for any step that takes longer than ~300 ms: never in JSON
//! mode, never when stderr is not a terminal.

use std::future::Future;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a step runs before the spinner appears.
const SHOW_AFTER: Duration = Duration::from_millis(300);

/// Run `step`, showing `what` with a spinner if it takes longer than [`SHOW_AFTER`] and
/// `enabled` (human format) and stderr is a terminal.
pub async fn step<T>(enabled: bool, what: &str, step: impl Future<Output = T>) -> T {
    if !enabled || !std::io::stderr().is_terminal() {
        return step.await;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(what.to_owned());
    tokio::pin!(step);
    let out = tokio::select! {
        out = &mut step => out,
        () = tokio::time::sleep(SHOW_AFTER) => {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(100));
            step.await
        }
    };
    bar.finish_and_clear();
    out
}
