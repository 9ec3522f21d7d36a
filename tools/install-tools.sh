#!/usr/bin/env bash
# Installs what building and testing Brook needs, skipping whatever is already there.
# The one source of truth for tool versions: `.ci/run` and `cargo make install-tools` call it.
# Usage: tools/install-tools.sh [PIECE...]   (no argument: every piece; see PIECES below)
#
# First run on a fresh 2-core machine, measured (README, "CI time budget"): freenet 831 s,
# fdev 610 s more (it reuses the node's build dir where its features allow), cargo-make
# 160 s (without TLS), cargo-fuzz 34 s, chromium 13 s, eciespy and wasm-opt seconds.
# Later runs only check versions (seconds).
set -euo pipefail
cd "$(dirname "$0")/.."

FREENET_VERSION=0.2.154
FDEV_VERSION=0.3.316
CARGO_MAKE_VERSION=0.37.24
CARGO_FUZZ_VERSION=0.13.2
# freenet and fdev share one build dir, so fdev reuses what the node build compiled.
TOOLS_TARGET_DIR="$HOME/.cache/brook-tools-target"

# step NAME CMD...: runs CMD and prints how long it took.
step() {
    local name=$1 start=$SECONDS
    shift
    echo "==> $name"
    "$@"
    echo "==> $name: done in $((SECONDS - start)) s"
}

# has_version CMD VERSION: true when `CMD --version` prints exactly VERSION.
# (Output captured first: with pipefail, `grep -q` exiting early would SIGPIPE the tool.)
has_version() {
    local out
    command -v "$1" >/dev/null && out=$("$1" --version 2>/dev/null) &&
        grep -Eq "(^|[^0-9.])${2//./\\.}([^0-9.]|$)" <<<"$out"
}

install_rust() {
    # Installs the toolchain rust-toolchain.toml pins (with its wasm32 target) when missing.
    rustup toolchain install
    rustup target add wasm32-unknown-unknown
}

# install_cargo_subcommand SUBCOMMAND CRATE VERSION: any installed version will do.
# Extra `cargo install` flags may follow (cargo-make needs no TLS stack: Brook's tasks
# never fetch anything, and dropping it saves minutes of compiling).
install_cargo_subcommand() {
    if cargo "$1" --version >/dev/null 2>&1; then
        echo "$2 already installed"
    else
        cargo install --locked "$2" --version "$3" "${@:4}"
    fi
}

# Not --locked: freenet's lock pins webpki-roots 1.0.11, which the registry mirror lacks.
install_freenet() {
    if has_version freenet "$FREENET_VERSION"; then
        echo "freenet $FREENET_VERSION already installed"
    else
        CARGO_TARGET_DIR="$TOOLS_TARGET_DIR" cargo install freenet --version "$FREENET_VERSION"
    fi
}

install_fdev() {
    if has_version fdev "$FDEV_VERSION"; then
        echo "fdev $FDEV_VERSION already installed"
    else
        CARGO_TARGET_DIR="$TOOLS_TARGET_DIR" cargo install fdev --version "$FDEV_VERSION"
    fi
}

# Headless Chromium for the browser tests (Debian packages).
install_browser() {
    if [[ -x /usr/bin/chromium ]]; then
        echo "chromium already installed"
        return
    fi
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends chromium chromium-driver
}

# binaryen's wasm-opt, pinned by tools/wasm-opt/package-lock.json (npm registry).
install_wasm_opt() {
    npm ci --prefix tools/wasm-opt --silent --no-audit --no-fund
}

# Python's eciespy: an independent ecies.org implementation the interop test decrypts
# Brook's wrapped secrets with (PyPI).
ECIESPY_VERSION=0.4.7
install_python_interop() {
    if python3 -c "import ecies, importlib.metadata as m; assert m.version('eciespy') == '$ECIESPY_VERSION'" 2>/dev/null; then
        echo "eciespy $ECIESPY_VERSION already installed"
    else
        python3 -m pip install --quiet --disable-pip-version-check "eciespy==$ECIESPY_VERSION"
    fi
}

# Everything by default; with arguments only the pieces named (`cargo make run` asks for
# `rust wasm-opt freenet`).
PIECES=(rust wasm-opt cargo-make cargo-fuzz freenet fdev chromium python)
for piece in "${@:-${PIECES[@]}}"; do
    case $piece in
        rust) step "rust toolchain + wasm32 target" install_rust ;;
        wasm-opt) step "wasm-opt (binaryen)" install_wasm_opt ;;
        cargo-make) step "cargo-make" install_cargo_subcommand make cargo-make "$CARGO_MAKE_VERSION" --no-default-features ;;
        cargo-fuzz) step "cargo-fuzz" install_cargo_subcommand fuzz cargo-fuzz "$CARGO_FUZZ_VERSION" ;;
        freenet) step "freenet $FREENET_VERSION" install_freenet ;;
        fdev) step "fdev $FDEV_VERSION" install_fdev ;;
        chromium) step "chromium" install_browser ;;
        python) step "eciespy $ECIESPY_VERSION (python)" install_python_interop ;;
        *) echo "unknown piece '$piece'; known: ${PIECES[*]}" >&2 && exit 2 ;;
    esac
done
