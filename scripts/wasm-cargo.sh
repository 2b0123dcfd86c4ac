# Sourced by scripts/build-wasm.sh, scripts/bench.sh and scripts/setup.sh: how the release wasms are compiled and
# optimised.
#
# A pinned nightly, for two unstable flags that take about 10% off the gzip'd wasm (runtime wasm without deflate
# 34.0 → 30.6 KB, with it 56.6 → 50.5 KB): -Zbuild-std compiles std with the wasm profile's settings instead of
# linking the prebuilt one, and -Cpanic=immediate-abort makes a panic a bare `unreachable` trap, which drops the
# panic machinery and its message formatting. Nothing observable is lost: on wasm32-unknown-unknown std's panic
# hook has nowhere to print, so a panic was already a trap without a message (and none is reachable from input:
# the fuzz targets check that). Only the release wasms use it; every test, lint and the stable-target builds
# run on stable. HYBI_WASM_TOOLCHAIN=stable builds them on stable instead, without the two flags.
HYBI_WASM_TOOLCHAIN=${HYBI_WASM_TOOLCHAIN:-nightly-2026-05-20}

# wasm_cargo RUSTFLAGS CARGO_ARGS...: `cargo rustc` of the crate's cdylib for wasm32-unknown-unknown.
wasm_cargo() {
  local flags=$1
  shift
  if [[ "$HYBI_WASM_TOOLCHAIN" == nightly* ]]; then
    RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort${flags:+ $flags}" cargo "+$HYBI_WASM_TOOLCHAIN" rustc \
      -Zbuild-std=std,panic_abort --lib --target wasm32-unknown-unknown --crate-type cdylib "$@"
  else
    RUSTFLAGS="$flags" cargo "+$HYBI_WASM_TOOLCHAIN" rustc --lib --target wasm32-unknown-unknown --crate-type cdylib "$@"
  fi
}

# wasm-opt and its flags, for every release wasm (add --enable-simd for a simd128 build). Never Debian's binaryen
# (108): its output crashes on load; the npm package is pinned in package.json. --strip-target-features: a
# linker's note (148 bytes) nothing reads at run time.
WASM_OPT=(node_modules/.bin/wasm-opt -Oz --converge --strip-target-features --enable-bulk-memory
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types
  --enable-multivalue)
