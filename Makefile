# The two commands a fresh machine needs: `make serve` and `make test`. Both install what they use
# (idempotently, through scripts/setup.sh) before doing anything else.
#
#   make serve   build and show the project (PORT=8080 by default)           -> scripts/serve.sh
#   make test    every test, stage by stage, with timings (FUZZ_SECONDS=45)  -> scripts/test.sh
#                (STAGES="fmt clippy" runs only those; scripts/test.sh --list names them)
#   make setup   install everything any target uses (idempotent)            -> scripts/setup.sh all
#   make pkg     the npm package: pkg/ and target/hybi-<version>.tgz       -> scripts/build-pkg.sh
#   make bench   benchmarks against ws, undici and the runtimes' own WebSockets -> scripts/bench.sh
#   make fuzz    long fuzzing runs: FUZZ_SECONDS (default 600) per target    -> scripts/fuzz.sh
#   make clean   remove build outputs (keeps the fuzz corpus and node_modules)

SHELL := /bin/bash
PORT ?= 8080
export PORT

.PHONY: serve test setup pkg fuzz bench clean

serve:
	@scripts/serve.sh

test:
	@scripts/test.sh $(STAGES)

setup:
	@scripts/setup.sh all

fuzz:
	@scripts/setup.sh fuzz
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-600} scripts/fuzz.sh

pkg:
	@scripts/setup.sh wasm
	@scripts/build-pkg.sh

bench:
	@scripts/setup.sh wasm js
	@scripts/bench.sh

clean:
	cargo clean
	rm -rf fuzz/target fuzz/artifacts fuzz/coverage pkg www/wasm tests/js/out test-output
