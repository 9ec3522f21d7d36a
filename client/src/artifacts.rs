//! The guest WASM this client speaks for: the committed builds in
//! `ui/public/contracts/` (the same bytes the UI bundle carries), so every client of one
//! Brook build registers the same chat delegate — whose storage is per delegate key and
//! origin — and names rooms under the same room contract. A build that changes them
//! must update these files (`cargo make sync-wasm`; the README's upgrade steps).

/// The chat delegate every Brook client registers.
pub const CHAT_DELEGATE_WASM: &[u8] =
    include_bytes!("../../ui/public/contracts/chat_delegate.wasm");

/// The room contract every room of this Brook build runs.
pub const ROOM_CONTRACT_WASM: &[u8] =
    include_bytes!("../../ui/public/contracts/room_contract.wasm");

/// The web container contract Brook's UI is published in.
pub const WEB_CONTAINER_WASM: &[u8] =
    include_bytes!("../../ui/public/contracts/web_container.wasm");

/// blake3 of the room contract's code (the delegate derives room contract ids from it).
pub fn room_code_hash() -> [u8; 32] {
    *blake3::hash(ROOM_CONTRACT_WASM).as_bytes()
}
