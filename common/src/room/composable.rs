//! The room as a freenet-scaffold [`ComposableState`], so tooling written for scaffold
//! states (merge, convergence harnesses) works on rooms.
//!
//! The room implements the trait as a whole rather than deriving it per field: the
//! derive clones the whole state once per field and applies components one by one,
//! while a room's components depend on each other (bans remove members, members
//! authorize messages) and are settled together by one [`normalize`](super::normalize).

use freenet_scaffold::ComposableState;

use super::state::{RoomDelta, RoomParams, RoomState};
use super::sync::RoomSummary;
use super::verify::{verify_state, VerifiedState};

impl ComposableState for RoomState {
    type ParentState = RoomState;
    type Summary = RoomSummary;
    type Delta = RoomDelta;
    type Parameters = RoomParams;

    fn verify(&self, _parent: &Self::ParentState, params: &Self::Parameters) -> Result<(), String> {
        verify_state(params, self.clone())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn summarize(&self, _parent: &Self::ParentState, _params: &Self::Parameters) -> Self::Summary {
        RoomState::summarize(self)
    }

    fn delta(
        &self,
        _parent: &Self::ParentState,
        _params: &Self::Parameters,
        old_state_summary: &Self::Summary,
    ) -> Option<Self::Delta> {
        Some(self.delta_since(old_state_summary)).filter(|d| !d.is_empty())
    }

    /// `self` must be a verified state (the trait's contract: states are valid).
    fn apply_delta(
        &mut self,
        _parent: &Self::ParentState,
        params: &Self::Parameters,
        delta: &Option<Self::Delta>,
    ) -> Result<(), String> {
        if let Some(delta) = delta {
            let current = VerifiedState::trust_node_validated(params, self.clone());
            *self = current.apply(delta.clone()).0.into_state();
        }
        Ok(())
    }
}
