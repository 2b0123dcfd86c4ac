#!/usr/bin/env bash
# Builds the frame inspector page: the release wasms (scripts/build-wasm.sh), of which the codec one (hybi_codec*: the
# core plus the inspector's `inspect`/`compose`) and its glue are copied into www/wasm/ (git-ignored).
# The page itself (www/index.html, style.css, app.js) needs no build step. Serve it with scripts/serve-www.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/wasm-opt ] || npm install --no-audit --no-fund --loglevel=error
scripts/build-wasm.sh
mkdir -p www/wasm
rm -f www/wasm/hybi.js www/wasm/hybi_bg.wasm # the runtime wasm, copied here by older builds: the page never loads it
cp target/wasm/hybi_codec.js target/wasm/hybi_codec_bg.wasm www/wasm/
echo "www: built www/wasm/ (hybi_codec.js, hybi_codec_bg.wasm)"
