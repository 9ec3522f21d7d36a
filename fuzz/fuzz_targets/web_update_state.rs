#![no_main]
//! The web container's `update_state` returns (Ok or Err) on any parameters, state and
//! list of updates, without panicking. From a valid state, what it accepts is valid, never
//! an older version (rule WEB-2), a fixpoint of its own merge, and reachable from the old
//! state by the delta `get_state_delta` computes against the old state's summary. A lone
//! publication it accepts is strictly newer (rule WEB-3).

use brook_common::web_container::WebContainer;
use brook_fuzz::web::{WebUpdate, WebUpdateCall};
use freenet_stdlib::prelude::{
    ContractInterface, Parameters, RelatedContracts, State, UpdateData, ValidateResult,
};
use web_container::WebContainerContract as Web;

fn update(params: &Parameters<'static>, state: &[u8], data: UpdateData<'static>) -> Vec<u8> {
    Web::update_state(params.clone(), State::from(state.to_vec()), vec![data])
        .expect("a valid update of a valid state applies")
        .new_state
        .expect("update returns a state")
        .into_bytes()
}

libfuzzer_sys::fuzz_target!(|call: WebUpdateCall| {
    let params = call.params.to_params();
    let current = call.state.to_bytes();
    let result = Web::update_state(params.clone(), State::from(current.clone()), call.updates());
    let Ok(modification) = result else { return };
    let new_state = modification
        .new_state
        .expect("update returns a state")
        .into_bytes();
    let valid = |s: &[u8]| {
        let verdict = Web::validate_state(
            params.clone(),
            State::from(s.to_vec()),
            RelatedContracts::new(),
        );
        matches!(verdict, Ok(ValidateResult::Valid))
    };
    if !valid(&current) {
        return;
    }
    assert!(valid(&new_state), "update produced an invalid state");
    let version = |s: &[u8]| WebContainer::decode(s).map(|c| c.metadata.version).ok();
    assert!(
        version(&new_state) >= version(&current),
        "WEB-2: went backwards"
    );
    if let [WebUpdate::Publication(_)] = call.updates.as_slice() {
        assert!(
            version(&new_state) > version(&current),
            "WEB-3: accepted a publication that is not newer"
        );
    }
    let again = update(
        &params,
        &new_state,
        UpdateData::State(State::from(new_state.clone())),
    );
    assert_eq!(again, new_state, "merge is idempotent");
    let summary = Web::summarize_state(params.clone(), State::from(current.clone()))
        .expect("a valid state summarizes");
    let delta = Web::get_state_delta(params.clone(), State::from(new_state.clone()), summary)
        .expect("a valid state has a delta");
    let caught_up = update(&params, &current, UpdateData::Delta(delta));
    assert_eq!(
        caught_up, new_state,
        "the delta brings the old state up to date"
    );
});
