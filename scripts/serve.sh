#!/usr/bin/env bash
# `make serve`: shows the project running.
#  - www/index.html exists (the frame inspector): builds the codec wasm into www/wasm/, then serves www/
#    on http://127.0.0.1:$PORT/ (default 8080) with python3's http.server, loopback only, until interrupted.
#  - otherwise, examples/demo.rs exists: runs the native demo (`cargo run --example demo`).
#  - otherwise: says there is nothing to show yet.
# Installs what it needs first (idempotently, through scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
PORT=${PORT:-8080}

if [ -f www/index.html ]; then
  scripts/setup.sh wasm # rust targets, wasm-bindgen-cli, npm's binaryen (wasm-opt)
  scripts/build-www.sh  # the release wasms; the codec one (the inspector's) into www/wasm/
  command -v python3 >/dev/null || { echo "serve: python3 is needed to serve www/" >&2; exit 1; }
  echo "serve: the frame inspector is at http://127.0.0.1:${PORT}/ (serving www/; Ctrl-C stops)"
  exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory www
elif [ -f examples/demo.rs ]; then
  exec cargo run --quiet --example demo
else
  echo "serve: nothing to show yet: no www/index.html (the frame inspector) and no examples/demo.rs."
  echo "serve: \`make test\` runs the test suite."
fi
