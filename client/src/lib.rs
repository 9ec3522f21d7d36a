//! Brook's client core: the one library the CLI, the UI and the tests will share to act
//! as a user of a room (docs/design.md §9). It does no I/O and draws no randomness —
//! what needs either takes it as an argument — so it builds natively and for
//! `wasm32-unknown-unknown` alike.
//!
//! Today it holds invite codes ([`invite`]): making one from a signed grant, reading one
//! from text or a link, and turning one into the acceptance a newcomer's delegate signs.

pub mod invite;

pub use invite::{parse_link, InviteCode, InviteError};
