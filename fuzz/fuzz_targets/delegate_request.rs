#![no_main]
//! The chat delegate on any input: every kind of event it can receive (a web app's
//! request, the node's answers with their contexts, notifications over any stored room
//! state, lifecycle and wake-up runs), against a delegate that already owns and follows
//! a private room, and any request of another web app. A typed response or nothing, never a panic (a trap in the delegate
//! would take the user's keys and rotations offline).

use std::sync::OnceLock;

use brook_common::room::config::Privacy;
use brook_common::testkit::TestRoom;
use chat_delegate::events::{handle_event, Event};
use chat_delegate::sim::MemoryHost;

const APP: [u8; 32] = [7; 32];
const CODE_HASH: [u8; 32] = [9; 32];

/// A delegate that owns and follows a private room with three members.
fn seeded() -> &'static (MemoryHost, [u8; 32]) {
    static SEEDED: OnceLock<(MemoryHost, [u8; 32])> = OnceLock::new();
    SEEDED.get_or_init(|| {
        let mut room = TestRoom::new(Privacy::Private);
        room.add_members(3, false);
        let mut host = MemoryHost::default();
        let contract = host
            .own_and_follow(APP, room.owner.to_bytes(), CODE_HASH, room.state_bytes())
            .expect("requests encode");
        (host, contract)
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let (host, contract) = seeded();
    let (mut host, contract) = (host.clone(), *contract);
    let result = if rest.len() % 2 == 0 {
        Ok(())
    } else {
        Err("refused".to_owned())
    };
    let event = match kind % 7 {
        0 => Event::App {
            origin: Some(APP),
            payload: rest.to_vec(),
        },
        // Another web app on the same node (rule ORG-1): any request it can send.
        6 => Event::App {
            origin: Some([0; 32]),
            payload: rest.to_vec(),
        },
        1 => Event::Subscribed {
            contract,
            result,
            context: rest.to_vec(),
        },
        2 => Event::Updated {
            contract,
            result,
            context: rest.to_vec(),
        },
        3 => {
            // Whatever the node holds for the room, however malformed.
            host.states.insert(contract, rest.to_vec());
            Event::Notified { contract }
        }
        4 => Event::NodeStarted,
        _ => Event::Wakeup,
    };
    // Twice, so what the first run stored (markers, reports) is read back.
    let _ = handle_event(&mut host, event.clone());
    let _ = handle_event(&mut host, event);
});
