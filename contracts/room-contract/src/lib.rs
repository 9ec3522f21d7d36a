//! The room contract (docs/design.md §5): decode, call [`brook_common::room::wire`], encode.
//!
//! No rule lives here. Every error becomes a `ContractError` with a clear message; no
//! input can make it panic (a trap would crash every node hosting the room). It reads no
//! clock and imports nothing but freenet's host functions.

use brook_common::room::wire::{self, Update};
use brook_common::room::RoomError;
use brook_contract_glue::{incoming, log, Incoming};
use freenet_stdlib::prelude::*;

pub struct RoomContract;

fn contract_error(err: RoomError) -> ContractError {
    match err {
        RoomError::MalformedInput { .. } => ContractError::Deser(err.to_string()),
        _ => ContractError::InvalidState,
    }
}

#[cfg_attr(feature = "freenet-main-contract", contract)]
impl ContractInterface for RoomContract {
    fn validate_state(
        parameters: Parameters<'static>,
        state: State<'static>,
        _related: RelatedContracts<'static>,
    ) -> Result<ValidateResult, ContractError> {
        match wire::validate(parameters.as_ref(), state.as_ref()) {
            Ok(()) => Ok(ValidateResult::Valid),
            // Bytes that do not decode are an error; a well-formed state that breaks a
            // rule is Invalid.
            Err(err @ RoomError::MalformedInput { .. }) => Err(contract_error(err)),
            Err(err) => {
                log(&format!("room state rejected: {err}"));
                Ok(ValidateResult::Invalid)
            }
        }
    }

    fn update_state(
        parameters: Parameters<'static>,
        state: State<'static>,
        data: Vec<UpdateData<'static>>,
    ) -> Result<UpdateModification<'static>, ContractError> {
        let items = incoming(data, "the room contract")?;
        let updates: Vec<Update<'_>> = items
            .iter()
            .map(|item| match item {
                Incoming::State(bytes) => Update::State(bytes),
                Incoming::Delta(bytes) => Update::Delta(bytes),
            })
            .collect();
        let (new_state, _report) =
            wire::update(parameters.as_ref(), state.as_ref(), &updates).map_err(contract_error)?;
        Ok(UpdateModification::valid(State::from(new_state)))
    }

    fn summarize_state(
        parameters: Parameters<'static>,
        state: State<'static>,
    ) -> Result<StateSummary<'static>, ContractError> {
        wire::summarize(parameters.as_ref(), state.as_ref())
            .map(StateSummary::from)
            .map_err(contract_error)
    }

    fn get_state_delta(
        parameters: Parameters<'static>,
        state: State<'static>,
        summary: StateSummary<'static>,
    ) -> Result<StateDelta<'static>, ContractError> {
        wire::delta(parameters.as_ref(), state.as_ref(), summary.as_ref())
            .map(StateDelta::from)
            .map_err(contract_error)
    }
}
