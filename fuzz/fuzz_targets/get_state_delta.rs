#![no_main]
//! `get_state_delta` returns (Ok or Err) on any parameters, state and summary, without panicking.

use brook_fuzz::Call;
use freenet_stdlib::prelude::ContractInterface;
use room_contract::RoomContract;

libfuzzer_sys::fuzz_target!(|call: Call| {
    let _ = RoomContract::get_state_delta(call.params(), call.state(), call.summary());
});
