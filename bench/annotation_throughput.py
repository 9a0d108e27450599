"""Annotation throughput: famol through a local cluster of 2 workers against a direct load on
the same llama.cpp server at the same concurrency, replaying exactly the requests famol sent.
Prints `bench annotation: ...` lines and adds records to bench/results.json."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
from llm_support import LLMServer  # noqa: E402
from bench_results import record  # noqa: E402


def famol(*args):
    exe = os.path.join(ROOT, ".build", "release", "famol")
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, check=True).stdout


def rate(out):
    line = [l for l in out.splitlines() if l.startswith("annotation took")][0]
    seconds = float(line.split()[2])
    calls = float(line.split(": ")[1].split()[0])
    tokens = float(line.split(", ")[1].split()[0])
    return seconds, calls, tokens


def direct_load(endpoint, bodies, concurrency):
    def one(body):
        req = urllib.request.Request(endpoint + "/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        reply = json.loads(urllib.request.urlopen(req, timeout=300).read())
        return reply["usage"]["prompt_tokens"] + reply["usage"]["completion_tokens"]
    start = time.time()
    with ThreadPoolExecutor(concurrency) as pool:
        tokens = sum(pool.map(one, bodies))
    elapsed = time.time() - start
    return elapsed, len(bodies) / elapsed, tokens / elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=15)
    ap.add_argument("--concurrency", type=int, default=2, help="calls in flight per worker")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-record", action="store_true", help="smoke test: leave bench/results.json alone")
    args = ap.parse_args()
    datasets = os.path.join(os.path.dirname(ROOT), "shared", "datasets", "cranfield")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        server = LLMServer(os.path.join(tmp, "server.log"))
        try:
            in_flight = 2 * args.concurrency
            famol_rates, direct_rates = [], []
            for run in range(args.runs):
                out_dir = os.path.join(tmp, f"run{run}")
                server.state(record=True)
                out = famol("local", "--workers", 2, "annotate", "--judge", "openai", "--endpoint", server.endpoint,
                            "--model", "smollm2", "--strategy", "pointann", "--cranfield", datasets, "--k", 10,
                            "--max-queries", args.queries, "--structured-output", "json_object", "--document-words", 20,
                            "--max-tokens", 60, "--concurrency", args.concurrency, "--out", out_dir)
                server.state(record=False)
                bodies = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{server.port}/famol/requests").read())
                bodies = bodies[-args.queries * 10:]
                famol_rates.append(rate(out))
                direct_rates.append(direct_load(server.endpoint, bodies, in_flight))
                rerun = famol("annotate", "--judge", "openai", "--endpoint", server.endpoint, "--model", "smollm2",
                              "--strategy", "pointann", "--cranfield", datasets, "--k", 10, "--max-queries", args.queries,
                              "--structured-output", "json_object", "--document-words", 20, "--max-tokens", 60,
                              "--out", out_dir)
                cached_seconds = rate(rerun)[0]
            median = lambda xs: sorted(xs)[len(xs) // 2]
            f_calls, d_calls = median([r[1] for r in famol_rates]), median([r[1] for r in direct_rates])
            f_tok, d_tok = median([r[2] for r in famol_rates]), median([r[2] for r in direct_rates])
            print(f"bench annotation-calls: famol {f_calls:.2f} calls/s | direct load {d_calls:.2f} calls/s | ratio {f_calls / d_calls:.2f}")
            print(f"bench annotation-tokens: famol {f_tok:.1f} tokens/s | direct load {d_tok:.1f} tokens/s | ratio {f_tok / d_tok:.2f}")
            print(f"bench annotation-cache-rerun: famol {cached_seconds:.3f} s for {args.queries * 10} cached calls (0 requests)")
            results += [
                {"name": "annotation-calls", "famol": f_calls, "peer": "direct load", "peer_value": d_calls, "ratio": f_calls / d_calls,
                 "unit": "calls/s", "in_flight": in_flight, "runs": args.runs},
                {"name": "annotation-tokens", "famol": f_tok, "peer": "direct load", "peer_value": d_tok, "ratio": f_tok / d_tok,
                 "unit": "tokens/s", "in_flight": in_flight, "runs": args.runs},
                {"name": "annotation-cache-rerun", "famol": cached_seconds, "unit": "s"},
            ]
        finally:
            server.stop()
    if not args.no_record:
        record(results)


if __name__ == "__main__":
    main()
