#![no_main]
//! `summarize_state` returns (Ok or Err) on any parameters and state, without panicking.

use brook_fuzz::Call;
use freenet_stdlib::prelude::ContractInterface;
use room_contract::RoomContract;

libfuzzer_sys::fuzz_target!(|call: Call| {
    let _ = RoomContract::summarize_state(call.params(), call.state());
});
