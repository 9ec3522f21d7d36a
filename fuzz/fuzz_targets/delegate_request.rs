#![no_main]
//! The chat delegate's request decoder and handler on any bytes: a typed response,
//! never a panic (a trap in the delegate would take the user's keys offline).

use brook_common::delegate_api::Request;
use chat_delegate::handler::handle;
use chat_delegate::store::MemoryStore;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(request) = Request::decode(data) {
        let mut store = MemoryStore::default();
        let mut seed = 0u8;
        let mut random = || {
            seed = seed.wrapping_add(1);
            [seed; 32]
        };
        let origin = [7u8; 32];
        // Twice, so requests that depend on stored state (sign, export) get past lookup.
        let _ = handle(&mut store, &origin, request.clone(), &mut random);
        let _ = handle(&mut store, &origin, request, &mut random).encode();
    }
});
