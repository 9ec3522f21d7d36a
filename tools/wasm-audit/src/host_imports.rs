//! The host functions the freenet node links into a guest WASM, and nothing else.
//!
//! The node resolves imports by `(module, name)` when it instantiates a contract or delegate;
//! an import outside this list makes instantiation fail on every node. The pairs are copied
//! from freenet-stdlib 0.12.1 (`#[link(wasm_import_module = ..)] extern "C"` blocks in
//! `log.rs`, `rand.rs`, `time.rs`, `memory/buf.rs`, `delegate_host.rs`), which is the SDK
//! freenet 0.2.154 is built against. A test compares this list with the SDK's own
//! `freenet_stdlib::host_imports::DECLARED_HOST_IMPORTS`, so the two cannot drift apart.

/// Import module of the wall clock. Contracts must not read it: a state transition that
/// depends on the time differs between nodes and breaks the merge laws (docs/design.md §4, §5).
pub const CLOCK_MODULE: &str = "freenet_time";

/// Every `(module, name)` pair the node provides, sorted. All are function imports.
pub const HOST_IMPORTS: &[(&str, &str)] = &[
    ("freenet_contract_io", "__frnt__fill_buffer"),
    (
        "freenet_delegate_contracts",
        "__frnt__delegate__get_contract_state",
    ),
    (
        "freenet_delegate_contracts",
        "__frnt__delegate__get_contract_state_len",
    ),
    ("freenet_delegate_ctx", "__frnt__delegate__ctx_len"),
    ("freenet_delegate_ctx", "__frnt__delegate__ctx_read"),
    ("freenet_delegate_ctx", "__frnt__delegate__ctx_write"),
    (
        "freenet_delegate_management",
        "__frnt__delegate__create_delegate",
    ),
    ("freenet_delegate_secrets", "__frnt__delegate__get_secret"),
    (
        "freenet_delegate_secrets",
        "__frnt__delegate__get_secret_len",
    ),
    ("freenet_delegate_secrets", "__frnt__delegate__has_secret"),
    ("freenet_delegate_secrets", "__frnt__delegate__list_secrets"),
    (
        "freenet_delegate_secrets",
        "__frnt__delegate__list_secrets_len",
    ),
    (
        "freenet_delegate_secrets",
        "__frnt__delegate__remove_secret",
    ),
    ("freenet_delegate_secrets", "__frnt__delegate__set_secret"),
    ("freenet_log", "__frnt__logger__info"),
    ("freenet_rand", "__frnt__rand__rand_bytes"),
    (CLOCK_MODULE, "__frnt__time__utc_now"),
];

/// Whether the node provides `module::name`.
pub fn is_provided(module: &str, name: &str) -> bool {
    HOST_IMPORTS.contains(&(module, name))
}

/// A hint for the usual ways a forbidden import gets into a guest, if one applies.
pub fn hint(module: &str, name: &str) -> Option<&'static str> {
    if module == "wbg" || module.starts_with("__wbindgen") || name.starts_with("__wbindgen") {
        Some("wasm-bindgen glue: something in the dependency graph uses wasm-bindgen (often getrandom's `js` backend)")
    } else if module.starts_with("wasi") {
        Some("WASI: the crate was built for a WASI target or a dependency links WASI; build for wasm32-unknown-unknown")
    } else if module == "env" {
        Some("an `extern \"C\"` without `#[link(wasm_import_module)]` (often a C dependency or a missing symbol)")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_exactly_what_freenet_stdlib_declares() {
        let sdk: Vec<(&str, &str)> = freenet_stdlib::host_imports::DECLARED_HOST_IMPORTS
            .iter()
            .map(|i| (i.module, i.name))
            .collect();
        assert_eq!(HOST_IMPORTS, sdk.as_slice());
    }
}
