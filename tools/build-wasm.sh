#!/usr/bin/env bash
# Builds the guest WASM that ships: cargo release build for wasm32, then binaryen's
# wasm-opt -Oz (pinned in tools/wasm-opt), then the import/size audit. Output lands in
# target/brook-wasm/, the one place tests, benchmarks and publishing read it from.
# Usage: tools/build-wasm.sh [shipped]   (`shipped`: only what ships — the room contract,
# the web container and the chat delegate — for `cargo make run`; no argument: also the
# test-only builds the real-node tests load.)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}

out=target/brook-wasm
raw=target/wasm32-unknown-unknown/release
wasm_opt=tools/wasm-opt/node_modules/.bin/wasm-opt
[[ -x $wasm_opt ]] || npm ci --prefix tools/wasm-opt --silent
mkdir -p "$out"

# Reproducible bytes: panic locations embed source paths, so map the checkout and the
# cargo home (registry sources) to fixed names. Two checkouts at different paths, with
# different CARGO_HOMEs, then build identical WASM (and so identical contract and
# delegate keys).
cargo_home=$(cd "${CARGO_HOME:-$HOME/.cargo}" && pwd -P)
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$(pwd -P)=/brook"

# The node runs Cranelift over exactly these features; -Oz keeps the bytes small.
wasm_opt_flags=(-Oz --strip-debug --strip-producers
    --enable-bulk-memory --enable-sign-ext --enable-mutable-globals
    --enable-nontrapping-float-to-int)
# optimize RAW [OUT]: wasm-opt RAW (cargo's output) into $out/OUT (default: the same name).
# binaryen's JS build takes ~15 s a file on 2 busy cores, so an output is reused when it
# came from the same raw bytes, flags and binaryen (recorded beside it in .OUT.opt): a
# rebuild of unchanged guests then costs seconds.
optimize() {
    local target=$out/${2:-$1} stamp=$out/.${2:-$1}.opt key
    key=$({ sha256sum <"$raw/$1" && echo "${wasm_opt_flags[*]}" &&
        sha256sum <tools/wasm-opt/package-lock.json; } | sha256sum | cut -d' ' -f1)
    if [[ -f $target && -f $stamp && $(<"$stamp") == "$key $(sha256sum <"$target")" ]]; then
        return
    fi
    "$wasm_opt" "${wasm_opt_flags[@]}" "$raw/$1" -o "$target"
    echo "$key $(sha256sum <"$target")" >"$stamp"
}

# Each guest is built in its own cargo invocation so features never unify across them.
cargo build --release --target wasm32-unknown-unknown -p room-contract
optimize room_contract.wasm
cargo build --release --target wasm32-unknown-unknown -p web-container
optimize web_container.wasm

# The test-only builds first, so the raw cargo output left behind is the shipped
# delegate's: crash injection for real-node tests (delegates/chat-delegate/src/
# test_hooks.rs), and the upgrade story's generations B and C (e2e/tests/upgrade_node.rs),
# each its own bytes and delegate key. None is shipped.
if [[ $mode != shipped ]]; then
    cargo build --release --target wasm32-unknown-unknown -p chat-delegate --features test-hooks
    optimize chat_delegate.wasm chat_delegate_test_hooks.wasm
    cargo build --release --target wasm32-unknown-unknown -p chat-delegate --features generation-b
    optimize chat_delegate.wasm chat_delegate_gen_b.wasm
    cargo build --release --target wasm32-unknown-unknown -p chat-delegate --features generation-c
    optimize chat_delegate.wasm chat_delegate_gen_c.wasm
fi
cargo build --release --target wasm32-unknown-unknown -p chat-delegate
optimize chat_delegate.wasm

# Contracts must not read the clock (it breaks the merge laws); the delegate may.
cargo run -q -p brook-wasm-audit -- --no-clock "$out/room_contract.wasm" "$out/web_container.wasm"
if [[ $mode == shipped ]]; then
    cargo run -q -p brook-wasm-audit -- "$out/chat_delegate.wasm"
    exit 0
fi
cargo run -q -p brook-wasm-audit -- "$out/chat_delegate.wasm" "$out/chat_delegate_test_hooks.wasm" \
    "$out/chat_delegate_gen_b.wasm" "$out/chat_delegate_gen_c.wasm"

# Test fixture, not shipped: a delegate that answers with the MessageOrigin the node gave
# it (e2e/tests/web_origin.rs). Its own workspace and target dir keep it out of Brook's
# build; it must still import nothing but freenet host functions.
cargo build --release --target wasm32-unknown-unknown \
    --manifest-path e2e/fixtures/origin-delegate/Cargo.toml --target-dir target/fixtures
cp target/fixtures/wasm32-unknown-unknown/release/origin_delegate.wasm "$out/"
cargo run -q -p brook-wasm-audit -- "$out/origin_delegate.wasm"

# Test fixture, not shipped: a background delegate (NodeStarted, a wake-up) that logs
# what the node runs it for (e2e/tests/background_grant.rs). Same rules as above.
cargo build --release --target wasm32-unknown-unknown \
    --manifest-path e2e/fixtures/lifecycle-delegate/Cargo.toml --target-dir target/fixtures
cp target/fixtures/wasm32-unknown-unknown/release/lifecycle_delegate.wasm "$out/"
cargo run -q -p brook-wasm-audit -- "$out/lifecycle_delegate.wasm"
