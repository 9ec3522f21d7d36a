//! The room: a signed CRDT whose state every node can verify (docs/design.md §4).
//!
//! A room's state is a set of signed records — config, invitations, bans, nicknames,
//! secret batches, messages, an upgrade pointer — kept in one canonical form. Every
//! operation follows one shape: **verify the signatures of records not yet held, add
//! them, then [`normalize`]**. Normalization is a deterministic function of the records
//! held: it enforces every authority rule (who may invite, ban, post, rotate) and every
//! bound (members, window, bans, secret versions). Because the result depends only on
//! the set of records and never on arrival order, merge is commutative and idempotent,
//! and a delta applied twice changes nothing.
//!
//! One module per component decides its own rules; they are numbered at their check
//! sites (e.g. `rule BAN-3`) and the tests that break them carry the same ids.

pub mod bans;
mod composable;
pub mod config;
mod error;
pub mod member_info;
pub mod members;
pub mod messages;
mod normalize;
mod order;
pub mod roster;
pub mod secrets;
pub mod shares;
mod signed;
mod state;
mod sync;
pub mod text;
pub mod upgrade;
mod verify;
pub mod wire;

pub use error::RoomError;
pub use normalize::normalize;
pub use signed::{RecordBody, Signed};
pub use state::{RoomDelta, RoomParams, RoomState};
pub use sync::RoomSummary;
pub use verify::{verify_state, ApplyReport, VerifiedState};
