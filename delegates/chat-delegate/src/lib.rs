//! Brook's chat delegate (docs/design.md §6): runs inside the user's own node, keeps their
//! signing keys in the node's secret store, signs for the UI, and rotates the room
//! secret of the private rooms the user owns.
//!
//! Layers, lowest first; a module imports only from layers below it (checked by
//! `tools/repo-checks/tests/import_cycles.rs`):
//!
//! | layer | modules | what it is |
//! |---|---|---|
//! | storage | [`store`], [`records`], [`quota`] | the node's secret store as a trait; key layout; stored record encodings; each web app's share |
//! | host | [`host`], [`effects`] | what the logic needs from the node (RNG, clock, local state, crash points), and what it asks of it |
//! | identities | [`identity`], [`retirement`] | this user's keys per web app and room; whether a web app stood down |
//! | rotation | [`rotation`] | the rotation protocol in one place: a pure decision core, the pipeline that persists and retries, the owner's ban and rotate-now, the follower index |
//! | requests | [`handler`], [`migration`] | a web app's requests answered at once; carry-forward |
//! | dispatch | [`events`] | every inbound event routed to the layers above |
//! | edge | `node` (WASM only), [`sim`] (native) | the node's `DelegateCtx` as a [`host::Host`]; an in-memory node for tests |

// Beyond the workspace fence: no arithmetic that can overflow, anywhere in the delegate's
// own code (stored and imported numbers are counted with checked or saturating
// operations and a typed error), since in release WASM an overflow would wrap silently.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

pub mod effects;
pub mod events;
pub mod handler;
pub mod host;
pub mod identity;
pub mod migration;
pub mod quota;
pub mod records;
pub mod retirement;
pub mod rotation;
pub mod sim;
pub mod store;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;

mod node;

pub use node::ChatDelegate;
