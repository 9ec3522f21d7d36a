//! The chat commands of `brook`: rooms, invites, messages, members and identities, each
//! a thin shell over the client core (`brook_client::Session`). They talk to the user's
//! own node as the Brook web app, so the CLI and the UI share one set of identities,
//! kept by the user's chat delegate; no key ever touches the CLI's disk.
//!
//! Output: readable lines, or one JSON object per line (`--format json`, docs/cli.md).
//! Exit codes (docs/cli.md): 0 done; 2 usage; 3 the request cannot be done as asked;
//! 4 the node cannot be reached; 5 the node or delegate refused; 6 this machine failed;
//! 1 Brook's own bug.

mod commands;
mod connect;
mod progress;
pub mod render;

pub use commands::{run, ChatCommand, Global};

use brook_client::Fault;

/// The process exit code of a failure, by whose fault it is.
pub fn exit_code(fault: Fault) -> u8 {
    match fault {
        Fault::Brook => 1,
        Fault::Caller => 3,
        Fault::Network => 4,
        Fault::Node => 5,
        Fault::Local => 6,
    }
}
