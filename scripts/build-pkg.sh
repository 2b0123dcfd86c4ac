#!/usr/bin/env bash
# Builds the npm package: scripts/build-wasm.sh (the release wasms + wasm-bindgen glue in target/wasm/: hybi*, the
# runtime's, and hybi_codec*, the one `hybi/codec` loads), then pkg/ =
# target/wasm/* + pkg-template/* with the crate's version, then `npm pack` → target/hybi-<version>.tgz.
# Prints the wasm size (raw and gzip). SKIP_WASM=1 reuses target/wasm/ as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
valid() { node -e 'new WebAssembly.Module(require("fs").readFileSync(process.argv[1]))' "$1" 2>/dev/null; }
[ -n "${SKIP_WASM:-}" ] || scripts/build-wasm.sh
wasms=(target/wasm/hybi_bg.wasm target/wasm/hybi_codec_bg.wasm)
if ! valid "${wasms[0]}" || ! valid "${wasms[1]}"; then
  # target/wasm/ is shared: a build running at the same time can leave a torn file. Build once more.
  echo "build-pkg: target/wasm/ has a wasm that does not compile; building them again" >&2
  scripts/build-wasm.sh
  for w in "${wasms[@]}"; do valid "$w" || { echo "build-pkg: $w is not valid wasm" >&2; exit 1; }; done
fi
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
rm -rf pkg
mkdir -p pkg
for name in hybi hybi_codec; do
  cp "target/wasm/$name.js" "target/wasm/$name.d.ts" "target/wasm/${name}_bg.wasm" "target/wasm/${name}_bg.wasm.d.ts" pkg/
done
cp -R pkg-template/. pkg/
scripts/bundle-entries.sh pkg # the Node and Bun entries, bundled into pkg/dist/
node -e '
  const fs = require("fs"); const p = JSON.parse(fs.readFileSync("pkg/package.json", "utf8"));
  p.version = process.argv[1]; fs.writeFileSync("pkg/package.json", JSON.stringify(p, null, 2) + "\n");
' "$version"
raw=$(wc -c <pkg/hybi_bg.wasm); gz=$(gzip -9c pkg/hybi_bg.wasm | wc -c)
# The README states the sizes of the wasm it ships with.
kib() { awk -v n="$1" 'BEGIN { printf "%.1f KiB", n / 1024 }'; }
sed -i "s/@WASM_RAW@/$raw bytes ($(kib "$raw"))/g; s/@WASM_GZIP@/$gz bytes ($(kib "$gz"))/g" pkg/README.md
tgz=$(cd pkg && npm pack --silent --pack-destination ../target 2>/dev/null | tail -1)
echo "pkg: target/$tgz (hybi $version); wasm $raw bytes raw, $gz bytes gzip -9 (hybi_codec_bg.wasm, for hybi/codec only: $(wc -c <pkg/hybi_codec_bg.wasm) raw)"
