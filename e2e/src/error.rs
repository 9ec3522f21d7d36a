//! Errors of the harness, one flat enum that says who is at fault: the node refused
//! a request, the node did not answer in time, the node answered something the
//! harness cannot use, the node process misbehaved, or the local machine failed.

use std::time::Duration;

use freenet_stdlib::client_api::ClientError;

/// Result alias used throughout the harness.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while driving a real node.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The node answered a request with an error, e.g. a contract rejected an update.
    /// `error` is the node's own error value; its `Display` carries the node's message.
    #[error("node refused {request}: {error}")]
    NodeRefused { request: String, error: ClientError },
    /// Nothing matching arrived before the deadline.
    #[error("timed out after {after:?} waiting for {waiting_for}")]
    Timeout {
        waiting_for: String,
        after: Duration,
    },
    /// The node answered, but not in a shape the request allows (e.g. `subscribed: false`).
    #[error("unexpected answer to {request}: {detail}")]
    Unexpected { request: String, detail: String },
    /// The WebSocket connection ended (or could not be used) before the answer came.
    #[error("connection to the node lost during {during}: {detail}")]
    Connection { during: String, detail: String },
    /// The node process did not come up, exited early or did not stop cleanly.
    /// `log_tail` holds the last lines of its output.
    #[error("node {what}\n--- node log tail ---\n{log_tail}")]
    Node { what: String, log_tail: String },
    /// A loopback HTTP exchange failed, returned something that is not HTTP, or (where
    /// the caller checks) a status it did not expect.
    #[error("HTTP {method} {url}: {detail}")]
    Http {
        method: &'static str,
        url: String,
        detail: String,
    },
    /// The caller used the harness in a way it does not support.
    #[error("harness misuse: {0}")]
    ApiMisuse(String),
    /// Local I/O failed (temp dirs, log files, sockets, process control).
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Wraps an I/O error with what the harness was doing at the time.
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
        let context = context.into();
        move |source| Error::Io { context, source }
    }
}
