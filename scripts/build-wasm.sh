#!/usr/bin/env bash
# Builds the release wasm and its wasm-bindgen glue into target/wasm/ (hybi.js, hybi_bg.wasm, hybi.d.ts).
#   cargo (cdylib, wasm32) → wasm-bindgen --target web (version pinned to the crate's) → wasm-opt -Oz (npm binaryen)
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/wasm
profile=${WASM_PROFILE:-wasm}
cargo rustc --lib --profile "$profile" --target wasm32-unknown-unknown --crate-type cdylib ${CARGO_FEATURES:+--features "$CARGO_FEATURES"} -q
mkdir -p "$out"
wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$out" --out-name hybi "target/wasm32-unknown-unknown/$profile/hybi.wasm"
# Never Debian's binaryen (108): its output crashes on load. The npm package is pinned in package.json.
node_modules/.bin/wasm-opt -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$out/hybi_bg.wasm" -o "$out/hybi_bg.opt.wasm"
# Written beside, then moved: an interrupted or concurrent run never leaves a half-written wasm in place.
mv "$out/hybi_bg.opt.wasm" "$out/hybi_bg.wasm"
raw=$(wc -c <"$out/hybi_bg.wasm"); gz=$(gzip -9c "$out/hybi_bg.wasm" | wc -c)
echo "wasm: $raw bytes raw, $gz bytes gzip ($out/hybi_bg.wasm)"
