//! Errors of the node client and supervisor, one flat enum that says what went wrong: the
//! node refused a request, did not answer in time, answered something unusable, its
//! process misbehaved or is missing, or the local machine failed. [`NodeError::fault`]
//! says whose fault that is.

use std::time::Duration;

use freenet_stdlib::client_api::ClientError;

use crate::fault::Fault;

/// Result alias of the node client.
pub type Result<T, E = NodeError> = std::result::Result<T, E>;

/// Everything that can go wrong while driving a node.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
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
    /// The pinned node binary is not installed (or only another release is); the text
    /// says what was found and how to install the right one.
    #[error("freenet node: {0}")]
    Binary(String),
    /// A loopback HTTP exchange failed, returned something that is not HTTP, or (where
    /// the caller checks) a status it did not expect.
    #[error("HTTP {method} {url}: {detail}")]
    Http {
        method: &'static str,
        url: String,
        detail: String,
    },
    /// The caller used the client in a way it does not support.
    #[error("misuse of the node client: {0}")]
    ApiMisuse(String),
    /// Local I/O failed (temp dirs, log files, sockets, process control).
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl NodeError {
    /// Wraps an I/O error with what the client was doing at the time.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> NodeError {
        let context = context.into();
        move |source| NodeError::Io { context, source }
    }

    /// Whose fault this is.
    pub fn fault(&self) -> Fault {
        match self {
            // A contract or delegate said no, or the node process misbehaved.
            NodeError::NodeRefused { .. } | NodeError::Node { .. } => Fault::Node,
            // Not reachable, closed, or silent: is the node running? Retry.
            NodeError::Timeout { .. } | NodeError::Connection { .. } | NodeError::Http { .. } => {
                Fault::Network
            }
            // An answer outside the protocol Brook speaks with the node.
            NodeError::Unexpected { .. } => Fault::Brook,
            NodeError::ApiMisuse(_) => Fault::Caller,
            // The binary is missing on this machine, or its files or processes failed.
            NodeError::Binary(_) | NodeError::Io { .. } => Fault::Local,
        }
    }

    /// What a contract itself said when it refused the request, when the node's
    /// refusal carries it ([`contract_reason`]); `None` for any other error.
    pub fn contract_reason(&self) -> Option<String> {
        match self {
            NodeError::NodeRefused { error, .. } => {
                contract_reason(&error.to_string()).map(str::to_owned)
            }
            _ => None,
        }
    }
}

/// What the contract itself said when it refused an update, found in the node's error
/// text. freenet 0.2.154 answers a client UPDATE that the contract refused with
/// `InvalidUpdateWithInfo { reason }` by an operation error whose text ends in
/// stdlib's `invalid contract update, reason: <reason>`; `None` when the refusal has
/// another cause (malformed bytes, the node itself).
pub fn contract_reason(detail: &str) -> Option<&str> {
    const MARKER: &str = "invalid contract update, reason: ";
    let at = detail.find(MARKER)?;
    detail.get(at + MARKER.len()..).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_reason_is_the_text_after_the_marker() {
        // As freenet 0.2.154 words it (e2e/tests/web_publish.rs sees the real one).
        let detail = "client error: error while executing operation in the network: \
                      UPDATE failed: update error for contract X, reason: execution error: \
                      invalid contract update, reason: publication of version 2 refused (rule WEB-3)";
        assert_eq!(
            contract_reason(detail),
            Some("publication of version 2 refused (rule WEB-3)")
        );
        assert_eq!(
            contract_reason("UPDATE failed: de/serialization error: x"),
            None
        );
    }

    #[test]
    fn every_error_names_whose_fault_it_is() {
        let timeout = NodeError::Timeout {
            waiting_for: "x".into(),
            after: Duration::from_secs(1),
        };
        assert_eq!(timeout.fault(), Fault::Network);
        assert_eq!(NodeError::ApiMisuse("x".into()).fault(), Fault::Caller);
        assert_eq!(NodeError::Binary("x".into()).fault(), Fault::Local);
        let node = NodeError::Node {
            what: "exited".into(),
            log_tail: String::new(),
        };
        assert_eq!(node.fault(), Fault::Node);
        let odd = NodeError::Unexpected {
            request: "x".into(),
            detail: "y".into(),
        };
        assert_eq!(odd.fault(), Fault::Brook);
        assert_eq!(odd.contract_reason(), None);
    }
}
