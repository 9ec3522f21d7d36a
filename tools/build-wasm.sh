#!/usr/bin/env bash
# Builds the guest WASM that ships: cargo release build for wasm32, then binaryen's
# wasm-opt -Oz (pinned in tools/wasm-opt), then the import/size audit. Output lands in
# target/brook-wasm/, the one place tests, benchmarks and publishing read it from.
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/brook-wasm
raw=target/wasm32-unknown-unknown/release
wasm_opt=tools/wasm-opt/node_modules/.bin/wasm-opt
[[ -x $wasm_opt ]] || npm ci --prefix tools/wasm-opt --silent
mkdir -p "$out"

# Each guest is built in its own cargo invocation so features never unify across them.
cargo build --release --target wasm32-unknown-unknown -p room-contract

# The node runs Cranelift over exactly these features; -Oz keeps the bytes small.
"$wasm_opt" -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
    --enable-nontrapping-float-to-int \
    "$raw/room_contract.wasm" -o "$out/room_contract.wasm"

cargo run -q -p brook-wasm-audit -- --no-clock "$out/room_contract.wasm"
