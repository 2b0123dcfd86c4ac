#!/usr/bin/env bash
# Installs what `make serve` / `make test` need, idempotently: each step checks first and installs only
# what is missing, so a second run takes about a second. Safe to run again and again, as root, no stdin.
#
# Usage: scripts/setup.sh [PART...]   (default: all)
#   rust      rustup targets wasm32-unknown-unknown + thumbv7em-none-eabihf, clippy + rustfmt
#   fuzz      nightly toolchain + cargo-fuzz
#   core      rust + fuzz: everything the Rust stages of `make test` use
#   wasm      rust + the release wasm's pinned nightly with rust-src (scripts/wasm-cargo.sh), wasm-bindgen-cli at
#             the exact version Cargo.toml pins wasm-bindgen to, and the root package.json's npm packages (wasm-opt
#             from binaryen): what scripts/build-wasm.sh uses
#   browsers  Debian's chromium + chromium-driver + firefox-esr, and geckodriver
#   js        npm ci at the root and in tests/js (where there is a package-lock.json), and python
#             websockets (a reference peer)
#   all       all of the above
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Pinned tool versions (bump here; a present tool of another version is kept, except wasm-bindgen-cli,
# which must match the wasm-bindgen crate exactly).
CARGO_FUZZ_VERSION=0.13.2
GECKODRIVER_VERSION=0.37.1

log() { printf '[setup] %s\n' "$*" >&2; }
has() { command -v "$1" >/dev/null 2>&1; }
done_parts=" "
once() { case "$done_parts" in *" $1 "*) return 1 ;; esac; done_parts+="$1 "; }

cargo_install() { # cargo_install CRATE VERSION
  log "cargo install $1 $2 (a few minutes on a fresh machine)"
  # The crate's own lockfile first, for a reproducible build; without it when that fails to resolve (a locked
  # dependency yanked since, as for wasm-bindgen-cli 0.2.130's webpki-roots).
  cargo install --locked --quiet "$1" --version "$2" --force ||
    { log "retrying without --locked"; cargo install --quiet "$1" --version "$2" --force; }
}

setup_rust() {
  once rust || return 0
  local installed
  installed=$(rustup target list --installed)
  for t in wasm32-unknown-unknown thumbv7em-none-eabihf; do
    grep -qx "$t" <<<"$installed" || { log "rustup target add $t"; rustup target add "$t"; }
  done
  installed=$(rustup component list --installed)
  for c in clippy rustfmt; do
    grep -q "^$c" <<<"$installed" || { log "rustup component add $c"; rustup component add "$c"; }
  done
}

setup_fuzz() {
  once fuzz || return 0
  rustup toolchain list | grep -q '^nightly' || {
    log "rustup toolchain install nightly"
    rustup toolchain install nightly --profile minimal
  }
  has cargo-fuzz || cargo_install cargo-fuzz "$CARGO_FUZZ_VERSION"
}

setup_wasm() {
  once wasm || return 0
  setup_rust
  . scripts/wasm-cargo.sh
  if [[ "$HYBI_WASM_TOOLCHAIN" == nightly* ]] &&
    ! rustup "+$HYBI_WASM_TOOLCHAIN" component list --installed 2>/dev/null | grep -q '^rust-src'; then
    log "rustup toolchain install $HYBI_WASM_TOOLCHAIN with rust-src (the release wasm's compiler)"
    rustup toolchain install "$HYBI_WASM_TOOLCHAIN" --profile minimal --component rust-src
  fi
  local v
  v=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml | head -1)
  [ -n "$v" ] || { log "cannot find the pinned wasm-bindgen version (wasm-bindgen = { version = \"=X.Y.Z\" ...) in Cargo.toml"; exit 1; }
  if ! { has wasm-bindgen && wasm-bindgen --version | grep -q " $v\$"; }; then
    cargo_install wasm-bindgen-cli "$v"
  fi
  npm_ci . # wasm-opt comes from npm's binaryen (package.json), never Debian's
}

apt_updated=
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ -n "$apt_updated" ] || { log "apt-get update"; apt-get update -qq; apt_updated=1; }
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_browsers() {
  once browsers || return 0
  apt_install chromium chromium-driver firefox-esr
  has geckodriver || cargo_install geckodriver "$GECKODRIVER_VERSION"
}

npm_ci() { # npm_ci DIR: install DIR's locked npm packages unless node_modules is already up to date
  local dir=$1
  [ -f "$dir/package-lock.json" ] || return 0
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    log "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

setup_js() {
  once js || return 0
  npm_ci .        # development tooling (binaryen's wasm-opt, esbuild, playwright-core, ws)
  npm_ci tests/js # test-only JS tooling, if it gets its own package.json
  apt_install openssl # the JS tests make a throwaway test CA with it
  python3 -c 'import websockets' 2>/dev/null || { log "pip install websockets"; python3 -m pip install -q --root-user-action=ignore 'websockets>=14'; }
}

[ $# -gt 0 ] || set -- all
for what in "$@"; do
  case "$what" in
    rust) setup_rust ;;
    fuzz) setup_fuzz ;;
    core) setup_rust; setup_fuzz ;;
    wasm) setup_wasm ;;
    browsers) setup_browsers ;;
    js) setup_js ;;
    all) setup_rust; setup_fuzz; setup_wasm; setup_browsers; setup_js ;;
    *) echo "usage: $0 [rust|fuzz|core|wasm|browsers|js|all]..." >&2; exit 2 ;;
  esac
done
