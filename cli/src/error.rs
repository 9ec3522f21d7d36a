//! Errors of the `brook` tool, one flat enum that says who is at fault: the user's input
//! (a key file, a directory to pack, a flag), the node (refused, silent, gone, kept an
//! older state, its process: [`NodeError`]), or the local machine.

use std::path::PathBuf;

use brook_client::node::NodeError;

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
    /// Brook's own fault: a value it built did not encode.
    #[error("internal error: {0}")]
    Internal(String),
    /// Talking to the node failed (refused, silent, gone, an unusable answer), or the
    /// node process is missing, did not come up, or did not stop cleanly.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// A port `brook dev run` needs is taken (a node still running?).
    #[error("freenet node: {0}")]
    PortTaken(String),
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
