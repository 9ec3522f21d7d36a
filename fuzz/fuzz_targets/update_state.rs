#![no_main]
//! `update_state` returns (Ok or Err) on any parameters, state and list of updates (states,
//! deltas, related-contract data), without panicking.

use brook_fuzz::UpdateCall;
use freenet_stdlib::prelude::ContractInterface;
use room_contract::RoomContract;

libfuzzer_sys::fuzz_target!(|call: UpdateCall| {
    let _ = RoomContract::update_state(call.params(), call.state(), call.updates());
});
