"""famol against the tools its users would pick instead, measured side by side in one run.

Workloads (each prints `bench <name>: famol <figure> | <peer> <figure> | ratio <x>` and adds a
record to bench/results.json):
  gradient-64-32, gradient-256-128  MLP forward+backward+Adam, softmax loss, one thread: famol vs PyTorch CPU
  cluster-overhead-bN               step time in process vs a local cluster of 1 and 2 workers
  cluster-parallel-ceiling-bN       two in-process trainings at once vs one: what 2 workers could reach here
  network-latency-Dms               2 workers on network-namespace hosts, D ms added each way (bench/network_latency.py)
  parse                             SVMlight reading (MB/s, peak memory): famol vs scikit-learn and LightGBM
  scale                             training memory and step time from 10k to 1M generated queries (a table)
  clickmodel-<model>                fitting PBM, UBM, DBN (50 EM iterations), SDBN, DCM, cascade on the Yandex sample:
                                    famol vs PyClick's published CPython times (PyClick is on no package index,
                                    so it cannot run here: those ratios are against another machine's figures)
Quality at equal budget is bench/quality.py; the annotation and embedding workloads are
bench/annotation_throughput.py and bench/embedding_throughput.py. Release builds; warm-up first; famol and peers interleaved;
the median of --runs runs; one thread unless said; CPU model printed.

--quick runs each workload once on small data: a smoke test, not a measurement. --famol-only
skips the peers (PyTorch, scikit-learn, LightGBM), so that `make test` smoke-tests famol's side
of every workload without installing them."""
import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FAMOL = os.environ.get("FAMOL", os.path.join(ROOT, ".build", "release", "famol"))
PYTHON = sys.executable
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
sys.path.insert(0, HERE)
from bench_results import record  # noqa: E402
from network_latency import network_latency  # noqa: E402

TORCH_GRADIENT = r"""
import json, sys, time
import numpy as np
import torch
torch.set_num_threads(1)
queries, docs, features, batch, epochs = (int(a) for a in sys.argv[1:6])
layers = [int(x) for x in sys.argv[6].split(",")]
rng = np.random.default_rng(1)
x = torch.tensor(rng.standard_normal((queries, docs, features), dtype=np.float32))
labels = torch.tensor(rng.integers(0, 5, (queries, docs)).astype(np.float32))
gains = 2 ** labels - 1  # famol's label targets: gains 2^g - 1, normalised per query
targets = gains / gains.sum(1, keepdim=True).clamp(min=1)
widths = [features] + layers
mods = []
for a, b in zip(widths, widths[1:]):
    mods += [torch.nn.Linear(a, b), torch.nn.ELU()]  # famol's hidden activation
model = torch.nn.Sequential(*mods, torch.nn.Linear(widths[-1], 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
def epoch():
    perm = torch.randperm(queries)
    for s in range(0, queries, batch):
        idx = perm[s:s + batch]
        scores = model(x[idx]).squeeze(-1)
        loss = -(targets[idx] * torch.log_softmax(scores, dim=1)).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
epoch()  # warm-up
start = time.perf_counter()
for _ in range(epochs):
    epoch()
seconds = time.perf_counter() - start
print(json.dumps({"docs_per_s": epochs * queries * docs / seconds, "seconds": seconds, "threads": torch.get_num_threads()}))
"""

