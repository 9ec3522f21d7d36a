#!/usr/bin/env bash
# Proves the shipped WASM is byte-reproducible: builds this tree a second time from another
# path with another CARGO_HOME (registry fetched afresh) and its own target dir, then
# compares every shipped guest with this checkout's build, byte for byte.
#   tools/check-reproducible.sh               (builds this checkout first if needed)
#   tools/check-reproducible.sh --keep DIR    keep the second tree in DIR/elsewhere/brook and
#                                             its cargo home in DIR/cargo-home (check-migration
#                                             plays its upgrade story there)
# The second tree holds the files git would commit (tracked, plus untracked ones that are not
# ignored), so uncommitted edits are compared like for like; on a clean checkout, as in CI,
# that is the commit itself.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
    "") scratch=$(mktemp -d /tmp/brook-repro.XXXXXX) && trap 'rm -rf "$scratch"' EXIT ;;
    --keep) scratch=${2:?--keep needs a directory} && mkdir -p "$scratch" ;;
    *) echo "usage: $0 [--keep DIR]" >&2 && exit 2 ;;
esac

# quietly CMD...: runs CMD, showing its output (the audit's verdicts) only if it fails.
quietly() {
    local out status=0
    out=$("$@") || status=$?
    [[ $status == 0 ]] || printf '%s\n' "$out"
    return $status
}

quietly bash tools/build-wasm.sh
tree=$scratch/elsewhere/brook
mkdir -p "$tree"
git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do if [[ -e $file ]]; then printf '%s\0' "$file"; fi; done |
    tar --null -T - -cf - | tar -xf - -C "$tree"
echo "second build in $tree with CARGO_HOME=$scratch/cargo-home"
(
    cd "$tree"
    export CARGO_HOME="$scratch/cargo-home"
    mkdir -p "$CARGO_HOME"
    quietly bash tools/build-wasm.sh
)
status=0
for wasm in room_contract web_container chat_delegate; do
    here=$(sha256sum "target/brook-wasm/$wasm.wasm" | cut -d' ' -f1)
    there=$(sha256sum "$tree/target/brook-wasm/$wasm.wasm" | cut -d' ' -f1)
    if [[ $here == "$there" ]]; then
        echo "$wasm.wasm: identical ($here)"
    else
        echo "$wasm.wasm: DIFFERS ($here vs $there)" >&2
        status=1
    fi
done
exit $status
