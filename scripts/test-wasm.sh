#!/usr/bin/env bash
# The wasm-bindgen tests (tests/wasm.rs) in Node, and in headless Chromium and Firefox, each in a page and in a
# dedicated worker. The runner prefers geckodriver when both drivers are on PATH, so each run names its driver.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
run() {
  local label=$1; shift
  echo "--- wasm-bindgen tests: $label"
  # The filter hides the runner's chatter; pipefail keeps cargo's exit status.
  env -u GECKODRIVER -u CHROMEDRIVER "$@" cargo test --target wasm32-unknown-unknown --test wasm --test wasm_deflate 2>&1 \
    | { grep -E '^(test |test result|Running|error|thread|panicked)' || true; }
}
run node
run "chromium page" WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver
run "chromium dedicated worker" WASM_BINDGEN_USE_DEDICATED_WORKER=1 CHROMEDRIVER=/usr/bin/chromedriver
run "firefox page" WASM_BINDGEN_USE_BROWSER=1 GECKODRIVER="$(command -v geckodriver)"
run "firefox dedicated worker" WASM_BINDGEN_USE_DEDICATED_WORKER=1 GECKODRIVER="$(command -v geckodriver)"
