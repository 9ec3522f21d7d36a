//! What the delegate's logic needs from the node, as one trait: the secret store, the
//! node's RNG and clock, a local read of a contract's state, and crash points.
//!
//! The node implements it in `node.rs`; native tests use `sim::MemoryHost`, which can
//! "crash" at a chosen step, to prove the rotation pipeline survives a crash anywhere.

use crate::store::SecretStore;

/// The pipeline steps at which a crash is simulated (see [`Host::checkpoint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A rotation was planned; nothing is stored or emitted yet.
    Planned,
    /// The pending marker is stored; the update is not emitted yet.
    Marked,
    /// The node answered the update; the marker is not cleared yet.
    Answered,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Planned, Step::Marked, Step::Answered];

    pub fn name(self) -> &'static str {
        match self {
            Step::Planned => "planned",
            Step::Marked => "marked",
            Step::Answered => "answered",
        }
    }

    pub fn from_name(name: &[u8]) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name().as_bytes() == name)
    }
}

/// A simulated crash: the run stops here, its writes so far stay, its outbound
/// messages are lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crashed(pub Step);

pub trait Host: SecretStore {
    /// 32 fresh random bytes.
    fn random_seed(&mut self) -> [u8; 32];
    /// The node's clock, ms since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// The state this node holds for a contract instance, if any.
    fn contract_state(&self, contract: &[u8; 32]) -> Option<Vec<u8>>;
    /// Called at each pipeline step; `Err` aborts the run there. Always `Ok` in the
    /// shipped delegate.
    fn checkpoint(&mut self, step: Step) -> Result<(), Crashed> {
        let _ = step;
        Ok(())
    }
}
