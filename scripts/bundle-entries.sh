#!/usr/bin/env bash
# Bundles the package's Node and Bun entries into PKGDIR/dist/ (used by build-pkg.sh and bench.sh).
# Node and Bun load the package on every cold start: one file per entry instead of about twenty modules to resolve
# and compile (import → WebSocket ready ~30 → ~18 ms in Node 24). dist/ is one level down, as init/ is, so the
# wasm's URL relative to import.meta.url stays right. No other entry shares state with these (hybi/codec has its
# own wasm and glue), so a second copy of the modules they bundle is never loaded beside them.
# Minified (about half the bytes for V8 to scan and compile: ~0.3 ms of a cold start), keeping the names of
# functions and classes (`WebSocket.name`, stack traces); the unbundled modules ship beside it for reading.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=${1:?usage: scripts/bundle-entries.sh PKGDIR}
node_modules/.bin/esbuild "$pkg/hybi.node.js" "$pkg/hybi.bun.js" --bundle --format=esm --platform=node \
  --minify --keep-names --outdir="$pkg/dist" --log-level=warning
