#!/usr/bin/env bash
# Builds the frame inspector page: the release wasm (scripts/build-wasm.sh), copied into www/wasm/ (git-ignored).
# The page itself (www/index.html, style.css, app.js) needs no build step. Serve it with scripts/serve-www.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/wasm-opt ] || npm install --no-audit --no-fund --loglevel=error
scripts/build-wasm.sh
mkdir -p www/wasm
cp target/wasm/hybi.js target/wasm/hybi_bg.wasm www/wasm/
echo "www: built www/wasm/ (hybi.js, hybi_bg.wasm)"
