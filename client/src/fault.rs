//! Whose fault a failure is: every error of the client core says it, so a UI or the CLI
//! can tell the user what to do (fix the input, start the node, retry, report a bug).

/// Who a failure is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// What the user (or the calling program) asked for cannot be done as asked: a
    /// malformed invite code, an unknown room, an action this identity may not take,
    /// a message over the size limit. Fix the input.
    Caller,
    /// The node refused or misbehaved: a contract rejected an update, the delegate
    /// answered an error, the node process did not start.
    Node,
    /// The connection to the node failed or timed out: is the node running? Retry.
    Network,
    /// This machine failed: files, processes, sockets.
    Local,
    /// Brook itself is wrong: an answer that breaks the protocol, an invariant that did
    /// not hold. Report it.
    Brook,
}

impl core::fmt::Display for Fault {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Fault::Caller => "the request",
            Fault::Node => "the node",
            Fault::Network => "the connection to the node",
            Fault::Local => "this machine",
            Fault::Brook => "Brook (a bug)",
        })
    }
}
