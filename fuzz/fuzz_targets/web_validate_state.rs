#![no_main]
//! The web container's `validate_state`, `summarize_state` and `get_state_delta` return
//! (Ok or Err) on any parameters, state and summary, without panicking; an unedited
//! publish under the publisher's key is valid (rule WEB-1).

use brook_fuzz::web::{WebBytes, WebCall, WebParams};
use freenet_stdlib::prelude::{
    ContractInterface, RelatedContracts, State, StateSummary, ValidateResult,
};
use web_container::WebContainerContract as Web;

libfuzzer_sys::fuzz_target!(|call: WebCall| {
    let params = call.params.to_params();
    let state = call.state.to_bytes();
    let verdict = Web::validate_state(
        params.clone(),
        State::from(state.clone()),
        RelatedContracts::new(),
    );
    if let (WebParams::Publisher, WebBytes::Published { edits, .. }) = (&call.params, &call.state) {
        if edits.is_empty() {
            assert_eq!(
                verdict.ok(),
                Some(ValidateResult::Valid),
                "a publish is valid"
            );
        }
    }
    let _ = Web::summarize_state(params.clone(), State::from(state.clone()));
    let _ = Web::get_state_delta(
        params,
        State::from(state),
        StateSummary::from(call.summary.clone()),
    );
});
