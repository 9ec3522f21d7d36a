#![no_main]
//! `validate_state` returns (Ok or Err) on any parameters and state, without panicking.

use brook_fuzz::Call;
use freenet_stdlib::prelude::{ContractInterface, RelatedContracts};
use room_contract::RoomContract;

libfuzzer_sys::fuzz_target!(|call: Call| {
    let _ = RoomContract::validate_state(call.params(), call.state(), RelatedContracts::new());
});
