#!/usr/bin/env bash
# Installs everything `make serve` / `make test` need, idempotently. Safe to run again and again.
# Usage: scripts/setup.sh [core|wasm|browsers|js|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
log() { printf '[setup] %s\n' "$*" >&2; }
has() { command -v "$1" >/dev/null 2>&1; }

WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml | head -1)

setup_core() {
  for t in wasm32-unknown-unknown thumbv7em-none-eabihf; do
    rustup target list --installed | grep -qx "$t" || { log "rustup target add $t"; rustup target add "$t"; }
  done
  rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt
  rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
  has cargo-fuzz || { log "cargo install cargo-fuzz"; cargo install cargo-fuzz; }
}

setup_wasm() {
  setup_core
  if ! { has wasm-bindgen && wasm-bindgen --version | grep -q " $WASM_BINDGEN_VERSION\$"; }; then
    log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  setup_js
}

apt_updated=
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_browsers() {
  apt_install chromium chromium-driver firefox-esr
  has geckodriver || { log "cargo install geckodriver"; cargo install geckodriver; }
}

setup_js() {
  # Test-only JS and Python tooling lives in tests/js (its own package.json + lockfile).
  if [ -f tests/js/package.json ]; then
    if [ ! -d tests/js/node_modules ] || [ tests/js/package-lock.json -nt tests/js/node_modules/.package-lock.json ]; then
      log "npm ci in tests/js"; (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
    fi
  fi
  python3 -c 'import websockets' 2>/dev/null || { log "pip install websockets"; pip install -q 'websockets>=14'; }
}

case "$what" in
  core) setup_core ;;
  wasm) setup_wasm ;;
  browsers) setup_browsers ;;
  js) setup_js ;;
  all) setup_core; setup_wasm; setup_browsers ;;
  *) echo "usage: $0 [core|wasm|browsers|js|all]" >&2; exit 2 ;;
esac
