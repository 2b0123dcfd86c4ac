#!/usr/bin/env bash
# Builds the release wasms and their wasm-bindgen glue into target/wasm/:
#   hybi.js, hybi_bg.wasm, hybi.d.ts                    the runtime wasm, loaded by every `import "hybi"`
#   hybi_codec.js, hybi_codec_bg.wasm, hybi_codec.d.ts  the same plus the `codec` feature (the frame inspector's
#                                                       `inspect`/`compose`): `hybi/codec` and the www/ page
#   cargo (cdylib, wasm32, by the pinned nightly of scripts/wasm-cargo.sh) → wasm-bindgen --target web (version
# pinned to the crate's) → wasm-opt -Oz (npm binaryen; flags in scripts/wasm-cargo.sh), once per wasm.
# CARGO_FEATURES adds features to both builds; WASM_PROFILE builds both with another cargo profile.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/wasm-cargo.sh
out=target/wasm
mkdir -p "$out"
build() { # NAME PROFILE FEATURES
  local name=$1 profile=$2 features=$3
  wasm_cargo "" --profile "$profile" ${features:+--features "$features"} -q
  wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$out" --out-name "$name" \
    "target/wasm32-unknown-unknown/$profile/hybi.wasm"
  "${WASM_OPT[@]}" "$out/${name}_bg.wasm" -o "$out/${name}_bg.opt.wasm"
  # Written beside, then moved: an interrupted or concurrent run never leaves a half-written wasm in place.
  mv "$out/${name}_bg.opt.wasm" "$out/${name}_bg.wasm"
  local raw gz
  raw=$(wc -c <"$out/${name}_bg.wasm"); gz=$(gzip -9c "$out/${name}_bg.wasm" | wc -c)
  echo "wasm: $raw bytes raw, $gz bytes gzip ($out/${name}_bg.wasm)"
}
# Each in its own profile's directory (Cargo.toml: wasm-codec inherits wasm), so neither rebuild undoes the other.
build hybi "${WASM_PROFILE:-wasm}" "${CARGO_FEATURES:-}"
build hybi_codec "${WASM_PROFILE:-wasm-codec}" "codec${CARGO_FEATURES:+,$CARGO_FEATURES}"
