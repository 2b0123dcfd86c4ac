#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ (or the ones named) for FUZZ_SECONDS each, one after another.
# Fails on a crash, and fails (never skips) when nightly or cargo-fuzz is missing: `scripts/setup.sh fuzz`.
#
# Usage: scripts/fuzz.sh [TARGET...]
#   FUZZ_SECONDS=N   seconds per target (default 45; `make fuzz` uses 600)
#   FUZZ_ARGS="..."  extra libFuzzer flags, e.g. FUZZ_ARGS="-jobs=2 -workers=2"
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
secs=${FUZZ_SECONDS:-45}
read -r -a extra <<<"${FUZZ_ARGS:-}"

rustup toolchain list | grep -q '^nightly' || { echo "fuzz: no nightly toolchain; run scripts/setup.sh fuzz" >&2; exit 1; }
cargo +nightly fuzz --version >/dev/null 2>&1 || { echo "fuzz: cargo-fuzz is missing; run scripts/setup.sh fuzz" >&2; exit 1; }

if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no targets in fuzz/" >&2; exit 1; }

# Build them all first, so that no target's time budget goes to compiling.
cargo +nightly fuzz build

logs=fuzz/target/logs
mkdir -p "$logs"
for t in "${targets[@]}"; do
  corpus=("fuzz/corpus/$t")
  mkdir -p "fuzz/corpus/$t"
  [ -d "fuzz/seeds/$t" ] && corpus+=("fuzz/seeds/$t")
  echo "fuzz: $t for ${secs}s (corpus: ${corpus[*]}; log: $logs/$t.log)"
  # libFuzzer's progress lines go to the log; its verdict, and all of it on a crash, to the terminal.
  if cargo +nightly fuzz run "$t" "${corpus[@]}" -- -max_total_time="$secs" "${extra[@]}" >"$logs/$t.log" 2>&1; then
    grep -E '^(Done|#[0-9]+[[:space:]]+DONE)' "$logs/$t.log" | sed "s/^/fuzz: $t: /" || true
  else
    tail -n 200 "$logs/$t.log"
    echo "fuzz: $t FAILED; the input is in fuzz/artifacts/$t/ (replay: cargo +nightly fuzz run $t <file>)" >&2
    exit 1
  fi
done
echo "fuzz: ${#targets[@]} target(s) ran ${secs}s each without a crash"
