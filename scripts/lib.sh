# Shared setup for scripts/demo and scripts/test: idempotent, safe to run on a fresh machine.
# Sourced, not run.

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The pinned toolchain (rust-toolchain.toml). This machine kind ships one toolchain as `stable`;
# when the pinned name is missing but `stable` is that version, link it instead of downloading.
ensure_toolchain() {
    local want
    want=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
    if ! rustup run "$want" rustc --version >/dev/null 2>&1; then
        local stable_dir
        stable_dir=$(rustup run stable rustc --print sysroot 2>/dev/null || true)
        if [ -n "$stable_dir" ] && rustup run stable rustc --version | grep -q "^rustc $want "; then
            log "linking toolchain $want to the installed stable ($stable_dir)"
            rustup toolchain link "$want" "$stable_dir"
        else
            log "installing toolchain $want"
            rustup toolchain install "$want" --profile minimal --component rustfmt,clippy
        fi
    fi
    for comp in rustfmt clippy; do
        if ! cargo "${comp/rustfmt/fmt}" --version >/dev/null 2>&1; then
            rustup component add "$comp" || true
        fi
    done
}

apt_updated=0
# apt_install PKG...: installs the Debian packages that are missing.
apt_install() {
    local missing=()
    for p in "$@"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ $apt_updated -eq 0 ]; then
        $sudo apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Shared target directory for everything (temporary test workspaces included).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"
