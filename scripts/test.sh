#!/usr/bin/env bash
# The test driver behind `make test` (and CI's .ci/run): runs the stages below in order, printing each
# stage's name and how long it took, stops at the first failure with a non-zero exit, and ends with a
# summary table and a plain `N passed, N failed[, N skipped]` line counting stages.
#
# Usage: scripts/test.sh [--list] [STAGE...]   (no STAGE: every stage, in order)
#   FUZZ_SECONDS=N   seconds per fuzz target in the fuzz stage (default 45)
set -uo pipefail # no -e: a failing stage is recorded, then the driver stops by itself
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
color=auto
if [ -n "${CI:-}" ]; then
  color=never
  export CARGO_TERM_COLOR=never CARGO_INCREMENTAL=0
fi

names=() cmds=()
stage() { names+=("$1"); shift; cmds+=("$(printf '%q ' "$@")"); }

# ---- Stages made of several commands -------------------------------------------------------------------
fmt_check() {
  cargo fmt --all --check -- --color "$color" &&
    cargo fmt --check --manifest-path fuzz/Cargo.toml -- --color "$color" &&
    cargo fmt --check --manifest-path bench/Cargo.toml -- --color "$color"
}
clippy_all() { # the host build, and the wasm32 one (src/wasm/ and tests/wasm*.rs exist only there): as the runtime
  # wasm is built, and with every feature (the codec wasm's `codec`: src/wasm/codec.rs)
  cargo clippy --all-targets -- -D warnings &&
    cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings &&
    cargo clippy --target wasm32-unknown-unknown --all-targets --all-features -- -D warnings
}
page_tests() { # the frame inspector (www/) in headless Chromium, on the release wasm
  scripts/build-www.sh && node --test --test-reporter=spec tests/www/
}

# ---- The stages: one line each, `stage NAME COMMAND [ARGS...]`, run in this order ------------------------
# A stage passes when its command exits 0; COMMAND may be a function above. Each `setup-*` stage installs
# (idempotently) what the stages after it use, so running one stage alone may need `make setup` first.
stage setup-core        scripts/setup.sh core
stage fmt               fmt_check
stage clippy            clippy_all
stage test              cargo test --all-features
stage test-no-default   cargo test --no-default-features
stage no_std-thumbv7em  cargo build --no-default-features --target thumbv7em-none-eabihf
stage wasm32-build      cargo build --target wasm32-unknown-unknown
stage setup-wasm        scripts/setup.sh wasm browsers js
stage wasm-bindgen      scripts/test-wasm.sh          # tests/wasm*.rs in Node, Chromium and Firefox (page + worker)
stage js                tests/js/run.sh               # the packed npm package: Node 20 + 24, workerd, Deno, Bun
stage page              page_tests                    # www/ end to end in headless Chromium
stage fuzz              scripts/fuzz.sh               # every fuzz/ target, FUZZ_SECONDS each
# ---- To come: add a line here (and a setup part in scripts/setup.sh if it needs a new tool) -------------

# ---- The runner ------------------------------------------------------------------------------------------
if [ "${1:-}" = --list ]; then
  printf '%s\n' "${names[@]}"
  exit 0
fi
selected=()
if [ $# -eq 0 ]; then
  selected=("${!names[@]}")
else
  for want in "$@"; do
    found=
    for i in "${!names[@]}"; do [ "${names[$i]}" = "$want" ] && { selected+=("$i"); found=1; }; done
    [ -n "$found" ] || { echo "unknown stage '$want'; stages: ${names[*]}" >&2; exit 2; }
  done
fi

now() { echo "${EPOCHREALTIME/,/.}"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

total=${#selected[@]} passed=0 failed=0 n=0
results=() times=()
t_all=$(now)
for i in "${selected[@]}"; do
  n=$((n + 1))
  printf '\n==> [%d/%d] %s: %s\n' "$n" "$total" "${names[$i]}" "${cmds[$i]% }"
  t0=$(now)
  (eval "${cmds[$i]}") </dev/null
  rc=$?
  dt=$(secs "$t0" "$(now)")
  times+=("$dt")
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1)) results+=(ok)
    printf '<== %s: ok in %ss\n' "${names[$i]}" "$dt"
  else
    failed=$((failed + 1)) results+=("FAILED (exit $rc)")
    printf '<== %s: FAILED (exit %d) after %ss; rerun alone with: scripts/test.sh %s\n' \
      "${names[$i]}" "$rc" "$dt" "${names[$i]}"
    break
  fi
done

printf '\n%-20s %-18s %8s\n' stage result seconds
printf '%-20s %-18s %8s\n' -------------------- ------------------ --------
for k in "${!selected[@]}"; do
  printf '%-20s %-18s %8s\n' "${names[${selected[$k]}]}" "${results[$k]:-not run}" "${times[$k]:--}"
done
printf '%-20s %-18s %8s\n' total "" "$(secs "$t_all" "$(now)")"
echo
skipped=$((total - passed - failed))
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
