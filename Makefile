# famol: the commands a newcomer runs. Each sets up what it needs first (scripts/setup.sh).
SHELL := /bin/bash
SWIFT ?= swift
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup build release demo test test-integration bench clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --product famol
	$(SWIFT) build -c release --product famol-worker

demo: release
	.build/release/famol demo --out runs/demo

test: setup
	bash scripts/gen-proto --check
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(MAKE) --no-print-directory test-integration

# Comparisons against the Python peers (pytrec_eval, LightGBM) and end-to-end CLI runs.
test-integration: setup
	$(SWIFT) build -c release --product famol
	$(SWIFT) build -c release --product famol-worker
	bash scripts/check-deploy
	FAMOL=$(CURDIR)/.build/release/famol $(PY) -m pytest -q tests

# Speed against peers, in release builds, as ratios measured in the same run: LLM annotation
# through 2 workers against a direct load on the same llama.cpp server, and the embedded judge
# against sentence-transformers on the same CPU threads.
bench: release
	@bash scripts/setup.sh --bench
	$(PY) bench/embedding_throughput.py --runs 5
	$(PY) bench/annotation_throughput.py --runs 3

clean:
	rm -rf .build runs
