#!/usr/bin/env bash
# Proves the shipped WASM is byte-reproducible: builds the committed tree a second time
# from another checkout path with another CARGO_HOME (registry fetched afresh) and its own
# target dir, then compares every guest with this checkout's build, byte for byte.
#   tools/check-reproducible.sh        (builds this checkout first if needed)
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/build-wasm.sh >/dev/null
scratch=$(mktemp -d /tmp/brook-repro.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
git clone --quiet . "$scratch/elsewhere/brook"
echo "second build in $scratch/elsewhere/brook with CARGO_HOME=$scratch/cargo-home"
(
    cd "$scratch/elsewhere/brook"
    export CARGO_HOME="$scratch/cargo-home"
    mkdir -p "$CARGO_HOME"
    bash tools/build-wasm.sh >/dev/null
)
status=0
for wasm in room_contract web_container chat_delegate; do
    here=$(sha256sum "target/brook-wasm/$wasm.wasm" | cut -d' ' -f1)
    there=$(sha256sum "$scratch/elsewhere/brook/target/brook-wasm/$wasm.wasm" | cut -d' ' -f1)
    if [[ $here == "$there" ]]; then
        echo "$wasm.wasm: identical ($here)"
    else
        echo "$wasm.wasm: DIFFERS ($here vs $there)" >&2
        status=1
    fi
done
exit $status
