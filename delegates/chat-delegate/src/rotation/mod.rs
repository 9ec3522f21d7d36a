//! The rotation protocol, for the private rooms this user owns: everything that decides,
//! persists, retries and publishes a new room secret lives under this module.
//!
//! - [`core`]: the pure decision — the room's state and the stored marker in, what to do
//!   out (no store, no host, no key);
//! - [`pipeline`]: runs the core over the state this node holds, persists the pending
//!   marker before anything is emitted, and settles it when the state holds its version
//!   (rules PIPE-1..5);
//! - [`owner`]: the owner's own requests: the ban, one delta with the rotation it makes
//!   owed (PIPE-6), and rotate-now (PIPE-7);
//! - [`follow`]: which rooms are followed, and which web app owns each.
//!
//! The state machine, with its crash points, is drawn in `docs/rotation.md`.

pub mod core;
pub mod follow;
pub mod owner;
pub mod pipeline;
