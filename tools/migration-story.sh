#!/usr/bin/env bash
# The delegate upgrade story, end to end through the real tasks, in a scratch copy of the
# repository (never this checkout; check-migration passes it the copy check-reproducible
# built):
#  1. change the chat delegate's bytes (and only them);
#  2. `cargo make check-migration` fails, naming chat_delegate.wasm and the fix;
#  3. `cargo make add-migration` records the committed delegate in legacy_delegates.toml;
#  4. `cargo make sync-wasm` commits the new build; `cargo make check-migration` passes;
#     the room contract and web container were left as they were.
#   tools/migration-story.sh DIR    (DIR's build must equal its committed artifacts)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd -P)
dir=$(cd "${1:?usage: tools/migration-story.sh DIR}" && pwd -P)
if [[ $dir == "$here" || ! -f $dir/Makefile.toml || ! -f $dir/legacy_delegates.toml ]]; then
    echo "migration-story: $dir is not a scratch copy of Brook" >&2
    exit 2
fi
cd "$dir"
start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The story's own check-migration runs are the guard alone (see tools/check-migration.sh).
export BROOK_MIGRATION_GUARD_ONLY=1

fail() {
    echo "migration-story: FAILED: $*" >&2
    exit 1
}
# task NAME ARGS...: runs `cargo make NAME ARGS...` into $log, printing its duration.
task() {
    local t=$SECONDS status=0
    cargo make "$@" >"$log" 2>&1 || status=$?
    echo "migration-story: cargo make $1: exit $status, $((SECONDS - t)) s"
    return $status
}
committed_hash() {
    cargo run -q -p brook-migration -- info |
        awk -v f="ui/public/contracts/$1" 'index($0, f) == 1 { on = 1 } on && /code hash/ { print $3; exit }'
}
shipped=$(committed_hash chat_delegate.wasm)
others=$(sha256sum ui/public/contracts/room_contract.wasm ui/public/contracts/web_container.wasm)
[[ $(grep -c '^\[\[entry\]\]' legacy_delegates.toml) == 0 ]] || fail "legacy_delegates.toml is not empty"

# 1. A new exported function: the delegate's bytes change (by a few dozen), nothing
#    else's, and nothing of the delegate's source layout is assumed.
cat >>delegates/chat-delegate/src/lib.rs <<'EOF'

/// tools/migration-story.sh: a deliberately changed chat delegate (an export is the
/// one change LTO keeps; the fence denies `no_mangle` elsewhere).
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn brook_migration_story() -> u32 {
    5107
}
EOF

# 2.
if task check-migration; then
    cat "$log"
    fail "check-migration passed with a changed, unrecorded delegate"
fi
grep -q 'FAILED chat_delegate.wasm' "$log" &&
    grep -q 'cargo make add-migration --version' "$log" &&
    grep -q 'cargo make sync-wasm' "$log" &&
    grep -q 'ok room_contract.wasm' "$log" ||
    { cat "$log" && fail "check-migration failed without naming the delegate and the fix"; }
echo "migration-story: a changed delegate fails check-migration:"
sed -n '/^FAILED chat_delegate.wasm/,/^ok /p' "$log" | sed '$d;s/^/    /'

# 3.
task add-migration --version story-1 --description "the build before the story's change" ||
    { cat "$log" && fail "add-migration"; }
grep -q "^code_hash = \"$shipped\"$" legacy_delegates.toml ||
    fail "legacy_delegates.toml does not record the replaced delegate $shipped"
[[ $(grep -c '^\[\[entry\]\]' legacy_delegates.toml) == 1 ]] || fail "add-migration recorded more than one delegate"
[[ $(grep -c '^\[\[entry\]\]' legacy_room_contracts.toml) == 0 ]] || fail "add-migration recorded an unchanged room contract"
echo "migration-story: add-migration recorded $shipped (legacy_delegates.toml, generation 0)"

# 4.
task sync-wasm || { cat "$log" && fail "sync-wasm"; }
task check-migration || { cat "$log" && fail "check-migration after add-migration + sync-wasm"; }
[[ $(committed_hash chat_delegate.wasm) != "$shipped" ]] || fail "sync-wasm left the old delegate"
[[ $(sha256sum ui/public/contracts/room_contract.wasm ui/public/contracts/web_container.wasm) == "$others" ]] ||
    fail "the room contract or web container changed"
echo "migration-story: after add-migration + sync-wasm, check-migration passes ($((SECONDS - start)) s)"