PEER_PARSE = r"""
import json, resource, sys, time
kind, path = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if kind == "sklearn":
    from sklearn.datasets import load_svmlight_file
    x, y, qid = load_svmlight_file(path, query_id=True)
    rows = x.shape[0]
else:
    import lightgbm as lgb
    d = lgb.Dataset(path, params={"verbose": -1, "num_threads": 1}).construct()
    rows = d.num_data()
seconds = time.perf_counter() - start
import os
print(json.dumps({"seconds": seconds, "rows": rows, "mb_per_s": os.path.getsize(path) / 1e6 / seconds,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def run_json(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, **(env or {})))
    if p.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd[:4])} failed:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def line(name, famol, peer, peer_value, unit, ratio=None):
    ratio = famol / peer_value if ratio is None else ratio
    print(f"bench {name}: famol {famol:.1f} {unit} | {peer} {peer_value:.1f} {unit} | ratio {ratio:.2f}", flush=True)
    return ratio


def gradient(args, results):
    q = 200 if args.quick else 2000
    epochs = 1 if args.quick else 2
    peak = run_json([FAMOL, "bench", "sgemm", "--size", "256" if args.quick else "1024"])["gflops"]
    print(f"bench sgemm-peak: {peak:.1f} GFLOP/s single-thread cblas_sgemm (the MLP's ceiling)", flush=True)
    for layers in ("64,32", "256,128"):
        ours, theirs, flops = [], [], []
        for _ in range(args.runs):
            f = run_json([FAMOL, "bench", "gradient", "--layers", layers, "--queries", str(q), "--epochs", str(epochs)], ONE_THREAD)
            if args.famol_only:
                print(f"bench gradient-{layers}: famol {f['docs_per_s']:.1f} docs/s ({f['gflops']:.2f} GFLOP/s; peer skipped)", flush=True)
                continue
            t = run_json([PYTHON, "-c", TORCH_GRADIENT, str(q), "20", "136", "32", str(epochs), layers], ONE_THREAD)
            ours.append(f["docs_per_s"])
            flops.append(f["gflops"])
            theirs.append(t["docs_per_s"])
        if args.famol_only:
            continue
        name = "gradient-" + layers.replace(",", "-")
        f, t, g = statistics.median(ours), statistics.median(theirs), statistics.median(flops)
        ratio = line(name, f, "PyTorch CPU", t, "docs/s")
        print(f"bench {name}-gflops: famol {g:.2f} GFLOP/s = {g / peak:.0%} of the sgemm peak", flush=True)
        results.append({"name": name, "famol": f, "peer": "PyTorch CPU", "peer_value": t, "ratio": ratio, "unit": "docs/s",
                        "gflops": g, "sgemm_peak_gflops": peak, "threads": 1, "runs": args.runs})


def step_ms(output):
    return float(re.search(r"([0-9.]+) ms per step", output).group(1))


def steps_of(output):
    return int(re.search(r"for ([0-9]+) steps", output).group(1))


def cluster_overhead(args, tmp, results):
    """Step time and CPU per step: in process, and on `famol local` clusters of 1 and 2 workers.
    CPU per step is every process's CPU (coordinator and workers: famol local reaps them, so they
    count as this process's children) over a run of 2E epochs minus a run of E epochs, divided by
    the steps between them: start-up and data loading cancel out."""
    q = 300 if args.quick else 2000
    data = os.path.join(tmp, "cluster.pack")
    valid = os.path.join(tmp, "cluster-valid.pack")
    for path, extra in ((data, []), (valid, ["--seed", "2"])):
        run_json([FAMOL, "bench", "generate", "--queries", str(q) if path == data else "20", *extra, "--out", path + ".svm"])
        # Packed, so that start-up (which the CPU difference below must cancel) barely varies.
        subprocess.run([FAMOL, "pack", "--data", path + ".svm", "--out", path], check=True, capture_output=True)
    # Enough steps that the CPU of E epochs against 2E stands above start-up's variation.
    epochs = 1 if args.quick else 10

    def run(prefix, batch, e, out):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run([FAMOL, *prefix, "train", "--train", data, "--valid", valid, "--epochs", str(e), "--batch", str(batch),
                            "--shards", "8", "--patience", "0", "--out", out], capture_output=True, text=True, env=dict(os.environ, **ONE_THREAD))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            raise SystemExit(f"bench: cluster training failed:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return step_ms(p.stdout), steps_of(p.stdout), cpu

    for batch in (32, 256):
        times = {"in-process": [], "1 worker": [], "2 workers": []}
        cpu = {label: [] for label in times}
        for r in range(args.runs):
            for label, prefix in (("in-process", []), ("1 worker", ["local", "--workers", "1"]), ("2 workers", ["local", "--workers", "2"])):
                out = os.path.join(tmp, f"c{batch}-{r}-{label[0]}")
                ms, steps, cpu_short = run(prefix, batch, epochs, out)
                times[label].append(ms)
                if not args.quick:  # a smoke test runs too few steps for a CPU difference
                    _, steps_long, cpu_long = run(prefix, batch, 2 * epochs, out + "-long")
                    cpu[label].append(max(0.0, cpu_long - cpu_short) * 1000 / max(1, steps_long - steps))
        base = statistics.median(times["in-process"])
        base_cpu = statistics.median(cpu["in-process"]) if cpu["in-process"] else float("nan")
        parallel_ceiling(batch, base, data, valid, epochs, tmp, results)
        for label in ("1 worker", "2 workers"):
            t = statistics.median(times[label])
            c = statistics.median(cpu[label]) if cpu[label] else float("nan")
            # Gradient work on the step's critical path: the in-process step split evenly over
            # the workers (an upper bound: it also holds the serial sum and Adam update).
            workers = int(label[0])
            overhead = max(0.0, (t - base / workers) / t)
            measured = c == c and base_cpu == base_cpu  # not NaN
            cpu_text = (f"CPU {c:.2f} ms/step in all processes | in-process {base_cpu:.2f} | {c / max(base_cpu, 1e-9):.2f}x"
                        if measured else "CPU per step not measured (--quick)")
            print(f"bench cluster-overhead-b{batch}-{label[0]}w: famol {t:.2f} ms/step | in-process {base:.2f} ms/step | "
                  f"ratio {base / t:.2f} (outside gradient work: {overhead:.0%} of the step); {cpu_text}", flush=True)
            results.append({"name": f"cluster-overhead-b{batch}-{label[0]}w", "famol": t, "peer": "in-process trainer", "peer_value": base,
                            "ratio": base / t, "overhead_fraction": overhead, "unit": "ms/step", "runs": args.runs,
                            "cpu_ms_per_step": c if measured else None, "in_process_cpu_ms_per_step": base_cpu if measured else None,
                            "cpu_ratio": c / max(base_cpu, 1e-9) if measured else None})


def parallel_ceiling(batch, solo, data, valid, epochs, tmp, results):
    """What 2 workers could reach on this machine with no overhead at all: two in-process
    trainings at once, each against one alone. Two vCPUs that share a physical core, or memory
    bandwidth, run two compute-bound processes at less than twice the speed of one."""
    runs = [subprocess.Popen([FAMOL, "train", "--train", data, "--valid", valid, "--epochs", str(epochs), "--batch", str(batch),
                              "--shards", "8", "--patience", "0", "--out", os.path.join(tmp, f"ceiling-{batch}-{i}")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, **ONE_THREAD))
            for i in range(2)]
    together = statistics.mean(step_ms(p.communicate()[0]) for p in runs)
    ceiling = 2 * solo / together
    print(f"bench cluster-parallel-ceiling-b{batch}: two in-process trainings at once {together:.2f} ms/step each | "
          f"one alone {solo:.2f} ms/step | 2 workers can reach at most {ceiling:.2f}x in process here", flush=True)
    results.append({"name": f"cluster-parallel-ceiling-b{batch}", "famol": together, "peer": "one in-process training alone",
                    "peer_value": solo, "ratio": ceiling, "unit": "ms/step"})


def parse(args, tmp, results):
    # About 200 MB: 5,200 queries x 20 documents x 136 features.
    q = 500 if args.quick else 5200
    path = os.path.join(tmp, "parse.svm")
    run_json([FAMOL, "bench", "generate", "--queries", str(q), "--out", path])
    plain = os.path.join(tmp, "parse-lightgbm.svm")  # LightGBM takes no qid: and no comments
    with open(path) as src, open(plain, "w") as dst:
        for row in src:
            dst.write(re.sub(r" qid:\S+", "", row.split("#")[0].rstrip()) + "\n")
    size = os.path.getsize(path) / 1e6
    print(f"bench parse: {size:.0f} MB SVMlight file, one thread each", flush=True)
    packed = os.path.join(tmp, "parse.pack")
    subprocess.run([FAMOL, "pack", "--data", path, "--out", packed], check=True, capture_output=True)
    runs = {"famol": [], "scikit-learn": [], "LightGBM": []}
    pack_seconds = []
    for _ in range(args.runs):
        runs["famol"].append(run_json([FAMOL, "bench", "parse", "--file", path], ONE_THREAD))
        pack_seconds.append(run_json([FAMOL, "bench", "parse", "--file", packed], ONE_THREAD)["seconds"])
        if args.famol_only:
            print(f"bench parse: famol {runs['famol'][-1]['mb_per_s']:.1f} MB/s; the same data from its pack in "
                  f"{pack_seconds[-1] * 1e3:.0f} ms (peers skipped)", flush=True)
            return
        runs["scikit-learn"].append(run_json([PYTHON, "-c", PEER_PARSE, "sklearn", path], ONE_THREAD))
        runs["LightGBM"].append(run_json([PYTHON, "-c", PEER_PARSE, "lightgbm", plain], ONE_THREAD))
    med = {k: statistics.median(r["mb_per_s"] for r in v) for k, v in runs.items()}
    rss = {k: max(r["peak_rss_mib"] for r in v) for k, v in runs.items()}
    svm_seconds = statistics.median(r["seconds"] for r in runs["famol"])
    ratio = line("load-pack-vs-svmlight", 1 / statistics.median(pack_seconds), "famol SVMlight", 1 / svm_seconds, "loads/s")
    results.append({"name": "load-pack-vs-svmlight", "famol": statistics.median(pack_seconds), "peer": "famol SVMlight",
                    "peer_value": svm_seconds, "ratio": ratio, "unit": "s", "file_mb": size, "runs": args.runs})
    for peer in ("scikit-learn", "LightGBM"):
        ratio = line(f"parse-vs-{peer.lower()}", med["famol"], peer, med[peer], "MB/s")
        print(f"bench parse-memory-vs-{peer.lower()}: famol {rss['famol']:.0f} MiB | {peer} {rss[peer]:.0f} MiB peak resident", flush=True)
        results.append({"name": f"parse-vs-{peer.lower()}", "famol": med["famol"], "peer": peer, "peer_value": med[peer], "ratio": ratio,
                        "unit": "MB/s", "famol_peak_rss_mib": rss["famol"], "peer_peak_rss_mib": rss[peer], "file_mb": size, "runs": args.runs})


def scale(args, results):
    sizes = [2000, 10000] if args.quick else [10000, 100000, 1000000]
    rows = []
    for n in sizes:
        r = run_json([FAMOL, "bench", "scale", "--queries", str(n), "--steps", "5" if args.quick else "20"], ONE_THREAD)
        rows.append(r)
    print("bench scale: training with 256 shards, batch 256 queries, 10 documents x 16 features per query", flush=True)
    print(f"  {'queries':>9}  {'peak RSS MiB':>12}  {'setup s':>8}  {'ms/step':>8}", flush=True)
    for r in rows:
        print(f"  {r['queries']:>9}  {r['peak_rss_mib']:>12.0f}  {r['setup_seconds']:>8.2f}  {r['step_ms']:>8.2f}", flush=True)
    results.append({"name": "scale", "table": rows})


# PyClick at its HEAD on CPython, 50 EM iterations, the bundled Yandex trainSample (issue 16's
# measurement; seconds). SDBN, DCM and cascade were not timed there.
PYCLICK_SECONDS = {"pbm": 70.0, "ubm": 104.0, "dbn": 3580.0}
YANDEX = os.path.join(ROOT, "..", "shared", "datasets", "yandex-clicks-sample")


def click_models(args, results):
    models = ["pbm", "ubm", "dbn", "sdbn", "dcm", "cascade"]
    seconds = {m: [] for m in models}
    for _ in range(args.runs):
        out = run_json_document([FAMOL, "clicks", "--log", os.path.join(YANDEX, "trainSample"), "--test",
                                 os.path.join(YANDEX, "testSample"), "--model", *models, "--format", "json"])
        for m in out["models"]:
            seconds[m["model"]].append(m["fit_seconds"])
    for m in models:
        ours = statistics.median(seconds[m])
        peer = PYCLICK_SECONDS.get(m)
        if peer:
            ratio = peer / ours
            print(f"bench clickmodel-{m}: famol {ours:.3f} s | PyClick (published, CPython) {peer:.0f} s | ratio {ratio:.0f}x", flush=True)
        else:
            ratio = None
            print(f"bench clickmodel-{m}: famol {ours:.3f} s | PyClick not timed", flush=True)
        results.append({"name": f"clickmodel-{m}", "famol_seconds": ours, "peer": "PyClick (published)", "peer_seconds": peer,
                        "ratio": ratio, "unit": "s", "runs": args.runs})


def study_cluster(args, tmp, results):
    """The study's training phase: one cluster for every model against a famol local per model
    (the path before) and against training in process, from the same build in the same run."""
    cranfield = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "datasets", "cranfield")
    config = os.path.join(tmp, "study.toml")
    with open(config, "w") as f:
        f.write("seed = 42\nqueries = %d\n[study]\nsimulation_seeds = %d\ntraining_seeds = 1\npermutations = 200\n"
                "true_negatives = false\n[clicks]\nimpressions = 2000\n[training]\nepochs = %d\n[world]\nquality_strengths = [1]\n"
                % ((12, 1, 3) if args.quick else (40, 2, 10)))
    seconds = {}
    for label, extra in (("in-process", ["--workers", "0"]), ("one cluster", ["--workers", "2"]),
                         ("cluster per model", ["--workers", "2", "--cluster-per-model"])):
        runs = []
        for r in range(1 if args.quick else min(args.runs, 3)):
            out = os.path.join(tmp, f"study-{label[0:3]}-{r}")
            p = subprocess.run([FAMOL, "demo", "--config", config, "--cranfield", cranfield, "--out", out, *extra],
                               capture_output=True, text=True)
            if p.returncode != 0:
                raise SystemExit(f"bench: famol demo {' '.join(extra)} failed:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
            runs.append(float(re.search(r"trained the study's models in ([0-9.]+) s", p.stdout).group(1)))
        seconds[label] = statistics.median(runs)
    shared = seconds["one cluster"]
    for peer in ("cluster per model", "in-process"):
        ratio = seconds[peer] / shared
        print(f"bench study-training-{peer.replace(' ', '-')}: famol one cluster {shared:.2f} s | {peer} {seconds[peer]:.2f} s | "
              f"ratio {ratio:.2f} (above 1: the one cluster is faster)", flush=True)
        results.append({"name": "study-training-vs-" + peer.replace(" ", "-"), "famol": shared, "peer": peer, "peer_value": seconds[peer],
                        "ratio": ratio, "unit": "s", "runs": 1 if args.quick else min(args.runs, 3)})


def run_json_document(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd[:4])} failed:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="each workload once on small data (smoke test)")
    ap.add_argument("--famol-only", action="store_true", help="skip the peers (for make test)")
    ap.add_argument("--only", default="gradient,cluster,network,parse,scale,clicks,study")
    args = ap.parse_args()
    if args.quick:
        args.runs = 1
    only = set(args.only.split(","))
    print(f"bench: CPU {cpu_model()}, {os.cpu_count()} cores; famol {FAMOL}; runs {args.runs}{' (quick smoke test)' if args.quick else ''}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        workloads = [("gradient", lambda r: gradient(args, r)), ("cluster", lambda r: cluster_overhead(args, tmp, r)),
                     ("network", lambda r: network_latency(args, tmp, r, FAMOL, dict(os.environ, **ONE_THREAD))),
                     ("parse", lambda r: parse(args, tmp, r)), ("scale", lambda r: scale(args, r)),
                     ("clicks", lambda r: click_models(args, r)), ("study", lambda r: study_cluster(args, tmp, r))]
        for name, run in workloads:
            if name not in only:
                continue
            results = []
            run(results)
            if not args.quick and not args.famol_only:
                record(results)  # each workload as it ends: a long run stopped half-way keeps what it measured


if __name__ == "__main__":
    main()
