# famol: the commands a newcomer runs. Each sets up what it needs first (scripts/setup.sh).
SHELL := /bin/bash
SWIFT ?= swift
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup build release demo test test-integration fuzz bench bench-quick bench-smoke clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --product famol
	$(SWIFT) build -c release --product famol-worker

demo: release
	.build/release/famol demo --out runs/demo

# Each phase prints how long it took (scripts/timed).
test:
	@bash scripts/timed "setup (Debian packages, venv, llama.cpp build)" bash scripts/setup.sh
	@bash scripts/timed "proto check" bash scripts/gen-proto --check
	@bash scripts/timed "swift build (tests)" $(SWIFT) build --build-tests
	@bash scripts/timed "swift test" $(SWIFT) test --skip-build
	@bash scripts/timed "fuzz (3 s per target, regressions first)" bash scripts/fuzz --seconds 3
	@bash scripts/timed "integration tests" $(MAKE) --no-print-directory test-integration
	@bash scripts/timed "bench smoke" $(MAKE) --no-print-directory bench-smoke

# Comparisons against the Python peers (pytrec_eval, LightGBM) and end-to-end CLI runs.
test-integration: setup
	$(SWIFT) build -c release --product famol
	$(SWIFT) build -c release --product famol-worker
	bash scripts/check-deploy
	FAMOL=$(CURDIR)/.build/release/famol $(PY) -m pytest -q --durations=12 tests

# Every reader under libFuzzer with AddressSanitizer, FUZZ_SECONDS each (scripts/fuzz).
FUZZ_SECONDS ?= 600
fuzz: setup
	bash scripts/fuzz --seconds $(FUZZ_SECONDS)

# Speed against peers, in release builds, as ratios measured in the same run (bench/suite.py
# lists the workloads): gradients vs PyTorch, cluster overhead, SVMlight parsing vs
# scikit-learn and LightGBM, scale, the embedded judge vs sentence-transformers, and LLM
# annotation through 2 workers vs a direct load on the same llama.cpp server.
bench: release
	@bash scripts/setup.sh --bench
	$(PY) bench/suite.py --runs 5
	$(PY) bench/quality.py
	$(PY) bench/embedding_throughput.py --runs 5 --texts 100
	$(PY) bench/annotation_throughput.py --runs 3 --queries 10

# famol's side of every workload once on small data, without the peers (part of make test).
bench-smoke: release
	$(PY) bench/suite.py --quick --famol-only
	$(PY) bench/annotation_throughput.py --runs 1 --queries 1 --no-record

# Every workload once on small data, peers included: a smoke test of make bench, not a measurement.
bench-quick: release
	@bash scripts/setup.sh --bench
	$(PY) bench/suite.py --quick
	$(PY) bench/quality.py --epochs 3 --no-record
	$(PY) bench/embedding_throughput.py --runs 1 --texts 16 --no-record
	$(PY) bench/annotation_throughput.py --runs 1 --queries 2 --no-record

clean:
	rm -rf .build runs
