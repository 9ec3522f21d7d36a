//! Structured fuzz input for the contracts' entry points (the web container's in [`web`]).
//!
//! Each target turns raw fuzzer bytes into the arguments of one `ContractInterface` call
//! through `arbitrary`, so the fuzzer mutates parameters, state and deltas independently.
//! The only property checked is the contract's promise (docs/design.md §5): it returns, `Ok` or
//! `Err`, and never panics — a panic in WASM is a trap on every node hosting the room.

pub mod seeded;
pub mod web;

use freenet_stdlib::prelude::{
    ContractInstanceId, Parameters, State, StateDelta, StateSummary, UpdateData,
};
use libfuzzer_sys::arbitrary::{self, Arbitrary};

/// Parameters, a state and a summary (the summary is read by `get_state_delta` only).
#[derive(Debug, Arbitrary)]
pub struct Call {
    params: Vec<u8>,
    state: Vec<u8>,
    summary: Vec<u8>,
}

impl Call {
    pub fn params(&self) -> Parameters<'static> {
        Parameters::from(self.params.clone())
    }

    pub fn state(&self) -> State<'static> {
        State::from(self.state.clone())
    }

    pub fn summary(&self) -> StateSummary<'static> {
        StateSummary::from(self.summary.clone())
    }
}

/// The arguments of `update_state`: every kind of update the node can deliver.
#[derive(Debug, Arbitrary)]
pub struct UpdateCall {
    params: Vec<u8>,
    state: Vec<u8>,
    updates: Vec<Update>,
}

#[derive(Debug, Arbitrary)]
enum Update {
    State(Vec<u8>),
    Delta(Vec<u8>),
    StateAndDelta(Vec<u8>, Vec<u8>),
    RelatedState([u8; 32], Vec<u8>),
    RelatedDelta([u8; 32], Vec<u8>),
    RelatedStateAndDelta([u8; 32], Vec<u8>, Vec<u8>),
}

impl UpdateCall {
    pub fn params(&self) -> Parameters<'static> {
        Parameters::from(self.params.clone())
    }

    pub fn state(&self) -> State<'static> {
        State::from(self.state.clone())
    }

    pub fn updates(&self) -> Vec<UpdateData<'static>> {
        self.updates.iter().map(Update::to_data).collect()
    }
}

impl Update {
    fn to_data(&self) -> UpdateData<'static> {
        let state = |b: &Vec<u8>| State::from(b.clone());
        let delta = |b: &Vec<u8>| StateDelta::from(b.clone());
        let id = |b: &[u8; 32]| ContractInstanceId::new(*b);
        match self {
            Update::State(s) => UpdateData::State(state(s)),
            Update::Delta(d) => UpdateData::Delta(delta(d)),
            Update::StateAndDelta(s, d) => UpdateData::StateAndDelta {
                state: state(s),
                delta: delta(d),
            },
            Update::RelatedState(c, s) => UpdateData::RelatedState {
                related_to: id(c),
                state: state(s),
            },
            Update::RelatedDelta(c, d) => UpdateData::RelatedDelta {
                related_to: id(c),
                delta: delta(d),
            },
            Update::RelatedStateAndDelta(c, s, d) => UpdateData::RelatedStateAndDelta {
                related_to: id(c),
                state: state(s),
                delta: delta(d),
            },
        }
    }
}
