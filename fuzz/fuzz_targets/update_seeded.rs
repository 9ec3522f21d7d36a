#![no_main]
//! `update_state` and then `validate_state` on mutated valid states and deltas: never a
//! panic, and whatever `update_state` accepts on an intact state validates.

use brook_fuzz::seeded::{mutate, seeds, SeededCall};
use freenet_stdlib::prelude::{
    ContractInterface, Parameters, RelatedContracts, State, StateDelta, UpdateData, ValidateResult,
};
use room_contract::RoomContract;

libfuzzer_sys::fuzz_target!(|call: SeededCall| {
    let seeds = seeds();
    let (params, states, deltas) = &seeds.rooms[call.room as usize % seeds.rooms.len()];
    let state = &states[call.state as usize % states.len()];
    let delta = mutate(
        deltas[call.delta as usize % deltas.len()].clone(),
        &call.delta_edits,
    );
    let params = Parameters::from(params.clone());
    let result = RoomContract::update_state(
        params.clone(),
        State::from(state.clone()),
        vec![UpdateData::Delta(StateDelta::from(delta))],
    );
    if let Ok(modification) = result {
        // The state we started from is valid, so what we produce must be too.
        let new_state = modification.new_state.expect("update returns a state");
        let verdict =
            RoomContract::validate_state(params.clone(), new_state, RelatedContracts::new());
        assert!(
            matches!(verdict, Ok(ValidateResult::Valid)),
            "update produced an invalid state"
        );
    }
    let mutated = mutate(state.clone(), &call.state_edits);
    let _ = RoomContract::validate_state(params, State::from(mutated), RelatedContracts::new());
});
