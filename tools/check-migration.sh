#!/usr/bin/env bash
# `cargo make check-migration` (docs/design.md §10; CI runs it):
#  1. builds the shipped WASM (tools/build-wasm.sh) and runs the guard (brook-migration
#     check): a chat delegate or room contract whose build differs from the committed copy
#     in ui/public/contracts/ fails unless its manifest records the committed build, and
#     any other difference fails until `cargo make sync-wasm`. First, so a forgotten sync
#     is reported before the long part;
#  2. builds again from another path with another CARGO_HOME and requires identical bytes
#     (tools/check-reproducible.sh);
#  3. in that second tree, whose target dir is now warm, plays the upgrade story
#     (tools/migration-story.sh): a changed delegate fails this check naming the fix,
#     add-migration + sync-wasm make it pass.
# BROOK_MIGRATION_GUARD_ONLY=1 runs step 1 only (the story's own runs of this task: steps
# 2 and 3 inside it would recurse).
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
bash tools/build-wasm.sh
cargo run -q -p brook-migration -- check
[[ ${BROOK_MIGRATION_GUARD_ONLY:-0} == 1 ]] && exit 0
echo "check-migration: guard passed in $((SECONDS - start)) s"

scratch=$(mktemp -d /tmp/brook-migration.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
start=$SECONDS
bash tools/check-reproducible.sh --keep "$scratch"
echo "check-migration: reproducible in $((SECONDS - start)) s"
CARGO_HOME=$scratch/cargo-home bash tools/migration-story.sh "$scratch/elsewhere/brook"
