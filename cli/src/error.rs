//! Errors of the `brook` tool, one flat enum that says who is at fault: the user's input
//! (a key file, a directory to pack, a flag), the node (refused, silent, gone, kept an
//! older state), the node process, or the local machine.

use std::path::PathBuf;
use std::time::Duration;

/// Result alias used throughout the crate.
pub type Result<T, E = CliError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A key file is malformed or readable by others.
    #[error("publisher key {path}: {problem}")]
    KeyFile { path: PathBuf, problem: String },
    /// A file the user asked to create already exists; nothing was written.
    #[error("{0} already exists; refusing to overwrite it")]
    WouldOverwrite(PathBuf),
    /// The directory to pack cannot become a web bundle the node will serve.
    #[error("cannot pack {dir}: {problem}")]
    Pack { dir: PathBuf, problem: String },
    /// A flag or argument does not make sense.
    #[error("{0}")]
    Usage(String),
    /// The node answered a request with an error (e.g. the contract rejected a state).
    #[error("node refused {request}: {detail}")]
    NodeRefused { request: String, detail: String },
    /// The web container refused a publication; `reason` is the contract's own, e.g. a
    /// version that is not newer than the one it holds (rule WEB-3) or a bad signature.
    #[error("web container {id} refused the publication: {reason}")]
    PublicationRefused {
        id: String,
        version: u64,
        reason: String,
    },
    /// The node accepted a first PUT but kept a different state: the contract reached
    /// the node between the GET that found nothing and the PUT, and a PUT merges, which
    /// ignores a version that is not newer (rule WEB-2).
    #[error("the node kept version {kept} of web container {id}; version {published} was not newer and was ignored")]
    NotApplied {
        id: String,
        published: u64,
        kept: u64,
    },
    /// Nothing matching arrived before the deadline.
    #[error("timed out after {after:?} waiting for {waiting_for}")]
    Timeout {
        waiting_for: String,
        after: Duration,
    },
    /// The node answered in a shape the request does not allow.
    #[error("unexpected answer to {request}: {detail}")]
    Unexpected { request: String, detail: String },
    /// The WebSocket connection could not be opened or ended early.
    #[error("connection to the node lost during {during}: {detail}")]
    Connection { during: String, detail: String },
    /// Brook's own fault: a value it built did not encode.
    #[error("internal error: {0}")]
    Internal(String),
    /// The node process is missing, did not come up, or did not stop cleanly.
    #[error("freenet node: {0}")]
    Node(String),
    /// Local I/O failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl CliError {
    /// Wraps an I/O error with what the tool was doing at the time.
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> CliError {
        let context = context.into();
        move |source| CliError::Io { context, source }
    }
}
